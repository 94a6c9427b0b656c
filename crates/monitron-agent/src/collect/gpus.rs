//! NVIDIA GPUs through NVML, loaded at run time.
//!
//! `libnvidia-ml.so.1` ships with the NVIDIA driver, not with the agent: the agent binary
//! runs on hosts without it. Loading is tried once; when it fails (no driver, no GPU, no
//! permission) the agent reports no GPUs and never tries again, so a GPU-less host does not
//! pay for a `dlopen` attempt every second.

use std::sync::OnceLock;

use monitron_proto::device::GpuInfo;
use monitron_proto::snapshot::Gpu;
use nvml_wrapper::enum_wrappers::device::TemperatureSensor;
use nvml_wrapper::Nvml;

use super::round2;

/// The NVML library, loaded on first use.
#[derive(Default)]
pub struct Gpus {
    nvml: OnceLock<Option<Nvml>>,
}

impl Gpus {
    fn nvml(&self) -> Option<&Nvml> {
        self.nvml
            .get_or_init(|| match Nvml::init() {
                Ok(nvml) => {
                    tracing::info!("NVML loaded; reporting NVIDIA GPUs.");
                    Some(nvml)
                }
                Err(err) => {
                    tracing::debug!(error = %err, "NVML is not available; reporting no GPUs.");
                    None
                }
            })
            .as_ref()
    }

    /// Current utilisation, memory, temperature and power of every GPU.
    pub fn sample(&self) -> Vec<Gpu> {
        let Some(nvml) = self.nvml() else {
            return Vec::new();
        };
        let count = nvml.device_count().unwrap_or(0);
        (0..count)
            .filter_map(|index| {
                let device = nvml.device_by_index(index).ok()?;
                let memory = device.memory_info().ok();
                Some(Gpu {
                    index,
                    name: device.name().unwrap_or_default(),
                    utilization_pct: device.utilization_rates().map_or(0.0, |u| f64::from(u.gpu)),
                    memory_total_bytes: memory.as_ref().map_or(0, |m| m.total),
                    memory_used_bytes: memory.as_ref().map_or(0, |m| m.used),
                    temperature_c: device
                        .temperature(TemperatureSensor::Gpu)
                        .map_or(0.0, f64::from),
                    power_w: device
                        .power_usage()
                        .map_or(0.0, |mw| round2(f64::from(mw) / 1000.0)),
                })
            })
            .collect()
    }

    /// What each GPU is, for the device description.
    pub fn describe(&self) -> Vec<GpuInfo> {
        let Some(nvml) = self.nvml() else {
            return Vec::new();
        };
        let driver_version = nvml.sys_driver_version().unwrap_or_default();
        let count = nvml.device_count().unwrap_or(0);
        (0..count)
            .filter_map(|index| {
                let device = nvml.device_by_index(index).ok()?;
                Some(GpuInfo {
                    index,
                    name: device.name().unwrap_or_default(),
                    uuid: device.uuid().unwrap_or_default(),
                    memory_total_bytes: device.memory_info().map_or(0, |m| m.total),
                    driver_version: driver_version.clone(),
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absent_or_present_nvml_never_fails() {
        let gpus = Gpus::default();
        let first = gpus.sample();
        let second = gpus.sample();
        assert_eq!(first.len(), second.len());
        assert_eq!(gpus.describe().len(), first.len());
    }
}
