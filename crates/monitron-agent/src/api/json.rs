//! JSON request bodies: content type checked, size bounded, and every parse error answered
//! with the JSON path of the field at fault (`probes[0].interval_s`), not a line and column.

use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, Request};
use axum::http::{header, HeaderMap};
use futures_util::StreamExt;
use serde::de::DeserializeOwned;

use super::envelope::{field, ApiError};

/// Largest request body accepted.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// Largest body read (and discarded) past the limit before answering 413: a client that
/// is still sending when the answer comes back sees a broken connection instead of the
/// answer, so a moderately oversized body is drained first.
const MAX_DRAIN_BYTES: u64 = 8 * 1024 * 1024;

/// Reads a body of at most [`MAX_BODY_BYTES`].
pub async fn read_limited(headers: &HeaderMap, body: Body) -> Result<Bytes, ApiError> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|len| len > MAX_DRAIN_BYTES) {
        return Err(ApiError::PayloadTooLarge);
    }
    let mut stream = body.into_data_stream();
    let mut kept = Vec::new();
    let mut total: u64 = 0;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|err| {
            ApiError::Validation(field("body", format!("could not be read: {err}")))
        })?;
        total += chunk.len() as u64;
        if total <= MAX_BODY_BYTES as u64 {
            kept.extend_from_slice(&chunk);
        } else if total > MAX_DRAIN_BYTES {
            break;
        }
    }
    if total > MAX_BODY_BYTES as u64 {
        return Err(ApiError::PayloadTooLarge);
    }
    Ok(Bytes::from(kept))
}

/// The input field a serde error is about: `path` (from `serde_path_to_error`, `.` for the
/// root) joined with the field an unknown- or missing-field message names, under `prefix`.
pub fn field_of(path: &str, message: &str, prefix: &str) -> String {
    let named = ["unknown field `", "missing field `"]
        .iter()
        .find_map(|start| message.strip_prefix(start))
        .and_then(|rest| rest.split('`').next());
    let mut key = String::from(prefix);
    let path = path.trim_start_matches('.');
    // serde_path_to_error already ends the path with an unknown field's name.
    let named = named.filter(|name| path.rsplit('.').next() != Some(*name));
    for part in [path, named.unwrap_or("")] {
        if part.is_empty() {
            continue;
        }
        if !key.is_empty() && !part.starts_with('[') {
            key.push('.');
        }
        key.push_str(part);
    }
    if key.is_empty() {
        "body".into()
    } else {
        key
    }
}

/// A serde error's message without the " at line 1 column 9" suffix: for a field error
/// the field's path says where, and the position means nothing to the caller.
pub fn reason_of(err: &serde_json::Error) -> String {
    let text = err.to_string();
    match text.rfind(" at line ") {
        Some(at) if err.line() > 0 => text[..at].to_owned(),
        _ => text,
    }
}

/// Parses `bytes` as `T`, with the error keyed by field.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let refuse = |key: String, err: &serde_json::Error| {
        let reason = if bytes.iter().all(u8::is_ascii_whitespace) {
            "a JSON body is required".to_owned()
        } else {
            err.to_string()
        };
        ApiError::Validation(field(key, reason))
    };
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        match inner.classify() {
            serde_json::error::Category::Data => {
                let reason = reason_of(&inner);
                ApiError::Validation(field(field_of(&path, &reason, ""), reason))
            }
            _ => refuse("body".into(), &inner),
        }
    })?;
    deserializer
        .end()
        .map_err(|err| refuse("body".into(), &err))?;
    Ok(value)
}

/// A JSON body of type `T`.
pub struct JsonBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, _state: &S) -> Result<Self, Self::Rejection> {
        let (parts, body) = req.into_parts();
        let is_json = parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(|mime| {
                let mime = mime.trim().to_ascii_lowercase();
                mime == "application/json"
                    || (mime.starts_with("application/") && mime.ends_with("+json"))
            })
            .unwrap_or(false);
        if !is_json {
            return Err(ApiError::UnsupportedMediaType);
        }
        let bytes = read_limited(&parts.headers, body).await?;
        parse(&bytes).map(JsonBody)
    }
}

#[cfg(test)]
mod tests {
    use monitron_proto::AgentConfig;

    use super::*;

    fn key_of<T: DeserializeOwned + std::fmt::Debug>(json: &str) -> String {
        match parse::<T>(json.as_bytes()) {
            Err(ApiError::Validation(errors)) => errors.keys().next().unwrap().clone(),
            other => panic!("{json}: {other:?}"),
        }
    }

    #[test]
    fn errors_name_the_json_path() {
        let cases = [
            (r#"{"report_interval_s": "often"}"#, "report_interval_s"),
            (
                r#"{"probes": [{"name": "a", "type": "tcp", "config": {}, "interval_s": -1}]}"#,
                "probes[0].interval_s",
            ),
            (
                r#"{"probes": [{"type": "tcp", "config": {}}]}"#,
                "probes[0].name",
            ),
            (r#"{"report_interval_s": 1"#, "body"),
            ("not json", "body"),
            ("", "body"),
            ("{} trailing", "body"),
        ];
        for (json, key) in cases {
            assert_eq!(key_of::<AgentConfig>(json), key, "{json}");
        }
    }

    /// A type that refuses unknown fields, nested (as login and refresh bodies do).
    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Strict {
        #[serde(default)]
        plugins: Option<StrictPlugins>,
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct StrictPlugins {
        #[serde(default)]
        interval_s: u32,
    }

    #[test]
    fn unknown_fields_are_named_by_path() {
        assert_eq!(key_of::<Strict>(r#"{"colour": 1}"#), "colour");
        assert_eq!(
            key_of::<Strict>(r#"{"plugins": {"every": 1}}"#),
            "plugins.every"
        );
    }

    #[test]
    fn field_paths_join_cleanly() {
        assert_eq!(field_of(".", "unknown field `x`, expected `a`", ""), "x");
        assert_eq!(
            field_of("probes[1]", "missing field `name`", ""),
            "probes[1].name"
        );
        assert_eq!(field_of("port", "invalid type", "config"), "config.port");
        assert_eq!(field_of(".", "invalid type", ""), "body");
    }
}
