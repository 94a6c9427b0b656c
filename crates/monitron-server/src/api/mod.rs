//! The HTTP API: one module per resource, each exposing `router()`; this root merges them,
//! serves the web UI for every other path, adds the envelope-speaking fallbacks and the cross-cutting layers (request ids, metrics,
//! panic capture, body limit), and builds the OpenAPI document from the same routers.

pub mod ack_page;
pub mod agents;
pub mod alert_rules;
pub mod alerts;
pub mod audit_logs;
pub mod auth;
pub mod check_schemas;
pub mod credentials;
pub mod domains;
pub mod envelope;
pub mod escalation_policies;
pub mod hmac;
pub mod incidents;
pub mod instances;
pub mod json;
pub mod list;
pub mod live;
pub mod maintenance_windows;
pub mod me;
pub mod meta;
pub mod middleware;
pub mod monitors;
pub mod notification_channels;
pub mod notification_templates;
pub mod openapi;
pub mod overview;
pub mod path;
pub mod pings;
pub mod request_id;
pub mod services;
pub mod session_cookie;
pub mod settings;
pub mod status_components;
pub mod status_pages;
pub mod status_public;
pub mod system;
pub mod ui;
pub mod users;

use axum::extract::DefaultBodyLimit;
use axum::middleware::{from_fn, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::Router;
use tower_http::catch_panic::CatchPanicLayer;
use utoipa_axum::router::OpenApiRouter;
use utoipa_swagger_ui::SwaggerUi;

use crate::api::envelope::ApiError;
use crate::state::AppState;

/// Largest accepted request body.
pub const BODY_LIMIT: usize = 1024 * 1024;

/// Every route with its documentation, before layers.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(openapi::base())
        .merge(system::router())
        .merge(auth::router())
        .merge(me::router())
        .merge(users::router())
        .merge(settings::router())
        .merge(audit_logs::router())
        .merge(services::router())
        .merge(domains::router())
        .merge(instances::router())
        .merge(agents::router())
        .merge(incidents::router())
        .merge(notification_channels::router())
        .merge(notification_templates::router())
        .merge(alert_rules::router())
        .merge(alerts::router())
        .merge(maintenance_windows::router())
        .merge(escalation_policies::router())
        .merge(pings::router())
        .merge(live::router())
        .merge(overview::router())
        .merge(status_components::router())
        .merge(status_pages::router())
}

/// The OpenAPI document of the whole API.
pub fn openapi_document() -> utoipa::openapi::OpenApi {
    openapi::finish(routes().into_openapi())
}

fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    ApiError::Internal(anyhow::anyhow!("a request handler panicked")).into_response()
}

/// Only the operations endpoints (health, readiness, metrics), for processes that run
/// without the `api` role.
pub fn operations_router(state: AppState) -> Router {
    let (router, _) = OpenApiRouter::with_openapi(openapi::base())
        .merge(system::router())
        .split_for_parts();
    router
        .fallback(|| async { ApiError::NoRoute })
        .layer(from_fn_with_state(state.clone(), middleware::track))
        .layer(from_fn(request_id::middleware))
        .with_state(state)
}

/// The complete application router (no socket).
pub fn router(state: AppState) -> Router {
    let (router, doc) = routes().split_for_parts();
    router
        .merge(SwaggerUi::new("/docs").url("/api/v1/openapi.json", openapi::finish(doc)))
        .merge(ack_page::router())
        .merge(status_public::router())
        .fallback_service(ui::router())
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(from_fn_with_state(
            state.clone(),
            status_public::custom_domain,
        ))
        .layer(from_fn_with_state(state.clone(), middleware::timeout))
        .layer(from_fn_with_state(state.clone(), middleware::track))
        .layer(from_fn(request_id::middleware))
        .with_state(state)
}
