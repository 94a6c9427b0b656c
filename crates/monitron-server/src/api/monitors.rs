//! What services and domains share: finding a monitor with grants applied, listing with
//! filters, creating and deleting rows, pausing, running now, and reading history. The
//! resource modules (`services`, `domains`) own their paths and request shapes and call
//! into here.

use std::collections::HashMap;

use chrono::{DateTime, Duration as ChronoDuration, Utc};
use sea_orm::sea_query::{Expr, Func, LikeExpr};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DbBackend, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::api::envelope::{ApiError, ApiResult, FieldErrors};
use crate::api::list::{like_pattern, parse_sort, Paging, Sort};
use crate::api::meta::RequestMeta;
use crate::audit::{self, Entry};
use crate::auth::role::GroupScope;
use crate::auth::{Principal, Role};
use crate::db::entities::{incident, monitor, monitor_state, series};
use crate::history::{self, query};
use crate::monitors::view::MonitorStatus;
use crate::monitors::{parse_label_filter, Kind};
use crate::state::AppState;

/// A monitor the caller may act on with at least `needed`: 40401 when it does not exist
/// or is outside the caller's groups, 40301 when visible but not allowed.
pub async fn find(
    state: &AppState,
    principal: &Principal,
    kind: Kind,
    id: Uuid,
    needed: Role,
) -> ApiResult<monitor::Model> {
    let row = monitor::Entity::find_by_id(id)
        .filter(monitor::Column::Kind.eq(kind.as_str()))
        .one(&state.db)
        .await?
        .ok_or(ApiError::NotFound(kind.noun()))?;
    principal.require_in(row.group_name.as_deref(), needed, kind.noun())?;
    Ok(row)
}

/// The state row of one monitor.
pub async fn state_of(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> ApiResult<Option<monitor_state::Model>> {
    Ok(monitor_state::Entity::find_by_id(id).one(db).await?)
}

/// Filters and paging shared by the service and domain lists.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MonitorQuery {
    /// Only monitors in this group.
    pub group: Option<String>,
    /// Only monitors with this label, as `key:value`.
    pub label: Option<String>,
    /// Only monitors with this status.
    pub status: Option<MonitorStatus>,
    /// Only services of this type.
    #[serde(rename = "type")]
    #[param(rename = "type")]
    pub check_type: Option<String>,
    /// Search in names.
    pub q: Option<String>,
    /// `name`, `type`, `interval_s`, `created_at`, `updated_at`; prefix `-` for descending.
    pub sort: Option<String>,
    /// Page number, from 1.
    #[param(minimum = 1)]
    pub page: Option<u64>,
    /// Items per page, 1-500.
    #[param(minimum = 1, maximum = 500)]
    pub per_page: Option<u64>,
}

/// One page of monitors with their states.
pub struct Listed {
    /// Rows with their states.
    pub rows: Vec<(monitor::Model, Option<monitor_state::Model>)>,
    /// Matching monitors.
    pub total: u64,
    /// The page.
    pub paging: Paging,
}

/// Lists monitors of one kind visible to the caller.
pub async fn list(
    state: &AppState,
    principal: &Principal,
    kind: Kind,
    q: &MonitorQuery,
) -> ApiResult<Listed> {
    let paging = Paging::from_params(q.page, q.per_page)?;
    let sort = parse_sort(
        q.sort.as_deref(),
        &[
            ("name", monitor::Column::Name),
            ("type", monitor::Column::CheckType),
            ("interval_s", monitor::Column::IntervalS),
            ("created_at", monitor::Column::CreatedAt),
            ("updated_at", monitor::Column::UpdatedAt),
        ],
        Sort {
            field: monitor::Column::Name,
            descending: false,
        },
    )?;
    let backend = state.db.get_database_backend();
    let mut query = monitor::Entity::find().filter(monitor::Column::Kind.eq(kind.as_str()));
    match principal.scope(Role::Viewer) {
        GroupScope::All => {}
        GroupScope::Groups(groups) => {
            query = query.filter(monitor::Column::GroupName.is_in(groups));
        }
    }
    if let Some(group) = q.group.as_deref() {
        query = query.filter(monitor::Column::GroupName.eq(group));
    }
    if let Some(t) = q.check_type.as_deref() {
        query = query.filter(monitor::Column::CheckType.eq(t));
    }
    if let Some(raw) = q.label.as_deref() {
        let (key, value) = parse_label_filter(raw).map_err(|e| ApiError::field("label", e))?;
        let condition = match backend {
            DbBackend::Postgres => Expr::cust_with_values("labels ->> $1 = $2", [key, value]),
            _ => Expr::cust_with_values(
                "json_extract(labels, ?) = ?",
                [format!("$.\"{}\"", key.replace('"', "")), value],
            ),
        };
        query = query.filter(condition);
    }
    if let Some(status) = q.status {
        query = match status {
            MonitorStatus::Paused => query.filter(monitor::Column::Enabled.eq(false)),
            other => query.filter(monitor::Column::Enabled.eq(true)).filter(
                monitor::Column::Id.in_subquery(
                    sea_orm::sea_query::Query::select()
                        .column(monitor_state::Column::MonitorId)
                        .from(monitor_state::Entity)
                        .and_where(monitor_state::Column::Status.eq(other.as_str()))
                        .to_owned(),
                ),
            ),
        };
    }
    if let Some(text) = q.q.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        if text.chars().count() > 200 {
            return Err(ApiError::field("q", "must be at most 200 characters"));
        }
        let pattern = like_pattern(&text.to_lowercase());
        query = query.filter(
            Condition::all().add(
                Expr::expr(Func::lower(Expr::col(monitor::Column::Name)))
                    .like(LikeExpr::new(pattern).escape('\\')),
            ),
        );
    }
    let total = query.clone().count(&state.db).await?;
    let order = if sort.descending {
        sea_orm::Order::Desc
    } else {
        sea_orm::Order::Asc
    };
    let rows = query
        .order_by(sort.field, order.clone())
        .order_by(monitor::Column::Id, order)
        .offset(paging.offset())
        .limit(paging.per_page)
        .all(&state.db)
        .await?;
    let states: HashMap<Uuid, monitor_state::Model> = monitor_state::Entity::find()
        .filter(monitor_state::Column::MonitorId.is_in(rows.iter().map(|r| r.id)))
        .all(&state.db)
        .await?
        .into_iter()
        .map(|s| (s.monitor_id, s))
        .collect();
    let rows = rows
        .into_iter()
        .map(|r| {
            let s = states.get(&r.id).cloned();
            (r, s)
        })
        .collect();
    Ok(Listed {
        rows,
        total,
        paging,
    })
}

/// The fields of a new monitor row.
pub struct NewMonitor {
    /// Service, domain or instance.
    pub kind: Kind,
    /// Name.
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// Stored type.
    pub check_type: String,
    /// Settings, secrets sealed.
    pub config: serde_json::Value,
    /// Labels.
    pub labels: serde_json::Value,
    /// Group.
    pub group: Option<String>,
    /// Enabled.
    pub enabled: bool,
    /// Seconds between checks.
    pub interval_s: u32,
    /// Seconds a check may take.
    pub timeout_s: u32,
    /// Failures before down.
    pub failure_threshold: u32,
    /// Successes before up.
    pub success_threshold: u32,
    /// Heartbeat ping token.
    pub ping_token: Option<String>,
}

/// Inserts a monitor, its series key and its initial (pending) state.
pub async fn insert(
    db: &impl ConnectionTrait,
    principal: &Principal,
    new: NewMonitor,
) -> ApiResult<monitor::Model> {
    let now = Utc::now();
    let series = series::ActiveModel {
        kind: Set("monitor".into()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    let row = monitor::ActiveModel {
        id: Set(Uuid::now_v7()),
        series_id: Set(series.id),
        kind: Set(new.kind.as_str().into()),
        name: Set(new.name),
        description: Set(new.description),
        check_type: Set(new.check_type),
        config: Set(new.config),
        labels: Set(new.labels),
        group_name: Set(new.group),
        enabled: Set(new.enabled),
        interval_s: Set(new.interval_s as i32),
        timeout_s: Set(new.timeout_s as i32),
        failure_threshold: Set(new.failure_threshold as i32),
        success_threshold: Set(new.success_threshold as i32),
        ping_token: Set(new.ping_token),
        created_by: Set(Some(principal.user.id)),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await?;
    monitor_state::ActiveModel {
        monitor_id: Set(row.id),
        status: Set(MonitorStatus::Pending.as_str().into()),
        status_since: Set(Some(now)),
        last_checked_at: Set(None),
        last_response_ms: Set(None),
        message: Set(None),
        consecutive_failures: Set(0),
        consecutive_successes: Set(0),
        details: Set(None),
        last_start_at: Set(None),
        last_success_at: Set(None),
        last_failure_at: Set(None),
        updated_at: Set(now),
    }
    .insert(db)
    .await?;
    Ok(row)
}

/// Deletes a monitor with its state, history and incidents.
pub async fn delete(db: &impl ConnectionTrait, row: &monitor::Model) -> ApiResult<()> {
    monitor_state::Entity::delete_by_id(row.id).exec(db).await?;
    incident::Entity::delete_many()
        .filter(incident::Column::MonitorId.eq(row.id))
        .exec(db)
        .await?;
    history::retention::forget_series(db, row.series_id).await?;
    crate::instances::forget(db, row.id).await?;
    monitor::Entity::delete_by_id(row.id).exec(db).await?;
    series::Entity::delete_by_id(row.series_id).exec(db).await?;
    Ok(())
}

/// Fails with 40301 unless the caller may edit monitors in at least one group.
pub fn require_editor(principal: &Principal) -> ApiResult<()> {
    let somewhere = match principal.scope(Role::Editor) {
        GroupScope::All => principal.access.role >= Role::Editor,
        GroupScope::Groups(groups) => !groups.is_empty(),
    };
    if somewhere {
        Ok(())
    } else {
        Err(ApiError::Forbidden("requires the editor role".into()))
    }
}

/// Checks `group` for a monitor being created or moved: the caller needs the editor role
/// there.
pub fn require_group(principal: &Principal, group: Option<&str>, kind: Kind) -> ApiResult<()> {
    match principal.access.role_in(group) {
        Some(role) if role >= Role::Editor => Ok(()),
        Some(_) => Err(ApiError::Forbidden(
            "requires the editor role in this group".into(),
        )),
        None => Err(ApiError::field(
            "group",
            format!("you may not put a {} in this group", kind.noun()),
        )),
    }
}

/// Pauses or resumes a monitor; returns it with its state.
pub async fn set_enabled(
    state: &AppState,
    meta: &RequestMeta,
    principal: &Principal,
    kind: Kind,
    id: Uuid,
    enabled: bool,
) -> ApiResult<(monitor::Model, Option<monitor_state::Model>)> {
    let row = find(state, principal, kind, id, Role::Editor).await?;
    if row.enabled == enabled {
        let st = state_of(&state.db, id).await?;
        return Ok((row, st));
    }
    let txn = crate::db::begin_write(&state.db).await?;
    let mut active: monitor::ActiveModel = row.into();
    active.enabled = Set(enabled);
    active.updated_at = Set(Utc::now());
    let row = active.update(&txn).await?;
    let action = format!(
        "{}.{}",
        kind.as_str(),
        if enabled { "resume" } else { "pause" }
    );
    audit::record(
        &txn,
        Some(meta),
        Entry::new(principal, &action).target(kind.as_str(), row.id),
    )
    .await?;
    let st = state_of(&txn, id).await?;
    txn.commit().await?;
    state.engine.monitor_changed(row.id).await;
    Ok((row, st))
}

/// The outcome of a check run on request.
#[derive(Debug, Serialize, ToSchema)]
pub struct CheckResult {
    /// `up` or `down`.
    pub status: String,
    /// Response time.
    pub response_ms: Option<f64>,
    /// What the check said.
    pub message: String,
    /// Type-specific facts.
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
    /// When it finished.
    pub checked_at: DateTime<Utc>,
}

/// Runs a monitor's check now and stores the result.
pub async fn check_now(
    state: &AppState,
    principal: &Principal,
    kind: Kind,
    id: Uuid,
) -> ApiResult<CheckResult> {
    let row = find(state, principal, kind, id, Role::Editor).await?;
    let outcome = state
        .engine
        .run_now(&row)
        .await
        .map_err(ApiError::Internal)?
        .ok_or_else(|| {
            let mut errors = FieldErrors::new();
            errors.insert(
                "_".into(),
                "nothing to check yet: a heartbeat is evaluated once it has been pinged".into(),
            );
            ApiError::Conflict(errors)
        })?;
    Ok(CheckResult {
        status: match outcome.status {
            monitron_probe::Status::Up => "up",
            monitron_probe::Status::Down => "down",
        }
        .into(),
        response_ms: outcome.response_ms,
        message: outcome.message,
        details: outcome.details,
        checked_at: Utc::now(),
    })
}

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

/// `?window=`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StatsQuery {
    /// `24h` (default), `7d`, `30d` or `90d`.
    pub window: Option<Window>,
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

/// Statistics of a monitor over a window.
pub async fn stats(
    state: &AppState,
    principal: &Principal,
    kind: Kind,
    id: Uuid,
    window: Window,
) -> ApiResult<Stats> {
    let row = find(state, principal, kind, id, Role::Viewer).await?;
    let now = Utc::now();
    let from = now - window.duration();
    let window_ms = window.duration().num_milliseconds();
    let totals =
        query::totals(&state.db, row.series_id, from.timestamp_millis(), window_ms).await?;
    let p95 = query::p95_ms(&state.db, row.series_id, from.timestamp_millis()).await?;
    let incidents_total = incident::Entity::find()
        .filter(incident::Column::MonitorId.eq(id))
        .filter(incident::Column::StartedAt.gte(from))
        .count(&state.db)
        .await?;
    let st = state_of(&state.db, id).await?;
    let view = crate::monitors::view::StateView::of(&row, st.as_ref());
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

/// `?from=&to=&limit=`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ResultsQuery {
    /// Start (RFC 3339; default: 24 hours before `to`).
    pub from: Option<DateTime<Utc>>,
    /// End (RFC 3339; default: now).
    pub to: Option<DateTime<Utc>>,
    /// Most results, newest first (1-1000, default 100).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u64>,
}

pub(crate) fn range(
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
    default_span: ChronoDuration,
) -> ApiResult<(DateTime<Utc>, DateTime<Utc>)> {
    let to = to.unwrap_or_else(Utc::now);
    let from = from.unwrap_or(to - default_span);
    if from >= to {
        return Err(ApiError::field("from", "must be before to"));
    }
    Ok((from, to))
}

/// Raw results of a monitor.
pub async fn results(
    state: &AppState,
    principal: &Principal,
    kind: Kind,
    id: Uuid,
    q: &ResultsQuery,
) -> ApiResult<Vec<query::ResultPoint>> {
    let limit = q.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(ApiError::field("limit", "must be between 1 and 1000"));
    }
    let (from, to) = range(q.from, q.to, ChronoDuration::days(1))?;
    let row = find(state, principal, kind, id, Role::Viewer).await?;
    Ok(query::results(
        &state.db,
        row.series_id,
        from.timestamp_millis(),
        to.timestamp_millis(),
        limit,
    )
    .await?)
}

/// `?from=&to=&step=`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SeriesQuery {
    /// Start (RFC 3339; default: 24 hours before `to`).
    pub from: Option<DateTime<Utc>>,
    /// End (RFC 3339; default: now).
    pub to: Option<DateTime<Utc>>,
    /// Seconds per point (default: the range in about 200 points); rounded up to the
    /// chosen tier's resolution.
    #[param(minimum = 1)]
    pub step: Option<u64>,
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

/// Most points one series request may return.
pub(crate) const MAX_POINTS: i64 = 5000;

/// A charted series of a monitor, from the tier that fits.
pub async fn series(
    state: &AppState,
    principal: &Principal,
    kind: Kind,
    id: Uuid,
    q: &SeriesQuery,
) -> ApiResult<SeriesView> {
    let (from, to) = range(q.from, q.to, ChronoDuration::days(1))?;
    let span_ms = (to - from).num_milliseconds();
    let step_ms = match q.step {
        Some(0) => return Err(ApiError::field("step", "must be at least 1")),
        Some(s) => i64::try_from(s)
            .ok()
            .and_then(|s| s.checked_mul(1000))
            .ok_or_else(|| ApiError::field("step", "is too large"))?,
        None => (span_ms / 200).max(1000),
    };
    let row = find(state, principal, kind, id, Role::Viewer).await?;
    let now_ms = Utc::now().timestamp_millis();
    let tier = query::choose_tier(
        step_ms,
        from.timestamp_millis(),
        now_ms,
        &state.config.retention,
    );
    let bucket = tier.bucket_ms();
    let step_ms = (step_ms + bucket - 1) / bucket * bucket;
    if span_ms / step_ms > MAX_POINTS {
        return Err(ApiError::field(
            "step",
            format!("gives more than {MAX_POINTS} points for this range; use a larger step"),
        ));
    }
    let points = query::series(
        &state.db,
        row.series_id,
        tier,
        from.timestamp_millis(),
        to.timestamp_millis(),
        step_ms,
    )
    .await?;
    Ok(SeriesView {
        tier: match tier {
            history::Tier::Raw => "raw",
            history::Tier::Minute => "1m",
            history::Tier::Hour => "1h",
            history::Tier::Day => "1d",
        },
        step_s: step_ms / 1000,
        points,
    })
}

/// `?days=`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UptimeQuery {
    /// 30 (default) or 90.
    pub days: Option<u32>,
}

/// Daily uptime of a monitor.
pub async fn uptime(
    state: &AppState,
    principal: &Principal,
    kind: Kind,
    id: Uuid,
    days: Option<u32>,
) -> ApiResult<Vec<query::DayBucket>> {
    let days = days.unwrap_or(30);
    if days != 30 && days != 90 {
        return Err(ApiError::field("days", "must be 30 or 90"));
    }
    let row = find(state, principal, kind, id, Role::Viewer).await?;
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
        .all(&state.db)
        .await?;
    Ok(query::daily(&state.db, row.series_id, i64::from(days), now, &starts).await?)
}
