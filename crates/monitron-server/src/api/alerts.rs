//! `/api/v1/alerts` (the alert history and acknowledgement) and `/api/v1/notifications`
//! (the delivery log, and re-queueing a dead notification).

use axum::extract::State;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, EntityTrait, Order, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::alerting::notifying::{self, state as delivery};
use crate::api::envelope::{self, ApiError, ApiResult};
use crate::api::list::{ApiQuery, ListPage, Paging};
use crate::api::meta::RequestMeta;
use crate::api::path::ApiPath;
use crate::audit::{self, Entry};
use crate::auth::role::GroupScope;
use crate::auth::{Principal, Role};
use crate::db::entities::{alert, notification};
use crate::monitors::Kind;
use crate::state::AppState;

/// Routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_alerts))
        .routes(routes!(get_alert))
        .routes(routes!(ack_alert))
        .routes(routes!(list_notifications))
        .routes(routes!(retry_notification))
}

/// Alert states.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum AlertStatus {
    /// Condition holds, waiting for `for_s`.
    Pending,
    /// Notified.
    Firing,
    /// Over.
    Resolved,
    /// Held back by a dependency.
    Suppressed,
}

/// Filters of the alert history.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AlertQuery {
    /// Only alerts in this state.
    #[param(inline)]
    pub status: Option<AlertStatus>,
    /// `critical`, `warning` or `info`.
    pub severity: Option<crate::alerting::Severity>,
    /// Only alerts of this rule.
    pub rule_id: Option<Uuid>,
    /// `service`, `domain` or `instance`.
    pub target_type: Option<Kind>,
    /// Only alerts about this monitor.
    pub target_id: Option<Uuid>,
    /// Started at or after.
    pub from: Option<DateTime<Utc>>,
    /// Started before.
    pub to: Option<DateTime<Utc>>,
    /// Page number, from 1.
    #[param(minimum = 1)]
    pub page: Option<u64>,
    /// Items per page, 1-500.
    #[param(minimum = 1, maximum = 500)]
    pub per_page: Option<u64>,
}

/// An alert.
#[derive(Debug, Serialize, ToSchema)]
pub struct AlertView {
    /// Id.
    pub id: Uuid,
    /// The rule.
    pub rule_id: Uuid,
    /// Its name when the alert opened.
    pub rule_name: String,
    /// `service`, `domain` or `instance`.
    pub target_type: String,
    /// The monitor.
    pub target_id: Uuid,
    /// Its name.
    pub target_name: String,
    /// The mount or device, for per-device metrics.
    pub subject: String,
    /// pending, firing, resolved or suppressed.
    pub status: String,
    /// critical, warning or info.
    pub severity: String,
    /// The value that crossed the threshold.
    pub value: Option<f64>,
    /// What is wrong.
    pub message: String,
    /// When the condition started to hold.
    pub started_at: DateTime<Utc>,
    /// When it fired.
    pub fired_at: Option<DateTime<Utc>>,
    /// When it resolved.
    pub resolved_at: Option<DateTime<Utc>>,
    /// Who acknowledged it (none when acknowledged through its link).
    pub acknowledged_by: Option<Uuid>,
    /// When.
    pub acknowledged_at: Option<DateTime<Utc>>,
    /// The monitor whose outage suppresses it.
    pub suppressed_by: Option<Uuid>,
}

impl From<alert::Model> for AlertView {
    fn from(a: alert::Model) -> Self {
        Self {
            id: a.id,
            rule_id: a.rule_id,
            rule_name: a.rule_name,
            target_type: a.target_type,
            target_id: a.target_id,
            target_name: a.target_name,
            subject: a.subject,
            status: a.status,
            severity: a.severity,
            value: a.value,
            message: a.message,
            started_at: a.started_at,
            fired_at: a.fired_at,
            resolved_at: a.resolved_at,
            acknowledged_by: a.acknowledged_by,
            acknowledged_at: a.acknowledged_at,
            suppressed_by: a.suppressed_by,
        }
    }
}

/// One message and its delivery.
#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationView {
    /// Id (also the `webhook-id` receivers see).
    pub id: Uuid,
    /// The channel (none for an escalation e-mail to a user).
    pub channel_id: Option<Uuid>,
    /// The channel's type.
    pub channel_type: String,
    /// The alert (none for tests and digests).
    pub alert_id: Option<Uuid>,
    /// firing, reminder, resolved, digest or test.
    pub event: String,
    /// waiting, grouped, queued, sent, retrying or dead.
    pub status: String,
    /// Tries so far.
    pub attempts: i32,
    /// The provider's last HTTP status.
    pub last_status_code: Option<i32>,
    /// The last error.
    pub last_error: Option<String>,
    /// The digest a grouped message went out in.
    pub digest_id: Option<Uuid>,
    /// Queued.
    pub created_at: DateTime<Utc>,
    /// Delivered.
    pub sent_at: Option<DateTime<Utc>>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<notification::Model> for NotificationView {
    fn from(n: notification::Model) -> Self {
        Self {
            id: n.id,
            channel_id: n.channel_id,
            channel_type: n.channel_type,
            alert_id: n.alert_id,
            event: n.event,
            status: n.status,
            attempts: n.attempts,
            last_status_code: n.last_status_code,
            last_error: n.last_error,
            digest_id: n.digest_id,
            created_at: n.created_at,
            sent_at: n.sent_at,
            updated_at: n.updated_at,
        }
    }
}

/// An alert with the messages sent about it.
#[derive(Debug, Serialize, ToSchema)]
pub struct AlertDetail {
    /// The alert.
    #[serde(flatten)]
    pub alert: AlertView,
    /// Its notifications, oldest first.
    pub notifications: Vec<NotificationView>,
}

/// The alert history, newest first.
#[utoipa::path(get, path = "/api/v1/alerts", tag = "alerting", operation_id = "listAlerts",
    params(AlertQuery),
    responses((status = 200, description = "Alerts", body = ListPage<AlertView>)))]
async fn list_alerts(
    State(state): State<AppState>,
    principal: Principal,
    ApiQuery(q): ApiQuery<AlertQuery>,
) -> ApiResult {
    let paging = Paging::from_params(q.page, q.per_page)?;
    let mut query = alert::Entity::find();
    if let GroupScope::Groups(groups) = principal.scope(Role::Viewer) {
        query = query.filter(alert::Column::GroupName.is_in(groups));
    }
    if let Some(status) = q.status {
        let name = serde_json::to_value(status).expect("a status serializes");
        query = query.filter(alert::Column::Status.eq(name.as_str().unwrap_or_default()));
    }
    if let Some(severity) = q.severity {
        query = query.filter(alert::Column::Severity.eq(severity.as_str()));
    }
    if let Some(rule) = q.rule_id {
        query = query.filter(alert::Column::RuleId.eq(rule));
    }
    if let Some(kind) = q.target_type {
        query = query.filter(alert::Column::TargetType.eq(kind.as_str()));
    }
    if let Some(target) = q.target_id {
        query = query.filter(alert::Column::TargetId.eq(target));
    }
    if let Some(from) = q.from {
        query = query.filter(alert::Column::StartedAt.gte(from));
    }
    if let Some(to) = q.to {
        query = query.filter(alert::Column::StartedAt.lt(to));
    }
    let total = query.clone().count(&state.db).await?;
    let rows = query
        .order_by(alert::Column::StartedAt, Order::Desc)
        .order_by(alert::Column::Id, Order::Desc)
        .offset(paging.offset())
        .limit(paging.per_page)
        .all(&state.db)
        .await?;
    Ok(envelope::ok(ListPage {
        items: rows.into_iter().map(AlertView::from).collect::<Vec<_>>(),
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
) -> ApiResult<alert::Model> {
    let row = alert::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or(ApiError::NotFound("alert"))?;
    principal.require_in(row.group_name.as_deref(), needed, "alert")?;
    Ok(row)
}

/// One alert, with its notifications.
#[utoipa::path(get, path = "/api/v1/alerts/{id}", tag = "alerting", operation_id = "getAlert",
    params(("id" = Uuid, Path, description = "Alert id")),
    responses((status = 200, description = "The alert", body = AlertDetail)))]
async fn get_alert(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult {
    let row = find(&state, &principal, id, Role::Viewer).await?;
    let notifications = notification::Entity::find()
        .filter(notification::Column::AlertId.eq(id))
        .order_by_asc(notification::Column::CreatedAt)
        .all(&state.db)
        .await?;
    Ok(envelope::ok(AlertDetail {
        alert: row.into(),
        notifications: notifications
            .into_iter()
            .map(NotificationView::from)
            .collect(),
    }))
}

/// Acknowledge an alert (editors): reminders and escalation stop; a `down` alert's
/// incident is acknowledged too.
#[utoipa::path(post, path = "/api/v1/alerts/{id}/ack", tag = "alerting", operation_id = "ackAlert",
    params(("id" = Uuid, Path, description = "Alert id")),
    responses((status = 200, description = "Acknowledged", body = AlertView)))]
async fn ack_alert(
    State(state): State<AppState>,
    meta: RequestMeta,
    principal: Principal,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult {
    let row = find(&state, &principal, id, Role::Editor).await?;
    if row.open_key.is_none() {
        return Err(ApiError::conflict(
            "status",
            "the alert is resolved; there is nothing to acknowledge",
        ));
    }
    let txn = crate::db::begin_write(&state.db).await?;
    if crate::alerting::acknowledge::alert(
        &txn,
        state.engine.alerting(),
        &row,
        Some(principal.user.id),
        Utc::now(),
    )
    .await?
    {
        audit::record(
            &txn,
            Some(&meta.origin),
            Entry::new(&principal, "alert.ack")
                .target("alert", id)
                .details(serde_json::json!({ "rule": row.rule_name, "monitor_id": row.target_id, "via": "api" })),
        )
        .await?;
    }
    txn.commit().await?;
    state.engine.alerting().wake();
    let row = find(&state, &principal, id, Role::Viewer).await?;
    state.engine.broadcast(crate::events::alert_event(
        &row,
        "acknowledged",
        row.acknowledged_at.unwrap_or_else(Utc::now),
    ));
    Ok(envelope::ok(AlertView::from(row)))
}

/// Filters of the delivery log.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NotificationQuery {
    /// Only this channel's.
    pub channel_id: Option<Uuid>,
    /// Only this alert's.
    pub alert_id: Option<Uuid>,
    /// waiting, grouped, queued, sent, retrying or dead.
    pub status: Option<String>,
    /// Page number, from 1.
    #[param(minimum = 1)]
    pub page: Option<u64>,
    /// Items per page, 1-500.
    #[param(minimum = 1, maximum = 500)]
    pub per_page: Option<u64>,
}

const STATES: [&str; 6] = [
    delivery::WAITING,
    delivery::GROUPED,
    delivery::QUEUED,
    delivery::SENT,
    delivery::RETRYING,
    delivery::DEAD,
];

/// The delivery log, newest first.
#[utoipa::path(get, path = "/api/v1/notifications", tag = "alerting", operation_id = "listNotifications",
    params(NotificationQuery),
    responses((status = 200, description = "Notifications", body = ListPage<NotificationView>)))]
async fn list_notifications(
    State(state): State<AppState>,
    principal: Principal,
    ApiQuery(q): ApiQuery<NotificationQuery>,
) -> ApiResult {
    principal.require(Role::Viewer)?;
    let paging = Paging::from_params(q.page, q.per_page)?;
    let mut query = notification::Entity::find();
    if let Some(channel) = q.channel_id {
        query = query.filter(notification::Column::ChannelId.eq(channel));
    }
    if let Some(alert) = q.alert_id {
        query = query.filter(notification::Column::AlertId.eq(alert));
    }
    if let Some(status) = &q.status {
        if !STATES.contains(&status.as_str()) {
            return Err(ApiError::field(
                "status",
                format!("must be one of {}", STATES.join(", ")),
            ));
        }
        query = query.filter(notification::Column::Status.eq(status.as_str()));
    }
    let total = query.clone().count(&state.db).await?;
    let rows = query
        .order_by(notification::Column::CreatedAt, Order::Desc)
        .order_by(notification::Column::Id, Order::Desc)
        .offset(paging.offset())
        .limit(paging.per_page)
        .all(&state.db)
        .await?;
    Ok(envelope::ok(ListPage {
        items: rows
            .into_iter()
            .map(NotificationView::from)
            .collect::<Vec<_>>(),
        total,
        page: paging.page,
        per_page: paging.per_page,
    }))
}

/// Queue a dead notification again (editors), with fresh attempts.
#[utoipa::path(post, path = "/api/v1/notifications/{id}/retry", tag = "alerting", operation_id = "retryNotification",
    params(("id" = Uuid, Path, description = "Notification id")),
    responses((status = 200, description = "Queued again", body = NotificationView)))]
async fn retry_notification(
    State(state): State<AppState>,
    meta: RequestMeta,
    principal: Principal,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult {
    principal.require(Role::Editor)?;
    let row = notification::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or(ApiError::NotFound("notification"))?;
    if row.status != delivery::DEAD {
        return Err(ApiError::conflict(
            "status",
            format!("is {}; only dead notifications are retried", row.status),
        ));
    }
    let txn = crate::db::begin_write(&state.db).await?;
    notification::Entity::update_many()
        .col_expr(notification::Column::Status, Expr::value(delivery::QUEUED))
        .col_expr(notification::Column::Attempts, Expr::value(0))
        .col_expr(notification::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(notification::Column::Id.eq(id))
        .exec(&txn)
        .await?;
    notifying::enqueue(&txn, id, &row.channel_type).await?;
    audit::record(
        &txn,
        Some(&meta.origin),
        Entry::new(&principal, "notification.retry")
            .target("notification", id)
            .details(serde_json::json!({ "channel_id": row.channel_id, "alert_id": row.alert_id })),
    )
    .await?;
    txn.commit().await?;
    state.queue.wake();
    let row = notification::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or(ApiError::NotFound("notification"))?;
    Ok(envelope::ok(NotificationView::from(row)))
}
