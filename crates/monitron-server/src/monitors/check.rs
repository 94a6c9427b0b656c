//! What a monitor runs: a probe (HTTP, TCP, ...), a heartbeat evaluation, a domain
//! check, or an agent poll; how it is stored; and how the secrets inside it are sealed,
//! masked and opened.
//!
//! Secrets are found through `Probe::secrets_mut`, so a check type declares its own
//! secrets (with their paths) and this module never needs to know field names. On update,
//! a secret sent back as the mask keeps the value stored at the same path, and only while
//! the check still sends it to the same destination: otherwise anyone allowed to edit the
//! monitor could point it at a server of their own and receive the stored credential.

use monitron_probe::{CheckConfig, Scope, Secret};
use serde_json::Value;

use crate::cipher::{Cipher, CipherError};
use crate::error::FieldErrors;
use crate::heartbeat;
use crate::monitors::agent::{InstanceSettings, AGENT};
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

/// Every service `type`: the probes the server runs, and heartbeats.
pub fn service_types() -> Vec<&'static str> {
    let mut types = CheckConfig::types_where(Scope::on_server);
    types.push(HEARTBEAT);
    types.sort_unstable();
    types
}

/// Why a stored secret may not be kept for a changed destination.
pub const REENTER_SECRET: &str = "re-enter the secret when the target changes";

fn serde_error(err: serde_json::Error) -> FieldErrors {
    let mut errors = FieldErrors::new();
    errors.insert("config".into(), err.to_string());
    errors
}

impl Check {
    /// Parses and validates a service's `type` and `config`; errors are keyed `type` or
    /// `config.<field>`. Only checks the server runs are services.
    pub fn parse_service(check_type: &str, config: Value) -> Result<Self, FieldErrors> {
        if check_type == HEARTBEAT {
            let config: heartbeat::Config = serde_json::from_value(config).map_err(serde_error)?;
            config
                .validate()
                .map_err(|errors| crate::error::prefixed(errors, "config."))?;
            return Ok(Self::Heartbeat(config));
        }
        match CheckConfig::scope_of(check_type) {
            Some(scope) if scope.on_server() => {}
            Some(_) => {
                return Err(FieldErrors::from([(
                    "type".into(),
                    format!(
                        "{check_type} runs on agents only: add it to an instance's agent configuration \
                         (PUT /api/v1/instances/{{id}}/agent-config); services are one of {}",
                        service_types().join(", ")
                    ),
                )]))
            }
            None => {
                return Err(FieldErrors::from([(
                    "type".into(),
                    format!("must be one of {}", service_types().join(", ")),
                )]))
            }
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

    /// Whether the server may run this check: agent-only probes stored as services by an
    /// older version are not run (their blocking work would be anyone's to start).
    pub fn runs_on_server(&self) -> bool {
        match self {
            Self::Probe(c) => c.scope().on_server(),
            Self::Heartbeat(_) | Self::Domain(_) | Self::Agent(_) => true,
        }
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

    /// The secrets, each with its API field name (`config.auth.password`,
    /// `agent_auth.secret`).
    fn secrets_mut(&mut self) -> Vec<Secret<'_>> {
        match self {
            Self::Probe(c) => c
                .secrets_mut()
                .into_iter()
                .map(|s| Secret::new(format!("config.{}", s.path), s.value))
                .collect(),
            Self::Agent(c) => c.secrets_mut(),
            Self::Heartbeat(_) | Self::Domain(_) => Vec::new(),
        }
    }

    /// Where the secrets are sent, if the check holds any.
    pub fn destination(&self) -> Option<String> {
        match self {
            Self::Probe(c) => c.destination(),
            Self::Agent(c) => Some(c.destination()),
            Self::Heartbeat(_) | Self::Domain(_) => None,
        }
    }

    /// Seals every secret for storage. A secret given as the mask keeps the value stored
    /// at the same field of `previous`, provided the check still sends it to the same
    /// destination; otherwise the field is named with [`REENTER_SECRET`].
    pub fn seal(&mut self, cipher: &Cipher, previous: Option<&Check>) -> Result<(), FieldErrors> {
        let mut previous = previous
            .filter(|p| p.type_name() == self.type_name())
            .cloned();
        let same_destination = previous
            .as_ref()
            .is_some_and(|p| p.destination() == self.destination());
        let stored = previous.as_mut().map(Check::secrets_mut);
        crate::cipher::seal_secrets(cipher, self.secrets_mut(), stored, same_destination)
    }

    /// Replaces every non-empty secret with the mask, for showing.
    pub fn mask(&mut self) {
        crate::cipher::mask_secrets(self.secrets_mut());
    }

    /// Opens every sealed secret, for running.
    pub fn open(&mut self, cipher: &Cipher) -> Result<(), CipherError> {
        crate::cipher::open_secrets(cipher, self.secrets_mut())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cipher::MASK;
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

    fn sealed_http(config: serde_json::Value) -> Check {
        let mut check = Check::parse_service("http", config).unwrap();
        check.seal(&cipher(), None).unwrap();
        check
    }

    /// Regression: stored secrets were matched by position, so a new credential header
    /// sorting before a masked one bound another secret to it (the Basic password was
    /// sent as `X-Token`).
    #[test]
    fn masked_secrets_keep_the_secret_stored_at_their_own_path() {
        let stored = sealed_http(json!({
            "url": "https://api.example.com/",
            "headers": { "X-Token": "token-1" },
            "auth": { "type": "basic", "username": "u", "password": "hunter2" }
        }));
        let mut edited = Check::parse_service(
            "http",
            json!({
                "url": "https://api.example.com/",
                "headers": { "Authorization": "Bearer new", "X-Token": MASK },
                "auth": { "type": "basic", "username": "u", "password": MASK }
            }),
        )
        .unwrap();
        edited.seal(&cipher(), Some(&stored)).unwrap();
        edited.open(&cipher()).unwrap();
        let opened = edited.config_json();
        assert_eq!(opened["headers"]["X-Token"], "token-1");
        assert_eq!(opened["headers"]["Authorization"], "Bearer new");
        assert_eq!(opened["auth"]["password"], "hunter2");
    }

    /// Regression: a masked secret was kept when the target changed, so an editor could
    /// point someone else's monitor at their own server and receive its credential.
    #[test]
    fn masked_secrets_are_kept_only_for_the_same_destination() {
        let stored = sealed_http(json!({
            "url": "https://api.example.com/health",
            "auth": { "type": "bearer", "token": "secret-token" }
        }));
        let resend = |url: &str| {
            let mut check = Check::parse_service(
                "http",
                json!({ "url": url, "auth": { "type": "bearer", "token": MASK } }),
            )
            .unwrap();
            check.seal(&cipher(), Some(&stored)).map(|()| check)
        };
        // Same scheme, host and port: another path or query keeps the secret.
        let kept = resend("https://API.example.com:443/other?x=1").unwrap();
        assert!(Cipher::is_sealed(
            kept.config_json()["auth"]["token"].as_str().unwrap()
        ));
        for moved in [
            "https://attacker.example.net/health",
            "http://api.example.com/health",
            "https://api.example.com:8443/health",
        ] {
            let errors = resend(moved).unwrap_err();
            assert_eq!(errors["config.auth.token"], REENTER_SECRET, "{moved}");
        }
        // Trusting any certificate lets someone in between answer: also a new destination.
        let mut unverified = Check::parse_service(
            "http",
            json!({ "url": "https://api.example.com/health", "verify_tls": false,
                    "auth": { "type": "bearer", "token": MASK } }),
        )
        .unwrap();
        let errors = unverified.seal(&cipher(), Some(&stored)).unwrap_err();
        assert_eq!(errors["config.auth.token"], REENTER_SECRET);
        // A new secret for the new target is fine.
        let mut fresh = Check::parse_service(
            "http",
            json!({ "url": "https://attacker.example.net/", "auth": { "type": "bearer", "token": "t2" } }),
        )
        .unwrap();
        fresh.seal(&cipher(), Some(&stored)).unwrap();
    }

    /// Regression: the CA, server name and certificate verification a check trusts were
    /// not part of its destination, so an editor could keep a stored secret while making
    /// the check accept their own server's certificate.
    #[test]
    fn a_changed_trust_is_a_changed_destination() {
        let grpc = |extra: serde_json::Value| {
            let mut config = json!({ "host": "grpc.internal", "port": 50051, "tls": true,
                                     "metadata": { "authorization": "Bearer abc" } });
            config
                .as_object_mut()
                .unwrap()
                .extend(extra.as_object().unwrap().clone());
            Check::parse_service("grpc", config).unwrap().destination()
        };
        let (ca, other_ca) = (
            monitron_testkit::pki::ca().pem,
            monitron_testkit::pki::ca().pem,
        );
        let plain = grpc(json!({}));
        assert_ne!(plain, grpc(json!({ "ca_pem": ca })));
        assert_ne!(
            grpc(json!({ "ca_pem": ca })),
            grpc(json!({ "ca_pem": other_ca }))
        );
        assert_ne!(plain, grpc(json!({ "server_name": "other.internal" })));
        assert_eq!(
            plain,
            grpc(json!({ "metadata": { "authorization": "Bearer xyz" } }))
        );

        let mqtt = |ca: Option<&str>| {
            let mut config = json!({ "host": "broker", "port": 8883, "topic": "t", "tls": true,
                                     "username": "u", "password": "p" });
            if let Some(ca) = ca {
                config["ca_pem"] = json!(ca);
            }
            Check::parse_service("mqtt", config).unwrap().destination()
        };
        assert_ne!(mqtt(None), mqtt(Some(&ca)));

        // Turning verification off only matters where there is TLS.
        let http = |url: &str, verify: bool| {
            Check::parse_service("http", json!({ "url": url, "verify_tls": verify }))
                .unwrap()
                .destination()
        };
        assert_ne!(
            http("https://a.example/", true),
            http("https://a.example/", false)
        );
        assert_eq!(
            http("http://a.example/", true),
            http("http://a.example/", false)
        );

        let agent = |tls: bool, skip: bool| {
            let config = json!({ "connection": "pull", "host": "db1", "agent_port": 9891,
                                 "tls": tls, "tls_skip_verify": skip });
            Check::from_stored(AGENT, &config).unwrap().destination()
        };
        assert_ne!(agent(true, false), agent(true, true));
        assert_eq!(agent(false, false), agent(false, true));
    }

    #[test]
    fn agent_only_probes_are_not_services() {
        let errors =
            Check::parse_service("traceroute", json!({ "host": "example.com" })).unwrap_err();
        assert!(errors["type"].contains("agents only"), "{errors:?}");
        assert!(!service_types().contains(&"udp"));
        assert!(service_types().contains(&"tls") && service_types().contains(&"heartbeat"));
        let stored = Check::from_stored("traceroute", &json!({ "host": "example.com" })).unwrap();
        assert!(!stored.runs_on_server());
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
