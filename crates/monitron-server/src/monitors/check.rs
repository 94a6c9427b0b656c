//! What a monitor runs: a probe (HTTP, TCP, ...), a heartbeat evaluation, a domain
//! check, or an agent poll; how it is stored; and how the secrets inside it are sealed, masked and opened.
//!
//! Secrets are found through `Probe::secrets_mut`, so a check type declares its own
//! secrets and this module never needs to know field names. On update, a secret sent back
//! as the mask keeps the stored value, so clients can round-trip what they were shown.

use monitron_probe::CheckConfig;
use serde_json::Value;

use crate::api::envelope::FieldErrors;
use crate::cipher::{Cipher, CipherError, MASK};
use crate::heartbeat;
use crate::instances::{InstanceSettings, AGENT};
use crate::monitors::domain::DomainSettings;

/// The `type` of heartbeat services.
pub const HEARTBEAT: &str = "heartbeat";
/// The stored type of domain monitors.
pub const DOMAIN: &str = "domain";

/// A monitor's check.
#[derive(Debug, Clone, PartialEq)]
// One per monitor, held behind an `Arc` by the engine: the size difference is a few
// hundred bytes per monitor, and boxing would add an indirection to every check run.
#[allow(clippy::large_enum_variant)]
pub enum Check {
    /// Actively probes a target.
    Probe(CheckConfig),
    /// Waits for pings from a job.
    Heartbeat(heartbeat::Config),
    /// Looks up a domain's registration and certificate.
    Domain(DomainSettings),
    /// Polls an agent (pull) or asks when it was last heard from (push).
    Agent(InstanceSettings),
}

/// Every service `type`.
pub fn service_types() -> Vec<&'static str> {
    let mut types = CheckConfig::TYPES.to_vec();
    types.push(HEARTBEAT);
    types.sort_unstable();
    types
}

fn prefixed(errors: FieldErrors, prefix: &str) -> FieldErrors {
    errors
        .into_iter()
        .map(|(k, v)| (format!("{prefix}{k}"), v))
        .collect()
}

fn serde_error(err: serde_json::Error) -> FieldErrors {
    let mut errors = FieldErrors::new();
    errors.insert("config".into(), err.to_string());
    errors
}

impl Check {
    /// Parses and validates a service's `type` and `config`; errors are keyed `type` or
    /// `config.<field>`.
    pub fn parse_service(check_type: &str, config: Value) -> Result<Self, FieldErrors> {
        if check_type == HEARTBEAT {
            let config: heartbeat::Config = serde_json::from_value(config).map_err(serde_error)?;
            config
                .validate()
                .map_err(|errors| prefixed(errors, "config."))?;
            return Ok(Self::Heartbeat(config));
        }
        if !CheckConfig::TYPES.contains(&check_type) {
            let mut errors = FieldErrors::new();
            errors.insert(
                "type".into(),
                format!("must be one of {}", service_types().join(", ")),
            );
            return Err(errors);
        }
        let tagged = serde_json::json!({ "type": check_type, "config": config });
        let mut check: CheckConfig = serde_json::from_value(tagged).map_err(serde_error)?;
        check.validate()?;
        Ok(Self::Probe(check))
    }

    /// Rebuilds a stored check.
    pub fn from_stored(check_type: &str, config: &Value) -> anyhow::Result<Self> {
        Ok(match check_type {
            HEARTBEAT => Self::Heartbeat(serde_json::from_value(config.clone())?),
            DOMAIN => Self::Domain(serde_json::from_value(config.clone())?),
            AGENT => Self::Agent(serde_json::from_value(config.clone())?),
            _ => Self::Probe(serde_json::from_value(
                serde_json::json!({ "type": check_type, "config": config }),
            )?),
        })
    }

    /// The stored type name.
    pub fn type_name(&self) -> &'static str {
        match self {
            Self::Probe(c) => c.type_name(),
            Self::Heartbeat(_) => HEARTBEAT,
            Self::Domain(_) => DOMAIN,
            Self::Agent(_) => AGENT,
        }
    }

    /// The settings as stored (and shown, once masked).
    pub fn config_json(&self) -> Value {
        let value = match self {
            Self::Probe(c) => serde_json::to_value(c).map(|mut v| v["config"].take()),
            Self::Heartbeat(c) => serde_json::to_value(c),
            Self::Domain(c) => serde_json::to_value(c),
            Self::Agent(c) => serde_json::to_value(c),
        };
        value.unwrap_or(Value::Null)
    }

    fn secrets_mut(&mut self) -> Vec<&mut String> {
        match self {
            Self::Probe(c) => c.secrets_mut(),
            Self::Agent(c) => c.secrets_mut(),
            Self::Heartbeat(_) | Self::Domain(_) => Vec::new(),
        }
    }

    /// Seals every secret for storage. A secret given as the mask keeps the value stored
    /// at the same place in `previous`.
    pub fn seal(&mut self, cipher: &Cipher, previous: Option<&Check>) -> Result<(), FieldErrors> {
        let mut previous = previous.cloned();
        let kept: Vec<String> = match previous.as_mut() {
            Some(p) if p.type_name() == self.type_name() => {
                p.secrets_mut().into_iter().map(|s| s.clone()).collect()
            }
            _ => Vec::new(),
        };
        for (i, secret) in self.secrets_mut().into_iter().enumerate() {
            if secret == MASK {
                match kept.get(i).filter(|v| Cipher::is_sealed(v)) {
                    Some(stored) => *secret = stored.clone(),
                    None => {
                        let mut errors = FieldErrors::new();
                        errors.insert(
                            "config".into(),
                            format!("a secret is given as the mask {MASK}; send the secret itself"),
                        );
                        return Err(errors);
                    }
                }
            } else if !secret.is_empty() {
                *secret = cipher.seal(secret);
            }
        }
        Ok(())
    }

    /// Replaces every non-empty secret with the mask, for showing.
    pub fn mask(&mut self) {
        for secret in self.secrets_mut() {
            if !secret.is_empty() {
                *secret = MASK.to_owned();
            }
        }
    }

    /// Opens every sealed secret, for running.
    pub fn open(&mut self, cipher: &Cipher) -> Result<(), CipherError> {
        for secret in self.secrets_mut() {
            if Cipher::is_sealed(secret) {
                *secret = cipher.open(secret)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn cipher() -> Cipher {
        Cipher::new(&[9; 32])
    }

    fn http_with_secrets() -> Check {
        Check::parse_service(
            "http",
            json!({
                "url": "https://example.com/",
                "headers": { "Authorization": "Bearer abc", "Accept": "text/plain" },
                "auth": { "type": "basic", "username": "u", "password": "hunter2" }
            }),
        )
        .unwrap()
    }

    #[test]
    fn types_are_checked_and_config_errors_are_prefixed() {
        let errors = Check::parse_service("gopher", json!({})).unwrap_err();
        assert!(errors["type"].contains("heartbeat"), "{errors:?}");
        let errors = Check::parse_service("tcp", json!({ "host": "", "port": 0 })).unwrap_err();
        assert!(errors.contains_key("config.port"), "{errors:?}");
        let errors =
            Check::parse_service("heartbeat", json!({ "schedule": { "every_s": 0 } })).unwrap_err();
        assert!(errors.contains_key("config.schedule.every_s"), "{errors:?}");
        let errors =
            Check::parse_service("tcp", json!({ "host": "a", "port": 1, "x": 1 })).unwrap_err();
        assert!(errors["config"].contains("unknown field"), "{errors:?}");
    }

    #[test]
    fn secrets_are_sealed_masked_kept_and_opened() {
        let mut check = http_with_secrets();
        check.seal(&cipher(), None).unwrap();
        let stored = check.config_json().to_string();
        assert!(!stored.contains("hunter2") && !stored.contains("Bearer abc"));
        assert!(
            stored.contains("text/plain"),
            "ordinary headers stay readable"
        );

        let mut shown = check.clone();
        shown.mask();
        let shown_json = shown.config_json();
        assert_eq!(shown_json["auth"]["password"], MASK);
        assert_eq!(shown_json["headers"]["Authorization"], MASK);

        // Sending the masked form back keeps the stored secrets.
        let mut resent = Check::parse_service("http", shown_json).unwrap();
        resent.seal(&cipher(), Some(&check)).unwrap();
        resent.open(&cipher()).unwrap();
        assert_eq!(resent, http_with_secrets());

        // A mask with nothing stored behind it is an error, not an empty password.
        let mut fresh = Check::parse_service("http", shown.config_json()).unwrap();
        assert!(fresh.seal(&cipher(), None).is_err());
    }

    #[test]
    fn stored_checks_round_trip() {
        for check in [
            http_with_secrets(),
            Check::parse_service(
                "heartbeat",
                json!({ "schedule": { "cron": "0 2 * * *", "timezone": "Europe/Berlin" } }),
            )
            .unwrap(),
        ] {
            let back = Check::from_stored(check.type_name(), &check.config_json()).unwrap();
            assert_eq!(back, check);
        }
    }
}
