//! `/api/v1/alert-rules`: what makes an alert, and who hears about it. Editors manage
//! rules (a group-scoped editor those whose `targets.group` is one of their groups);
//! viewers read them.

use axum::extract::State;
use chrono::Utc;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::alerting::rules::{Condition, Selector, Severity};
use crate::alerting::{evaluate, Rule};
use crate::api::envelope::{self, ApiError, ApiResult, FieldErrors};
use crate::api::json::ApiJson;
use crate::api::list::{ApiQuery, ListPage, PageParams, Paging};
use crate::api::me::Deleted;
use crate::api::meta::RequestMeta;
use crate::api::path::ApiPath;
use crate::audit::{self, Entry};
use crate::auth::role::GroupScope;
use crate::auth::{Principal, Role};
use crate::db::entities::{alert_rule, escalation_policy, notification_channel};
use crate::db::list::fetch_page;
use crate::state::AppState;

/// Longest `for_s`, `repeat_interval_s` and `cooldown_s`: a week.
const MAX_DELAY_S: i64 = 7 * 86_400;

/// Routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_rules, create_rule))
        .routes(routes!(get_rule, update_rule, delete_rule))
}

/// A rule as sent: every field optional, so creation and changes share one shape (a
/// creation needs `name` and `condition`).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleInput {
    /// Name.
    pub name: Option<String>,
    /// Judged when true (default).
    pub enabled: Option<bool>,
    /// `critical` (default), `warning` or `info`.
    pub severity: Option<Severity>,
    /// Which monitors (default: every monitor).
    pub targets: Option<Selector>,
    /// What must hold: `{type: down}`, `{type: down_count, failures, window_s}`,
    /// `{type: latency, stat, above_ms, window_s}`, `{type: metric, metric, op, threshold,
    /// mount?, device?}`, `{type: certificate_days, below}`, `{type: domain_days, below}`,
    /// `{type: uptime, below_pct, window_s}`.
    #[schema(value_type = Option<Object>)]
    pub condition: Option<Value>,
    /// Seconds the condition must hold before firing (0).
    pub for_s: Option<i64>,
    /// Reminders every this many seconds while firing and unacknowledged (0: none).
    pub repeat_interval_s: Option<i64>,
    /// Least seconds between two firing notifications of one target (0).
    pub cooldown_s: Option<i64>,
    /// Tell the channels when it resolves (true).
    pub send_resolved: Option<bool>,
    /// Channel ids; empty (default) means the default channels.
    pub channels: Option<Vec<Uuid>>,
    /// Escalation policy, run in addition to the channels; null removes it.
    #[serde(default, deserialize_with = "crate::api::json::double_option")]
    #[schema(value_type = Option<Uuid>)]
    pub escalation_policy_id: Option<Option<Uuid>>,
    /// A MiniJinja template for the alert's message line; null or empty removes it.
    #[serde(default, deserialize_with = "crate::api::json::double_option")]
    #[schema(value_type = Option<String>)]
    pub message: Option<Option<String>>,
}

/// A rule.
#[derive(Debug, Serialize, ToSchema)]
pub struct RuleView {
    /// Id.
    pub id: Uuid,
    /// Name.
    pub name: String,
    /// Judged when true.
    pub enabled: bool,
    /// Severity of its alerts.
    pub severity: Severity,
    /// Which monitors.
    pub targets: Selector,
    /// What must hold.
    #[schema(value_type = Object)]
    pub condition: Value,
    /// Seconds the condition must hold before firing.
    pub for_s: i32,
    /// Reminder interval (0: none).
    pub repeat_interval_s: i32,
    /// Least gap between firing notifications.
    pub cooldown_s: i32,
    /// Resolves are sent.
    pub send_resolved: bool,
    /// Channel ids (empty: the default channels).
    pub channels: Vec<Uuid>,
    /// Escalation policy.
    pub escalation_policy_id: Option<Uuid>,
    /// Message template.
    pub message: Option<String>,
    /// Created.
    pub created_at: chrono::DateTime<Utc>,
    /// Last changed.
    pub updated_at: chrono::DateTime<Utc>,
}

fn view(row: &alert_rule::Model) -> RuleView {
    RuleView {
        id: row.id,
        name: row.name.clone(),
        enabled: row.enabled,
        severity: Severity::parse(&row.severity),
        targets: serde_json::from_value(row.targets.clone()).unwrap_or_else(|_| Selector::any()),
        condition: row.condition.clone(),
        for_s: row.for_s,
        repeat_interval_s: row.repeat_interval_s,
        cooldown_s: row.cooldown_s,
        send_resolved: row.send_resolved,
        channels: serde_json::from_value(row.channels.clone()).unwrap_or_default(),
        escalation_policy_id: row.escalation_policy_id,
        message: row.message.clone(),
        created_at: row.created_at,
        updated_at: row.updated_at,
    }
}

/// Applies `input` over `row` (a fresh row for a creation) and checks the result, naming
/// every bad field.
async fn apply(
    state: &AppState,
    input: RuleInput,
    row: &mut alert_rule::ActiveModel,
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
    if let Some(enabled) = input.enabled {
        row.enabled = Set(enabled);
    }
    if let Some(severity) = input.severity {
        row.severity = Set(severity.as_str().to_owned());
    }
    if let Some(mut targets) = input.targets {
        targets.validate("targets", &mut errors);
        row.group_name = Set(targets.group.clone());
        row.targets = Set(serde_json::to_value(&targets).expect("a selector serializes"));
    }
    match input.condition.map(Condition::parse) {
        Some(Ok(condition)) => {
            row.condition = Set(serde_json::to_value(&condition).expect("a condition serializes"))
        }
        Some(Err(more)) => errors.extend(more),
        None if creating => {
            errors.insert("condition".into(), "is required".into());
        }
        None => {}
    }
    for (field, value, target) in [
        ("for_s", input.for_s, &mut row.for_s),
        (
            "repeat_interval_s",
            input.repeat_interval_s,
            &mut row.repeat_interval_s,
        ),
        ("cooldown_s", input.cooldown_s, &mut row.cooldown_s),
    ] {
        match value {
            Some(v) if (0..=MAX_DELAY_S).contains(&v) => *target = Set(v as i32),
            Some(_) => {
                errors.insert(field.into(), format!("must be between 0 and {MAX_DELAY_S}"));
            }
            None => {}
        }
    }
    if let Some(send) = input.send_resolved {
        row.send_resolved = Set(send);
    }
    if let Some(channels) = input.channels {
        let known: Vec<Uuid> = notification_channel::Entity::find()
            .filter(notification_channel::Column::Id.is_in(channels.iter().copied()))
            .all(&state.db)
            .await?
            .into_iter()
            .map(|c| c.id)
            .collect();
        for (i, id) in channels.iter().enumerate() {
            if !known.contains(id) {
                errors.insert(
                    format!("channels[{i}]"),
                    "no such notification channel".into(),
                );
            }
        }
        if channels.len() > 50 {
            errors.insert("channels".into(), "at most 50 channels".into());
        }
        row.channels = Set(serde_json::to_value(&channels).expect("ids serialize"));
    }
    if let Some(policy) = input.escalation_policy_id {
        if let Some(id) = policy {
            if escalation_policy::Entity::find_by_id(id)
                .one(&state.db)
                .await?
                .is_none()
            {
                errors.insert(
                    "escalation_policy_id".into(),
                    "no such escalation policy".into(),
                );
            }
        }
        row.escalation_policy_id = Set(policy);
    }
    if let Some(message) = input.message {
        let message = message.filter(|m| !m.trim().is_empty());
        if let Some(source) = &message {
            if let Err(reason) = crate::notify::template::check(source) {
                errors.insert("message".into(), reason);
            }
        }
        row.message = Set(message);
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Validation(errors))
    }
}

/// After a change: closes the rule's open alerts (a changed rule judges afresh), reloads
/// every process's rules here, and judges the rule against the monitors' current state.
async fn rejudge(state: &AppState, rule: Uuid, changed: bool) -> ApiResult<()> {
    if changed {
        evaluate::close_rule(&state.db, rule, Utc::now()).await?;
    }
    let alerting = state.engine.alerting();
    alerting.reload(&state.db).await?;
    if alerting.rules().iter().any(|r: &Rule| r.id == rule) {
        let monitors = state.engine.catalog().all();
        let txn = crate::db::begin_write(&state.db).await?;
        let mut done = evaluate::evaluate_now(&txn, alerting, &monitors, rule).await?;
        if alerting
            .rules()
            .iter()
            .any(|r| r.id == rule && matches!(r.condition, Condition::Uptime { .. }))
        {
            let uptime =
                crate::alerting::uptime::evaluate(&txn, alerting, &state.engine, Utc::now())
                    .await?;
            done.queued += uptime.queued;
            done.events.extend(uptime.events);
        }
        txn.commit().await?;
        if done.queued > 0 {
            alerting.wake();
        }
        done.publish(&state.engine);
    }
    Ok(())
}

fn editable(principal: &Principal, row: &alert_rule::Model) -> ApiResult<()> {
    principal.require_in(row.group_name.as_deref(), Role::Editor, "alert rule")?;
    Ok(())
}

/// List rules visible to the caller.
#[utoipa::path(get, path = "/api/v1/alert-rules", tag = "alerting", operation_id = "listAlertRules",
    params(PageParams),
    responses((status = 200, description = "Rules", body = ListPage<RuleView>)))]
async fn list_rules(
    State(state): State<AppState>,
    principal: Principal,
    ApiQuery(q): ApiQuery<PageParams>,
) -> ApiResult {
    let paging = Paging::from_params(q.page, q.per_page)?;
    let mut query = alert_rule::Entity::find();
    if let GroupScope::Groups(groups) = principal.scope(Role::Viewer) {
        query = query.filter(alert_rule::Column::GroupName.is_in(groups));
    }
    let query = query
        .order_by_asc(alert_rule::Column::Name)
        .order_by_asc(alert_rule::Column::Id);
    let (rows, total) = fetch_page(&state.db, query, paging).await?;
    Ok(envelope::ok(ListPage {
        total,
        items: rows.iter().map(view).collect::<Vec<_>>(),
        page: paging.page,
        per_page: paging.per_page,
    }))
}

/// Create a rule (editors). A rule whose condition already holds fires at once.
#[utoipa::path(post, path = "/api/v1/alert-rules", tag = "alerting", operation_id = "createAlertRule",
    request_body = RuleInput,
    responses((status = 201, description = "Created", body = RuleView)))]
async fn create_rule(
    State(state): State<AppState>,
    meta: RequestMeta,
    principal: Principal,
    ApiJson(input): ApiJson<RuleInput>,
) -> ApiResult {
    let group = input.targets.as_ref().and_then(|t| t.group.clone());
    principal.require_in(group.as_deref(), Role::Editor, "alert rule")?;
    let now = Utc::now();
    let mut row = alert_rule::ActiveModel {
        id: Set(Uuid::now_v7()),
        name: Set(String::new()),
        enabled: Set(true),
        severity: Set(Severity::Critical.as_str().to_owned()),
        targets: Set(serde_json::to_value(Selector::any()).expect("a selector serializes")),
        condition: Set(Value::Null),
        for_s: Set(0),
        repeat_interval_s: Set(0),
        cooldown_s: Set(0),
        send_resolved: Set(true),
        channels: Set(serde_json::json!([])),
        escalation_policy_id: Set(None),
        message: Set(None),
        group_name: Set(None),
        created_by: Set(Some(principal.user.id)),
        created_at: Set(now),
        updated_at: Set(now),
    };
    apply(&state, input, &mut row, true).await?;
    let txn = crate::db::begin_write(&state.db).await?;
    let row = row.insert(&txn).await?;
    audit::record(
        &txn,
        Some(&meta.origin),
        Entry::new(&principal, "alert_rule.create")
            .target("alert_rule", row.id)
            .details(serde_json::json!({ "name": row.name, "condition": row.condition })),
    )
    .await?;
    txn.commit().await?;
    rejudge(&state, row.id, false).await?;
    Ok(envelope::created(view(&row)))
}

async fn find(state: &AppState, principal: &Principal, id: Uuid) -> ApiResult<alert_rule::Model> {
    let row = alert_rule::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or(ApiError::NotFound("alert rule"))?;
    principal.require_in(row.group_name.as_deref(), Role::Viewer, "alert rule")?;
    Ok(row)
}

/// One rule.
#[utoipa::path(get, path = "/api/v1/alert-rules/{id}", tag = "alerting", operation_id = "getAlertRule",
    params(("id" = Uuid, Path, description = "Rule id")),
    responses((status = 200, description = "The rule", body = RuleView)))]
async fn get_rule(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult {
    Ok(envelope::ok(view(&find(&state, &principal, id).await?)))
}

/// Change a rule (editors). Its open alerts close and the changed rule judges afresh.
#[utoipa::path(patch, path = "/api/v1/alert-rules/{id}", tag = "alerting", operation_id = "updateAlertRule",
    params(("id" = Uuid, Path, description = "Rule id")),
    request_body = RuleInput,
    responses((status = 200, description = "Saved", body = RuleView)))]
async fn update_rule(
    State(state): State<AppState>,
    meta: RequestMeta,
    principal: Principal,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(input): ApiJson<RuleInput>,
) -> ApiResult {
    let row = find(&state, &principal, id).await?;
    editable(&principal, &row)?;
    if let Some(group) = input.targets.as_ref().map(|t| t.group.clone()) {
        principal.require_in(group.as_deref(), Role::Editor, "alert rule")?;
    }
    let mut active: alert_rule::ActiveModel = row.into();
    apply(&state, input, &mut active, false).await?;
    active.updated_at = Set(Utc::now());
    let txn = crate::db::begin_write(&state.db).await?;
    let row = active.update(&txn).await?;
    audit::record(
        &txn,
        Some(&meta.origin),
        Entry::new(&principal, "alert_rule.update")
            .target("alert_rule", id)
            .details(serde_json::json!({ "name": row.name, "enabled": row.enabled, "condition": row.condition })),
    )
    .await?;
    txn.commit().await?;
    rejudge(&state, id, true).await?;
    Ok(envelope::ok(view(&row)))
}

/// Delete a rule (editors); its open alerts close.
#[utoipa::path(delete, path = "/api/v1/alert-rules/{id}", tag = "alerting", operation_id = "deleteAlertRule",
    params(("id" = Uuid, Path, description = "Rule id")),
    responses((status = 200, description = "Deleted", body = Deleted)))]
async fn delete_rule(
    State(state): State<AppState>,
    meta: RequestMeta,
    principal: Principal,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult {
    let row = find(&state, &principal, id).await?;
    editable(&principal, &row)?;
    let txn = crate::db::begin_write(&state.db).await?;
    alert_rule::Entity::delete_by_id(id).exec(&txn).await?;
    evaluate::close_rule(&txn, id, Utc::now()).await?;
    audit::record(
        &txn,
        Some(&meta.origin),
        Entry::new(&principal, "alert_rule.delete")
            .target("alert_rule", id)
            .details(serde_json::json!({ "name": row.name })),
    )
    .await?;
    txn.commit().await?;
    state.engine.alerting().reload(&state.db).await?;
    Ok(envelope::ok(Deleted { id }))
}
