//! Check workers: take check jobs from the queue and run them, many at once, each under
//! its own timeout, so a hanging target holds one slot of the concurrency bound and
//! never delays other monitors. A monitor whose previous check is still running skips
//! the new slot instead of piling up checks against a slow target.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use chrono::Utc;
use serde::{Deserialize, Serialize};
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::engine::writer::Recorded;
use crate::engine::Engine;
use crate::queue::{Queue, WorkKind};

/// A check to run, as published by the scheduler.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Job {
    /// Monitor id.
    #[serde(rename = "m")]
    pub monitor_id: Uuid,
    /// Slot number.
    #[serde(rename = "s")]
    pub slot: i64,
    /// When the slot was due, epoch ms.
    #[serde(rename = "d")]
    pub due_at: i64,
}

/// Consumes check jobs until `stop` is cancelled, then waits for running checks.
pub async fn run(engine: Engine, queue: Queue, concurrency: usize, stop: CancellationToken) {
    let prefetch = u16::try_from(concurrency.min(u16::MAX as usize)).unwrap_or(u16::MAX);
    let mut consumer = loop {
        match queue.consume(WorkKind::Check, prefetch).await {
            Ok(c) => break c,
            Err(err) => {
                tracing::warn!(error = %err, "Cannot consume check jobs; retrying in 2 s.");
                tokio::select! {
                    () = stop.cancelled() => return,
                    () = tokio::time::sleep(std::time::Duration::from_secs(2)) => {}
                }
            }
        }
    };
    let permits = Arc::new(Semaphore::new(concurrency));
    let running: Arc<Mutex<HashSet<Uuid>>> = Arc::default();
    tracing::info!(concurrency, "Check worker started.");
    loop {
        let delivery = tokio::select! {
            () = stop.cancelled() => break,
            d = consumer.next() => d,
        };
        let Some(delivery) = delivery else { break };
        let delivery = match delivery {
            Ok(d) => d,
            Err(err) => {
                tracing::warn!(error = %err, "Receiving a check job failed.");
                continue;
            }
        };
        let job: Result<Job, _> = serde_json::from_slice(&delivery.payload);
        // Checks are transient: a lost job is a skipped slot, so acknowledge at once.
        if let Err(err) = delivery.ack().await {
            tracing::warn!(error = %err, "Acknowledging a check job failed.");
        }
        let Ok(job) = job else {
            tracing::warn!("Dropped a malformed check job.");
            continue;
        };
        let Ok(permit) = permits.clone().acquire_owned().await else {
            break;
        };
        let Some(monitor) = engine.catalog().get(job.monitor_id) else {
            continue;
        };
        if !monitor.enabled {
            continue;
        }
        if !running.lock().expect("running set").insert(monitor.id) {
            engine.metrics().engine.skipped.inc();
            tracing::debug!(monitor_id = %monitor.id, "Previous check still running; slot skipped.");
            continue;
        }
        let engine = engine.clone();
        let running = running.clone();
        tokio::spawn(async move {
            let started = Utc::now();
            let lag_s = (started.timestamp_millis() - job.due_at).max(0) as f64 / 1000.0;
            engine.metrics().engine.schedule_lag.observe(lag_s);
            let outcome = engine.run_check(&monitor).await;
            running.lock().expect("running set").remove(&monitor.id);
            if let Some(outcome) = outcome {
                engine
                    .writer()
                    .record(Recorded {
                        monitor,
                        checked_at: Utc::now(),
                        outcome,
                        done: None,
                    })
                    .await;
            }
            drop(permit);
        });
    }
    // Wait for running checks to finish (each is bounded by its timeout).
    let _ = permits.acquire_many(concurrency as u32).await;
    tracing::info!("Check worker stopped.");
}
