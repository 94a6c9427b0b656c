//! `/api/v1/escalation-policies`: who else hears about an alert nobody acknowledges.
//! Editors manage policies; viewers read them.

use axum::extract::State;
use chrono::Utc;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::alerting::escalation::Step;
use crate::api::envelope::{self, ApiError, ApiResult, FieldErrors};
use crate::api::json::ApiJson;
use crate::api::list::{ApiQuery, ListPage, PageParams, Paging};
use crate::api::me::Deleted;
use crate::api::meta::RequestMeta;
use crate::api::path::ApiPath;
use crate::audit::{self, Entry};
use crate::auth::{Principal, Role};
use crate::db::entities::{alert_rule, escalation_policy, notification_channel, user};
use crate::db::list::fetch_page;
use crate::state::AppState;

/// Most steps in a policy.
const MAX_STEPS: usize = 20;
/// Most extra runs.
const MAX_REPEAT: i64 = 10;

/// Routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_policies, create_policy))
        .routes(routes!(get_policy, update_policy, delete_policy))
}

/// A policy as sent (a creation needs `name` and `steps`).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PolicyInput {
    /// Name.
    pub name: Option<String>,
    /// `[{delay_s, channels, users}]`: step 1 goes out when the alert fires, each later
    /// step at its delay if nobody has acknowledged.
    pub steps: Option<Vec<Step>>,
    /// How many more times the steps run (0).
    pub repeat: Option<i64>,
}

/// A policy.
#[derive(Debug, Serialize, ToSchema)]
pub struct PolicyView {
    /// Id.
    pub id: Uuid,
    /// Name.
    pub name: String,
    /// Steps.
    pub steps: Vec<Step>,
    /// Extra runs.
    pub repeat: i32,
    /// Created.
    pub created_at: chrono::DateTime<Utc>,
    /// Last changed.
    pub updated_at: chrono::DateTime<Utc>,
}

fn view(row: &escalation_policy::Model) -> PolicyView {
    PolicyView {
        id: row.id,
        name: row.name.clone(),
        steps: serde_json::from_value(row.steps.clone()).unwrap_or_default(),
        repeat: row.repeat,
        created_at: row.created_at,
        updated_at: row.updated_at,
    }
}

async fn apply(
    state: &AppState,
    input: PolicyInput,
    row: &mut escalation_policy::ActiveModel,
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
    match input.steps {
        Some(steps) => {
            if steps.is_empty() || steps.len() > MAX_STEPS {
                errors.insert("steps".into(), format!("needs 1 to {MAX_STEPS} steps"));
            }
            let channel_ids: Vec<Uuid> = steps.iter().flat_map(|s| s.channels.clone()).collect();
            let user_ids: Vec<Uuid> = steps.iter().flat_map(|s| s.users.clone()).collect();
            let channels: Vec<Uuid> = notification_channel::Entity::find()
                .filter(notification_channel::Column::Id.is_in(channel_ids))
                .all(&state.db)
                .await?
                .into_iter()
                .map(|c| c.id)
                .collect();
            let users: Vec<Uuid> = user::Entity::find()
                .filter(user::Column::Id.is_in(user_ids))
                .all(&state.db)
                .await?
                .into_iter()
                .map(|u| u.id)
                .collect();
            for (i, step) in steps.iter().enumerate() {
                if i > 0 && step.delay_s < steps[i - 1].delay_s {
                    errors.insert(
                        format!("steps[{i}].delay_s"),
                        "must not be less than the step before".into(),
                    );
                }
                if step.delay_s > 7 * 86_400 {
                    errors.insert(
                        format!("steps[{i}].delay_s"),
                        "must be at most 604800".into(),
                    );
                }
                if step.channels.is_empty() && step.users.is_empty() {
                    errors.insert(format!("steps[{i}]"), "needs a channel or a user".into());
                }
                for (j, id) in step.channels.iter().enumerate() {
                    if !channels.contains(id) {
                        errors.insert(
                            format!("steps[{i}].channels[{j}]"),
                            "no such notification channel".into(),
                        );
                    }
                }
                for (j, id) in step.users.iter().enumerate() {
                    if !users.contains(id) {
                        errors.insert(format!("steps[{i}].users[{j}]"), "no such user".into());
                    }
                }
            }
            if steps.iter().any(|s| !s.users.is_empty()) && state.config.email.is_none() {
                errors.insert(
                    "steps".into(),
                    "e-mailing users needs EMAIL_HOST to be set".into(),
                );
            }
            row.steps = Set(serde_json::to_value(&steps).expect("steps serialize"));
        }
        None if creating => {
            errors.insert("steps".into(), "is required".into());
        }
        None => {}
    }
    match input.repeat {
        Some(r) if (0..=MAX_REPEAT).contains(&r) => row.repeat = Set(r as i32),
        Some(_) => {
            errors.insert(
                "repeat".into(),
                format!("must be between 0 and {MAX_REPEAT}"),
            );
        }
        None => {}
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Validation(errors))
    }
}

async fn find(state: &AppState, id: Uuid) -> ApiResult<escalation_policy::Model> {
    escalation_policy::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or(ApiError::NotFound("escalation policy"))
}

/// List policies.
#[utoipa::path(get, path = "/api/v1/escalation-policies", tag = "alerting", operation_id = "listEscalationPolicies",
    params(PageParams),
    responses((status = 200, description = "Policies", body = ListPage<PolicyView>)))]
async fn list_policies(
    State(state): State<AppState>,
    principal: Principal,
    ApiQuery(q): ApiQuery<PageParams>,
) -> ApiResult {
    principal.require(Role::Viewer)?;
    let paging = Paging::from_params(q.page, q.per_page)?;
    let query = escalation_policy::Entity::find()
        .order_by_asc(escalation_policy::Column::Name)
        .order_by_asc(escalation_policy::Column::Id);
    let (rows, total) = fetch_page(&state.db, query, paging).await?;
    Ok(envelope::ok(ListPage {
        total,
        items: rows.iter().map(view).collect::<Vec<_>>(),
        page: paging.page,
        per_page: paging.per_page,
    }))
}

/// Create a policy (editors).
#[utoipa::path(post, path = "/api/v1/escalation-policies", tag = "alerting", operation_id = "createEscalationPolicy",
    request_body = PolicyInput,
    responses((status = 201, description = "Created", body = PolicyView)))]
async fn create_policy(
    State(state): State<AppState>,
    meta: RequestMeta,
    principal: Principal,
    ApiJson(input): ApiJson<PolicyInput>,
) -> ApiResult {
    principal.require(Role::Editor)?;
    let now = Utc::now();
    let mut row = escalation_policy::ActiveModel {
        id: Set(Uuid::now_v7()),
        name: Set(String::new()),
        steps: Set(serde_json::json!([])),
        repeat: Set(0),
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
        Entry::new(&principal, "escalation_policy.create")
            .target("escalation_policy", row.id)
            .details(
                serde_json::json!({ "name": row.name, "steps": row.steps, "repeat": row.repeat }),
            ),
    )
    .await?;
    txn.commit().await?;
    Ok(envelope::created(view(&row)))
}

/// One policy.
#[utoipa::path(get, path = "/api/v1/escalation-policies/{id}", tag = "alerting", operation_id = "getEscalationPolicy",
    params(("id" = Uuid, Path, description = "Policy id")),
    responses((status = 200, description = "The policy", body = PolicyView)))]
async fn get_policy(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult {
    principal.require(Role::Viewer)?;
    Ok(envelope::ok(view(&find(&state, id).await?)))
}

/// Change a policy (editors); escalations already running keep the policy they started with.
#[utoipa::path(patch, path = "/api/v1/escalation-policies/{id}", tag = "alerting", operation_id = "updateEscalationPolicy",
    params(("id" = Uuid, Path, description = "Policy id")),
    request_body = PolicyInput,
    responses((status = 200, description = "Saved", body = PolicyView)))]
async fn update_policy(
    State(state): State<AppState>,
    meta: RequestMeta,
    principal: Principal,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(input): ApiJson<PolicyInput>,
) -> ApiResult {
    principal.require(Role::Editor)?;
    let row = find(&state, id).await?;
    let mut active: escalation_policy::ActiveModel = row.into();
    apply(&state, input, &mut active, false).await?;
    active.updated_at = Set(Utc::now());
    let txn = crate::db::begin_write(&state.db).await?;
    let row = active.update(&txn).await?;
    audit::record(
        &txn,
        Some(&meta.origin),
        Entry::new(&principal, "escalation_policy.update")
            .target("escalation_policy", id)
            .details(
                serde_json::json!({ "name": row.name, "steps": row.steps, "repeat": row.repeat }),
            ),
    )
    .await?;
    txn.commit().await?;
    Ok(envelope::ok(view(&row)))
}

/// Delete a policy (editors). A policy that rules still name is refused, naming them.
#[utoipa::path(delete, path = "/api/v1/escalation-policies/{id}", tag = "alerting", operation_id = "deleteEscalationPolicy",
    params(("id" = Uuid, Path, description = "Policy id")),
    responses((status = 200, description = "Deleted", body = Deleted)))]
async fn delete_policy(
    State(state): State<AppState>,
    meta: RequestMeta,
    principal: Principal,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult {
    principal.require(Role::Editor)?;
    let row = find(&state, id).await?;
    let txn = crate::db::begin_write(&state.db).await?;
    let users: Vec<String> = alert_rule::Entity::find()
        .filter(alert_rule::Column::EscalationPolicyId.eq(id))
        .all(&txn)
        .await?
        .into_iter()
        .map(|r| r.name)
        .collect();
    if !users.is_empty() {
        return Err(ApiError::conflict(
            "id",
            format!(
                "is used by the alert rules {}; remove it from them first",
                users.join(", ")
            ),
        ));
    }
    escalation_policy::Entity::delete_by_id(id)
        .exec(&txn)
        .await?;
    audit::record(
        &txn,
        Some(&meta.origin),
        Entry::new(&principal, "escalation_policy.delete")
            .target("escalation_policy", id)
            .details(serde_json::json!({ "name": row.name })),
    )
    .await?;
    txn.commit().await?;
    Ok(envelope::ok(Deleted { id }))
}
