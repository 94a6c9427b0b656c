//! The agent's configuration as the server delivers it and as the agent keeps it in its
//! local config file (`MONITRON_AGENT_CONFIG`). The local file is what the agent uses
//! whenever the server is unreachable, so it must be complete on its own.
//!
//! Where the agent listens, how it authenticates callers and where plugins live come from
//! the agent's environment only: a server must never be able to widen what the agent does
//! on its host (run other executables, open the power switch).
//!
//! Decoding ignores fields it does not know, so a newer server's configuration still
//! reaches an older agent. Where a person writes a configuration (the server's and the
//! agent's `PUT` endpoints), [`unknown_fields`] refuses misspelt names instead.

use serde::{Deserialize, Serialize};

pub use crate::fields::FieldErrors;

/// Most probes on one agent.
pub const MAX_PROBES: usize = 100;

/// What the agent runs and reports besides its metrics.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgentConfig {
    /// Set by the server each time it changes the configuration; 0 for a local one.
    #[serde(default)]
    pub revision: u64,
    /// How often a snapshot is reported in push mode, in seconds.
    #[serde(default = "default_report_interval_s")]
    pub report_interval_s: u32,
    /// Reachability probes run by the agent.
    #[serde(default)]
    pub probes: Vec<ProbeSpec>,
    /// Defaults for plugins.
    #[serde(default)]
    pub plugins: PluginSettings,
    /// Bounds of the offline buffer.
    #[serde(default)]
    pub buffer: BufferLimits,
}

fn default_report_interval_s() -> u32 {
    10
}

impl Default for AgentConfig {
    fn default() -> Self {
        Self {
            revision: 0,
            report_interval_s: default_report_interval_s(),
            probes: Vec::new(),
            plugins: PluginSettings::default(),
            buffer: BufferLimits::default(),
        }
    }
}

/// One reachability probe: a `monitron-probe` check run on the agent's own schedule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProbeSpec {
    /// Unique on the agent; results are reported under it.
    pub name: String,
    /// Check type: `ping`, `traceroute`, `tcp`, `udp`, or another `monitron-probe` type.
    #[serde(rename = "type")]
    pub check_type: String,
    /// The check's settings, as for a service of the same type.
    pub config: serde_json::Value,
    /// Seconds between runs.
    #[serde(default = "default_probe_interval_s")]
    pub interval_s: u32,
    /// Seconds before a run counts as failed.
    #[serde(default = "default_probe_timeout_s")]
    pub timeout_s: u32,
}

fn default_probe_interval_s() -> u32 {
    60
}

fn default_probe_timeout_s() -> u32 {
    10
}

/// Defaults for plugins found in the agent's plugins directory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PluginSettings {
    /// Seconds between runs of each plugin.
    #[serde(default = "default_plugin_interval_s")]
    pub interval_s: u32,
    /// Seconds after which a run is killed and reported as failed.
    #[serde(default = "default_plugin_timeout_s")]
    pub timeout_s: u32,
}

fn default_plugin_interval_s() -> u32 {
    60
}

fn default_plugin_timeout_s() -> u32 {
    10
}

impl Default for PluginSettings {
    fn default() -> Self {
        Self {
            interval_s: default_plugin_interval_s(),
            timeout_s: default_plugin_timeout_s(),
        }
    }
}

/// How much the offline buffer may hold before it drops its oldest records.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BufferLimits {
    /// Bytes on disk.
    #[serde(default = "default_buffer_bytes")]
    pub max_bytes: u64,
    /// Age of the oldest record, in seconds.
    #[serde(default = "default_buffer_age_s")]
    pub max_age_s: u64,
}

fn default_buffer_bytes() -> u64 {
    64 * 1024 * 1024
}

fn default_buffer_age_s() -> u64 {
    24 * 3600
}

impl Default for BufferLimits {
    fn default() -> Self {
        Self {
            max_bytes: default_buffer_bytes(),
            max_age_s: default_buffer_age_s(),
        }
    }
}

fn range(errors: &mut FieldErrors, field: String, value: u64, low: u64, high: u64) {
    if !(low..=high).contains(&value) {
        errors.insert(field, format!("must be between {low} and {high}"));
    }
}

impl AgentConfig {
    /// Checks everything that does not depend on a probe type's own settings (those are
    /// checked by `monitron-probe` on each end).
    pub fn validate(&self) -> Result<(), FieldErrors> {
        let mut errors = FieldErrors::new();
        range(
            &mut errors,
            "report_interval_s".into(),
            self.report_interval_s.into(),
            1,
            86_400,
        );
        if self.probes.len() > MAX_PROBES {
            errors.insert("probes".into(), format!("at most {MAX_PROBES} probes"));
        }
        let mut names = std::collections::BTreeSet::new();
        for (i, probe) in self.probes.iter().enumerate() {
            let at = |field: &str| format!("probes[{i}].{field}");
            let name_ok = (1..=100).contains(&probe.name.chars().count())
                && !probe.name.chars().any(char::is_control);
            if !name_ok {
                errors.insert(
                    at("name"),
                    "must be 1-100 characters, without control characters".into(),
                );
            } else if !names.insert(probe.name.as_str()) {
                errors.insert(at("name"), "is used by another probe".into());
            }
            range(
                &mut errors,
                at("interval_s"),
                probe.interval_s.into(),
                1,
                86_400,
            );
            range(&mut errors, at("timeout_s"), probe.timeout_s.into(), 1, 300);
            if !probe.config.is_object() {
                errors.insert(at("config"), "must be an object".into());
            }
        }
        range(
            &mut errors,
            "plugins.interval_s".into(),
            self.plugins.interval_s.into(),
            1,
            86_400,
        );
        range(
            &mut errors,
            "plugins.timeout_s".into(),
            self.plugins.timeout_s.into(),
            1,
            3_600,
        );
        range(
            &mut errors,
            "buffer.max_bytes".into(),
            self.buffer.max_bytes,
            1024 * 1024,
            64 * 1024 * 1024 * 1024,
        );
        range(
            &mut errors,
            "buffer.max_age_s".into(),
            self.buffer.max_age_s,
            60,
            30 * 86_400,
        );
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

const TOP_FIELDS: [&str; 5] = [
    "revision",
    "report_interval_s",
    "probes",
    "plugins",
    "buffer",
];
const PROBE_FIELDS: [&str; 5] = ["name", "type", "config", "interval_s", "timeout_s"];
const PLUGIN_FIELDS: [&str; 2] = ["interval_s", "timeout_s"];
const BUFFER_FIELDS: [&str; 2] = ["max_bytes", "max_age_s"];

/// Paths of the fields of a configuration document that [`AgentConfig`] does not know
/// (`plugin_dir`, `plugins.every`, `probes[0].intervall`). A probe's own `config` is
/// checked by its check type.
pub fn unknown_fields(value: &serde_json::Value) -> Vec<String> {
    fn extra(value: &serde_json::Value, known: &[&str], prefix: &str, out: &mut Vec<String>) {
        if let Some(object) = value.as_object() {
            out.extend(
                object
                    .keys()
                    .filter(|k| !known.contains(&k.as_str()))
                    .map(|k| format!("{prefix}{k}")),
            );
        }
    }
    let mut out = Vec::new();
    extra(value, &TOP_FIELDS, "", &mut out);
    extra(&value["plugins"], &PLUGIN_FIELDS, "plugins.", &mut out);
    extra(&value["buffer"], &BUFFER_FIELDS, "buffer.", &mut out);
    if let Some(probes) = value["probes"].as_array() {
        for (i, probe) in probes.iter().enumerate() {
            extra(probe, &PROBE_FIELDS, &format!("probes[{i}]."), &mut out);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_documented_values() {
        let config: AgentConfig = serde_json::from_str("{}").unwrap();
        assert_eq!(config, AgentConfig::default());
        assert_eq!(config.buffer.max_bytes, 64 * 1024 * 1024);
        assert_eq!(config.buffer.max_age_s, 86_400);
        config.validate().unwrap();
    }

    #[test]
    fn errors_name_the_field() {
        let config: AgentConfig = serde_json::from_value(serde_json::json!({
            "report_interval_s": 0,
            "probes": [
                { "name": "gw", "type": "ping", "config": { "host": "127.0.0.1" } },
                { "name": "gw", "type": "tcp", "config": {}, "timeout_s": 0 },
                { "name": "", "type": "tcp", "config": [] }
            ],
            "buffer": { "max_bytes": 10 }
        }))
        .unwrap();
        let errors = config.validate().unwrap_err();
        let keys: Vec<&str> = errors.keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "buffer.max_bytes",
                "probes[1].name",
                "probes[1].timeout_s",
                "probes[2].config",
                "probes[2].name",
                "report_interval_s"
            ]
        );
        let written = serde_json::json!({
            "plugin_dir": "/tmp",
            "plugins": { "every": 5 },
            "buffer": { "max_bytes": 2097152 },
            "probes": [ { "name": "a", "type": "tcp", "config": { "anything": 1 }, "intervall": 5 } ]
        });
        assert_eq!(
            unknown_fields(&written),
            ["plugin_dir", "plugins.every", "probes[0].intervall"]
        );
        // On the wire they are ignored: a newer server's configuration still decodes.
        let config: AgentConfig = serde_json::from_value(written).unwrap();
        assert_eq!(config.buffer.max_bytes, 2_097_152);
    }
}
