//! `POST /instances/{id}/actions`: ask an agent to restart itself, reboot or shut down its
//! host. Pull agents are called at once; push agents connected to this process get it at
//! once, others on their next contact (any process), and each action reaches its agent
//! at most once.

use std::time::Duration;

use axum::extract::State;
use chrono::Utc;
use monitron_proto::agent_api::Action;
use monitron_proto::push::ServerMessage;
use sea_orm::{ActiveModelTrait, Set};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::KIND;
use crate::api::envelope::{self, ApiError, ApiResult};
use crate::api::json::ApiJson;
use crate::api::meta::RequestMeta;
use crate::api::path::ApiPath;
use crate::audit::{self, Entry};
use crate::auth::{Principal, Role};
use crate::db::entities::instance_action;
use crate::instances::actions;
use crate::instances::client::CallError;
use crate::instances::hub::ActionAnswer;
use crate::monitors::agent::Connection;
use crate::monitors::Check;
use crate::state::AppState;

/// How long an action waits for a connected agent's answer.
const ACTION_WAIT: Duration = Duration::from_secs(10);

/// Routes of this module.
pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(instance_action))
}

/// `POST /instances/{id}/actions`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActionRequest {
    /// `restart_agent`, `reboot` or `shutdown`.
    #[schema(value_type = String)]
    pub action: Action,
}

/// What became of an action.
#[derive(Debug, Serialize, ToSchema)]
pub struct ActionView {
    /// Id.
    pub id: Uuid,
    /// The action.
    #[schema(value_type = String)]
    pub action: Action,
    /// `done` (accepted by the agent), `refused` (the agent said no), `failed` (a pull
    /// agent could not be reached), `sent` (handed to a push agent that has not answered
    /// within 10 s), or `queued` (a push agent is not connected; it gets the action when
    /// it next connects).
    pub status: &'static str,
    /// The agent's answer.
    pub message: String,
}

/// Ask the agent to restart itself, reboot or shut down its host (admins; audited). The
/// agent must allow power actions itself.
#[utoipa::path(post, path = "/api/v1/instances/{id}/actions", tag = "instances", operation_id = "instanceAction",
    params(("id" = Uuid, Path, description = "Instance id")),
    request_body = ActionRequest,
    responses((status = 200, description = "What became of it", body = ActionView)))]
async fn instance_action(
    State(state): State<AppState>,
    meta: RequestMeta,
    principal: Principal,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<ActionRequest>,
) -> ApiResult {
    let row = state
        .monitors()
        .find(&principal, KIND, id, Role::Admin)
        .await?;
    let Ok(Check::Agent(settings)) = Check::from_stored(&row.check_type, &row.config) else {
        return Err(ApiError::Internal(anyhow::anyhow!(
            "instance {id} holds another check type"
        )));
    };
    let action_id = Uuid::now_v7();
    // On record before anything is sent: a push session hands it over from here, once.
    instance_action::ActiveModel {
        id: Set(action_id),
        monitor_id: Set(id),
        action: Set(body.action.as_str().to_owned()),
        requested_by: Set(Some(principal.user.id)),
        created_at: Set(Utc::now()),
        delivered_at: Set(None),
        finished_at: Set(None),
        ok: Set(None),
        message: Set(None),
    }
    .insert(&state.db)
    .await?;
    let (status, message) = match settings.connection {
        Connection::Pull => {
            actions::claim(&state.db, action_id).await?;
            let mut check = Check::Agent(settings);
            check
                .open(&state.cipher)
                .map_err(|e| ApiError::Internal(e.into()))?;
            let Check::Agent(opened) = check else {
                unreachable!("opened the same variant")
            };
            let timeout = Duration::from_secs(u64::try_from(row.timeout_s).unwrap_or(30));
            let called = state
                .engine
                .agent_client()
                .action(id, &opened, body.action, timeout)
                .await;
            let (status, answer) = match called {
                Ok(data) => (
                    "done",
                    ActionAnswer {
                        ok: true,
                        message: data["message"].as_str().unwrap_or("accepted").to_owned(),
                    },
                ),
                Err(err) => (
                    if matches!(err, CallError::Refused { .. }) {
                        "refused"
                    } else {
                        "failed"
                    },
                    ActionAnswer {
                        ok: false,
                        message: err.to_string(),
                    },
                ),
            };
            actions::record_answer(&state.db, &state.agent_hub, id, action_id, answer.clone())
                .await?;
            (status, answer.message)
        }
        Connection::Push => push_action(&state, id, action_id, body.action).await?,
    };
    audit::record(
        &state.db,
        Some(&meta.origin),
        Entry::new(&principal, "instance.action")
            .target("instance", id)
            .details(serde_json::json!({
                "action": body.action.as_str(),
                "status": status,
                "message": message,
            })),
    )
    .await?;
    Ok(envelope::ok(ActionView {
        id: action_id,
        action: body.action,
        status,
        message,
    }))
}

/// Hands an action to a push agent connected to this process and waits briefly for its
/// answer; otherwise it stays queued for the agent's next contact (any process).
async fn push_action(
    state: &AppState,
    id: Uuid,
    action_id: Uuid,
    action: Action,
) -> ApiResult<(&'static str, String)> {
    let queued = (
        "queued",
        "the agent is not connected here; it gets the action on its next contact".to_owned(),
    );
    if !state.agent_hub.is_connected(id) || !actions::claim(&state.db, action_id).await? {
        return Ok(queued);
    }
    let waiting = state.agent_hub.expect_answer(id, action_id);
    let message = ServerMessage::Action {
        id: action_id.to_string(),
        action,
    };
    if !state.agent_hub.send(id, message) {
        state.agent_hub.forget_answer(id, action_id);
        actions::unclaim(&state.db, action_id).await?;
        return Ok(queued);
    }
    match tokio::time::timeout(ACTION_WAIT, waiting).await {
        Ok(Ok(answer)) => Ok((if answer.ok { "done" } else { "refused" }, answer.message)),
        _ => {
            state.agent_hub.forget_answer(id, action_id);
            Ok((
                "sent",
                "sent to the agent; it has not answered yet".to_owned(),
            ))
        }
    }
}
