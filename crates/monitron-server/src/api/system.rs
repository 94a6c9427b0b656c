//! Operations endpoints: liveness, readiness and Prometheus metrics. Public, so that probes
//! and scrapers need no account (`/metrics` can require `METRICS_TOKEN`).

use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use secrecy::ExposeSecret;
use serde::Serialize;
use subtle::ConstantTimeEq;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::api::envelope::{self, ApiError, ApiResult};
use crate::state::AppState;

/// Routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(healthz))
        .routes(routes!(readyz))
        .routes(routes!(metrics))
}

/// Liveness answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// Always `ok`.
    pub status: &'static str,
    /// Server version.
    pub version: &'static str,
}

/// Readiness answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct Readiness {
    /// `ok` when the database answers.
    pub database: &'static str,
}

/// The process is up.
#[utoipa::path(get, path = "/healthz", tag = "system", operation_id = "healthz",
    responses((status = 200, description = "Alive", body = Health)))]
async fn healthz() -> ApiResult {
    Ok(envelope::ok(Health {
        status: "ok",
        version: env!("CARGO_PKG_VERSION"),
    }))
}

/// The server can serve requests: its database answers.
#[utoipa::path(get, path = "/readyz", tag = "system", operation_id = "readyz",
    responses((status = 200, description = "Ready", body = Readiness)))]
async fn readyz(State(state): State<AppState>) -> ApiResult {
    match tokio::time::timeout(
        std::time::Duration::from_secs(5),
        crate::db::ping(&state.db),
    )
    .await
    {
        Ok(Ok(())) => Ok(envelope::ok(Readiness { database: "ok" })),
        Ok(Err(err)) => {
            tracing::warn!(error = %err, "Readiness check: the database does not answer.");
            Err(ApiError::Unavailable("database".into()))
        }
        Err(_) => Err(ApiError::Unavailable("database".into())),
    }
}

/// Metrics in the Prometheus text format.
#[utoipa::path(get, path = "/metrics", tag = "system", operation_id = "metrics",
    responses((status = 200, description = "Prometheus text exposition format", content_type = "text/plain", body = String)))]
async fn metrics(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    if let Some(expected) = &state.config.metrics_token {
        let given = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or(ApiError::MissingCredentials)?;
        if !bool::from(given.as_bytes().ct_eq(expected.expose_secret().as_bytes())) {
            return Err(ApiError::InvalidToken);
        }
    }
    Ok((
        StatusCode::OK,
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        state.metrics.render(),
    )
        .into_response())
}
