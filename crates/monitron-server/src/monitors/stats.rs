//! What a monitor's history says: statistics over a window, raw results, a charted series
//! from the tier that fits, and daily uptime. Each read applies the caller's grants.

use chrono::{DateTime, Duration as ChronoDuration, Utc};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::{Principal, Role};
use crate::db::entities::{incident, monitor};
use crate::error::{Error, Result};
use crate::history::{self, query};
use crate::monitors::service::{Monitors, Runner};
use crate::monitors::view::{MonitorStatus, StateView};
use crate::monitors::Kind;

/// Most points one series request may return.
pub const MAX_POINTS: i64 = 5000;

/// A window for statistics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
pub enum Window {
    /// The last 24 hours.
    #[default]
    #[serde(rename = "24h")]
    Day,
    /// The last 7 days.
    #[serde(rename = "7d")]
    Week,
    /// The last 30 days.
    #[serde(rename = "30d")]
    Month,
    /// The last 90 days.
    #[serde(rename = "90d")]
    Quarter,
}

impl Window {
    fn duration(self) -> ChronoDuration {
        ChronoDuration::days(match self {
            Self::Day => 1,
            Self::Week => 7,
            Self::Month => 30,
            Self::Quarter => 90,
        })
    }
}

/// Statistics over a window.
#[derive(Debug, Serialize, ToSchema)]
pub struct Stats {
    /// The window.
    pub window: Window,
    /// Share of passing checks (absent without checks).
    pub uptime_pct: Option<f64>,
    /// Mean response time.
    pub avg_response_ms: Option<f64>,
    /// 95th percentile of response times, over the raw results in the window (raw
    /// results are kept 7 days by default).
    pub p95_response_ms: Option<f64>,
    /// Checks in the window.
    pub checks: i64,
    /// Failed checks in the window.
    pub failures: i64,
    /// Incidents that started in the window.
    pub incidents_total: u64,
    /// When the last check finished.
    pub last_checked_at: Option<DateTime<Utc>>,
    /// Response time of the last check.
    pub last_response_ms: Option<f64>,
    /// Current status.
    pub current_status: MonitorStatus,
    /// Since when.
    pub status_since: Option<DateTime<Utc>>,
}

/// A charted series.
#[derive(Debug, Serialize, ToSchema)]
pub struct SeriesView {
    /// The tier read: `raw`, `1m`, `1h` or `1d`.
    pub tier: &'static str,
    /// Seconds per point.
    pub step_s: i64,
    /// The points, oldest first (steps without results are absent).
    pub points: Vec<query::SeriesPoint>,
}

/// `from` and `to` with their defaults: `to` is now, `from` is `default_span` before it.
pub fn range(
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
    default_span: ChronoDuration,
) -> Result<(DateTime<Utc>, DateTime<Utc>)> {
    let to = to.unwrap_or_else(Utc::now);
    let from = from.unwrap_or(to - default_span);
    if from >= to {
        return Err(Error::field("from", "must be before to"));
    }
    Ok((from, to))
}

/// A chart step in milliseconds: the one asked for, or the range in about 200 points.
pub fn step_ms(step_s: Option<u64>, span_ms: i64) -> Result<i64> {
    match step_s {
        Some(0) => Err(Error::field("step", "must be at least 1")),
        Some(s) => i64::try_from(s)
            .ok()
            .and_then(|s| s.checked_mul(1000))
            .ok_or_else(|| Error::field("step", "is too large")),
        None => Ok((span_ms / 200).max(1000)),
    }
}

/// `step_ms` rounded up to whole buckets of `bucket_ms`, refused when the range would
/// need more than [`MAX_POINTS`].
pub fn fit_step(step_ms: i64, bucket_ms: i64, span_ms: i64) -> Result<i64> {
    let step_ms = (step_ms + bucket_ms - 1) / bucket_ms * bucket_ms;
    if span_ms / step_ms > MAX_POINTS {
        return Err(Error::field(
            "step",
            format!("gives more than {MAX_POINTS} points for this range; use a larger step"),
        ));
    }
    Ok(step_ms)
}

/// A tier's name as the API shows it.
pub fn tier_name(tier: history::Tier) -> &'static str {
    match tier {
        history::Tier::Raw => "raw",
        history::Tier::Minute => "1m",
        history::Tier::Hour => "1h",
        history::Tier::Day => "1d",
    }
}

impl<R: Runner> Monitors<'_, R> {
    /// Statistics of a monitor over a window.
    pub async fn stats(
        &self,
        principal: &Principal,
        kind: Kind,
        id: Uuid,
        window: Window,
    ) -> Result<Stats> {
        let row = self.find(principal, kind, id, Role::Viewer).await?;
        let now = Utc::now();
        let from = now - window.duration();
        let window_ms = window.duration().num_milliseconds();
        let totals =
            query::totals(self.db, row.series_id, from.timestamp_millis(), window_ms).await?;
        let p95 = query::p95_ms(self.db, row.series_id, from.timestamp_millis()).await?;
        let incidents_total = incident::Entity::find()
            .filter(incident::Column::MonitorId.eq(id))
            .filter(incident::Column::StartedAt.gte(from))
            .count(self.db)
            .await?;
        let state = crate::monitors::service::state_of(self.db, id).await?;
        let view = StateView::of(&row, state.as_ref());
        Ok(Stats {
            window,
            uptime_pct: totals.uptime_pct(),
            avg_response_ms: totals.avg_ms,
            p95_response_ms: p95,
            checks: totals.checks,
            failures: totals.checks - totals.up,
            incidents_total,
            last_checked_at: view.last_checked_at,
            last_response_ms: view.last_response_ms,
            current_status: view.status,
            status_since: view.status_since,
        })
    }

    /// Raw results of a monitor between `from` and `to`, newest first, at most `limit`.
    pub async fn results(
        &self,
        principal: &Principal,
        kind: Kind,
        id: Uuid,
        (from, to): (Option<DateTime<Utc>>, Option<DateTime<Utc>>),
        limit: Option<u64>,
    ) -> Result<Vec<query::ResultPoint>> {
        let limit = limit.unwrap_or(100);
        if !(1..=1000).contains(&limit) {
            return Err(Error::field("limit", "must be between 1 and 1000"));
        }
        let (from, to) = range(from, to, ChronoDuration::days(1))?;
        let row = self.find(principal, kind, id, Role::Viewer).await?;
        Ok(query::results(
            self.db,
            row.series_id,
            from.timestamp_millis(),
            to.timestamp_millis(),
            limit,
        )
        .await?)
    }

    /// A charted series of a monitor, from the tier that fits the range and step.
    pub async fn series(
        &self,
        principal: &Principal,
        kind: Kind,
        id: Uuid,
        (from, to): (Option<DateTime<Utc>>, Option<DateTime<Utc>>),
        step_s: Option<u64>,
    ) -> Result<SeriesView> {
        let (from, to) = range(from, to, ChronoDuration::days(1))?;
        let span_ms = (to - from).num_milliseconds();
        let step_ms = step_ms(step_s, span_ms)?;
        let row = self.find(principal, kind, id, Role::Viewer).await?;
        let tier = query::choose_tier(
            step_ms,
            from.timestamp_millis(),
            Utc::now().timestamp_millis(),
            self.retention,
        );
        let step_ms = fit_step(step_ms, tier.bucket_ms(), span_ms)?;
        let points = query::series(
            self.db,
            row.series_id,
            tier,
            from.timestamp_millis(),
            to.timestamp_millis(),
            step_ms,
        )
        .await?;
        Ok(SeriesView {
            tier: tier_name(tier),
            step_s: step_ms / 1000,
            points,
        })
    }

    /// Daily uptime of a monitor over the last 30 or 90 days.
    pub async fn uptime(
        &self,
        principal: &Principal,
        kind: Kind,
        id: Uuid,
        days: Option<u32>,
    ) -> Result<Vec<query::DayBucket>> {
        let days = days.unwrap_or(30);
        if days != 30 && days != 90 {
            return Err(Error::field("days", "must be 30 or 90"));
        }
        let row = self.find(principal, kind, id, Role::Viewer).await?;
        let now = Utc::now();
        let first = (now - ChronoDuration::days(i64::from(days) - 1))
            .date_naive()
            .and_hms_opt(0, 0, 0)
            .map(|t| t.and_utc())
            .unwrap_or(now);
        let starts: Vec<DateTime<Utc>> = incident::Entity::find()
            .select_only()
            .column(incident::Column::StartedAt)
            .filter(incident::Column::MonitorId.eq(id))
            .filter(incident::Column::StartedAt.gte(first))
            .into_tuple()
            .all(self.db)
            .await?;
        Ok(query::daily(self.db, row.series_id, i64::from(days), now, &starts).await?)
    }
}

/// Most monitors one sparkline request may ask for (a list page at most).
pub const MAX_SPARKLINES: usize = 500;

/// One step of a sparkline.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SparkPoint {
    /// Start of the step.
    pub t: DateTime<Utc>,
    /// Mean response time in the step (absent without timed results).
    pub avg_ms: Option<f64>,
    /// Uptime in the step (absent without results).
    pub uptime_pct: Option<f64>,
}

/// A monitor's recent response times and uptime, for a list row.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Sparkline {
    /// Monitor id.
    pub monitor_id: Uuid,
    /// Uptime over the whole window (absent without results).
    pub uptime_pct: Option<f64>,
    /// One point per step, oldest first, every step present.
    pub points: Vec<SparkPoint>,
}

impl<R: Runner> Monitors<'_, R> {
    /// Sparklines of up to [`MAX_SPARKLINES`] monitors over the last `hours` in `points`
    /// steps, read in one query; monitors the caller may not see (or that do not exist)
    /// are left out.
    pub async fn sparklines(
        &self,
        principal: &Principal,
        ids: &[Uuid],
        hours: u32,
        points: u32,
    ) -> Result<Vec<Sparkline>> {
        if ids.len() > MAX_SPARKLINES {
            return Err(Error::field(
                "ids",
                format!("at most {MAX_SPARKLINES} monitors per request"),
            ));
        }
        if !(1..=24 * 90).contains(&hours) {
            return Err(Error::field("hours", "must be between 1 and 2160"));
        }
        if !(1..=200).contains(&points) {
            return Err(Error::field("points", "must be between 1 and 200"));
        }
        let rows: Vec<(Uuid, i64, Option<String>)> = monitor::Entity::find()
            .select_only()
            .column(monitor::Column::Id)
            .column(monitor::Column::SeriesId)
            .column(monitor::Column::GroupName)
            .filter(monitor::Column::Id.is_in(ids.iter().copied()))
            .into_tuple()
            .all(self.db)
            .await?;
        let visible: Vec<(Uuid, i64)> = rows
            .into_iter()
            .filter(|(_, _, group)| principal.access.role_in(group.as_deref()).is_some())
            .map(|(id, series, _)| (id, series))
            .collect();
        let now = Utc::now().timestamp_millis();
        let span = i64::from(hours) * 3_600_000;
        // Sparklines read rollups only: the raw tier is keyed by result, not by bucket.
        let tier =
            match query::choose_tier(span / i64::from(points), now - span, now, self.retention) {
                history::Tier::Raw => history::Tier::Minute,
                tier => tier,
            };
        let step = fit_step(span / i64::from(points), tier.bucket_ms(), span)?;
        let steps = (span + step - 1) / step;
        let end = tier.bucket_of(now) + tier.bucket_ms();
        let from = end - step * steps;
        let series: Vec<i64> = visible.iter().map(|(_, s)| *s).collect();
        let sums = query::steps_of_many(self.db, &series, tier, from, step, steps).await?;
        Ok(visible
            .into_iter()
            .map(|(monitor_id, series)| {
                let mut total = query::StepTotals::default();
                let points = (0..steps)
                    .map(|k| {
                        let s = sums.get(&(series, k)).copied().unwrap_or_default();
                        total.checks += s.checks;
                        total.up += s.up;
                        SparkPoint {
                            t: query::at(from + k * step),
                            avg_ms: (s.timed > 0)
                                .then(|| s.sum_us as f64 / s.timed as f64 / 1000.0),
                            uptime_pct: (s.checks > 0)
                                .then(|| s.up as f64 * 100.0 / s.checks as f64),
                        }
                    })
                    .collect();
                Sparkline {
                    monitor_id,
                    uptime_pct: (total.checks > 0)
                        .then(|| total.up as f64 * 100.0 / total.checks as f64),
                    points,
                }
            })
            .collect())
    }
}
