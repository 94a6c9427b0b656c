//! HMAC-SHA256 request signing for machine-to-machine calls (agent <-> server).
//!
//! The signature covers `timestamp \n METHOD \n path \n body` and travels in two headers:
//! [`TIMESTAMP_HEADER`] (Unix seconds) and [`SIGNATURE_HEADER`] (`sha256=<hex>`). A request is
//! accepted only inside a skew window around the verifier's clock, so a captured request
//! cannot be replayed later; comparison is constant-time so the signature cannot be guessed
//! byte by byte.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// Header carrying the Unix time (seconds) at which the request was signed.
pub const TIMESTAMP_HEADER: &str = "X-Monitron-Timestamp";
/// Header carrying `sha256=<lowercase hex HMAC>`.
pub const SIGNATURE_HEADER: &str = "X-Monitron-Signature";
/// Default accepted clock difference between signer and verifier, in seconds.
pub const DEFAULT_SKEW_S: i64 = 300;

type HmacSha256 = Hmac<Sha256>;

/// Why a signed request was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignatureError {
    /// The timestamp header is not a whole number of seconds.
    #[error("timestamp is not a Unix time in seconds")]
    BadTimestamp,
    /// The timestamp is further from the verifier's clock than the window allows.
    #[error("timestamp is outside the accepted window of {window_s} seconds")]
    OutsideWindow {
        /// The window that was applied.
        window_s: i64,
    },
    /// The signature header is not `sha256=` followed by 64 hex digits.
    #[error("signature must be sha256=<64 hex digits>")]
    BadFormat,
    /// The signature does not match the request.
    #[error("signature does not match")]
    Mismatch,
}

/// The parts of a request that are signed.
#[derive(Debug, Clone, Copy)]
pub struct SignedParts<'a> {
    /// Unix time in seconds, as sent in [`TIMESTAMP_HEADER`].
    pub timestamp: &'a str,
    /// HTTP method, upper case.
    pub method: &'a str,
    /// Path with query string, exactly as sent on the request line.
    pub path: &'a str,
    /// Raw request body (empty for none).
    pub body: &'a [u8],
}

fn mac(secret: &[u8], parts: &SignedParts<'_>) -> HmacSha256 {
    // HMAC accepts keys of any length, so `new_from_slice` cannot fail.
    let mut mac = HmacSha256::new_from_slice(secret).expect("HMAC accepts any key length");
    mac.update(parts.timestamp.as_bytes());
    mac.update(b"\n");
    mac.update(parts.method.to_ascii_uppercase().as_bytes());
    mac.update(b"\n");
    mac.update(parts.path.as_bytes());
    mac.update(b"\n");
    mac.update(parts.body);
    mac
}

/// Computes the value of [`SIGNATURE_HEADER`] for a request.
pub fn sign(secret: &[u8], parts: &SignedParts<'_>) -> String {
    format!(
        "sha256={}",
        hex::encode(mac(secret, parts).finalize().into_bytes())
    )
}

/// Checks a signed request against `secret` at time `now_unix_s`, accepting timestamps at
/// most `window_s` seconds away from it in either direction.
pub fn verify(
    secret: &[u8],
    parts: &SignedParts<'_>,
    signature: &str,
    now_unix_s: i64,
    window_s: i64,
) -> Result<(), SignatureError> {
    let ts: i64 = parts
        .timestamp
        .trim()
        .parse()
        .map_err(|_| SignatureError::BadTimestamp)?;
    if now_unix_s.abs_diff(ts) > window_s.unsigned_abs() {
        return Err(SignatureError::OutsideWindow { window_s });
    }
    let given = signature
        .strip_prefix("sha256=")
        .filter(|hex| hex.len() == 64)
        .and_then(|hex| hex::decode(hex).ok())
        .ok_or(SignatureError::BadFormat)?;
    let expected = mac(secret, parts).finalize().into_bytes();
    if bool::from(expected.as_slice().ct_eq(&given)) {
        Ok(())
    } else {
        Err(SignatureError::Mismatch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"agent-shared-secret";
    const NOW: i64 = 1_795_000_000;

    fn parts<'a>(ts: &'a str, body: &'a [u8]) -> SignedParts<'a> {
        SignedParts {
            timestamp: ts,
            method: "POST",
            path: "/v1/config?x=1",
            body,
        }
    }

    #[test]
    fn a_signed_request_verifies() {
        let ts = NOW.to_string();
        let sig = sign(SECRET, &parts(&ts, b"{\"a\":1}"));
        assert!(sig.starts_with("sha256=") && sig.len() == 71);
        assert_eq!(
            verify(SECRET, &parts(&ts, b"{\"a\":1}"), &sig, NOW, 300),
            Ok(())
        );
    }

    #[test]
    fn known_vector_is_stable() {
        // Pinned so the agent and server cannot silently change the signed layout.
        let sig = sign(
            b"key",
            &SignedParts {
                timestamp: "1",
                method: "get",
                path: "/",
                body: b"",
            },
        );
        let again = sign(
            b"key",
            &SignedParts {
                timestamp: "1",
                method: "GET",
                path: "/",
                body: b"",
            },
        );
        assert_eq!(sig, again, "method is case-normalised");
        assert_eq!(
            sig,
            format!(
                "sha256={}",
                hex::encode({
                    let mut m = HmacSha256::new_from_slice(b"key").unwrap();
                    m.update(b"1\nGET\n/\n");
                    m.finalize().into_bytes()
                })
            )
        );
    }

    #[test]
    fn any_tampered_part_is_a_mismatch() {
        let ts = NOW.to_string();
        let sig = sign(SECRET, &parts(&ts, b"body"));
        let cases = [
            SignedParts {
                body: b"bodx",
                ..parts(&ts, b"")
            },
            SignedParts {
                method: "PUT",
                ..parts(&ts, b"body")
            },
            SignedParts {
                path: "/v1/config?x=2",
                ..parts(&ts, b"body")
            },
        ];
        for case in cases {
            assert_eq!(
                verify(SECRET, &case, &sig, NOW, 300),
                Err(SignatureError::Mismatch)
            );
        }
        assert_eq!(
            verify(b"other-secret", &parts(&ts, b"body"), &sig, NOW, 300),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn timestamps_outside_the_window_are_refused_both_ways() {
        for ts in [NOW - 301, NOW + 301] {
            let ts = ts.to_string();
            let sig = sign(SECRET, &parts(&ts, b""));
            assert_eq!(
                verify(SECRET, &parts(&ts, b""), &sig, NOW, 300),
                Err(SignatureError::OutsideWindow { window_s: 300 })
            );
        }
        let edge = (NOW - 300).to_string();
        let sig = sign(SECRET, &parts(&edge, b""));
        assert_eq!(verify(SECRET, &parts(&edge, b""), &sig, NOW, 300), Ok(()));
    }

    #[test]
    fn extreme_timestamps_are_refused_without_overflow() {
        for ts in [i64::MIN, i64::MAX] {
            let ts = ts.to_string();
            let sig = sign(SECRET, &parts(&ts, b""));
            assert!(matches!(
                verify(SECRET, &parts(&ts, b""), &sig, NOW, 300),
                Err(SignatureError::OutsideWindow { .. })
            ));
        }
    }

    #[test]
    fn malformed_headers_are_named() {
        let sig = sign(SECRET, &parts("abc", b""));
        assert_eq!(
            verify(SECRET, &parts("abc", b""), &sig, NOW, 300),
            Err(SignatureError::BadTimestamp)
        );
        let ts = NOW.to_string();
        for bad in [
            "",
            "sha256=",
            "md5=00",
            "sha256=zz",
            &format!("sha256={}", "0".repeat(63)),
        ] {
            assert_eq!(
                verify(SECRET, &parts(&ts, b""), bad, NOW, 300),
                Err(SignatureError::BadFormat),
                "{bad}"
            );
        }
    }
}
