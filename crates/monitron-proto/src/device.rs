//! Device information: what a host is, as served on `GET /v1/device` and stored by the
//! server on first contact and then daily.

use serde::{Deserialize, Serialize};

/// A host's hardware and operating system.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DeviceInfo {
    /// Host name.
    pub hostname: String,
    /// Operating system family (`linux`).
    pub os: String,
    /// Distribution or product name and version (`Debian GNU/Linux 12`).
    pub os_version: String,
    /// Kernel release.
    pub kernel: String,
    /// Processor architecture (`x86_64`, `aarch64`).
    pub arch: String,
    /// Processor.
    pub cpu: CpuInfo,
    /// Physical memory.
    pub memory_total_bytes: u64,
    /// Swap space.
    pub swap_total_bytes: u64,
    /// Mounted filesystems.
    #[serde(default)]
    pub storages: Vec<Storage>,
    /// Network interfaces.
    #[serde(default)]
    pub networks: Vec<NetworkInterface>,
    /// GPUs.
    #[serde(default)]
    pub gpus: Vec<GpuInfo>,
    /// The agent's version.
    #[serde(default)]
    pub agent_version: String,
}

/// The processor.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CpuInfo {
    /// Model name.
    pub model: String,
    /// Vendor.
    #[serde(default)]
    pub vendor: String,
    /// Physical cores.
    pub cores: u32,
    /// Logical processors.
    pub threads: u32,
    /// Nominal frequency.
    #[serde(default)]
    pub frequency_mhz: u64,
}

/// One mounted filesystem.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Storage {
    /// Block device or source.
    pub device: String,
    /// Mount point.
    pub mount: String,
    /// Filesystem type.
    pub fs: String,
    /// Size.
    pub total_bytes: u64,
    /// Whether the medium is removable.
    #[serde(default)]
    pub removable: bool,
}

/// One network interface.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NetworkInterface {
    /// Interface name.
    pub name: String,
    /// Hardware address, where there is one.
    #[serde(default)]
    pub mac: Option<String>,
    /// Addresses with prefix length (`192.0.2.10/24`).
    #[serde(default)]
    pub addresses: Vec<String>,
    /// Link speed, where the interface reports one.
    #[serde(default)]
    pub speed_mbps: Option<u64>,
}

/// One GPU.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GpuInfo {
    /// The driver's index.
    pub index: u32,
    /// Model name.
    pub name: String,
    /// Board identifier.
    #[serde(default)]
    pub uuid: String,
    /// Memory on the board.
    pub memory_total_bytes: u64,
    /// Driver version.
    #[serde(default)]
    pub driver_version: String,
}
