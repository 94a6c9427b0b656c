//! What the monitor resources (`services`, `domains`, `instances`) share in the API: the
//! list filters, the history query parameters and the run-now answer. The work itself is
//! the monitors service layer ([`crate::monitors::service`]).

use chrono::{DateTime, Utc};
use monitron_probe::Outcome;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::monitors::service::Filter;
use crate::monitors::view::MonitorStatus;

/// Filters and paging shared by the monitor lists.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MonitorQuery {
    /// Only monitors in this group.
    pub group: Option<String>,
    /// Only monitors with this label, as `key:value`.
    pub label: Option<String>,
    /// Only monitors with this status.
    pub status: Option<MonitorStatus>,
    /// Only services of this type.
    #[serde(rename = "type")]
    #[param(rename = "type")]
    pub check_type: Option<String>,
    /// Search in names.
    pub q: Option<String>,
    /// `name`, `group`, `type`, `interval_s`, `created_at`, `updated_at`; prefix `-` for
    /// descending.
    pub sort: Option<String>,
    /// Page number, from 1.
    #[param(minimum = 1)]
    pub page: Option<u64>,
    /// Items per page, 1-500.
    #[param(minimum = 1, maximum = 500)]
    pub per_page: Option<u64>,
}

impl From<MonitorQuery> for Filter {
    fn from(q: MonitorQuery) -> Self {
        Self {
            group: q.group,
            label: q.label,
            status: q.status,
            check_type: q.check_type,
            q: q.q,
            sort: q.sort,
            page: q.page,
            per_page: q.per_page,
        }
    }
}

/// The outcome of a check run on request.
#[derive(Debug, Serialize, ToSchema)]
pub struct CheckResult {
    /// `up` or `down`.
    pub status: String,
    /// Response time.
    pub response_ms: Option<f64>,
    /// What the check said.
    pub message: String,
    /// Type-specific facts.
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
    /// When it finished.
    pub checked_at: DateTime<Utc>,
}

impl From<Outcome> for CheckResult {
    fn from(outcome: Outcome) -> Self {
        Self {
            status: match outcome.status {
                monitron_probe::Status::Up => "up",
                monitron_probe::Status::Down => "down",
            }
            .into(),
            response_ms: outcome.response_ms,
            message: outcome.message,
            details: outcome.details,
            checked_at: Utc::now(),
        }
    }
}

/// `?window=`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StatsQuery {
    /// `24h` (default), `7d`, `30d` or `90d`.
    pub window: Option<crate::monitors::stats::Window>,
}

/// `?from=&to=&limit=`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ResultsQuery {
    /// Start (RFC 3339; default: 24 hours before `to`).
    pub from: Option<DateTime<Utc>>,
    /// End (RFC 3339; default: now).
    pub to: Option<DateTime<Utc>>,
    /// Most results, newest first (1-1000, default 100).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u64>,
}

/// `?from=&to=&step=`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SeriesQuery {
    /// Start (RFC 3339; default: 24 hours before `to`).
    pub from: Option<DateTime<Utc>>,
    /// End (RFC 3339; default: now).
    pub to: Option<DateTime<Utc>>,
    /// Seconds per point (default: the range in about 200 points); rounded up to the
    /// chosen tier's resolution.
    #[param(minimum = 1)]
    pub step: Option<u64>,
}

/// `?days=`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UptimeQuery {
    /// 30 (default) or 90.
    pub days: Option<u32>,
}
