//! Per-monitor gauges for `/metrics` (up, last response time, when the certificate and
//! the domain registration expire, and the latest CPU, memory, disk and GPU usage of
//! instances), held as one compact sample per monitor and turned into Prometheus metric
//! families only when scraped. Names follow Prometheus conventions: base units (seconds),
//! expiry as a Unix timestamp (as blackbox_exporter's `probe_ssl_earliest_cert_expiry`),
//! so an alert is `expiry - time() < 14 * 86400`.
//!
//! A `GaugeVec` child per monitor and gauge would keep a copy of the metric description
//! and its label pairs for every series: over a kilobyte each, tens of megabytes at
//! 10,000 monitors. Here a monitor costs its sample.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use prometheus::core::{Collector, Desc};
use prometheus::proto::{Gauge, LabelPair, Metric, MetricFamily, MetricType};
use uuid::Uuid;

/// The latest facts about one monitor.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// Monitor name.
    pub name: Arc<str>,
    /// `service` or `domain`.
    pub kind: &'static str,
    /// Check type.
    pub check_type: &'static str,
    /// Whether the last check passed.
    pub up: bool,
    /// Response time of the last check, ms.
    pub response_ms: Option<f64>,
    /// When the TLS certificate expires, Unix seconds.
    pub certificate_expires_at: Option<i64>,
    /// When the domain registration expires, Unix seconds.
    pub domain_expires_at: Option<i64>,
}

const FAMILIES: [(&str, &str); 4] = [
    (
        "monitron_monitor_up",
        "1 when the monitor's last check passed, 0 when it failed.",
    ),
    (
        "monitron_monitor_response_seconds",
        "Response time of the monitor's last check, in seconds.",
    ),
    (
        "monitron_certificate_expiry_timestamp_seconds",
        "When the monitored TLS certificate expires, as a Unix timestamp.",
    ),
    (
        "monitron_domain_expiry_timestamp_seconds",
        "When the monitored domain registration expires, as a Unix timestamp.",
    ),
];

const LABELS: [&str; 4] = ["monitor_id", "name", "kind", "type"];

const HOST_FAMILIES: [(&str, &str); 4] = [
    (
        "monitron_instance_cpu_usage_pct",
        "CPU usage of the instance in its latest snapshot, 0-100.",
    ),
    (
        "monitron_instance_memory_used_pct",
        "Memory in use on the instance in its latest snapshot, 0-100.",
    ),
    (
        "monitron_instance_disk_used_pct",
        "Fullest filesystem of the instance in its latest snapshot, 0-100.",
    ),
    (
        "monitron_instance_gpu_utilization_pct",
        "Mean GPU utilisation of the instance in its latest snapshot, 0-100.",
    ),
];

const HOST_LABELS: [&str; 2] = ["monitor_id", "name"];

/// The latest usage figures of one instance.
#[derive(Debug, Clone, PartialEq)]
pub struct HostSample {
    /// Instance name.
    pub name: Arc<str>,
    /// In [`HOST_FAMILIES`] order.
    pub values: [Option<f64>; 4],
}

impl HostSample {
    /// The figures of a snapshot.
    pub fn of(name: Arc<str>, s: &monitron_proto::Snapshot) -> Self {
        let gpu = (!s.gpus.is_empty())
            .then(|| s.gpus.iter().map(|g| g.utilization_pct).sum::<f64>() / s.gpus.len() as f64);
        Self {
            name,
            values: [
                Some(s.cpu.usage_pct),
                Some(s.memory.used_pct),
                s.fullest_disk_pct(),
                gpu,
            ],
        }
    }
}

/// The per-monitor gauges of this process.
pub struct MonitorGauges {
    samples: RwLock<HashMap<Uuid, Sample>>,
    hosts: RwLock<HashMap<Uuid, HostSample>>,
    descs: Vec<Desc>,
}

impl Default for MonitorGauges {
    fn default() -> Self {
        let desc = |(name, help): &(&str, &str), labels: &[&str]| {
            Desc::new(
                (*name).into(),
                (*help).into(),
                labels.iter().map(|l| (*l).to_owned()).collect(),
                HashMap::new(),
            )
            .expect("valid metric description")
        };
        let descs = FAMILIES
            .iter()
            .map(|f| desc(f, &LABELS))
            .chain(HOST_FAMILIES.iter().map(|f| desc(f, &HOST_LABELS)))
            .collect();
        Self {
            samples: RwLock::default(),
            hosts: RwLock::default(),
            descs,
        }
    }
}

impl MonitorGauges {
    /// Records a monitor's latest sample.
    pub fn set(&self, id: Uuid, sample: Sample) {
        self.samples
            .write()
            .expect("gauges lock")
            .insert(id, sample);
    }

    /// Records an instance's latest usage figures.
    pub fn set_host(&self, id: Uuid, sample: HostSample) {
        self.hosts.write().expect("gauges lock").insert(id, sample);
    }

    /// Forgets a deleted monitor.
    pub fn remove(&self, id: Uuid) {
        self.samples.write().expect("gauges lock").remove(&id);
        self.hosts.write().expect("gauges lock").remove(&id);
    }
}

fn label(name: &str, value: &str) -> LabelPair {
    let mut pair = LabelPair::default();
    pair.set_name(name.to_owned());
    pair.set_value(value.to_owned());
    pair
}

impl Collector for MonitorGauges {
    fn desc(&self) -> Vec<&Desc> {
        self.descs.iter().collect()
    }

    fn collect(&self) -> Vec<MetricFamily> {
        let samples = self.samples.read().expect("gauges lock");
        let mut families: Vec<MetricFamily> = FAMILIES
            .iter()
            .chain(HOST_FAMILIES.iter())
            .map(|(name, help)| {
                let mut family = MetricFamily::default();
                family.set_name((*name).to_owned());
                family.set_help((*help).to_owned());
                family.set_field_type(MetricType::GAUGE);
                family
            })
            .collect();
        for (id, s) in samples.iter() {
            let id = id.to_string();
            let values = [
                Some(if s.up { 1.0 } else { 0.0 }),
                s.response_ms.map(|ms| ms / 1000.0),
                s.certificate_expires_at.map(|t| t as f64),
                s.domain_expires_at.map(|t| t as f64),
            ];
            for (family, value) in families.iter_mut().zip(values) {
                let Some(value) = value else { continue };
                let mut metric = Metric::default();
                metric.set_label(vec![
                    label("kind", s.kind),
                    label("monitor_id", &id),
                    label("name", &s.name),
                    label("type", s.check_type),
                ]);
                let mut gauge = Gauge::default();
                gauge.set_value(value);
                metric.set_gauge(gauge);
                family.mut_metric().push(metric);
            }
        }
        let hosts = self.hosts.read().expect("gauges lock");
        for (id, h) in hosts.iter() {
            let id = id.to_string();
            for (family, value) in families[FAMILIES.len()..].iter_mut().zip(h.values) {
                let Some(value) = value.filter(|v| v.is_finite()) else {
                    continue;
                };
                let mut metric = Metric::default();
                metric.set_label(vec![label("monitor_id", &id), label("name", &h.name)]);
                let mut gauge = Gauge::default();
                gauge.set_value(value);
                metric.set_gauge(gauge);
                family.mut_metric().push(metric);
            }
        }
        families.retain(|f| !f.get_metric().is_empty());
        families
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use prometheus::Encoder;

    #[test]
    fn samples_render_as_labelled_gauges_and_can_be_removed() {
        let gauges = Arc::new(MonitorGauges::default());
        let registry = prometheus::Registry::new();
        registry
            .register(Box::new(ArcCollector(gauges.clone())))
            .unwrap();
        let id = Uuid::now_v7();
        gauges.set(
            id,
            Sample {
                name: "shop \"main\"".into(),
                kind: "service",
                check_type: "http",
                up: true,
                response_ms: Some(12.5),
                certificate_expires_at: None,
                domain_expires_at: Some(1_800_000_000),
            },
        );
        let mut out = Vec::new();
        prometheus::TextEncoder::new()
            .encode(&registry.gather(), &mut out)
            .unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains(&format!(
            "monitron_monitor_up{{kind=\"service\",monitor_id=\"{id}\",name=\"shop \\\"main\\\"\",type=\"http\"}} 1"
        )), "{text}");
        assert!(
            text.contains("monitron_monitor_response_seconds{"),
            "{text}"
        );
        assert!(text.contains("} 0.0125\n"), "in seconds: {text}");
        assert!(
            text.contains("monitron_domain_expiry_timestamp_seconds{")
                && text.contains("} 1800000000\n"),
            "{text}"
        );
        assert!(
            !text.contains("monitron_certificate_expiry_timestamp_seconds{"),
            "no sample, no series"
        );
        gauges.remove(id);
        assert!(registry.gather().is_empty());
    }

    struct ArcCollector(Arc<MonitorGauges>);

    impl Collector for ArcCollector {
        fn desc(&self) -> Vec<&Desc> {
            self.0.desc()
        }
        fn collect(&self) -> Vec<MetricFamily> {
            self.0.collect()
        }
    }
}
