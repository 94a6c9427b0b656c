//! Who may call the agent: one of four modes chosen in the agent's environment
//! (see [`AuthMode`]), checked on every request except login and refresh.
//!
//! Secrets are compared in constant time, always over SHA-256 digests so that neither the
//! content nor the length of a secret leaks through timing.

pub mod replay;
pub mod tokens;

use std::sync::Mutex;
use std::time::Duration;

use axum::http::HeaderMap;
use base64::Engine;
use monitron_proto::agent_api::Tokens;
use monitron_proto::signing::{self, SignatureError, SignedParts, DEFAULT_SKEW_S};
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::settings::AuthMode;
use replay::ReplayGuard;
use tokens::{RefreshError, TokenIssuer};

/// Header carrying the key in `api_key` mode.
pub const API_KEY_HEADER: &str = "X-API-Key";

/// Why a request was not let in.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// No credentials where some are required; names the header.
    #[error("{header}: {reason}")]
    Missing {
        /// The header that should carry them.
        header: &'static str,
        /// What is expected.
        reason: String,
    },
    /// Credentials that do not hold.
    #[error("{header}: {reason}")]
    Invalid {
        /// The header that carried them.
        header: &'static str,
        /// Why they were refused.
        reason: String,
    },
    /// The endpoint is not used in this mode.
    #[error("not used in {mode} mode")]
    NotInThisMode {
        /// The agent's mode.
        mode: &'static str,
    },
}

fn missing(header: &'static str, reason: impl Into<String>) -> AuthError {
    AuthError::Missing {
        header,
        reason: reason.into(),
    }
}

fn invalid(header: &'static str, reason: impl Into<String>) -> AuthError {
    AuthError::Invalid {
        header,
        reason: reason.into(),
    }
}

/// Constant-time equality of two secrets of any length.
pub fn same_secret(given: &[u8], expected: &[u8]) -> bool {
    let given = Sha256::digest(given);
    let expected = Sha256::digest(expected);
    given.as_slice().ct_eq(expected.as_slice()).into()
}

/// What a request presents for checking.
#[derive(Debug, Clone, Copy)]
pub struct RequestParts<'a> {
    /// Its headers.
    pub headers: &'a HeaderMap,
    /// Method, upper case.
    pub method: &'a str,
    /// Path and query, as on the request line.
    pub path: &'a str,
    /// The raw body (only read in `hmac` mode).
    pub body: &'a [u8],
}

/// Checks requests in the configured mode.
pub struct Authenticator {
    mode: AuthMode,
    tokens: TokenIssuer,
    replay: Mutex<ReplayGuard>,
}

impl Authenticator {
    /// An authenticator for `mode`; access tokens (JWT mode) live `access_ttl`.
    pub fn new(mode: AuthMode, access_ttl: Duration) -> Self {
        Self {
            mode,
            tokens: TokenIssuer::new(access_ttl),
            replay: Mutex::new(ReplayGuard::new(DEFAULT_SKEW_S)),
        }
    }

    /// The mode's name.
    pub fn mode_name(&self) -> &'static str {
        self.mode.name()
    }

    /// Whether checking a request needs its body (signed requests).
    pub fn needs_body(&self) -> bool {
        matches!(self.mode, AuthMode::Hmac { .. })
    }

    /// What can be checked of a signed request before its body is read, at Unix time
    /// `now`: both headers present and readable, the signature well formed, the timestamp
    /// inside the window. Reading up to a mebibyte for a request that fails here would let
    /// anyone make the agent read (and drain) bodies for nothing. Always `Ok` in the
    /// other modes, which need no body.
    pub fn precheck(&self, headers: &HeaderMap, now: i64) -> Result<(), AuthError> {
        if !self.needs_body() {
            return Ok(());
        }
        signature_headers(headers, now).map(|_| ())
    }

    /// The `WWW-Authenticate` challenge for 401 answers, where the mode has one.
    pub fn challenge(&self) -> Option<&'static str> {
        match self.mode {
            AuthMode::Jwt { .. } => Some("Bearer"),
            AuthMode::Basic { .. } => Some("Basic realm=\"monitron-agent\", charset=\"UTF-8\""),
            _ => None,
        }
    }

    fn password_matches(&self, username: &str, password: &str) -> bool {
        match &self.mode {
            AuthMode::Jwt {
                username: u,
                password: p,
            }
            | AuthMode::Basic {
                username: u,
                password: p,
            } => {
                // Both compared, always: which one was wrong must not show in the timing.
                let user_ok = same_secret(username.as_bytes(), u.as_bytes());
                let password_ok = same_secret(password.as_bytes(), p.expose_secret().as_bytes());
                user_ok & password_ok
            }
            _ => false,
        }
    }

    /// `POST /v1/auth/login`: tokens in JWT mode, a confirmation in Basic mode.
    pub fn login(&self, username: &str, password: &str) -> Result<Tokens, AuthError> {
        match self.mode {
            AuthMode::Jwt { .. } | AuthMode::Basic { .. } => {}
            _ => {
                return Err(AuthError::NotInThisMode {
                    mode: self.mode.name(),
                })
            }
        }
        if !self.password_matches(username, password) {
            tracing::info!(username, "Login refused.");
            return Err(invalid("password", "wrong user name or password"));
        }
        Ok(match self.mode {
            AuthMode::Jwt { .. } => self.tokens.login(username),
            _ => Tokens {
                access_token: None,
                refresh_token: None,
                token_type: "Basic".into(),
                expires_in: None,
            },
        })
    }

    /// `POST /v1/auth/refresh` (JWT mode).
    pub fn refresh(&self, refresh_token: &str) -> Result<Tokens, AuthError> {
        if !matches!(self.mode, AuthMode::Jwt { .. }) {
            return Err(AuthError::NotInThisMode {
                mode: self.mode.name(),
            });
        }
        self.tokens.refresh(refresh_token).map_err(|err| match err {
            RefreshError::Unknown | RefreshError::Reused => {
                invalid("refresh_token", err.to_string())
            }
        })
    }

    /// Checks the credentials of a request, at Unix time `now`.
    pub fn verify(&self, request: &RequestParts<'_>, now: i64) -> Result<(), AuthError> {
        let header = |name: &str| {
            request
                .headers
                .get(name)
                .map(|v| v.to_str().map_err(|_| ()))
        };
        match &self.mode {
            AuthMode::Jwt { .. } => {
                let value = header("authorization")
                    .ok_or_else(|| missing("Authorization", "Bearer token required"))?
                    .map_err(|_| invalid("Authorization", "is not text"))?;
                let token = strip_scheme(value, "Bearer")
                    .ok_or_else(|| missing("Authorization", "Bearer token required"))?;
                self.tokens
                    .verify_access(token)
                    .map_err(|reason| invalid("Authorization", reason))
            }
            AuthMode::Basic { .. } => {
                let value = header("authorization")
                    .ok_or_else(|| missing("Authorization", "Basic credentials required"))?
                    .map_err(|_| invalid("Authorization", "is not text"))?;
                let encoded = strip_scheme(value, "Basic")
                    .ok_or_else(|| missing("Authorization", "Basic credentials required"))?;
                let decoded = base64::engine::general_purpose::STANDARD
                    .decode(encoded.trim())
                    .ok()
                    .and_then(|b| String::from_utf8(b).ok())
                    .ok_or_else(|| invalid("Authorization", "is not valid Basic credentials"))?;
                let (username, password) = decoded
                    .split_once(':')
                    .ok_or_else(|| invalid("Authorization", "is not valid Basic credentials"))?;
                if self.password_matches(username, password) {
                    Ok(())
                } else {
                    Err(invalid("Authorization", "wrong user name or password"))
                }
            }
            AuthMode::ApiKey { key } => {
                let given = header("x-api-key")
                    .ok_or_else(|| missing(API_KEY_HEADER, "is required"))?
                    .map_err(|_| invalid(API_KEY_HEADER, "is not text"))?;
                if same_secret(given.as_bytes(), key.expose_secret().as_bytes()) {
                    Ok(())
                } else {
                    Err(invalid(API_KEY_HEADER, "is not the agent's key"))
                }
            }
            AuthMode::Hmac { secret } => self.verify_signed(secret, request, now),
        }
    }

    fn verify_signed(
        &self,
        secret: &SecretString,
        request: &RequestParts<'_>,
        now: i64,
    ) -> Result<(), AuthError> {
        let (timestamp, signature) = signature_headers(request.headers, now)?;
        let parts = SignedParts {
            timestamp,
            method: request.method,
            path: request.path,
            body: request.body,
        };
        signing::verify(
            secret.expose_secret().as_bytes(),
            &parts,
            signature,
            now,
            DEFAULT_SKEW_S,
        )
        .map_err(|err| {
            let header = match err {
                SignatureError::BadTimestamp | SignatureError::OutsideWindow { .. } => {
                    signing::TIMESTAMP_HEADER
                }
                _ => signing::SIGNATURE_HEADER,
            };
            invalid(header, err.to_string())
        })?;
        // Verified, so the header is `sha256=` and 64 hex digits.
        let mut mac = [0u8; 32];
        hex::decode_to_slice(&signature[7..], &mut mac)
            .map_err(|_| invalid(signing::SIGNATURE_HEADER, "is not hex"))?;
        let ts: i64 = timestamp.trim().parse().unwrap_or_default();
        self.replay
            .lock()
            .expect("replay guard lock")
            .admit(mac, ts, now)
            .map_err(|err| invalid(signing::SIGNATURE_HEADER, err.to_string()))
    }
}

/// The timestamp and signature headers of a signed request, checked as far as they can be
/// without the body: present, text, the signature `sha256=` and 64 hex digits, the
/// timestamp within [`DEFAULT_SKEW_S`] of `now`.
fn signature_headers(headers: &HeaderMap, now: i64) -> Result<(&str, &str), AuthError> {
    let get = |name: &'static str| -> Result<&str, AuthError> {
        headers
            .get(name)
            .ok_or_else(|| missing(name, "is required for signed requests"))?
            .to_str()
            .map_err(|_| invalid(name, "is not text"))
    };
    let timestamp = get(signing::TIMESTAMP_HEADER)?;
    let signature = get(signing::SIGNATURE_HEADER)?;
    let ts: i64 = timestamp.trim().parse().map_err(|_| {
        invalid(
            signing::TIMESTAMP_HEADER,
            SignatureError::BadTimestamp.to_string(),
        )
    })?;
    if now.abs_diff(ts) > DEFAULT_SKEW_S.unsigned_abs() {
        let err = SignatureError::OutsideWindow {
            window_s: DEFAULT_SKEW_S,
        };
        return Err(invalid(signing::TIMESTAMP_HEADER, err.to_string()));
    }
    let well_formed = signature
        .strip_prefix("sha256=")
        .is_some_and(|hex| hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()));
    if !well_formed {
        return Err(invalid(
            signing::SIGNATURE_HEADER,
            SignatureError::BadFormat.to_string(),
        ));
    }
    Ok((timestamp, signature))
}

/// The credentials after `scheme` (case-insensitive) and a space.
fn strip_scheme<'a>(value: &'a str, scheme: &str) -> Option<&'a str> {
    let (given, rest) = value.trim().split_once(' ')?;
    given
        .eq_ignore_ascii_case(scheme)
        .then(|| rest.trim())
        .filter(|rest| !rest.is_empty())
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn request<'a>(headers: &'a HeaderMap, body: &'a [u8]) -> RequestParts<'a> {
        RequestParts {
            headers,
            method: "PUT",
            path: "/v1/config",
            body,
        }
    }

    fn hmac() -> Authenticator {
        Authenticator::new(
            AuthMode::Hmac {
                secret: "0123456789abcdef".to_owned().into(),
            },
            Duration::from_secs(60),
        )
    }

    fn signed(ts: i64, body: &[u8], secret: &[u8]) -> HeaderMap {
        let ts = ts.to_string();
        let signature = signing::sign(
            secret,
            &SignedParts {
                timestamp: &ts,
                method: "PUT",
                path: "/v1/config",
                body,
            },
        );
        let mut headers = HeaderMap::new();
        headers.insert(
            signing::TIMESTAMP_HEADER,
            HeaderValue::from_str(&ts).unwrap(),
        );
        headers.insert(
            signing::SIGNATURE_HEADER,
            HeaderValue::from_str(&signature).unwrap(),
        );
        headers
    }

    #[test]
    fn signed_requests_verify_once_inside_the_window() {
        let auth = hmac();
        let now = 1_800_000_000;
        let headers = signed(now, b"{}", b"0123456789abcdef");
        auth.verify(&request(&headers, b"{}"), now).unwrap();
        let replay = auth.verify(&request(&headers, b"{}"), now + 1).unwrap_err();
        assert!(replay.to_string().contains("already used"), "{replay}");
        let tampered = auth.verify(
            &request(&signed(now, b"{}", b"0123456789abcdef"), b"{ }"),
            now,
        );
        assert!(matches!(
            tampered,
            Err(AuthError::Invalid {
                header: "X-Monitron-Signature",
                ..
            })
        ));
        let stale = auth.verify(
            &request(&signed(now - 301, b"", b"0123456789abcdef"), b""),
            now,
        );
        assert!(matches!(
            stale,
            Err(AuthError::Invalid {
                header: "X-Monitron-Timestamp",
                ..
            })
        ));
        let wrong_secret = auth.verify(&request(&signed(now, b"", b"another-secret!!"), b""), now);
        assert!(wrong_secret.is_err());
        let none = auth.verify(&request(&HeaderMap::new(), b""), now);
        assert!(matches!(
            none,
            Err(AuthError::Missing {
                header: "X-Monitron-Timestamp",
                ..
            })
        ));
    }

    #[test]
    fn signed_requests_are_prechecked_without_their_body() {
        let auth = hmac();
        let now = 1_800_000_000;
        // Headers good, body unknown yet: passes; the signature is checked later.
        auth.precheck(&signed(now, b"any body", b"wrong secret...."), now)
            .unwrap();
        let none = auth.precheck(&HeaderMap::new(), now).unwrap_err();
        assert!(matches!(
            none,
            AuthError::Missing {
                header: "X-Monitron-Timestamp",
                ..
            }
        ));
        let mut only_timestamp = HeaderMap::new();
        only_timestamp.insert(
            signing::TIMESTAMP_HEADER,
            HeaderValue::from_str(&now.to_string()).unwrap(),
        );
        assert!(matches!(
            auth.precheck(&only_timestamp, now),
            Err(AuthError::Missing {
                header: "X-Monitron-Signature",
                ..
            })
        ));
        for ts in [now - 301, now + 301] {
            assert!(matches!(
                auth.precheck(&signed(ts, b"", b"0123456789abcdef"), now),
                Err(AuthError::Invalid {
                    header: "X-Monitron-Timestamp",
                    ..
                })
            ));
        }
        let mut garbled = signed(now, b"", b"0123456789abcdef");
        garbled.insert(
            signing::SIGNATURE_HEADER,
            HeaderValue::from_static("sha256=xyz"),
        );
        assert!(matches!(
            auth.precheck(&garbled, now),
            Err(AuthError::Invalid {
                header: "X-Monitron-Signature",
                ..
            })
        ));
        // Other modes read no body and have nothing to precheck.
        let api = Authenticator::new(
            AuthMode::ApiKey {
                key: "0123456789abcdef".to_owned().into(),
            },
            Duration::from_secs(60),
        );
        api.precheck(&HeaderMap::new(), now).unwrap();
    }

    #[test]
    fn basic_and_api_key_compare_whole_secrets() {
        let basic = Authenticator::new(
            AuthMode::Basic {
                username: "ops".into(),
                password: "correct horse".to_owned().into(),
            },
            Duration::from_secs(60),
        );
        let with = |value: &str| {
            let mut h = HeaderMap::new();
            h.insert("authorization", HeaderValue::from_str(value).unwrap());
            h
        };
        let good = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode("ops:correct horse")
        );
        basic.verify(&request(&with(&good), b""), 0).unwrap();
        for bad in [
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode("ops:correct")
            ),
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode("ops")
            ),
            "Basic !!!".to_owned(),
        ] {
            assert!(
                matches!(
                    basic.verify(&request(&with(&bad), b""), 0),
                    Err(AuthError::Invalid { .. })
                ),
                "{bad}"
            );
        }
        assert!(matches!(
            basic.verify(&request(&with("Bearer x"), b""), 0),
            Err(AuthError::Missing { .. })
        ));
        assert_eq!(
            basic.login("ops", "correct horse").unwrap().token_type,
            "Basic"
        );
        assert!(basic.login("ops", "wrong").is_err());
        assert!(matches!(
            basic.refresh("x"),
            Err(AuthError::NotInThisMode { mode: "basic" })
        ));

        let api = Authenticator::new(
            AuthMode::ApiKey {
                key: "0123456789abcdef".to_owned().into(),
            },
            Duration::from_secs(60),
        );
        let mut h = HeaderMap::new();
        h.insert("x-api-key", HeaderValue::from_static("0123456789abcdef"));
        api.verify(&request(&h, b""), 0).unwrap();
        h.insert("x-api-key", HeaderValue::from_static("0123456789abcdeF"));
        assert!(api.verify(&request(&h, b""), 0).is_err());
        assert!(matches!(
            api.login("a", "b"),
            Err(AuthError::NotInThisMode { mode: "api_key" })
        ));
    }

    #[test]
    fn schemes_are_case_insensitive_and_need_credentials() {
        assert_eq!(strip_scheme("bearer abc", "Bearer"), Some("abc"));
        assert_eq!(strip_scheme("Bearer ", "Bearer"), None);
        assert_eq!(strip_scheme("Basic abc", "Bearer"), None);
        assert!(same_secret(b"a", b"a") && !same_secret(b"a", b"ab"));
    }
}
