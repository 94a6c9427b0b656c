//! Check results reported by agents (reachability probes and plugin checks): each named
//! check of an instance gets its own series, so its results are stored, rolled up and
//! queried exactly like a service's, and its last result is kept for listing.

use std::collections::HashMap;

use chrono::Utc;
use monitron_proto::push::CheckResult;
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set,
};
use uuid::Uuid;

use crate::db::entities::{instance_probe, series};
use crate::history::{self, store, ResultRow};

/// Longest stored message.
const MAX_MESSAGE: usize = 500;

/// Stores results of one instance's agent. Results already stored (same check, same
/// millisecond) are skipped, so replays are harmless.
pub async fn store(
    db: &impl ConnectionTrait,
    monitor_id: Uuid,
    results: &[CheckResult],
) -> Result<(), DbErr> {
    if results.is_empty() {
        return Ok(());
    }
    let known: HashMap<String, instance_probe::Model> = instance_probe::Entity::find()
        .filter(instance_probe::Column::MonitorId.eq(monitor_id))
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.name.clone(), p))
        .collect();
    let mut series_of: HashMap<&str, i64> = known
        .iter()
        .map(|(n, p)| (n.as_str(), p.series_id))
        .collect();
    let mut newest: HashMap<&str, &CheckResult> = HashMap::new();
    let mut rows = Vec::with_capacity(results.len());
    for r in results {
        let name = truncate(&r.name, 100);
        let series_id = match series_of.get(r.name.as_str()) {
            Some(id) => *id,
            None => {
                let created = series::ActiveModel {
                    kind: Set("probe".into()),
                    created_at: Set(Utc::now()),
                    ..Default::default()
                }
                .insert(db)
                .await?;
                instance_probe::ActiveModel {
                    monitor_id: Set(monitor_id),
                    name: Set(name.clone()),
                    series_id: Set(created.id),
                    source: Set(truncate(&r.source, 16)),
                    check_type: Set(truncate(&r.check_type, 32)),
                    last_at: Set(r.timestamp),
                    up: Set(r.up),
                    response_ms: Set(r.response_ms),
                    message: Set(Some(truncate(&r.message, MAX_MESSAGE))),
                    details: Set(Some(r.details.clone())),
                }
                .insert(db)
                .await?;
                series_of.insert(r.name.as_str(), created.id);
                created.id
            }
        };
        rows.push(ResultRow {
            series_id,
            ts: r.timestamp.timestamp_millis(),
            up: r.up,
            response_us: history::micros(r.response_ms),
            message: (!r.up).then(|| truncate(&r.message, MAX_MESSAGE)),
        });
        let entry = newest.entry(r.name.as_str()).or_insert(r);
        if r.timestamp > entry.timestamp {
            *entry = r;
        }
    }
    // Replays must not count twice in the rollups: fold only rows not stored yet.
    let fresh = store::insert_new_results(db, &rows).await?;
    store::upsert_rollups(db, &fresh).await?;
    for (name, r) in newest {
        if known.get(name).is_some_and(|p| p.last_at >= r.timestamp) {
            continue;
        }
        instance_probe::Entity::insert(instance_probe::ActiveModel {
            monitor_id: Set(monitor_id),
            name: Set(truncate(name, 100)),
            series_id: Set(series_of[name]),
            source: Set(truncate(&r.source, 16)),
            check_type: Set(truncate(&r.check_type, 32)),
            last_at: Set(r.timestamp),
            up: Set(r.up),
            response_ms: Set(r.response_ms),
            message: Set(Some(truncate(&r.message, MAX_MESSAGE))),
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
        .exec(db)
        .await?;
    }
    Ok(())
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

fn truncate(text: &str, max_chars: usize) -> String {
    match text.char_indices().nth(max_chars) {
        Some((end, _)) => text[..end].to_owned(),
        None => text.to_owned(),
    }
}
