//! `/api/v1/maintenance-windows`: planned periods during which monitors are expected to
//! fail. Editors manage them (a group-scoped editor those whose `targets.group` is one of
//! their groups); viewers read them.

use std::str::FromStr;

use axum::extract::State;
use chrono::{DateTime, Duration, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::alerting::maintenance::{Schedule, Window, MAX_OCCURRENCES};
use crate::alerting::rules::Selector;
use crate::api::envelope::{self, ApiError, ApiResult, FieldErrors};
use crate::api::json::ApiJson;
use crate::api::list::{ApiQuery, ListPage, PageParams, Paging};
use crate::api::me::Deleted;
use crate::api::meta::RequestMeta;
use crate::api::path::ApiPath;
use crate::audit::{self, Entry};
use crate::auth::role::GroupScope;
use crate::auth::{Principal, Role};
use crate::db::entities::maintenance_window;
use crate::db::list::fetch_page;
use crate::state::AppState;

/// Routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_windows, create_window))
        .routes(routes!(get_window, update_window, delete_window))
        .routes(routes!(window_occurrences))
}

/// A window as sent: every field optional, so creation and changes share one shape (a
/// creation needs `name` and `schedule`).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WindowInput {
    /// Name.
    pub name: Option<String>,
    /// What is done during the window.
    pub description: Option<String>,
    /// Which monitors (default: every monitor).
    pub targets: Option<Selector>,
    /// In force when true (default).
    pub active: Option<bool>,
    /// `{type: once, start, end}`, `{type: weekly, weekdays, start_time, duration_s}`,
    /// `{type: monthly, days, start_time, duration_s}` or `{type: cron, cron, duration_s}`.
    pub schedule: Option<Schedule>,
    /// IANA time zone of the recurring schedules (default `UTC`).
    pub timezone: Option<String>,
}

/// A window.
#[derive(Debug, Serialize, ToSchema)]
pub struct WindowView {
    /// Id.
    pub id: Uuid,
    /// Name.
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// Which monitors.
    pub targets: Selector,
    /// In force.
    pub active: bool,
    /// When.
    pub schedule: Schedule,
    /// Time zone.
    pub timezone: String,
    /// The occurrence open now, if any.
    pub open_now: Option<Occurrence>,
    /// The next occurrence to start, within a year.
    pub next: Option<Occurrence>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

/// One period of a window.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Occurrence {
    /// Start.
    pub start: DateTime<Utc>,
    /// End.
    pub end: DateTime<Utc>,
}

fn view(row: &maintenance_window::Model) -> Result<WindowView, ApiError> {
    let window = Window::from_row(row).ok_or_else(|| {
        ApiError::Internal(anyhow::anyhow!(
            "maintenance window {} cannot be read",
            row.id
        ))
    })?;
    let now = Utc::now();
    let open_now = window
        .open_at(now)
        .map(|(start, end)| Occurrence { start, end });
    let next = window
        .schedule
        .occurrences(window.tz, now, now + Duration::days(366))
        .into_iter()
        .find(|(start, _)| *start > now)
        .map(|(start, end)| Occurrence { start, end });
    Ok(WindowView {
        id: row.id,
        name: row.name.clone(),
        description: row.description.clone(),
        targets: window.targets,
        active: row.active,
        schedule: window.schedule,
        timezone: row.timezone.clone(),
        open_now: open_now.filter(|_| row.active),
        next,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

fn apply(
    input: WindowInput,
    row: &mut maintenance_window::ActiveModel,
    creating: bool,
) -> Result<(), ApiError> {
    let mut errors = FieldErrors::new();
    if let Some(name) = &input.name {
        match crate::monitors::Name::parse(name) {
            Ok(name) => row.name = Set(name.into_inner()),
            Err(reason) => {
                errors.insert("name".into(), reason);
            }
        }
    } else if creating {
        errors.insert("name".into(), "is required".into());
    }
    if let Some(description) = input.description {
        row.description = Set(Some(description).filter(|d| !d.trim().is_empty()));
    }
    if let Some(mut targets) = input.targets {
        targets.validate("targets", &mut errors);
        row.group_name = Set(targets.group.clone());
        row.targets = Set(serde_json::to_value(&targets).expect("a selector serializes"));
    }
    if let Some(active) = input.active {
        row.active = Set(active);
    }
    match input.schedule {
        Some(schedule) => {
            schedule.validate(&mut errors);
            row.schedule = Set(serde_json::to_value(&schedule).expect("a schedule serializes"));
        }
        None if creating => {
            errors.insert("schedule".into(), "is required".into());
        }
        None => {}
    }
    if let Some(tz) = input.timezone {
        if chrono_tz::Tz::from_str(&tz).is_err() {
            errors.insert(
                "timezone".into(),
                "is not an IANA time zone such as Europe/Berlin".into(),
            );
        }
        row.timezone = Set(tz);
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Validation(errors))
    }
}

/// Queues the mail that tells status-page subscribers of an active window's next
/// occurrence, in the caller's transaction; answers how many mails were queued.
async fn tell_subscribers(
    state: &AppState,
    txn: &impl sea_orm::ConnectionTrait,
    row: &maintenance_window::Model,
) -> Result<usize, ApiError> {
    let Some(window) = Window::from_row(row).filter(|_| row.active) else {
        return Ok(0);
    };
    Ok(crate::status_pages::subscribers::notify_maintenance(
        txn,
        &state.cipher,
        &state.status_pages,
        &state.engine,
        &window,
        row.description.as_deref(),
        Utc::now(),
    )
    .await?)
}

async fn find(
    state: &AppState,
    principal: &Principal,
    id: Uuid,
    needed: Role,
) -> ApiResult<maintenance_window::Model> {
    let row = maintenance_window::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or(ApiError::NotFound("maintenance window"))?;
    principal.require_in(row.group_name.as_deref(), needed, "maintenance window")?;
    Ok(row)
}

/// List windows visible to the caller.
#[utoipa::path(get, path = "/api/v1/maintenance-windows", tag = "alerting", operation_id = "listMaintenanceWindows",
    params(PageParams),
    responses((status = 200, description = "Windows", body = ListPage<WindowView>)))]
async fn list_windows(
    State(state): State<AppState>,
    principal: Principal,
    ApiQuery(q): ApiQuery<PageParams>,
) -> ApiResult {
    let paging = Paging::from_params(q.page, q.per_page)?;
    let mut query = maintenance_window::Entity::find();
    if let GroupScope::Groups(groups) = principal.scope(Role::Viewer) {
        query = query.filter(maintenance_window::Column::GroupName.is_in(groups));
    }
    let query = query
        .order_by_asc(maintenance_window::Column::Name)
        .order_by_asc(maintenance_window::Column::Id);
    let (rows, total) = fetch_page(&state.db, query, paging).await?;
    let items = rows.iter().map(view).collect::<Result<Vec<_>, _>>()?;
    Ok(envelope::ok(ListPage {
        total,
        items,
        page: paging.page,
        per_page: paging.per_page,
    }))
}

/// Create a window (editors).
#[utoipa::path(post, path = "/api/v1/maintenance-windows", tag = "alerting", operation_id = "createMaintenanceWindow",
    request_body = WindowInput,
    responses((status = 201, description = "Created", body = WindowView)))]
async fn create_window(
    State(state): State<AppState>,
    meta: RequestMeta,
    principal: Principal,
    ApiJson(input): ApiJson<WindowInput>,
) -> ApiResult {
    let group = input.targets.as_ref().and_then(|t| t.group.clone());
    principal.require_in(group.as_deref(), Role::Editor, "maintenance window")?;
    let now = Utc::now();
    let mut row = maintenance_window::ActiveModel {
        id: Set(Uuid::now_v7()),
        name: Set(String::new()),
        description: Set(None),
        targets: Set(serde_json::to_value(Selector::any()).expect("a selector serializes")),
        active: Set(true),
        schedule: Set(serde_json::Value::Null),
        timezone: Set("UTC".into()),
        group_name: Set(None),
        created_by: Set(Some(principal.user.id)),
        created_at: Set(now),
        updated_at: Set(now),
    };
    apply(input, &mut row, true)?;
    let txn = crate::db::begin_write(&state.db).await?;
    let row = row.insert(&txn).await?;
    let mailed = tell_subscribers(&state, &txn, &row).await?;
    audit::record(
        &txn,
        Some(&meta.origin),
        Entry::new(&principal, "maintenance_window.create")
            .target("maintenance_window", row.id)
            .details(serde_json::json!({ "name": row.name, "schedule": row.schedule, "timezone": row.timezone })),
    )
    .await?;
    txn.commit().await?;
    if mailed > 0 {
        state.queue.wake();
    }
    state.engine.alerting().reload(&state.db).await?;
    Ok(envelope::created(view(&row)?))
}

/// One window.
#[utoipa::path(get, path = "/api/v1/maintenance-windows/{id}", tag = "alerting", operation_id = "getMaintenanceWindow",
    params(("id" = Uuid, Path, description = "Window id")),
    responses((status = 200, description = "The window", body = WindowView)))]
async fn get_window(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult {
    Ok(envelope::ok(view(
        &find(&state, &principal, id, Role::Viewer).await?,
    )?))
}

/// Change a window (editors).
#[utoipa::path(patch, path = "/api/v1/maintenance-windows/{id}", tag = "alerting", operation_id = "updateMaintenanceWindow",
    params(("id" = Uuid, Path, description = "Window id")),
    request_body = WindowInput,
    responses((status = 200, description = "Saved", body = WindowView)))]
async fn update_window(
    State(state): State<AppState>,
    meta: RequestMeta,
    principal: Principal,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(input): ApiJson<WindowInput>,
) -> ApiResult {
    let row = find(&state, &principal, id, Role::Editor).await?;
    if let Some(group) = input.targets.as_ref().map(|t| t.group.clone()) {
        principal.require_in(group.as_deref(), Role::Editor, "maintenance window")?;
    }
    let before = (row.schedule.clone(), row.active);
    let mut active: maintenance_window::ActiveModel = row.into();
    apply(input, &mut active, false)?;
    active.updated_at = Set(Utc::now());
    let txn = crate::db::begin_write(&state.db).await?;
    let row = active.update(&txn).await?;
    // Subscribers hear of a window when it is planned, moved or switched on again.
    let mailed = if (row.schedule.clone(), row.active) != before {
        tell_subscribers(&state, &txn, &row).await?
    } else {
        0
    };
    audit::record(
        &txn,
        Some(&meta.origin),
        Entry::new(&principal, "maintenance_window.update")
            .target("maintenance_window", id)
            .details(serde_json::json!({ "name": row.name, "active": row.active, "schedule": row.schedule })),
    )
    .await?;
    txn.commit().await?;
    if mailed > 0 {
        state.queue.wake();
    }
    state.engine.alerting().reload(&state.db).await?;
    Ok(envelope::ok(view(&row)?))
}

/// Delete a window (editors).
#[utoipa::path(delete, path = "/api/v1/maintenance-windows/{id}", tag = "alerting", operation_id = "deleteMaintenanceWindow",
    params(("id" = Uuid, Path, description = "Window id")),
    responses((status = 200, description = "Deleted", body = Deleted)))]
async fn delete_window(
    State(state): State<AppState>,
    meta: RequestMeta,
    principal: Principal,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult {
    let row = find(&state, &principal, id, Role::Editor).await?;
    let txn = crate::db::begin_write(&state.db).await?;
    maintenance_window::Entity::delete_by_id(id)
        .exec(&txn)
        .await?;
    audit::record(
        &txn,
        Some(&meta.origin),
        Entry::new(&principal, "maintenance_window.delete")
            .target("maintenance_window", id)
            .details(serde_json::json!({ "name": row.name })),
    )
    .await?;
    txn.commit().await?;
    state.engine.alerting().reload(&state.db).await?;
    Ok(envelope::ok(Deleted { id }))
}

/// The span of an occurrence listing.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OccurrenceQuery {
    /// From (default now).
    pub from: Option<DateTime<Utc>>,
    /// To (default 30 days after `from`; at most 400 days after it).
    pub to: Option<DateTime<Utc>>,
}

/// When a window is open between two instants (at most 1000 periods).
#[utoipa::path(get, path = "/api/v1/maintenance-windows/{id}/occurrences", tag = "alerting", operation_id = "maintenanceWindowOccurrences",
    params(("id" = Uuid, Path, description = "Window id"), OccurrenceQuery),
    responses((status = 200, description = "Occurrences", body = Vec<Occurrence>)))]
async fn window_occurrences(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(q): ApiQuery<OccurrenceQuery>,
) -> ApiResult {
    let row = find(&state, &principal, id, Role::Viewer).await?;
    let from = q.from.unwrap_or_else(Utc::now);
    let to = q.to.unwrap_or(from + Duration::days(30));
    if to <= from {
        return Err(ApiError::field("to", "must be after from"));
    }
    if to - from > Duration::days(400) {
        return Err(ApiError::field("to", "at most 400 days after from"));
    }
    let window = Window::from_row(&row).ok_or_else(|| {
        ApiError::Internal(anyhow::anyhow!("maintenance window {id} cannot be read"))
    })?;
    let list: Vec<Occurrence> = window
        .schedule
        .occurrences(window.tz, from, to)
        .into_iter()
        .take(MAX_OCCURRENCES)
        .map(|(start, end)| Occurrence { start, end })
        .collect();
    Ok(envelope::ok(list))
}
