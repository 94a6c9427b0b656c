//! `/api/v1/audit-logs`: the audit trail, filtered and paged (administrators only).

use axum::extract::State;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, LikeExpr};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::api::envelope::{self, ApiError, ApiResult};
use crate::api::list::{like_pattern, parse_sort, ApiQuery, ListPage, Paging, Sort};
use crate::auth::{Principal, Role};
use crate::db::entities::audit_log;
use crate::state::AppState;

/// Routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_audit_logs))
}

/// Filters and paging for the audit log.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Actor: a user id, a username, `anonymous` or `system`.
    pub actor: Option<String>,
    /// Action, e.g. `user.create`; a trailing `*` matches a prefix (`auth.*`).
    pub action: Option<String>,
    /// Kind of target (`user`, `api_key`, `setting`, `session`).
    pub target_type: Option<String>,
    /// Target id.
    pub target_id: Option<String>,
    /// Only records at or after this time (RFC 3339).
    pub from: Option<DateTime<Utc>>,
    /// Only records before this time (RFC 3339).
    pub to: Option<DateTime<Utc>>,
    /// `at` or `-at` (default: newest first).
    pub sort: Option<String>,
    /// Page number, from 1.
    #[param(minimum = 1)]
    pub page: Option<u64>,
    /// Items per page, 1-500.
    #[param(minimum = 1, maximum = 500)]
    pub per_page: Option<u64>,
}

/// One audit record.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditLogView {
    /// Record id.
    pub id: Uuid,
    /// When it happened.
    pub at: DateTime<Utc>,
    /// Acting user's id (none for anonymous and system).
    pub actor_id: Option<Uuid>,
    /// Acting user's name at the time, `anonymous` or `system`.
    pub actor: String,
    /// What was done.
    pub action: String,
    /// Kind of target.
    pub target_type: Option<String>,
    /// Target id.
    pub target_id: Option<String>,
    /// Request that did it.
    pub request_id: Option<String>,
    /// Client address.
    pub ip: Option<String>,
    /// Extra facts.
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
}

impl From<audit_log::Model> for AuditLogView {
    fn from(r: audit_log::Model) -> Self {
        Self {
            id: r.id,
            at: r.at,
            actor_id: r.actor_id,
            actor: r.actor_name,
            action: r.action,
            target_type: r.target_type,
            target_id: r.target_id,
            request_id: r.request_id,
            ip: r.ip,
            details: r.details,
        }
    }
}

/// The audit log, newest first.
#[utoipa::path(get, path = "/api/v1/audit-logs", tag = "audit", operation_id = "listAuditLogs",
    params(AuditQuery),
    responses((status = 200, description = "Audit records", body = ListPage<AuditLogView>)))]
async fn list_audit_logs(
    State(state): State<AppState>,
    principal: Principal,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> ApiResult {
    principal.require(Role::Admin)?;
    let paging = Paging::from_params(q.page, q.per_page)?;
    let sort = parse_sort(
        q.sort.as_deref(),
        &[("at", ())],
        Sort {
            field: (),
            descending: true,
        },
    )?;
    if let (Some(from), Some(to)) = (q.from, q.to) {
        if from > to {
            return Err(ApiError::field("from", "must not be after `to`"));
        }
    }
    let mut query = audit_log::Entity::find();
    if let Some(actor) = q.actor.as_deref().map(str::trim).filter(|a| !a.is_empty()) {
        query = match Uuid::parse_str(actor) {
            Ok(id) => query.filter(audit_log::Column::ActorId.eq(id)),
            Err(_) => query.filter(audit_log::Column::ActorName.eq(actor.to_lowercase())),
        };
    }
    if let Some(action) = q.action.as_deref().map(str::trim).filter(|a| !a.is_empty()) {
        query = match action.strip_suffix('*') {
            Some(prefix) => {
                // Literal prefix: `_` and `%` in it are not wildcards.
                let mut pattern = like_pattern(&prefix.to_lowercase());
                pattern.remove(0);
                query.filter(
                    Expr::col(audit_log::Column::Action).like(LikeExpr::new(pattern).escape('\\')),
                )
            }
            None => query.filter(audit_log::Column::Action.eq(action.to_lowercase())),
        };
    }
    if let Some(kind) = q.target_type.as_deref().filter(|k| !k.is_empty()) {
        query = query.filter(audit_log::Column::TargetType.eq(kind));
    }
    if let Some(id) = q.target_id.as_deref().filter(|k| !k.is_empty()) {
        query = query.filter(audit_log::Column::TargetId.eq(id));
    }
    if let Some(from) = q.from {
        query = query.filter(audit_log::Column::At.gte(from));
    }
    if let Some(to) = q.to {
        query = query.filter(audit_log::Column::At.lt(to));
    }
    let total = query.clone().count(&state.db).await?;
    let order = if sort.descending {
        sea_orm::Order::Desc
    } else {
        sea_orm::Order::Asc
    };
    let rows = query
        .order_by(audit_log::Column::At, order.clone())
        .order_by(audit_log::Column::Id, order)
        .offset(paging.offset())
        .limit(paging.per_page)
        .all(&state.db)
        .await?;
    Ok(envelope::ok(ListPage {
        items: rows.into_iter().map(AuditLogView::from).collect::<Vec<_>>(),
        total,
        page: paging.page,
        per_page: paging.per_page,
    }))
}
