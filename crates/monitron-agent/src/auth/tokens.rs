//! JWT mode's tokens: short-lived HS256 access tokens and rotating refresh tokens.
//!
//! The signing secret is random and lives only in this process: a restart logs every caller
//! out, which costs one login and means no secret ever sits on disk. Refresh tokens are
//! random, kept only as SHA-256 hashes, valid for 24 hours and single-use: each refresh
//! answers a new pair, and presenting an already used token revokes every token descended
//! from the same login (someone else holds a copy).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use base64::Engine;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use monitron_proto::agent_api::Tokens;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// How long a refresh token may be used.
pub const REFRESH_TTL: Duration = Duration::from_secs(24 * 3600);
/// Most refresh tokens kept; the oldest go first beyond it.
const MAX_REFRESH_TOKENS: usize = 10_000;
const ISSUER: &str = "monitron-agent";

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    sub: String,
    iss: String,
    iat: i64,
    exp: i64,
}

/// Why a refresh token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RefreshError {
    /// Never issued, expired, or revoked.
    #[error("the refresh token is unknown or expired")]
    Unknown,
    /// Used before: the whole login it came from is now revoked.
    #[error("the refresh token was already used; its session is revoked")]
    Reused,
}

struct RefreshEntry {
    family: u64,
    username: String,
    expires_at: Instant,
    used: bool,
}

/// Issues and checks tokens.
pub struct TokenIssuer {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    access_ttl: Duration,
    refresh: Mutex<HashMap<[u8; 32], RefreshEntry>>,
}

fn hash(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

impl TokenIssuer {
    /// An issuer with a fresh random secret.
    pub fn new(access_ttl: Duration) -> Self {
        let mut secret = [0u8; 32];
        rand::thread_rng().fill_bytes(&mut secret);
        let mut validation = Validation::new(Algorithm::HS256);
        // Expiry is exact: the agent issues and checks on the same clock.
        validation.leeway = 0;
        validation.set_issuer(&[ISSUER]);
        validation.set_required_spec_claims(&["exp", "sub", "iss"]);
        Self {
            encoding: EncodingKey::from_secret(&secret),
            decoding: DecodingKey::from_secret(&secret),
            validation,
            access_ttl,
            refresh: Mutex::new(HashMap::new()),
        }
    }

    /// A new pair for `username` after a successful login.
    pub fn login(&self, username: &str) -> Tokens {
        self.issue(username, rand::random())
    }

    fn issue(&self, username: &str, family: u64) -> Tokens {
        let now = chrono::Utc::now().timestamp();
        let claims = Claims {
            sub: username.to_owned(),
            iss: ISSUER.to_owned(),
            iat: now,
            exp: now + self.access_ttl.as_secs() as i64,
        };
        let access = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .expect("HS256 signing cannot fail");
        let refresh = random_token();
        let mut store = self.refresh.lock().expect("refresh store lock");
        let now = Instant::now();
        if store.len() >= MAX_REFRESH_TOKENS {
            store.retain(|_, e| e.expires_at > now);
        }
        if store.len() >= MAX_REFRESH_TOKENS {
            if let Some(oldest) = store
                .iter()
                .min_by_key(|(_, e)| e.expires_at)
                .map(|(k, _)| *k)
            {
                store.remove(&oldest);
            }
        }
        store.insert(
            hash(&refresh),
            RefreshEntry {
                family,
                username: username.to_owned(),
                expires_at: now + REFRESH_TTL,
                used: false,
            },
        );
        Tokens {
            access_token: Some(access),
            refresh_token: Some(refresh),
            token_type: "Bearer".into(),
            expires_in: Some(self.access_ttl.as_secs()),
        }
    }

    /// Exchanges a refresh token for a new pair; the presented one stops working.
    pub fn refresh(&self, token: &str) -> Result<Tokens, RefreshError> {
        let key = hash(token);
        let (family, username) = {
            let mut store = self.refresh.lock().expect("refresh store lock");
            let entry = store.get_mut(&key).ok_or(RefreshError::Unknown)?;
            if entry.expires_at <= Instant::now() {
                store.remove(&key);
                return Err(RefreshError::Unknown);
            }
            if entry.used {
                let family = entry.family;
                store.retain(|_, e| e.family != family);
                tracing::warn!("A used refresh token was presented again; its session is revoked.");
                return Err(RefreshError::Reused);
            }
            // Kept, marked used, until it expires, so that a second use is recognised.
            entry.used = true;
            (entry.family, entry.username.clone())
        };
        Ok(self.issue(&username, family))
    }

    /// Checks an access token; the reason on failure.
    pub fn verify_access(&self, token: &str) -> Result<(), String> {
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map(|_| ())
            .map_err(|err| match err.kind() {
                jsonwebtoken::errors::ErrorKind::ExpiredSignature => {
                    "the access token expired".into()
                }
                _ => "the access token is invalid".into(),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn access_tokens_verify_and_foreign_ones_do_not() {
        let issuer = TokenIssuer::new(Duration::from_secs(60));
        let tokens = issuer.login("monitron");
        assert_eq!(tokens.token_type, "Bearer");
        assert_eq!(tokens.expires_in, Some(60));
        issuer
            .verify_access(tokens.access_token.as_deref().unwrap())
            .unwrap();
        let other = TokenIssuer::new(Duration::from_secs(60));
        assert!(other
            .verify_access(tokens.access_token.as_deref().unwrap())
            .is_err());
        assert!(issuer.verify_access("not.a.jwt").is_err());
    }

    #[test]
    fn expired_access_tokens_are_refused() {
        let issuer = TokenIssuer::new(Duration::ZERO);
        let tokens = issuer.login("monitron");
        std::thread::sleep(Duration::from_millis(1100));
        let err = issuer
            .verify_access(tokens.access_token.as_deref().unwrap())
            .unwrap_err();
        assert!(err.contains("expired"), "{err}");
    }

    #[test]
    fn refresh_rotates_and_reuse_revokes_the_session() {
        let issuer = TokenIssuer::new(Duration::from_secs(60));
        let first = issuer.login("monitron").refresh_token.unwrap();
        let second = issuer.refresh(&first).unwrap().refresh_token.unwrap();
        assert_ne!(first, second);
        assert_eq!(issuer.refresh(&first).unwrap_err(), RefreshError::Reused);
        assert_eq!(
            issuer.refresh(&second).unwrap_err(),
            RefreshError::Unknown,
            "the descendant was revoked with the session"
        );
        assert_eq!(
            issuer.refresh("made-up").unwrap_err(),
            RefreshError::Unknown
        );
        let other_login = issuer.login("monitron").refresh_token.unwrap();
        issuer.refresh(&other_login).unwrap();
    }
}
