//! `tcp`: can a TCP connection be opened to `host:port`? Reports name resolution and
//! connection time separately, and the address actually reached.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::{millis, FieldErrors, Outcome, Probe};

/// Settings of a TCP check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Host name or IP address.
    pub host: String,
    /// Port, 1-65535.
    pub port: u16,
}

/// Facts a TCP check reports.
#[derive(Debug, Clone, Serialize)]
pub struct Details {
    /// The address connected to (or the first one tried).
    pub resolved_ip: Option<String>,
    /// Time to resolve the host name, in milliseconds.
    pub dns_ms: Option<f64>,
    /// Time to establish the connection, in milliseconds.
    pub connect_ms: Option<f64>,
}

/// Checks a host name or IP literal (brackets around IPv6 are accepted and removed).
pub(crate) fn validate_host(host: &mut String, errors: &mut FieldErrors) {
    let trimmed = host
        .trim()
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_owned();
    if trimmed.is_empty() {
        errors.insert("host".into(), "is required".into());
    } else if trimmed.len() > 253
        || trimmed.contains("://")
        || trimmed.contains('/')
        || trimmed.chars().any(char::is_whitespace)
    {
        errors.insert(
            "host".into(),
            "must be a host name or IP address, without scheme or path".into(),
        );
    } else {
        *host = trimmed;
    }
}

impl Probe for Config {
    fn validate(&mut self) -> Result<(), FieldErrors> {
        let mut errors = FieldErrors::new();
        validate_host(&mut self.host, &mut errors);
        if self.port == 0 {
            errors.insert("port".into(), "must be between 1 and 65535".into());
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    async fn run(&self, timeout: Duration) -> Outcome {
        let started = Instant::now();
        let deadline = started + timeout;
        let mut details = Details {
            resolved_ip: None,
            dns_ms: None,
            connect_ms: None,
        };
        let addresses: Vec<SocketAddr> = match tokio::time::timeout(
            timeout,
            tokio::net::lookup_host((self.host.as_str(), self.port)),
        )
        .await
        {
            Ok(Ok(addrs)) => addrs.collect(),
            Ok(Err(err)) => {
                return Outcome::down(
                    None,
                    format!("cannot resolve {}: {err}", self.host),
                    details,
                )
            }
            Err(_) => {
                return Outcome::down(
                    None,
                    format!(
                        "timed out resolving {} after {} s",
                        self.host,
                        timeout.as_secs()
                    ),
                    details,
                )
            }
        };
        details.dns_ms = Some(millis(started.elapsed()));
        let Some(first) = addresses.first() else {
            return Outcome::down(None, format!("{} has no address", self.host), details);
        };
        details.resolved_ip = Some(first.ip().to_string());
        let mut last_error = String::new();
        for address in &addresses {
            let connect_started = Instant::now();
            let remaining = deadline.saturating_duration_since(connect_started);
            match tokio::time::timeout(remaining, tokio::net::TcpStream::connect(address)).await {
                Ok(Ok(_stream)) => {
                    details.resolved_ip = Some(address.ip().to_string());
                    details.connect_ms = Some(millis(connect_started.elapsed()));
                    let total = millis(started.elapsed());
                    return Outcome::up(total, format!("connected to {address}"), details);
                }
                Ok(Err(err)) => last_error = format!("{address}: {err}"),
                Err(_) => {
                    return Outcome::down(
                        None,
                        format!(
                            "timed out connecting to {address} after {} s",
                            timeout.as_secs()
                        ),
                        details,
                    );
                }
            }
        }
        Outcome::down(None, format!("connection failed ({last_error})"), details)
    }
}
