//! The response envelope every endpoint answers with, and the one error type handlers return.
//!
//! `{code, message, data, error}`: `code` is 0 on success, otherwise HTTP status * 100 plus a
//! reason number, so clients can branch on one integer; `error` maps input field names to
//! reasons (`_` for errors not tied to a field).

use std::time::Duration;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

use crate::api::request_id;
use crate::error::Error;

pub use crate::error::FieldErrors;

/// The error envelope, as documented in the OpenAPI spec.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorEnvelope {
    /// Five digits: HTTP status * 100 + reason (see the API description for the table).
    #[schema(example = 40001)]
    pub code: u32,
    /// Short human-readable summary.
    #[schema(example = "Validation failed")]
    pub message: String,
    /// Always null on errors.
    #[schema(value_type = Option<Object>)]
    pub data: Option<()>,
    /// Field name -> reason; `_` holds errors not tied to one field.
    pub error: FieldErrors,
}

pub use crate::error::check_optional;

/// Wraps `data` in a success envelope.
pub fn ok<T: Serialize>(data: T) -> Response {
    (
        StatusCode::OK,
        Json(SuccessEnvelope {
            code: 0,
            message: "OK",
            data,
            error: None,
        }),
    )
        .into_response()
}

/// Wraps `data` in a success envelope with status 201.
pub fn created<T: Serialize>(data: T) -> Response {
    (
        StatusCode::CREATED,
        Json(SuccessEnvelope {
            code: 0,
            message: "Created",
            data,
            error: None,
        }),
    )
        .into_response()
}

#[derive(Serialize)]
struct SuccessEnvelope<T> {
    code: u32,
    message: &'static str,
    data: T,
    error: Option<()>,
}

/// Everything a handler can fail with. Each variant has one status and one code.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ApiError {
    /// Input failed validation (40001).
    #[error("Validation failed")]
    Validation(FieldErrors),
    /// The body is not valid JSON or not shaped as expected (40002).
    #[error("Malformed request body")]
    MalformedBody(FieldErrors),
    /// No credentials were presented (40101).
    #[error("Authentication required")]
    MissingCredentials,
    /// The token or key is invalid, expired or revoked (40102).
    #[error("Invalid or expired credentials")]
    InvalidToken,
    /// Login with a wrong username or password (40103).
    #[error("Invalid login or password")]
    BadLogin,
    /// The caller may not do this (40301).
    #[error("Forbidden")]
    Forbidden(String),
    /// The account is deactivated (40302).
    #[error("Account is deactivated")]
    AccountDeactivated,
    /// No such resource (40401).
    #[error("Not found")]
    NotFound(&'static str),
    /// No such route (40402).
    #[error("No such endpoint")]
    NoRoute,
    /// The route exists but not with this method (40501).
    #[error("Method not allowed")]
    MethodNotAllowed,
    /// Conflicts with existing data, e.g. a duplicate unique field (40901).
    #[error("Conflict")]
    Conflict(FieldErrors),
    /// The body is larger than allowed (41301).
    #[error("Request body too large")]
    PayloadTooLarge,
    /// The body is not `application/json` (41501).
    #[error("Unsupported media type")]
    UnsupportedMediaType,
    /// Too many requests; retry after the given time (42901).
    #[error("Too many requests")]
    RateLimited(Duration),
    /// Something broke inside the server (50001). Details go to the log, not the client.
    #[error("Internal server error")]
    Internal(#[source] anyhow::Error),
    /// A dependency (database, queue, mail server) is unreachable (50301).
    #[error("Service unavailable")]
    Unavailable(String),
    /// The request took longer than `REQUEST_TIMEOUT` (50401).
    #[error("Request timed out")]
    Timeout(Duration),
}

impl ApiError {
    /// A validation error on one field.
    pub fn field(field: &str, reason: impl Into<String>) -> Self {
        Self::Validation(FieldErrors::from([(field.to_owned(), reason.into())]))
    }

    /// A conflict on one field.
    pub fn conflict(field: &str, reason: impl Into<String>) -> Self {
        Self::Conflict(FieldErrors::from([(field.to_owned(), reason.into())]))
    }

    /// HTTP status of this error.
    pub fn status_code(&self) -> StatusCode {
        match self {
            Self::Validation(_) | Self::MalformedBody(_) => StatusCode::BAD_REQUEST,
            Self::MissingCredentials | Self::InvalidToken | Self::BadLogin => {
                StatusCode::UNAUTHORIZED
            }
            Self::Forbidden(_) | Self::AccountDeactivated => StatusCode::FORBIDDEN,
            Self::NotFound(_) | Self::NoRoute => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::RateLimited(_) => StatusCode::TOO_MANY_REQUESTS,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Timeout(_) => StatusCode::GATEWAY_TIMEOUT,
        }
    }

    /// The five-digit envelope code.
    pub fn code(&self) -> u32 {
        let reason = match self {
            Self::MalformedBody(_)
            | Self::InvalidToken
            | Self::AccountDeactivated
            | Self::NoRoute => 2,
            Self::BadLogin => 3,
            _ => 1,
        };
        u32::from(self.status_code().as_u16()) * 100 + reason
    }

    fn fields(self) -> FieldErrors {
        let one = |reason: String| FieldErrors::from([("_".to_owned(), reason)]);
        match self {
            Self::Validation(f) | Self::MalformedBody(f) | Self::Conflict(f) => f,
            Self::MissingCredentials => {
                one("send a Bearer token, an X-API-Key header or Basic credentials".into())
            }
            Self::InvalidToken => one("the credentials are invalid, expired or revoked".into()),
            Self::BadLogin => one("invalid login or password".into()),
            Self::Forbidden(reason) => one(reason),
            Self::AccountDeactivated => {
                one("this account is deactivated; ask an administrator".into())
            }
            Self::NotFound(what) => one(format!("{what} not found")),
            Self::NoRoute => one("no endpoint at this path; see /api/v1/openapi.json".into()),
            Self::MethodNotAllowed => one("this endpoint does not accept this method".into()),
            Self::PayloadTooLarge => one(format!(
                "request bodies are limited to {} bytes",
                crate::api::BODY_LIMIT
            )),
            Self::UnsupportedMediaType => one("send the body as application/json".into()),
            Self::RateLimited(wait) => one(format!(
                "too many requests; retry in {} s",
                retry_after_secs(wait)
            )),
            Self::Internal(_) => {
                one("internal error; quote the request id when reporting it".into())
            }
            Self::Unavailable(what) => one(format!("{what} is unavailable")),
            Self::Timeout(limit) => one(format!(
                "the request did not finish within {} s (REQUEST_TIMEOUT); it may still complete",
                retry_after_secs(limit)
            )),
        }
    }
}

fn retry_after_secs(wait: Duration) -> u64 {
    wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
}

impl From<Error> for ApiError {
    fn from(err: Error) -> Self {
        match err {
            Error::Validation(fields) => Self::Validation(fields),
            Error::NotFound(what) => Self::NotFound(what),
            Error::Forbidden(reason) => Self::Forbidden(reason),
            Error::Conflict(fields) => Self::Conflict(fields),
            Error::InvalidCredentials => Self::InvalidToken,
            Error::RateLimited(wait) => Self::RateLimited(wait),
            Error::Unavailable(what) => Self::Unavailable(what),
            Error::Internal(err) => Self::Internal(err),
        }
    }
}

impl From<sea_orm::DbErr> for ApiError {
    fn from(err: sea_orm::DbErr) -> Self {
        Error::from(err).into()
    }
}

impl From<anyhow::Error> for ApiError {
    fn from(err: anyhow::Error) -> Self {
        Error::from(err).into()
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status_code();
        let code = self.code();
        let message = self.to_string();
        let request_id = request_id::current();
        match &self {
            Self::Internal(err) => {
                tracing::error!(error = ?err, "Request failed with an internal error.")
            }
            Self::Unavailable(what) => {
                tracing::warn!(dependency = %what, "Request failed: dependency unavailable.")
            }
            _ => {}
        }
        let retry = match &self {
            Self::RateLimited(wait) => Some(retry_after_secs(*wait)),
            _ => None,
        };
        let mut error = self.fields();
        if status.is_server_error() {
            if let Some(id) = request_id {
                error.insert("request_id".into(), id);
            }
        }
        let mut response = (
            status,
            Json(ErrorEnvelope {
                code,
                message,
                data: None,
                error,
            }),
        )
            .into_response();
        if let Some(secs) = retry {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}

/// Result type of handlers.
pub type ApiResult<T = Response> = Result<T, ApiError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_status_times_100_plus_reason() {
        let cases: Vec<(ApiError, u32)> = vec![
            (ApiError::field("x", "bad"), 40001),
            (ApiError::MalformedBody(FieldErrors::new()), 40002),
            (ApiError::MissingCredentials, 40101),
            (ApiError::InvalidToken, 40102),
            (ApiError::BadLogin, 40103),
            (ApiError::Forbidden("no".into()), 40301),
            (ApiError::AccountDeactivated, 40302),
            (ApiError::NotFound("user"), 40401),
            (ApiError::NoRoute, 40402),
            (ApiError::MethodNotAllowed, 40501),
            (ApiError::conflict("email", "taken"), 40901),
            (ApiError::PayloadTooLarge, 41301),
            (ApiError::UnsupportedMediaType, 41501),
            (ApiError::RateLimited(Duration::from_secs(1)), 42901),
            (ApiError::Internal(anyhow::anyhow!("x")), 50001),
            (ApiError::Unavailable("database".into()), 50301),
            (ApiError::Timeout(Duration::from_secs(30)), 50401),
        ];
        for (err, code) in cases {
            assert_eq!(err.code(), code, "{err:?}");
        }
    }

    #[test]
    fn retry_after_rounds_up() {
        assert_eq!(retry_after_secs(Duration::from_millis(1)), 1);
        assert_eq!(retry_after_secs(Duration::from_secs(2)), 2);
        assert_eq!(retry_after_secs(Duration::from_millis(2_001)), 3);
    }
}
