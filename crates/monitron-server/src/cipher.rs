//! Encryption of secrets kept inside stored configuration (monitor passwords, tokens, auth
//! headers) with AES-256-GCM under `ENCRYPTION_KEY`.
//!
//! A sealed value is `enc:v1:` followed by base64 of a fresh 96-bit nonce and the ciphertext
//! with its tag, so it is self-describing, safe to store in JSON, and tampering is detected.
//! The version prefix leaves room for key rotation later.

use aes_gcm::aead::{Aead, AeadCore, KeyInit, OsRng};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;

const PREFIX: &str = "enc:v1:";
const NONCE_LEN: usize = 12;

/// What the API shows instead of a secret.
pub const MASK: &str = "********";

/// Why a sealed value could not be opened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CipherError {
    /// The value is not in the sealed format.
    #[error("not a sealed value")]
    NotSealed,
    /// The value was altered, or sealed under another key.
    #[error("the sealed value is corrupt or was sealed with another ENCRYPTION_KEY")]
    Corrupt,
}

/// Seals and opens secrets.
#[derive(Clone)]
pub struct Cipher {
    aead: Aes256Gcm,
}

impl std::fmt::Debug for Cipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Cipher(**)")
    }
}

impl Cipher {
    /// A cipher under a 32-byte key.
    pub fn new(key: &[u8; 32]) -> Self {
        Self {
            aead: Aes256Gcm::new(key.into()),
        }
    }

    /// Encrypts `plain` with a fresh random nonce.
    pub fn seal(&self, plain: &str) -> String {
        let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
        let sealed = self
            .aead
            .encrypt(&nonce, plain.as_bytes())
            .expect("AES-GCM encryption of an in-memory buffer cannot fail");
        let mut bytes = nonce.to_vec();
        bytes.extend_from_slice(&sealed);
        format!(
            "{PREFIX}{}",
            base64::engine::general_purpose::STANDARD_NO_PAD.encode(bytes)
        )
    }

    /// Decrypts a value made by [`Cipher::seal`].
    pub fn open(&self, sealed: &str) -> Result<String, CipherError> {
        let encoded = sealed.strip_prefix(PREFIX).ok_or(CipherError::NotSealed)?;
        let bytes = base64::engine::general_purpose::STANDARD_NO_PAD
            .decode(encoded)
            .map_err(|_| CipherError::Corrupt)?;
        if bytes.len() < NONCE_LEN + 16 {
            return Err(CipherError::Corrupt);
        }
        let (nonce, ciphertext) = bytes.split_at(NONCE_LEN);
        let plain = self
            .aead
            .decrypt(Nonce::from_slice(nonce), ciphertext)
            .map_err(|_| CipherError::Corrupt)?;
        String::from_utf8(plain).map_err(|_| CipherError::Corrupt)
    }

    /// True when `value` is in the sealed format.
    pub fn is_sealed(value: &str) -> bool {
        value.starts_with(PREFIX)
    }
}

/// Seals `current` secrets for storage. A secret given as the [`MASK`] keeps the value
/// stored at the same path of `stored` (header names compared without case), provided
/// the secrets still go to the same destination; otherwise the field is named with
/// [`crate::monitors::check::REENTER_SECRET`], since anyone allowed to edit the settings
/// could point them at a server of their own and receive the stored secret.
pub fn seal_secrets(
    cipher: &Cipher,
    current: Vec<monitron_probe::Secret<'_>>,
    stored: Option<Vec<monitron_probe::Secret<'_>>>,
    same_destination: bool,
) -> Result<(), crate::error::FieldErrors> {
    let stored: std::collections::HashMap<String, String> = stored
        .unwrap_or_default()
        .into_iter()
        .filter(|s| Cipher::is_sealed(s.value))
        .map(|s| (s.path.to_ascii_lowercase(), s.value.clone()))
        .collect();
    let mut errors = crate::error::FieldErrors::new();
    for secret in current {
        if secret.value == MASK {
            match stored.get(&secret.path.to_ascii_lowercase()) {
                Some(kept) if same_destination => *secret.value = kept.clone(),
                Some(_) => {
                    errors.insert(secret.path, crate::monitors::check::REENTER_SECRET.into());
                }
                None => {
                    errors.insert(
                        secret.path,
                        format!("is the mask {MASK}, but no secret is stored here; send the secret itself"),
                    );
                }
            }
        } else if !secret.value.is_empty() {
            *secret.value = cipher.seal(secret.value);
        }
    }
    crate::error::verdict(errors)
}

/// Replaces every non-empty secret with the [`MASK`], for showing.
pub fn mask_secrets(secrets: Vec<monitron_probe::Secret<'_>>) {
    for secret in secrets {
        if !secret.value.is_empty() {
            *secret.value = MASK.to_owned();
        }
    }
}

/// Opens every sealed secret, for use.
pub fn open_secrets(
    cipher: &Cipher,
    secrets: Vec<monitron_probe::Secret<'_>>,
) -> Result<(), CipherError> {
    for secret in secrets {
        if Cipher::is_sealed(secret.value) {
            *secret.value = cipher.open(secret.value)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cipher(byte: u8) -> Cipher {
        Cipher::new(&[byte; 32])
    }

    #[test]
    fn seal_and_open_round_trip_with_fresh_nonces() {
        let c = cipher(7);
        for secret in ["hunter2", "", "pässwörd 🚀", &"x".repeat(10_000)] {
            let a = c.seal(secret);
            let b = c.seal(secret);
            assert!(Cipher::is_sealed(&a));
            assert_ne!(a, b, "a fresh nonce each time");
            assert!(!a.contains(secret) || secret.is_empty());
            assert_eq!(c.open(&a).as_deref(), Ok(secret));
        }
    }

    #[test]
    fn tampering_and_wrong_keys_are_detected() {
        let sealed = cipher(1).seal("bearer-token");
        assert_eq!(cipher(2).open(&sealed), Err(CipherError::Corrupt));
        let mut tampered = sealed.clone().into_bytes();
        let last = tampered.len() - 2;
        tampered[last] = if tampered[last] == b'A' { b'B' } else { b'A' };
        assert_eq!(
            cipher(1).open(std::str::from_utf8(&tampered).unwrap()),
            Err(CipherError::Corrupt)
        );
        assert_eq!(cipher(1).open("plain text"), Err(CipherError::NotSealed));
        assert_eq!(cipher(1).open("enc:v1:AAAA"), Err(CipherError::Corrupt));
        assert_eq!(cipher(1).open("enc:v1:!!!"), Err(CipherError::Corrupt));
    }
}
