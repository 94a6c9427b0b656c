//! Every environment variable the server reads, declared once: its name, type, default and
//! meaning, as one clap-derived struct. [`Env::parse`] reads them (from the process
//! environment and `.env`, or from a table in tests), [`Env::describe`] lists them for
//! `monitron config check` with secrets masked, and `Config::load` (the parent module)
//! checks how they fit together.
//!
//! A variable marked `hide_env_values` is a secret (masked when shown); one with
//! `value_hint = Url` may carry a password inside its URL (that part is masked).

use std::collections::HashMap;
use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::error::ContextKind;
use clap::{CommandFactory, FromArgMatches, ValueHint};
use secrecy::SecretString;

use crate::config::{mask_url_password, ConfigError};
use crate::rate_limit::RateSpec;

/// A source of variables: the process environment in production, a table in tests.
pub struct Vars(HashMap<String, String>);

impl Vars {
    /// Reads the process environment (after loading `.env` if there is one).
    pub fn from_env() -> Self {
        let _ = dotenvy::dotenv();
        Self(std::env::vars().collect())
    }

    /// Builds a source from explicit pairs.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        Self(
            pairs
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect(),
        )
    }

    /// A variable's value; empty counts as unset.
    fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(|v| v.trim()).filter(|v| !v.is_empty())
    }
}

fn secret(raw: &str) -> Result<SecretString, String> {
    Ok(SecretString::from(raw.to_owned()))
}

fn port(raw: &str) -> Result<u16, String> {
    raw.parse()
        .map_err(|_| format!("expected a port number 0-65535, got {raw:?}"))
}

fn count(raw: &str) -> Result<u32, String> {
    raw.parse()
        .map_err(|_| format!("expected a whole number, got {raw:?}"))
}

fn address(raw: &str) -> Result<IpAddr, String> {
    raw.parse()
        .map_err(|_| format!("expected an IP address, got {raw:?}"))
}

fn duration(raw: &str) -> Result<Duration, String> {
    monitron_proto::duration::parse(raw)
}

fn rate(raw: &str) -> Result<RateSpec, String> {
    raw.parse()
}

/// The server's environment variables.
#[derive(Debug, Clone, clap::Parser)]
#[command(
    name = "monitron",
    no_binary_name = true,
    disable_help_flag = true,
    disable_version_flag = true
)]
pub struct Env {
    /// `development` or `production` (production refuses to generate missing secrets).
    #[arg(long, env = "MONITRON_ENV", default_value = "development", value_parser = ["development", "production"])]
    pub monitron_env: String,
    /// Address to listen on.
    #[arg(long, env = "BIND_ADDRESS", default_value = "0.0.0.0", value_parser = address)]
    pub bind_address: IpAddr,
    /// HTTP port (0 picks a free one).
    #[arg(long, env = "PORT", default_value = "3000", value_parser = port)]
    pub port: u16,
    /// Base URL users reach Monitron at, used in e-mailed links (default: http://localhost:$PORT).
    #[arg(long, env = "PUBLIC_URL", value_hint = ValueHint::Url)]
    pub public_url: Option<String>,
    /// Alertmanager that hears every alert, as an implicit default channel
    /// (`http://alertmanager:9093`; a URL ending in /api/v1/alerts is accepted too).
    #[arg(long, env = "ALERTMANAGER_URL", value_hint = ValueHint::Url)]
    pub alertmanager_url: Option<String>,
    /// How often firing alerts are sent to Alertmanager channels again.
    #[arg(long, env = "ALERTMANAGER_RESEND_INTERVAL", default_value = "60s", value_parser = duration)]
    pub alertmanager_resend_interval: Duration,
    /// Folder for the SQLite database and generated secrets.
    #[arg(long, env = "DATA_DIR", default_value = "./data")]
    pub data_dir: PathBuf,
    /// `postgres://user:pass@host:5432/db` or `sqlite://path?mode=rwc` (default: SQLite in DATA_DIR).
    #[arg(long, env = "DATABASE_URL", value_hint = ValueHint::Url, value_parser = secret)]
    pub database_url: Option<SecretString>,
    /// PostgreSQL host, when DATABASE_URL is not set.
    #[arg(long, env = "DB_HOST")]
    pub db_host: Option<String>,
    /// PostgreSQL port.
    #[arg(long, env = "DB_PORT", default_value = "5432", value_parser = port)]
    pub db_port: u16,
    /// PostgreSQL user.
    #[arg(long, env = "DB_USER", default_value = "postgres")]
    pub db_user: String,
    /// PostgreSQL password.
    #[arg(long, env = "DB_PASSWORD", hide_env_values = true, value_parser = secret)]
    pub db_password: Option<SecretString>,
    /// PostgreSQL database.
    #[arg(long, env = "DB_NAME", default_value = "monitron")]
    pub db_name: String,
    /// PostgreSQL sslmode.
    #[arg(long, env = "DB_SSLMODE", default_value = "prefer",
          value_parser = ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"])]
    pub db_sslmode: String,
    /// Connection pool size.
    #[arg(long, env = "DATABASE_MAX_CONNECTIONS", default_value = "10", value_parser = count)]
    pub database_max_connections: u32,
    /// `amqp://user:pass@host:5672/%2f`: work queues on RabbitMQ (default: in-process).
    #[arg(long, env = "RABBITMQ_URL", value_hint = ValueHint::Url, value_parser = secret)]
    pub rabbitmq_url: Option<SecretString>,
    /// Prefix of the RabbitMQ queue names, for several deployments on one vhost.
    #[arg(long, env = "QUEUE_PREFIX", default_value = "monitron")]
    pub queue_prefix: String,
    /// Signing key for access tokens, 32+ characters (default: generated into DATA_DIR).
    #[arg(long, env = "JWT_SECRET", hide_env_values = true, value_parser = secret)]
    pub jwt_secret: Option<SecretString>,
    /// 32 bytes (base64, hex or raw) sealing secrets at rest (default: generated into DATA_DIR).
    #[arg(long, env = "ENCRYPTION_KEY", hide_env_values = true, value_parser = secret)]
    pub encryption_key: Option<SecretString>,
    /// Lifetime of access tokens.
    #[arg(long, env = "ACCESS_TOKEN_TTL", default_value = "15m", value_parser = duration)]
    pub access_token_ttl: Duration,
    /// Lifetime of refresh tokens (rotated on every use).
    #[arg(long, env = "REFRESH_TOKEN_TTL", default_value = "30d", value_parser = duration)]
    pub refresh_token_ttl: Duration,
    /// Longest a sign-in lasts however often it is refreshed.
    #[arg(long, env = "SESSION_MAX_AGE", default_value = "90d", value_parser = duration)]
    pub session_max_age: Duration,
    /// Lifetime of e-mailed password-reset links.
    #[arg(long, env = "PASSWORD_RESET_TTL", default_value = "30m", value_parser = duration)]
    pub password_reset_ttl: Duration,
    /// SMTP server; e-mail is off without it.
    #[arg(long, env = "EMAIL_HOST")]
    pub email_host: Option<String>,
    /// SMTP port.
    #[arg(long, env = "EMAIL_PORT", default_value = "587", value_parser = port)]
    pub email_port: u16,
    /// SMTP login.
    #[arg(long, env = "EMAIL_USERNAME")]
    pub email_username: Option<String>,
    /// SMTP password.
    #[arg(long, env = "EMAIL_PASSWORD", hide_env_values = true, value_parser = secret)]
    pub email_password: Option<SecretString>,
    /// Sender address (`Monitron <noreply@example.com>` accepted); required with EMAIL_HOST.
    #[arg(long, env = "EMAIL_FROM")]
    pub email_from: Option<String>,
    /// `none`, `starttls` or `tls` (default: tls on port 465, starttls otherwise).
    #[arg(long, env = "EMAIL_TLS", value_parser = ["none", "starttls", "tls"])]
    pub email_tls: Option<String>,
    /// `json` or `pretty`.
    #[arg(long, env = "LOG_FORMAT", default_value = "pretty", value_parser = ["json", "pretty"])]
    pub log_format: String,
    /// A level or a filter such as `info,sqlx=warn`.
    #[arg(long, env = "LOG_LEVEL", default_value = "info")]
    pub log_level: String,
    /// IPs/CIDRs of reverse proxies whose X-Forwarded-For is believed.
    #[arg(long, env = "TRUSTED_PROXIES")]
    pub trusted_proxies: Option<String>,
    /// When set, /metrics requires `Authorization: Bearer <token>`.
    #[arg(long, env = "METRICS_TOKEN", hide_env_values = true, value_parser = secret)]
    pub metrics_token: Option<SecretString>,
    /// Login attempts per client IP.
    #[arg(long, env = "RATE_LIMIT_LOGIN_PER_IP", default_value = "30/1m", value_parser = rate)]
    pub rate_limit_login_per_ip: RateSpec,
    /// Login attempts per username or e-mail.
    #[arg(long, env = "RATE_LIMIT_LOGIN_PER_ACCOUNT", default_value = "10/5m", value_parser = rate)]
    pub rate_limit_login_per_account: RateSpec,
    /// Password-recovery requests per client IP.
    #[arg(long, env = "RATE_LIMIT_FORGOT_PER_IP", default_value = "10/1h", value_parser = rate)]
    pub rate_limit_forgot_per_ip: RateSpec,
    /// Password-recovery requests per address.
    #[arg(long, env = "RATE_LIMIT_FORGOT_PER_EMAIL", default_value = "3/1h", value_parser = rate)]
    pub rate_limit_forgot_per_email: RateSpec,
    /// Registrations per client IP.
    #[arg(long, env = "RATE_LIMIT_REGISTER_PER_IP", default_value = "10/1h", value_parser = rate)]
    pub rate_limit_register_per_ip: RateSpec,
    /// Heartbeat pings per ping URL.
    #[arg(long, env = "RATE_LIMIT_PING_PER_TOKEN", default_value = "60/1m", value_parser = rate)]
    pub rate_limit_ping_per_token: RateSpec,
    /// E-mail of the first administrator, created when no user exists.
    #[arg(long, env = "INITIAL_ADMIN_EMAIL")]
    pub initial_admin_email: Option<String>,
    /// Password of the first administrator.
    #[arg(long, env = "INITIAL_ADMIN_PASSWORD", hide_env_values = true, value_parser = secret)]
    pub initial_admin_password: Option<SecretString>,
    /// Username of the first administrator.
    #[arg(long, env = "INITIAL_ADMIN_USERNAME", default_value = "admin")]
    pub initial_admin_username: String,
    /// How long shutdown waits for in-flight requests.
    #[arg(long, env = "SHUTDOWN_TIMEOUT", default_value = "30s", value_parser = duration)]
    pub shutdown_timeout: Duration,
    /// Longest a request may take before it is answered 504 (running a check now is
    /// bounded by the check's own timeout instead).
    #[arg(long, env = "REQUEST_TIMEOUT", default_value = "30s", value_parser = duration)]
    pub request_timeout: Duration,
    /// Checks one worker runs at the same time.
    #[arg(long, env = "CHECK_CONCURRENCY", default_value = "1000", value_parser = count)]
    pub check_concurrency: u32,
    /// How long raw results are kept.
    #[arg(long, env = "RETENTION_RAW", default_value = "7d", value_parser = duration)]
    pub retention_raw: Duration,
    /// How long 1-minute rollups are kept.
    #[arg(long, env = "RETENTION_1M", default_value = "30d", value_parser = duration)]
    pub retention_1m: Duration,
    /// How long 1-hour rollups are kept.
    #[arg(long, env = "RETENTION_1H", default_value = "400d", value_parser = duration)]
    pub retention_1h: Duration,
    /// RDAP bootstrap file for domain registration lookups.
    #[arg(long, env = "RDAP_BOOTSTRAP_URL", default_value = "https://data.iana.org/rdap/dns.json", value_hint = ValueHint::Url)]
    pub rdap_bootstrap_url: String,
    /// First WHOIS server asked when RDAP has no answer.
    #[arg(long, env = "WHOIS_SERVER", default_value = "whois.iana.org:43")]
    pub whois_server: String,
    /// `ip` or `ip:port` resolving domains' addresses (default: the system's resolver).
    #[arg(long, env = "DOMAIN_DNS_RESOLVER")]
    pub domain_dns_resolver: Option<String>,
}

impl Env {
    /// Reads every variable from `vars`, failing on the first bad one with its name.
    pub fn parse(vars: &Vars) -> Result<Self, ConfigError> {
        let described = Self::command();
        // The values come from `vars`, never straight from the process: tests pass tables.
        let command = Self::command().mut_args(|arg| arg.env(None::<&str>));
        let args: Vec<String> = described
            .get_arguments()
            .filter_map(|arg| {
                let name = arg.get_env()?.to_str()?;
                let value = vars.get(name)?;
                Some(format!("--{}={value}", arg.get_long()?))
            })
            .collect();
        let matches = command
            .try_get_matches_from(args)
            .map_err(|err| named(&described, &err))?;
        Self::from_arg_matches(&matches).map_err(|err| named(&described, &err))
    }

    /// Every variable with the value in effect (given, or the default, or "(not set)"),
    /// secrets masked.
    pub fn describe(vars: &Vars) -> Vec<(String, String)> {
        Self::command()
            .get_arguments()
            .filter_map(|arg| {
                let name = arg.get_env()?.to_str()?.to_owned();
                let given = vars.get(&name).map(str::to_owned);
                let value = match given {
                    Some(_) if arg.is_hide_env_values_set() => "******".to_owned(),
                    Some(v) if arg.get_value_hint() == ValueHint::Url => mask_url_password(&v),
                    Some(v) => v,
                    None => match arg.get_default_values().first() {
                        Some(default) => default.to_string_lossy().into_owned(),
                        None => "(not set)".to_owned(),
                    },
                };
                Some((name, value))
            })
            .collect()
    }
}

/// The variable a clap error is about, and why, in the words of its value parser.
fn named(command: &clap::Command, err: &clap::Error) -> ConfigError {
    let flag = err
        .get(ContextKind::InvalidArg)
        .map(|arg| arg.to_string())
        .unwrap_or_default();
    let long = flag
        .trim_start_matches("--")
        .split([' ', '='])
        .next()
        .unwrap_or_default();
    let var = command
        .get_arguments()
        .find(|arg| arg.get_long() == Some(long))
        .and_then(|arg| arg.get_env())
        .and_then(|env| env.to_str())
        .unwrap_or("environment")
        .to_owned();
    let reason = match (
        err.get(ContextKind::InvalidValue),
        err.get(ContextKind::ValidValue),
    ) {
        (Some(value), Some(valid)) => format!("expected one of {valid}, got {value:?}"),
        _ => {
            let rendered = err.render().to_string();
            let first = rendered.lines().next().unwrap_or_default();
            first
                .split_once("': ")
                .map_or(first, |(_, reason)| reason)
                .trim_start_matches("error: ")
                .to_owned()
        }
    };
    ConfigError { var, reason }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_variable_is_declared_once_with_a_long_name() {
        let command = Env::command();
        let mut names: Vec<&str> = command
            .get_arguments()
            .map(|arg| {
                assert!(arg.get_long().is_some(), "{:?}", arg.get_id());
                arg.get_env().and_then(|e| e.to_str()).expect("an env name")
            })
            .collect();
        let total = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), total);
        assert!(names.contains(&"REQUEST_TIMEOUT") && names.contains(&"DATABASE_URL"));
    }

    #[test]
    fn bad_values_are_named_with_what_was_expected() {
        let err = Env::parse(&Vars::from_pairs([("PORT", "http")])).unwrap_err();
        assert_eq!(err.var, "PORT");
        assert_eq!(err.reason, "expected a port number 0-65535, got \"http\"");
        let err = Env::parse(&Vars::from_pairs([("LOG_FORMAT", "xml")])).unwrap_err();
        assert_eq!(err.var, "LOG_FORMAT");
        assert!(
            err.reason.contains("json") && err.reason.contains("xml"),
            "{}",
            err.reason
        );
        let err = Env::parse(&Vars::from_pairs([("SHUTDOWN_TIMEOUT", "soon")])).unwrap_err();
        assert_eq!(err.var, "SHUTDOWN_TIMEOUT");
        assert!(err.reason.contains("500ms"), "{}", err.reason);
    }
}
