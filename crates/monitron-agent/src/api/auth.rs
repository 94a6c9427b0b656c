//! `POST /v1/auth/login`, `POST /v1/auth/refresh`, and the layer that checks credentials on
//! every other endpoint.

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use monitron_proto::agent_api::{LoginRequest, RefreshRequest};

use super::envelope::{field, success, ApiError};
use super::json::{read_limited, JsonBody};
use super::AppState;
use crate::auth::{AuthError, RequestParts};

/// The login and refresh endpoints (no credentials needed).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/auth/login", post(login))
        .route("/v1/auth/refresh", post(refresh))
}

impl From<AuthError> for ApiError {
    fn from(err: AuthError) -> Self {
        match err {
            AuthError::Missing { header, reason } => {
                Self::MissingCredentials(field(header, reason))
            }
            AuthError::Invalid { header, reason } => {
                Self::InvalidCredentials(field(header, reason))
            }
            AuthError::NotInThisMode { mode } => Self::NotFound(format!(
                "login and refresh are only used in jwt and basic modes; this agent uses {mode}"
            )),
        }
    }
}

async fn login(
    State(state): State<AppState>,
    JsonBody(body): JsonBody<LoginRequest>,
) -> Result<Response, ApiError> {
    let tokens = state.auth.login(&body.username, &body.password)?;
    Ok(success(StatusCode::OK, tokens))
}

async fn refresh(
    State(state): State<AppState>,
    JsonBody(body): JsonBody<RefreshRequest>,
) -> Result<Response, ApiError> {
    let tokens = state.auth.refresh(&body.refresh_token)?;
    Ok(success(StatusCode::OK, tokens))
}

/// The answer to a request whose credentials do not hold.
fn refuse(state: &AppState, path: &str, err: AuthError) -> Response {
    tracing::debug!(path, error = %err, "Request refused.");
    let mut response = ApiError::from(err).into_response();
    if let Some(challenge) = state.auth.challenge() {
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static(challenge),
        );
    }
    response
}

/// Lets a request through only with valid credentials for the agent's mode. Signed
/// requests have their headers checked first (present, timestamp inside the window), and
/// only then their body read (within the size limit), verified, and handed on.
pub async fn require(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    let path = parts
        .uri
        .path_and_query()
        .map_or_else(|| parts.uri.path(), |p| p.as_str());
    let now = chrono::Utc::now().timestamp();
    if let Err(err) = state.auth.precheck(&parts.headers, now) {
        return refuse(&state, path, err);
    }
    let (body, bytes) = if state.auth.needs_body() {
        match read_limited(&parts.headers, body).await {
            Ok(bytes) => (Body::from(bytes.clone()), bytes),
            Err(err) => return err.into_response(),
        }
    } else {
        (body, Bytes::new())
    };
    let checked = state.auth.verify(
        &RequestParts {
            headers: &parts.headers,
            method: parts.method.as_str(),
            path,
            body: &bytes,
        },
        now,
    );
    if let Err(err) = checked {
        return refuse(&state, path, err);
    }
    next.run(Request::from_parts(parts, body)).await
}
