//! The browser's refresh cookie: at sign-in with `"session": "cookie"` the refresh token
//! goes into an `HttpOnly`, `SameSite=Strict` cookie scoped to `/api/v1/auth`, where only
//! refresh and sign-out read it, so page scripts never hold it. The access token stays in
//! the page's memory.
//!
//! A request that authenticates with this cookie must also carry `X-Requested-With:
//! monitron`: browsers send cookies with cross-site form posts, but no cross-site form can
//! set that header (and a cross-site script may not without a CORS grant, which Monitron
//! never gives).

use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::Response;

use crate::api::envelope::ApiError;

/// The cookie's name.
pub const NAME: &str = "monitron_refresh";
/// The only path the browser sends it to.
pub const PATH: &str = "/api/v1/auth";
/// The header (and value) cookie-authenticated changes need.
pub const REQUESTED_WITH: (&str, &str) = ("x-requested-with", "monitron");

/// The refresh token the request's cookie carries, if any.
pub fn read(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == NAME)
        .map(|(_, value)| value.trim().to_owned())
        .filter(|value| !value.is_empty())
}

/// Fails unless the request says it comes from Monitron's own pages.
pub fn require_requested_with(headers: &HeaderMap) -> Result<(), ApiError> {
    let (name, expected) = REQUESTED_WITH;
    let sent = headers.get(name).and_then(|v| v.to_str().ok());
    if sent.is_some_and(|v| v.trim().eq_ignore_ascii_case(expected)) {
        Ok(())
    } else {
        Err(ApiError::Forbidden(
            "a request authenticated by the session cookie needs the header X-Requested-With: monitron"
                .into(),
        ))
    }
}

/// Sets the cookie to `token` for `max_age_s` seconds (`Secure` when served over HTTPS).
pub fn set(response: &mut Response, token: &str, max_age_s: i64, secure: bool) {
    let secure = if secure { "; Secure" } else { "" };
    let value = format!(
        "{NAME}={token}; Path={PATH}; Max-Age={}; HttpOnly; SameSite=Strict{secure}",
        max_age_s.max(0)
    );
    if let Ok(value) = HeaderValue::from_str(&value) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
}

/// Removes the cookie.
pub fn clear(response: &mut Response, secure: bool) {
    set(response, "", 0, secure);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_cookie_among_others() {
        let mut headers = HeaderMap::new();
        headers.append(
            header::COOKIE,
            HeaderValue::from_static("a=1; monitron_refresh=mrt_x"),
        );
        headers.append(header::COOKIE, HeaderValue::from_static("b=2"));
        assert_eq!(read(&headers).as_deref(), Some("mrt_x"));
        let mut empty = HeaderMap::new();
        empty.insert(
            header::COOKIE,
            HeaderValue::from_static("monitron_refresh="),
        );
        assert_eq!(read(&empty), None);
    }

    #[test]
    fn the_cookie_is_http_only_strict_and_scoped_to_auth() {
        let mut response = Response::new(axum::body::Body::empty());
        set(&mut response, "mrt_x", 600, true);
        let value = response.headers()[header::SET_COOKIE].to_str().unwrap();
        assert_eq!(
            value,
            "monitron_refresh=mrt_x; Path=/api/v1/auth; Max-Age=600; HttpOnly; SameSite=Strict; Secure"
        );
    }

    #[test]
    fn cookie_changes_need_the_requested_with_header() {
        let mut headers = HeaderMap::new();
        assert!(require_requested_with(&headers).is_err());
        headers.insert(
            "x-requested-with",
            HeaderValue::from_static("XMLHttpRequest"),
        );
        assert!(require_requested_with(&headers).is_err());
        headers.insert("x-requested-with", HeaderValue::from_static("monitron"));
        assert!(require_requested_with(&headers).is_ok());
    }
}
