//! An instance's metrics over time and its newest snapshot, device information, and the
//! probes and plugin checks its agent reports.

use axum::extract::State;
use chrono::{DateTime, Duration as ChronoDuration, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::{agent_of, KIND};
use crate::api::envelope::{self, ApiError, ApiResult};
use crate::api::list::ApiQuery;
use crate::api::path::ApiPath;
use crate::auth::{Principal, Role};
use crate::db::entities::{instance_agent, instance_probe};
use crate::history::host_metrics::{self as instance_metrics, MetricPoint, METRICS};
use crate::history::Tier;
use crate::monitors::stats;
use crate::state::AppState;

/// Routes of this module.
pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(latest_metrics))
        .routes(routes!(instance_metrics))
        .routes(routes!(instance_device))
        .routes(routes!(instance_probes))
}

/// The newest snapshot (the shape of the agent's `GET /v1/metrics`).
#[utoipa::path(get, path = "/api/v1/instances/{id}/metrics/latest", tag = "instances", operation_id = "latestInstanceMetrics",
    params(("id" = Uuid, Path, description = "Instance id")),
    responses((status = 200, description = "The newest snapshot", body = Object)))]
async fn latest_metrics(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult {
    let row = state
        .monitors()
        .find(&principal, KIND, id, Role::Viewer)
        .await?;
    match instance_metrics::latest(&state.db, row.series_id).await? {
        Some((Some(snapshot), _)) => Ok(envelope::ok(snapshot)),
        _ => Err(ApiError::NotFound("snapshot of this instance (none yet)")),
    }
}

/// `?from=&to=&step=&metrics=`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MetricsQuery {
    /// Start (RFC 3339; default: 1 hour before `to`).
    pub from: Option<DateTime<Utc>>,
    /// End (RFC 3339; default: now).
    pub to: Option<DateTime<Utc>>,
    /// Seconds per point (default: the range in about 200 points); rounded up to the
    /// chosen tier's resolution.
    #[param(minimum = 1)]
    pub step: Option<u64>,
    /// Comma-separated metric names (default: all).
    pub metrics: Option<String>,
}

/// A chart of instance metrics.
#[derive(Debug, Serialize, ToSchema)]
pub struct MetricsView {
    /// The tier read: `raw`, `1m` or `1h`.
    pub tier: &'static str,
    /// Seconds per point.
    pub step_s: i64,
    /// The metrics in the points.
    pub metrics: Vec<&'static str>,
    /// The points, oldest first (steps without snapshots are absent).
    pub points: Vec<MetricPoint>,
}

/// Metrics over time, from the tier that fits the range and step.
#[utoipa::path(get, path = "/api/v1/instances/{id}/metrics", tag = "instances", operation_id = "instanceMetrics",
    params(("id" = Uuid, Path, description = "Instance id"), MetricsQuery),
    responses((status = 200, description = "The chart", body = MetricsView)))]
async fn instance_metrics(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(q): ApiQuery<MetricsQuery>,
) -> ApiResult {
    let (from, to) = stats::range(q.from, q.to, ChronoDuration::hours(1))?;
    let chosen: Vec<&'static str> = match q.metrics.as_deref().map(str::trim) {
        None | Some("") => METRICS.to_vec(),
        Some(list) => {
            let mut chosen = Vec::new();
            for name in list.split(',').map(str::trim) {
                match METRICS.iter().find(|m| **m == name) {
                    Some(m) if !chosen.contains(m) => chosen.push(*m),
                    Some(_) => {}
                    None => {
                        return Err(ApiError::field(
                            "metrics",
                            format!("unknown metric {name:?}; known: {}", METRICS.join(", ")),
                        ))
                    }
                }
            }
            chosen
        }
    };
    let span_ms = (to - from).num_milliseconds();
    let step_ms = stats::step_ms(q.step, span_ms)?;
    let row = state
        .monitors()
        .find(&principal, KIND, id, Role::Viewer)
        .await?;
    let tier = instance_metrics::choose_tier(
        step_ms,
        from.timestamp_millis(),
        Utc::now().timestamp_millis(),
        &state.config.retention,
    );
    let step_ms = stats::fit_step(step_ms, tier.bucket_ms(), span_ms)?;
    let points = instance_metrics::series(
        &state.db,
        row.series_id,
        tier,
        (from.timestamp_millis(), to.timestamp_millis(), step_ms),
        &chosen,
    )
    .await?;
    Ok(envelope::ok(MetricsView {
        tier: match tier {
            Tier::Raw => "raw",
            Tier::Minute => "1m",
            Tier::Hour | Tier::Day => "1h",
        },
        step_s: step_ms / 1000,
        metrics: chosen,
        points,
    }))
}

/// Device information as the agent last reported it.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeviceView {
    /// When it was read.
    pub collected_at: DateTime<Utc>,
    /// OS, kernel, architecture, host name, CPU, memory, storages, network interfaces, GPUs.
    #[schema(value_type = Object)]
    pub device: serde_json::Value,
}

/// The host's device information (read on first contact and then daily).
#[utoipa::path(get, path = "/api/v1/instances/{id}/device", tag = "instances", operation_id = "instanceDevice",
    params(("id" = Uuid, Path, description = "Instance id")),
    responses((status = 200, description = "Device information", body = DeviceView)))]
async fn instance_device(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult {
    state
        .monitors()
        .find(&principal, KIND, id, Role::Viewer)
        .await?;
    match agent_of(&state.db, id).await? {
        Some(instance_agent::Model {
            device: Some(device),
            device_at: Some(at),
            ..
        }) => Ok(envelope::ok(DeviceView {
            collected_at: at,
            device,
        })),
        _ => Err(ApiError::NotFound(
            "device information of this instance (none yet)",
        )),
    }
}

/// A probe or plugin check reported by the agent, with its last result.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProbeView {
    /// Name on the agent.
    pub name: String,
    /// `probe` or `plugin`.
    pub source: String,
    /// Check type.
    #[serde(rename = "type")]
    pub check_type: String,
    /// When it last ran.
    pub last_at: DateTime<Utc>,
    /// `up` or `down`.
    pub status: &'static str,
    /// Time taken.
    pub response_ms: Option<f64>,
    /// What it said.
    pub message: Option<String>,
    /// Type-specific details (a traceroute's hops, ...).
    #[schema(value_type = Object)]
    pub details: Option<serde_json::Value>,
}

/// The agent's probes and plugin checks with their last results.
#[utoipa::path(get, path = "/api/v1/instances/{id}/probes", tag = "instances", operation_id = "instanceProbes",
    params(("id" = Uuid, Path, description = "Instance id")),
    responses((status = 200, description = "Probes by name", body = Vec<ProbeView>)))]
async fn instance_probes(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult {
    state
        .monitors()
        .find(&principal, KIND, id, Role::Viewer)
        .await?;
    let probes = instance_probe::Entity::find()
        .filter(instance_probe::Column::MonitorId.eq(id))
        .order_by_asc(instance_probe::Column::Name)
        .all(&state.db)
        .await?;
    Ok(envelope::ok(
        probes
            .into_iter()
            .map(|p| ProbeView {
                name: p.name,
                source: p.source,
                check_type: p.check_type,
                last_at: p.last_at,
                status: if p.up { "up" } else { "down" },
                response_ms: p.response_ms,
                message: p.message,
                details: p.details,
            })
            .collect::<Vec<_>>(),
    ))
}
