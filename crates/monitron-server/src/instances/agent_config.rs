//! The agent configuration as the server keeps it: probe settings hold secrets (an HTTP
//! probe's password, an MQTT login) that are sealed at rest like monitors' secrets,
//! masked when shown, and opened only on their way to the agent.

use monitron_probe::CheckConfig;
use monitron_proto::AgentConfig;

use crate::cipher::{Cipher, CipherError};
use crate::error::FieldErrors;
use crate::monitors::Check;

fn probe_check(check_type: &str, config: &serde_json::Value) -> Option<Check> {
    serde_json::from_value::<CheckConfig>(
        serde_json::json!({ "type": check_type, "config": config }),
    )
    .ok()
    .map(Check::Probe)
}

/// Validates a configuration, including each probe's settings (errors keyed
/// `probes[i].config.<field>`).
pub fn validate(config: &AgentConfig) -> Result<(), FieldErrors> {
    let mut errors = config.validate().err().unwrap_or_default();
    for (i, probe) in config.probes.iter().enumerate() {
        let tagged = serde_json::json!({ "type": probe.check_type, "config": probe.config });
        match serde_json::from_value::<CheckConfig>(tagged) {
            Ok(mut check) => {
                if let Err(e) = check.validate() {
                    errors.extend(e.into_iter().map(|(k, v)| (format!("probes[{i}].{k}"), v)));
                }
            }
            Err(e) => {
                errors.insert(format!("probes[{i}]"), e.to_string());
            }
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// Seals every probe secret. A secret sent back as the mask keeps the one stored for
/// the probe of the same name in `previous`, while that probe's target is unchanged.
pub fn seal(
    config: &mut AgentConfig,
    cipher: &Cipher,
    previous: &AgentConfig,
) -> Result<(), FieldErrors> {
    for (i, probe) in config.probes.iter_mut().enumerate() {
        let Some(mut check) = probe_check(&probe.check_type, &probe.config) else {
            continue;
        };
        let stored = previous
            .probes
            .iter()
            .find(|p| p.name == probe.name)
            .and_then(|p| probe_check(&p.check_type, &p.config));
        check
            .seal(cipher, stored.as_ref())
            .map_err(|e| crate::error::prefixed(e, &format!("probes[{i}].")))?;
        probe.config = check.config_json();
    }
    Ok(())
}

/// Replaces every probe secret with the mask, for showing.
pub fn mask(config: &mut AgentConfig) {
    for probe in &mut config.probes {
        if let Some(mut check) = probe_check(&probe.check_type, &probe.config) {
            check.mask();
            probe.config = check.config_json();
        }
    }
}

/// Opens every probe secret, for sending to the agent.
pub fn open(config: &mut AgentConfig, cipher: &Cipher) -> Result<(), CipherError> {
    for probe in &mut config.probes {
        if let Some(mut check) = probe_check(&probe.check_type, &probe.config) {
            check.open(cipher)?;
            probe.config = check.config_json();
        }
    }
    Ok(())
}

/// The stored configuration with its revision, secrets still sealed.
pub fn stored(row: &crate::db::entities::instance_agent::Model) -> AgentConfig {
    let mut config: AgentConfig = serde_json::from_value(row.config.clone()).unwrap_or_default();
    config.revision = u64::try_from(row.config_revision).unwrap_or_default();
    config
}

/// The stored configuration as the agent gets it: secrets opened.
pub fn for_agent(
    row: &crate::db::entities::instance_agent::Model,
    cipher: &Cipher,
) -> Result<AgentConfig, CipherError> {
    let mut config = stored(row);
    open(&mut config, cipher)?;
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_http_probe(password: &str) -> AgentConfig {
        serde_json::from_value(serde_json::json!({ "probes": [ {
            "name": "intranet", "type": "http",
            "config": { "url": "http://10.0.0.1/", "auth": { "type": "basic", "username": "u", "password": password } }
        } ] }))
        .unwrap()
    }

    #[test]
    fn probe_secrets_are_sealed_masked_kept_and_opened() {
        let cipher = Cipher::new(&[7; 32]);
        let mut config = with_http_probe("hunter2");
        validate(&config).unwrap();
        seal(&mut config, &cipher, &AgentConfig::default()).unwrap();
        let stored = serde_json::to_string(&config).unwrap();
        assert!(!stored.contains("hunter2"), "{stored}");

        let mut shown = config.clone();
        mask(&mut shown);
        assert_eq!(
            shown.probes[0].config["auth"]["password"],
            crate::cipher::MASK
        );

        // The shown form sent back keeps the stored secret.
        let mut resent = shown.clone();
        seal(&mut resent, &cipher, &config).unwrap();
        open(&mut resent, &cipher).unwrap();
        assert_eq!(resent.probes[0].config["auth"]["password"], "hunter2");

        // A mask with nothing behind it is an error naming the secret.
        let mut fresh = shown.clone();
        let errors = seal(&mut fresh, &cipher, &AgentConfig::default()).unwrap_err();
        assert!(
            errors.contains_key("probes[0].config.auth.password"),
            "{errors:?}"
        );

        // Regression: a probe repointed at another host kept the stored password.
        let mut repointed = shown;
        repointed.probes[0].config["url"] = serde_json::json!("http://10.6.6.6/");
        let errors = seal(&mut repointed, &cipher, &config).unwrap_err();
        assert_eq!(
            errors["probes[0].config.auth.password"],
            crate::monitors::check::REENTER_SECRET
        );
    }
}
