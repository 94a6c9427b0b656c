//! Reading history: window statistics, raw results, charted series and daily uptime, each
//! from the coarsest tier that answers it.

use std::collections::HashMap;

use chrono::{DateTime, Duration as ChronoDuration, NaiveDate, TimeZone, Utc};
use sea_orm::{ConnectionTrait, DbErr, QueryResult};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::Params;
use crate::history::store::series_value;
use crate::history::{Retention, Tier};

/// An integer column (NULL as 0), whichever width the backend gave it: PostgreSQL's
/// `series_id` columns are 4 bytes.
pub(crate) fn get_i64(row: &QueryResult, col: &str) -> Result<i64, DbErr> {
    match row.try_get::<Option<i64>>("", col) {
        Ok(v) => Ok(v.unwrap_or(0)),
        Err(_) => Ok(row.try_get::<Option<i32>>("", col)?.map_or(0, i64::from)),
    }
}

/// Sums over a window.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Totals {
    /// Results.
    pub checks: i64,
    /// Passing results.
    pub up: i64,
    /// Mean response time, ms.
    pub avg_ms: Option<f64>,
}

impl Totals {
    /// Percentage of passing results (None without results).
    pub fn uptime_pct(&self) -> Option<f64> {
        (self.checks > 0).then(|| self.up as f64 * 100.0 / self.checks as f64)
    }
}

/// Sums of one series since `from_ms`, from the minute tier for windows up to a day and
/// the hour tier beyond.
pub async fn totals(
    db: &impl ConnectionTrait,
    series_id: i64,
    from_ms: i64,
    window_ms: i64,
) -> Result<Totals, DbErr> {
    let backend = db.get_database_backend();
    let tier = if window_ms <= 86_400_000 {
        Tier::Minute
    } else {
        Tier::Hour
    };
    let mut params = Params::new(backend, 2);
    let sql = format!(
        "SELECT CAST(SUM(checks) AS BIGINT) AS checks, CAST(SUM(up) AS BIGINT) AS up, \
         CAST(SUM(timed) AS BIGINT) AS timed, CAST(SUM(sum_us) AS BIGINT) AS sum_us \
         FROM {} WHERE series_id = {} AND bucket >= {}",
        tier.table(),
        params.bind(series_value(backend, series_id)),
        params.bind(tier.bucket_of(from_ms)),
    );
    let row = db.query_one(params.statement(sql)).await?;
    let Some(row) = row else {
        return Ok(Totals::default());
    };
    let timed = get_i64(&row, "timed")?;
    let sum_us = get_i64(&row, "sum_us")?;
    Ok(Totals {
        checks: get_i64(&row, "checks")?,
        up: get_i64(&row, "up")?,
        avg_ms: (timed > 0).then(|| sum_us as f64 / timed as f64 / 1000.0),
    })
}

/// The 95th percentile of raw response times since `from_ms` (raw results only reach
/// back as far as their retention).
pub async fn p95_ms(
    db: &impl ConnectionTrait,
    series_id: i64,
    from_ms: i64,
) -> Result<Option<f64>, DbErr> {
    let backend = db.get_database_backend();
    let series = series_value(backend, series_id);
    let mut params = Params::new(backend, 2);
    let sql = format!(
        "SELECT CAST(COUNT(response_us) AS BIGINT) AS n FROM check_results \
         WHERE series_id = {} AND ts >= {} AND NOT maintenance",
        params.bind(series.clone()),
        params.bind(from_ms)
    );
    let count = db
        .query_one(params.statement(sql))
        .await?
        .map(|r| get_i64(&r, "n"))
        .transpose()?
        .unwrap_or(0);
    if count == 0 {
        return Ok(None);
    }
    // Nearest-rank percentile.
    let rank = ((count as f64) * 0.95).ceil() as i64 - 1;
    let mut params = Params::new(backend, 3);
    let sql = format!(
        "SELECT CAST(response_us AS BIGINT) AS us FROM check_results \
         WHERE series_id = {} AND ts >= {} AND response_us IS NOT NULL AND NOT maintenance \
         ORDER BY response_us LIMIT 1 OFFSET {}",
        params.bind(series),
        params.bind(from_ms),
        params.bind(rank.max(0))
    );
    let row = db.query_one(params.statement(sql)).await?;
    Ok(row
        .map(|r| get_i64(&r, "us"))
        .transpose()?
        .map(|us| us as f64 / 1000.0))
}

/// One raw result.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ResultPoint {
    /// When the check finished.
    pub checked_at: DateTime<Utc>,
    /// `up` or `down`.
    pub status: String,
    /// Response time.
    pub response_ms: Option<f64>,
    /// Why it failed (failures only).
    pub message: Option<String>,
    /// Taken during a maintenance window: left out of uptime, incidents and alerts.
    pub maintenance: bool,
}

/// Epoch milliseconds as a time.
pub(crate) fn at(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms).single().unwrap_or_default()
}

/// Raw results in `[from, to)`, newest first.
pub async fn results(
    db: &impl ConnectionTrait,
    series_id: i64,
    from_ms: i64,
    to_ms: i64,
    limit: u64,
) -> Result<Vec<ResultPoint>, DbErr> {
    let backend = db.get_database_backend();
    let mut params = Params::new(backend, 4);
    let sql = format!(
        "SELECT ts, up, CAST(response_us AS BIGINT) AS response_us, message, maintenance \
         FROM check_results \
         WHERE series_id = {} AND ts >= {} AND ts < {} ORDER BY ts DESC LIMIT {}",
        params.bind(series_value(backend, series_id)),
        params.bind(from_ms),
        params.bind(to_ms),
        params.bind(limit as i64)
    );
    let rows = db.query_all(params.statement(sql)).await?;
    rows.iter()
        .map(|r| {
            let up: bool = r.try_get("", "up")?;
            Ok(ResultPoint {
                checked_at: at(r.try_get("", "ts")?),
                status: if up { "up" } else { "down" }.into(),
                response_ms: r
                    .try_get::<Option<i64>>("", "response_us")?
                    .map(|us| us as f64 / 1000.0),
                message: r.try_get("", "message")?,
                maintenance: r.try_get("", "maintenance")?,
            })
        })
        .collect()
}

/// One point of a charted series.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SeriesPoint {
    /// Start of the step.
    pub t: DateTime<Utc>,
    /// Results in the step.
    pub checks: i64,
    /// Passing results.
    pub up: i64,
    /// Uptime in the step.
    pub uptime_pct: Option<f64>,
    /// Mean response time.
    pub avg_ms: Option<f64>,
    /// Fastest response.
    pub min_ms: Option<f64>,
    /// Slowest response.
    pub max_ms: Option<f64>,
}

/// The tier for a chart of `[from, now]` with steps of `step_ms`: the coarsest whose
/// buckets fit in a step and whose retention still reaches `from`.
pub fn choose_tier(step_ms: i64, from_ms: i64, now_ms: i64, retention: &Retention) -> Tier {
    let reaches = |tier: Tier| {
        tier.kept(retention)
            .is_none_or(|keep| now_ms - keep.as_millis() as i64 <= from_ms)
    };
    [Tier::Day, Tier::Hour, Tier::Minute, Tier::Raw]
        .into_iter()
        .find(|t| t.bucket_ms() <= step_ms && reaches(*t))
        .or_else(|| {
            [Tier::Raw, Tier::Minute, Tier::Hour, Tier::Day]
                .into_iter()
                .find(|t| reaches(*t))
        })
        .unwrap_or(Tier::Day)
}

/// A chart of `[from, to)` in steps of `step_ms` (a multiple of the tier's bucket).
pub async fn series(
    db: &impl ConnectionTrait,
    series_id: i64,
    tier: Tier,
    from_ms: i64,
    to_ms: i64,
    step_ms: i64,
) -> Result<Vec<SeriesPoint>, DbErr> {
    let backend = db.get_database_backend();
    let (time, checks, up, timed, sum, min, max) = if tier == Tier::Raw {
        (
            "ts",
            "COUNT(*)",
            "SUM(CASE WHEN up THEN 1 ELSE 0 END)",
            "COUNT(response_us)",
            "SUM(response_us)",
            "MIN(response_us)",
            "MAX(response_us)",
        )
    } else {
        (
            "bucket",
            "SUM(checks)",
            "SUM(up)",
            "SUM(timed)",
            "SUM(sum_us)",
            "MIN(min_us)",
            "MAX(max_us)",
        )
    };
    let start = tier.bucket_of(from_ms);
    let mut params = Params::new(backend, 5);
    let sql = format!(
        "SELECT CAST(({time} - {}) / {} AS BIGINT) AS k, CAST({checks} AS BIGINT) AS checks, \
         CAST({up} AS BIGINT) AS up, CAST({timed} AS BIGINT) AS timed, CAST({sum} AS BIGINT) AS sum_us, \
         CAST({min} AS BIGINT) AS min_us, CAST({max} AS BIGINT) AS max_us \
         FROM {table} WHERE series_id = {} AND {time} >= {} AND {time} < {} \
         GROUP BY 1 ORDER BY 1",
        params.bind(start),
        params.bind(step_ms),
        params.bind(series_value(backend, series_id)),
        params.bind(start),
        params.bind(to_ms),
        table = tier.table(),
    );
    let rows = db.query_all(params.statement(sql)).await?;
    rows.iter()
        .map(|r| {
            let checks = get_i64(r, "checks")?;
            let up = get_i64(r, "up")?;
            let timed = get_i64(r, "timed")?;
            let ms = |us: Option<i64>| us.map(|v| v as f64 / 1000.0);
            Ok(SeriesPoint {
                t: at(start + get_i64(r, "k")? * step_ms),
                checks,
                up,
                uptime_pct: (checks > 0).then(|| up as f64 * 100.0 / checks as f64),
                avg_ms: (timed > 0)
                    .then(|| get_i64(r, "sum_us").unwrap_or(0) as f64 / timed as f64 / 1000.0),
                min_ms: ms(r.try_get("", "min_us")?),
                max_ms: ms(r.try_get("", "max_us")?),
            })
        })
        .collect()
}

/// Sums of one step of a sparkline.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct StepTotals {
    /// Results.
    pub checks: i64,
    /// Passing results.
    pub up: i64,
    /// Results with a response time.
    pub timed: i64,
    /// Their response times, microseconds.
    pub sum_us: i64,
}

/// The sums of several series in `points` steps of `step_ms` from `from_ms`, read in
/// one query from `tier`: `(series_id, step index) -> sums`; steps without results are
/// absent.
pub async fn steps_of_many(
    db: &impl ConnectionTrait,
    series_ids: &[i64],
    tier: Tier,
    from_ms: i64,
    step_ms: i64,
    points: i64,
) -> Result<HashMap<(i64, i64), StepTotals>, DbErr> {
    if series_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let backend = db.get_database_backend();
    // Placeholders are bound in the order they appear (SQLite's `?` are positional).
    let mut params = Params::new(backend, series_ids.len() + 4);
    let start = params.bind(from_ms);
    let step = params.bind(step_ms);
    let ids: Vec<String> = series_ids
        .iter()
        .map(|&id| params.bind(series_value(backend, id)))
        .collect();
    let from = params.bind(from_ms);
    let to = params.bind(from_ms + step_ms * points);
    let sql = format!(
        "SELECT series_id, CAST((bucket - {start}) / {step} AS BIGINT) AS k, \
         CAST(SUM(checks) AS BIGINT) AS checks, CAST(SUM(up) AS BIGINT) AS up, \
         CAST(SUM(timed) AS BIGINT) AS timed, CAST(SUM(sum_us) AS BIGINT) AS sum_us \
         FROM {table} WHERE series_id IN ({ids}) AND bucket >= {from} AND bucket < {to} \
         GROUP BY 1, 2",
        table = tier.table(),
        ids = ids.join(","),
    );
    let rows = db.query_all(params.statement(sql)).await?;
    rows.iter()
        .map(|r| {
            Ok((
                (get_i64(r, "series_id")?, get_i64(r, "k")?),
                StepTotals {
                    checks: get_i64(r, "checks")?,
                    up: get_i64(r, "up")?,
                    timed: get_i64(r, "timed")?,
                    sum_us: get_i64(r, "sum_us")?,
                },
            ))
        })
        .collect()
}

/// One UTC day of a monitor.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DayBucket {
    /// The day (UTC).
    pub date: NaiveDate,
    /// Uptime that day (None without results).
    pub uptime_pct: Option<f64>,
    /// Results that day.
    pub checks: i64,
    /// Mean response time that day.
    pub avg_ms: Option<f64>,
    /// Incidents that started that day.
    pub incidents: i64,
}

/// The last `days` UTC days, today included, oldest first; `incident_starts` are the
/// start times of the monitor's incidents in that range.
pub async fn daily(
    db: &impl ConnectionTrait,
    series_id: i64,
    days: i64,
    now: DateTime<Utc>,
    incident_starts: &[DateTime<Utc>],
) -> Result<Vec<DayBucket>, DbErr> {
    let backend = db.get_database_backend();
    let today = now.date_naive();
    let first = today - ChronoDuration::days(days - 1);
    let first_ms = first
        .and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc().timestamp_millis())
        .unwrap_or_default();
    let mut params = Params::new(backend, 2);
    let sql = format!(
        "SELECT bucket, CAST(checks AS BIGINT) AS checks, CAST(up AS BIGINT) AS up, \
         CAST(timed AS BIGINT) AS timed, CAST(sum_us AS BIGINT) AS sum_us \
         FROM check_rollups_1d WHERE series_id = {} AND bucket >= {}",
        params.bind(series_value(backend, series_id)),
        params.bind(first_ms)
    );
    let rows = db.query_all(params.statement(sql)).await?;
    let mut out: Vec<DayBucket> = (0..days)
        .map(|i| DayBucket {
            date: first + ChronoDuration::days(i),
            uptime_pct: None,
            checks: 0,
            avg_ms: None,
            incidents: 0,
        })
        .collect();
    for r in &rows {
        let bucket: i64 = r.try_get("", "bucket")?;
        let index = (bucket - first_ms) / 86_400_000;
        let Some(day) = usize::try_from(index).ok().and_then(|i| out.get_mut(i)) else {
            continue;
        };
        let checks = get_i64(r, "checks")?;
        let up = get_i64(r, "up")?;
        let timed = get_i64(r, "timed")?;
        day.checks = checks;
        day.uptime_pct = (checks > 0).then(|| up as f64 * 100.0 / checks as f64);
        day.avg_ms =
            (timed > 0).then(|| get_i64(r, "sum_us").unwrap_or(0) as f64 / timed as f64 / 1000.0);
    }
    for start in incident_starts {
        let index = (start.date_naive() - first).num_days();
        if let Some(day) = usize::try_from(index).ok().and_then(|i| out.get_mut(i)) {
            day.incidents += 1;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_coarsest_tier_that_fits_and_reaches_back_is_chosen() {
        let r = Retention::default();
        let now = 400 * 86_400_000_i64 * 2;
        let day = 86_400_000;
        assert_eq!(choose_tier(10_000, now - 3_600_000, now, &r), Tier::Raw);
        assert_eq!(choose_tier(60_000, now - day, now, &r), Tier::Minute);
        assert_eq!(choose_tier(300_000, now - day, now, &r), Tier::Minute);
        assert_eq!(choose_tier(3_600_000, now - 7 * day, now, &r), Tier::Hour);
        assert_eq!(choose_tier(86_400_000, now - 90 * day, now, &r), Tier::Day);
        // Raw is gone after 7 days: a fine step over an old range uses the minute tier.
        assert_eq!(choose_tier(10_000, now - 10 * day, now, &r), Tier::Minute);
        // And the minute tier after 30 days.
        assert_eq!(choose_tier(60_000, now - 60 * day, now, &r), Tier::Hour);
        assert_eq!(choose_tier(60_000, now - 500 * day, now, &r), Tier::Day);
    }
}
