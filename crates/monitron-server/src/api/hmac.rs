//! Verifies HMAC-SHA256 signed requests (the agent protocol's machine credential) against
//! a shared secret, using the layout fixed in `monitron_proto::signing`.

use axum::http::{HeaderMap, Method, Uri};
use monitron_proto::signing::{self, SignatureError, SignedParts};

use crate::api::envelope::ApiError;

/// Checks the timestamp and signature headers of a request at time `now_unix_s`.
pub fn verify_request(
    secret: &[u8],
    headers: &HeaderMap,
    method: &Method,
    uri: &Uri,
    body: &[u8],
    now_unix_s: i64,
) -> Result<(), ApiError> {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let (Some(timestamp), Some(signature)) = (
        header(signing::TIMESTAMP_HEADER),
        header(signing::SIGNATURE_HEADER),
    ) else {
        return Err(ApiError::MissingCredentials);
    };
    let path = uri.path_and_query().map_or(uri.path(), |pq| pq.as_str());
    let parts = SignedParts {
        timestamp,
        method: method.as_str(),
        path,
        body,
    };
    signing::verify(
        secret,
        &parts,
        signature,
        now_unix_s,
        signing::DEFAULT_SKEW_S,
    )
    .map_err(|err| match err {
        SignatureError::Mismatch | SignatureError::OutsideWindow { .. } => ApiError::InvalidToken,
        other => ApiError::field(
            if matches!(other, SignatureError::BadTimestamp) {
                signing::TIMESTAMP_HEADER
            } else {
                signing::SIGNATURE_HEADER
            },
            other.to_string(),
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    const SECRET: &[u8] = b"shared-agent-secret";
    const NOW: i64 = 1_800_000_000;

    fn signed(ts: i64, body: &[u8]) -> HeaderMap {
        let ts = ts.to_string();
        let sig = signing::sign(
            SECRET,
            &SignedParts {
                timestamp: &ts,
                method: "POST",
                path: "/api/v1/agents/ingest?x=1",
                body,
            },
        );
        let mut h = HeaderMap::new();
        h.insert(
            signing::TIMESTAMP_HEADER,
            HeaderValue::from_str(&ts).unwrap(),
        );
        h.insert(
            signing::SIGNATURE_HEADER,
            HeaderValue::from_str(&sig).unwrap(),
        );
        h
    }

    fn check(headers: &HeaderMap, body: &[u8]) -> Result<(), ApiError> {
        let uri: Uri = "/api/v1/agents/ingest?x=1".parse().unwrap();
        verify_request(SECRET, headers, &Method::POST, &uri, body, NOW)
    }

    #[test]
    fn accepts_good_and_refuses_tampered_skewed_or_missing() {
        assert!(check(&signed(NOW, b"{}"), b"{}").is_ok());
        assert_eq!(
            check(&signed(NOW, b"{}"), b"{ }").unwrap_err().code(),
            40102
        );
        assert_eq!(
            check(&signed(NOW - 301, b""), b"").unwrap_err().code(),
            40102,
            "replayed after the window"
        );
        assert_eq!(check(&HeaderMap::new(), b"").unwrap_err().code(), 40101);
        let mut bad = signed(NOW, b"");
        bad.insert(
            signing::SIGNATURE_HEADER,
            HeaderValue::from_static("sha1=abc"),
        );
        assert_eq!(check(&bad, b"").unwrap_err().code(), 40001);
    }
}
