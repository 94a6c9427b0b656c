//! `tcp`: can a TCP connection be opened to `host:port`? Reports name resolution and
//! connection time separately, and the address actually reached.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::{millis, FieldErrors, Outcome, Probe, Scope};

/// Settings of a TCP check.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = TcpCheck))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Host name or IP address.
    pub host: String,
    /// Port, 1-65535.
    pub port: u16,
}

/// Facts a TCP check reports.
#[derive(Debug, Clone, Default, Serialize)]
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
    const SCOPE: Scope = Scope::Both;

    fn validate(&mut self) -> Result<(), FieldErrors> {
        let mut errors = FieldErrors::new();
        validate_host(&mut self.host, &mut errors);
        crate::check_port(self.port, &mut errors);
        crate::verdict(errors)
    }

    async fn run(&self, timeout: Duration) -> Outcome {
        let started = Instant::now();
        let mut details = Details {
            resolved_ip: None,
            dns_ms: None,
            connect_ms: None,
        };
        match connect(&self.host, self.port, started + timeout, &mut details).await {
            Ok((_stream, address)) => Outcome::up(
                millis(started.elapsed()),
                format!("connected to {address}"),
                details,
            ),
            Err(reason) => Outcome::down(None, reason, details),
        }
    }
}

/// Resolves `host` and connects to the first address that accepts before `deadline`. The
/// remaining time is shared among the addresses not yet tried, so one that never answers
/// (a broken IPv6 route, say) cannot use up the whole budget.
pub(crate) async fn connect(
    host: &str,
    port: u16,
    deadline: Instant,
    details: &mut Details,
) -> Result<(tokio::net::TcpStream, SocketAddr), String> {
    let started = Instant::now();
    let budget = deadline.saturating_duration_since(started);
    let addresses = crate::resolve::lookup(host, port, budget).await?;
    details.dns_ms = Some(millis(started.elapsed()));
    let Some(first) = addresses.first() else {
        return Err(format!("{host} has no address"));
    };
    details.resolved_ip = Some(first.ip().to_string());
    let mut failures = Vec::new();
    for (i, address) in addresses.iter().enumerate() {
        let connect_started = Instant::now();
        let left = u32::try_from(addresses.len() - i).unwrap_or(u32::MAX);
        let share = deadline.saturating_duration_since(connect_started) / left;
        match tokio::time::timeout(share, tokio::net::TcpStream::connect(address)).await {
            Ok(Ok(stream)) => {
                details.resolved_ip = Some(address.ip().to_string());
                details.connect_ms = Some(millis(connect_started.elapsed()));
                return Ok((stream, *address));
            }
            Ok(Err(err)) => failures.push(format!("{address}: {err}")),
            Err(_) => failures.push(format!(
                "{address}: no answer within {:.1} s",
                share.as_secs_f64()
            )),
        }
    }
    if failures.iter().all(|f| f.contains("no answer")) {
        Err(format!(
            "timed out connecting to {host} ({})",
            failures.join("; ")
        ))
    } else {
        Err(format!("connection failed ({})", failures.join("; ")))
    }
}
