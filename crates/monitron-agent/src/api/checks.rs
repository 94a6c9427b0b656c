//! `GET /v1/checks`: the latest result of every probe and plugin check.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;

use super::envelope::success;
use super::AppState;

/// The check results endpoint.
pub fn router() -> Router<AppState> {
    Router::new().route("/v1/checks", get(latest))
}

async fn latest(State(state): State<AppState>) -> Response {
    success(StatusCode::OK, state.checks.latest())
}
