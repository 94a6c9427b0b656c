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
        variable: String,
        /// What is wrong with it.
        reason: String,
    },
}

fn invalid(variable: &str, reason: impl Into<String>) -> SettingsError {
    SettingsError::Invalid {
        variable: variable.to_owned(),
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

/// Every variable the agent reads, declared once: name, type, default and meaning.
/// [`Settings::from_lookup`] reads them through it and then checks how they fit together;
/// `monitron-agent --help` lists them.
#[derive(Debug, Clone, clap::Parser)]
#[command(
    name = "monitron-agent",
    version,
    about = "The Monitron host agent. Every setting comes from the environment:",
    no_binary_name = true
)]
pub struct Env {
    /// Address of the HTTP API (port 0 picks a free one).
    #[arg(long, env = "MONITRON_AGENT_LISTEN", default_value = "0.0.0.0:7773", value_parser = listen)]
    listen: SocketAddr,
    /// Where to write the bound address once listening (for scripts and tests).
    #[arg(long, env = "MONITRON_AGENT_ADDR_FILE")]
    addr_file: Option<PathBuf>,
    /// How callers of the API authenticate: jwt, basic, api_key or hmac.
    #[arg(long, env = "MONITRON_AGENT_AUTH", default_value = "jwt")]
    auth: String,
    /// The user name (jwt, basic).
    #[arg(long, env = "MONITRON_AGENT_USERNAME")]
    username: Option<String>,
    /// The password (jwt, basic), 8+ characters.
    #[arg(long, env = "MONITRON_AGENT_PASSWORD", hide_env_values = true)]
    password: Option<String>,
    /// The API key (api_key), 16+ characters.
    #[arg(long, env = "MONITRON_AGENT_API_KEY", hide_env_values = true)]
    api_key: Option<String>,
    /// The shared secret (hmac), 16+ characters.
    #[arg(long, env = "MONITRON_AGENT_HMAC_SECRET", hide_env_values = true)]
    hmac_secret: Option<String>,
    /// Certificate chain (PEM) for serving HTTPS.
    #[arg(long, env = "MONITRON_AGENT_TLS_CERT")]
    tls_cert: Option<PathBuf>,
    /// Private key (PEM) for serving HTTPS.
    #[arg(long, env = "MONITRON_AGENT_TLS_KEY")]
    tls_key: Option<PathBuf>,
    /// Time between collections, 100ms-1h.
    #[arg(long, env = "MONITRON_AGENT_COLLECT_INTERVAL", default_value = "1s", value_parser = parse_duration)]
    collect_interval: Duration,
    /// How long a collected snapshot may be served; longer than the interval.
    #[arg(long, env = "MONITRON_AGENT_CACHE_TTL", default_value = "5s", value_parser = parse_duration)]
    cache_ttl: Duration,
    /// Lifetime of JWT access tokens, 1s-24h.
    #[arg(long, env = "MONITRON_AGENT_ACCESS_TTL", default_value = "15m", value_parser = parse_duration)]
    access_ttl: Duration,
    /// Buffer, stored credential and local configuration.
    #[arg(long, env = "MONITRON_AGENT_DATA_DIR", default_value = DEFAULT_DATA_DIR)]
    data_dir: PathBuf,
    /// The local configuration file (default: agent-config.json in the data directory).
    #[arg(long, env = "MONITRON_AGENT_CONFIG")]
    config: Option<PathBuf>,
    /// Directory of plugin executables (default: plugins in the data directory).
    #[arg(long, env = "MONITRON_AGENT_PLUGINS_DIR")]
    plugins_dir: Option<PathBuf>,
    /// Whether reboot and shutdown may be requested: 0 or 1.
    #[arg(long, env = "MONITRON_AGENT_ALLOW_POWER", default_value = "0", value_parser = flag,
          action = clap::ArgAction::Set)]
    allow_power: bool,
    /// Command run for a reboot, split on whitespace (no shell).
    #[arg(
        long,
        env = "MONITRON_AGENT_REBOOT_COMMAND",
        default_value = "systemctl reboot"
    )]
    reboot_command: String,
    /// Command run for a shutdown, split on whitespace (no shell).
    #[arg(
        long,
        env = "MONITRON_AGENT_SHUTDOWN_COMMAND",
        default_value = "systemctl poweroff"
    )]
    shutdown_command: String,
    /// The server's base URL, for push mode.
    #[arg(long, env = "MONITRON_SERVER_URL")]
    server_url: Option<String>,
    /// The one-time enrollment token from the server, for push mode.
    #[arg(long, env = "MONITRON_AGENT_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// How pushed records travel: ws or http.
    #[arg(long, env = "MONITRON_AGENT_PUSH", default_value = "ws")]
    push: String,
    /// Longest pause between reconnection attempts, 10ms or more.
    #[arg(long, env = "MONITRON_AGENT_RECONNECT_MAX", default_value = "30s", value_parser = parse_duration)]
    reconnect_max: Duration,
    /// Extra certificate authority (PEM) for a server with a private certificate.
    #[arg(long, env = "MONITRON_SERVER_CA")]
    server_ca: Option<PathBuf>,
}

fn listen(raw: &str) -> Result<SocketAddr, String> {
    raw.trim()
        .parse()
        .map_err(|_| format!("`{raw}` is not an address like 0.0.0.0:7773 or [::]:7773"))
}

fn flag(raw: &str) -> Result<bool, String> {
    match raw.trim() {
        "0" | "false" | "no" => Ok(false),
        "1" | "true" | "yes" => Ok(true),
        other => Err(format!("`{other}` is not 0 or 1")),
    }
}

impl Env {
    /// Reads every variable through `lookup` (empty values count as unset), failing on
    /// the first bad one with its name.
    fn read(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, SettingsError> {
        use clap::{CommandFactory, FromArgMatches};
        let described = Self::command();
        // The values come from `lookup`, never straight from the process: tests pass tables.
        let command = Self::command().mut_args(|arg| arg.env(None::<&str>));
        let args: Vec<String> = described
            .get_arguments()
            .filter_map(|arg| {
                let name = arg.get_env()?.to_str()?;
                let value = lookup(name).filter(|v| !v.trim().is_empty())?;
                Some(format!("--{}={}", arg.get_long()?, value.trim()))
            })
            .collect();
        let named = |err: clap::Error| {
            let flag = err
                .get(clap::error::ContextKind::InvalidArg)
                .map(|a| a.to_string())
                .unwrap_or_default();
            let long = flag
                .trim_start_matches("--")
                .split([' ', '='])
                .next()
                .unwrap_or_default()
                .to_owned();
            let variable = described
                .get_arguments()
                .find(|arg| arg.get_long() == Some(long.as_str()))
                .and_then(|arg| arg.get_env()?.to_str())
                .unwrap_or("environment")
                .to_owned();
            let rendered = err.render().to_string();
            let first = rendered.lines().next().unwrap_or_default();
            let reason = first.split_once("': ").map_or(first, |(_, r)| r);
            SettingsError::Invalid {
                variable,
                reason: reason.trim_start_matches("error: ").to_owned(),
            }
        };
        let matches = command.try_get_matches_from(args).map_err(named)?;
        Self::from_arg_matches(&matches).map_err(named)
    }
}

impl Settings {
    /// What `monitron-agent --help` prints: every variable with its default and meaning.
    pub fn help() -> String {
        use clap::CommandFactory;
        Env::command().render_long_help().to_string()
    }

    /// Reads the process environment.
    pub fn from_env() -> Result<Self, SettingsError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads settings through `lookup` (the environment, or a table in tests). Empty values
    /// count as unset.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, SettingsError> {
        let env = Env::read(lookup)?;
        let auth = auth_mode(&env)?;
        let tls = match (&env.tls_cert, &env.tls_key) {
            (Some(cert), Some(key)) => Some(TlsFiles {
                cert: cert.clone(),
                key: key.clone(),
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
        let collect_interval = env.collect_interval;
        if !(Duration::from_millis(100)..=Duration::from_secs(3600)).contains(&collect_interval) {
            return Err(invalid(
                "MONITRON_AGENT_COLLECT_INTERVAL",
                "must be between 100ms and 1h",
            ));
        }
        if env.cache_ttl <= collect_interval {
            return Err(invalid(
                "MONITRON_AGENT_CACHE_TTL",
                format!(
                    "must be longer than MONITRON_AGENT_COLLECT_INTERVAL ({} <= {})",
                    format_duration(env.cache_ttl),
                    format_duration(collect_interval)
                ),
            ));
        }
        if env.access_ttl < Duration::from_secs(1)
            || env.access_ttl > Duration::from_secs(24 * 3600)
        {
            return Err(invalid(
                "MONITRON_AGENT_ACCESS_TTL",
                "must be between 1s and 24h",
            ));
        }
        let push = push_settings(&env)?;
        let command = |line: &str| line.split_whitespace().map(str::to_owned).collect();
        Ok(Self {
            listen: env.listen,
            addr_file: env.addr_file.clone(),
            auth,
            tls,
            collect_interval,
            cache_ttl: env.cache_ttl,
            access_ttl: env.access_ttl,
            config_path: env
                .config
                .clone()
                .unwrap_or_else(|| env.data_dir.join("agent-config.json")),
            plugins_dir: env
                .plugins_dir
                .clone()
                .unwrap_or_else(|| env.data_dir.join("plugins")),
            data_dir: env.data_dir.clone(),
            allow_power: env.allow_power,
            reboot_command: command(&env.reboot_command),
            shutdown_command: command(&env.shutdown_command),
            push,
        })
    }
}

fn auth_mode(env: &Env) -> Result<AuthMode, SettingsError> {
    let mode = env.auth.trim();
    let user_and_password = || -> Result<(String, SecretString), SettingsError> {
        let username = env.username.clone().ok_or_else(|| {
            invalid(
                "MONITRON_AGENT_USERNAME",
                format!("is required when MONITRON_AGENT_AUTH={mode}"),
            )
        })?;
        let password = env.password.clone().ok_or_else(|| {
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
    let long_enough =
        |variable: &str, value: &Option<String>| -> Result<SecretString, SettingsError> {
            let value = value.clone().ok_or_else(|| {
                invalid(
                    variable,
                    format!("is required when MONITRON_AGENT_AUTH={mode}"),
                )
            })?;
            if value.len() < 16 {
                return Err(invalid(variable, "must be at least 16 characters"));
            }
            Ok(value.into())
        };
    match mode {
        "jwt" => {
            let (username, password) = user_and_password()?;
            Ok(AuthMode::Jwt { username, password })
        }
        "basic" => {
            let (username, password) = user_and_password()?;
            Ok(AuthMode::Basic { username, password })
        }
        "api_key" => Ok(AuthMode::ApiKey {
            key: long_enough("MONITRON_AGENT_API_KEY", &env.api_key)?,
        }),
        "hmac" => Ok(AuthMode::Hmac {
            secret: long_enough("MONITRON_AGENT_HMAC_SECRET", &env.hmac_secret)?,
        }),
        other => Err(invalid(
            "MONITRON_AGENT_AUTH",
            format!("`{other}` is not one of jwt, basic, api_key, hmac"),
        )),
    }
}

fn push_settings(env: &Env) -> Result<Option<PushSettings>, SettingsError> {
    let (url, token) = match (&env.server_url, &env.token) {
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
    let transport = match env.push.trim() {
        "ws" | "websocket" => PushTransport::WebSocket,
        "http" => PushTransport::Http,
        other => {
            return Err(invalid(
                "MONITRON_AGENT_PUSH",
                format!("`{other}` is not one of ws, http"),
            ))
        }
    };
    if env.reconnect_max < Duration::from_millis(10) {
        return Err(invalid(
            "MONITRON_AGENT_RECONNECT_MAX",
            "must be at least 10ms",
        ));
    }
    Ok(Some(PushSettings {
        server_url,
        token: token.trim().to_owned().into(),
        transport,
        reconnect_max: env.reconnect_max,
        server_ca: env.server_ca.clone(),
    }))
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
    fn help_lists_every_variable() {
        let help = Settings::help();
        for variable in [
            "MONITRON_AGENT_LISTEN",
            "MONITRON_AGENT_AUTH",
            "MONITRON_AGENT_COLLECT_INTERVAL",
            "MONITRON_SERVER_URL",
            "MONITRON_AGENT_ALLOW_POWER",
        ] {
            assert!(help.contains(variable), "{variable} in:\n{help}");
        }
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
