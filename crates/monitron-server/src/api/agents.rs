//! `/api/v1/agents/*`: where push agents report. They authenticate with their enrollment
//! token (first contact) or their credential, never with a user's credentials.
//!
//! - `GET /agents/ws`: the WebSocket session ([`monitron_proto::push`]): a welcome with the
//!   credential (on enrollment) and configuration, then batches acknowledged once stored,
//!   configurations and actions pushed as they come.
//! - `POST /agents/enroll` and `POST /agents/push`: the same over plain HTTP, for
//!   networks that block WebSocket; configuration and actions ride on push replies.

use std::collections::HashMap;

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use monitron_proto::push::{
    AgentMessage, PendingAction, PushReply, PushRequest, Record, RecordBody, ServerMessage,
    Welcome, MAX_BATCH_BYTES,
};
use monitron_proto::AgentConfig;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::Serialize;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::api::envelope::{self, ApiError, ApiResult};
use crate::api::json::ApiJson;
use crate::db::entities::{instance_action, instance_agent, monitor};
use crate::instances::enrollment::{self, Authenticated, Proof};
use crate::instances::hub::{ActionAnswer, Outgoing, POLL_EVERY};
use crate::instances::ingest::Source;
use crate::instances::{actions, agent_config, probes, Connection};
use crate::monitors::{Check, Kind};
use crate::state::AppState;

/// Routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(agent_socket))
        .routes(routes!(enroll_agent))
        .routes(routes!(push_records))
}

/// The instance behind a bearer enrollment token or credential.
async fn authenticate(
    state: &AppState,
    headers: &HeaderMap,
) -> ApiResult<(Authenticated, monitor::Model)> {
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
    match Check::from_stored(&row.check_type, &row.config) {
        Ok(Check::Agent(s)) if s.connection == Connection::Push => Ok((agent, row)),
        _ => Err(ApiError::Forbidden(
            "this instance is registered for pull mode; switch it to push to let its agent report"
                .into(),
        )),
    }
}

/// Hands out the credential (enrollment) or retires the token (first use of the
/// credential), and answers the welcome.
async fn welcome(state: &AppState, agent: Authenticated) -> ApiResult<Welcome> {
    let credential = match agent.proof {
        Proof::EnrollmentToken => {
            let credential = enrollment::issue_credential(&state.db, agent.monitor_id).await?;
            tracing::info!(monitor_id = %agent.monitor_id, "Agent enrolled.");
            Some(credential)
        }
        Proof::Credential => {
            enrollment::complete(&state.db, agent.monitor_id).await?;
            None
        }
    };
    let row = instance_agent::Entity::find_by_id(agent.monitor_id)
        .one(&state.db)
        .await?
        .ok_or(ApiError::InvalidToken)?;
    Ok(Welcome {
        instance_id: agent.monitor_id.to_string(),
        credential,
        config: config_of(state, &row)?,
    })
}

fn config_of(state: &AppState, row: &instance_agent::Model) -> ApiResult<AgentConfig> {
    agent_config::for_agent(row, &state.cipher).map_err(|e| ApiError::Internal(e.into()))
}

/// Stores a batch; answers the highest sequence number now safe to delete.
async fn store_batch(
    state: &AppState,
    row: &monitor::Model,
    records: Vec<Record>,
) -> ApiResult<Option<u64>> {
    let highest = records.iter().map(|r| r.seq).max();
    let mut snapshots = Vec::new();
    let mut results = Vec::new();
    for record in records {
        match record.body {
            RecordBody::Snapshot(s) => snapshots.push(s),
            RecordBody::Result(r) => results.push(r),
        }
    }
    snapshots.sort_by_key(|s| s.timestamp);
    probes::store(
        state.engine.durable_db(),
        row.id,
        &results,
        &state.config.retention,
        Utc::now(),
    )
    .await?;
    // Also when there are no snapshots: the contact time advances.
    let source = Source {
        monitor_id: row.id,
        series_id: row.series_id,
        name: row.name.as_str().into(),
        group: row.group_name.clone(),
    };
    state
        .engine
        .ingest()
        .store(source, snapshots)
        .await
        .map_err(|e| ApiError::Unavailable(format!("storing the snapshots failed: {e}")))?;
    Ok(highest)
}

async fn take_pending_actions(state: &AppState, id: Uuid) -> ApiResult<Vec<PendingAction>> {
    Ok(actions::take_pending(&state.db, id).await?)
}

async fn record_action_answer(state: &AppState, monitor_id: Uuid, id: &str, answer: ActionAnswer) {
    let Ok(action_id) = Uuid::parse_str(id) else {
        return;
    };
    if let Err(err) =
        actions::record_answer(&state.db, &state.agent_hub, monitor_id, action_id, answer).await
    {
        tracing::warn!(action_id = %action_id, error = %err, "Recording an action's answer failed.");
    }
}

async fn store_device(state: &AppState, id: Uuid, device: &monitron_proto::DeviceInfo) {
    let Ok(device) = serde_json::to_value(device) else {
        return;
    };
    let updated = instance_agent::Entity::update_many()
        .col_expr(instance_agent::Column::Device, Expr::value(device))
        .col_expr(
            instance_agent::Column::DeviceAt,
            Expr::value(Some(Utc::now())),
        )
        .filter(instance_agent::Column::MonitorId.eq(id))
        .exec(&state.db)
        .await;
    if let Err(err) = updated {
        tracing::warn!(monitor_id = %id, error = %err, "Storing the agent's device information failed.");
    }
}

async fn mark_config_applied(state: &AppState, id: Uuid, revision: u64) {
    let revision = i64::try_from(revision).unwrap_or(i64::MAX);
    let updated = instance_agent::Entity::update_many()
        .col_expr(
            instance_agent::Column::ConfigDelivered,
            Expr::value(revision),
        )
        .filter(instance_agent::Column::MonitorId.eq(id))
        .filter(instance_agent::Column::ConfigDelivered.lt(revision))
        .exec(&state.db)
        .await;
    if let Err(err) = updated {
        tracing::warn!(monitor_id = %id, error = %err, "Recording the agent's configuration revision failed.");
    }
}

/// The push agents' WebSocket: `Authorization: Bearer <enrollment token or credential>`.
#[utoipa::path(get, path = "/api/v1/agents/ws", tag = "agents", operation_id = "agentSocket",
    responses((status = 101, description = "Switching to the agent protocol")))]
async fn agent_socket(
    State(state): State<AppState>,
    headers: HeaderMap,
    upgrade: Result<WebSocketUpgrade, axum::extract::ws::rejection::WebSocketUpgradeRejection>,
) -> Response {
    let (agent, row) = match authenticate(&state, &headers).await {
        Ok(found) => found,
        Err(err) => return err.into_response(),
    };
    let Ok(upgrade) = upgrade else {
        return ApiError::field("_", "connect with a WebSocket client (Upgrade: websocket)")
            .into_response();
    };
    let hello = match welcome(&state, agent).await {
        Ok(hello) => hello,
        Err(err) => return err.into_response(),
    };
    upgrade
        .max_message_size(MAX_BATCH_BYTES * 2)
        .on_upgrade(move |socket| session(socket, state, row, hello))
}

async fn send(socket: &mut WebSocket, message: &ServerMessage) -> bool {
    match serde_json::to_string(message) {
        Ok(text) => socket.send(Message::Text(text.into())).await.is_ok(),
        Err(_) => false,
    }
}

/// Seconds without any frame from the agent after which the connection counts as dead
/// (the server pings every [`PING_EVERY_TICKS`] poll ticks; agents answer pings).
const IDLE_LIMIT: std::time::Duration = std::time::Duration::from_secs(90);
/// Poll ticks between pings.
const PING_EVERY_TICKS: u32 = 10;

async fn session(mut socket: WebSocket, state: AppState, mut row: monitor::Model, hello: Welcome) {
    let id = row.id;
    let session = Uuid::now_v7();
    let mut sent_revision = hello.config.revision;
    // Enrolled on this connection: the agent stores its credential before it sends
    // anything, so its first message retires the token.
    let mut enrolling = hello.credential.is_some();
    if !send(&mut socket, &ServerMessage::Welcome(hello)).await {
        return;
    }
    let (tx, mut outgoing) = mpsc::channel::<Outgoing>(64);
    state.agent_hub.connect(id, session, tx);
    tracing::info!(monitor_id = %id, "Agent connected.");
    let mut poll = tokio::time::interval(POLL_EVERY);
    let mut ticks: u32 = 0;
    let mut heard = tokio::time::Instant::now();
    loop {
        tokio::select! {
            handed = outgoing.recv() => {
                let message = match handed {
                    Some(Outgoing::Message(message)) => message,
                    Some(Outgoing::Instance(fresh)) => {
                        row = *fresh;
                        continue;
                    }
                    Some(Outgoing::Agent(agent)) => {
                        let Ok(config) = config_of(&state, &agent) else {
                            break;
                        };
                        if config.revision <= sent_revision {
                            continue;
                        }
                        ServerMessage::Config { config }
                    }
                    Some(Outgoing::Gone) | None => break,
                };
                if let ServerMessage::Config { config } = &message {
                    sent_revision = sent_revision.max(config.revision);
                }
                if !send(&mut socket, &message).await {
                    break;
                }
            }
            _ = poll.tick() => {
                if heard.elapsed() > IDLE_LIMIT {
                    tracing::info!(monitor_id = %id, "Agent connection silent; closing.");
                    break;
                }
                ticks = ticks.wrapping_add(1);
                if ticks % PING_EVERY_TICKS == 0
                    && socket.send(Message::Ping(Vec::new().into())).await.is_err()
                {
                    break;
                }
            }
            incoming = socket.recv() => {
                heard = tokio::time::Instant::now();
                let text = match incoming {
                    Some(Ok(Message::Text(text))) => text,
                    Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
                    Some(Ok(_)) => continue,
                };
                let message: AgentMessage = match serde_json::from_str(text.as_str()) {
                    Ok(m) => m,
                    Err(err) => {
                        tracing::warn!(monitor_id = %id, error = %err, "Unreadable message from an agent; closing.");
                        break;
                    }
                };
                if enrolling {
                    if let Err(err) = enrollment::complete(&state.db, id).await {
                        tracing::warn!(monitor_id = %id, error = %err, "Retiring the enrollment token failed.");
                    } else {
                        enrolling = false;
                    }
                }
                match message {
                    AgentMessage::Batch { records } => match store_batch(&state, &row, records).await {
                        Ok(Some(seq)) => {
                            if !send(&mut socket, &ServerMessage::Ack { seq }).await {
                                break;
                            }
                        }
                        Ok(None) => {}
                        Err(err) => {
                            // No acknowledgement: the agent keeps the records and resends.
                            tracing::warn!(monitor_id = %id, error = %err, "Storing an agent batch failed; closing so it is resent.");
                            break;
                        }
                    },
                    AgentMessage::ActionResult { id: action, ok, message } => {
                        record_action_answer(&state, id, &action, ActionAnswer { ok, message }).await;
                    }
                    AgentMessage::Device { device } => store_device(&state, id, &device).await,
                    AgentMessage::ConfigApplied { revision } => {
                        mark_config_applied(&state, id, revision).await;
                    }
                }
            }
        }
    }
    state.agent_hub.disconnect(id, session);
    tracing::info!(monitor_id = %id, "Agent disconnected.");
}

/// Hands the connections of this process what changed in the database for their
/// instances: pending actions (claimed here, so each reaches its agent once), the
/// instance and agent records (configuration revisions, renames, revoked credentials,
/// deletions). One set of reads per [`POLL_EVERY`] for all connected agents, however
/// many there are, until `stop`.
pub async fn follow_connected(state: AppState, stop: CancellationToken) {
    let mut poll = tokio::time::interval(POLL_EVERY);
    loop {
        tokio::select! {
            () = stop.cancelled() => return,
            _ = poll.tick() => {}
        }
        let connected = state.agent_hub.connected();
        for chunk in connected.chunks(500) {
            if let Err(err) = follow(&state, chunk).await {
                tracing::warn!(error = %err, "Reading connected agents' instances failed.");
            }
        }
    }
}

async fn follow(state: &AppState, ids: &[Uuid]) -> Result<(), sea_orm::DbErr> {
    let hub = &state.agent_hub;
    let monitors: HashMap<Uuid, monitor::Model> = monitor::Entity::find()
        .filter(monitor::Column::Id.is_in(ids.iter().copied()))
        .all(&state.db)
        .await?
        .into_iter()
        .map(|m| (m.id, m))
        .collect();
    let mut agents: HashMap<Uuid, instance_agent::Model> = instance_agent::Entity::find()
        .filter(instance_agent::Column::MonitorId.is_in(ids.iter().copied()))
        .all(&state.db)
        .await?
        .into_iter()
        .map(|a| (a.monitor_id, a))
        .collect();
    let pending = instance_action::Entity::find()
        .filter(instance_action::Column::MonitorId.is_in(ids.iter().copied()))
        .filter(instance_action::Column::DeliveredAt.is_null())
        .order_by_asc(instance_action::Column::CreatedAt)
        .all(&state.db)
        .await?;
    for id in ids {
        let (Some(row), Some(agent)) = (monitors.get(id), agents.remove(id)) else {
            hub.deliver(*id, Outgoing::Gone);
            continue;
        };
        if agent.credential_hash.is_none() {
            // A new enrollment token was issued: this agent is out.
            hub.deliver(*id, Outgoing::Gone);
            continue;
        }
        hub.deliver(*id, Outgoing::Instance(Box::new(row.clone())));
        hub.deliver(*id, Outgoing::Agent(Box::new(agent)));
    }
    for a in pending {
        let Ok(action) = serde_json::from_value(serde_json::Value::String(a.action.clone())) else {
            continue;
        };
        if actions::claim(&state.db, a.id).await? {
            let message = ServerMessage::Action {
                id: a.id.to_string(),
                action,
            };
            if !hub.send(a.monitor_id, message) {
                actions::unclaim(&state.db, a.id).await?;
            }
        }
    }
    Ok(())
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
    let (agent, _) = authenticate(&state, &headers).await?;
    let hello = welcome(&state, agent).await?;
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
    let (agent, row) = authenticate(&state, &headers).await?;
    if agent.proof != Proof::Credential {
        return Err(ApiError::Forbidden(
            "enroll first (POST /api/v1/agents/enroll) and push with the credential".into(),
        ));
    }
    enrollment::complete(&state.db, row.id).await?;
    if let Some(device) = &body.device {
        store_device(&state, row.id, device).await;
    }
    for r in body.action_results {
        record_action_answer(
            &state,
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
        mark_config_applied(&state, row.id, revision).await;
    }
    let ack = store_batch(&state, &row, body.records).await?;
    let agent_row = instance_agent::Entity::find_by_id(row.id)
        .one(&state.db)
        .await?
        .ok_or(ApiError::InvalidToken)?;
    let config = if agent_row.config_revision > agent_row.config_delivered {
        Some(config_of(&state, &agent_row)?)
    } else {
        None
    };
    let reply = PushReply {
        ack,
        config,
        actions: take_pending_actions(&state, row.id).await?,
    };
    Ok(envelope::ok(reply))
}
