//! Every check type Monitron runs, one module each, behind one small trait.
//!
//! A check is configured as `{"type": "...", "config": {...}}`. [`Probe::validate`] checks and
//! normalises the settings once (when a monitor is saved), naming each bad field;
//! [`Probe::run`] performs one check and reports what it measured as an [`Outcome`]. The
//! same code serves the server's workers and the agent's reachability probes.
//!
//! Adding a check type is one module implementing [`Probe`] plus one line in the
//! `checks!` list below. Each module declares where its check may run ([`Scope`]): on the
//! server as a service, on agents as a reachability probe, or both.

use std::future::Future;
use std::time::Duration;

use serde::{Deserialize, Serialize};

pub mod dns;
pub mod domain;
pub mod grpc;
pub mod http;
pub mod mqtt;
pub mod ping;
pub mod resolve;
pub mod tcp;
pub mod tls;
pub mod traceroute;
pub mod udp;

pub(crate) use monitron_proto::fields::verdict;
pub use monitron_proto::FieldErrors;

/// Whether the checked thing is healthy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// The check passed.
    Up,
    /// The check failed.
    Down,
}

/// What one run of a check found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    /// Up or down.
    pub status: Status,
    /// How long the checked operation took, in milliseconds (absent when it never
    /// completed, e.g. a refused connection).
    pub response_ms: Option<f64>,
    /// Short human-readable result ("200 OK", "connection refused", ...).
    pub message: String,
    /// Type-specific facts (HTTP status, resolved IP, ...).
    pub details: serde_json::Value,
}

impl Outcome {
    /// A passing outcome.
    pub fn up(response_ms: f64, message: impl Into<String>, details: impl Serialize) -> Self {
        Self {
            status: Status::Up,
            response_ms: Some(response_ms),
            message: message.into(),
            details: to_value(details),
        }
    }

    /// A passing outcome without a response time (e.g. a heartbeat evaluated on time).
    pub fn up_untimed(message: impl Into<String>) -> Self {
        Self {
            status: Status::Up,
            response_ms: None,
            message: message.into(),
            details: serde_json::Value::Null,
        }
    }

    /// A failing outcome.
    pub fn down(
        response_ms: Option<f64>,
        message: impl Into<String>,
        details: impl Serialize,
    ) -> Self {
        Self {
            status: Status::Down,
            response_ms,
            message: message.into(),
            details: to_value(details),
        }
    }
}

fn to_value(details: impl Serialize) -> serde_json::Value {
    serde_json::to_value(details).unwrap_or(serde_json::Value::Null)
}

/// Where a check type may run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// On the server only.
    Server,
    /// On agents only: checks that hold a thread or need the host's own vantage point
    /// (`traceroute`, `udp`), which the server must not run for any editor who asks.
    Agent,
    /// Anywhere.
    Both,
}

impl Scope {
    /// Whether the server runs it (as a service).
    pub fn on_server(self) -> bool {
        matches!(self, Self::Server | Self::Both)
    }

    /// Whether agents run it (as a probe).
    pub fn on_agent(self) -> bool {
        matches!(self, Self::Agent | Self::Both)
    }
}

/// A secret setting: its JSON path inside the check's `config` (`auth.password`,
/// `headers.Authorization`) and its value. Whoever stores configurations keys stored
/// secrets by this path, never by position.
#[derive(Debug)]
pub struct Secret<'a> {
    /// Path inside `config`.
    pub path: String,
    /// The value.
    pub value: &'a mut String,
}

impl<'a> Secret<'a> {
    /// A secret at `path`.
    pub fn new(path: impl Into<String>, value: &'a mut String) -> Self {
        Self {
            path: path.into(),
            value,
        }
    }
}

/// One check type.
pub trait Probe {
    /// Where this check type may run.
    const SCOPE: Scope;

    /// Checks and normalises the settings, naming each bad field.
    fn validate(&mut self) -> Result<(), FieldErrors>;

    /// Runs the check once. It must finish within `timeout`, reporting a timeout as down.
    fn run(&self, timeout: Duration) -> impl Future<Output = Outcome> + Send;

    /// The settings that are secrets (passwords, tokens, credential headers), so that
    /// whoever stores the configuration can seal them and mask them when showing it.
    fn secrets_mut(&mut self) -> Vec<Secret<'_>> {
        Vec::new()
    }

    /// Where the secrets are sent (scheme, host and port), for checks that hold any. A
    /// stored secret may be kept for an unchanged destination only: otherwise whoever may
    /// edit the check could point it at a server of their own and receive the secret.
    fn destination(&self) -> Option<String> {
        None
    }
}

/// `scheme://host:port`, the way [`Probe::destination`] names where secrets go.
pub(crate) fn endpoint(scheme: &str, host: &str, port: u16) -> String {
    let host = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_ascii_lowercase();
    if host.contains(':') {
        format!("{scheme}://[{host}]:{port}")
    } else {
        format!("{scheme}://{host}:{port}")
    }
}

/// [`endpoint`] with how the server there is trusted, when that is not the default (the
/// system roots, for the host's own name). Trusting any certificate, another CA or another
/// name lets someone else answer in the server's place, so a check whose trust changes
/// has a new destination, and its stored secrets must be entered again.
pub(crate) fn trusting(
    endpoint: String,
    verify: bool,
    ca_pem: Option<&str>,
    server_name: Option<&str>,
) -> String {
    use sha2::{Digest, Sha256};
    let mut terms = Vec::new();
    if !verify {
        terms.push("any certificate".to_owned());
    }
    if let Some(pem) = ca_pem.map(str::trim).filter(|p| !p.is_empty()) {
        let digest = hex::encode(Sha256::digest(pem.as_bytes()));
        terms.push(format!("CA sha256:{}", &digest[..16]));
    }
    if let Some(name) = server_name.map(str::trim).filter(|n| !n.is_empty()) {
        terms.push(format!("as {}", name.to_ascii_lowercase()));
    }
    if terms.is_empty() {
        endpoint
    } else {
        format!("{endpoint} ({})", terms.join(", "))
    }
}

/// True for header or metadata names that usually carry credentials.
pub fn is_secret_header(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    [
        "auth", "token", "secret", "key", "cookie", "password", "session",
    ]
    .iter()
    .any(|word| name.contains(word))
}

/// Declares the check enum and its dispatch from one list of `Variant(Config) = "type"`.
macro_rules! checks {
    ($($variant:ident($config:ty) = $name:literal),* $(,)?) => {
        /// A configured check of any type.
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        #[serde(tag = "type", content = "config")]
        #[non_exhaustive]
        // One value per monitor: the variants' size difference costs a few hundred bytes
        // per monitor, while boxing would add an allocation and indirection to every run.
        #[allow(clippy::large_enum_variant)]
        pub enum CheckConfig {
            $(
                #[doc = concat!("A `", $name, "` check.")]
                #[serde(rename = $name)]
                $variant($config),
            )*
        }

        impl CheckConfig {
            /// The type names, as used in the `type` field.
            pub const TYPES: &'static [&'static str] = &[$($name),*];

            /// This check's type name.
            pub fn type_name(&self) -> &'static str {
                match self {
                    $(Self::$variant(_) => $name,)*
                }
            }

            /// Where a check type may run; `None` for an unknown type.
            pub fn scope_of(type_name: &str) -> Option<Scope> {
                match type_name {
                    $($name => Some(<$config as Probe>::SCOPE),)*
                    _ => None,
                }
            }

            /// The type names whose scope satisfies `on` ([`Scope::on_server`], [`Scope::on_agent`]).
            pub fn types_where(on: impl Fn(Scope) -> bool) -> Vec<&'static str> {
                Self::TYPES
                    .iter()
                    .copied()
                    .filter(|t| Self::scope_of(t).is_some_and(&on))
                    .collect()
            }

            /// Where this check may run.
            pub fn scope(&self) -> Scope {
                match self {
                    $(Self::$variant(_) => <$config as Probe>::SCOPE,)*
                }
            }

            /// The secret settings with their paths inside `config`, for sealing and masking.
            pub fn secrets_mut(&mut self) -> Vec<Secret<'_>> {
                match self {
                    $(Self::$variant(c) => c.secrets_mut(),)*
                }
            }

            /// Where the secrets are sent (see [`Probe::destination`]).
            pub fn destination(&self) -> Option<String> {
                match self {
                    $(Self::$variant(c) => c.destination(),)*
                }
            }

            /// Validates the settings; errors are keyed `config.<field>`.
            pub fn validate(&mut self) -> Result<(), FieldErrors> {
                let result = match self {
                    $(Self::$variant(c) => c.validate(),)*
                };
                result.map_err(|errors| errors.into_iter().map(|(k, v)| (format!("config.{k}"), v)).collect())
            }

            /// Runs the check once within `timeout`. Every module enforces the timeout
            /// itself; this bound (one second later) is the safety net that guarantees a
            /// hanging check can never hold a worker.
            pub async fn run(&self, timeout: Duration) -> Outcome {
                let run = async {
                    match self {
                        $(Self::$variant(c) => c.run(timeout).await,)*
                    }
                };
                match tokio::time::timeout(timeout + Duration::from_secs(1), run).await {
                    Ok(outcome) => outcome,
                    Err(_) => Outcome::down(None, format!("timed out after {} s", timeout.as_secs_f64()), serde_json::Value::Null),
                }
            }
        }
    };
}

checks! {
    Dns(dns::Config) = "dns",
    Grpc(grpc::Config) = "grpc",
    Http(http::Config) = "http",
    Mqtt(mqtt::Config) = "mqtt",
    Ping(ping::Config) = "ping",
    Tcp(tcp::Config) = "tcp",
    Tls(tls::Config) = "tls",
    Traceroute(traceroute::Config) = "traceroute",
    Udp(udp::Config) = "udp",
}

/// Makes ring rustls's process-wide default crypto provider (once; later calls do nothing).
///
/// Libraries that build TLS configurations from the default (tonic, lettre) panic when
/// feature unification compiles in more than one provider and none was chosen. Monitron
/// chooses ring everywhere; binaries call this at start-up, and checks that rely on the
/// default call it too.
pub fn install_crypto_provider() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // Fails only if another provider was installed first, which is just as good.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// Records an error on `port` when it is 0.
pub(crate) fn check_port(port: u16, errors: &mut FieldErrors) {
    if port == 0 {
        errors.insert("port".into(), "must be between 1 and 65535".into());
    }
}

/// Milliseconds in a duration, as a float.
pub(crate) fn millis(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn configs_are_tagged_by_type_and_errors_are_prefixed() {
        let json = serde_json::json!({ "type": "tcp", "config": { "host": "", "port": 0 } });
        let mut check: CheckConfig = serde_json::from_value(json).unwrap();
        assert_eq!(check.type_name(), "tcp");
        let errors = check.validate().unwrap_err();
        assert!(
            errors.contains_key("config.host") && errors.contains_key("config.port"),
            "{errors:?}"
        );
        assert!(serde_json::from_value::<CheckConfig>(
            serde_json::json!({ "type": "gopher", "config": {} })
        )
        .is_err());
        assert_eq!(
            CheckConfig::TYPES,
            &[
                "dns",
                "grpc",
                "http",
                "mqtt",
                "ping",
                "tcp",
                "tls",
                "traceroute",
                "udp"
            ]
        );
    }

    #[test]
    fn scopes_keep_thread_holding_checks_on_agents() {
        assert_eq!(
            CheckConfig::types_where(Scope::on_server),
            ["dns", "grpc", "http", "mqtt", "ping", "tcp", "tls"]
        );
        assert_eq!(
            CheckConfig::types_where(Scope::on_agent),
            CheckConfig::TYPES
        );
        assert_eq!(CheckConfig::scope_of("traceroute"), Some(Scope::Agent));
        assert_eq!(CheckConfig::scope_of("gopher"), None);
    }
}
