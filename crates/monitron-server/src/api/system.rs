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
use crate::queue::{Queue, WorkKind};
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
    /// `ok` when the work queue answers.
    pub queue: &'static str,
    /// `in-process` or `rabbitmq`.
    pub queue_transport: &'static str,
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
    let wait = std::time::Duration::from_secs(5);
    match tokio::time::timeout(wait, crate::db::ping(&state.db)).await {
        Ok(Ok(())) => {}
        Ok(Err(err)) => {
            tracing::warn!(error = %err, "Readiness check: the database does not answer.");
            return Err(ApiError::Unavailable("database".into()));
        }
        Err(_) => return Err(ApiError::Unavailable("database".into())),
    }
    let (queue, transport) = match &state.queue {
        Queue::InProcess(_) => ("ok", "in-process"),
        Queue::RabbitMq(_) => {
            match tokio::time::timeout(wait, state.queue.depth(WorkKind::Check)).await {
                Ok(Ok(_)) => ("ok", "rabbitmq"),
                Ok(Err(err)) => {
                    tracing::warn!(error = %format!("{err:#}"), "Readiness check: RabbitMQ does not answer.");
                    return Err(ApiError::Unavailable("queue".into()));
                }
                Err(_) => return Err(ApiError::Unavailable("queue".into())),
            }
        }
    };
    Ok(envelope::ok(Readiness {
        database: "ok",
        queue,
        queue_transport: transport,
    }))
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
    let alerts = &state.metrics.alerting.alerts;
    match crate::alerting::count_open(&state.db).await {
        Ok(counts) => {
            for st in ["pending", "firing", "suppressed"] {
                for severity in ["critical", "warning", "info"] {
                    alerts.with_label_values(&[st, severity]).set(0);
                }
            }
            for (st, severity, n) in counts {
                alerts.with_label_values(&[&st, &severity]).set(n);
            }
        }
        Err(err) => tracing::warn!(error = %err, "Counting open alerts for /metrics failed."),
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
