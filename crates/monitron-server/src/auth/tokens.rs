//! Access tokens (short-lived HS256 JWTs naming the user and session) and opaque random
//! tokens (refresh tokens, API keys, reset and setup tokens), which are stored only as
//! SHA-256 hashes: they carry 256 bits of entropy, so a fast hash is enough.

use base64::Engine;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// Claims inside an access token.
#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    /// User id.
    pub sub: Uuid,
    /// Session id; revoking the session invalidates the token.
    pub sid: Uuid,
    /// Issued at (Unix seconds).
    pub iat: i64,
    /// Expires at (Unix seconds).
    pub exp: i64,
    /// Always `access`.
    pub typ: String,
}

/// Keys for signing and checking access tokens.
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
}

impl TokenKeys {
    /// Derives the keys from `JWT_SECRET`.
    pub fn new(secret: &SecretString) -> Self {
        let bytes = secret.expose_secret().as_bytes();
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 0;
        validation.set_required_spec_claims(&["exp", "sub"]);
        Self {
            encoding: EncodingKey::from_secret(bytes),
            decoding: DecodingKey::from_secret(bytes),
            validation,
        }
    }

    /// Signs an access token for `user` in `session`, valid for `ttl_s` seconds from `now`.
    pub fn issue(&self, user: Uuid, session: Uuid, now: i64, ttl_s: i64) -> anyhow::Result<String> {
        let claims = Claims {
            sub: user,
            sid: session,
            iat: now,
            exp: now + ttl_s,
            typ: "access".into(),
        };
        Ok(jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &self.encoding,
        )?)
    }

    /// Checks signature and expiry; `None` when the token is not a valid access token.
    pub fn verify(&self, token: &str) -> Option<Claims> {
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .ok()
            .map(|data| data.claims)
            .filter(|c| c.typ == "access")
    }
}

/// A fresh random token: `prefix` followed by 43 URL-safe characters (256 bits).
pub fn random_token(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    format!(
        "{prefix}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    )
}

/// The stored form of an opaque token.
pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(secret: &str) -> TokenKeys {
        TokenKeys::new(&SecretString::from(secret.to_owned()))
    }

    #[test]
    fn access_tokens_round_trip_and_expire() {
        let k = keys("a-secret-of-at-least-thirty-two-chars!");
        let (user, session) = (Uuid::now_v7(), Uuid::now_v7());
        let now = chrono::Utc::now().timestamp();
        let token = k.issue(user, session, now, 60).unwrap();
        let claims = k.verify(&token).unwrap();
        assert_eq!((claims.sub, claims.sid), (user, session));
        let expired = k.issue(user, session, now - 120, 60).unwrap();
        assert!(k.verify(&expired).is_none());
    }

    #[test]
    fn tokens_signed_with_another_secret_or_tampered_are_refused() {
        let k = keys("a-secret-of-at-least-thirty-two-chars!");
        let other = keys("another-secret-of-at-least-32-chars!!");
        let now = chrono::Utc::now().timestamp();
        let token = other
            .issue(Uuid::now_v7(), Uuid::now_v7(), now, 60)
            .unwrap();
        assert!(k.verify(&token).is_none());
        let mut good = k.issue(Uuid::now_v7(), Uuid::now_v7(), now, 60).unwrap();
        good.push('x');
        assert!(k.verify(&good).is_none());
        assert!(k.verify("not.a.jwt").is_none());
    }

    #[test]
    fn random_tokens_are_unique_and_hash_stably() {
        let a = random_token("mon_");
        let b = random_token("mon_");
        assert_ne!(a, b);
        assert!(a.starts_with("mon_") && a.len() == 4 + 43);
        assert_eq!(hash_token(&a), hash_token(&a));
        assert_eq!(hash_token(&a).len(), 64);
    }
}
