//! `GET /v1/config` and `PUT /v1/config`: the agent's local configuration.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use monitron_proto::AgentConfig;

use super::envelope::{success, ApiError};
use super::json::JsonBody;
use super::AppState;
use crate::local_config::ConfigError;

/// The configuration endpoints.
pub fn router() -> Router<AppState> {
    Router::new().route("/v1/config", get(show).put(replace))
}

async fn show(State(state): State<AppState>) -> Response {
    success(StatusCode::OK, &*state.config.current())
}

async fn replace(
    State(state): State<AppState>,
    JsonBody(config): JsonBody<AgentConfig>,
) -> Result<Response, ApiError> {
    match state.config.replace(config).await {
        Ok(config) => Ok(success(StatusCode::OK, &*config)),
        Err(ConfigError::Invalid(errors)) => Err(ApiError::Validation(errors)),
        Err(err) => Err(ApiError::Internal(err.to_string())),
    }
}
