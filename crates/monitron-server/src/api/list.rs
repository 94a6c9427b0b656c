//! Pagination, sorting and search for list endpoints: `?page=1&per_page=50&sort=-created_at&q=`.
//! List data is `{items, total, page, per_page}`.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::envelope::{ApiError, FieldErrors};

pub use crate::db::list::{like_pattern, parse_sort, Paging, Sort, DEFAULT_PER_PAGE, MAX_PER_PAGE};

/// Query string parsed into `T`, with errors in the envelope naming the parameter.
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        let query = parts.uri.query().unwrap_or_default();
        let de = serde_urlencoded::Deserializer::new(form_urlencoded_parse(query));
        serde_path_to_error::deserialize(de)
            .map(ApiQuery)
            .map_err(|err| {
                let path = err.path().to_string();
                let reason = err.inner().to_string();
                let field = match reason
                    .strip_prefix("missing field `")
                    .and_then(|r| r.split_once('`'))
                {
                    Some((name, _)) => name.to_owned(),
                    None if path == "." => "_".to_owned(),
                    None => path,
                };
                ApiError::Validation(FieldErrors::from([(field, explain(&reason))]))
            })
    }
}

/// What a query parameter should have been, from the parser's complaint about it: the
/// parsers say what went wrong inside the text ("invalid digit found in string"), which
/// does not tell a caller what to send instead.
fn explain(reason: &str) -> String {
    let expected = match reason {
        "invalid digit found in string" | "cannot parse integer from empty string" => {
            "expected a whole number"
        }
        "number too large to fit in target type" => "is too large",
        "number too small to fit in target type" => "expected a whole number of at least 0",
        "invalid float literal" => "expected a number",
        "provided string was not `true` or `false`" => "expected true or false",
        "input contains invalid characters"
        | "premature end of input"
        | "trailing input"
        | "input is out of range"
        | "input is not enough for unique date and time"
        | "no possible date and time matching input" => {
            "expected an RFC 3339 time such as 2026-11-30T12:00:00Z"
        }
        other if other.starts_with("UUID parsing failed") => "expected a UUID",
        other => return other.to_owned(),
    };
    expected.to_owned()
}

fn form_urlencoded_parse(query: &str) -> form_urlencoded::Parse<'_> {
    form_urlencoded::parse(query.as_bytes())
}

/// Paging parameters shared by every list endpoint.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// Page number, from 1.
    #[param(minimum = 1, default = 1)]
    pub page: Option<u64>,
    /// Items per page, 1-500.
    #[param(minimum = 1, maximum = 500, default = 50)]
    pub per_page: Option<u64>,
}

/// One page of a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct ListPage<T> {
    /// The items on this page.
    pub items: Vec<T>,
    /// Items across all pages.
    pub total: u64,
    /// This page's number.
    pub page: u64,
    /// Page size.
    pub per_page: u64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::Request;

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Params {
        step: Option<u64>,
        from: Option<chrono::DateTime<chrono::Utc>>,
        id: Option<uuid::Uuid>,
        flag: Option<bool>,
    }

    async fn error_of(query: &str) -> FieldErrors {
        let (mut parts, ()) = Request::builder()
            .uri(format!("/x?{query}"))
            .body(())
            .unwrap()
            .into_parts();
        match ApiQuery::<Params>::from_request_parts(&mut parts, &()).await {
            Err(ApiError::Validation(errors)) => errors,
            Err(other) => panic!("{other:?}"),
            Ok(_) => panic!("{query} was accepted"),
        }
    }

    /// Regression: `step=raw` answered "invalid digit found in string".
    #[tokio::test]
    async fn bad_parameters_say_what_is_expected() {
        assert_eq!(
            error_of("step=raw").await["step"],
            "expected a whole number"
        );
        assert_eq!(error_of("step=-1").await["step"], "expected a whole number");
        assert_eq!(
            error_of("from=yesterday").await["from"],
            "expected an RFC 3339 time such as 2026-11-30T12:00:00Z"
        );
        assert_eq!(error_of("id=42").await["id"], "expected a UUID");
        assert_eq!(error_of("flag=yes").await["flag"], "expected true or false");
    }
}
