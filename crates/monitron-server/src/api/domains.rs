//! `/api/v1/domains`: domain registration and certificate monitors.

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
    self, CheckResult, MonitorQuery, NewMonitor, ResultsQuery, Stats, StatsQuery, UptimeQuery,
};
use crate::api::path::ApiPath;
use crate::audit::{self, Entry};
use crate::auth::{Principal, Role};
use crate::history::query::{DayBucket, ResultPoint};
use crate::monitors::domain::{DomainSettings, DEFAULT_EXPIRY_DAYS, DEFAULT_WARNING_DAYS};
use crate::monitors::view::DomainView;
use crate::monitors::{self as m, Check, Kind, Labels};
use crate::state::AppState;

const KIND: Kind = Kind::Domain;

/// Routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_domains, create_domain))
        .routes(routes!(get_domain, update_domain, delete_domain))
        .routes(routes!(check_domain))
        .routes(routes!(pause_domain))
        .routes(routes!(resume_domain))
        .routes(routes!(domain_stats))
        .routes(routes!(domain_results))
        .routes(routes!(domain_uptime))
}

/// A new domain monitor.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateDomain {
    /// The domain, e.g. `example.com` (internationalised names are accepted).
    pub domain: String,
    /// Name to show (default: the domain).
    pub name: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Days before expiry at which the status becomes `warning` (default 30).
    pub warning_threshold_days: Option<u32>,
    /// Days before expiry at which the status becomes `critical` (default 7).
    pub expiry_threshold_days: Option<u32>,
    /// Also check the TLS certificate (default true).
    pub check_ssl: Option<bool>,
    /// Port of the TLS check (default 443).
    pub ssl_port: Option<u16>,
    /// Host or address to fetch the certificate from (default: the domain).
    pub ssl_host: Option<String>,
    /// Labels.
    pub labels: Option<Labels>,
    /// Group.
    pub group: Option<String>,
    /// False creates it paused.
    pub enabled: Option<bool>,
    /// Seconds between checks, 14400-2592000 (default 86400).
    pub interval_s: Option<u32>,
    /// Seconds a check may take, 1-300 (default 30).
    pub timeout_s: Option<u32>,
}

/// Changes to a domain monitor; absent fields stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateDomain {
    /// The domain.
    pub domain: Option<String>,
    /// Name.
    pub name: Option<String>,
    /// Description; empty clears it.
    pub description: Option<String>,
    /// Warning threshold in days.
    pub warning_threshold_days: Option<u32>,
    /// Critical threshold in days.
    pub expiry_threshold_days: Option<u32>,
    /// Check the TLS certificate.
    pub check_ssl: Option<bool>,
    /// Port of the TLS check.
    pub ssl_port: Option<u16>,
    /// Host or address to fetch the certificate from; empty: the domain.
    pub ssl_host: Option<String>,
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
}

fn settings_of(row: &crate::db::entities::monitor::Model) -> ApiResult<DomainSettings> {
    match Check::from_stored(&row.check_type, &row.config).map_err(ApiError::Internal)? {
        Check::Domain(s) => Ok(s),
        _ => Err(ApiError::Internal(anyhow::anyhow!(
            "domain monitor {} holds another check type",
            row.id
        ))),
    }
}

fn validated(mut settings: DomainSettings, errors: &mut FieldErrors) -> DomainSettings {
    if let Err(e) = settings.validate() {
        errors.extend(e);
    }
    settings
}

/// List domains visible to the caller.
#[utoipa::path(get, path = "/api/v1/domains", tag = "domains", operation_id = "listDomains",
    params(MonitorQuery),
    responses((status = 200, description = "Domains", body = ListPage<DomainView>)))]
async fn list_domains(
    State(state): State<AppState>,
    principal: Principal,
    ApiQuery(q): ApiQuery<MonitorQuery>,
) -> ApiResult {
    let listed = monitors::list(&state, &principal, KIND, &q).await?;
    Ok(envelope::ok(ListPage {
        items: listed
            .rows
            .iter()
            .map(|(r, s)| DomainView::new(r, s.as_ref()))
            .collect::<Vec<_>>(),
        total: listed.total,
        page: listed.paging.page,
        per_page: listed.paging.per_page,
    }))
}

/// Create a domain monitor (editors).
#[utoipa::path(post, path = "/api/v1/domains", tag = "domains", operation_id = "createDomain",
    request_body = CreateDomain,
    responses((status = 201, description = "Domain created", body = DomainView)))]
async fn create_domain(
    State(state): State<AppState>,
    meta: RequestMeta,
    principal: Principal,
    ApiJson(body): ApiJson<CreateDomain>,
) -> ApiResult {
    monitors::require_editor(&principal)?;
    let mut errors = FieldErrors::new();
    let settings = validated(
        DomainSettings {
            domain: body.domain,
            warning_threshold_days: body.warning_threshold_days.unwrap_or(DEFAULT_WARNING_DAYS),
            expiry_threshold_days: body.expiry_threshold_days.unwrap_or(DEFAULT_EXPIRY_DAYS),
            check_ssl: body.check_ssl.unwrap_or(true),
            ssl_port: body.ssl_port.unwrap_or(443),
            ssl_host: body.ssl_host,
        },
        &mut errors,
    );
    let name = envelope::check_optional(
        &mut errors,
        "name",
        Some(body.name.as_deref().unwrap_or(&settings.domain)),
        m::validate_name,
    );
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
    let interval_s = body.interval_s.unwrap_or(86_400);
    let timeout_s = body.timeout_s.unwrap_or(30);
    m::check_range(&mut errors, "interval_s", interval_s, m::DOMAIN_INTERVAL_S);
    m::check_range(&mut errors, "timeout_s", timeout_s, (1, m::MAX_TIMEOUT_S));
    let (Some(name), true) = (name, errors.is_empty()) else {
        return Err(ApiError::Validation(errors));
    };
    monitors::require_group(&principal, group.as_deref(), KIND)?;
    let check = Check::Domain(settings);
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
            interval_s,
            timeout_s,
            failure_threshold: 1,
            success_threshold: 1,
            ping_token: None,
        },
    )
    .await?;
    audit::record(
        &txn,
        Some(&meta),
        Entry::new(&principal, "domain.create")
            .target("domain", row.id)
            .details(serde_json::json!({ "name": row.name })),
    )
    .await?;
    let st = monitors::state_of(&txn, row.id).await?;
    txn.commit().await?;
    state.engine.monitor_changed(row.id).await;
    Ok(envelope::created(DomainView::new(&row, st.as_ref())))
}

/// One domain monitor.
#[utoipa::path(get, path = "/api/v1/domains/{id}", tag = "domains", operation_id = "getDomain",
    params(("id" = Uuid, Path, description = "Domain monitor id")),
    responses((status = 200, description = "The domain", body = DomainView)))]
async fn get_domain(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult {
    let row = monitors::find(&state, &principal, KIND, id, Role::Viewer).await?;
    let st = monitors::state_of(&state.db, id).await?;
    Ok(envelope::ok(DomainView::new(&row, st.as_ref())))
}

/// Change a domain monitor (editors).
#[utoipa::path(patch, path = "/api/v1/domains/{id}", tag = "domains", operation_id = "updateDomain",
    params(("id" = Uuid, Path, description = "Domain monitor id")),
    request_body = UpdateDomain,
    responses((status = 200, description = "The changed domain", body = DomainView)))]
async fn update_domain(
    State(state): State<AppState>,
    meta: RequestMeta,
    principal: Principal,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<UpdateDomain>,
) -> ApiResult {
    let row = monitors::find(&state, &principal, KIND, id, Role::Editor).await?;
    let stored = settings_of(&row)?;
    let mut errors = FieldErrors::new();
    let settings = validated(
        DomainSettings {
            domain: body.domain.unwrap_or(stored.domain),
            warning_threshold_days: body
                .warning_threshold_days
                .unwrap_or(stored.warning_threshold_days),
            expiry_threshold_days: body
                .expiry_threshold_days
                .unwrap_or(stored.expiry_threshold_days),
            check_ssl: body.check_ssl.unwrap_or(stored.check_ssl),
            ssl_port: body.ssl_port.unwrap_or(stored.ssl_port),
            ssl_host: body.ssl_host.or(stored.ssl_host),
        },
        &mut errors,
    );
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
    let interval_s = body.interval_s.unwrap_or(row.interval_s as u32);
    let timeout_s = body.timeout_s.unwrap_or(row.timeout_s as u32);
    m::check_range(&mut errors, "interval_s", interval_s, m::DOMAIN_INTERVAL_S);
    m::check_range(&mut errors, "timeout_s", timeout_s, (1, m::MAX_TIMEOUT_S));
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    if let Some(group) = &group {
        monitors::require_group(&principal, group.as_deref(), KIND)?;
    }
    let mut active: crate::db::entities::monitor::ActiveModel = row.into();
    active.config = Set(Check::Domain(settings).config_json());
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
    active.interval_s = Set(interval_s as i32);
    active.timeout_s = Set(timeout_s as i32);
    active.updated_at = Set(Utc::now());
    let txn = crate::db::begin_write(&state.db).await?;
    let updated = active.update(&txn).await?;
    audit::record(
        &txn,
        Some(&meta),
        Entry::new(&principal, "domain.update")
            .target("domain", id)
            .details(serde_json::json!({ "name": updated.name })),
    )
    .await?;
    let st = monitors::state_of(&txn, id).await?;
    txn.commit().await?;
    state.engine.monitor_changed(id).await;
    Ok(envelope::ok(DomainView::new(&updated, st.as_ref())))
}

/// Delete a domain monitor with its history (editors).
#[utoipa::path(delete, path = "/api/v1/domains/{id}", tag = "domains", operation_id = "deleteDomain",
    params(("id" = Uuid, Path, description = "Domain monitor id")),
    responses((status = 200, description = "Deleted", body = Deleted)))]
async fn delete_domain(
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
        Entry::new(&principal, "domain.delete")
            .target("domain", id)
            .details(serde_json::json!({ "name": row.name })),
    )
    .await?;
    txn.commit().await?;
    state.engine.monitor_changed(id).await;
    Ok(envelope::ok(Deleted { id }))
}

/// Check the domain now and return the outcome (editors).
#[utoipa::path(post, path = "/api/v1/domains/{id}/check", tag = "domains", operation_id = "checkDomain",
    params(("id" = Uuid, Path, description = "Domain monitor id")),
    responses((status = 200, description = "The outcome", body = CheckResult)))]
async fn check_domain(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult {
    Ok(envelope::ok(
        monitors::check_now(&state, &principal, KIND, id).await?,
    ))
}

/// Pause checks (editors).
#[utoipa::path(post, path = "/api/v1/domains/{id}/pause", tag = "domains", operation_id = "pauseDomain",
    params(("id" = Uuid, Path, description = "Domain monitor id")),
    responses((status = 200, description = "Paused", body = DomainView)))]
async fn pause_domain(
    State(state): State<AppState>,
    meta: RequestMeta,
    principal: Principal,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult {
    let (row, st) = monitors::set_enabled(&state, &meta, &principal, KIND, id, false).await?;
    Ok(envelope::ok(DomainView::new(&row, st.as_ref())))
}

/// Resume checks (editors).
#[utoipa::path(post, path = "/api/v1/domains/{id}/resume", tag = "domains", operation_id = "resumeDomain",
    params(("id" = Uuid, Path, description = "Domain monitor id")),
    responses((status = 200, description = "Resumed", body = DomainView)))]
async fn resume_domain(
    State(state): State<AppState>,
    meta: RequestMeta,
    principal: Principal,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult {
    let (row, st) = monitors::set_enabled(&state, &meta, &principal, KIND, id, true).await?;
    Ok(envelope::ok(DomainView::new(&row, st.as_ref())))
}

/// Statistics over a window.
#[utoipa::path(get, path = "/api/v1/domains/{id}/stats", tag = "domains", operation_id = "domainStats",
    params(("id" = Uuid, Path, description = "Domain monitor id"), StatsQuery),
    responses((status = 200, description = "Statistics", body = Stats)))]
async fn domain_stats(
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
#[utoipa::path(get, path = "/api/v1/domains/{id}/results", tag = "domains", operation_id = "domainResults",
    params(("id" = Uuid, Path, description = "Domain monitor id"), ResultsQuery),
    responses((status = 200, description = "Results", body = Vec<ResultPoint>)))]
async fn domain_results(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(q): ApiQuery<ResultsQuery>,
) -> ApiResult {
    Ok(envelope::ok(
        monitors::results(&state, &principal, KIND, id, &q).await?,
    ))
}

/// Daily status for the last 30 or 90 days.
#[utoipa::path(get, path = "/api/v1/domains/{id}/uptime", tag = "domains", operation_id = "domainUptime",
    params(("id" = Uuid, Path, description = "Domain monitor id"), UptimeQuery),
    responses((status = 200, description = "One bucket per day, oldest first", body = Vec<DayBucket>)))]
async fn domain_uptime(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(q): ApiQuery<UptimeQuery>,
) -> ApiResult {
    Ok(envelope::ok(
        monitors::uptime(&state, &principal, KIND, id, q.days).await?,
    ))
}
