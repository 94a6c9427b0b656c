//! Keeping each tier to its age: daily partitions of raw results on PostgreSQL (created
//! ahead, dropped whole when old), and per-series range deletes elsewhere, which walk the
//! `(series_id, time)` primary key instead of scanning the table.

use chrono::{DateTime, Duration as ChronoDuration, NaiveDate, Utc};
use sea_orm::sea_query::{Alias, Expr, Query};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, DbErr, Statement};

use crate::history::host_metrics;
use crate::history::store::series_value;
use crate::history::{Retention, Tier};

/// Days of raw-result partitions created ahead of today.
const DAYS_AHEAD: i64 = 3;

fn day_start_ms(day: NaiveDate) -> i64 {
    day.and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc().timestamp_millis())
        .unwrap_or_default()
}

/// Tables partitioned by day on PostgreSQL: raw check results and raw instance metrics.
const PARTITIONED: [&str; 2] = ["check_results", "instance_metrics"];

fn partition_name(table: &str, day: NaiveDate) -> String {
    format!("{table}_p{}", day.format("%Y%m%d"))
}

async fn create_partition(
    db: &DatabaseConnection,
    table: &str,
    day: NaiveDate,
) -> Result<(), DbErr> {
    let next = day + ChronoDuration::days(1);
    let sql = format!(
        "CREATE TABLE IF NOT EXISTS {} PARTITION OF {table} FOR VALUES FROM ({}) TO ({})",
        partition_name(table, day),
        day_start_ms(day),
        day_start_ms(next)
    );
    match db.execute_unprepared(&sql).await {
        Ok(_) => Ok(()),
        // Another process created it between IF NOT EXISTS and CREATE.
        Err(err) if err.to_string().contains("already exists") => Ok(()),
        Err(err) => Err(err),
    }
}

/// Creates the raw partitions from yesterday to a few days ahead (PostgreSQL; nothing to
/// do on SQLite).
pub async fn prepare(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<(), DbErr> {
    if db.get_database_backend() != DbBackend::Postgres {
        return Ok(());
    }
    let today = now.date_naive();
    for table in PARTITIONED {
        for offset in -1..=DAYS_AHEAD {
            create_partition(db, table, today + ChronoDuration::days(offset)).await?;
        }
    }
    Ok(())
}

/// Creates raw partitions of `table` (`check_results` or `instance_metrics`) for the
/// given days (days since the epoch): agents replay buffered data from before yesterday.
pub async fn ensure_partitions(
    db: &DatabaseConnection,
    table: &str,
    days: &[i64],
) -> Result<(), DbErr> {
    debug_assert!(PARTITIONED.contains(&table));
    for day in days {
        let Some(date) = DateTime::from_timestamp(day * 86_400, 0).map(|d| d.date_naive()) else {
            continue;
        };
        create_partition(db, table, date).await?;
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
        for table in PARTITIONED {
            let rows = db
                .query_all(Statement::from_string(
                    backend,
                    format!(
                        "SELECT c.relname AS name FROM pg_inherits i \
                         JOIN pg_class c ON c.oid = i.inhrelid \
                         JOIN pg_class p ON p.oid = i.inhparent \
                         WHERE p.relname = '{table}'"
                    ),
                ))
                .await?;
            let prefix = format!("{table}_p");
            for row in rows {
                let name: String = row.try_get("", "name")?;
                let Some(day) = name
                    .strip_prefix(&prefix)
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
        let Some(keep) = tier.kept(retention) else {
            continue;
        };
        let cutoff = now_ms - keep.as_millis() as i64;
        let time = if tier == Tier::Raw { "ts" } else { "bucket" };
        for table in [tier.table(), host_metrics::table(tier)] {
            removed.rows += delete_older(db, &series, table, time, cutoff).await?;
        }
    }
    Ok(removed)
}

/// Deletes rows older than `cutoff` from a tier table, one series at a time along the
/// primary key.
async fn delete_older(
    db: &DatabaseConnection,
    series: &[i64],
    table: &str,
    time: &str,
    cutoff: i64,
) -> Result<u64, DbErr> {
    let backend = db.get_database_backend();
    let mut removed = 0;
    for chunk in series.chunks(500) {
        let txn = crate::db::begin_write(db).await?;
        for id in chunk {
            let delete = Query::delete()
                .from_table(Alias::new(table))
                .and_where(Expr::col(Alias::new("series_id")).eq(series_value(backend, *id)))
                .and_where(Expr::col(Alias::new(time)).lt(cutoff))
                .to_owned();
            removed += txn.execute(backend.build(&delete)).await?.rows_affected();
        }
        txn.commit().await?;
    }
    Ok(removed)
}

/// Deletes every row of a series (its monitor was deleted).
pub async fn forget_series(db: &impl ConnectionTrait, series_id: i64) -> Result<(), DbErr> {
    let backend = db.get_database_backend();
    for tier in [Tier::Raw, Tier::Minute, Tier::Hour, Tier::Day] {
        let delete = Query::delete()
            .from_table(Alias::new(tier.table()))
            .and_where(Expr::col(Alias::new("series_id")).eq(series_value(backend, series_id)))
            .to_owned();
        db.execute(backend.build(&delete)).await?;
    }
    host_metrics::forget(db, series_id).await
}
