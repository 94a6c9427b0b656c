//! Live events for `/api/v1/ws`: new results, status changes, instance metrics, and
//! incidents and alerts that open, are acknowledged or resolve, broadcast to every
//! subscriber of this process after the change is committed.

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
    /// An incident opened, was acknowledged or resolved.
    Incident {
        /// Incident id.
        incident_id: Uuid,
        /// `opened`, `acknowledged` or `resolved`.
        action: &'static str,
        /// The monitor it is about.
        monitor_id: Uuid,
        /// Service, domain or instance.
        kind: Kind,
        /// The monitor's group.
        group: Option<String>,
        /// When.
        at: DateTime<Utc>,
    },
    /// An alert fired, was acknowledged or resolved.
    Alert {
        /// Alert id.
        alert_id: Uuid,
        /// `firing`, `acknowledged` or `resolved`.
        action: &'static str,
        /// The rule that raised it.
        rule_id: Uuid,
        /// The monitor it is about.
        monitor_id: Uuid,
        /// Service, domain or instance.
        kind: Kind,
        /// The monitor's group.
        group: Option<String>,
        /// When.
        at: DateTime<Utc>,
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
            | Self::Incident { group, .. }
            | Self::Alert { group, .. }
            | Self::Metrics { group, .. } => group.as_deref(),
        }
    }
}

/// The event telling that `alert` changed (`firing`, `acknowledged` or `resolved`).
pub fn alert_event(
    alert: &crate::db::entities::alert::Model,
    action: &'static str,
    at: DateTime<Utc>,
) -> Event {
    Event::Alert {
        alert_id: alert.id,
        action,
        rule_id: alert.rule_id,
        monitor_id: alert.target_id,
        kind: Kind::parse(&alert.target_type).unwrap_or(Kind::Service),
        group: alert.group_name.clone(),
        at,
    }
}

/// The event telling that `incident` changed (`opened`, `acknowledged` or `resolved`).
pub fn incident_event(
    incident: &crate::db::entities::incident::Model,
    action: &'static str,
    at: DateTime<Utc>,
) -> Event {
    Event::Incident {
        incident_id: incident.id,
        action,
        monitor_id: incident.monitor_id,
        kind: Kind::parse(&incident.target_type).unwrap_or(Kind::Service),
        group: incident.group_name.clone(),
        at,
    }
}
