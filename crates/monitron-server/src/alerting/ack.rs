//! One-click acknowledgement links: `/ack/{token}`, where the token names one alert and
//! is signed with a key derived from `JWT_SECRET`, so it is its own credential. It stops
//! working when the alert resolves (the page checks the alert, not the token).

use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use uuid::Uuid;

const TAG_LEN: usize = 16;

/// Signs and reads acknowledgement tokens.
#[derive(Clone)]
pub struct AckKeys {
    key: [u8; 32],
}

impl std::fmt::Debug for AckKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AckKeys(**)")
    }
}

impl AckKeys {
    /// Keys derived from the server's token secret.
    pub fn new(secret: &[u8]) -> Self {
        let mut hasher = Sha256::new();
        hasher.update(b"monitron alert acknowledgement\0");
        hasher.update(secret);
        Self {
            key: hasher.finalize().into(),
        }
    }

    fn tag(&self, alert: Uuid) -> [u8; TAG_LEN] {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("HMAC takes any key");
        mac.update(alert.as_bytes());
        let full = mac.finalize().into_bytes();
        let mut tag = [0u8; TAG_LEN];
        tag.copy_from_slice(&full[..TAG_LEN]);
        tag
    }

    /// The token for an alert.
    pub fn token(&self, alert: Uuid) -> String {
        let mut bytes = alert.as_bytes().to_vec();
        bytes.extend_from_slice(&self.tag(alert));
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    }

    /// The alert a token names, if its signature holds.
    pub fn verify(&self, token: &str) -> Option<Uuid> {
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(token)
            .ok()?;
        if bytes.len() != 16 + TAG_LEN {
            return None;
        }
        let alert = Uuid::from_slice(&bytes[..16]).ok()?;
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("HMAC takes any key");
        mac.update(alert.as_bytes());
        mac.verify_truncated_left(&bytes[16..]).ok()?;
        Some(alert)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_name_their_alert_and_resist_tampering() {
        let keys = AckKeys::new(b"secret");
        let alert = Uuid::now_v7();
        let token = keys.token(alert);
        assert_eq!(keys.verify(&token), Some(alert));
        assert_eq!(AckKeys::new(b"other").verify(&token), None);
        let mut tampered = token.clone().into_bytes();
        tampered[3] = if tampered[3] == b'A' { b'B' } else { b'A' };
        assert_eq!(keys.verify(std::str::from_utf8(&tampered).unwrap()), None);
        assert_eq!(keys.verify("short"), None);
    }
}
