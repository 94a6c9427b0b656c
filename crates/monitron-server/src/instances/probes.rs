//! Check results reported by agents (reachability probes and plugin checks): each named
//! check of an instance gets its own series, so its results are stored, rolled up and
//! queried exactly like a service's, and its last result is kept for listing.
//!
//! Everything an agent reports in one go is stored in one transaction, and results are
//! keyed by (check series, time): a replay is stored once and counted once in the
//! rollups. Names are cut to 100 characters, and an instance has at most
//! [`MAX_CHECKS_PER_INSTANCE`] named checks, so an agent cannot grow the database by
//! inventing names.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use monitron_proto::push::CheckResult;
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, DbErr,
    EntityTrait, QueryFilter, Set,
};
use uuid::Uuid;

use crate::db::entities::{instance_probe, series};
use crate::history::{self, retention, store, ResultRow, Retention};

/// Longest stored message.
const MAX_MESSAGE: usize = 500;
/// Longest check name.
const MAX_NAME: usize = 100;
/// Most named checks one instance may report.
pub const MAX_CHECKS_PER_INSTANCE: usize = 500;
/// How far ahead of the server's clock a result may be stamped.
const MAX_CLOCK_AHEAD_MS: i64 = 86_400_000;

/// What became of reported results.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Stored {
    /// Results kept (new or already there).
    pub kept: usize,
    /// Results outside raw retention or stamped far ahead, or of checks past the cap.
    pub dropped: usize,
}

/// Stores results of one instance's agent.
pub async fn store(
    db: &DatabaseConnection,
    monitor_id: Uuid,
    results: &[CheckResult],
    retention: &Retention,
    now: DateTime<Utc>,
) -> Result<Stored, DbErr> {
    let mut outcome = Stored::default();
    if results.is_empty() {
        return Ok(outcome);
    }
    let now_ms = now.timestamp_millis();
    let oldest = now_ms - retention.raw.as_millis() as i64;
    let in_window: Vec<&CheckResult> = results
        .iter()
        .filter(|r| {
            let ts = r.timestamp.timestamp_millis();
            ts >= oldest && ts <= now_ms + MAX_CLOCK_AHEAD_MS
        })
        .collect();
    outcome.dropped = results.len() - in_window.len();
    if db.get_database_backend() == DbBackend::Postgres {
        let mut days: Vec<i64> = in_window
            .iter()
            .map(|r| r.timestamp.timestamp_millis().div_euclid(86_400_000))
            .collect();
        days.sort_unstable();
        days.dedup();
        retention::ensure_partitions(db, "check_results", &days).await?;
    }

    let txn = crate::db::begin_write(db).await?;
    let known: HashMap<String, instance_probe::Model> = instance_probe::Entity::find()
        .filter(instance_probe::Column::MonitorId.eq(monitor_id))
        .all(&txn)
        .await?
        .into_iter()
        .map(|p| (p.name.clone(), p))
        .collect();
    let mut series_of: HashMap<String, i64> = known
        .iter()
        .map(|(n, p)| (n.clone(), p.series_id))
        .collect();
    let mut newest: HashMap<String, &CheckResult> = HashMap::new();
    let mut rows = Vec::with_capacity(in_window.len());
    for r in in_window {
        let name = history::truncate(&r.name, MAX_NAME);
        let series_id = match series_of.get(&name) {
            Some(id) => *id,
            None if series_of.len() >= MAX_CHECKS_PER_INSTANCE => {
                outcome.dropped += 1;
                continue;
            }
            None => {
                let created = series::ActiveModel {
                    kind: Set("probe".into()),
                    created_at: Set(now),
                    ..Default::default()
                }
                .insert(&txn)
                .await?;
                instance_probe::ActiveModel {
                    monitor_id: Set(monitor_id),
                    name: Set(name.clone()),
                    series_id: Set(created.id),
                    source: Set(history::truncate(&r.source, 16)),
                    check_type: Set(history::truncate(&r.check_type, 32)),
                    last_at: Set(r.timestamp),
                    up: Set(r.up),
                    response_ms: Set(r.response_ms),
                    message: Set(Some(history::truncate(&r.message, MAX_MESSAGE))),
                    details: Set(Some(r.details.clone())),
                }
                .insert(&txn)
                .await?;
                series_of.insert(name.clone(), created.id);
                created.id
            }
        };
        outcome.kept += 1;
        rows.push(ResultRow {
            series_id,
            ts: r.timestamp.timestamp_millis(),
            up: r.up,
            response_us: history::micros(r.response_ms),
            message: (!r.up).then(|| history::truncate(&r.message, MAX_MESSAGE)),
            maintenance: false,
        });
        let entry = newest.entry(name).or_insert(r);
        if r.timestamp > entry.timestamp {
            *entry = r;
        }
    }
    // Replays must not count twice in the rollups: fold only rows not stored yet.
    let fresh = store::insert_new_results(&txn, &rows).await?;
    store::upsert_rollups(&txn, &fresh).await?;
    for (name, r) in newest {
        if known.get(&name).is_some_and(|p| p.last_at >= r.timestamp) {
            continue;
        }
        instance_probe::Entity::insert(instance_probe::ActiveModel {
            monitor_id: Set(monitor_id),
            series_id: Set(series_of[&name]),
            name: Set(name),
            source: Set(history::truncate(&r.source, 16)),
            check_type: Set(history::truncate(&r.check_type, 32)),
            last_at: Set(r.timestamp),
            up: Set(r.up),
            response_ms: Set(r.response_ms),
            message: Set(Some(history::truncate(&r.message, MAX_MESSAGE))),
            details: Set(Some(r.details.clone())),
        })
        .on_conflict(
            OnConflict::columns([
                instance_probe::Column::MonitorId,
                instance_probe::Column::Name,
            ])
            .update_columns([
                instance_probe::Column::CheckType,
                instance_probe::Column::LastAt,
                instance_probe::Column::Up,
                instance_probe::Column::ResponseMs,
                instance_probe::Column::Message,
                instance_probe::Column::Details,
            ])
            .to_owned(),
        )
        .exec(&txn)
        .await?;
    }
    txn.commit().await?;
    if outcome.dropped > 0 {
        tracing::warn!(monitor_id = %monitor_id, results = outcome.dropped, "Agent check results were not stored: too old, stamped far ahead, or past the limit of named checks.");
    }
    Ok(outcome)
}

/// Deletes an instance's probes and their history.
pub async fn forget(db: &impl ConnectionTrait, monitor_id: Uuid) -> Result<(), DbErr> {
    let probes = instance_probe::Entity::find()
        .filter(instance_probe::Column::MonitorId.eq(monitor_id))
        .all(db)
        .await?;
    for p in probes {
        history::retention::forget_series(db, p.series_id).await?;
        series::Entity::delete_by_id(p.series_id).exec(db).await?;
    }
    instance_probe::Entity::delete_many()
        .filter(instance_probe::Column::MonitorId.eq(monitor_id))
        .exec(db)
        .await?;
    Ok(())
}
