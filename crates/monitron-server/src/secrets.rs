//! The server's own secrets (JWT signing key, encryption key): taken from the configuration,
//! or generated on first start and kept in `DATA_DIR` with owner-only permissions.
//!
//! Generating them keeps "download and run" working with nothing to set; production
//! deployments must pass them explicitly so that replicas share them and a lost volume
//! does not silently invalidate every token and encrypted secret.

use std::io::Write;
use std::path::Path;

use anyhow::{bail, Context};
use base64::Engine;
use rand::RngCore;
use secrecy::{ExposeSecret, SecretBox, SecretString};

use crate::config::Config;

const JWT_FILE: &str = "jwt_secret";
const ENCRYPTION_FILE: &str = "encryption_key";

/// The secrets the server runs with.
pub struct ServerSecrets {
    /// HMAC key for access tokens.
    pub jwt_secret: SecretString,
    /// AES-256 key for secrets at rest.
    pub encryption_key: SecretBox<[u8; 32]>,
}

/// Decodes `ENCRYPTION_KEY`: 32 bytes as base64 (standard or URL-safe), 64 hex digits, or
/// 32 raw characters.
pub fn decode_encryption_key(raw: &str) -> Result<[u8; 32], String> {
    let engines = [
        base64::engine::general_purpose::STANDARD,
        base64::engine::general_purpose::URL_SAFE,
    ];
    let candidates = engines
        .iter()
        .filter_map(|e| e.decode(raw).ok())
        .chain(hex::decode(raw).ok())
        .chain(std::iter::once(raw.as_bytes().to_vec()));
    for bytes in candidates {
        if let Ok(key) = <[u8; 32]>::try_from(bytes.as_slice()) {
            return Ok(key);
        }
    }
    Err("must be 32 bytes: base64, 64 hex digits or 32 raw characters".into())
}

/// Returns the configured secrets, reading or creating the generated ones in `DATA_DIR`.
pub fn load_or_generate(config: &Config) -> anyhow::Result<ServerSecrets> {
    let dir = &config.data_dir;
    let jwt_secret = match &config.jwt_secret {
        Some(s) => s.clone(),
        None => SecretString::from(stored_or_new(
            dir,
            JWT_FILE,
            "JWT_SECRET",
            config.production,
        )?),
    };
    let key_text = match &config.encryption_key {
        Some(s) => s.expose_secret().to_owned(),
        None => stored_or_new(dir, ENCRYPTION_FILE, "ENCRYPTION_KEY", config.production)?,
    };
    let key =
        decode_encryption_key(&key_text).map_err(|e| anyhow::anyhow!("ENCRYPTION_KEY: {e}"))?;
    Ok(ServerSecrets {
        jwt_secret,
        encryption_key: SecretBox::new(Box::new(key)),
    })
}

fn stored_or_new(dir: &Path, file: &str, var: &str, production: bool) -> anyhow::Result<String> {
    let path = dir.join(file);
    if path.exists() {
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("Failed to read {}", path.display()))?;
        return Ok(text.trim().to_owned());
    }
    if production {
        bail!("{var} is required when MONITRON_ENV=production");
    }
    std::fs::create_dir_all(dir)
        .with_context(|| format!("Failed to create DATA_DIR {}", dir.display()))?;
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let value = base64::engine::general_purpose::STANDARD.encode(bytes);
    write_private(&path, &value).with_context(|| format!("Failed to write {}", path.display()))?;
    tracing::warn!(path = %path.display(), "{var} was not set; generated one and stored it. Set {var} explicitly in production.");
    Ok(value)
}

fn write_private(path: &Path, value: &str) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(value.as_bytes())?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Vars;

    fn config(dir: &Path, extra: &[(&str, &str)]) -> Config {
        let d = dir.to_str().unwrap();
        let mut pairs = vec![("DATA_DIR", d)];
        pairs.extend_from_slice(extra);
        Config::load(&Vars::from_pairs(pairs)).unwrap()
    }

    fn temp_dir(name: &str) -> std::path::PathBuf {
        let dir =
            std::env::temp_dir().join(format!("monitron-secrets-{name}-{}", uuid::Uuid::now_v7()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn generated_secrets_are_private_and_stable_across_starts() {
        let dir = temp_dir("gen");
        let first = load_or_generate(&config(&dir, &[])).unwrap();
        let second = load_or_generate(&config(&dir, &[])).unwrap();
        assert_eq!(
            first.jwt_secret.expose_secret(),
            second.jwt_secret.expose_secret()
        );
        assert_eq!(
            first.encryption_key.expose_secret(),
            second.encryption_key.expose_secret()
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            for f in [JWT_FILE, ENCRYPTION_FILE] {
                let mode = std::fs::metadata(dir.join(f)).unwrap().permissions().mode();
                assert_eq!(mode & 0o777, 0o600, "{f}");
            }
        }
    }

    #[test]
    fn production_refuses_to_generate() {
        let dir = temp_dir("prod");
        let err = load_or_generate(&config(&dir, &[("MONITRON_ENV", "production")]))
            .err()
            .unwrap();
        assert!(err.to_string().contains("JWT_SECRET"), "{err}");
        assert!(!dir.join(JWT_FILE).exists());
    }

    #[test]
    fn encryption_key_accepts_base64_hex_and_raw() {
        let raw = "0123456789abcdef0123456789abcdef";
        let b64 = base64::engine::general_purpose::STANDARD.encode(raw);
        let hex = hex::encode(raw);
        for form in [raw, b64.as_str(), hex.as_str()] {
            assert_eq!(
                decode_encryption_key(form).unwrap(),
                *raw.as_bytes().first_chunk::<32>().unwrap()
            );
        }
        assert!(decode_encryption_key("short").is_err());
    }
}
