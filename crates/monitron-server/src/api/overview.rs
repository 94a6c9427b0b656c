//! `/api/v1/summary` and `/api/v1/sparklines`: what the dashboard and the monitor lists
//! show at a glance, each in one request whatever the number of monitors.

use axum::extract::State;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::api::envelope::{self, ApiError, ApiResult};
use crate::api::list::ApiQuery;
use crate::auth::Principal;
use crate::monitors::stats::Sparkline;
use crate::overview::Summary;
use crate::state::AppState;

/// Routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(summary))
        .routes(routes!(sparklines))
}

/// Monitors by status for services, domains and instances, per group, with the numbers
/// of open incidents and firing alerts; only what the caller may see.
#[utoipa::path(get, path = "/api/v1/summary", tag = "overview", operation_id = "summary",
    responses((status = 200, description = "The counts", body = Summary)))]
async fn summary(State(state): State<AppState>, principal: Principal) -> ApiResult {
    Ok(envelope::ok(
        crate::overview::summary(&state.db, &principal).await?,
    ))
}

/// `?ids=&hours=&points=`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SparklineQuery {
    /// Monitor ids (services, domains or instances), comma-separated, at most 500.
    pub ids: String,
    /// Hours back from now, 1-2160 (default 24).
    #[param(minimum = 1, maximum = 2160)]
    pub hours: Option<u32>,
    /// Points per sparkline, 1-200 (default 24).
    #[param(minimum = 1, maximum = 200)]
    pub points: Option<u32>,
}

/// Sparklines for a page of monitors in one request: mean response time and uptime per
/// step, and uptime over the window. Monitors the caller may not see are left out.
#[utoipa::path(get, path = "/api/v1/sparklines", tag = "overview", operation_id = "sparklines",
    params(SparklineQuery),
    responses((status = 200, description = "One sparkline per visible monitor", body = Vec<Sparkline>)))]
async fn sparklines(
    State(state): State<AppState>,
    principal: Principal,
    ApiQuery(q): ApiQuery<SparklineQuery>,
) -> ApiResult {
    let ids = q
        .ids
        .split(',')
        .map(str::trim)
        .filter(|id| !id.is_empty())
        .map(|id| id.parse::<Uuid>())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| ApiError::field("ids", "must be monitor ids (UUIDs) separated by commas"))?;
    let lines = state
        .monitors()
        .sparklines(
            &principal,
            &ids,
            q.hours.unwrap_or(24),
            q.points.unwrap_or(24),
        )
        .await?;
    Ok(envelope::ok(lines))
}
