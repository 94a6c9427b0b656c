//! A monitor ready to run: its settings as the engine needs them, secrets opened. Built
//! from the stored row once (when the catalog loads it), then shared by the scheduler,
//! the workers and the result writer.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::cipher::Cipher;
use crate::db::entities::monitor;
use crate::monitors::{Check, Kind};

/// A monitor ready to run.
#[derive(Debug)]
pub struct Runnable {
    /// Id.
    pub id: Uuid,
    /// Time-series key.
    pub series_id: i64,
    /// Service, domain or instance.
    pub kind: Kind,
    /// Name (shared with the per-monitor gauges).
    pub name: Arc<str>,
    /// Group (for grants on live events).
    pub group: Option<String>,
    /// Labels (for alert rules' selectors).
    pub labels: std::collections::BTreeMap<String, String>,
    /// The monitors this one depends on.
    pub depends_on: Vec<Uuid>,
    /// The check, secrets opened.
    pub check: Check,
    /// False while paused.
    pub enabled: bool,
    /// Seconds between checks.
    pub interval_s: u32,
    /// Seconds a check may take.
    pub timeout_s: u32,
    /// Consecutive failures before down.
    pub failure_threshold: u32,
    /// Consecutive successes before up again.
    pub success_threshold: u32,
    /// Version stamp.
    pub updated_at: DateTime<Utc>,
}

impl Runnable {
    /// Builds a runnable monitor from its row, opening its secrets.
    pub fn from_row(row: &monitor::Model, cipher: &Cipher) -> anyhow::Result<Self> {
        let mut check = Check::from_stored(&row.check_type, &row.config)?;
        anyhow::ensure!(
            check.runs_on_server(),
            "{} checks run on agents only; add it to an instance's agent configuration",
            check.type_name()
        );
        check.open(cipher)?;
        let positive = |v: i32| u32::try_from(v).unwrap_or(1).max(1);
        Ok(Self {
            id: row.id,
            series_id: row.series_id,
            kind: Kind::parse(&row.kind).unwrap_or(Kind::Service),
            name: row.name.as_str().into(),
            group: row.group_name.clone(),
            labels: serde_json::from_value(row.labels.clone()).unwrap_or_default(),
            depends_on: serde_json::from_value(row.depends_on.clone()).unwrap_or_default(),
            check,
            enabled: row.enabled,
            interval_s: positive(row.interval_s),
            timeout_s: positive(row.timeout_s),
            failure_threshold: positive(row.failure_threshold),
            success_threshold: positive(row.success_threshold),
            updated_at: row.updated_at,
        })
    }

    /// The check type name.
    pub fn type_name(&self) -> &'static str {
        self.check.type_name()
    }
}
