//! `GET /v1/config` and `PUT /v1/config`: the agent's local configuration.
//!
//! [`AgentConfig`] ignores fields it does not know (so a newer server's configuration still
//! reaches this agent), but a person writing one here gets misspelt names refused.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use monitron_proto::config::{unknown_fields, FieldErrors};
use monitron_proto::AgentConfig;

use super::envelope::{success, ApiError};
use super::json::{parse, JsonBody};
use super::AppState;
use crate::local_config::ConfigError;

/// The configuration endpoints.
pub fn router() -> Router<AppState> {
    Router::new().route("/v1/config", get(show).put(replace))
}

async fn show(State(state): State<AppState>) -> Response {
    success(StatusCode::OK, &*state.config.current())
}

/// The configuration in a written document; misspelt field names are refused.
fn written(document: &serde_json::Value) -> Result<AgentConfig, ApiError> {
    let unknown: FieldErrors = unknown_fields(document)
        .into_iter()
        .map(|path| (path, "is not a configuration field".to_owned()))
        .collect();
    if !unknown.is_empty() {
        return Err(ApiError::Validation(unknown));
    }
    let bytes = serde_json::to_vec(document).map_err(|err| ApiError::Internal(err.to_string()))?;
    parse(&bytes)
}

async fn replace(
    State(state): State<AppState>,
    JsonBody(document): JsonBody<serde_json::Value>,
) -> Result<Response, ApiError> {
    let config = written(&document)?;
    match state.config.replace(config).await {
        Ok(config) => Ok(success(StatusCode::OK, &*config)),
        Err(ConfigError::Invalid(errors)) => Err(ApiError::Validation(errors)),
        Err(err) => Err(ApiError::Internal(err.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(document: serde_json::Value) -> Vec<String> {
        match written(&document) {
            Err(ApiError::Validation(errors)) => errors.into_keys().collect(),
            other => panic!("{document}: {other:?}"),
        }
    }

    #[test]
    fn misspelt_fields_are_refused_by_path() {
        assert_eq!(
            refused(serde_json::json!({ "plugin_dir": "/tmp" })),
            ["plugin_dir"]
        );
        assert_eq!(
            refused(serde_json::json!({ "plugins": { "every": 5 }, "buffer": { "max_byte": 1 } })),
            ["buffer.max_byte", "plugins.every"]
        );
        assert_eq!(
            refused(serde_json::json!({
                "probes": [{ "name": "a", "type": "tcp", "config": {}, "intervall": 5 }]
            })),
            ["probes[0].intervall"]
        );
        // Wrong types still name their field.
        assert_eq!(
            refused(serde_json::json!({ "report_interval_s": "ten" })),
            ["report_interval_s"]
        );
        let config = written(&serde_json::json!({ "report_interval_s": 30 })).unwrap();
        assert_eq!(config.report_interval_s, 30);
    }
}
