//! The ingest writer: one task per process that stores agent snapshots in batches (raw
//! rows, 1-minute and 1-hour rollups, the newest snapshot and last contact per
//! instance) in one transaction per batch, then updates the per-instance gauges and
//! broadcasts live events.
//!
//! Senders that must not lose data (push agents, which delete their buffer only on an
//! acknowledgement) wait for the batch's outcome; the pull worker does not.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use monitron_proto::Snapshot;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend};
use tokio::sync::{broadcast, mpsc, oneshot};
use tokio::task::JoinHandle;
use uuid::Uuid;

use crate::alerting::evaluate::{evaluate_metrics, Target};
use crate::alerting::Alerting;
use crate::events::Event;
use crate::history::host_metrics::{self as metrics, Latest, MetricRow};
use crate::history::{retention, Retention};
use crate::metrics::Metrics;
use crate::monitor_gauges::HostSample;

/// Most snapshots written in one batch.
const MAX_BATCH: usize = 20_000;
/// How long a batch waits to fill after its first snapshot.
const BATCH_WINDOW: Duration = Duration::from_millis(250);
/// Messages waiting before senders wait too.
const CHANNEL_CAPACITY: usize = 4096;
/// How far ahead of the server's clock a snapshot may be stamped.
const MAX_CLOCK_AHEAD_MS: i64 = 86_400_000;

/// The instance snapshots belong to.
#[derive(Debug, Clone)]
pub struct Source {
    /// Monitor id.
    pub monitor_id: Uuid,
    /// Its series.
    pub series_id: i64,
    /// Its name (gauges).
    pub name: Arc<str>,
    /// Its group (event filtering).
    pub group: Option<String>,
    /// Its labels (alert rules' selectors).
    pub labels: std::collections::BTreeMap<String, String>,
}

/// Snapshots from one agent.
pub struct Delivery {
    /// Whose.
    pub source: Source,
    /// Oldest first.
    pub snapshots: Vec<Snapshot>,
    /// Told `Ok` once stored (or skipped as too old), `Err` if the batch failed.
    pub done: Option<oneshot::Sender<Result<(), String>>>,
}

/// Hands snapshots to the ingest task.
#[derive(Clone)]
pub struct Ingest {
    tx: mpsc::Sender<Delivery>,
}

impl Ingest {
    /// Starts the task; it ends once every `Ingest` is dropped and the last batch is written.
    pub fn start(
        db: DatabaseConnection,
        metrics: Metrics,
        events: broadcast::Sender<Event>,
        retention: Retention,
        alerting: Alerting,
    ) -> (Self, JoinHandle<()>) {
        let (tx, rx) = mpsc::channel(CHANNEL_CAPACITY);
        let task = tokio::spawn(run(rx, db, metrics, events, retention, alerting));
        (Self { tx }, task)
    }

    /// Queues snapshots without waiting for them to be stored.
    pub async fn send(&self, source: Source, snapshots: Vec<Snapshot>) {
        let delivery = Delivery {
            source,
            snapshots,
            done: None,
        };
        if self.tx.send(delivery).await.is_err() {
            tracing::warn!("Snapshots dropped: the ingest writer has stopped.");
        }
    }

    /// Stores snapshots and waits until they are written.
    pub async fn store(&self, source: Source, snapshots: Vec<Snapshot>) -> Result<(), String> {
        let (done, stored) = oneshot::channel();
        let delivery = Delivery {
            source,
            snapshots,
            done: Some(done),
        };
        if self.tx.send(delivery).await.is_err() {
            return Err("the ingest writer has stopped".into());
        }
        stored
            .await
            .unwrap_or_else(|_| Err("the ingest writer has stopped".into()))
    }
}

async fn run(
    mut rx: mpsc::Receiver<Delivery>,
    db: DatabaseConnection,
    metrics: Metrics,
    events: broadcast::Sender<Event>,
    retention: Retention,
    alerting: Alerting,
) {
    let mut batch: Vec<Delivery> = Vec::new();
    let mut partitions = Partitions::default();
    loop {
        if rx.recv_many(&mut batch, 256).await == 0 {
            break;
        }
        let deadline = tokio::time::Instant::now() + BATCH_WINDOW;
        let mut size: usize = batch.iter().map(|d| d.snapshots.len()).sum();
        while size < MAX_BATCH {
            let before = batch.len();
            tokio::select! {
                n = rx.recv_many(&mut batch, 256) => if n == 0 { break },
                () = tokio::time::sleep_until(deadline) => break,
            }
            size += batch[before..]
                .iter()
                .map(|d| d.snapshots.len())
                .sum::<usize>();
        }
        let now = Utc::now();
        let mut result = Err(String::new());
        let mut alert_events = Vec::new();
        for attempt in 1..=3u64 {
            result =
                match write_batch(&db, &batch, now, &retention, &mut partitions, &alerting).await {
                    Ok(events) => {
                        alert_events = events;
                        Ok(())
                    }
                    Err(err) => Err(err.to_string()),
                };
            match &result {
                Ok(()) => break,
                Err(err) => {
                    tracing::warn!(error = %err, attempt, snapshots = size, "Storing snapshots failed.");
                    tokio::time::sleep(Duration::from_millis(200 * attempt)).await;
                }
            }
        }
        if result.is_ok() {
            metrics.engine.snapshots_stored.inc_by(size as u64);
            publish(&metrics, &events, &batch);
            for event in alert_events {
                let _ = events.send(event);
            }
        }
        for delivery in batch.drain(..) {
            if let Some(done) = delivery.done {
                let _ = done.send(result.clone());
            }
        }
    }
}

/// Raw-metric partitions known to exist (PostgreSQL).
#[derive(Default)]
struct Partitions {
    days: std::collections::HashSet<i64>,
}

async fn write_batch(
    db: &DatabaseConnection,
    batch: &[Delivery],
    now: DateTime<Utc>,
    retention: &Retention,
    partitions: &mut Partitions,
    alerting: &Alerting,
) -> anyhow::Result<Vec<Event>> {
    let now_ms = now.timestamp_millis();
    let oldest = now_ms - retention.raw.as_millis() as i64;
    let mut rows: Vec<MetricRow> = Vec::new();
    let mut outside = 0usize;
    let mut latest: HashMap<i64, (i64, Option<&Snapshot>)> = HashMap::new();
    for delivery in batch {
        let series_id = delivery.source.series_id;
        let entry = latest.entry(series_id).or_insert((i64::MIN, None));
        for snapshot in &delivery.snapshots {
            let row = MetricRow::of(series_id, snapshot);
            // Older than raw retention, or stamped by a clock far ahead: nothing to keep
            // it in. Acknowledged all the same, so the agent does not resend it forever.
            if row.ts < oldest || row.ts > now_ms + MAX_CLOCK_AHEAD_MS {
                outside += 1;
                continue;
            }
            if row.ts > entry.0 {
                *entry = (row.ts, Some(snapshot));
            }
            rows.push(row);
        }
    }
    if outside > 0 {
        tracing::warn!(
            snapshots = outside,
            "Snapshots older than raw retention or stamped more than a day ahead were not stored."
        );
    }
    if db.get_database_backend() == DbBackend::Postgres {
        let mut days: Vec<i64> = rows.iter().map(|r| r.ts.div_euclid(86_400_000)).collect();
        days.sort_unstable();
        days.dedup();
        days.retain(|d| !partitions.days.contains(d));
        if !days.is_empty() {
            retention::ensure_partitions(db, "instance_metrics", &days).await?;
            partitions.days.extend(days);
        }
    }
    let latest: Vec<Latest> = latest
        .into_iter()
        .map(|(series_id, (ts, snapshot))| Latest {
            series_id,
            ts: if snapshot.is_some() { ts } else { 0 },
            contact_ms: now_ms,
            snapshot: snapshot.and_then(|s| serde_json::to_string(s).ok()),
        })
        .collect();
    let txn = crate::db::begin_write(db).await?;
    rows.sort_by_key(|r| (r.series_id, r.ts));
    // A snapshot resent while its first copy waits in the same batch: keep one, or the
    // rollups would count the copy.
    rows.dedup_by_key(|r| (r.series_id, r.ts));
    metrics::store(&txn, &rows).await?;
    let mut latest = latest;
    latest.sort_by_key(|l| l.series_id);
    metrics::upsert_latest(&txn, &latest).await?;
    // Metric rules are judged on each instance's newest snapshot of the batch.
    let mut newest: HashMap<Uuid, (&Source, &Snapshot)> = HashMap::new();
    for delivery in batch {
        if let Some(s) = delivery.snapshots.iter().max_by_key(|s| s.timestamp) {
            let entry = newest
                .entry(delivery.source.monitor_id)
                .or_insert((&delivery.source, s));
            if s.timestamp > entry.1.timestamp {
                *entry = (&delivery.source, s);
            }
        }
    }
    let judged: Vec<_> = newest
        .values()
        .map(|(source, snapshot)| {
            let target = Target {
                id: source.monitor_id,
                kind: crate::monitors::Kind::Instance,
                name: &source.name,
                group: source.group.as_deref(),
                depends_on: &[],
            };
            (target, &source.labels, *snapshot)
        })
        .collect();
    let alerts = evaluate_metrics(&txn, alerting, &judged, now).await?;
    txn.commit().await?;
    if alerts.queued > 0 {
        alerting.wake();
    }
    Ok(alerts.events)
}

fn publish(metrics: &Metrics, events: &broadcast::Sender<Event>, batch: &[Delivery]) {
    let mut newest: HashMap<Uuid, (&Delivery, &Snapshot)> = HashMap::new();
    for delivery in batch {
        if let Some(s) = delivery.snapshots.iter().max_by_key(|s| s.timestamp) {
            let entry = newest
                .entry(delivery.source.monitor_id)
                .or_insert((delivery, s));
            if s.timestamp > entry.1.timestamp {
                *entry = (delivery, s);
            }
        }
    }
    for (id, (delivery, snapshot)) in newest {
        metrics
            .engine
            .monitors
            .set_host(id, HostSample::of(delivery.source.name.clone(), snapshot));
        if events.receiver_count() > 0 {
            let _ = events.send(Event::Metrics {
                monitor_id: id,
                group: delivery.source.group.clone(),
                snapshot: Arc::new(snapshot.clone()),
            });
        }
    }
}
