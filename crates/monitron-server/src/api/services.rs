//! `/api/v1/services`: services of every check type (HTTP, TCP, ping, DNS, gRPC, MQTT,
//! TLS and heartbeats), their state, history and on-demand checks.

use axum::extract::State;
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::api::envelope::{self, ApiResult, FieldErrors};
use crate::api::json::ApiJson;
use crate::api::list::{ApiQuery, ListPage};
use crate::api::me::Deleted;
use crate::api::meta::RequestMeta;
use crate::api::monitors::{
    CheckResult, MonitorQuery, ResultsQuery, SeriesQuery, StatsQuery, UptimeQuery,
};
use crate::api::path::ApiPath;
use crate::auth::{Principal, Role};
use crate::db::entities::{monitor, monitor_state};
use crate::history::query::{DayBucket, ResultPoint};
use crate::monitors::service::state_of;
use crate::monitors::stats::{SeriesView, Stats};
use crate::monitors::view::ServiceView;
use crate::monitors::{Check, Fields, Kind, LabelMap};
use crate::state::AppState;

const KIND: Kind = Kind::Service;

/// Routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_services, create_service))
        .routes(routes!(get_service, update_service, delete_service))
        .routes(routes!(check_service))
        .routes(routes!(pause_service))
        .routes(routes!(resume_service))
        .routes(routes!(service_stats))
        .routes(routes!(service_results))
        .routes(routes!(service_series))
        .routes(routes!(service_uptime))
}

/// A new service.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateService {
    /// Name.
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// The check type: `http`, `tcp`, `ping`, `dns`, `grpc`, `mqtt`, `tls` or `heartbeat`.
    #[serde(rename = "type")]
    #[schema(schema_with = service_type_schema)]
    pub check_type: String,
    /// Type-specific settings (see the API contract for each type).
    #[schema(value_type = Object)]
    pub config: serde_json::Value,
    /// Labels (key to value).
    pub labels: Option<LabelMap>,
    /// Monitors this one depends on: while one of them is down, this one's down alerts
    /// are suppressed.
    pub depends_on: Option<Vec<Uuid>>,
    /// Group (grants apply per group).
    pub group: Option<String>,
    /// False creates it paused.
    pub enabled: Option<bool>,
    /// Seconds between checks, 1-86400 (default 10).
    pub interval_s: Option<u32>,
    /// Seconds a check may take, 1-300 (default 30).
    pub timeout_s: Option<u32>,
    /// Consecutive failures before the service is down, 1-100 (default 1).
    pub failure_threshold: Option<u32>,
    /// Consecutive successes before it is up again, 1-100 (default 1).
    pub success_threshold: Option<u32>,
}

/// Changes to a service; absent fields stay as they are. `config` is replaced as a
/// whole; secrets sent back as the mask keep their stored value.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateService {
    /// Name.
    pub name: Option<String>,
    /// Description; empty clears it.
    pub description: Option<String>,
    /// New type (requires `config`).
    #[serde(rename = "type")]
    #[schema(schema_with = service_type_schema)]
    pub check_type: Option<String>,
    /// New settings.
    #[schema(value_type = Option<Object>)]
    pub config: Option<serde_json::Value>,
    /// Labels (replace all).
    pub labels: Option<LabelMap>,
    /// Monitors this one depends on: while one of them is down, this one's down alerts
    /// are suppressed.
    pub depends_on: Option<Vec<Uuid>>,
    /// Group; empty removes it.
    pub group: Option<String>,
    /// Paused when false.
    pub enabled: Option<bool>,
    /// Seconds between checks.
    pub interval_s: Option<u32>,
    /// Seconds a check may take.
    pub timeout_s: Option<u32>,
    /// Consecutive failures before down.
    pub failure_threshold: Option<u32>,
    /// Consecutive successes before up.
    pub success_threshold: Option<u32>,
}

/// The `type` of services in the OpenAPI document: the check types the server runs.
fn service_type_schema() -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .enum_values(Some(crate::monitors::check::service_types()))
        .description(Some(
            "The check type; traceroute and udp run on agents (an instance's agent configuration)",
        ))
        .build()
}

impl CreateService {
    fn fields(&mut self) -> Fields {
        Fields {
            name: Some(std::mem::take(&mut self.name)),
            description: self.description.take(),
            group: self.group.take(),
            labels: self.labels.take(),
            enabled: self.enabled,
            interval_s: self.interval_s,
            timeout_s: self.timeout_s,
            failure_threshold: self.failure_threshold,
            success_threshold: self.success_threshold,
            depends_on: self.depends_on.take(),
        }
    }
}

impl UpdateService {
    fn fields(&mut self) -> Fields {
        Fields {
            name: self.name.take(),
            description: self.description.take(),
            group: self.group.take(),
            labels: self.labels.take(),
            enabled: self.enabled,
            interval_s: self.interval_s,
            timeout_s: self.timeout_s,
            failure_threshold: self.failure_threshold,
            success_threshold: self.success_threshold,
            depends_on: self.depends_on.take(),
        }
    }

    /// The new check, when `type` or `config` is given.
    fn check(&mut self, row: &monitor::Model) -> Result<Option<Check>, FieldErrors> {
        match (self.check_type.take(), self.config.take()) {
            (Some(_), None) => Err(FieldErrors::from([(
                "config".to_owned(),
                "is required when type changes".to_owned(),
            )])),
            (t, Some(config)) => {
                Check::parse_service(t.as_deref().unwrap_or(&row.check_type), config).map(Some)
            }
            (None, None) => Ok(None),
        }
    }
}

fn view(state: &AppState, row: &monitor::Model, st: Option<&monitor_state::Model>) -> ServiceView {
    ServiceView::new(row, st, &state.config.public_url)
}

/// List services visible to the caller.
#[utoipa::path(get, path = "/api/v1/services", tag = "services", operation_id = "listServices",
    params(MonitorQuery),
    responses((status = 200, description = "Services", body = ListPage<ServiceView>)))]
async fn list_services(
    State(state): State<AppState>,
    principal: Principal,
    ApiQuery(q): ApiQuery<MonitorQuery>,
) -> ApiResult {
    let listed = state.monitors().list(&principal, KIND, &q.into()).await?;
    Ok(envelope::ok(ListPage {
        items: listed
            .rows
            .iter()
            .map(|(r, s)| view(&state, r, s.as_ref()))
            .collect::<Vec<_>>(),
        total: listed.total,
        page: listed.paging.page,
        per_page: listed.paging.per_page,
    }))
}

/// Create a service (editors).
#[utoipa::path(post, path = "/api/v1/services", tag = "services", operation_id = "createService",
    request_body = CreateService,
    responses((status = 201, description = "Service created", body = ServiceView)))]
async fn create_service(
    State(state): State<AppState>,
    meta: RequestMeta,
    principal: Principal,
    ApiJson(mut body): ApiJson<CreateService>,
) -> ApiResult {
    let check = Check::parse_service(&body.check_type, std::mem::take(&mut body.config));
    let saved = state
        .monitors()
        .create(
            &principal,
            &meta.origin,
            KIND,
            body.fields(),
            check,
            async |_, _| Ok(()),
        )
        .await?;
    Ok(envelope::created(view(
        &state,
        &saved.row,
        saved.state.as_ref(),
    )))
}

/// One service.
#[utoipa::path(get, path = "/api/v1/services/{id}", tag = "services", operation_id = "getService",
    params(("id" = Uuid, Path, description = "Service id")),
    responses((status = 200, description = "The service", body = ServiceView)))]
async fn get_service(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult {
    let row = state
        .monitors()
        .find(&principal, KIND, id, Role::Viewer)
        .await?;
    let st = state_of(&state.db, id).await?;
    Ok(envelope::ok(view(&state, &row, st.as_ref())))
}

/// Change a service (editors).
#[utoipa::path(patch, path = "/api/v1/services/{id}", tag = "services", operation_id = "updateService",
    params(("id" = Uuid, Path, description = "Service id")),
    request_body = UpdateService,
    responses((status = 200, description = "The changed service", body = ServiceView)))]
async fn update_service(
    State(state): State<AppState>,
    meta: RequestMeta,
    principal: Principal,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(mut body): ApiJson<UpdateService>,
) -> ApiResult {
    let monitors = state.monitors();
    let row = monitors.find(&principal, KIND, id, Role::Editor).await?;
    let check = body.check(&row);
    let saved = monitors
        .update(
            &principal,
            &meta.origin,
            row,
            body.fields(),
            check,
            async |_, _| Ok(()),
        )
        .await?;
    Ok(envelope::ok(view(&state, &saved.row, saved.state.as_ref())))
}

/// Delete a service with its history (editors).
#[utoipa::path(delete, path = "/api/v1/services/{id}", tag = "services", operation_id = "deleteService",
    params(("id" = Uuid, Path, description = "Service id")),
    responses((status = 200, description = "Deleted", body = Deleted)))]
async fn delete_service(
    State(state): State<AppState>,
    meta: RequestMeta,
    principal: Principal,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult {
    state
        .monitors()
        .delete(&principal, &meta.origin, KIND, id, async |_, _| Ok(()))
        .await?;
    Ok(envelope::ok(Deleted { id }))
}

/// Run the check now and return its outcome (editors).
#[utoipa::path(post, path = "/api/v1/services/{id}/check", tag = "services", operation_id = "checkService",
    params(("id" = Uuid, Path, description = "Service id")),
    responses((status = 200, description = "The outcome", body = CheckResult)))]
async fn check_service(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult {
    let outcome = state.monitors().check_now(&principal, KIND, id).await?;
    Ok(envelope::ok(CheckResult::from(outcome)))
}

/// Pause checks (editors).
#[utoipa::path(post, path = "/api/v1/services/{id}/pause", tag = "services", operation_id = "pauseService",
    params(("id" = Uuid, Path, description = "Service id")),
    responses((status = 200, description = "Paused", body = ServiceView)))]
async fn pause_service(
    State(state): State<AppState>,
    meta: RequestMeta,
    principal: Principal,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult {
    let (row, st) = state
        .monitors()
        .set_enabled(&principal, &meta.origin, KIND, id, false)
        .await?;
    Ok(envelope::ok(view(&state, &row, st.as_ref())))
}

/// Resume checks (editors).
#[utoipa::path(post, path = "/api/v1/services/{id}/resume", tag = "services", operation_id = "resumeService",
    params(("id" = Uuid, Path, description = "Service id")),
    responses((status = 200, description = "Resumed", body = ServiceView)))]
async fn resume_service(
    State(state): State<AppState>,
    meta: RequestMeta,
    principal: Principal,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult {
    let (row, st) = state
        .monitors()
        .set_enabled(&principal, &meta.origin, KIND, id, true)
        .await?;
    Ok(envelope::ok(view(&state, &row, st.as_ref())))
}

/// Uptime and response-time statistics over a window.
#[utoipa::path(get, path = "/api/v1/services/{id}/stats", tag = "services", operation_id = "serviceStats",
    params(("id" = Uuid, Path, description = "Service id"), StatsQuery),
    responses((status = 200, description = "Statistics", body = Stats)))]
async fn service_stats(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(q): ApiQuery<StatsQuery>,
) -> ApiResult {
    let window = q.window.unwrap_or_default();
    Ok(envelope::ok(
        state.monitors().stats(&principal, KIND, id, window).await?,
    ))
}

/// Raw check results, newest first.
#[utoipa::path(get, path = "/api/v1/services/{id}/results", tag = "services", operation_id = "serviceResults",
    params(("id" = Uuid, Path, description = "Service id"), ResultsQuery),
    responses((status = 200, description = "Results", body = Vec<ResultPoint>)))]
async fn service_results(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(q): ApiQuery<ResultsQuery>,
) -> ApiResult {
    Ok(envelope::ok(
        state
            .monitors()
            .results(&principal, KIND, id, (q.from, q.to), q.limit)
            .await?,
    ))
}

/// A response-time and uptime series from the rollup tier that fits the range.
#[utoipa::path(get, path = "/api/v1/services/{id}/series", tag = "services", operation_id = "serviceSeries",
    params(("id" = Uuid, Path, description = "Service id"), SeriesQuery),
    responses((status = 200, description = "Series", body = SeriesView)))]
async fn service_series(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(q): ApiQuery<SeriesQuery>,
) -> ApiResult {
    Ok(envelope::ok(
        state
            .monitors()
            .series(&principal, KIND, id, (q.from, q.to), q.step)
            .await?,
    ))
}

/// Daily uptime for the last 30 or 90 days.
#[utoipa::path(get, path = "/api/v1/services/{id}/uptime", tag = "services", operation_id = "serviceUptime",
    params(("id" = Uuid, Path, description = "Service id"), UptimeQuery),
    responses((status = 200, description = "One bucket per day, oldest first", body = Vec<DayBucket>)))]
async fn service_uptime(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(q): ApiQuery<UptimeQuery>,
) -> ApiResult {
    Ok(envelope::ok(
        state
            .monitors()
            .uptime(&principal, KIND, id, q.days)
            .await?,
    ))
}
