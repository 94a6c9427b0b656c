//! Cross-cutting layers of the API: request metrics by route template, and the request
//! timeout.

use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::api::envelope::ApiError;
use crate::state::AppState;

/// Records each request's route template, method, status and latency.
pub async fn track(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let method = request.method().as_str().to_owned();
    let started = Instant::now();
    let response = next.run(request).await;
    state.metrics.observe_request(
        &route,
        &method,
        response.status().as_str(),
        started.elapsed(),
    );
    response
}

/// Whether a request runs a check now: it is bounded by that check's own timeout (up to
/// 300 s), not by `REQUEST_TIMEOUT`.
fn runs_a_check(request: &Request) -> bool {
    request.method() == Method::POST
        && request
            .extensions()
            .get::<MatchedPath>()
            .is_some_and(|p| p.as_str().ends_with("/{id}/check"))
}

/// Answers 504 (50401) when a request takes longer than `REQUEST_TIMEOUT`. Work the
/// handler committed before stays committed; the client is told it may still complete.
pub async fn timeout(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let limit = state.config.request_timeout;
    if runs_a_check(&request) {
        return next.run(request).await;
    }
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            tracing::warn!(
                timeout_s = limit.as_secs_f64(),
                "Request exceeded REQUEST_TIMEOUT."
            );
            ApiError::Timeout(limit).into_response()
        }
    }
}
