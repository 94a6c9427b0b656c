//! Keeping each tier to its age: daily partitions of raw results on PostgreSQL (created
//! ahead, dropped whole when old), and per-series range deletes elsewhere, which walk the
//! `(series_id, time)` primary key instead of scanning the table.

use chrono::{DateTime, Duration as ChronoDuration, NaiveDate, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, DbErr, Statement};

use crate::history::store::series_value;
use crate::history::{Retention, Tier};

/// Days of raw-result partitions created ahead of today.
const DAYS_AHEAD: i64 = 3;

fn day_start_ms(day: NaiveDate) -> i64 {
    day.and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc().timestamp_millis())
        .unwrap_or_default()
}

fn partition_name(day: NaiveDate) -> String {
    format!("check_results_p{}", day.format("%Y%m%d"))
}

/// Creates the raw-result partitions from yesterday to a few days ahead (PostgreSQL;
/// nothing to do on SQLite).
pub async fn prepare(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<(), DbErr> {
    if db.get_database_backend() != DbBackend::Postgres {
        return Ok(());
    }
    let today = now.date_naive();
    for offset in -1..=DAYS_AHEAD {
        let day = today + ChronoDuration::days(offset);
        let next = day + ChronoDuration::days(1);
        let sql = format!(
            "CREATE TABLE IF NOT EXISTS {} PARTITION OF check_results FOR VALUES FROM ({}) TO ({})",
            partition_name(day),
            day_start_ms(day),
            day_start_ms(next)
        );
        if let Err(err) = db.execute_unprepared(&sql).await {
            // Another process created it between IF NOT EXISTS and CREATE.
            if !err.to_string().contains("already exists") {
                return Err(err);
            }
        }
    }
    Ok(())
}

/// What one retention pass removed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Removed {
    /// Raw partitions dropped (PostgreSQL).
    pub partitions: u64,
    /// Rows deleted.
    pub rows: u64,
}

/// Removes everything older than the retention of its tier.
pub async fn run(
    db: &DatabaseConnection,
    retention: &Retention,
    now: DateTime<Utc>,
) -> Result<Removed, DbErr> {
    let backend = db.get_database_backend();
    let mut removed = Removed::default();
    let now_ms = now.timestamp_millis();
    if backend == DbBackend::Postgres {
        let cutoff = now_ms - retention.raw.as_millis() as i64;
        let rows = db
            .query_all(Statement::from_string(
                backend,
                "SELECT c.relname AS name FROM pg_inherits i \
                 JOIN pg_class c ON c.oid = i.inhrelid \
                 JOIN pg_class p ON p.oid = i.inhparent \
                 WHERE p.relname = 'check_results'",
            ))
            .await?;
        for row in rows {
            let name: String = row.try_get("", "name")?;
            let Some(day) = name
                .strip_prefix("check_results_p")
                .and_then(|d| NaiveDate::parse_from_str(d, "%Y%m%d").ok())
            else {
                continue;
            };
            // Whole partition older than the cutoff.
            if day_start_ms(day + ChronoDuration::days(1)) <= cutoff {
                db.execute_unprepared(&format!("DROP TABLE IF EXISTS {name}"))
                    .await?;
                removed.partitions += 1;
            }
        }
        prepare(db, now).await?;
    }
    let series: Vec<i64> = db
        .query_all(Statement::from_string(backend, "SELECT id FROM series"))
        .await?
        .into_iter()
        .filter_map(|r| r.try_get::<i64>("", "id").ok())
        .collect();
    let mut tiers = vec![Tier::Minute, Tier::Hour];
    if backend != DbBackend::Postgres {
        tiers.insert(0, Tier::Raw);
    }
    for tier in tiers {
        let Some(keep) = retention.of(tier) else {
            continue;
        };
        let cutoff = now_ms - keep.as_millis() as i64;
        let time = if tier == Tier::Raw { "ts" } else { "bucket" };
        for chunk in series.chunks(500) {
            let txn = crate::db::begin_write(db).await?;
            for id in chunk {
                let sql = format!(
                    "DELETE FROM {} WHERE series_id = ? AND {time} < ?",
                    tier.table()
                );
                let series_value = series_value(backend, *id);
                let result = txn
                    .execute(crate::db::statement(
                        backend,
                        &sql,
                        [series_value, cutoff.into()],
                    ))
                    .await?;
                removed.rows += result.rows_affected();
            }
            txn.commit().await?;
        }
    }
    Ok(removed)
}

/// Deletes every row of a series (its monitor was deleted).
pub async fn forget_series(db: &impl ConnectionTrait, series_id: i64) -> Result<(), DbErr> {
    let backend = db.get_database_backend();
    for tier in [Tier::Raw, Tier::Minute, Tier::Hour, Tier::Day] {
        let sql = format!("DELETE FROM {} WHERE series_id = ?", tier.table());
        db.execute(crate::db::statement(
            backend,
            &sql,
            [series_value(backend, series_id)],
        ))
        .await?;
    }
    Ok(())
}
