//! The agent's settings, read once from its environment at start-up.
//!
//! Everything that decides what the agent may do on its host (where it listens, who may call
//! it, whether it may power the host off, which executables it runs) comes from here and
//! never from the server: a compromised server must not be able to widen the agent's reach.
//! Bad values fail fast with a message naming the variable, before anything is started.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use secrecy::SecretString;

/// Default data directory (buffer, stored credential, local configuration).
pub const DEFAULT_DATA_DIR: &str = "/var/lib/monitron-agent";

/// Why the environment cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SettingsError {
    /// A variable is missing or holds an unusable value.
    #[error("{variable}: {reason}")]
    Invalid {
        /// The variable (or variables) at fault.
        variable: &'static str,
        /// What is wrong with it.
        reason: String,
    },
}

fn invalid(variable: &'static str, reason: impl Into<String>) -> SettingsError {
    SettingsError::Invalid {
        variable,
        reason: reason.into(),
    }
}

/// How callers of the agent's HTTP API prove who they are.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum AuthMode {
    /// Log in with user name and password for a short-lived bearer token (the default).
    Jwt {
        /// The one user name.
        username: String,
        /// Its password.
        password: SecretString,
    },
    /// User name and password on every request.
    Basic {
        /// The one user name.
        username: String,
        /// Its password.
        password: SecretString,
    },
    /// A shared key in the `X-API-Key` header.
    ApiKey {
        /// The key.
        key: SecretString,
    },
    /// Requests signed with a shared secret (see `monitron_proto::signing`).
    Hmac {
        /// The secret.
        secret: SecretString,
    },
}

impl AuthMode {
    /// The mode's name as written in `MONITRON_AGENT_AUTH`.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Jwt { .. } => "jwt",
            Self::Basic { .. } => "basic",
            Self::ApiKey { .. } => "api_key",
            Self::Hmac { .. } => "hmac",
        }
    }
}

/// PEM files for serving HTTPS.
#[derive(Debug, Clone)]
pub struct TlsFiles {
    /// Certificate chain, leaf first.
    pub cert: PathBuf,
    /// Private key (PKCS#8, PKCS#1 or SEC1).
    pub key: PathBuf,
}

/// How pushed records reach the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PushTransport {
    /// One long-lived WebSocket (the default).
    WebSocket,
    /// `POST` requests, for networks that block WebSocket.
    Http,
}

/// Push mode: the agent dials the server.
#[derive(Debug, Clone)]
pub struct PushSettings {
    /// The server's base URL (`https://monitron.example.com`).
    pub server_url: url::Url,
    /// The one-time enrollment token, exchanged for a stored credential on first contact.
    pub token: SecretString,
    /// WebSocket or HTTP.
    pub transport: PushTransport,
    /// Longest pause between reconnection attempts.
    pub reconnect_max: Duration,
    /// Extra certificate authority (PEM) for a server with a private certificate.
    pub server_ca: Option<PathBuf>,
}

/// Everything the agent reads from its environment.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Address of the HTTP API; port 0 picks a free port.
    pub listen: SocketAddr,
    /// Where to write the bound address once listening (for scripts and tests).
    pub addr_file: Option<PathBuf>,
    /// How callers authenticate.
    pub auth: AuthMode,
    /// HTTPS instead of plain HTTP.
    pub tls: Option<TlsFiles>,
    /// Time between collections.
    pub collect_interval: Duration,
    /// How long a collected snapshot may be served.
    pub cache_ttl: Duration,
    /// Lifetime of JWT access tokens.
    pub access_ttl: Duration,
    /// The local configuration file.
    pub config_path: PathBuf,
    /// Buffer, credential and other state.
    pub data_dir: PathBuf,
    /// Whether reboot and shutdown may be requested.
    pub allow_power: bool,
    /// Command run for a reboot, split on whitespace (no shell).
    pub reboot_command: Vec<String>,
    /// Command run for a shutdown, split on whitespace (no shell).
    pub shutdown_command: Vec<String>,
    /// Directory of plugin executables.
    pub plugins_dir: PathBuf,
    /// Push mode, when a server URL is set.
    pub push: Option<PushSettings>,
}

impl Settings {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, SettingsError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads settings through `lookup` (the environment, or a table in tests). Empty values
    /// count as unset.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, SettingsError> {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());

        let listen = match get("MONITRON_AGENT_LISTEN") {
            Some(v) => v.trim().parse().map_err(|_| {
                invalid(
                    "MONITRON_AGENT_LISTEN",
                    format!("`{v}` is not an address like 0.0.0.0:7773 or [::]:7773"),
                )
            })?,
            None => SocketAddr::from(([0, 0, 0, 0], 7773)),
        };

        let auth = auth_mode(&get)?;

        let tls = match (
            get("MONITRON_AGENT_TLS_CERT"),
            get("MONITRON_AGENT_TLS_KEY"),
        ) {
            (Some(cert), Some(key)) => Some(TlsFiles {
                cert: cert.into(),
                key: key.into(),
            }),
            (None, None) => None,
            (Some(_), None) => {
                return Err(invalid(
                    "MONITRON_AGENT_TLS_KEY",
                    "is required when MONITRON_AGENT_TLS_CERT is set",
                ))
            }
            (None, Some(_)) => {
                return Err(invalid(
                    "MONITRON_AGENT_TLS_CERT",
                    "is required when MONITRON_AGENT_TLS_KEY is set",
                ))
            }
        };

        let collect_interval = duration_var(&get, "MONITRON_AGENT_COLLECT_INTERVAL", "1s")?;
        if !(Duration::from_millis(100)..=Duration::from_secs(3600)).contains(&collect_interval) {
            return Err(invalid(
                "MONITRON_AGENT_COLLECT_INTERVAL",
                "must be between 100ms and 1h",
            ));
        }
        let cache_ttl = duration_var(&get, "MONITRON_AGENT_CACHE_TTL", "5s")?;
        if cache_ttl <= collect_interval {
            return Err(invalid(
                "MONITRON_AGENT_CACHE_TTL",
                format!(
                    "must be longer than MONITRON_AGENT_COLLECT_INTERVAL ({} <= {})",
                    format_duration(cache_ttl),
                    format_duration(collect_interval)
                ),
            ));
        }
        let access_ttl = duration_var(&get, "MONITRON_AGENT_ACCESS_TTL", "15m")?;
        if access_ttl < Duration::from_secs(1) || access_ttl > Duration::from_secs(24 * 3600) {
            return Err(invalid(
                "MONITRON_AGENT_ACCESS_TTL",
                "must be between 1s and 24h",
            ));
        }

        let data_dir =
            PathBuf::from(get("MONITRON_AGENT_DATA_DIR").unwrap_or(DEFAULT_DATA_DIR.into()));
        let config_path = get("MONITRON_AGENT_CONFIG")
            .map(PathBuf::from)
            .unwrap_or_else(|| data_dir.join("agent-config.json"));
        let plugins_dir = get("MONITRON_AGENT_PLUGINS_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| data_dir.join("plugins"));

        let allow_power = flag(&get, "MONITRON_AGENT_ALLOW_POWER")?;
        let reboot_command = command(&get, "MONITRON_AGENT_REBOOT_COMMAND", "systemctl reboot");
        let shutdown_command = command(
            &get,
            "MONITRON_AGENT_SHUTDOWN_COMMAND",
            "systemctl poweroff",
        );

        let push = push_settings(&get)?;

        Ok(Self {
            listen,
            addr_file: get("MONITRON_AGENT_ADDR_FILE").map(PathBuf::from),
            auth,
            tls,
            collect_interval,
            cache_ttl,
            access_ttl,
            config_path,
            data_dir,
            allow_power,
            reboot_command,
            shutdown_command,
            plugins_dir,
            push,
        })
    }
}

fn auth_mode(get: &impl Fn(&str) -> Option<String>) -> Result<AuthMode, SettingsError> {
    let mode = get("MONITRON_AGENT_AUTH").unwrap_or_else(|| "jwt".into());
    let user_and_password = || -> Result<(String, SecretString), SettingsError> {
        let username = get("MONITRON_AGENT_USERNAME").ok_or_else(|| {
            invalid(
                "MONITRON_AGENT_USERNAME",
                format!("is required when MONITRON_AGENT_AUTH={mode}"),
            )
        })?;
        let password = get("MONITRON_AGENT_PASSWORD").ok_or_else(|| {
            invalid(
                "MONITRON_AGENT_PASSWORD",
                format!("is required when MONITRON_AGENT_AUTH={mode}"),
            )
        })?;
        if password.len() < 8 {
            return Err(invalid(
                "MONITRON_AGENT_PASSWORD",
                "must be at least 8 characters",
            ));
        }
        Ok((username, password.into()))
    };
    match mode.trim() {
        "jwt" => {
            let (username, password) = user_and_password()?;
            Ok(AuthMode::Jwt { username, password })
        }
        "basic" => {
            let (username, password) = user_and_password()?;
            Ok(AuthMode::Basic { username, password })
        }
        "api_key" => {
            let key = get("MONITRON_AGENT_API_KEY").ok_or_else(|| {
                invalid(
                    "MONITRON_AGENT_API_KEY",
                    "is required when MONITRON_AGENT_AUTH=api_key",
                )
            })?;
            if key.len() < 16 {
                return Err(invalid(
                    "MONITRON_AGENT_API_KEY",
                    "must be at least 16 characters",
                ));
            }
            Ok(AuthMode::ApiKey { key: key.into() })
        }
        "hmac" => {
            let secret = get("MONITRON_AGENT_HMAC_SECRET").ok_or_else(|| {
                invalid(
                    "MONITRON_AGENT_HMAC_SECRET",
                    "is required when MONITRON_AGENT_AUTH=hmac",
                )
            })?;
            if secret.len() < 16 {
                return Err(invalid(
                    "MONITRON_AGENT_HMAC_SECRET",
                    "must be at least 16 characters",
                ));
            }
            Ok(AuthMode::Hmac {
                secret: secret.into(),
            })
        }
        other => Err(invalid(
            "MONITRON_AGENT_AUTH",
            format!("`{other}` is not one of jwt, basic, api_key, hmac"),
        )),
    }
}

fn push_settings(
    get: &impl Fn(&str) -> Option<String>,
) -> Result<Option<PushSettings>, SettingsError> {
    let (url, token) = match (get("MONITRON_SERVER_URL"), get("MONITRON_AGENT_TOKEN")) {
        (None, None) => return Ok(None),
        (Some(_), None) => return Err(invalid(
            "MONITRON_AGENT_TOKEN",
            "is required when MONITRON_SERVER_URL is set (the enrollment token from the server)",
        )),
        (None, Some(_)) => {
            return Err(invalid(
                "MONITRON_SERVER_URL",
                "is required when MONITRON_AGENT_TOKEN is set",
            ))
        }
        (Some(url), Some(token)) => (url, token),
    };
    let server_url = url::Url::parse(url.trim())
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
        .ok_or_else(|| {
            invalid(
                "MONITRON_SERVER_URL",
                format!("`{url}` is not an http:// or https:// URL"),
            )
        })?;
    let transport = match get("MONITRON_AGENT_PUSH").as_deref().map(str::trim) {
        None | Some("ws") | Some("websocket") => PushTransport::WebSocket,
        Some("http") => PushTransport::Http,
        Some(other) => {
            return Err(invalid(
                "MONITRON_AGENT_PUSH",
                format!("`{other}` is not one of ws, http"),
            ))
        }
    };
    let reconnect_max = duration_var(get, "MONITRON_AGENT_RECONNECT_MAX", "30s")?;
    if reconnect_max < Duration::from_millis(10) {
        return Err(invalid(
            "MONITRON_AGENT_RECONNECT_MAX",
            "must be at least 10ms",
        ));
    }
    Ok(Some(PushSettings {
        server_url,
        token: token.trim().to_owned().into(),
        transport,
        reconnect_max,
        server_ca: get("MONITRON_SERVER_CA").map(PathBuf::from),
    }))
}

fn duration_var(
    get: &impl Fn(&str) -> Option<String>,
    variable: &'static str,
    default: &str,
) -> Result<Duration, SettingsError> {
    let value = get(variable).unwrap_or_else(|| default.into());
    parse_duration(&value).map_err(|reason| invalid(variable, reason))
}

fn flag(
    get: &impl Fn(&str) -> Option<String>,
    variable: &'static str,
) -> Result<bool, SettingsError> {
    match get(variable).as_deref().map(str::trim) {
        None | Some("0") | Some("false") | Some("no") => Ok(false),
        Some("1") | Some("true") | Some("yes") => Ok(true),
        Some(other) => Err(invalid(variable, format!("`{other}` is not 0 or 1"))),
    }
}

fn command(get: &impl Fn(&str) -> Option<String>, variable: &str, default: &str) -> Vec<String> {
    get(variable)
        .unwrap_or_else(|| default.into())
        .split_whitespace()
        .map(str::to_owned)
        .collect()
}

pub use monitron_proto::duration::{format as format_duration, parse as parse_duration};

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use secrecy::ExposeSecret;

    use super::*;

    fn settings(vars: &[(&str, &str)]) -> Result<Settings, SettingsError> {
        let table: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Settings::from_lookup(|name| table.get(name).cloned())
    }

    const JWT: [(&str, &str); 2] = [
        ("MONITRON_AGENT_USERNAME", "monitron"),
        ("MONITRON_AGENT_PASSWORD", "correct horse"),
    ];

    fn error_of(vars: &[(&str, &str)]) -> String {
        settings(vars).unwrap_err().to_string()
    }

    /// Regression: the server and the agent read durations with parsers of their own, which
    /// disagreed on `30d` and bare numbers.
    #[test]
    fn durations_read_as_the_server_reads_them() {
        let mut vars = JWT.to_vec();
        vars.extend([
            ("MONITRON_AGENT_ACCESS_TTL", "1d"),
            ("MONITRON_AGENT_COLLECT_INTERVAL", "2"),
            ("MONITRON_AGENT_CACHE_TTL", "5s"),
        ]);
        let s = settings(&vars).unwrap();
        assert_eq!(s.access_ttl, Duration::from_secs(86_400));
        assert_eq!(
            s.collect_interval,
            Duration::from_secs(2),
            "a bare number is seconds"
        );
        vars[2] = ("MONITRON_AGENT_ACCESS_TTL", "2d");
        assert!(error_of(&vars).starts_with("MONITRON_AGENT_ACCESS_TTL"));
    }

    #[test]
    fn defaults_follow_the_design() {
        let s = settings(&JWT).unwrap();
        assert_eq!(s.listen, "0.0.0.0:7773".parse().unwrap());
        assert_eq!(s.auth.name(), "jwt");
        assert_eq!(s.collect_interval, Duration::from_secs(1));
        assert_eq!(s.cache_ttl, Duration::from_secs(5));
        assert_eq!(s.access_ttl, Duration::from_secs(900));
        assert_eq!(s.data_dir, PathBuf::from(DEFAULT_DATA_DIR));
        assert_eq!(
            s.config_path,
            PathBuf::from(DEFAULT_DATA_DIR).join("agent-config.json")
        );
        assert_eq!(
            s.plugins_dir,
            PathBuf::from(DEFAULT_DATA_DIR).join("plugins")
        );
        assert!(!s.allow_power);
        assert_eq!(s.reboot_command, ["systemctl", "reboot"]);
        assert_eq!(s.shutdown_command, ["systemctl", "poweroff"]);
        assert!(s.tls.is_none() && s.push.is_none() && s.addr_file.is_none());
    }

    #[test]
    fn each_auth_mode_requires_its_secret() {
        let cases: &[(&[(&str, &str)], &str)] = &[
            (&[], "MONITRON_AGENT_USERNAME"),
            (
                &[("MONITRON_AGENT_USERNAME", "u")],
                "MONITRON_AGENT_PASSWORD",
            ),
            (
                &[
                    ("MONITRON_AGENT_AUTH", "basic"),
                    ("MONITRON_AGENT_USERNAME", "u"),
                ],
                "MONITRON_AGENT_PASSWORD",
            ),
            (
                &[("MONITRON_AGENT_AUTH", "api_key")],
                "MONITRON_AGENT_API_KEY",
            ),
            (
                &[
                    ("MONITRON_AGENT_AUTH", "api_key"),
                    ("MONITRON_AGENT_API_KEY", "short"),
                ],
                "MONITRON_AGENT_API_KEY",
            ),
            (
                &[("MONITRON_AGENT_AUTH", "hmac")],
                "MONITRON_AGENT_HMAC_SECRET",
            ),
            (
                &[("MONITRON_AGENT_AUTH", "kerberos")],
                "MONITRON_AGENT_AUTH",
            ),
        ];
        for (vars, variable) in cases {
            let err = error_of(vars);
            assert!(err.starts_with(variable), "{vars:?}: {err}");
        }
        let s = settings(&[
            ("MONITRON_AGENT_AUTH", "api_key"),
            ("MONITRON_AGENT_API_KEY", "0123456789abcdef"),
        ])
        .unwrap();
        match s.auth {
            AuthMode::ApiKey { key } => assert_eq!(key.expose_secret(), "0123456789abcdef"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_cache_must_outlive_the_interval() {
        let mut vars = JWT.to_vec();
        vars.extend([
            ("MONITRON_AGENT_COLLECT_INTERVAL", "5s"),
            ("MONITRON_AGENT_CACHE_TTL", "5s"),
        ]);
        let err = error_of(&vars);
        assert!(
            err.starts_with("MONITRON_AGENT_CACHE_TTL")
                && err.contains("MONITRON_AGENT_COLLECT_INTERVAL"),
            "{err}"
        );
        vars[3] = ("MONITRON_AGENT_CACHE_TTL", "5001ms");
        settings(&vars).unwrap();
    }

    #[test]
    fn bad_values_name_their_variable() {
        let cases = [
            ("MONITRON_AGENT_LISTEN", "localhost"),
            ("MONITRON_AGENT_COLLECT_INTERVAL", "fast"),
            ("MONITRON_AGENT_COLLECT_INTERVAL", "10ms"),
            ("MONITRON_AGENT_ALLOW_POWER", "maybe"),
            ("MONITRON_AGENT_TLS_CERT", "/etc/cert.pem"),
            ("MONITRON_AGENT_ACCESS_TTL", "0s"),
        ];
        for (variable, value) in cases {
            let mut vars = JWT.to_vec();
            vars.push((variable, value));
            let err = error_of(&vars);
            let named = if variable == "MONITRON_AGENT_TLS_CERT" {
                "MONITRON_AGENT_TLS_KEY"
            } else {
                variable
            };
            assert!(err.starts_with(named), "{variable}={value}: {err}");
        }
    }

    #[test]
    fn push_needs_both_url_and_token() {
        let mut vars = JWT.to_vec();
        vars.push(("MONITRON_SERVER_URL", "https://monitron.example.com"));
        assert!(error_of(&vars).starts_with("MONITRON_AGENT_TOKEN"));
        vars.push(("MONITRON_AGENT_TOKEN", "enroll-123"));
        let push = settings(&vars).unwrap().push.unwrap();
        assert_eq!(push.transport, PushTransport::WebSocket);
        assert_eq!(push.reconnect_max, Duration::from_secs(30));
        vars[2] = ("MONITRON_SERVER_URL", "ftp://x");
        assert!(error_of(&vars).starts_with("MONITRON_SERVER_URL"));
        vars[2] = ("MONITRON_SERVER_URL", "http://127.0.0.1:1");
        vars.push(("MONITRON_AGENT_PUSH", "carrier-pigeon"));
        assert!(error_of(&vars).starts_with("MONITRON_AGENT_PUSH"));
    }

    #[test]
    fn power_flag_and_commands() {
        let mut vars = JWT.to_vec();
        vars.extend([
            ("MONITRON_AGENT_ALLOW_POWER", "1"),
            ("MONITRON_AGENT_REBOOT_COMMAND", "touch /tmp/rebooted"),
            ("MONITRON_AGENT_DATA_DIR", "/srv/agent"),
        ]);
        let s = settings(&vars).unwrap();
        assert!(s.allow_power);
        assert_eq!(s.reboot_command, ["touch", "/tmp/rebooted"]);
        assert_eq!(s.config_path, PathBuf::from("/srv/agent/agent-config.json"));
    }
}
