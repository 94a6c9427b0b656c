//! `ping`: ICMP echo. Sends `count` echo requests of `packet_size` bytes and reports loss
//! and round-trip times (min/avg/max). Up when at least one reply came back.
//!
//! Needs an ICMP socket: unprivileged datagram ICMP where `net.ipv4.ping_group_range`
//! allows it, otherwise a raw socket (root or CAP_NET_RAW).

use std::net::IpAddr;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use surge_ping::{Client, Config as SocketConfig, PingIdentifier, PingSequence, ICMP};

use crate::tcp::validate_host;
use crate::{millis, FieldErrors, Outcome, Probe, Scope};

/// Most echo requests per check.
pub const MAX_COUNT: u16 = 100;
/// Largest payload, in bytes.
pub const MAX_PACKET_SIZE: u16 = 65_500;
/// Pause between echo requests of one check.
const INTERVAL: Duration = Duration::from_millis(200);

/// Settings of a ping check.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = PingCheck))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Host name or IP address.
    pub host: String,
    /// Echo requests to send, 1-100.
    #[serde(default = "default_count")]
    pub count: u16,
    /// Payload size in bytes.
    #[serde(default = "default_packet_size")]
    pub packet_size: u16,
}

fn default_count() -> u16 {
    1
}

fn default_packet_size() -> u16 {
    56
}

/// What a ping check found.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Details {
    /// Address pinged.
    pub resolved_ip: Option<IpAddr>,
    /// Echo requests sent.
    pub sent: u16,
    /// Replies received.
    pub received: u16,
    /// Share of requests without reply, in percent.
    pub loss_pct: f64,
    /// Fastest round trip, in milliseconds.
    pub rtt_min_ms: Option<f64>,
    /// Mean round trip, in milliseconds.
    pub rtt_avg_ms: Option<f64>,
    /// Slowest round trip, in milliseconds.
    pub rtt_max_ms: Option<f64>,
}

impl Probe for Config {
    const SCOPE: Scope = Scope::Both;

    fn validate(&mut self) -> Result<(), FieldErrors> {
        let mut errors = FieldErrors::new();
        validate_host(&mut self.host, &mut errors);
        if !(1..=MAX_COUNT).contains(&self.count) {
            errors.insert("count".into(), format!("must be between 1 and {MAX_COUNT}"));
        }
        if self.packet_size > MAX_PACKET_SIZE {
            errors.insert(
                "packet_size".into(),
                format!("must be at most {MAX_PACKET_SIZE}"),
            );
        }
        crate::verdict(errors)
    }

    async fn run(&self, timeout: Duration) -> Outcome {
        let mut details = Details::default();
        let deadline = Instant::now() + timeout;
        let address = match crate::resolve::first(&self.host, 0, timeout).await {
            Ok(a) => a.ip(),
            Err(message) => return Outcome::down(None, message, details),
        };
        details.resolved_ip = Some(address);
        let kind = if address.is_ipv4() {
            ICMP::V4
        } else {
            ICMP::V6
        };
        let client = match Client::new(&SocketConfig::builder().kind(kind).build()) {
            Ok(c) => c,
            Err(err) => return Outcome::down(None, format!("cannot open an ICMP socket ({err}); the server needs CAP_NET_RAW or net.ipv4.ping_group_range"), details),
        };
        let ident = PingIdentifier(rand_ident());
        let payload = std::sync::Arc::new(vec![0u8; usize::from(self.packet_size)]);
        // Requests leave on the interval; every reply is awaited until the overall deadline,
        // so a slow host is not cut short by an early request's share of the budget.
        let started = Instant::now();
        let mut replies = tokio::task::JoinSet::new();
        for seq in 0..self.count {
            let send_at = started + INTERVAL * u32::from(seq);
            if send_at >= deadline {
                break;
            }
            details.sent += 1;
            let (client, payload) = (client.clone(), payload.clone());
            replies.spawn(async move {
                tokio::time::sleep_until(send_at.into()).await;
                let mut pinger = client.pinger(address, ident).await;
                pinger.timeout(deadline.saturating_duration_since(Instant::now()));
                pinger.ping(PingSequence(seq), &payload).await
            });
        }
        let mut rtts = Vec::new();
        let mut last_error = None;
        while let Some(reply) = replies.join_next().await {
            match reply {
                Ok(Ok((_, rtt))) => rtts.push(millis(rtt)),
                Ok(Err(err)) => last_error = Some(err.to_string()),
                Err(err) => last_error = Some(err.to_string()),
            }
        }
        details.received = rtts.len() as u16;
        details.loss_pct = if details.sent == 0 {
            100.0
        } else {
            100.0 * f64::from(details.sent - details.received) / f64::from(details.sent)
        };
        if rtts.is_empty() {
            let why = last_error.unwrap_or_else(|| "no time left".into());
            return Outcome::down(
                None,
                format!("no reply from {address} ({} sent; {why})", details.sent),
                details,
            );
        }
        let avg = rtts.iter().sum::<f64>() / rtts.len() as f64;
        details.rtt_min_ms = rtts.iter().copied().reduce(f64::min);
        details.rtt_max_ms = rtts.iter().copied().reduce(f64::max);
        details.rtt_avg_ms = Some(avg);
        let message = format!(
            "{}/{} replies from {address}, avg {avg:.2} ms",
            details.received, details.sent
        );
        Outcome::up(avg, message, details)
    }
}

fn rand_ident() -> u16 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    (nanos ^ std::process::id()) as u16
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_validation() {
        let c: Config = serde_json::from_value(serde_json::json!({ "host": "127.0.0.1" })).unwrap();
        assert_eq!((c.count, c.packet_size), (1, 56));
        let mut bad = Config {
            host: "".into(),
            count: 0,
            packet_size: 65_501,
        };
        let errors = bad.validate().unwrap_err();
        for field in ["host", "count", "packet_size"] {
            assert!(errors.contains_key(field), "{field}: {errors:?}");
        }
    }
}
