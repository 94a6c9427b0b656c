//! How monitors are shown by the API: settings with secrets masked, plus the read-only
//! current state.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::db::entities::{monitor, monitor_state};
use crate::monitors::domain::DomainStatus;
use crate::monitors::{Check, LabelMap};

/// A monitor's current status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum MonitorStatus {
    /// Not checked yet.
    Pending,
    /// Passing.
    Up,
    /// Failing (after `failure_threshold` consecutive failures).
    Down,
    /// Paused by a user.
    Paused,
    /// In a maintenance window.
    Maintenance,
}

impl MonitorStatus {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Up => "up",
            Self::Down => "down",
            Self::Paused => "paused",
            Self::Maintenance => "maintenance",
        }
    }

    /// Parses a stored name (unknown names read as pending).
    pub fn parse(name: &str) -> Self {
        match name {
            "up" => Self::Up,
            "down" => Self::Down,
            "paused" => Self::Paused,
            "maintenance" => Self::Maintenance,
            _ => Self::Pending,
        }
    }
}

/// The read-only state of a monitor.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StateView {
    /// Current status.
    pub status: MonitorStatus,
    /// Since when the status holds.
    pub status_since: Option<DateTime<Utc>>,
    /// When the last check finished.
    pub last_checked_at: Option<DateTime<Utc>>,
    /// Response time of the last check.
    pub last_response_ms: Option<f64>,
    /// What the last check said.
    pub message: Option<String>,
}

impl StateView {
    /// The state of `monitor` given its stored state row.
    pub fn of(monitor: &monitor::Model, state: Option<&monitor_state::Model>) -> Self {
        let mut view = match state {
            Some(s) => Self {
                status: MonitorStatus::parse(&s.status),
                status_since: s.status_since,
                last_checked_at: s.last_checked_at,
                last_response_ms: s.last_response_ms,
                message: s.message.clone(),
            },
            None => Self {
                status: MonitorStatus::Pending,
                status_since: None,
                last_checked_at: None,
                last_response_ms: None,
                message: None,
            },
        };
        if !monitor.enabled {
            view.status = MonitorStatus::Paused;
        }
        view
    }
}

fn labels_of(m: &monitor::Model) -> LabelMap {
    serde_json::from_value(m.labels.clone()).unwrap_or_default()
}

fn masked_config(m: &monitor::Model) -> serde_json::Value {
    match Check::from_stored(&m.check_type, &m.config) {
        Ok(mut check) => {
            check.mask();
            check.config_json()
        }
        Err(_) => serde_json::Value::Null,
    }
}

/// A service as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ServiceView {
    /// Id.
    pub id: Uuid,
    /// Name.
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// Check type.
    #[serde(rename = "type")]
    pub check_type: String,
    /// Type-specific settings; secrets are masked.
    #[schema(value_type = Object)]
    pub config: serde_json::Value,
    /// Labels.
    pub labels: LabelMap,
    /// Monitors this one depends on.
    pub depends_on: Vec<Uuid>,
    /// Group.
    pub group: Option<String>,
    /// False while paused.
    pub enabled: bool,
    /// Seconds between checks.
    pub interval_s: i32,
    /// Seconds a check may take.
    pub timeout_s: i32,
    /// Consecutive failures before the service is down.
    pub failure_threshold: i32,
    /// Consecutive successes before a down service is up again.
    pub success_threshold: i32,
    /// Heartbeats: the URL jobs ping.
    pub ping_url: Option<String>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
    /// Current state.
    pub state: StateView,
}

impl ServiceView {
    /// Builds the view; `public_url` is the server's base URL for ping URLs.
    pub fn new(m: &monitor::Model, state: Option<&monitor_state::Model>, public_url: &str) -> Self {
        Self {
            id: m.id,
            name: m.name.clone(),
            description: m.description.clone(),
            check_type: m.check_type.clone(),
            config: masked_config(m),
            labels: labels_of(m),
            depends_on: serde_json::from_value(m.depends_on.clone()).unwrap_or_default(),
            group: m.group_name.clone(),
            enabled: m.enabled,
            interval_s: m.interval_s,
            timeout_s: m.timeout_s,
            failure_threshold: m.failure_threshold,
            success_threshold: m.success_threshold,
            ping_url: m
                .ping_token
                .as_ref()
                .map(|t| format!("{}/api/v1/ping/{t}", public_url.trim_end_matches('/'))),
            created_at: m.created_at,
            updated_at: m.updated_at,
            state: StateView::of(m, state),
        }
    }
}

/// What the last domain check found.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct DomainDetails {
    /// Registrar name.
    pub registrar: Option<String>,
    /// When the domain was registered.
    pub registered_at: Option<DateTime<Utc>>,
    /// When the registration expires.
    pub expires_at: Option<DateTime<Utc>>,
    /// Whole days until the registration expires.
    pub days_left: Option<i64>,
    /// Authoritative name servers.
    pub nameservers: Vec<String>,
    /// Addresses the domain resolves to.
    pub resolved_ips: Vec<String>,
    /// `rdap` or `whois`.
    pub source: Option<String>,
    /// Why registration data could not be read.
    pub error: Option<String>,
    /// The certificate served on the domain (with `check_ssl`).
    #[schema(value_type = Option<Object>)]
    pub ssl: Option<serde_json::Value>,
}

impl DomainDetails {
    fn from_json(v: &serde_json::Value) -> Self {
        let text = |key: &str| v[key].as_str().map(str::to_owned);
        let time = |key: &str| serde_json::from_value(v[key].clone()).ok();
        let list = |key: &str| serde_json::from_value(v[key].clone()).unwrap_or_default();
        Self {
            registrar: text("registrar"),
            registered_at: time("registered_at"),
            expires_at: time("expires_at"),
            days_left: v["days_left"].as_i64(),
            nameservers: list("nameservers"),
            resolved_ips: list("resolved_ips"),
            source: text("source"),
            error: text("error"),
            ssl: v.get("ssl").cloned().filter(|s| !s.is_null()),
        }
    }
}

/// A domain as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DomainView {
    /// Id.
    pub id: Uuid,
    /// Name (the domain unless given).
    pub name: String,
    /// The domain.
    pub domain: String,
    /// Description.
    pub description: Option<String>,
    /// Labels.
    pub labels: LabelMap,
    /// Monitors this one depends on.
    pub depends_on: Vec<Uuid>,
    /// Group.
    pub group: Option<String>,
    /// False while paused.
    pub enabled: bool,
    /// Seconds between checks.
    pub interval_s: i32,
    /// Seconds a check may take.
    pub timeout_s: i32,
    /// Days before expiry at which the status becomes `warning`.
    pub warning_threshold_days: u32,
    /// Days before expiry at which the status becomes `critical`.
    pub expiry_threshold_days: u32,
    /// Also check the TLS certificate.
    pub check_ssl: bool,
    /// Port of the TLS check.
    pub ssl_port: u16,
    /// Host the certificate is fetched from (absent: the domain).
    pub ssl_host: Option<String>,
    /// Status from the last check (absent before the first).
    pub status: Option<DomainStatus>,
    /// What the last check found (absent before the first).
    pub details: Option<DomainDetails>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
    /// Current state.
    pub state: StateView,
}

impl DomainView {
    /// Builds the view.
    pub fn new(m: &monitor::Model, state: Option<&monitor_state::Model>) -> Self {
        let settings = match Check::from_stored(&m.check_type, &m.config) {
            Ok(Check::Domain(s)) => Some(s),
            _ => None,
        };
        let details = state.and_then(|s| s.details.as_ref());
        Self {
            id: m.id,
            name: m.name.clone(),
            domain: settings
                .as_ref()
                .map(|s| s.domain.clone())
                .unwrap_or_default(),
            description: m.description.clone(),
            labels: labels_of(m),
            depends_on: serde_json::from_value(m.depends_on.clone()).unwrap_or_default(),
            group: m.group_name.clone(),
            enabled: m.enabled,
            interval_s: m.interval_s,
            timeout_s: m.timeout_s,
            warning_threshold_days: settings.as_ref().map_or(0, |s| s.warning_threshold_days),
            expiry_threshold_days: settings.as_ref().map_or(0, |s| s.expiry_threshold_days),
            check_ssl: settings.as_ref().is_some_and(|s| s.check_ssl),
            ssl_port: settings.as_ref().map_or(443, |s| s.ssl_port),
            ssl_host: settings.as_ref().and_then(|s| s.ssl_host.clone()),
            status: details.and_then(|d| serde_json::from_value(d["status"].clone()).ok()),
            details: details.map(DomainDetails::from_json),
            created_at: m.created_at,
            updated_at: m.updated_at,
            state: StateView::of(m, state),
        }
    }
}
