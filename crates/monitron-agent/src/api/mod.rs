//! The agent's HTTP API (pull mode): metrics, device, health, configuration and remote
//! actions under `/v1`, every answer in the envelope of [`envelope`].
//!
//! One module per resource, each with its own `router()`; this module only merges them,
//! puts the credential check in front of everything but login and refresh, and answers
//! unknown paths, wrong methods and panics in the envelope too.

pub mod actions;
pub mod auth;
pub mod checks;
pub mod config;
pub mod envelope;
pub mod json;
pub mod metrics;

use std::sync::Arc;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Router;

use crate::actions::HostActions;
use crate::auth::Authenticator;
use crate::buffer::Buffer;
use crate::cache::MetricsCache;
use crate::checks::CheckResults;
use crate::collect::Gpus;
use crate::local_config::ConfigStore;
use crate::status::AgentStatus;
use envelope::ApiError;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    /// Credential checks.
    pub auth: Arc<Authenticator>,
    /// Latest metrics.
    pub cache: Arc<MetricsCache>,
    /// NVML, shared with the collector.
    pub gpus: Arc<Gpus>,
    /// The configuration in use.
    pub config: Arc<ConfigStore>,
    /// Remote actions.
    pub actions: HostActions,
    /// Uptime and server link.
    pub status: Arc<AgentStatus>,
    /// The offline buffer, in push mode.
    pub buffer: Option<Arc<Buffer>>,
    /// Latest probe and plugin results.
    pub checks: Arc<CheckResults>,
}

async fn not_found() -> ApiError {
    ApiError::NotFound("no such endpoint".into())
}

async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}

fn panicked(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    ApiError::Internal("a handler panicked".into()).into_response()
}

/// The whole API, without a socket (tests can call it directly).
pub fn router(state: AppState) -> Router {
    let protected = Router::new()
        .merge(metrics::router())
        .merge(checks::router())
        .merge(actions::router())
        .merge(config::router())
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::require,
        ));
    Router::new()
        .merge(auth::router())
        .merge(protected)
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(panicked))
        .with_state(state)
}

/// `202 Accepted` around `data`.
fn accepted<T: serde::Serialize>(data: T) -> Response {
    envelope::success(StatusCode::ACCEPTED, data)
}
