//! `http`: request a URL and judge the answer: status code (lists and ranges), keyword
//! present or absent, a JSON path's value. Every check opens a fresh connection, so the
//! reported time includes connecting (and TLS) the way a visitor would experience it.

use std::fmt;
use std::net::IpAddr;
use std::sync::LazyLock;
use std::time::{Duration, Instant};

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::redirect::Policy;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json_path::JsonPath;

use crate::{millis, FieldErrors, Outcome, Probe, Scope, Secret};

/// Most of a response body read for keyword and JSON checks.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;
/// Path used when the URL names none.
pub const DEFAULT_HEALTH_PATH: &str = "/health";
const METHODS: &[&str] = &["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

/// Settings of an HTTP check.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = HttpCheck))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// `http://` or `https://` URL; without a path, `/health` is checked.
    pub url: String,
    /// Request method.
    #[serde(default = "default_method")]
    pub method: String,
    /// Extra request headers.
    #[serde(default)]
    pub headers: std::collections::BTreeMap<String, String>,
    /// Request body.
    #[serde(default)]
    pub body: Option<String>,
    /// Accepted status codes: numbers, ranges (`"200-299"`) or classes (`"2xx"`).
    #[serde(default = "default_expected_status")]
    pub expected_status: Vec<StatusRange>,
    /// Text the body must contain.
    #[serde(default)]
    pub keyword: Option<String>,
    /// Text the body must not contain.
    #[serde(default)]
    pub keyword_absent: Option<String>,
    /// JSONPath (RFC 9535) into the response body, which must then be JSON.
    #[serde(default)]
    pub json_path: Option<String>,
    /// Value the JSON path must yield; without it, the path must match something.
    #[serde(default)]
    pub json_expected: Option<serde_json::Value>,
    /// Follow up to 10 redirects (within the URL's origin when the check sends credential
    /// headers).
    #[serde(default = "yes")]
    pub follow_redirects: bool,
    /// Verify the server's certificate.
    #[serde(default = "yes")]
    pub verify_tls: bool,
    /// Credentials to send.
    #[serde(default)]
    pub auth: Option<Auth>,
}

fn default_method() -> String {
    "GET".into()
}

fn default_expected_status() -> Vec<StatusRange> {
    vec![StatusRange { from: 200, to: 200 }]
}

fn yes() -> bool {
    true
}

/// Credentials for the checked endpoint.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = HttpAuth))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase", deny_unknown_fields)]
pub enum Auth {
    /// HTTP Basic.
    Basic {
        /// User name.
        username: String,
        /// Password.
        password: String,
    },
    /// `Authorization: Bearer <token>`.
    Bearer {
        /// The token.
        token: String,
    },
}

/// An inclusive range of status codes; written as `200`, `"200-299"` or `"2xx"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatusRange {
    /// Lowest accepted code.
    pub from: u16,
    /// Highest accepted code.
    pub to: u16,
}

/// Written as a code (`200`), a range (`"200-299"`) or a class (`"2xx"`).
#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for StatusRange {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Type};
        OneOfBuilder::new()
            .item(
                ObjectBuilder::new()
                    .schema_type(Type::Integer)
                    .minimum(Some(100))
                    .maximum(Some(599)),
            )
            .item(
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .pattern(Some(r"^([1-5][xX][xX]|[1-5][0-9]{2}(-[1-5][0-9]{2})?)$")),
            )
            .description(Some(
                "An accepted status: a code (200), a range (\"200-299\") or a class (\"2xx\")",
            ))
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for StatusRange {}

impl StatusRange {
    fn contains(&self, code: u16) -> bool {
        (self.from..=self.to).contains(&code)
    }

    fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let bad = || format!("{text:?} is not a status code, range (200-299) or class (2xx)");
        if let Some(class) = text.strip_suffix("xx").or_else(|| text.strip_suffix("XX")) {
            let digit: u16 = class
                .parse()
                .ok()
                .filter(|d| (1..=5).contains(d))
                .ok_or_else(bad)?;
            return Ok(Self {
                from: digit * 100,
                to: digit * 100 + 99,
            });
        }
        match text.split_once('-') {
            Some((a, b)) => Ok(Self {
                from: a.trim().parse().map_err(|_| bad())?,
                to: b.trim().parse().map_err(|_| bad())?,
            }),
            None => {
                let code = text.parse().map_err(|_| bad())?;
                Ok(Self {
                    from: code,
                    to: code,
                })
            }
        }
    }
}

impl fmt::Display for StatusRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.from == self.to {
            write!(f, "{}", self.from)
        } else if self.from % 100 == 0 && self.to == self.from + 99 {
            write!(f, "{}xx", self.from / 100)
        } else {
            write!(f, "{}-{}", self.from, self.to)
        }
    }
}

impl Serialize for StatusRange {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.from == self.to {
            s.serialize_u16(self.from)
        } else {
            s.collect_str(self)
        }
    }
}

impl<'de> Deserialize<'de> for StatusRange {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Code(u16),
            Text(String),
        }
        match Raw::deserialize(d)? {
            Raw::Code(code) => Ok(Self {
                from: code,
                to: code,
            }),
            Raw::Text(text) => Self::parse(&text).map_err(serde::de::Error::custom),
        }
    }
}

/// Facts an HTTP check reports.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Details {
    /// Status code of the final response.
    pub status_code: Option<u16>,
    /// Address of the server that answered.
    pub resolved_ip: Option<IpAddr>,
    /// URL of the final response (after redirects).
    pub final_url: Option<String>,
    /// HTTP version of the final response.
    pub http_version: Option<String>,
    /// Body bytes read (at most 1 MiB).
    pub body_bytes: Option<usize>,
    /// Time until the response headers arrived, in milliseconds.
    pub headers_ms: Option<f64>,
}

impl Probe for Config {
    const SCOPE: Scope = Scope::Both;

    fn secrets_mut(&mut self) -> Vec<Secret<'_>> {
        let mut secrets: Vec<Secret<'_>> = self
            .headers
            .iter_mut()
            .filter(|(name, _)| crate::is_secret_header(name))
            .map(|(name, value)| Secret::new(format!("headers.{name}"), value))
            .collect();
        match &mut self.auth {
            Some(Auth::Basic { password, .. }) => {
                secrets.push(Secret::new("auth.password", password));
            }
            Some(Auth::Bearer { token }) => secrets.push(Secret::new("auth.token", token)),
            None => {}
        }
        secrets
    }

    fn destination(&self) -> Option<String> {
        let url = url::Url::parse(&self.url).ok()?;
        let endpoint = crate::endpoint(url.scheme(), url.host_str()?, url.port_or_known_default()?);
        let verify = self.verify_tls || url.scheme() != "https";
        Some(crate::trusting(endpoint, verify, None, None))
    }

    fn validate(&mut self) -> Result<(), FieldErrors> {
        let mut errors = FieldErrors::new();
        match normalise_url(&self.url) {
            Ok(url) => self.url = url,
            Err(reason) => {
                errors.insert("url".into(), reason);
            }
        }
        self.method = self.method.trim().to_ascii_uppercase();
        if !METHODS.contains(&self.method.as_str()) {
            errors.insert(
                "method".into(),
                format!("must be one of {}", METHODS.join(", ")),
            );
        }
        for (name, value) in &self.headers {
            if HeaderName::from_bytes(name.as_bytes()).is_err() {
                errors.insert(
                    format!("headers.{name}"),
                    "is not a valid header name".into(),
                );
            } else if HeaderValue::from_str(value).is_err() {
                errors.insert(
                    format!("headers.{name}"),
                    "is not a valid header value".into(),
                );
            }
        }
        if self.expected_status.is_empty() {
            errors.insert(
                "expected_status".into(),
                "must list at least one status code".into(),
            );
        }
        for (i, range) in self.expected_status.iter().enumerate() {
            if !(100..=599).contains(&range.from)
                || !(100..=599).contains(&range.to)
                || range.from > range.to
            {
                errors.insert(
                    format!("expected_status[{i}]"),
                    "must be codes between 100 and 599, low to high".into(),
                );
            }
        }
        for (field, value) in [
            ("keyword", &self.keyword),
            ("keyword_absent", &self.keyword_absent),
        ] {
            if value.as_deref().is_some_and(str::is_empty) {
                errors.insert(field.into(), "must not be empty".into());
            }
        }
        if let Some(path) = &self.json_path {
            if let Err(err) = JsonPath::parse(path) {
                errors.insert(
                    "json_path".into(),
                    format!("is not a valid JSONPath: {err}"),
                );
            }
        } else if self.json_expected.is_some() {
            errors.insert("json_expected".into(), "needs json_path".into());
        }
        if let Some(Auth::Basic { username, .. }) = &self.auth {
            if username.contains(':') {
                errors.insert("auth.username".into(), "must not contain ':'".into());
            }
        }
        crate::verdict(errors)
    }

    async fn run(&self, timeout: Duration) -> Outcome {
        let mut details = Details::default();
        let redirects = if !self.follow_redirects {
            Redirects::None
        } else if self
            .headers
            .keys()
            .any(|name| crate::is_secret_header(name))
        {
            Redirects::SameOrigin
        } else {
            Redirects::Follow
        };
        let client = client(self.verify_tls, redirects);
        let method =
            reqwest::Method::from_bytes(self.method.as_bytes()).unwrap_or(reqwest::Method::GET);
        let mut request = client
            .request(method, &self.url)
            .timeout(timeout)
            .headers(headers(&self.headers));
        request = match &self.auth {
            Some(Auth::Basic { username, password }) => {
                request.basic_auth(username, Some(password))
            }
            Some(Auth::Bearer { token }) => request.bearer_auth(token),
            None => request,
        };
        if let Some(body) = &self.body {
            request = request.body(body.clone());
        }
        let started = Instant::now();
        let mut response = match request.send().await {
            Ok(r) => r,
            Err(err) => return Outcome::down(None, describe(&err, timeout), details),
        };
        details.headers_ms = Some(millis(started.elapsed()));
        details.status_code = Some(response.status().as_u16());
        details.resolved_ip = response.remote_addr().map(|a| a.ip());
        details.final_url = Some(response.url().to_string());
        details.http_version = Some(format!("{:?}", response.version()));
        let mut body = Vec::new();
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    let room = MAX_BODY_BYTES - body.len();
                    body.extend_from_slice(&chunk[..chunk.len().min(room)]);
                    if body.len() >= MAX_BODY_BYTES {
                        break;
                    }
                }
                Ok(None) => break,
                Err(err) => return Outcome::down(None, describe(&err, timeout), details),
            }
        }
        let elapsed = millis(started.elapsed());
        details.body_bytes = Some(body.len());
        let status = response.status();
        if !self
            .expected_status
            .iter()
            .any(|r| r.contains(status.as_u16()))
        {
            let expected: Vec<String> = self
                .expected_status
                .iter()
                .map(ToString::to_string)
                .collect();
            return Outcome::down(
                Some(elapsed),
                format!("expected status {}, got {status}", expected.join(", ")),
                details,
            );
        }
        if let Some(failure) = self.judge_body(&body) {
            return Outcome::down(Some(elapsed), failure, details);
        }
        Outcome::up(elapsed, status.to_string(), details)
    }
}

impl Config {
    /// Why the body fails the keyword and JSON conditions, if it does.
    fn judge_body(&self, body: &[u8]) -> Option<String> {
        let text = String::from_utf8_lossy(body);
        if let Some(keyword) = &self.keyword {
            if !text.contains(keyword.as_str()) {
                return Some(format!("keyword {keyword:?} not found"));
            }
        }
        if let Some(unwanted) = &self.keyword_absent {
            if text.contains(unwanted.as_str()) {
                return Some(format!("unwanted keyword {unwanted:?} found"));
            }
        }
        let path_text = self.json_path.as_deref()?;
        let Ok(path) = JsonPath::parse(path_text) else {
            return Some(format!("invalid JSON path {path_text}"));
        };
        let Ok(json) = serde_json::from_slice::<serde_json::Value>(body) else {
            return Some("the response is not JSON".into());
        };
        let found = path.query(&json).all();
        match (&self.json_expected, found.first()) {
            (_, None) => Some(format!("JSON path {path_text} matched nothing")),
            (Some(expected), Some(_)) if !found.contains(&expected) => Some(format!(
                "JSON path {path_text} is {}, expected {expected}",
                found[0]
            )),
            _ => None,
        }
    }
}

/// Parses and completes a URL: scheme http(s), a host, and `/health` when no path is given.
fn normalise_url(raw: &str) -> Result<String, String> {
    let raw = raw.trim();
    let mut url = url::Url::parse(raw).map_err(|e| format!("is not a valid URL: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err("must start with http:// or https://".into());
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err("must name a host".into());
    }
    // The parser turns "http://host" into "http://host/"; look at what was written.
    let after_authority = raw.split_once("://").map_or("", |(_, rest)| rest);
    if !after_authority.contains(['/', '?', '#']) {
        url.set_path(DEFAULT_HEALTH_PATH);
    }
    Ok(url.to_string())
}

fn headers(map: &std::collections::BTreeMap<String, String>) -> HeaderMap {
    map.iter()
        .filter_map(|(k, v)| {
            Some((
                HeaderName::from_bytes(k.as_bytes()).ok()?,
                HeaderValue::from_str(v).ok()?,
            ))
        })
        .collect()
}

/// A short reason for a failed request, naming the root cause.
fn describe(err: &reqwest::Error, timeout: Duration) -> String {
    if err.is_timeout() {
        return format!("timed out after {} s", timeout.as_secs_f64());
    }
    let mut root: &(dyn std::error::Error + 'static) = err;
    while let Some(source) = root.source() {
        root = source;
    }
    let cause = root.to_string();
    if root.is::<OtherOrigin>() {
        cause
    } else if err.is_redirect() {
        format!("too many redirects ({cause})")
    } else if err.is_connect() {
        format!("connection failed: {cause}")
    } else {
        format!("request failed: {cause}")
    }
}

/// Which redirects a check follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Redirects {
    /// Up to [`MAX_REDIRECTS`], anywhere.
    Follow,
    /// Up to [`MAX_REDIRECTS`] within the first URL's origin (scheme, host and port): a
    /// check that sends credential headers of its own does not send them elsewhere (the
    /// client strips only `Authorization` and cookies when the host changes).
    SameOrigin,
    /// None: the redirect response is the result.
    None,
}

const MAX_REDIRECTS: usize = 10;

impl Redirects {
    fn policy(self) -> Policy {
        match self {
            Self::Follow => Policy::limited(MAX_REDIRECTS),
            Self::SameOrigin => Policy::custom(|attempt| {
                let first = attempt.previous()[0].origin();
                if attempt.url().origin() != first {
                    let refused = OtherOrigin(attempt.url().origin().ascii_serialization());
                    attempt.error(refused)
                } else if attempt.previous().len() > MAX_REDIRECTS {
                    attempt.error(format!("more than {MAX_REDIRECTS} redirects"))
                } else {
                    attempt.follow()
                }
            }),
            Self::None => Policy::none(),
        }
    }
}

/// A redirect a check with credential headers does not follow.
#[derive(Debug)]
struct OtherOrigin(String);

impl std::fmt::Display for OtherOrigin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "not following the redirect to {}: the check's credential headers stay with its own origin",
            self.0
        )
    }
}

impl std::error::Error for OtherOrigin {}

/// One client per (verify TLS, redirects) combination, built once: building loads the TLS
/// roots, which is far too costly per check. None keeps idle connections, so every check
/// connects afresh.
static CLIENTS: LazyLock<[[reqwest::Client; 3]; 2]> = LazyLock::new(|| {
    let build = |verify: bool, redirects: Redirects| {
        reqwest::Client::builder()
            .use_rustls_tls()
            .danger_accept_invalid_certs(!verify)
            .redirect(redirects.policy())
            .pool_max_idle_per_host(0)
            .dns_resolver(std::sync::Arc::new(crate::resolve::BoundedResolver))
            .user_agent(concat!("Monitron/", env!("CARGO_PKG_VERSION")))
            .build()
            .expect("the HTTP client configuration is valid")
    };
    let row = |verify: bool| {
        [
            build(verify, Redirects::Follow),
            build(verify, Redirects::SameOrigin),
            build(verify, Redirects::None),
        ]
    };
    [row(true), row(false)]
});

fn client(verify_tls: bool, redirects: Redirects) -> &'static reqwest::Client {
    let column = match redirects {
        Redirects::Follow => 0,
        Redirects::SameOrigin => 1,
        Redirects::None => 2,
    };
    &CLIENTS[usize::from(!verify_tls)][column]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_ranges_parse_and_print_back() {
        let parsed: Vec<StatusRange> =
            serde_json::from_value(serde_json::json!([200, "201-204", "3xx"])).unwrap();
        assert_eq!(
            parsed,
            vec![
                StatusRange { from: 200, to: 200 },
                StatusRange { from: 201, to: 204 },
                StatusRange { from: 300, to: 399 },
            ]
        );
        assert_eq!(
            serde_json::to_value(&parsed).unwrap(),
            serde_json::json!([200, "201-204", "3xx"])
        );
        for bad in [
            serde_json::json!("two hundred"),
            serde_json::json!("200-"),
            serde_json::json!(-1),
            serde_json::json!("700xx"),
            serde_json::json!("657xx"),
        ] {
            assert!(
                serde_json::from_value::<StatusRange>(bad.clone()).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn urls_get_a_health_path_only_when_they_have_none() {
        let cases = [
            ("http://example.com", "http://example.com/health"),
            (
                "https://example.com:8443",
                "https://example.com:8443/health",
            ),
            ("http://example.com/", "http://example.com/"),
            (
                "http://example.com/status?x=1",
                "http://example.com/status?x=1",
            ),
            ("http://[::1]:8080", "http://[::1]:8080/health"),
        ];
        for (raw, expected) in cases {
            assert_eq!(normalise_url(raw).as_deref(), Ok(expected), "{raw}");
        }
        for bad in ["ftp://example.com", "example.com", "http://", "not a url"] {
            assert!(normalise_url(bad).is_err(), "{bad}");
        }
    }

    fn config(json: serde_json::Value) -> Config {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn defaults_and_validation_name_fields() {
        let mut c = config(serde_json::json!({ "url": "http://example.com" }));
        c.validate().unwrap();
        assert_eq!(
            (c.method.as_str(), c.follow_redirects, c.verify_tls),
            ("GET", true, true)
        );
        assert_eq!(c.expected_status, vec![StatusRange { from: 200, to: 200 }]);
        let mut bad = config(serde_json::json!({
            "url": "gopher://x", "method": "FETCH", "headers": { "bad header": "x" },
            "expected_status": [600], "keyword": "", "json_path": "$[", "auth": { "type": "basic", "username": "a:b", "password": "p" }
        }));
        let errors = bad.validate().unwrap_err();
        for field in [
            "url",
            "method",
            "headers.bad header",
            "expected_status[0]",
            "keyword",
            "json_path",
            "auth.username",
        ] {
            assert!(
                errors.contains_key(field),
                "{field} missing from {errors:?}"
            );
        }
        let mut orphan = config(serde_json::json!({ "url": "http://x.io/", "json_expected": 1 }));
        assert!(orphan.validate().unwrap_err().contains_key("json_expected"));
    }
}
