//! The envelope every answer comes in (`{code, message, data, error}`, see
//! `monitron_proto::agent_api::Envelope`) and the one error type that writes it.
//!
//! `code` is the HTTP status times 100 plus a reason number, as on the server's API, so a
//! client can branch on one number and a human can read the status from it.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use monitron_proto::agent_api::Envelope;
use monitron_proto::config::FieldErrors;
use serde::Serialize;

/// Everything an endpoint can answer besides success.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ApiError {
    /// Input that fails validation; field name to reason.
    #[error("Validation failed")]
    Validation(FieldErrors),
    /// No credentials were presented.
    #[error("Missing credentials")]
    MissingCredentials(FieldErrors),
    /// Credentials were presented but do not hold.
    #[error("Invalid credentials")]
    InvalidCredentials(FieldErrors),
    /// Authenticated, but the agent does not allow this.
    #[error("Forbidden")]
    Forbidden(String),
    /// No such endpoint (or not in the agent's auth mode).
    #[error("Not found")]
    NotFound(String),
    /// The endpoint exists but not with this method.
    #[error("Method not allowed")]
    MethodNotAllowed,
    /// The body is larger than [`super::json::MAX_BODY_BYTES`].
    #[error("Request body too large")]
    PayloadTooLarge,
    /// The body is not `application/json`.
    #[error("Unsupported media type")]
    UnsupportedMediaType,
    /// Something broke inside the agent; the detail is logged, never sent.
    #[error("Internal error")]
    Internal(String),
}

/// One error under the `_` key (errors not tied to an input field).
pub fn general(reason: impl Into<String>) -> FieldErrors {
    FieldErrors::from([("_".to_owned(), reason.into())])
}

/// One error under a named field.
pub fn field(name: impl Into<String>, reason: impl Into<String>) -> FieldErrors {
    FieldErrors::from([(name.into(), reason.into())])
}

impl ApiError {
    /// The HTTP status.
    pub fn status_code(&self) -> StatusCode {
        match self {
            Self::Validation(_) => StatusCode::BAD_REQUEST,
            Self::MissingCredentials(_) | Self::InvalidCredentials(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The envelope code: status * 100 + reason.
    pub fn code(&self) -> u32 {
        let reason = match self {
            Self::InvalidCredentials(_) => 2,
            _ => 1,
        };
        u32::from(self.status_code().as_u16()) * 100 + reason
    }

    fn errors(&self) -> FieldErrors {
        match self {
            Self::Validation(e) | Self::MissingCredentials(e) | Self::InvalidCredentials(e) => {
                e.clone()
            }
            Self::Forbidden(reason) | Self::NotFound(reason) => general(reason.clone()),
            Self::MethodNotAllowed => general("this endpoint does not accept this method"),
            Self::PayloadTooLarge => field(
                "body",
                format!("must be at most {} bytes", super::json::MAX_BODY_BYTES),
            ),
            Self::UnsupportedMediaType => field("Content-Type", "must be application/json"),
            Self::Internal(_) => general("internal error; see the agent's log"),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let Self::Internal(detail) = &self {
            tracing::error!(error = %detail, "Request failed.");
        }
        let envelope: Envelope<()> = Envelope {
            code: self.code(),
            message: self.to_string(),
            data: None,
            error: Some(self.errors()),
        };
        (self.status_code(), axum::Json(envelope)).into_response()
    }
}

/// A success envelope with `status` (200 or 202) around `data`.
pub fn success<T: Serialize>(status: StatusCode, data: T) -> Response {
    let envelope = Envelope {
        code: 0,
        message: "OK".into(),
        data: Some(data),
        error: None,
    };
    (status, axum::Json(envelope)).into_response()
}

/// A success envelope around data that is already JSON (the cached snapshot).
pub fn success_raw(json: &[u8]) -> Response {
    const HEAD: &[u8] = br#"{"code":0,"message":"OK","data":"#;
    const TAIL: &[u8] = br#","error":null}"#;
    let mut body = Vec::with_capacity(HEAD.len() + json.len() + TAIL.len());
    body.extend_from_slice(HEAD);
    body.extend_from_slice(json);
    body.extend_from_slice(TAIL);
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_status_times_100_plus_reason() {
        let cases = [
            (ApiError::Validation(general("x")), 40001),
            (ApiError::MissingCredentials(general("x")), 40101),
            (ApiError::InvalidCredentials(general("x")), 40102),
            (ApiError::Forbidden("x".into()), 40301),
            (ApiError::NotFound("x".into()), 40401),
            (ApiError::MethodNotAllowed, 40501),
            (ApiError::PayloadTooLarge, 41301),
            (ApiError::UnsupportedMediaType, 41501),
            (ApiError::Internal("x".into()), 50001),
        ];
        for (error, code) in cases {
            assert_eq!(error.code(), code, "{error:?}");
        }
    }

    #[tokio::test]
    async fn the_raw_envelope_matches_the_typed_one() {
        let response = success_raw(br#"{"a":1}"#);
        let body = axum::body::to_bytes(response.into_body(), 1024)
            .await
            .unwrap();
        let parsed: Envelope<serde_json::Value> = serde_json::from_slice(&body).unwrap();
        assert_eq!(parsed.code, 0);
        assert_eq!(parsed.data, Some(serde_json::json!({"a": 1})));
        assert_eq!(parsed.error, None);
    }
}
