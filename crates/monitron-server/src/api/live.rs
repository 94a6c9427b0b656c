//! `/api/v1/ws`: live events over a WebSocket: every new result and status change of
//! the monitors the caller may see (grants apply), as JSON text messages.

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use tokio::sync::broadcast::error::RecvError;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::api::envelope::ApiError;
use crate::auth::Principal;
use crate::state::AppState;

/// Routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(live_events))
}

/// Live events (WebSocket). Each message is a JSON object with `event` = `result`
/// (`monitor_id`, `kind`, `group`, `checked_at`, `status`, `response_ms`, `message`) or
/// `status` (`monitor_id`, `kind`, `group`, `status`, `previous`, `at`, `message`); a
/// client too slow to keep up receives `{"event": "lagged", "missed": N}`.
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

async fn stream(mut socket: WebSocket, state: AppState, principal: Principal) {
    let mut events = state.engine.subscribe();
    loop {
        tokio::select! {
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
