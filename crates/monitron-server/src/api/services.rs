//! `/api/v1/services`: services of every check type (HTTP, TCP, ping, DNS, gRPC, MQTT,
//! TLS and heartbeats), their state, history and on-demand checks.

use axum::extract::State;
use chrono::Utc;
use sea_orm::{ActiveModelTrait, Set};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::api::envelope::{self, ApiError, ApiResult, FieldErrors};
use crate::api::json::ApiJson;
use crate::api::list::{ApiQuery, ListPage};
use crate::api::me::Deleted;
use crate::api::meta::RequestMeta;
use crate::api::monitors::{
    self, CheckResult, MonitorQuery, NewMonitor, ResultsQuery, SeriesQuery, SeriesView, Stats,
    StatsQuery, UptimeQuery,
};
use crate::api::path::ApiPath;
use crate::audit::{self, Entry};
use crate::auth::{tokens, Principal, Role};
use crate::history::query::{DayBucket, ResultPoint};
use crate::monitors::check::HEARTBEAT;
use crate::monitors::view::ServiceView;
use crate::monitors::{self as m, Check, Kind, Labels};
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
    /// `http`, `tcp`, `ping`, `dns`, `grpc`, `mqtt`, `tls` or `heartbeat`.
    #[serde(rename = "type")]
    pub check_type: String,
    /// Type-specific settings (see the API contract for each type).
    #[schema(value_type = Object)]
    pub config: serde_json::Value,
    /// Labels (key to value).
    pub labels: Option<Labels>,
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
    pub check_type: Option<String>,
    /// New settings.
    #[schema(value_type = Option<Object>)]
    pub config: Option<serde_json::Value>,
    /// Labels (replace all).
    pub labels: Option<Labels>,
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

/// Numbers shared by create and update.
struct Timing {
    interval_s: u32,
    timeout_s: u32,
    failure_threshold: u32,
    success_threshold: u32,
}

fn check_timing(t: &Timing, errors: &mut FieldErrors) {
    m::check_range(errors, "interval_s", t.interval_s, m::SERVICE_INTERVAL_S);
    m::check_range(errors, "timeout_s", t.timeout_s, (1, m::MAX_TIMEOUT_S));
    m::check_range(
        errors,
        "failure_threshold",
        t.failure_threshold,
        (1, m::MAX_THRESHOLD),
    );
    m::check_range(
        errors,
        "success_threshold",
        t.success_threshold,
        (1, m::MAX_THRESHOLD),
    );
}

fn parse_check(
    check_type: &str,
    config: serde_json::Value,
    errors: &mut FieldErrors,
) -> Option<Check> {
    match Check::parse_service(check_type, config) {
        Ok(check) => Some(check),
        Err(e) => {
            errors.extend(e);
            None
        }
    }
}

fn view(
    state: &AppState,
    row: &crate::db::entities::monitor::Model,
    st: Option<&crate::db::entities::monitor_state::Model>,
) -> ServiceView {
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
    let listed = monitors::list(&state, &principal, KIND, &q).await?;
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
    ApiJson(body): ApiJson<CreateService>,
) -> ApiResult {
    monitors::require_editor(&principal)?;
    let mut errors = FieldErrors::new();
    let name = envelope::check_optional(&mut errors, "name", Some(&body.name), m::validate_name);
    let description = envelope::check_optional(
        &mut errors,
        "description",
        body.description.as_deref(),
        m::validate_description,
    )
    .flatten();
    let group = envelope::check_optional(
        &mut errors,
        "group",
        body.group.as_deref(),
        m::validate_group,
    )
    .flatten();
    let labels = body.labels.unwrap_or_default();
    m::validate_labels(&labels, &mut errors);
    let timing = Timing {
        interval_s: body.interval_s.unwrap_or(10),
        timeout_s: body.timeout_s.unwrap_or(30),
        failure_threshold: body.failure_threshold.unwrap_or(1),
        success_threshold: body.success_threshold.unwrap_or(1),
    };
    check_timing(&timing, &mut errors);
    let check = parse_check(&body.check_type, body.config, &mut errors);
    let (Some(name), Some(mut check), true) = (name, check, errors.is_empty()) else {
        return Err(ApiError::Validation(errors));
    };
    monitors::require_group(&principal, group.as_deref(), KIND)?;
    check
        .seal(&state.cipher, None)
        .map_err(ApiError::Validation)?;
    let ping_token = (check.type_name() == HEARTBEAT).then(|| tokens::random_token(""));
    let txn = crate::db::begin_write(&state.db).await?;
    let row = monitors::insert(
        &txn,
        &principal,
        NewMonitor {
            kind: KIND,
            name,
            description,
            check_type: check.type_name().into(),
            config: check.config_json(),
            labels: serde_json::to_value(&labels).unwrap_or_default(),
            group,
            enabled: body.enabled.unwrap_or(true),
            interval_s: timing.interval_s,
            timeout_s: timing.timeout_s,
            failure_threshold: timing.failure_threshold,
            success_threshold: timing.success_threshold,
            ping_token,
        },
    )
    .await?;
    audit::record(
        &txn,
        Some(&meta),
        Entry::new(&principal, "service.create")
            .target("service", row.id)
            .details(serde_json::json!({ "name": row.name, "type": row.check_type })),
    )
    .await?;
    let st = monitors::state_of(&txn, row.id).await?;
    txn.commit().await?;
    state.engine.monitor_changed(row.id).await;
    Ok(envelope::created(view(&state, &row, st.as_ref())))
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
    let row = monitors::find(&state, &principal, KIND, id, Role::Viewer).await?;
    let st = monitors::state_of(&state.db, id).await?;
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
    ApiJson(body): ApiJson<UpdateService>,
) -> ApiResult {
    let row = monitors::find(&state, &principal, KIND, id, Role::Editor).await?;
    let mut errors = FieldErrors::new();
    let name =
        envelope::check_optional(&mut errors, "name", body.name.as_deref(), m::validate_name);
    let description = envelope::check_optional(
        &mut errors,
        "description",
        body.description.as_deref(),
        m::validate_description,
    );
    let group = envelope::check_optional(
        &mut errors,
        "group",
        body.group.as_deref(),
        m::validate_group,
    );
    if let Some(labels) = &body.labels {
        m::validate_labels(labels, &mut errors);
    }
    let timing = Timing {
        interval_s: body.interval_s.unwrap_or(row.interval_s as u32),
        timeout_s: body.timeout_s.unwrap_or(row.timeout_s as u32),
        failure_threshold: body
            .failure_threshold
            .unwrap_or(row.failure_threshold as u32),
        success_threshold: body
            .success_threshold
            .unwrap_or(row.success_threshold as u32),
    };
    check_timing(&timing, &mut errors);
    let stored = Check::from_stored(&row.check_type, &row.config).map_err(ApiError::Internal)?;
    let check = match (&body.check_type, body.config) {
        (Some(_), None) => {
            errors.insert("config".into(), "is required when type changes".into());
            None
        }
        (t, Some(config)) => {
            let t = t.clone().unwrap_or_else(|| row.check_type.clone());
            parse_check(&t, config, &mut errors)
        }
        (None, None) => None,
    };
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    if let Some(group) = &group {
        monitors::require_group(&principal, group.as_deref(), KIND)?;
    }
    let mut active: crate::db::entities::monitor::ActiveModel = row.clone().into();
    if let Some(mut check) = check {
        check
            .seal(&state.cipher, Some(&stored))
            .map_err(ApiError::Validation)?;
        let heartbeat = check.type_name() == HEARTBEAT;
        if heartbeat && row.ping_token.is_none() {
            active.ping_token = Set(Some(tokens::random_token("")));
        } else if !heartbeat {
            active.ping_token = Set(None);
        }
        active.check_type = Set(check.type_name().into());
        active.config = Set(check.config_json());
    }
    if let Some(name) = name {
        active.name = Set(name);
    }
    if let Some(description) = description {
        active.description = Set(description);
    }
    if let Some(group) = group {
        active.group_name = Set(group);
    }
    if let Some(labels) = &body.labels {
        active.labels = Set(serde_json::to_value(labels).unwrap_or_default());
    }
    if let Some(enabled) = body.enabled {
        active.enabled = Set(enabled);
    }
    active.interval_s = Set(timing.interval_s as i32);
    active.timeout_s = Set(timing.timeout_s as i32);
    active.failure_threshold = Set(timing.failure_threshold as i32);
    active.success_threshold = Set(timing.success_threshold as i32);
    active.updated_at = Set(Utc::now());
    let txn = crate::db::begin_write(&state.db).await?;
    let updated = active.update(&txn).await?;
    audit::record(
        &txn,
        Some(&meta),
        Entry::new(&principal, "service.update")
            .target("service", id)
            .details(serde_json::json!({ "name": updated.name, "type": updated.check_type })),
    )
    .await?;
    let st = monitors::state_of(&txn, id).await?;
    txn.commit().await?;
    state.engine.monitor_changed(id).await;
    Ok(envelope::ok(view(&state, &updated, st.as_ref())))
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
    let row = monitors::find(&state, &principal, KIND, id, Role::Editor).await?;
    let txn = crate::db::begin_write(&state.db).await?;
    monitors::delete(&txn, &row).await?;
    audit::record(
        &txn,
        Some(&meta),
        Entry::new(&principal, "service.delete")
            .target("service", id)
            .details(serde_json::json!({ "name": row.name, "type": row.check_type })),
    )
    .await?;
    txn.commit().await?;
    state.engine.monitor_changed(id).await;
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
    Ok(envelope::ok(
        monitors::check_now(&state, &principal, KIND, id).await?,
    ))
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
    let (row, st) = monitors::set_enabled(&state, &meta, &principal, KIND, id, false).await?;
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
    let (row, st) = monitors::set_enabled(&state, &meta, &principal, KIND, id, true).await?;
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
        monitors::stats(&state, &principal, KIND, id, window).await?,
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
        monitors::results(&state, &principal, KIND, id, &q).await?,
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
        monitors::series(&state, &principal, KIND, id, &q).await?,
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
        monitors::uptime(&state, &principal, KIND, id, q.days).await?,
    ))
}
