//! The scheduler: decides when each monitor is checked and publishes check jobs.
//!
//! [`plan`] holds every enabled monitor's next due time in a heap; the loop here sleeps
//! until the earliest, publishes what is due, and keeps the plan in step with the
//! catalog. Only the holder of the scheduler [`lease`] publishes; other processes with
//! the scheduler role stand by and take over when the lease expires. The holder also
//! runs the history retention pass.

pub mod deadlines;
pub mod lease;
pub mod plan;

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::db::entities::monitor_state;
use crate::engine::worker::Job;
use crate::engine::Engine;
use crate::history::{self, Retention};
use crate::monitors::Check;
use crate::queue::{Queue, WorkKind};
use deadlines::Deadlines;
use plan::{Millis, Plan};

/// How long a lease lasts without renewal.
pub const LEASE_TTL: Duration = Duration::from_secs(10);
/// How often the holder renews and standbys try to take over.
pub const LEASE_RENEW: Duration = Duration::from_secs(2);
/// Start-up catch-up checks are spread over this window.
pub const CATCH_UP_WINDOW: Duration = Duration::from_secs(10);
/// How often the retention pass runs.
const RETENTION_EVERY: Duration = Duration::from_secs(3600);
/// How often heartbeat states are read for moved deadlines.
const DEADLINES_EVERY: Duration = Duration::from_secs(1);
/// How often uptime rules are judged.
const UPTIME_EVERY: Duration = Duration::from_secs(60);
/// How often alerting's time-driven steps are taken.
const ALERTING_EVERY: Duration = Duration::from_secs(1);
/// Pings through this process bring that read forward, at most this often.
const PING_COALESCE: Duration = Duration::from_millis(200);

fn now_ms() -> Millis {
    Utc::now().timestamp_millis()
}

/// Settings of the scheduler loop.
pub struct SchedulerConfig {
    /// Names this process in the lease.
    pub holder: String,
    /// History retention.
    pub retention: Retention,
    /// Opens channel secrets, for the Alertmanager re-sends.
    pub cipher: crate::cipher::Cipher,
    /// Sends to providers.
    pub notifier: crate::notify::Services,
    /// How often firing alerts go to Alertmanager channels again.
    pub alertmanager_resend: Duration,
}

/// Runs until `stop` is cancelled: stands by, and schedules while holding the lease.
pub async fn run(
    engine: Engine,
    db: DatabaseConnection,
    queue: Queue,
    config: SchedulerConfig,
    stop: CancellationToken,
) {
    let ttl_ms = LEASE_TTL.as_millis() as i64;
    let mut logged_standby = false;
    loop {
        match lease::acquire(&db, lease::SCHEDULER, &config.holder, now_ms(), ttl_ms).await {
            Ok(true) => {
                tracing::info!(holder = %config.holder, "Scheduler lease taken; scheduling checks.");
                engine.metrics().engine.scheduler_active.set(1);
                lead(&engine, &db, &queue, &config, &stop).await;
                engine.metrics().engine.scheduler_active.set(0);
                engine.metrics().engine.scheduled_monitors.set(0);
                if stop.is_cancelled() {
                    if let Err(err) = lease::release(&db, lease::SCHEDULER, &config.holder).await {
                        tracing::warn!(error = %err, "Releasing the scheduler lease failed; it expires by itself.");
                    }
                    return;
                }
                tracing::warn!(holder = %config.holder, "Scheduler lease lost; standing by.");
                logged_standby = false;
            }
            Ok(false) => {
                if !logged_standby {
                    tracing::info!(holder = %config.holder, "Another process holds the scheduler lease; standing by.");
                    logged_standby = true;
                }
            }
            Err(err) => tracing::warn!(error = %err, "Checking the scheduler lease failed."),
        }
        tokio::select! {
            () = stop.cancelled() => return,
            () = tokio::time::sleep(LEASE_RENEW) => {}
        }
    }
}

/// A monitor and when it was last checked.
type LastChecked = (Uuid, Option<DateTime<Utc>>);

/// What the plan knows about each monitor, to spot changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Planned {
    interval_s: u32,
    updated_at: DateTime<Utc>,
}

/// Brings the plan in step with the catalog; new or changed monitors are planned from
/// their last check (so overdue ones are caught up promptly).
async fn reconcile(
    engine: &Engine,
    db: &DatabaseConnection,
    plan: &mut Plan,
    planned: &mut HashMap<Uuid, Planned>,
) {
    let monitors = engine.catalog().all();
    let mut wanted: HashMap<Uuid, Planned> = HashMap::with_capacity(monitors.len());
    for m in &monitors {
        if m.enabled {
            wanted.insert(
                m.id,
                Planned {
                    interval_s: m.interval_s,
                    updated_at: m.updated_at,
                },
            );
        }
    }
    planned.retain(|id, _| {
        let keep = wanted.contains_key(id);
        if !keep {
            plan.remove(*id);
        }
        keep
    });
    let fresh: Vec<Uuid> = wanted
        .iter()
        .filter(|(id, p)| planned.get(id) != Some(p))
        .map(|(id, _)| *id)
        .collect();
    if fresh.is_empty() {
        return;
    }
    let mut last_checked: HashMap<Uuid, Millis> = HashMap::new();
    for chunk in history::store::shaped_chunks(&fresh, 256) {
        let rows: Result<Vec<LastChecked>, _> = monitor_state::Entity::find()
            .select_only()
            .column(monitor_state::Column::MonitorId)
            .column(monitor_state::Column::LastCheckedAt)
            .filter(monitor_state::Column::MonitorId.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(db)
            .await;
        match rows {
            Ok(rows) => {
                for (id, at) in rows {
                    if let Some(at) = at {
                        last_checked.insert(id, at.timestamp_millis());
                    }
                }
            }
            Err(err) => {
                tracing::warn!(error = %err, "Reading last check times failed; those monitors are checked now.")
            }
        }
    }
    let now = now_ms();
    for id in fresh {
        let p = wanted[&id];
        plan.upsert(
            id,
            i64::from(p.interval_s) * 1000,
            last_checked.get(&id).copied(),
            now,
        );
        planned.insert(id, p);
    }
}

/// The heartbeats whose deadlines are followed, taken again when the catalog changes.
fn enabled_heartbeats(engine: &Engine) -> Vec<std::sync::Arc<crate::monitors::Runnable>> {
    engine
        .catalog()
        .all()
        .into_iter()
        .filter(|m| m.enabled && matches!(m.check, Check::Heartbeat(_)))
        .collect()
}

/// Schedules while the lease holds; returns when it is lost or on `stop`.
async fn lead(
    engine: &Engine,
    db: &DatabaseConnection,
    queue: &Queue,
    config: &SchedulerConfig,
    stop: &CancellationToken,
) {
    let ttl_ms = LEASE_TTL.as_millis() as i64;
    let mut lease_until = now_ms() + ttl_ms;
    let mut plan = Plan::new(CATCH_UP_WINDOW.as_millis() as i64);
    let mut planned: HashMap<Uuid, Planned> = HashMap::new();
    let mut deadlines = Deadlines::default();
    let mut changes = engine.catalog().subscribe();
    if let Err(err) = engine.sync().await {
        tracing::warn!(error = %err, "Loading monitors failed.");
    }
    reconcile(engine, db, &mut plan, &mut planned).await;
    let mut watched = enabled_heartbeats(engine);
    let mut renew = tokio::time::interval(LEASE_RENEW);
    renew.tick().await;
    let mut heartbeats = tokio::time::interval(DEADLINES_EVERY);
    heartbeats.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut last_deadlines_read = tokio::time::Instant::now();
    let mut retention_at = tokio::time::Instant::now() + Duration::from_secs(60);
    // Alerting's time-driven steps run beside the schedule, so a slow step never delays
    // a check; they stop with the lease.
    let alerting_stop = stop.child_token();
    let _alerting_guard = alerting_stop.clone().drop_guard();
    tokio::spawn({
        let (db, engine, queue) = (db.clone(), engine.clone(), queue.clone());
        let (cipher, notifier, resend_every) = (
            config.cipher.clone(),
            config.notifier.clone(),
            config.alertmanager_resend,
        );
        async move {
            let mut resent_at = tokio::time::Instant::now();
            let mut uptime_at = tokio::time::Instant::now();
            let mut tick = tokio::time::interval(ALERTING_EVERY);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            let mut open_before: Vec<Uuid> = Vec::new();
            loop {
                tokio::select! {
                    () = alerting_stop.cancelled() => return,
                    _ = tick.tick() => {}
                }
                let alerting = engine.alerting();
                crate::alerting::clock::run_tick(&db, alerting, &engine).await;
                // A window that closed: its monitors are checked at once, so one still
                // failing goes down and alerts now rather than at its next slot.
                let open = alerting.open_windows(Utc::now());
                let open_now: Vec<Uuid> = open.iter().map(|w| w.id).collect();
                let closed: Vec<Uuid> = open_before
                    .iter()
                    .copied()
                    .filter(|id| !open_now.contains(id))
                    .collect();
                if !closed.is_empty() {
                    let windows = alerting.windows();
                    let now = now_ms();
                    let jobs: Vec<Job> = engine
                        .catalog()
                        .all()
                        .iter()
                        .filter(|m| {
                            m.enabled
                                && windows.iter().any(|w| {
                                    closed.contains(&w.id)
                                        && w.covers(m.id, m.kind, m.group.as_deref(), &m.labels)
                                })
                        })
                        .map(|m| Job {
                            monitor_id: m.id,
                            slot: -1,
                            due_at: now,
                            urgent: true,
                        })
                        .collect();
                    tracing::info!(
                        windows = closed.len(),
                        monitors = jobs.len(),
                        "Maintenance ended; checking its monitors now."
                    );
                    publish(&engine, &queue, &jobs).await;
                }
                open_before = open_now;
                if uptime_at.elapsed() >= UPTIME_EVERY {
                    uptime_at = tokio::time::Instant::now();
                    let judged = async {
                        let txn = crate::db::begin_write(&db).await?;
                        let done =
                            crate::alerting::uptime::evaluate(&txn, alerting, &engine, Utc::now())
                                .await?;
                        txn.commit().await?;
                        Ok::<_, sea_orm::DbErr>(done)
                    };
                    match judged.await {
                        Ok(mut done) => {
                            if done.queued > 0 {
                                alerting.wake();
                            }
                            done.publish(&engine);
                        }
                        Err(err) => tracing::warn!(error = %err, "Judging uptime rules failed."),
                    }
                }
                if resent_at.elapsed() >= resend_every {
                    resent_at = tokio::time::Instant::now();
                    if let Err(err) = crate::alerting::resend::resend(
                        &db,
                        alerting,
                        &cipher,
                        &notifier,
                        Utc::now(),
                    )
                    .await
                    {
                        tracing::warn!(error = %err, "Re-sending alerts to Alertmanager failed.");
                    }
                }
            }
        }
    });
    loop {
        engine
            .metrics()
            .engine
            .scheduled_monitors
            .set(planned.len() as i64);
        let next = [plan.next_due_at(), deadlines.next_at()]
            .into_iter()
            .flatten()
            .min();
        let sleep_ms = next.map_or(1000, |due| (due - now_ms()).clamp(0, 1000));
        tokio::select! {
            () = stop.cancelled() => return,
            _ = renew.tick() => {
                let now = now_ms();
                match lease::acquire(db, lease::SCHEDULER, &config.holder, now, ttl_ms).await {
                    Ok(true) => lease_until = now + ttl_ms,
                    Ok(false) => return,
                    Err(err) => tracing::warn!(error = %err, "Renewing the scheduler lease failed."),
                }
                for kind in WorkKind::ALL {
                    if let Ok(depth) = queue.depth(kind).await {
                        engine.metrics().engine.queue_depth.with_label_values(&[kind.name()]).set(i64::from(depth));
                    }
                }
                if tokio::time::Instant::now() >= retention_at {
                    retention_at = tokio::time::Instant::now() + RETENTION_EVERY;
                    let db = db.clone();
                    let retention = config.retention;
                    tokio::spawn(async move {
                        match history::retention::run(&db, &retention, Utc::now()).await {
                            Ok(removed) => tracing::info!(partitions = removed.partitions, rows = removed.rows, "History retention pass done."),
                            Err(err) => tracing::warn!(error = %err, "History retention pass failed."),
                        }
                    });
                }
            }
            // A ping through this process is followed at once (a burst of them by one
            // read); pings elsewhere within a second.
            () = engine.pinged() => {
                heartbeats.reset_at(last_deadlines_read + PING_COALESCE);
            }
            _ = heartbeats.tick() => {
                last_deadlines_read = tokio::time::Instant::now();
                if let Err(err) = deadlines.refresh(db, &watched, Utc::now()).await {
                    tracing::warn!(error = %err, "Reading heartbeat deadlines failed.");
                }
            }
            changed = changes.changed() => {
                if changed.is_ok() {
                    reconcile(engine, db, &mut plan, &mut planned).await;
                    watched = enabled_heartbeats(engine);
                    deadlines.reload();
                }
            }
            () = tokio::time::sleep(Duration::from_millis(sleep_ms as u64)) => {
                let now = now_ms();
                // Fencing: never publish on a lease that may have passed to another process.
                if now >= lease_until - 1000 {
                    continue;
                }
                let mut jobs = Vec::new();
                for due in plan.pop_due(now) {
                    if due.skipped > 0 {
                        engine.metrics().engine.skipped.inc_by(due.skipped as u64);
                    }
                    jobs.push(Job { monitor_id: due.monitor_id, slot: due.slot, due_at: due.due_at, urgent: false });
                }
                // A heartbeat whose deadline passed is evaluated now and written at once,
                // so it shows down within a second of the deadline.
                for monitor_id in deadlines.pop_due(now) {
                    jobs.push(Job { monitor_id, slot: -1, due_at: now, urgent: true });
                }
                publish(engine, queue, &jobs).await;
            }
        }
    }
}

/// Publishes a round of due jobs together (pipelined on RabbitMQ: one wait for all the
/// confirmations, not one per job). A job the queue refuses (full, or unreachable) is a
/// skipped slot.
async fn publish(engine: &Engine, queue: &Queue, jobs: &[Job]) {
    if jobs.is_empty() {
        return;
    }
    let payloads: Vec<Vec<u8>> = jobs
        .iter()
        .map(|job| serde_json::to_vec(job).expect("a job serializes"))
        .collect();
    let published = queue.publish_many(WorkKind::Check, payloads).await;
    if published.refused > 0 {
        engine
            .metrics()
            .engine
            .skipped
            .inc_by(published.refused as u64);
        tracing::warn!(
            refused = published.refused,
            error = published.error.as_deref().unwrap_or("the queue is full"),
            "Check jobs were not queued; their slots are skipped."
        );
    }
}

/// Keeps this process's catalog in step with the database until `stop`.
///
/// Start-up has just loaded the catalog, so the first sync comes one interval later.
pub async fn sync_loop(engine: Engine, stop: CancellationToken) {
    loop {
        tokio::select! {
            () = stop.cancelled() => return,
            () = tokio::time::sleep(crate::engine::SYNC_INTERVAL) => {}
        }
        if let Err(err) = engine.sync().await {
            tracing::warn!(error = %err, "Syncing monitors failed.");
        }
    }
}
