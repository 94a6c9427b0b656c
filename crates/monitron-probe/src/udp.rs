//! `udp`: does a UDP service answer? Sends `payload` to `host:port` and, when `expect` is
//! set, requires a reply containing it.
//!
//! UDP has no handshake, so without `expect` the check can only tell "refused" (the host
//! answered ICMP port unreachable, which a connected socket reports as an error) from
//! "not refused": it is up on any reply, or on silence for [`QUIET_WAIT`] after sending.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::tcp::validate_host;
use crate::{millis, FieldErrors, Outcome, Probe, Scope};

/// Largest payload, in bytes.
pub const MAX_PAYLOAD: usize = 8192;
/// Without `expect`, how long silence after sending counts as "not refused".
pub const QUIET_WAIT: Duration = Duration::from_secs(1);

/// Settings of a UDP check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Host name or IP address.
    pub host: String,
    /// Port, 1-65535.
    pub port: u16,
    /// Text sent in one datagram (may be empty).
    #[serde(default)]
    pub payload: String,
    /// Text the reply must contain; without it any reply, or none, is fine.
    #[serde(default)]
    pub expect: Option<String>,
}

/// What a UDP check found.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Details {
    /// The address sent to.
    pub resolved_ip: Option<String>,
    /// Bytes sent.
    pub bytes_sent: usize,
    /// Bytes in the reply.
    pub bytes_received: Option<usize>,
    /// The reply's start, as text.
    pub reply: Option<String>,
}

impl Probe for Config {
    const SCOPE: Scope = Scope::Agent;

    fn validate(&mut self) -> Result<(), FieldErrors> {
        let mut errors = FieldErrors::new();
        validate_host(&mut self.host, &mut errors);
        crate::check_port(self.port, &mut errors);
        if self.payload.len() > MAX_PAYLOAD {
            errors.insert(
                "payload".into(),
                format!("must be at most {MAX_PAYLOAD} bytes"),
            );
        }
        if self.expect.as_deref().is_some_and(str::is_empty) {
            errors.insert(
                "expect".into(),
                "must not be empty (leave it out instead)".into(),
            );
        }
        crate::verdict(errors)
    }

    async fn run(&self, timeout: Duration) -> Outcome {
        let started = Instant::now();
        let deadline = started + timeout;
        let mut details = Details::default();
        let address: SocketAddr = match crate::resolve::first(&self.host, self.port, timeout).await
        {
            Ok(a) => a,
            Err(message) => return Outcome::down(None, message, details),
        };
        details.resolved_ip = Some(address.ip().to_string());
        let bind: SocketAddr = if address.is_ipv4() {
            (std::net::Ipv4Addr::UNSPECIFIED, 0).into()
        } else {
            (std::net::Ipv6Addr::UNSPECIFIED, 0).into()
        };
        let socket = match tokio::net::UdpSocket::bind(bind).await {
            Ok(s) => s,
            Err(err) => {
                return Outcome::down(None, format!("cannot open a UDP socket: {err}"), details)
            }
        };
        if let Err(err) = socket.connect(address).await {
            return Outcome::down(None, format!("cannot reach {address}: {err}"), details);
        }
        let sent_at = Instant::now();
        match socket.send(self.payload.as_bytes()).await {
            Ok(n) => details.bytes_sent = n,
            Err(err) => {
                return Outcome::down(None, format!("cannot send to {address}: {err}"), details)
            }
        }
        let wait = match self.expect {
            Some(_) => deadline.saturating_duration_since(Instant::now()),
            None => QUIET_WAIT.min(deadline.saturating_duration_since(Instant::now())),
        };
        let mut reply = vec![0u8; 65_536];
        match tokio::time::timeout(wait, socket.recv(&mut reply)).await {
            Ok(Ok(n)) => {
                let rtt = millis(sent_at.elapsed());
                let text = String::from_utf8_lossy(&reply[..n]).into_owned();
                details.bytes_received = Some(n);
                details.reply = Some(text.chars().take(200).collect());
                match &self.expect {
                    Some(expected) if !text.contains(expected.as_str()) => Outcome::down(
                        Some(rtt),
                        format!("the reply from {address} does not contain {expected:?}"),
                        details,
                    ),
                    _ => Outcome::up(rtt, format!("{n} bytes from {address}"), details),
                }
            }
            Ok(Err(err)) if err.kind() == std::io::ErrorKind::ConnectionRefused => Outcome::down(
                None,
                format!("{address} refused (ICMP port unreachable)"),
                details,
            ),
            Ok(Err(err)) => Outcome::down(
                None,
                format!("receiving from {address} failed: {err}"),
                details,
            ),
            Err(_) => match &self.expect {
                Some(_) => Outcome::down(
                    None,
                    format!("no reply from {address} within {:.1} s", wait.as_secs_f64()),
                    details,
                ),
                None => Outcome::up(
                    millis(sent_at.elapsed()),
                    format!("sent to {address}; not refused (no reply expected)"),
                    details,
                ),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_names_fields() {
        let mut bad = Config {
            host: "".into(),
            port: 0,
            payload: "x".repeat(MAX_PAYLOAD + 1),
            expect: Some(String::new()),
        };
        let errors = bad.validate().unwrap_err();
        for field in ["host", "port", "payload", "expect"] {
            assert!(errors.contains_key(field), "{field}: {errors:?}");
        }
        let c: Config =
            serde_json::from_value(serde_json::json!({"host": "h", "port": 53})).unwrap();
        assert_eq!((c.payload.as_str(), c.expect), ("", None));
    }
}
