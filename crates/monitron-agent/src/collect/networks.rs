//! Per-interface traffic from `/proc/net/dev` deltas, with the link speed from
//! `/sys/class/net/<if>/speed` where the driver reports one.
//!
//! Reported: every interface except loopback (`lo`) and the host ends of container veth
//! pairs (`veth*`): each container adds one, and their traffic is already counted on the
//! bridge they hang off (`docker0`, `br-*`, `cni0`), which is reported. Bridges, bonds,
//! VLANs, tunnels and WireGuard interfaces are reported like physical ones.

use std::collections::HashMap;
use std::time::Instant;

use monitron_proto::snapshot::Network;

use super::{rate, round2};

/// Whether an interface is reported.
pub(crate) fn is_reported(name: &str) -> bool {
    name != "lo" && !name.starts_with("veth")
}

/// Link speed in Mbit/s, when the interface reports a positive one (virtual interfaces and
/// links that are down report -1 or nothing).
pub(crate) fn link_speed_mbps(name: &str) -> Option<u64> {
    let text = std::fs::read_to_string(format!("/sys/class/net/{name}/speed")).ok()?;
    text.trim()
        .parse::<i64>()
        .ok()
        .filter(|&s| s > 0)
        .map(|s| s as u64)
}

/// A rate as a share of the link speed, 0-100 (rounding can exceed 100 slightly on
/// links that burst above nominal speed; it is not clamped, so that is visible).
pub(crate) fn link_share(bytes_per_s: f64, speed_mbps: u64) -> f64 {
    round2(bytes_per_s * 8.0 / (speed_mbps as f64 * 1e6) * 100.0)
}

/// Keeps the previous counters for the next delta.
#[derive(Default)]
pub(crate) struct NetworkSampler {
    previous: HashMap<String, (u64, u64)>,
    previous_at: Option<Instant>,
}

impl NetworkSampler {
    /// Reports every interface's totals and rates since the previous call.
    pub(crate) fn sample(&mut self, now: Instant) -> Vec<Network> {
        let devices = match procfs::net::dev_status() {
            Ok(devices) => devices,
            Err(err) => {
                tracing::warn!(error = %err, "Cannot read /proc/net/dev.");
                return Vec::new();
            }
        };
        let elapsed = self.previous_at.map(|at| now.duration_since(at));
        let mut networks: Vec<Network> = Vec::with_capacity(devices.len());
        let mut current = HashMap::with_capacity(devices.len());
        for (name, dev) in devices {
            if !is_reported(&name) {
                continue;
            }
            // An interface seen for the first time has no rate yet.
            let (rx_rate, tx_rate) = match (self.previous.get(&name), elapsed) {
                (Some(before), Some(elapsed)) => (
                    rate(before.0, dev.recv_bytes, elapsed),
                    rate(before.1, dev.sent_bytes, elapsed),
                ),
                _ => (None, None),
            };
            let speed_mbps = link_speed_mbps(&name);
            current.insert(name.clone(), (dev.recv_bytes, dev.sent_bytes));
            networks.push(Network {
                name,
                rx_bytes: dev.recv_bytes,
                tx_bytes: dev.sent_bytes,
                rx_bytes_per_s: rx_rate,
                tx_bytes_per_s: tx_rate,
                speed_mbps,
                rx_pct: speed_mbps.zip(rx_rate).map(|(s, r)| link_share(r, s)),
                tx_pct: speed_mbps.zip(tx_rate).map(|(s, r)| link_share(r, s)),
            });
        }
        networks.sort_by(|a, b| a.name.cmp(&b.name));
        self.previous = current;
        self.previous_at = Some(now);
        networks
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_and_veth_are_left_out() {
        for (name, reported) in [
            ("lo", false),
            ("veth1a2b3c", false),
            ("eth0", true),
            ("docker0", true),
            ("wg0", true),
            ("enp3s0", true),
        ] {
            assert_eq!(is_reported(name), reported, "{name}");
        }
    }

    #[test]
    fn link_share_uses_bits_per_second() {
        // 12.5 MB/s is 100 Mbit/s: all of a 100 Mbit/s link, a tenth of a gigabit one.
        assert_eq!(link_share(12_500_000.0, 100), 100.0);
        assert_eq!(link_share(12_500_000.0, 1000), 10.0);
        assert_eq!(link_share(0.0, 1000), 0.0);
    }

    #[test]
    fn loopback_is_not_reported_but_counters_are_read() {
        let mut sampler = NetworkSampler::default();
        let networks = sampler.sample(Instant::now());
        assert!(networks.iter().all(|n| n.name != "lo"));
        assert!(networks.windows(2).all(|w| w[0].name < w[1].name));
    }

    /// Regression: rates were reported as 0 before a second sample existed.
    #[test]
    fn rates_are_null_until_an_interface_was_read_twice() {
        let mut sampler = NetworkSampler::default();
        let first = sampler.sample(Instant::now());
        assert!(first.iter().all(|n| n.rx_bytes_per_s.is_none()
            && n.tx_bytes_per_s.is_none()
            && n.rx_pct.is_none()));
        std::thread::sleep(std::time::Duration::from_millis(20));
        let second = sampler.sample(Instant::now());
        assert!(second
            .iter()
            .all(|n| n.rx_bytes_per_s.is_some() && n.tx_bytes_per_s.is_some()));
    }
}
