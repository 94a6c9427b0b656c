//! `GET /v1/metrics`, `GET /v1/device`, `GET /v1/health`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use monitron_proto::agent_api::{BufferHealth, Health};

use super::envelope::{success, success_raw, ApiError};
use super::AppState;

/// The read-only endpoints.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/metrics", get(metrics))
        .route("/v1/device", get(device))
        .route("/v1/health", get(health))
}

/// The cached snapshot; collected first when the cache is empty or expired.
async fn metrics(State(state): State<AppState>) -> Result<Response, ApiError> {
    let cached = state
        .cache
        .get()
        .await
        .map_err(|err| ApiError::Internal(err.to_string()))?;
    Ok(success_raw(&cached.json))
}

async fn device(State(state): State<AppState>) -> Result<Response, ApiError> {
    let gpus = state.gpus.clone();
    let info = tokio::task::spawn_blocking(move || crate::device::describe(&gpus))
        .await
        .map_err(|err| ApiError::Internal(format!("describing the device failed: {err}")))?;
    Ok(success(StatusCode::OK, info))
}

async fn health(State(state): State<AppState>) -> Response {
    let buffer = state
        .buffer
        .as_ref()
        .map(|b| b.health())
        .unwrap_or(BufferHealth::default());
    success(
        StatusCode::OK,
        Health {
            version: env!("CARGO_PKG_VERSION").into(),
            uptime_s: state.status.uptime_s(),
            last_collection_at: state.cache.last_collection_at(),
            buffer,
            server: state.status.link(),
            config_revision: state.config.current().revision,
        },
    )
}
