//! What the host is: operating system, processor, memory, storage, network interfaces and
//! GPUs, as served on `GET /v1/device`. Read on request; it changes rarely and is asked for
//! rarely (first contact, then daily), so nothing is kept between requests.

use std::collections::{BTreeMap, HashSet};

use monitron_proto::device::{CpuInfo, NetworkInterface, Storage};
use monitron_proto::DeviceInfo;
use procfs::Current;

use crate::collect::disks::{mount_table, usage};
use crate::collect::networks::{is_reported, link_speed_mbps};
use crate::collect::Gpus;

fn read_trimmed(path: &str) -> String {
    std::fs::read_to_string(path)
        .map(|s| s.trim().to_owned())
        .unwrap_or_default()
}

/// The distribution's name and version from `os-release` text.
pub(crate) fn os_version_from(os_release: &str) -> String {
    let mut fields = BTreeMap::new();
    for line in os_release.lines() {
        if let Some((key, value)) = line.split_once('=') {
            let value = value.trim().trim_matches('"').trim_matches('\'');
            fields.insert(key.trim(), value);
        }
    }
    if let Some(pretty) = fields.get("PRETTY_NAME").filter(|v| !v.is_empty()) {
        return (*pretty).to_owned();
    }
    match (fields.get("NAME"), fields.get("VERSION_ID")) {
        (Some(name), Some(version)) => format!("{name} {version}"),
        (Some(name), None) => (*name).to_owned(),
        _ => String::new(),
    }
}

fn os_version() -> String {
    ["/etc/os-release", "/usr/lib/os-release"]
        .iter()
        .find_map(|path| std::fs::read_to_string(path).ok())
        .map(|text| os_version_from(&text))
        .unwrap_or_default()
}

fn cpu() -> CpuInfo {
    let Ok(info) = procfs::CpuInfo::current() else {
        return CpuInfo::default();
    };
    let threads = info.num_cores();
    let physical: HashSet<(String, String)> = (0..threads)
        .filter_map(|i| {
            Some((
                info.get_field(i, "physical id")?.to_owned(),
                info.get_field(i, "core id")?.to_owned(),
            ))
        })
        .collect();
    let cores = if physical.is_empty() {
        threads
    } else {
        physical.len()
    };
    // The nominal maximum where cpufreq reports it; otherwise the current clock.
    let frequency_mhz = read_trimmed("/sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq")
        .parse::<u64>()
        .map(|khz| khz / 1000)
        .ok()
        .or_else(|| {
            info.get_field(0, "cpu MHz")
                .and_then(|mhz| mhz.trim().parse::<f64>().ok())
                .map(|mhz| mhz.round() as u64)
        })
        .unwrap_or(0);
    CpuInfo {
        model: info
            .model_name(0)
            .or_else(|| info.get_field(0, "Model"))
            .unwrap_or_default()
            .to_owned(),
        vendor: info
            .vendor_id(0)
            .or_else(|| info.get_field(0, "CPU implementer"))
            .unwrap_or_default()
            .to_owned(),
        cores: cores as u32,
        threads: threads as u32,
        frequency_mhz,
    }
}

fn removable(majmin: &str) -> bool {
    // Partitions have no `removable` file of their own; their disk (the parent) does.
    [
        format!("/sys/dev/block/{majmin}/removable"),
        format!("/sys/dev/block/{majmin}/../removable"),
    ]
    .iter()
    .find_map(|path| std::fs::read_to_string(path).ok())
    .is_some_and(|v| v.trim() == "1")
}

fn storages() -> Vec<Storage> {
    mount_table()
        .into_iter()
        .filter_map(|m| {
            let usage = usage(&m.mount)?;
            (usage.total > 0).then(|| Storage {
                removable: removable(&m.majmin),
                device: m.device,
                mount: m.mount,
                fs: m.fs,
                total_bytes: usage.total,
            })
        })
        .collect()
}

fn networks() -> Vec<NetworkInterface> {
    let names: Vec<String> = procfs::net::dev_status()
        .map(|d| d.into_keys().filter(|n| is_reported(n)).collect())
        .unwrap_or_default();
    let mut addresses: BTreeMap<String, Vec<String>> = BTreeMap::new();
    match if_addrs::get_if_addrs() {
        Ok(interfaces) => {
            for interface in interfaces {
                let prefix = match &interface.addr {
                    if_addrs::IfAddr::V4(a) => a.prefixlen,
                    if_addrs::IfAddr::V6(a) => a.prefixlen,
                };
                addresses
                    .entry(interface.name.clone())
                    .or_default()
                    .push(format!("{}/{prefix}", interface.ip()));
            }
        }
        Err(err) => tracing::warn!(error = %err, "Cannot list interface addresses."),
    }
    let mut networks: Vec<NetworkInterface> = names
        .into_iter()
        .map(|name| {
            let mac = read_trimmed(&format!("/sys/class/net/{name}/address"));
            NetworkInterface {
                mac: (!mac.is_empty() && mac != "00:00:00:00:00:00").then_some(mac),
                addresses: addresses.remove(&name).unwrap_or_default(),
                speed_mbps: link_speed_mbps(&name),
                name,
            }
        })
        .collect();
    networks.sort_by(|a, b| a.name.cmp(&b.name));
    networks
}

/// Describes this host.
pub fn describe(gpus: &Gpus) -> DeviceInfo {
    let memory = procfs::Meminfo::current().ok();
    DeviceInfo {
        hostname: read_trimmed("/proc/sys/kernel/hostname"),
        os: std::env::consts::OS.to_owned(),
        os_version: os_version(),
        kernel: read_trimmed("/proc/sys/kernel/osrelease"),
        arch: std::env::consts::ARCH.to_owned(),
        cpu: cpu(),
        memory_total_bytes: memory.as_ref().map_or(0, |m| m.mem_total),
        swap_total_bytes: memory.as_ref().map_or(0, |m| m.swap_total),
        storages: storages(),
        networks: networks(),
        gpus: gpus.describe(),
        agent_version: env!("CARGO_PKG_VERSION").to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn os_release_prefers_the_pretty_name() {
        let debian = "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\n";
        assert_eq!(os_version_from(debian), "Debian GNU/Linux 12 (bookworm)");
        assert_eq!(
            os_version_from("NAME=Alpine\nVERSION_ID=3.20.1"),
            "Alpine 3.20.1"
        );
        assert_eq!(os_version_from(""), "");
    }

    #[test]
    fn this_host_is_described() {
        let info = describe(&Gpus::default());
        assert_eq!(info.os, "linux");
        assert!(!info.hostname.is_empty() && !info.kernel.is_empty());
        assert!(
            info.cpu.threads >= info.cpu.cores && info.cpu.cores >= 1,
            "{:?}",
            info.cpu
        );
        assert!(info.memory_total_bytes > 0);
        assert!(info.networks.iter().all(|n| n.name != "lo"));
    }
}
