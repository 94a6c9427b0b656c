//! `/api/v1/ws`: live events over a WebSocket: every new result and status change of
//! the monitors the caller may see (grants apply), as JSON text messages.
//!
//! Scripts authenticate the upgrade request with their usual header; a browser, which
//! cannot set headers on a WebSocket, first asks `POST /ws/ticket` for a single-use ticket
//! valid [`TICKET_TTL_S`] seconds and opens `/ws?ticket=`.
//!
//! A connection outlives the request that opened it, so its caller is loaded again every
//! [`RECHECK_EVERY`], and at once when this process changes anyone's access: the socket
//! closes when the session is revoked, the API key deleted or expired, or the user
//! deactivated or deleted, and new grants apply from the next event.

use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast::error::RecvError;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::api::envelope::{self, ApiError, ApiResult};
use crate::api::list::ApiQuery;
use crate::auth::principal::{self, Credential};
use crate::auth::{tokens, Principal};
use crate::db::entities::live_ticket;
use crate::error::Error;
use crate::state::AppState;

/// Seconds a ticket from `POST /ws/ticket` stays valid.
pub const TICKET_TTL_S: u64 = 30;

/// How often a connection's caller is loaded again (changes made by other processes
/// reach it within this).
pub const RECHECK_EVERY: Duration = Duration::from_secs(2);

/// The close code sent when the caller's credentials stop being valid.
pub const CLOSE_REVOKED: u16 = 4401;

/// Routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(live_events))
        .routes(routes!(create_ticket))
}

/// A ticket that opens the live-events socket once.
#[derive(Debug, Serialize, ToSchema)]
pub struct LiveTicket {
    /// Pass as `/api/v1/ws?ticket=`; works once.
    pub ticket: String,
    /// Seconds the ticket stays valid.
    pub expires_in: u64,
}

/// How a connection authenticates when it cannot send headers.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LiveParams {
    /// A ticket from `POST /api/v1/ws/ticket` (browsers); scripts send their usual
    /// `Authorization` or `X-API-Key` header instead.
    pub ticket: Option<String>,
}

/// A single-use ticket for opening the live-events WebSocket from a browser, as the caller
/// and with the credential of this request (revoking it closes the socket).
#[utoipa::path(post, path = "/api/v1/ws/ticket", tag = "live", operation_id = "createLiveTicket",
    responses((status = 200, description = "A ticket", body = LiveTicket)))]
async fn create_ticket(State(state): State<AppState>, principal: Principal) -> ApiResult {
    let now = Utc::now();
    let ticket = tokens::random_token("mwt_");
    let txn = crate::db::begin_write(&state.db).await?;
    live_ticket::Entity::delete_many()
        .filter(live_ticket::Column::ExpiresAt.lte(now))
        .exec(&txn)
        .await?;
    live_ticket::ActiveModel {
        token_hash: Set(tokens::hash_token(&ticket)),
        user_id: Set(principal.user.id),
        credential: Set(serde_json::to_value(principal.credential).map_err(anyhow::Error::from)?),
        expires_at: Set(now + chrono::Duration::seconds(TICKET_TTL_S as i64)),
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    Ok(envelope::ok(LiveTicket {
        ticket,
        expires_in: TICKET_TTL_S,
    }))
}

/// The caller a ticket stands for, taking the ticket so it cannot be used again.
async fn redeem(state: &AppState, ticket: &str) -> Result<Principal, ApiError> {
    let hash = tokens::hash_token(ticket.trim());
    let txn = crate::db::begin_write(&state.db).await?;
    let found = live_ticket::Entity::find_by_id(hash.clone())
        .one(&txn)
        .await?
        .filter(|t| t.expires_at > Utc::now());
    let taken = live_ticket::Entity::delete_by_id(hash)
        .exec(&txn)
        .await?
        .rows_affected
        == 1;
    txn.commit().await?;
    let ticket = found.filter(|_| taken).ok_or(ApiError::InvalidToken)?;
    let credential: Credential =
        serde_json::from_value(ticket.credential).map_err(|_| ApiError::InvalidToken)?;
    principal::of_credential(&state.db, ticket.user_id, credential)
        .await
        .map_err(|err| match err {
            Error::InvalidCredentials => ApiError::InvalidToken,
            other => other.into(),
        })
}

/// Live events (WebSocket). Each message is a JSON object with `event` = `result`
/// (`monitor_id`, `kind`, `group`, `checked_at`, `status`, `response_ms`, `message`) or
/// `status` (`monitor_id`, `kind`, `group`, `status`, `previous`, `at`, `message`); a
/// client too slow to keep up receives `{"event": "lagged", "missed": N}`. The server
/// closes the socket with code 4401 once the credentials it was opened with are revoked.
#[utoipa::path(get, path = "/api/v1/ws", tag = "live", operation_id = "liveEvents",
    params(LiveParams),
    responses((status = 101, description = "Switching to the WebSocket protocol")))]
async fn live_events(
    State(state): State<AppState>,
    ApiQuery(params): ApiQuery<LiveParams>,
    principal: Result<Principal, ApiError>,
    upgrade: Result<WebSocketUpgrade, axum::extract::ws::rejection::WebSocketUpgradeRejection>,
) -> Response {
    let principal = match params.ticket {
        Some(ticket) => redeem(&state, &ticket).await,
        None => principal,
    };
    let principal = match principal {
        Ok(principal) => principal,
        Err(err) => return err.into_response(),
    };
    let Ok(upgrade) = upgrade else {
        return ApiError::field("_", "connect with a WebSocket client (Upgrade: websocket)")
            .into_response();
    };
    upgrade.on_upgrade(move |socket| stream(socket, state, principal))
}

async fn stream(mut socket: WebSocket, state: AppState, mut principal: Principal) {
    let mut events = state.engine.subscribe();
    let mut access = state.access.subscribe();
    let mut recheck = tokio::time::interval(RECHECK_EVERY);
    recheck.tick().await;
    loop {
        tokio::select! {
            // A change of access is taken before the next event, so it applies to that one.
            biased;
            changed = access.changed() => {
                if changed.is_err() || !reload(&state, &mut principal, &mut socket).await {
                    break;
                }
            }
            _ = recheck.tick() => {
                if !reload(&state, &mut principal, &mut socket).await {
                    break;
                }
            }
            event = events.recv() => {
                let text = match event {
                    Ok(event) => {
                        if principal.access.role_in(event.group()).is_none() {
                            continue;
                        }
                        match serde_json::to_string(&event) {
                            Ok(text) => text,
                            Err(_) => continue,
                        }
                    }
                    Err(RecvError::Lagged(missed)) => {
                        serde_json::json!({ "event": "lagged", "missed": missed }).to_string()
                    }
                    Err(RecvError::Closed) => break,
                };
                if socket.send(Message::Text(text.into())).await.is_err() {
                    break;
                }
            }
            incoming = socket.recv() => match incoming {
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
                Some(Ok(_)) => {}
            },
        }
    }
}

/// Loads the caller again; closes the socket and answers false once the credentials are
/// no longer valid. A database that does not answer keeps the connection as it is.
async fn reload(state: &AppState, principal: &mut Principal, socket: &mut WebSocket) -> bool {
    match principal::refresh(&state.db, principal).await {
        Ok(fresh) => {
            *principal = fresh;
            true
        }
        Err(Error::InvalidCredentials) => {
            let _ = socket
                .send(Message::Close(Some(CloseFrame {
                    code: CLOSE_REVOKED,
                    reason: "the credentials of this connection were revoked".into(),
                })))
                .await;
            false
        }
        Err(err) => {
            tracing::warn!(user_id = %principal.user.id, error = %err, "Re-checking a live connection's caller failed; keeping it.");
            true
        }
    }
}
