//! The metrics snapshot: what the agent collects every interval, serves on
//! `GET /v1/metrics`, pushes to the server and what `/instances/{id}/metrics/latest`
//! shows. Field names are part of the public contract: extend, do not rename.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One collection of a host's metrics.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    /// When the agent collected it (the agent's clock), so replayed data lands at the
    /// right time.
    pub timestamp: DateTime<Utc>,
    /// Seconds since the host booted.
    pub uptime_s: u64,
    /// Processor usage.
    pub cpu: Cpu,
    /// Memory and swap.
    pub memory: Memory,
    /// Mounted filesystems.
    #[serde(default)]
    pub disks: Vec<Disk>,
    /// Network interfaces.
    #[serde(default)]
    pub networks: Vec<Network>,
    /// GPUs; empty on hosts without one.
    #[serde(default)]
    pub gpus: Vec<Gpu>,
    /// Values reported by plugins.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub custom: Vec<CustomMetric>,
}

/// Processor usage over the last collection interval.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Cpu {
    /// All cores together, 0-100.
    pub usage_pct: f64,
    /// Each logical core, 0-100.
    #[serde(default)]
    pub per_core_pct: Vec<f64>,
    /// Load averages over 1, 5 and 15 minutes.
    #[serde(default)]
    pub load: [f64; 3],
}

/// Memory and swap.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Memory {
    /// Physical memory.
    pub total_bytes: u64,
    /// Memory in use (total minus available).
    pub used_bytes: u64,
    /// `used_bytes` as a share of `total_bytes`, 0-100.
    pub used_pct: f64,
    /// Swap space.
    #[serde(default)]
    pub swap_total_bytes: u64,
    /// Swap in use.
    #[serde(default)]
    pub swap_used_bytes: u64,
}

/// One mounted filesystem.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Disk {
    /// Where it is mounted.
    pub mount: String,
    /// The block device (or source) behind it.
    pub device: String,
    /// Filesystem type.
    pub fs: String,
    /// Size.
    pub total_bytes: u64,
    /// Space in use.
    pub used_bytes: u64,
    /// `used_bytes` as a share of `total_bytes`, 0-100.
    pub used_pct: f64,
    /// Bytes read from the device per second over the last interval; `null` until the
    /// device has been read twice (a rate needs two samples).
    #[serde(default)]
    pub read_bytes_per_s: Option<f64>,
    /// Bytes written to the device per second over the last interval; `null` until the
    /// device has been read twice.
    #[serde(default)]
    pub write_bytes_per_s: Option<f64>,
}

/// One network interface.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Network {
    /// Interface name.
    pub name: String,
    /// Bytes received since the interface came up.
    pub rx_bytes: u64,
    /// Bytes sent since the interface came up.
    pub tx_bytes: u64,
    /// Bytes received per second over the last interval; `null` until the interface has
    /// been read twice (a rate needs two samples).
    #[serde(default)]
    pub rx_bytes_per_s: Option<f64>,
    /// Bytes sent per second over the last interval; `null` until the interface has been
    /// read twice.
    #[serde(default)]
    pub tx_bytes_per_s: Option<f64>,
    /// Link speed, where the interface reports one.
    #[serde(default)]
    pub speed_mbps: Option<u64>,
    /// Receive rate as a share of the link speed, where known.
    #[serde(default)]
    pub rx_pct: Option<f64>,
    /// Send rate as a share of the link speed, where known.
    #[serde(default)]
    pub tx_pct: Option<f64>,
}

/// One GPU.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Gpu {
    /// The driver's index.
    pub index: u32,
    /// Model name.
    pub name: String,
    /// Busy share over the driver's sample period, 0-100.
    pub utilization_pct: f64,
    /// Memory on the board.
    pub memory_total_bytes: u64,
    /// Memory in use.
    pub memory_used_bytes: u64,
    /// Core temperature.
    pub temperature_c: f64,
    /// Power draw.
    pub power_w: f64,
}

/// A value a plugin reported.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomMetric {
    /// The plugin that reported it.
    pub plugin: String,
    /// Metric name, unique within the plugin.
    pub name: String,
    /// The value.
    pub value: f64,
    /// Unit, free text (`"ms"`, `"requests"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
}

impl Snapshot {
    /// The fullest filesystem's used share, 0-100; `None` without filesystems.
    pub fn fullest_disk_pct(&self) -> Option<f64> {
        self.disks.iter().map(|d| d.used_pct).reduce(f64::max)
    }

    /// Swap in use as a share of swap space; `None` without swap.
    pub fn swap_used_pct(&self) -> Option<f64> {
        (self.memory.swap_total_bytes > 0).then(|| {
            self.memory.swap_used_bytes as f64 * 100.0 / self.memory.swap_total_bytes as f64
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_example_parses() {
        let example = r#"{ "timestamp": "2026-11-21T10:00:00Z", "uptime_s": 86400,
          "cpu": { "usage_pct": 12.5, "per_core_pct": [10.0, 15.0], "load": [0.4, 0.3, 0.2] },
          "memory": { "total_bytes": 0, "used_bytes": 0, "used_pct": 0.0,
                      "swap_total_bytes": 0, "swap_used_bytes": 0 },
          "disks": [ { "mount": "/", "device": "/dev/vda", "fs": "ext4", "total_bytes": 0,
                       "used_bytes": 0, "used_pct": 0.0, "read_bytes_per_s": 0.0,
                       "write_bytes_per_s": 0.0 } ],
          "networks": [ { "name": "eth0", "rx_bytes": 0, "tx_bytes": 0, "rx_bytes_per_s": 0.0,
                          "tx_bytes_per_s": 0.0, "speed_mbps": 1000, "rx_pct": 0.0, "tx_pct": 0.0 } ],
          "gpus": [ { "index": 0, "name": "", "utilization_pct": 0.0, "memory_total_bytes": 0,
                      "memory_used_bytes": 0, "temperature_c": 0.0, "power_w": 0.0 } ] }"#;
        let snapshot: Snapshot = serde_json::from_str(example).unwrap();
        assert_eq!(snapshot.cpu.per_core_pct, [10.0, 15.0]);
        assert_eq!(snapshot.networks[0].speed_mbps, Some(1000));
        assert_eq!(snapshot.fullest_disk_pct(), Some(0.0));
        assert_eq!(snapshot.swap_used_pct(), None);
        let again: Snapshot =
            serde_json::from_value(serde_json::to_value(&snapshot).unwrap()).unwrap();
        assert_eq!(again, snapshot);
    }
}
