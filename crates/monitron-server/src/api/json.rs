//! `ApiJson<T>`: the JSON body extractor of every endpoint. Unlike axum's `Json`, its
//! rejections are envelopes that name the offending field.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::header;
use serde::de::DeserializeOwned;

use crate::api::envelope::{ApiError, FieldErrors};

/// A JSON request body deserialized into `T`.
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let is_json = req
            .headers()
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
        let bytes = Bytes::from_request(req, state).await.map_err(|rejection| {
            if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::PayloadTooLarge
            } else {
                ApiError::MalformedBody(FieldErrors::from([(
                    "_".into(),
                    "could not read the request body".into(),
                )]))
            }
        })?;
        parse(&bytes).map(ApiJson)
    }
}

/// Deserializes `bytes`, turning serde's error into `{field: reason}`.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|err| {
        let inner = err.inner();
        let path = err.path().to_string();
        let reason = inner.to_string();
        // "missing field `x`" is reported at the parent; name the field itself.
        let (field, reason) = match reason
            .strip_prefix("missing field `")
            .and_then(|r| r.split_once('`'))
        {
            Some((name, _)) => (join(&path, name), "is required".to_owned()),
            None if inner.is_syntax() || inner.is_eof() => (
                "_".to_owned(),
                format!("malformed JSON: {}", strip_position(&reason)),
            ),
            None => (
                if path == "." { "_".to_owned() } else { path },
                strip_position(&reason),
            ),
        };
        match inner.classify() {
            serde_json::error::Category::Syntax | serde_json::error::Category::Eof => {
                ApiError::MalformedBody(FieldErrors::from([(field, reason)]))
            }
            _ => ApiError::Validation(FieldErrors::from([(field, reason)])),
        }
    })
}

fn join(path: &str, name: &str) -> String {
    if path == "." || path.is_empty() {
        name.to_owned()
    } else {
        format!("{path}.{name}")
    }
}

fn strip_position(reason: &str) -> String {
    match reason.rfind(" at line ") {
        Some(i) => reason[..i].to_owned(),
        None => reason.to_owned(),
    }
}

/// Tells an absent field (`None`) from an explicit null (`Some(None)`), for changes where
/// null removes a value.
pub fn double_option<'de, T, D>(de: D) -> Result<Option<Option<T>>, D::Error>
where
    T: serde::Deserialize<'de>,
    D: serde::Deserializer<'de>,
{
    <Option<T> as serde::Deserialize>::deserialize(de).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Body {
        name: String,
        count: u32,
        inner: Option<Inner>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        flag: bool,
    }

    fn field_of(json: &str) -> (u32, String, String) {
        let err = parse::<Body>(json.as_bytes()).unwrap_err();
        let code = err.code();
        let (field, reason) = match err {
            ApiError::Validation(f) | ApiError::MalformedBody(f) => f.into_iter().next().unwrap(),
            other => panic!("{other:?}"),
        };
        (code, field, reason)
    }

    #[test]
    fn errors_name_the_field() {
        let cases = [
            (r#"{"count": 1}"#, 40001, "name"),
            (r#"{"name": 5, "count": 1}"#, 40001, "name"),
            (r#"{"name": "a", "count": -1}"#, 40001, "count"),
            (
                r#"{"name": "a", "count": 1, "inner": {"flag": "yes"}}"#,
                40001,
                "inner.flag",
            ),
            (
                r#"{"name": "a", "count": 1, "inner": {}}"#,
                40001,
                "inner.flag",
            ),
            (r#"{"name": "a", "count": 1"#, 40002, "_"),
            ("not json", 40002, "_"),
            ("[]", 40001, "_"),
        ];
        for (json, code, field) in cases {
            let (c, f, reason) = field_of(json);
            assert_eq!((c, f.as_str()), (code, field), "{json}: {reason}");
            assert!(!reason.contains("line "), "{reason}");
        }
    }
}
