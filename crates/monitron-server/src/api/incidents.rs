//! `/api/v1/incidents`: periods when a monitor was down, and their acknowledgement.

use axum::extract::State;
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, Order, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::api::envelope::{self, ApiError, ApiResult};
use crate::api::list::{parse_sort, ApiQuery, ListPage, Paging, Sort};
use crate::api::meta::RequestMeta;
use crate::api::path::ApiPath;
use crate::audit::{self, Entry};
use crate::auth::role::GroupScope;
use crate::auth::{Principal, Role};
use crate::db::entities::incident;
use crate::monitors::Kind;
use crate::state::AppState;

/// Routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_incidents))
        .routes(routes!(get_incident))
        .routes(routes!(ack_incident))
}

/// Open or resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum IncidentStatus {
    /// Still down.
    Open,
    /// Recovered.
    Resolved,
}

/// Filters and paging for the incident list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct IncidentQuery {
    /// `service`, `domain` or `instance`.
    pub target_type: Option<Kind>,
    /// Only incidents of this monitor.
    pub target_id: Option<Uuid>,
    /// `open` or `resolved`.
    pub status: Option<IncidentStatus>,
    /// `started_at` (default, newest first with `-started_at`) or `resolved_at`.
    pub sort: Option<String>,
    /// Page number, from 1.
    #[param(minimum = 1)]
    pub page: Option<u64>,
    /// Items per page, 1-500.
    #[param(minimum = 1, maximum = 500)]
    pub per_page: Option<u64>,
}

/// An incident.
#[derive(Debug, Serialize, ToSchema)]
pub struct IncidentView {
    /// Id.
    pub id: Uuid,
    /// `service`, `domain` or `instance`.
    pub target_type: String,
    /// The monitor.
    pub target_id: Uuid,
    /// The monitor's name when it opened.
    pub target_name: String,
    /// The monitor's group.
    pub group: Option<String>,
    /// Open or resolved.
    pub status: IncidentStatus,
    /// When the monitor went down.
    pub started_at: DateTime<Utc>,
    /// When it recovered.
    pub resolved_at: Option<DateTime<Utc>>,
    /// How long it lasted (so far, while open).
    pub duration_s: i64,
    /// What the failing check said.
    pub cause: String,
    /// What the recovering check said.
    pub last_message: Option<String>,
    /// Who acknowledged it.
    pub acknowledged_by: Option<Uuid>,
    /// When.
    pub acknowledged_at: Option<DateTime<Utc>>,
}

impl From<incident::Model> for IncidentView {
    fn from(i: incident::Model) -> Self {
        let end = i.resolved_at.unwrap_or_else(Utc::now);
        Self {
            id: i.id,
            target_type: i.target_type,
            target_id: i.monitor_id,
            target_name: i.target_name,
            group: i.group_name,
            status: if i.resolved_at.is_some() {
                IncidentStatus::Resolved
            } else {
                IncidentStatus::Open
            },
            duration_s: (end - i.started_at).num_seconds().max(0),
            started_at: i.started_at,
            resolved_at: i.resolved_at,
            cause: i.cause,
            last_message: i.last_message,
            acknowledged_by: i.acknowledged_by,
            acknowledged_at: i.acknowledged_at,
        }
    }
}

/// List incidents visible to the caller.
#[utoipa::path(get, path = "/api/v1/incidents", tag = "incidents", operation_id = "listIncidents",
    params(IncidentQuery),
    responses((status = 200, description = "Incidents", body = ListPage<IncidentView>)))]
async fn list_incidents(
    State(state): State<AppState>,
    principal: Principal,
    ApiQuery(q): ApiQuery<IncidentQuery>,
) -> ApiResult {
    let paging = Paging::from_params(q.page, q.per_page)?;
    let sort = parse_sort(
        q.sort.as_deref(),
        &[
            ("started_at", incident::Column::StartedAt),
            ("resolved_at", incident::Column::ResolvedAt),
        ],
        Sort {
            field: incident::Column::StartedAt,
            descending: true,
        },
    )?;
    let mut query = incident::Entity::find();
    if let GroupScope::Groups(groups) = principal.scope(Role::Viewer) {
        query = query.filter(incident::Column::GroupName.is_in(groups));
    }
    if let Some(kind) = q.target_type {
        query = query.filter(incident::Column::TargetType.eq(kind.as_str()));
    }
    if let Some(id) = q.target_id {
        query = query.filter(incident::Column::MonitorId.eq(id));
    }
    match q.status {
        Some(IncidentStatus::Open) => query = query.filter(incident::Column::ResolvedAt.is_null()),
        Some(IncidentStatus::Resolved) => {
            query = query.filter(incident::Column::ResolvedAt.is_not_null())
        }
        None => {}
    }
    let total = query.clone().count(&state.db).await?;
    let order = if sort.descending {
        Order::Desc
    } else {
        Order::Asc
    };
    let rows = query
        .order_by(sort.field, order.clone())
        .order_by(incident::Column::Id, order)
        .offset(paging.offset())
        .limit(paging.per_page)
        .all(&state.db)
        .await?;
    Ok(envelope::ok(ListPage {
        items: rows.into_iter().map(IncidentView::from).collect::<Vec<_>>(),
        total,
        page: paging.page,
        per_page: paging.per_page,
    }))
}

async fn find(
    state: &AppState,
    principal: &Principal,
    id: Uuid,
    needed: Role,
) -> ApiResult<incident::Model> {
    let row = incident::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or(ApiError::NotFound("incident"))?;
    principal.require_in(row.group_name.as_deref(), needed, "incident")?;
    Ok(row)
}

/// One incident.
#[utoipa::path(get, path = "/api/v1/incidents/{id}", tag = "incidents", operation_id = "getIncident",
    params(("id" = Uuid, Path, description = "Incident id")),
    responses((status = 200, description = "The incident", body = IncidentView)))]
async fn get_incident(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult {
    Ok(envelope::ok(IncidentView::from(
        find(&state, &principal, id, Role::Viewer).await?,
    )))
}

/// Acknowledge an incident (editors): someone is on it.
#[utoipa::path(post, path = "/api/v1/incidents/{id}/ack", tag = "incidents", operation_id = "ackIncident",
    params(("id" = Uuid, Path, description = "Incident id")),
    responses((status = 200, description = "Acknowledged", body = IncidentView)))]
async fn ack_incident(
    State(state): State<AppState>,
    meta: RequestMeta,
    principal: Principal,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult {
    let row = find(&state, &principal, id, Role::Editor).await?;
    if row.acknowledged_at.is_some() {
        return Ok(envelope::ok(IncidentView::from(row)));
    }
    let txn = crate::db::begin_write(&state.db).await?;
    let mut active: incident::ActiveModel = row.into();
    active.acknowledged_by = Set(Some(principal.user.id));
    active.acknowledged_at = Set(Some(Utc::now()));
    let row = active.update(&txn).await?;
    crate::alerting::acknowledge::down_alerts_of(
        &txn,
        state.engine.alerting(),
        row.monitor_id,
        Some(principal.user.id),
        Utc::now(),
    )
    .await?;
    audit::record(
        &txn,
        Some(&meta.origin),
        Entry::new(&principal, "incident.ack")
            .target("incident", id)
            .details(serde_json::json!({ "monitor_id": row.monitor_id })),
    )
    .await?;
    txn.commit().await?;
    state.engine.alerting().wake();
    state.engine.broadcast(crate::events::incident_event(
        &row,
        "acknowledged",
        row.acknowledged_at.unwrap_or_else(Utc::now),
    ));
    Ok(envelope::ok(IncidentView::from(row)))
}
