//! Alert rules as the engine uses them: which monitors a rule watches ([`Selector`]),
//! what must hold ([`Condition`]) and the timing of its alerts. Parsed and validated from
//! the API's JSON, stored as JSON, and loaded into every process's [`super::Alerting`].

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::db::entities::alert_rule;
use crate::error::FieldErrors;
use crate::monitors::Kind;

/// How bad an alert is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Someone must act now.
    Critical,
    /// Someone should look soon.
    Warning,
    /// For the record.
    Info,
}

impl Severity {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Critical => "critical",
            Self::Warning => "warning",
            Self::Info => "info",
        }
    }

    /// The severity a stored name names (critical for anything unknown).
    pub fn parse(name: &str) -> Self {
        match name {
            "warning" => Self::Warning,
            "info" => Self::Info,
            _ => Self::Critical,
        }
    }
}

/// Which kind of monitor a selector takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum TargetKind {
    /// Services.
    Service,
    /// Domains.
    Domain,
    /// Instances (hosts with the agent).
    Instance,
    /// Every monitor.
    Any,
}

/// The monitors a rule or maintenance window applies to: of a kind, optionally only
/// these ids, this group, and monitors carrying all these labels.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Selector {
    /// `service`, `domain`, `instance` or `any`.
    pub kind: TargetKind,
    /// Only these monitors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ids: Option<Vec<Uuid>>,
    /// Only monitors of this group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// Only monitors with all these labels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<BTreeMap<String, String>>,
}

impl Selector {
    /// Every monitor.
    pub fn any() -> Self {
        Self {
            kind: TargetKind::Any,
            ids: None,
            group: None,
            labels: None,
        }
    }

    /// Whether a monitor is selected.
    pub fn matches(
        &self,
        id: Uuid,
        kind: Kind,
        group: Option<&str>,
        labels: &BTreeMap<String, String>,
    ) -> bool {
        let kind_ok = match self.kind {
            TargetKind::Any => true,
            TargetKind::Service => kind == Kind::Service,
            TargetKind::Domain => kind == Kind::Domain,
            TargetKind::Instance => kind == Kind::Instance,
        };
        kind_ok
            && self.ids.as_ref().is_none_or(|ids| ids.contains(&id))
            && self.group.as_deref().is_none_or(|g| group == Some(g))
            && self
                .labels
                .as_ref()
                .is_none_or(|wanted| wanted.iter().all(|(k, v)| labels.get(k) == Some(v)))
    }

    /// Checks the selector; errors are keyed under `field`.
    pub fn validate(&mut self, field: &str, errors: &mut FieldErrors) {
        if let Some(ids) = &mut self.ids {
            ids.sort_unstable();
            ids.dedup();
            if ids.len() > 10_000 {
                errors.insert(format!("{field}.ids"), "at most 10000 ids".into());
            }
        }
        if let Some(group) = &mut self.group {
            *group = group.trim().to_owned();
            if group.is_empty() {
                self.group = None;
            }
        }
    }
}

/// A host metric a `metric` condition compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// CPU usage %.
    CpuPct,
    /// Memory used %.
    MemPct,
    /// Swap used %.
    SwapPct,
    /// Disk used % (per mount).
    DiskPct,
    /// 1-minute load average.
    Load1,
    /// GPU utilisation % (per device).
    GpuUtilPct,
    /// GPU temperature °C (per device).
    GpuTempC,
    /// Network receive, % of link speed (per interface).
    NetRxPct,
    /// Network transmit, % of link speed (per interface).
    NetTxPct,
}

/// A comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Op {
    /// Greater than.
    Gt,
    /// Less than.
    Lt,
}

/// Which statistic of response times a latency condition compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Stat {
    /// Mean.
    Avg,
    /// 95th percentile.
    P95,
    /// Maximum.
    Max,
}

/// What must hold for a rule to fire.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Condition {
    /// The monitor is down (after its failure threshold, when its incident opens).
    Down,
    /// At least `failures` failed checks within the last `window_s`.
    DownCount {
        /// Failed checks.
        failures: u32,
        /// Sliding window.
        window_s: u32,
    },
    /// Response times over the last `window_s` above `above_ms`.
    Latency {
        /// avg, p95 or max.
        stat: Stat,
        /// Threshold in milliseconds.
        above_ms: f64,
        /// Window.
        window_s: u32,
    },
    /// A host metric compared with a threshold.
    Metric {
        /// The metric.
        metric: Metric,
        /// gt or lt.
        op: Op,
        /// The threshold.
        threshold: f64,
        /// Only this mount (disk_pct).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        mount: Option<String>,
        /// Only this device (GPU index, network interface).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        device: Option<String>,
    },
    /// A TLS certificate expires within `below` days.
    CertificateDays {
        /// Days.
        below: u32,
    },
    /// A domain registration expires within `below` days.
    DomainDays {
        /// Days.
        below: u32,
    },
    /// Uptime over the last `window_s` below `below_pct`.
    Uptime {
        /// Percent.
        below_pct: f64,
        /// Window.
        window_s: u32,
    },
}

/// The condition types, for error messages.
pub const CONDITION_TYPES: &str =
    "down, down_count, latency, metric, certificate_days, domain_days, uptime";

/// The metric names, for error messages.
pub const METRICS: &str =
    "cpu_pct, mem_pct, swap_pct, disk_pct, load1, gpu_util_pct, gpu_temp_c, net_rx_pct, net_tx_pct";

impl Condition {
    /// Parses a condition, naming the bad field (`condition.type`, `condition.metric`...).
    pub fn parse(value: serde_json::Value) -> Result<Self, FieldErrors> {
        let one = |field: &str, reason: String| {
            FieldErrors::from([(format!("condition.{field}"), reason)])
        };
        let Some(kind) = value.get("type").and_then(|t| t.as_str()) else {
            return Err(one(
                "type",
                format!("is required: one of {CONDITION_TYPES}"),
            ));
        };
        if !CONDITION_TYPES.split(", ").any(|t| t == kind) {
            return Err(one("type", format!("must be one of {CONDITION_TYPES}")));
        }
        if kind == "metric" {
            if let Some(metric) = value.get("metric") {
                if serde_json::from_value::<Metric>(metric.clone()).is_err() {
                    return Err(one("metric", format!("must be one of {METRICS}")));
                }
            }
        }
        let mut condition: Self = serde_json::from_value(value).map_err(|err| {
            let text = err.to_string();
            let field = text
                .split('`')
                .nth(1)
                .filter(|_| text.starts_with("missing field") || text.starts_with("unknown field"))
                .unwrap_or("")
                .to_owned();
            if field.is_empty() {
                FieldErrors::from([("condition".to_owned(), text)])
            } else {
                one(&field, text)
            }
        })?;
        condition.validate()?;
        Ok(condition)
    }

    fn validate(&mut self) -> Result<(), FieldErrors> {
        let mut errors = FieldErrors::new();
        let mut range = |field: &str, value: f64, min: f64, max: f64| {
            if !(value.is_finite() && value >= min && value <= max) {
                errors.insert(
                    format!("condition.{field}"),
                    format!("must be between {min} and {max}"),
                );
            }
        };
        match self {
            Self::Down => {}
            Self::DownCount { failures, window_s } => {
                range("failures", f64::from(*failures), 1.0, 10_000.0);
                range("window_s", f64::from(*window_s), 10.0, 86_400.0);
            }
            Self::Latency {
                above_ms, window_s, ..
            } => {
                range("above_ms", *above_ms, 0.0, 600_000.0);
                range("window_s", f64::from(*window_s), 10.0, 86_400.0);
            }
            Self::Metric {
                metric,
                threshold,
                mount,
                device,
                ..
            } => {
                let max = match metric {
                    Metric::Load1 => 100_000.0,
                    Metric::GpuTempC => 200.0,
                    _ => 100.0,
                };
                range("threshold", *threshold, 0.0, max);
                for (field, value) in [("mount", mount), ("device", device)] {
                    if value.as_deref().is_some_and(|v| v.trim().is_empty()) {
                        *value = None;
                    }
                    if value.is_some() && field == "mount" && *metric != Metric::DiskPct {
                        errors.insert("condition.mount".into(), "applies to disk_pct only".into());
                    }
                }
                if device.is_some() && !metric.per_device() {
                    errors.insert(
                        "condition.device".into(),
                        "applies to gpu_util_pct, gpu_temp_c, net_rx_pct and net_tx_pct only"
                            .into(),
                    );
                }
            }
            Self::CertificateDays { below } | Self::DomainDays { below } => {
                range("below", f64::from(*below), 1.0, 3650.0);
            }
            Self::Uptime {
                below_pct,
                window_s,
            } => {
                range("below_pct", *below_pct, 0.0, 100.0);
                range("window_s", f64::from(*window_s), 60.0, 90.0 * 86_400.0);
            }
        }
        crate::error::verdict(errors)
    }

    /// The stored `type`.
    pub fn type_name(&self) -> &'static str {
        match self {
            Self::Down => "down",
            Self::DownCount { .. } => "down_count",
            Self::Latency { .. } => "latency",
            Self::Metric { .. } => "metric",
            Self::CertificateDays { .. } => "certificate_days",
            Self::DomainDays { .. } => "domain_days",
            Self::Uptime { .. } => "uptime",
        }
    }
}

impl Metric {
    /// Whether the metric exists per device (GPU, interface).
    pub fn per_device(self) -> bool {
        matches!(
            self,
            Self::GpuUtilPct | Self::GpuTempC | Self::NetRxPct | Self::NetTxPct
        )
    }
}

/// A rule, as the engine evaluates it.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    /// Id.
    pub id: Uuid,
    /// Name.
    pub name: String,
    /// Severity of its alerts.
    pub severity: Severity,
    /// Which monitors.
    pub targets: Selector,
    /// What must hold.
    pub condition: Condition,
    /// How long it must hold before firing.
    pub for_s: u32,
    /// Reminders while firing and unacknowledged (0: none).
    pub repeat_interval_s: u32,
    /// Least gap between two firing notifications.
    pub cooldown_s: u32,
    /// Whether resolves are sent.
    pub send_resolved: bool,
    /// Channels (empty: the default channels).
    pub channels: Vec<Uuid>,
    /// Runs in addition to the channels.
    pub escalation_policy_id: Option<Uuid>,
    /// Replaces the alert's message.
    pub message: Option<String>,
}

impl Rule {
    /// The engine's view of a stored, enabled rule; `None` for one that no longer parses
    /// (it is skipped and logged, never fatal).
    pub fn from_row(row: &alert_rule::Model) -> Option<Self> {
        let parsed = (|| -> Result<Self, String> {
            Ok(Self {
                id: row.id,
                name: row.name.clone(),
                severity: Severity::parse(&row.severity),
                targets: serde_json::from_value(row.targets.clone()).map_err(|e| e.to_string())?,
                condition: serde_json::from_value(row.condition.clone())
                    .map_err(|e| e.to_string())?,
                for_s: u32::try_from(row.for_s).unwrap_or(0),
                repeat_interval_s: u32::try_from(row.repeat_interval_s).unwrap_or(0),
                cooldown_s: u32::try_from(row.cooldown_s).unwrap_or(0),
                send_resolved: row.send_resolved,
                channels: serde_json::from_value(row.channels.clone())
                    .map_err(|e| e.to_string())?,
                escalation_policy_id: row.escalation_policy_id,
                message: row.message.clone().filter(|m| !m.trim().is_empty()),
            })
        })();
        match parsed {
            Ok(rule) => Some(rule),
            Err(err) => {
                tracing::warn!(rule_id = %row.id, error = %err, "An alert rule cannot be read; it is skipped.");
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn conditions_name_their_bad_fields() {
        let e = Condition::parse(json!({ "type": "flood" })).unwrap_err();
        assert!(e["condition.type"].contains("down_count"), "{e:?}");
        let e = Condition::parse(
            json!({ "type": "metric", "metric": "humidity", "op": "gt", "threshold": 1 }),
        )
        .unwrap_err();
        assert!(e["condition.metric"].contains("cpu_pct"), "{e:?}");
        let e = Condition::parse(json!({ "type": "down_count", "failures": 0, "window_s": 60 }))
            .unwrap_err();
        assert!(e.contains_key("condition.failures"), "{e:?}");
        let e = Condition::parse(json!({ "type": "down_count", "window_s": 60 })).unwrap_err();
        assert!(e.contains_key("condition.failures"), "{e:?}");
        let e = Condition::parse(
            json!({ "type": "metric", "metric": "cpu_pct", "op": "gt", "threshold": 150 }),
        )
        .unwrap_err();
        assert!(e.contains_key("condition.threshold"), "{e:?}");
        let e = Condition::parse(json!({ "type": "metric", "metric": "cpu_pct", "op": "gt", "threshold": 50, "mount": "/" })).unwrap_err();
        assert!(e.contains_key("condition.mount"), "{e:?}");
        assert_eq!(
            Condition::parse(
                json!({ "type": "latency", "stat": "p95", "above_ms": 250, "window_s": 300 })
            )
            .unwrap(),
            Condition::Latency {
                stat: Stat::P95,
                above_ms: 250.0,
                window_s: 300
            }
        );
    }

    #[test]
    fn selectors_match_kind_ids_group_and_labels() {
        let id = Uuid::now_v7();
        let labels = BTreeMap::from([("env".to_owned(), "prod".to_owned())]);
        assert!(Selector::any().matches(id, Kind::Domain, None, &labels));
        let s: Selector = serde_json::from_value(
            json!({ "kind": "service", "group": "web", "labels": { "env": "prod" } }),
        )
        .unwrap();
        assert!(s.matches(id, Kind::Service, Some("web"), &labels));
        assert!(!s.matches(id, Kind::Domain, Some("web"), &labels));
        assert!(!s.matches(id, Kind::Service, Some("db"), &labels));
        assert!(!s.matches(id, Kind::Service, Some("web"), &BTreeMap::new()));
        let s: Selector = serde_json::from_value(json!({ "kind": "any", "ids": [id] })).unwrap();
        assert!(s.matches(id, Kind::Instance, None, &labels));
        assert!(!s.matches(Uuid::now_v7(), Kind::Instance, None, &labels));
    }
}
