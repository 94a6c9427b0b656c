//! Sending to HTTP providers and reading their answers the same way for all: 2xx is
//! delivered; 429 (and a `Retry-After`, Telegram's `parameters.retry_after`, Discord's
//! `retry_after`, Matrix's `retry_after_ms`) waits as told; another 4xx is refused for
//! good with the provider's own error text; 5xx and network errors are retried.

use std::time::Duration;

use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::RequestBuilder;
use serde_json::Value;

use super::Sent;

/// Longest wait a provider may ask for before the next try; longer asks wait this long.
const MAX_WAIT: Duration = Duration::from_secs(3600);

/// Sends a request and classifies the answer.
pub async fn send(request: RequestBuilder) -> Sent {
    match request.send().await {
        Ok(response) => {
            let status = response.status().as_u16();
            let headers = response.headers().clone();
            let body = response.text().await.unwrap_or_default();
            classify(status, &headers, &body)
        }
        Err(err) => Sent::Retry {
            status: None,
            error: describe(&err),
            after: None,
        },
    }
}

fn describe(err: &reqwest::Error) -> String {
    let mut text = if err.is_timeout() {
        "the provider did not answer in time".to_owned()
    } else if err.is_connect() {
        "cannot connect to the provider".to_owned()
    } else {
        "the request failed".to_owned()
    };
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// Classifies a provider's answer.
pub fn classify(status: u16, headers: &HeaderMap, body: &str) -> Sent {
    let json: Option<Value> = serde_json::from_str(body).ok();
    if (200..300).contains(&status) {
        // Telegram and some others answer 200 with `ok: false` on errors.
        if let Some(Value::Bool(false)) = json.as_ref().map(|j| j["ok"].clone()) {
            return Sent::Refused {
                status: Some(status),
                error: error_text(json.as_ref(), body),
            };
        }
        return Sent::Delivered {
            status: Some(status),
        };
    }
    let error = error_text(json.as_ref(), body);
    if status == 429 {
        return Sent::Retry {
            status: Some(status),
            error,
            after: Some(wait(headers, json.as_ref()).unwrap_or(Duration::from_secs(1))),
        };
    }
    if (400..500).contains(&status) && status != 408 {
        return Sent::Refused {
            status: Some(status),
            error,
        };
    }
    Sent::Retry {
        status: Some(status),
        error,
        after: wait(headers, json.as_ref()),
    }
}

/// How long the provider asked to wait.
fn wait(headers: &HeaderMap, json: Option<&Value>) -> Option<Duration> {
    let seconds = |v: &Value| v.as_f64().filter(|s| s.is_finite() && *s >= 0.0);
    let from_body = json.and_then(|j| {
        seconds(&j["parameters"]["retry_after"])
            .or_else(|| seconds(&j["retry_after"]))
            .or_else(|| seconds(&j["retry_after_ms"]).map(|ms| ms / 1000.0))
    });
    let from_header = headers
        .get(RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.trim().parse::<f64>().ok().or_else(|| {
                let at = chrono::DateTime::parse_from_rfc2822(v.trim()).ok()?;
                Some(
                    (at.timestamp_millis() - chrono::Utc::now().timestamp_millis()).max(0) as f64
                        / 1000.0,
                )
            })
        });
    from_body
        .or(from_header)
        .map(|s| Duration::from_secs_f64(s).min(MAX_WAIT))
}

/// The provider's error text: the usual JSON fields, or the body itself.
fn error_text(json: Option<&Value>, body: &str) -> String {
    if let Some(j) = json {
        if let Some(nested) = j["error"]["message"].as_str() {
            return super::truncate(nested, 500);
        }
        for field in [
            "description",
            "errorDescription",
            "message",
            "error",
            "errors",
        ] {
            match &j[field] {
                Value::String(s) if !s.is_empty() => return super::truncate(s, 500),
                Value::Null => {}
                other @ (Value::Array(_) | Value::Object(_)) => {
                    return super::truncate(&other.to_string(), 500)
                }
                _ => {}
            }
        }
    }
    let body = body.trim();
    if body.is_empty() {
        "the provider answered without a reason".to_owned()
    } else {
        super::truncate(body, 500)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(retry_after: Option<&str>) -> HeaderMap {
        let mut h = HeaderMap::new();
        if let Some(v) = retry_after {
            h.insert(RETRY_AFTER, v.parse().unwrap());
        }
        h
    }

    #[test]
    fn answers_are_classified() {
        assert_eq!(
            classify(204, &headers(None), ""),
            Sent::Delivered { status: Some(204) }
        );
        assert_eq!(
            classify(429, &headers(Some("7")), "slow down"),
            Sent::Retry {
                status: Some(429),
                error: "slow down".into(),
                after: Some(Duration::from_secs(7))
            }
        );
        let telegram = r#"{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 3","parameters":{"retry_after":3}}"#;
        assert_eq!(
            classify(429, &headers(None), telegram),
            Sent::Retry {
                status: Some(429),
                error: "Too Many Requests: retry after 3".into(),
                after: Some(Duration::from_secs(3))
            }
        );
        let discord =
            r#"{"message":"You are being rate limited.","retry_after":0.5,"global":false}"#;
        assert_eq!(
            classify(429, &headers(None), discord).clone(),
            Sent::Retry {
                status: Some(429),
                error: "You are being rate limited.".into(),
                after: Some(Duration::from_millis(500))
            }
        );
        let matrix =
            r#"{"errcode":"M_LIMIT_EXCEEDED","error":"Too many requests","retry_after_ms":2000}"#;
        assert!(
            matches!(classify(429, &headers(None), matrix), Sent::Retry { after: Some(d), .. } if d == Duration::from_secs(2))
        );
        assert_eq!(
            classify(
                400,
                &headers(None),
                r#"{"ok":false,"error_code":400,"description":"Bad Request: chat not found"}"#
            ),
            Sent::Refused {
                status: Some(400),
                error: "Bad Request: chat not found".into()
            }
        );
        assert!(matches!(
            classify(503, &headers(None), "down"),
            Sent::Retry { after: None, .. }
        ));
        assert!(matches!(
            classify(200, &headers(None), r#"{"ok":false,"description":"x"}"#),
            Sent::Refused { .. }
        ));
    }
}
