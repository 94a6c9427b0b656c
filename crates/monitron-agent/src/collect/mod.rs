//! Collection of a host's metrics into a [`Snapshot`].
//!
//! [`Collector`] owns what a collection needs to remember between runs (previous counters
//! for CPU, disk and network rates, the mount table, the NVML handle), so one collection is
//! one method call that tests can drive directly. A collection never fails: a source that
//! cannot be read is logged and left empty, so one broken `/proc` file costs that metric,
//! not the snapshot.

mod cpu;
pub(crate) mod disks;
mod gpus;
pub(crate) mod networks;

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use monitron_proto::snapshot::Memory;
use monitron_proto::Snapshot;
use procfs::Current;

pub use gpus::Gpus;

/// Rounds to two decimals: more digits are noise and cost bytes on every snapshot.
pub(crate) fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// Bytes per second between two readings of a counter; unknown (`None`) when the counter
/// went backwards (the device or interface was re-created) or no time passed: a made-up
/// 0 would read as "idle".
pub(crate) fn rate(before: u64, now: u64, elapsed: Duration) -> Option<f64> {
    let secs = elapsed.as_secs_f64();
    (now >= before && secs > 0.0).then(|| round2((now - before) as f64 / secs))
}

/// The shortest span the first snapshot's rates and CPU usage are measured over: over a
/// few microseconds, a counter's delta is noise (CPU shows 0 % or 100 %).
pub const FIRST_WINDOW: Duration = Duration::from_millis(250);

/// Memory and swap from `/proc/meminfo`; "used" is total minus available, which counts
/// reclaimable page cache as free, as `free` and every dashboard do.
fn memory() -> Memory {
    match procfs::Meminfo::current() {
        Ok(m) => {
            let available = m.mem_available.unwrap_or(m.mem_free + m.cached + m.buffers);
            let used = m.mem_total.saturating_sub(available);
            Memory {
                total_bytes: m.mem_total,
                used_bytes: used,
                used_pct: if m.mem_total == 0 {
                    0.0
                } else {
                    round2(used as f64 * 100.0 / m.mem_total as f64)
                },
                swap_total_bytes: m.swap_total,
                swap_used_bytes: m.swap_total.saturating_sub(m.swap_free),
            }
        }
        Err(err) => {
            tracing::warn!(error = %err, "Cannot read /proc/meminfo.");
            Memory::default()
        }
    }
}

/// Seconds since the host booted.
pub(crate) fn host_uptime_s() -> u64 {
    procfs::Uptime::current().map_or(0, |u| u.uptime as u64)
}

/// Everything one collection needs from the previous one.
pub struct Collector {
    cpu: cpu::CpuSampler,
    disks: disks::DiskSampler,
    networks: networks::NetworkSampler,
    gpus: Arc<Gpus>,
    last_timestamp: Option<DateTime<Utc>>,
    /// When the first counter readings were taken, until the first snapshot.
    primed_at: Option<Instant>,
}

impl Collector {
    /// A collector that takes its first counter readings now, so that the first snapshot
    /// already has rates.
    pub fn new(gpus: Arc<Gpus>) -> Self {
        let mut collector = Self {
            cpu: cpu::CpuSampler::default(),
            disks: disks::DiskSampler::default(),
            networks: networks::NetworkSampler::default(),
            gpus,
            last_timestamp: None,
            primed_at: None,
        };
        let now = Instant::now();
        collector.cpu.sample();
        collector.disks.sample(now);
        collector.networks.sample(now);
        collector.primed_at = Some(now);
        collector
    }

    /// Collects one snapshot. Its timestamp is later than every earlier one from this
    /// collector, even if the wall clock steps back, so snapshots stay ordered. The first
    /// one waits until [`FIRST_WINDOW`] has passed since the first readings, so its rates
    /// and CPU usage are measured, not noise.
    pub fn collect(&mut self) -> Snapshot {
        if let Some(primed_at) = self.primed_at.take() {
            let waited = primed_at.elapsed();
            if waited < FIRST_WINDOW {
                std::thread::sleep(FIRST_WINDOW - waited);
            }
        }
        let now = Instant::now();
        let cpu = self.cpu.sample();
        let memory = memory();
        let disks = self.disks.sample(now);
        let networks = self.networks.sample(now);
        let gpus = self.gpus.sample();
        Snapshot {
            timestamp: self.next_timestamp(Utc::now()),
            uptime_s: host_uptime_s(),
            cpu,
            memory,
            disks,
            networks,
            gpus,
            custom: Vec::new(),
        }
    }

    fn next_timestamp(&mut self, clock: DateTime<Utc>) -> DateTime<Utc> {
        let timestamp = match self.last_timestamp {
            Some(last) if clock <= last => last + chrono::TimeDelta::microseconds(1),
            _ => clock,
        };
        self.last_timestamp = Some(timestamp);
        timestamp
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_are_unknown_across_counter_resets() {
        assert_eq!(rate(100, 300, Duration::from_secs(2)), Some(100.0));
        assert_eq!(rate(300, 100, Duration::from_secs(2)), None);
        assert_eq!(rate(100, 300, Duration::ZERO), None);
    }

    /// Regression: the first snapshot after start measured CPU and rates over the few
    /// microseconds since the first readings (0.0 % on every core was seen).
    #[test]
    fn the_first_snapshot_is_measured_over_a_real_interval() {
        let mut collector = Collector::new(Arc::new(Gpus::default()));
        let started = Instant::now();
        let first = collector.collect();
        assert!(started.elapsed() >= FIRST_WINDOW - Duration::from_millis(5));
        for network in &first.networks {
            assert!(
                network.rx_bytes_per_s.is_some() && network.tx_bytes_per_s.is_some(),
                "{network:?}"
            );
        }
        let started = Instant::now();
        collector.collect();
        assert!(
            started.elapsed() < FIRST_WINDOW,
            "only the first snapshot waits"
        );
    }

    #[test]
    fn timestamps_increase_even_when_the_clock_steps_back() {
        let mut collector = Collector::new(Arc::new(Gpus::default()));
        let t0: DateTime<Utc> = "2026-01-01T00:00:10Z".parse().unwrap();
        let a = collector.next_timestamp(t0);
        let b = collector.next_timestamp(t0);
        let c = collector.next_timestamp(t0 - chrono::TimeDelta::seconds(5));
        let d = collector.next_timestamp(t0 + chrono::TimeDelta::seconds(1));
        assert!(a < b && b < c && c < d, "{a} {b} {c} {d}");
        assert_eq!(a, t0);
        assert_eq!(d, t0 + chrono::TimeDelta::seconds(1));
    }

    #[test]
    fn a_collection_is_plausible() {
        let mut collector = Collector::new(Arc::new(Gpus::default()));
        let snapshot = collector.collect();
        assert!(snapshot.memory.total_bytes > 0);
        assert!(snapshot.memory.used_bytes <= snapshot.memory.total_bytes);
        assert!(snapshot.uptime_s > 0);
        assert!(!snapshot.cpu.per_core_pct.is_empty());
        assert!(snapshot.disks.iter().all(|d| d.used_bytes <= d.total_bytes));
    }
}
