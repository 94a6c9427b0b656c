//! Signed links of status pages: a subscriber's confirmation and unsubscribe links, and
//! the view link that opens a private page in the browser. A token carries its payload and
//! an HMAC over the link's purpose and that payload, so it is its own credential and one
//! kind of link never passes for another.

use base64::Engine;
use chrono::{DateTime, TimeZone, Utc};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use uuid::Uuid;

const TAG_LEN: usize = 16;

/// What a link is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Confirms a subscription.
    Confirm,
    /// Ends a subscription.
    Unsubscribe,
    /// Opens a private page for one session.
    View,
}

impl Purpose {
    fn label(self) -> &'static [u8] {
        match self {
            Self::Confirm => b"confirm\0",
            Self::Unsubscribe => b"unsubscribe\0",
            Self::View => b"view\0",
        }
    }
}

/// Signs and reads the links.
#[derive(Clone)]
pub struct Signer {
    key: [u8; 32],
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Signer(**)")
    }
}

/// What a private page's view token grants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ViewGrant {
    /// The page.
    pub page_id: Uuid,
    /// The session it is bound to (revoking the session ends it).
    pub session_id: Uuid,
    /// Until when.
    pub expires_at: DateTime<Utc>,
}

impl Signer {
    /// A signer whose key is derived from the server's token secret.
    pub fn new(secret: &[u8]) -> Self {
        let mut hasher = Sha256::new();
        hasher.update(b"monitron status page links\0");
        hasher.update(secret);
        Self {
            key: hasher.finalize().into(),
        }
    }

    fn mac(&self, purpose: Purpose, payload: &[u8]) -> Hmac<Sha256> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("HMAC takes any key");
        mac.update(purpose.label());
        mac.update(payload);
        mac
    }

    fn sign(&self, purpose: Purpose, payload: &[u8]) -> String {
        let tag = self.mac(purpose, payload).finalize().into_bytes();
        let mut bytes = payload.to_vec();
        bytes.extend_from_slice(&tag[..TAG_LEN]);
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    }

    fn open(&self, purpose: Purpose, token: &str, len: usize) -> Option<Vec<u8>> {
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(token)
            .ok()?;
        if bytes.len() != len + TAG_LEN {
            return None;
        }
        let (payload, tag) = bytes.split_at(len);
        self.mac(purpose, payload).verify_truncated_left(tag).ok()?;
        Some(payload.to_vec())
    }

    /// A token naming one record (a subscriber) for `purpose`.
    pub fn token(&self, purpose: Purpose, id: Uuid) -> String {
        self.sign(purpose, id.as_bytes())
    }

    /// The record a token names, if it was signed for `purpose`.
    pub fn verify(&self, purpose: Purpose, token: &str) -> Option<Uuid> {
        Uuid::from_slice(&self.open(purpose, token, 16)?).ok()
    }

    /// A private page's view token.
    pub fn view_token(&self, grant: ViewGrant) -> String {
        let mut payload = Vec::with_capacity(40);
        payload.extend_from_slice(grant.page_id.as_bytes());
        payload.extend_from_slice(grant.session_id.as_bytes());
        payload.extend_from_slice(&grant.expires_at.timestamp().to_be_bytes());
        self.sign(Purpose::View, &payload)
    }

    /// What a view token grants, if it is genuine and not expired at `now`.
    pub fn verify_view(&self, token: &str, now: DateTime<Utc>) -> Option<ViewGrant> {
        let payload = self.open(Purpose::View, token, 40)?;
        let expires = i64::from_be_bytes(payload[32..40].try_into().ok()?);
        let grant = ViewGrant {
            page_id: Uuid::from_slice(&payload[..16]).ok()?,
            session_id: Uuid::from_slice(&payload[16..32]).ok()?,
            expires_at: Utc.timestamp_opt(expires, 0).single()?,
        };
        (grant.expires_at > now).then_some(grant)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_opens_only_for_its_purpose_and_key() {
        let signer = Signer::new(b"secret");
        let id = Uuid::now_v7();
        let token = signer.token(Purpose::Confirm, id);
        assert_eq!(signer.verify(Purpose::Confirm, &token), Some(id));
        assert_eq!(signer.verify(Purpose::Unsubscribe, &token), None);
        assert_eq!(Signer::new(b"other").verify(Purpose::Confirm, &token), None);
        let mut tampered = token.into_bytes();
        tampered[2] = if tampered[2] == b'A' { b'B' } else { b'A' };
        assert_eq!(
            signer.verify(Purpose::Confirm, std::str::from_utf8(&tampered).unwrap()),
            None
        );
    }

    #[test]
    fn view_tokens_expire() {
        let signer = Signer::new(b"secret");
        let now = Utc::now();
        let grant = ViewGrant {
            page_id: Uuid::now_v7(),
            session_id: Uuid::now_v7(),
            expires_at: Utc.timestamp_opt(now.timestamp() + 60, 0).unwrap(),
        };
        let token = signer.view_token(grant);
        assert_eq!(signer.verify_view(&token, now), Some(grant));
        assert_eq!(
            signer.verify_view(&token, now + chrono::Duration::seconds(61)),
            None
        );
        assert_eq!(signer.verify(Purpose::View, &token), None);
    }
}
