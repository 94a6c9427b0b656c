//! The agent's configuration ([`AgentConfig`]: probes, plugin timing, buffer bounds) as kept
//! in its local config file, changed by `PUT /v1/config` or by the server in push mode.
//!
//! The file is what the agent runs on whenever the server is unreachable, so every change
//! is validated completely (including each probe's own settings, through the same
//! `monitron-probe` code that will run it) before it is written, and written atomically.
//! A file that cannot be read at start-up is reported and replaced by defaults in memory,
//! never a reason to stay down: a monitoring agent that refuses to start monitors nothing.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use monitron_probe::CheckConfig;
use monitron_proto::config::{FieldErrors, ProbeSpec};
use monitron_proto::AgentConfig;
use tokio::sync::watch;

use crate::atomic_file;

/// Why a configuration was not taken.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The configuration is invalid; field name to reason.
    #[error("invalid configuration")]
    Invalid(FieldErrors),
    /// The file could not be written.
    #[error("cannot write {path}: {source}")]
    Io {
        /// The config file.
        path: PathBuf,
        /// What failed.
        source: std::io::Error,
    },
}

/// Builds the runnable check of a probe, with errors keyed relative to the probe
/// (`type`, `config.port`).
pub fn probe_check(spec: &ProbeSpec) -> Result<CheckConfig, FieldErrors> {
    // `type` must come first: serde then reads `config` straight into the type's settings
    // and the error path reaches the field (`config.port`) instead of stopping at `config`.
    let tagged = format!(
        r#"{{"type":{},"config":{}}}"#,
        serde_json::Value::String(spec.check_type.clone()),
        spec.config
    );
    let mut deserializer = serde_json::Deserializer::from_str(&tagged);
    let mut check: CheckConfig = match serde_path_to_error::deserialize(&mut deserializer) {
        Ok(check) => check,
        Err(err) => {
            let path = err.path().to_string();
            let inner = crate::api::json::reason_of(&err.into_inner());
            let key = if inner.starts_with("unknown variant") {
                "type".to_owned()
            } else {
                crate::api::json::field_of(&path, &inner, "")
            };
            let reason = if key == "type" {
                format!("must be one of {}", CheckConfig::TYPES.join(", "))
            } else {
                inner
            };
            return Err(FieldErrors::from([(key, reason)]));
        }
    };
    check.validate()?;
    Ok(check)
}

/// Validates a whole configuration, each probe's settings included.
pub fn validate(config: &AgentConfig) -> Result<(), FieldErrors> {
    let mut errors = config.validate().err().unwrap_or_default();
    for (i, probe) in config.probes.iter().enumerate() {
        if !probe.config.is_object() {
            continue; // already reported by AgentConfig::validate
        }
        if let Err(probe_errors) = probe_check(probe) {
            for (field, reason) in probe_errors {
                errors
                    .entry(format!("probes[{i}].{field}"))
                    .or_insert(reason);
            }
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// Reads the config file; `None` when there is none, and defaults (with a warning) when it
/// cannot be used.
fn load(path: &Path) -> AgentConfig {
    let text = match std::fs::read(path) {
        Ok(text) => text,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            tracing::info!(path = %path.display(), "No local configuration yet; using defaults.");
            return AgentConfig::default();
        }
        Err(err) => {
            tracing::warn!(path = %path.display(), error = %err, "Cannot read the local configuration; using defaults.");
            return AgentConfig::default();
        }
    };
    let config: AgentConfig = match serde_json::from_slice(&text) {
        Ok(config) => config,
        Err(err) => {
            tracing::warn!(path = %path.display(), error = %err, "The local configuration is not valid JSON for this agent; using defaults.");
            return AgentConfig::default();
        }
    };
    if let Err(errors) = validate(&config) {
        tracing::warn!(path = %path.display(), errors = ?errors, "The local configuration is invalid; using defaults.");
        return AgentConfig::default();
    }
    config
}

/// The configuration in use, its file, and everyone watching it.
pub struct ConfigStore {
    path: PathBuf,
    current: watch::Sender<Arc<AgentConfig>>,
    writing: tokio::sync::Mutex<()>,
}

impl ConfigStore {
    /// Loads the config file at `path` (or defaults).
    pub fn open(path: PathBuf) -> Self {
        let config = load(&path);
        Self {
            path,
            current: watch::Sender::new(Arc::new(config)),
            writing: tokio::sync::Mutex::new(()),
        }
    }

    /// The configuration in use.
    pub fn current(&self) -> Arc<AgentConfig> {
        self.current.borrow().clone()
    }

    /// Notified on every change.
    pub fn subscribe(&self) -> watch::Receiver<Arc<AgentConfig>> {
        self.current.subscribe()
    }

    /// Validates, persists and then applies `config`.
    pub async fn replace(&self, config: AgentConfig) -> Result<Arc<AgentConfig>, ConfigError> {
        validate(&config).map_err(ConfigError::Invalid)?;
        let _turn = self.writing.lock().await;
        let mut json = serde_json::to_vec_pretty(&config).expect("a configuration serialises");
        json.push(b'\n');
        let path = self.path.clone();
        tokio::task::spawn_blocking(move || atomic_file::write(&path, &json, 0o600))
            .await
            .map_err(|err| std::io::Error::other(err.to_string()))
            .and_then(|r| r)
            .map_err(|source| ConfigError::Io {
                path: self.path.clone(),
                source,
            })?;
        let config = Arc::new(config);
        self.current.send_replace(config.clone());
        tracing::info!(
            revision = config.revision,
            probes = config.probes.len(),
            "Configuration applied."
        );
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(value: serde_json::Value) -> AgentConfig {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn probe_settings_are_checked_by_their_check_type() {
        let cases = [
            (
                serde_json::json!({"probes": [{"name": "a", "type": "tcp", "config": {"host": "", "port": 0}}]}),
                vec!["probes[0].config.host", "probes[0].config.port"],
            ),
            (
                serde_json::json!({"probes": [{"name": "a", "type": "gopher", "config": {}}]}),
                vec!["probes[0].type"],
            ),
            (
                serde_json::json!({"probes": [{"name": "a", "type": "tcp", "config": {"host": "x", "port": "eighty"}}]}),
                vec!["probes[0].config.port"],
            ),
            (
                serde_json::json!({"probes": [{"name": "a", "type": "tcp", "config": {"host": "x", "port": 1, "colour": 1}}]}),
                vec!["probes[0].config.colour"],
            ),
            (
                serde_json::json!({"probes": [{"name": "a", "type": "tcp", "config": {"port": 1}}]}),
                vec!["probes[0].config.host"],
            ),
            (
                serde_json::json!({"probes": [{"name": "a", "type": "tcp", "config": {"host": "x", "port": 1}, "interval_s": 0}]}),
                vec!["probes[0].interval_s"],
            ),
        ];
        for (value, want) in cases {
            let errors = validate(&config(value.clone())).unwrap_err();
            let keys: Vec<&str> = errors.keys().map(String::as_str).collect();
            assert_eq!(keys, want, "{value}: {errors:?}");
        }
        validate(&config(serde_json::json!({"probes": [
            {"name": "gw", "type": "tcp", "config": {"host": "127.0.0.1", "port": 22}}
        ]})))
        .unwrap();
    }

    #[tokio::test]
    async fn a_replaced_configuration_survives_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("agent-config.json");
        let store = ConfigStore::open(path.clone());
        assert_eq!(*store.current(), AgentConfig::default());
        let watcher = store.subscribe();
        let new = config(serde_json::json!({"revision": 3, "report_interval_s": 5}));
        store.replace(new.clone()).await.unwrap();
        assert!(watcher.has_changed().unwrap());
        assert_eq!(*ConfigStore::open(path).current(), new);
    }

    #[tokio::test]
    async fn invalid_or_corrupt_files_fall_back_to_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("agent-config.json");
        for content in [
            "{not json",
            r#"{"report_interval_s": 0}"#,
            r#"{"unknown": 1}"#,
        ] {
            std::fs::write(&path, content).unwrap();
            assert_eq!(
                *ConfigStore::open(path.clone()).current(),
                AgentConfig::default()
            );
        }
        let store = ConfigStore::open(path.clone());
        let err = store
            .replace(config(serde_json::json!({"report_interval_s": 0})))
            .await
            .unwrap_err();
        assert!(matches!(err, ConfigError::Invalid(ref e) if e.contains_key("report_interval_s")));
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            r#"{"unknown": 1}"#,
            "an invalid config is not written"
        );
    }
}
