//! `POST /v1/agent/restart`, `POST /v1/host/reboot`, `POST /v1/host/shutdown`.

use axum::extract::State;
use axum::response::Response;
use axum::routing::post;
use axum::Router;
use monitron_proto::agent_api::Action;
use serde::Serialize;

use super::envelope::ApiError;
use super::{accepted, AppState};
use crate::actions::ActionError;

/// The action endpoints.
pub fn router() -> Router<AppState> {
    let mut router = Router::new();
    for action in [Action::RestartAgent, Action::Reboot, Action::Shutdown] {
        router = router.route(
            action.path(),
            post(move |State(state): State<AppState>| perform(state, action)),
        );
    }
    router
}

/// What an accepted action answers.
#[derive(Debug, Serialize)]
struct Accepted {
    action: &'static str,
    message: String,
}

async fn perform(state: AppState, action: Action) -> Result<Response, ApiError> {
    match state.actions.perform(action) {
        Ok(message) => Ok(accepted(Accepted {
            action: action.as_str(),
            message,
        })),
        Err(err @ ActionError::PowerNotAllowed) => Err(ApiError::Forbidden(err.to_string())),
        Err(err) => Err(ApiError::Internal(err.to_string())),
    }
}
