//! `/api/v1/ws`: live events over a WebSocket: every new result and status change of
//! the monitors the caller may see (grants apply), as JSON text messages.
//!
//! A connection outlives the request that opened it, so its caller is loaded again every
//! [`RECHECK_EVERY`], and at once when this process changes anyone's access: the socket
//! closes when the session is revoked, the API key deleted or expired, or the user
//! deactivated or deleted, and new grants apply from the next event.

use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use tokio::sync::broadcast::error::RecvError;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::api::envelope::ApiError;
use crate::auth::principal;
use crate::auth::Principal;
use crate::error::Error;
use crate::state::AppState;

/// How often a connection's caller is loaded again (changes made by other processes
/// reach it within this).
pub const RECHECK_EVERY: Duration = Duration::from_secs(2);

/// The close code sent when the caller's credentials stop being valid.
pub const CLOSE_REVOKED: u16 = 4401;

/// Routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(live_events))
}

/// Live events (WebSocket). Each message is a JSON object with `event` = `result`
/// (`monitor_id`, `kind`, `group`, `checked_at`, `status`, `response_ms`, `message`) or
/// `status` (`monitor_id`, `kind`, `group`, `status`, `previous`, `at`, `message`); a
/// client too slow to keep up receives `{"event": "lagged", "missed": N}`. The server
/// closes the socket with code 4401 once the credentials it was opened with are revoked.
#[utoipa::path(get, path = "/api/v1/ws", tag = "live", operation_id = "liveEvents",
    responses((status = 101, description = "Switching to the WebSocket protocol")))]
async fn live_events(
    State(state): State<AppState>,
    principal: Principal,
    upgrade: Result<WebSocketUpgrade, axum::extract::ws::rejection::WebSocketUpgradeRejection>,
) -> Response {
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
