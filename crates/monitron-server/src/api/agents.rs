//! `/api/v1/agents/*`: where push agents report. They authenticate with their enrollment
//! token (first contact) or their credential, never with a user's credentials; the
//! session itself is [`crate::instances::session`].
//!
//! - `GET /agents/ws`: the WebSocket session ([`monitron_proto::push`]): a welcome with the
//!   credential (on enrollment) and configuration, then batches acknowledged once stored,
//!   configurations and actions pushed as they come.
//! - `POST /agents/enroll` and `POST /agents/push`: the same over plain HTTP, for
//!   networks that block WebSocket; configuration and actions ride on push replies.

use axum::extract::ws::WebSocketUpgrade;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use monitron_proto::push::{PushReply, PushRequest, MAX_BATCH_BYTES};
use sea_orm::EntityTrait;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::api::envelope::{self, ApiError, ApiResult};
use crate::api::json::ApiJson;
use crate::auth::tokens::hash_token;
use crate::db::entities::{instance_agent, monitor};
use crate::instances::enrollment::{self, Authenticated, Proof};
use crate::instances::hub::ActionAnswer;
use crate::instances::session::{self, is_push};
use crate::monitors::Kind;
use crate::state::AppState;

/// Routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(agent_socket))
        .routes(routes!(enroll_agent))
        .routes(routes!(push_records))
}

/// The instance behind a bearer enrollment token or credential, and what was presented.
async fn authenticate(
    state: &AppState,
    headers: &HeaderMap,
) -> ApiResult<(Authenticated, monitor::Model, String)> {
    let presented = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or(ApiError::MissingCredentials)?;
    if presented.len() > 200 {
        return Err(ApiError::InvalidToken);
    }
    let agent = enrollment::authenticate(&state.db, presented)
        .await?
        .ok_or(ApiError::InvalidToken)?;
    let row = monitor::Entity::find_by_id(agent.monitor_id)
        .one(&state.db)
        .await?
        .filter(|r| r.kind == Kind::Instance.as_str())
        .ok_or(ApiError::InvalidToken)?;
    if !is_push(&row) {
        return Err(ApiError::Forbidden(
            "this instance is registered for pull mode; switch it to push to let its agent report"
                .into(),
        ));
    }
    Ok((agent, row, presented.to_owned()))
}

/// The push agents' WebSocket: `Authorization: Bearer <enrollment token or credential>`.
#[utoipa::path(get, path = "/api/v1/agents/ws", tag = "agents", operation_id = "agentSocket",
    responses((status = 101, description = "Switching to the agent protocol")))]
async fn agent_socket(
    State(state): State<AppState>,
    headers: HeaderMap,
    upgrade: Result<WebSocketUpgrade, axum::extract::ws::rejection::WebSocketUpgradeRejection>,
) -> Response {
    let (agent, row, presented) = match authenticate(&state, &headers).await {
        Ok(found) => found,
        Err(err) => return err.into_response(),
    };
    let Ok(upgrade) = upgrade else {
        return ApiError::field("_", "connect with a WebSocket client (Upgrade: websocket)")
            .into_response();
    };
    let ctx = state.push_context();
    let hello = match session::welcome(&ctx, agent).await {
        Ok(hello) => hello,
        Err(err) => return ApiError::from(err).into_response(),
    };
    // The credential this connection holds: its session ends once another replaces it.
    let credential = hash_token(hello.credential.as_deref().unwrap_or(&presented));
    upgrade
        .max_message_size(MAX_BATCH_BYTES * 2)
        .on_upgrade(move |socket| session::run(socket, ctx, row, hello, credential))
}

/// The welcome as a JSON answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct WelcomeView {
    /// The instance this agent reports for.
    pub instance_id: String,
    /// The credential to keep (only when enrolling with the token).
    pub credential: Option<String>,
    /// The configuration the server holds for the agent.
    #[schema(value_type = Object)]
    pub config: serde_json::Value,
}

/// Exchange the enrollment token for a credential over HTTP (`Authorization: Bearer`).
#[utoipa::path(post, path = "/api/v1/agents/enroll", tag = "agents", operation_id = "enrollAgent",
    responses((status = 200, description = "The welcome", body = WelcomeView)))]
async fn enroll_agent(State(state): State<AppState>, headers: HeaderMap) -> ApiResult {
    let (agent, _, _) = authenticate(&state, &headers).await?;
    let hello = session::welcome(&state.push_context(), agent).await?;
    Ok(envelope::ok(WelcomeView {
        instance_id: hello.instance_id,
        credential: hello.credential,
        config: serde_json::to_value(hello.config).unwrap_or_default(),
    }))
}

/// The push reply as documented.
#[derive(Debug, Serialize, ToSchema)]
pub struct PushReplyView {
    /// Highest stored sequence number.
    pub ack: Option<u64>,
    /// A newer configuration, when the server holds one.
    #[schema(value_type = Object)]
    pub config: Option<serde_json::Value>,
    /// Actions waiting for the agent.
    #[schema(value_type = Vec<Object>)]
    pub actions: serde_json::Value,
}

/// Send buffered records over HTTP with the agent credential (`Authorization: Bearer`).
#[utoipa::path(post, path = "/api/v1/agents/push", tag = "agents", operation_id = "pushRecords",
    request_body(content = Object, description = "records, action_results, config_revision"),
    responses((status = 200, description = "Stored", body = PushReplyView)))]
async fn push_records(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<PushRequest>,
) -> ApiResult {
    let (agent, row, _) = authenticate(&state, &headers).await?;
    let ctx = state.push_context();
    if agent.proof != Proof::Credential {
        return Err(ApiError::Forbidden(
            "enroll first (POST /api/v1/agents/enroll) and push with the credential".into(),
        ));
    }
    enrollment::complete(&state.db, row.id).await?;
    if let Some(device) = &body.device {
        session::store_device(&ctx, row.id, device).await;
    }
    for r in body.action_results {
        session::record_action_answer(
            &ctx,
            row.id,
            &r.id,
            ActionAnswer {
                ok: r.ok,
                message: r.message,
            },
        )
        .await;
    }
    if let Some(revision) = body.config_revision {
        session::mark_config_applied(&ctx, row.id, revision).await;
    }
    let ack = session::store_batch(&ctx, &row, body.records).await?;
    let agent_row = instance_agent::Entity::find_by_id(row.id)
        .one(&state.db)
        .await?
        .ok_or(ApiError::InvalidToken)?;
    let config = if agent_row.config_revision > agent_row.config_delivered {
        Some(session::config_of(&ctx, &agent_row)?)
    } else {
        None
    };
    let reply = PushReply {
        ack,
        config,
        actions: session::take_pending_actions(&ctx, row.id).await?,
    };
    Ok(envelope::ok(reply))
}
