//! The metrics cache: the latest snapshot, collected every interval and served until it is
//! older than its time to live.
//!
//! Collections run on the blocking pool, one at a time: a slow `/proc` read or GPU driver
//! call never stalls the HTTP API, and a scrape that finds the cache empty or expired waits
//! for the collection already running instead of starting a second one. The snapshot is kept
//! serialised too, so a scrape every second costs a copy of bytes, not a serialisation.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use chrono::{DateTime, Utc};
use monitron_proto::snapshot::CustomMetric;
use monitron_proto::Snapshot;
use tokio_util::sync::CancellationToken;

use crate::collect::Collector;

/// A collected snapshot.
#[derive(Debug, Clone)]
pub struct Cached {
    /// The snapshot.
    pub snapshot: Arc<Snapshot>,
    /// Its JSON.
    pub json: Bytes,
    /// When it was collected, on the monotonic clock.
    pub collected_at: Instant,
}

/// Why no snapshot could be produced.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CacheError {
    /// The collection panicked (a bug); the panic was logged.
    #[error("the collection failed")]
    CollectionFailed,
}

/// The latest snapshot and the collector that renews it.
pub struct MetricsCache {
    collector: Arc<Mutex<Collector>>,
    single_flight: tokio::sync::Mutex<()>,
    latest: RwLock<Option<Cached>>,
    custom: Mutex<BTreeMap<String, Vec<CustomMetric>>>,
    ttl: Duration,
}

impl MetricsCache {
    /// A cache whose snapshots expire after `ttl`.
    pub fn new(collector: Collector, ttl: Duration) -> Self {
        Self {
            collector: Arc::new(Mutex::new(collector)),
            single_flight: tokio::sync::Mutex::new(()),
            latest: RwLock::new(None),
            custom: Mutex::new(BTreeMap::new()),
            ttl,
        }
    }

    /// The latest snapshot, fresh or not, without collecting.
    pub fn latest(&self) -> Option<Cached> {
        self.latest.read().expect("cache lock").clone()
    }

    /// When the latest snapshot was taken.
    pub fn last_collection_at(&self) -> Option<DateTime<Utc>> {
        self.latest().map(|c| c.snapshot.timestamp)
    }

    fn fresh(&self) -> Option<Cached> {
        self.latest()
            .filter(|c| c.collected_at.elapsed() < self.ttl)
    }

    /// The cached snapshot, collecting first when there is none or it expired.
    pub async fn get(&self) -> Result<Cached, CacheError> {
        if let Some(cached) = self.fresh() {
            return Ok(cached);
        }
        let _turn = self.single_flight.lock().await;
        // Whoever held the turn before may just have collected.
        if let Some(cached) = self.fresh() {
            return Ok(cached);
        }
        self.collect_locked().await
    }

    /// Collects now and caches the result.
    pub async fn refresh(&self) -> Result<Cached, CacheError> {
        let _turn = self.single_flight.lock().await;
        self.collect_locked().await
    }

    async fn collect_locked(&self) -> Result<Cached, CacheError> {
        let collector = self.collector.clone();
        let mut snapshot = tokio::task::spawn_blocking(move || {
            collector
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .collect()
        })
        .await
        .map_err(|err| {
            tracing::error!(error = %err, "Metrics collection panicked.");
            CacheError::CollectionFailed
        })?;
        snapshot.custom = self
            .custom
            .lock()
            .expect("custom metrics lock")
            .values()
            .flatten()
            .cloned()
            .collect();
        let json = serde_json::to_vec(&snapshot).map_err(|err| {
            tracing::error!(error = %err, "Cannot serialise a snapshot.");
            CacheError::CollectionFailed
        })?;
        let cached = Cached {
            snapshot: Arc::new(snapshot),
            json: Bytes::from(json),
            collected_at: Instant::now(),
        };
        *self.latest.write().expect("cache lock") = Some(cached.clone());
        Ok(cached)
    }

    /// Replaces the values a plugin reported; they appear in every later snapshot until the
    /// plugin reports again (or is removed: pass an empty list).
    pub fn set_custom(&self, plugin: &str, metrics: Vec<CustomMetric>) {
        let mut custom = self.custom.lock().expect("custom metrics lock");
        if metrics.is_empty() {
            custom.remove(plugin);
        } else {
            custom.insert(plugin.to_owned(), metrics);
        }
    }

    /// Collects every `interval` until `stop` is cancelled.
    pub async fn run(self: Arc<Self>, interval: Duration, stop: CancellationToken) {
        let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + interval, interval);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = stop.cancelled() => return,
                _ = ticks.tick() => {
                    let _ = self.refresh().await;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collect::Gpus;

    fn cache(ttl: Duration) -> MetricsCache {
        MetricsCache::new(Collector::new(Arc::new(Gpus::default())), ttl)
    }

    #[tokio::test]
    async fn a_fresh_snapshot_is_served_again_and_an_expired_one_renewed() {
        let cache = cache(Duration::from_millis(300));
        assert!(cache.latest().is_none());
        let first = cache.get().await.unwrap();
        let again = cache.get().await.unwrap();
        assert_eq!(first.snapshot.timestamp, again.snapshot.timestamp);
        tokio::time::sleep(Duration::from_millis(350)).await;
        let renewed = cache.get().await.unwrap();
        assert!(renewed.snapshot.timestamp > first.snapshot.timestamp);
        let parsed: Snapshot = serde_json::from_slice(&renewed.json).unwrap();
        assert_eq!(parsed.timestamp, renewed.snapshot.timestamp);
    }

    #[tokio::test]
    async fn plugin_values_join_the_next_snapshot() {
        let cache = cache(Duration::from_secs(5));
        let metric = CustomMetric {
            plugin: "queue".into(),
            name: "depth".into(),
            value: 3.0,
            unit: None,
        };
        cache.set_custom("queue", vec![metric.clone()]);
        assert_eq!(cache.refresh().await.unwrap().snapshot.custom, [metric]);
        cache.set_custom("queue", Vec::new());
        assert!(cache.refresh().await.unwrap().snapshot.custom.is_empty());
    }
}
