//! Check workers: take check jobs from the queue and run them, many at once, each under
//! its own timeout, so a hanging target holds one slot of the concurrency bound and
//! never delays other monitors. A monitor whose previous check is still running skips
//! the new slot instead of piling up checks against a slow target.
//!
//! [`Worker::handle_job`] is one unit of work (tests call it directly); [`run`] is the
//! loop that feeds it from the queue.

use std::collections::HashSet;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex};

use chrono::Utc;
use futures_util::future::BoxFuture;
use futures_util::FutureExt;
use monitron_probe::Outcome;
use serde::{Deserialize, Serialize};
use tokio::sync::Semaphore;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::engine::writer::Recorded;
use crate::engine::Engine;
use crate::monitors::Runnable;
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
    /// Written at once instead of joining the next batch (a deadline passed).
    #[serde(rename = "u", default, skip_serializing_if = "std::ops::Not::not")]
    pub urgent: bool,
}

/// Runs one monitor's check; the engine's own in production, a stand-in in tests.
pub type CheckFn = Arc<dyn Fn(Arc<Runnable>) -> BoxFuture<'static, Option<Outcome>> + Send + Sync>;

/// What [`Worker::handle_job`] did with a job.
#[derive(Debug)]
pub enum Handled {
    /// The check runs in this task; it ends once the outcome is handed to the writer.
    Started(JoinHandle<()>),
    /// The monitor's previous check is still running: this slot is skipped.
    Skipped,
    /// The monitor is gone or paused.
    Ignored,
}

/// Runs check jobs within a concurrency bound.
#[derive(Clone)]
pub struct Worker {
    engine: Engine,
    permits: Arc<Semaphore>,
    running: Arc<Mutex<HashSet<Uuid>>>,
    concurrency: usize,
    check: CheckFn,
}

/// Holds a monitor's place in the running set; dropping it (normally or while a panic
/// unwinds) frees the monitor's next slot.
struct Running {
    set: Arc<Mutex<HashSet<Uuid>>>,
    id: Uuid,
}

impl Drop for Running {
    fn drop(&mut self) {
        self.set
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&self.id);
    }
}

impl Worker {
    /// A worker running at most `concurrency` checks at once with the engine's checks.
    pub fn new(engine: Engine, concurrency: usize) -> Self {
        let checker = engine.clone();
        let check: CheckFn = Arc::new(move |monitor: Arc<Runnable>| {
            let engine = checker.clone();
            async move { engine.run_check(&monitor).await }.boxed()
        });
        Self {
            engine,
            permits: Arc::new(Semaphore::new(concurrency.max(1))),
            running: Arc::default(),
            concurrency: concurrency.max(1),
            check,
        }
    }

    /// The same worker running checks with `check` instead (tests).
    pub fn checking_with(mut self, check: CheckFn) -> Self {
        self.check = check;
        self
    }

    /// One unit of work: waits for a free slot of the concurrency bound, then runs the
    /// job's check in a task of its own and hands the outcome to the writer. A check that
    /// panics frees its monitor's slot, is logged with the monitor's id and counted.
    pub async fn handle_job(&self, job: Job) -> Handled {
        let Ok(permit) = self.permits.clone().acquire_owned().await else {
            return Handled::Ignored;
        };
        let Some(monitor) = self.engine.catalog().get(job.monitor_id) else {
            return Handled::Ignored;
        };
        if !monitor.enabled {
            return Handled::Ignored;
        }
        if !self
            .running
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(monitor.id)
        {
            self.engine.metrics().engine.skipped.inc();
            tracing::debug!(monitor_id = %monitor.id, "Previous check still running; slot skipped.");
            return Handled::Skipped;
        }
        let running = Running {
            set: self.running.clone(),
            id: monitor.id,
        };
        let (engine, check) = (self.engine.clone(), self.check.clone());
        Handled::Started(tokio::spawn(async move {
            let _permit = permit;
            let started = Utc::now();
            let lag_s = (started.timestamp_millis() - job.due_at).max(0) as f64 / 1000.0;
            engine.metrics().engine.schedule_lag.observe(lag_s);
            let id = monitor.id;
            let outcome = AssertUnwindSafe(check(monitor.clone()))
                .catch_unwind()
                .await;
            drop(running);
            match outcome {
                Ok(Some(outcome)) => {
                    // A failure may open an incident and fire an alert: it is written at
                    // once rather than at the end of the batch window.
                    let urgent = job.urgent || outcome.status == monitron_probe::Status::Down;
                    engine
                        .writer()
                        .record(Recorded {
                            monitor,
                            checked_at: Utc::now(),
                            outcome,
                            done: None,
                            urgent,
                        })
                        .await;
                }
                Ok(None) => {}
                Err(panic) => {
                    let reason = panic
                        .downcast_ref::<&str>()
                        .map(|s| (*s).to_owned())
                        .or_else(|| panic.downcast_ref::<String>().cloned())
                        .unwrap_or_default();
                    engine.metrics().engine.check_panics.inc();
                    tracing::error!(monitor_id = %id, check_type = monitor.type_name(), panic = %reason, "A check panicked; no result is recorded for this slot.");
                }
            }
        }))
    }

    /// Waits until every running check has finished.
    pub async fn drain(&self) {
        let _ = self
            .permits
            .acquire_many(u32::try_from(self.concurrency).unwrap_or(u32::MAX))
            .await;
    }
}

/// Consumes check jobs until `stop` is cancelled, then waits for running checks.
pub async fn run(engine: Engine, queue: Queue, concurrency: usize, stop: CancellationToken) {
    let prefetch = u16::try_from(concurrency.min(u16::MAX as usize)).unwrap_or(u16::MAX);
    let Some(mut consumer) = queue.consume_until(WorkKind::Check, prefetch, &stop).await else {
        return;
    };
    let worker = Worker::new(engine, concurrency);
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
        // The check runs in its own task; waiting here only for a free slot.
        worker.handle_job(job).await;
    }
    // Wait for running checks to finish (each is bounded by its timeout).
    worker.drain().await;
    tracing::info!("Check worker stopped.");
}
