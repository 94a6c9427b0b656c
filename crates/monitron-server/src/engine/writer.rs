//! The result writer: one task per process that receives finished checks, batches them,
//! and in one transaction per batch stores raw results, folds them into the rollup tiers,
//! advances each monitor's state, and opens or resolves incidents. Then it updates the
//! per-monitor gauges and broadcasts live events.
//!
//! Batching is what makes persistence cheap: at 1,000 checks/s a batch holds a few
//! hundred results and costs a handful of statements instead of thousands.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use monitron_probe::{Outcome, Status};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait,
    QueryFilter, Set,
};
use tokio::sync::{broadcast, mpsc, oneshot};
use tokio::task::JoinHandle;
use uuid::Uuid;

use crate::alerting::evaluate::{evaluate, Evaluated, Fact};
use crate::alerting::Alerting;
use crate::audit::{self, Actor, Entry};
use crate::db::entities::{incident, monitor_state};
use crate::engine::transition::{Change, Tracked};
use crate::events::Event;
use crate::history::{self, store, ResultRow};
use crate::metrics::Metrics;
use crate::monitor_gauges::Sample;
use crate::monitors::view::MonitorStatus;
use crate::monitors::Runnable;
use crate::monitors::{Check, Kind};

/// Most results written in one batch.
const MAX_BATCH: usize = 5000;
/// How long a batch may wait to fill after its first result: long enough that a quiet
/// server writes a few batches a second, short enough that states stay fresh.
const BATCH_WINDOW: Duration = Duration::from_millis(1000);
/// Results waiting for the writer before senders wait too.
const CHANNEL_CAPACITY: usize = 20_000;

/// A finished check on its way to storage.
pub struct Recorded {
    /// The monitor.
    pub monitor: Arc<Runnable>,
    /// When the check finished.
    pub checked_at: DateTime<Utc>,
    /// What it found.
    pub outcome: Outcome,
    /// Told whether the result was stored: someone waits for it (a check run on request,
    /// a heartbeat ping), so it is written at once.
    pub done: Option<oneshot::Sender<Result<(), Lost>>>,
    /// Written at once though nobody waits: a status that changes at a deadline (a late
    /// heartbeat) must show within a second of it.
    pub urgent: bool,
}

/// A result the writer could not store (the database refused it after every retry); it
/// is counted in `monitron_results_lost_total`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the result could not be stored")]
pub struct Lost;

enum Message {
    Result(Recorded),
    /// Answered once everything sent before it is written.
    Flush(oneshot::Sender<()>),
}

/// Hands results to the writer task.
#[derive(Clone)]
pub struct Writer {
    tx: mpsc::Sender<Message>,
    metrics: Metrics,
}

impl Writer {
    /// Starts the writer task; it ends after every `Writer` is dropped and the last batch
    /// is written.
    pub fn start(
        db: DatabaseConnection,
        metrics: Metrics,
        events: broadcast::Sender<Event>,
        alerting: Alerting,
    ) -> (Self, JoinHandle<()>) {
        let (tx, rx) = mpsc::channel(CHANNEL_CAPACITY);
        let task = tokio::spawn(run(rx, db, metrics.clone(), events, alerting));
        (Self { tx, metrics }, task)
    }

    /// Queues a result for storage. If the writer has stopped, the result is dropped and
    /// counted; whoever waits for it sees its sender dropped, which reads as [`Lost`].
    pub async fn record(&self, recorded: Recorded) {
        if self.tx.send(Message::Result(recorded)).await.is_err() {
            tracing::warn!("Result dropped: the writer has stopped.");
            self.metrics.engine.results_lost.inc();
        }
    }

    /// Stores a result and waits until it is written; `Lost` when it could not be.
    pub async fn record_and_wait(
        &self,
        monitor: Arc<Runnable>,
        checked_at: DateTime<Utc>,
        outcome: Outcome,
    ) -> Result<(), Lost> {
        let (done, written) = oneshot::channel();
        self.record(Recorded {
            monitor,
            checked_at,
            outcome,
            done: Some(done),
            urgent: true,
        })
        .await;
        written.await.unwrap_or(Err(Lost))
    }

    /// Waits until every result sent so far is written.
    pub async fn flush(&self) {
        let (done, flushed) = oneshot::channel();
        if self.tx.send(Message::Flush(done)).await.is_ok() {
            let _ = flushed.await;
        }
    }
}

async fn run(
    mut rx: mpsc::Receiver<Message>,
    db: DatabaseConnection,
    metrics: Metrics,
    events: broadcast::Sender<Event>,
    alerting: Alerting,
) {
    let mut messages: Vec<Message> = Vec::new();
    let mut batch: Vec<Recorded> = Vec::new();
    let mut flushes: Vec<oneshot::Sender<()>> = Vec::new();
    loop {
        if rx.recv_many(&mut messages, MAX_BATCH).await == 0 {
            break;
        }
        let deadline = tokio::time::Instant::now() + BATCH_WINDOW;
        loop {
            for m in messages.drain(..) {
                match m {
                    Message::Result(r) => batch.push(r),
                    Message::Flush(done) => flushes.push(done),
                }
            }
            // Someone waits for this batch (a check run on request, a ping), or a status
            // changes at a deadline: write now.
            let awaited = !flushes.is_empty() || batch.iter().any(|r| r.urgent);
            if batch.len() >= MAX_BATCH || awaited {
                break;
            }
            tokio::select! {
                n = rx.recv_many(&mut messages, MAX_BATCH - batch.len()) => if n == 0 { break },
                () = tokio::time::sleep_until(deadline) => break,
            }
        }
        let stored = store_with_retries(&db, &metrics, &events, &alerting, &batch).await;
        for r in batch.drain(..) {
            if let Some(done) = r.done {
                let _ = done.send(stored);
            }
        }
        for done in flushes.drain(..) {
            let _ = done.send(());
        }
    }
}

/// How often a batch is tried before its results count as lost.
const WRITE_ATTEMPTS: u32 = 5;

/// Writes a batch, retrying with a growing pause; once the attempts are spent the
/// results are lost, counted, and reported to whoever waits for them.
async fn store_with_retries(
    db: &DatabaseConnection,
    metrics: &Metrics,
    events: &broadcast::Sender<Event>,
    alerting: &Alerting,
    batch: &[Recorded],
) -> Result<(), Lost> {
    if batch.is_empty() {
        return Ok(());
    }
    let mut attempt = 0;
    loop {
        attempt += 1;
        match write_batch(db, alerting, batch).await {
            Ok(written) => {
                if written.alerts.queued > 0 {
                    alerting.wake();
                }
                metrics.engine.batch_size.observe(batch.len() as f64);
                publish(metrics, events, batch, &written);
                return Ok(());
            }
            Err(err) if attempt < WRITE_ATTEMPTS => {
                tracing::warn!(error = %err, attempt, results = batch.len(), "Writing results failed; retrying.");
                tokio::time::sleep(Duration::from_millis(200 * u64::from(attempt))).await;
            }
            Err(err) => {
                tracing::error!(error = %err, results = batch.len(), "Writing results failed; this batch is lost.");
                metrics.engine.results_lost.inc_by(batch.len() as u64);
                return Err(Lost);
            }
        }
    }
}

/// What a batch changed, for events.
#[derive(Default)]
struct Written {
    /// (index in batch, previous status, new status) for status changes.
    changes: Vec<(usize, MonitorStatus, MonitorStatus)>,
    /// Indexes of results that were stored (their monitor still exists).
    stored: Vec<usize>,
    /// What rule evaluation did.
    alerts: Evaluated,
    /// Incidents opened and resolved.
    incidents: Vec<Event>,
}

fn tracked_of(row: &monitor_state::Model) -> Tracked {
    Tracked {
        status: MonitorStatus::parse(&row.status),
        since: row.status_since,
        failures: u32::try_from(row.consecutive_failures).unwrap_or(0),
        successes: u32::try_from(row.consecutive_successes).unwrap_or(0),
    }
}

/// Writes one batch; results of monitors deleted meanwhile are dropped.
async fn write_batch(
    db: &DatabaseConnection,
    alerting: &Alerting,
    batch: &[Recorded],
) -> anyhow::Result<Written> {
    let mut order: Vec<usize> = (0..batch.len()).collect();
    order.sort_by_key(|&i| batch[i].checked_at);
    let ids: Vec<Uuid> = {
        let mut ids: Vec<Uuid> = batch.iter().map(|r| r.monitor.id).collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    };
    let backend = db.get_database_backend();
    let txn = crate::db::begin_write(db).await?;
    let mut states: HashMap<Uuid, monitor_state::Model> = HashMap::new();
    for chunk in store::shaped_chunks(&ids, 256) {
        for row in monitor_state::Entity::find()
            .filter(monitor_state::Column::MonitorId.is_in(chunk.iter().copied()))
            .all(&txn)
            .await?
        {
            states.insert(row.monitor_id, row);
        }
    }

    let mut written = Written::default();
    let mut rows: Vec<ResultRow> = Vec::with_capacity(batch.len());
    let mut last_ts: HashMap<i64, i64> = HashMap::new();
    let mut tracked: HashMap<Uuid, Tracked> = HashMap::new();
    let mut openings: Vec<(usize, String)> = Vec::new();
    let mut recoveries: Vec<usize> = Vec::new();
    let mut failed: std::collections::HashSet<Uuid> = std::collections::HashSet::new();
    let now = Utc::now();
    let mut maintenance: HashMap<Uuid, bool> = HashMap::new();
    for &i in &order {
        let r = &batch[i];
        let Some(state) = states.get(&r.monitor.id) else {
            continue;
        };
        written.stored.push(i);
        let up = r.outcome.status == Status::Up;
        if !up {
            failed.insert(r.monitor.id);
        }
        // Two results of one series in the same millisecond keep both, a millisecond apart.
        let mut ts = r.checked_at.timestamp_millis();
        if let Some(prev) = last_ts.get(&r.monitor.series_id) {
            if ts <= *prev {
                ts = prev + 1;
            }
        }
        last_ts.insert(r.monitor.series_id, ts);
        // In a maintenance window a result is stored, marked, but moves nothing: no
        // incident, no alert, no uptime; the monitor shows `maintenance`.
        let in_window = *maintenance
            .entry(r.monitor.id)
            .or_insert_with(|| alerting.maintenance_of(&r.monitor, now).is_some());
        rows.push(ResultRow {
            series_id: r.monitor.series_id,
            ts,
            up,
            response_us: history::micros(r.outcome.response_ms),
            message: (!up).then(|| history::truncate(&r.outcome.message, 500)),
            maintenance: in_window,
        });
        let t = tracked
            .entry(r.monitor.id)
            .or_insert_with(|| tracked_of(state));
        let previous = t.status;
        if in_window {
            if previous != MonitorStatus::Maintenance {
                t.status = MonitorStatus::Maintenance;
                t.since = Some(r.checked_at);
                written.changes.push((i, previous, t.status));
            }
            continue;
        }
        match t.apply(
            up,
            r.checked_at,
            r.monitor.failure_threshold,
            r.monitor.success_threshold,
        ) {
            Change::None => {}
            // Up after a window: an incident open from before it is over.
            Change::FirstUp if previous == MonitorStatus::Maintenance => {
                written.changes.push((i, previous, t.status));
                recoveries.push(i);
            }
            Change::FirstUp => written.changes.push((i, previous, t.status)),
            Change::WentDown => {
                written.changes.push((i, previous, t.status));
                openings.push((i, r.outcome.message.clone()));
            }
            Change::Recovered => {
                written.changes.push((i, previous, t.status));
                recoveries.push(i);
            }
        }
    }
    if rows.is_empty() {
        txn.commit().await?;
        return Ok(written);
    }

    if backend == DbBackend::Postgres {
        store::copy_results(db, &rows).await?;
    } else {
        store::insert_results(&txn, &rows).await?;
    }
    if rows.iter().any(|row| row.maintenance) {
        let counted: Vec<ResultRow> = rows
            .iter()
            .filter(|row| !row.maintenance)
            .cloned()
            .collect();
        store::upsert_rollups(&txn, &counted).await?;
    } else {
        store::upsert_rollups(&txn, &rows).await?;
    }

    // The latest result of each monitor sets its state row.
    let mut latest: HashMap<Uuid, usize> = HashMap::new();
    for &i in &written.stored {
        latest.insert(batch[i].monitor.id, i);
    }
    let mut models: Vec<monitor_state::ActiveModel> = latest
        .values()
        .map(|&i| {
            let r = &batch[i];
            let t = &tracked[&r.monitor.id];
            monitor_state::ActiveModel {
                monitor_id: Set(r.monitor.id),
                status: Set(t.status.as_str().to_owned()),
                status_since: Set(t.since),
                last_checked_at: Set(Some(r.checked_at)),
                last_response_ms: Set(r.outcome.response_ms),
                message: Set(Some(history::truncate(&r.outcome.message, 500))),
                consecutive_failures: Set(i32::try_from(t.failures).unwrap_or(i32::MAX)),
                consecutive_successes: Set(i32::try_from(t.successes).unwrap_or(i32::MAX)),
                details: Set(keeps_details(&r.monitor).then(|| r.outcome.details.clone())),
                last_start_at: Set(None),
                last_success_at: Set(None),
                last_failure_at: Set(None),
                updated_at: Set(now),
            }
        })
        .collect();
    models.sort_by_key(|m| *m.monitor_id.as_ref());
    for chunk in store::shaped_chunks(&models, 256) {
        monitor_state::Entity::insert_many(chunk.to_vec())
            .on_conflict(
                OnConflict::column(monitor_state::Column::MonitorId)
                    .update_columns([
                        monitor_state::Column::Status,
                        monitor_state::Column::StatusSince,
                        monitor_state::Column::LastCheckedAt,
                        monitor_state::Column::LastResponseMs,
                        monitor_state::Column::Message,
                        monitor_state::Column::ConsecutiveFailures,
                        monitor_state::Column::ConsecutiveSuccesses,
                        monitor_state::Column::Details,
                        monitor_state::Column::UpdatedAt,
                    ])
                    .to_owned(),
            )
            .exec(&txn)
            .await?;
    }

    for (i, cause) in openings {
        let r = &batch[i];
        let open = incident::Entity::find()
            .filter(incident::Column::MonitorId.eq(r.monitor.id))
            .filter(incident::Column::ResolvedAt.is_null())
            .one(&txn)
            .await?;
        if open.is_some() {
            continue;
        }
        let id = Uuid::now_v7();
        let opened = incident::ActiveModel {
            id: Set(id),
            monitor_id: Set(r.monitor.id),
            target_type: Set(r.monitor.kind.as_str().to_owned()),
            target_name: Set(r.monitor.name.to_string()),
            group_name: Set(r.monitor.group.clone()),
            started_at: Set(r.checked_at),
            resolved_at: Set(None),
            cause: Set(history::truncate(&cause, 500)),
            last_message: Set(None),
            acknowledged_by: Set(None),
            acknowledged_at: Set(None),
        }
        .insert(&txn)
        .await?;
        written.incidents.push(crate::events::incident_event(
            &opened,
            "opened",
            r.checked_at,
        ));
        audit::record(
            &txn,
            None,
            Entry::new(Actor::system(), "incident.open")
                .target("incident", id)
                .details(serde_json::json!({
                    "monitor_id": r.monitor.id,
                    "monitor": r.monitor.name,
                    "cause": cause,
                })),
        )
        .await?;
    }
    for i in recoveries {
        let r = &batch[i];
        let open = incident::Entity::find()
            .filter(incident::Column::MonitorId.eq(r.monitor.id))
            .filter(incident::Column::ResolvedAt.is_null())
            .one(&txn)
            .await?;
        let Some(open) = open else { continue };
        let duration_s = (r.checked_at - open.started_at).num_seconds();
        let id = open.id;
        let mut active: incident::ActiveModel = open.into();
        active.resolved_at = Set(Some(r.checked_at));
        active.last_message = Set(Some(history::truncate(&r.outcome.message, 500)));
        let resolved = active.update(&txn).await?;
        written.incidents.push(crate::events::incident_event(
            &resolved,
            "resolved",
            r.checked_at,
        ));
        audit::record(
            &txn,
            None,
            Entry::new(Actor::system(), "incident.resolve")
                .target("incident", id)
                .details(serde_json::json!({
                    "monitor_id": r.monitor.id,
                    "monitor": r.monitor.name,
                    "duration_s": duration_s,
                })),
        )
        .await?;
    }
    let facts: Vec<Fact<'_>> = latest
        .values()
        .filter(|&&i| {
            !maintenance
                .get(&batch[i].monitor.id)
                .copied()
                .unwrap_or(false)
        })
        .map(|&i| {
            let r = &batch[i];
            Fact {
                monitor: &r.monitor,
                status: tracked[&r.monitor.id].status,
                at: r.checked_at,
                message: &r.outcome.message,
                failed_in_batch: failed.contains(&r.monitor.id),
                details: &r.outcome.details,
            }
        })
        .collect();
    written.alerts = evaluate(&txn, alerting, &facts, now).await?;
    txn.commit().await?;
    Ok(written)
}

/// Domains and certificate checks keep their last details (shown by the API).
fn keeps_details(monitor: &Runnable) -> bool {
    matches!(monitor.check, Check::Domain(_)) || monitor.type_name() == "tls"
}

fn publish(
    metrics: &Metrics,
    events: &broadcast::Sender<Event>,
    batch: &[Recorded],
    written: &Written,
) {
    let gauges = &metrics.engine;
    for &i in &written.stored {
        let r = &batch[i];
        let m = &r.monitor;
        let up = r.outcome.status == Status::Up;
        let details = &r.outcome.details;
        let unix = |v: &serde_json::Value| {
            v.as_str()
                .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
                .map(|t| t.timestamp())
        };
        let (domain_expires_at, certificate_expires_at) = match m.kind {
            Kind::Domain => (
                unix(&details["expires_at"]),
                unix(&details["ssl"]["valid_to"]),
            ),
            Kind::Service => (None, unix(&details["valid_to"])),
            Kind::Instance => (None, None),
        };
        gauges.monitors.set(
            m.id,
            Sample {
                name: m.name.clone(),
                kind: m.kind.as_str(),
                check_type: m.type_name(),
                up,
                response_ms: r.outcome.response_ms,
                certificate_expires_at,
                domain_expires_at,
            },
        );
        if events.receiver_count() > 0 {
            let _ = events.send(Event::Result {
                monitor_id: m.id,
                kind: m.kind,
                group: m.group.clone(),
                checked_at: r.checked_at,
                status: if up { "up" } else { "down" },
                response_ms: r.outcome.response_ms,
                message: r.outcome.message.clone(),
            });
        }
    }
    if events.receiver_count() > 0 {
        for event in written.incidents.iter().chain(&written.alerts.events) {
            let _ = events.send(event.clone());
        }
    }
    for &(i, previous, status) in &written.changes {
        let r = &batch[i];
        tracing::info!(monitor_id = %r.monitor.id, monitor = %r.monitor.name, from = previous.as_str(), to = status.as_str(), "Monitor changed status.");
        if events.receiver_count() > 0 {
            let _ = events.send(Event::Status {
                monitor_id: r.monitor.id,
                kind: r.monitor.kind,
                group: r.monitor.group.clone(),
                status,
                previous,
                at: r.checked_at,
                message: r.outcome.message.clone(),
            });
        }
    }
}
