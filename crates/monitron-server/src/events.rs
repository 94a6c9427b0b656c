//! Live events for `/api/v1/ws`: new results and status changes, broadcast to every
//! subscriber of this process.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use monitron_proto::Snapshot;
use serde::Serialize;
use uuid::Uuid;

use crate::monitors::view::MonitorStatus;
use crate::monitors::Kind;

/// One live event.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// A check finished.
    Result {
        /// Monitor id.
        monitor_id: Uuid,
        /// Service, domain or instance.
        kind: Kind,
        /// The monitor's group.
        group: Option<String>,
        /// When it finished.
        checked_at: DateTime<Utc>,
        /// `up` or `down`.
        status: &'static str,
        /// Response time.
        response_ms: Option<f64>,
        /// What the check said.
        message: String,
    },
    /// A monitor changed status.
    Status {
        /// Monitor id.
        monitor_id: Uuid,
        /// Service, domain or instance.
        kind: Kind,
        /// The monitor's group.
        group: Option<String>,
        /// The new status.
        status: MonitorStatus,
        /// The previous status.
        previous: MonitorStatus,
        /// When it changed.
        at: DateTime<Utc>,
        /// Why.
        message: String,
    },
    /// An instance reported metrics.
    Metrics {
        /// Instance (monitor) id.
        monitor_id: Uuid,
        /// The instance's group.
        group: Option<String>,
        /// The newest snapshot.
        snapshot: Arc<Snapshot>,
    },
}

impl Event {
    /// The group of the monitor the event is about.
    pub fn group(&self) -> Option<&str> {
        match self {
            Self::Result { group, .. }
            | Self::Status { group, .. }
            | Self::Metrics { group, .. } => group.as_deref(),
        }
    }
}
