//! `/api/v1/domains`: domain registration and certificate monitors.

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
use crate::db::entities::monitor;
use crate::history::query::{DayBucket, ResultPoint};
use crate::monitors::domain::{DomainSettings, DEFAULT_EXPIRY_DAYS, DEFAULT_WARNING_DAYS};
use crate::monitors::service::state_of;
use crate::monitors::stats::{SeriesView, Stats};
use crate::monitors::view::DomainView;
use crate::monitors::{Check, Fields, Kind, LabelMap};
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
        .routes(routes!(domain_series))
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
    pub labels: Option<LabelMap>,
    /// Monitors this one depends on: while one of them is down, this one's down alerts
    /// are suppressed.
    pub depends_on: Option<Vec<Uuid>>,
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
}

impl CreateDomain {
    fn settings(&mut self) -> Result<Check, FieldErrors> {
        let mut settings = DomainSettings {
            domain: std::mem::take(&mut self.domain),
            warning_threshold_days: self.warning_threshold_days.unwrap_or(DEFAULT_WARNING_DAYS),
            expiry_threshold_days: self.expiry_threshold_days.unwrap_or(DEFAULT_EXPIRY_DAYS),
            check_ssl: self.check_ssl.unwrap_or(true),
            ssl_port: self.ssl_port.unwrap_or(443),
            ssl_host: self.ssl_host.take(),
        };
        settings.validate().map(|()| Check::Domain(settings))
    }

    /// The common fields; the name is the domain unless one is given.
    fn fields(&mut self, domain: &str) -> Fields {
        Fields {
            name: Some(self.name.take().unwrap_or_else(|| domain.to_owned())),
            description: self.description.take(),
            group: self.group.take(),
            labels: self.labels.take(),
            enabled: self.enabled,
            interval_s: self.interval_s,
            timeout_s: self.timeout_s,
            failure_threshold: None,
            success_threshold: None,
            depends_on: self.depends_on.take(),
        }
    }
}

impl UpdateDomain {
    /// The stored settings with the given changes.
    fn settings(&mut self, row: &monitor::Model) -> Result<Option<Check>, FieldErrors> {
        let Ok(Check::Domain(stored)) = Check::from_stored(&row.check_type, &row.config) else {
            return Err(FieldErrors::from([(
                "_".to_owned(),
                "the stored settings of this domain cannot be read".to_owned(),
            )]));
        };
        let mut settings = DomainSettings {
            domain: self.domain.take().unwrap_or(stored.domain),
            warning_threshold_days: self
                .warning_threshold_days
                .unwrap_or(stored.warning_threshold_days),
            expiry_threshold_days: self
                .expiry_threshold_days
                .unwrap_or(stored.expiry_threshold_days),
            check_ssl: self.check_ssl.unwrap_or(stored.check_ssl),
            ssl_port: self.ssl_port.unwrap_or(stored.ssl_port),
            ssl_host: self.ssl_host.take().or(stored.ssl_host),
        };
        settings.validate().map(|()| Some(Check::Domain(settings)))
    }

    fn fields(&mut self) -> Fields {
        Fields {
            name: self.name.take(),
            description: self.description.take(),
            group: self.group.take(),
            labels: self.labels.take(),
            enabled: self.enabled,
            interval_s: self.interval_s,
            timeout_s: self.timeout_s,
            failure_threshold: None,
            success_threshold: None,
            depends_on: self.depends_on.take(),
        }
    }
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
    let listed = state.monitors().list(&principal, KIND, &q.into()).await?;
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
    ApiJson(mut body): ApiJson<CreateDomain>,
) -> ApiResult {
    let given = body.domain.clone();
    let check = body.settings();
    let domain = match &check {
        Ok(Check::Domain(settings)) => settings.domain.clone(),
        _ => given,
    };
    let fields = body.fields(&domain);
    let saved = state
        .monitors()
        .create(
            &principal,
            &meta.origin,
            KIND,
            fields,
            check,
            async |_, _| Ok(()),
        )
        .await?;
    Ok(envelope::created(DomainView::new(
        &saved.row,
        saved.state.as_ref(),
    )))
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
    let row = state
        .monitors()
        .find(&principal, KIND, id, Role::Viewer)
        .await?;
    let st = state_of(&state.db, id).await?;
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
    ApiJson(mut body): ApiJson<UpdateDomain>,
) -> ApiResult {
    let monitors = state.monitors();
    let row = monitors.find(&principal, KIND, id, Role::Editor).await?;
    let check = body.settings(&row);
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
    Ok(envelope::ok(DomainView::new(
        &saved.row,
        saved.state.as_ref(),
    )))
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
    state
        .monitors()
        .delete(&principal, &meta.origin, KIND, id, async |_, _| Ok(()))
        .await?;
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
    let outcome = state.monitors().check_now(&principal, KIND, id).await?;
    Ok(envelope::ok(CheckResult::from(outcome)))
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
    let (row, st) = state
        .monitors()
        .set_enabled(&principal, &meta.origin, KIND, id, false)
        .await?;
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
    let (row, st) = state
        .monitors()
        .set_enabled(&principal, &meta.origin, KIND, id, true)
        .await?;
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
        state.monitors().stats(&principal, KIND, id, window).await?,
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
        state
            .monitors()
            .results(&principal, KIND, id, (q.from, q.to), q.limit)
            .await?,
    ))
}

/// A response-time series (the registration lookup and the certificate check) from the
/// rollup tier that fits the range.
#[utoipa::path(get, path = "/api/v1/domains/{id}/series", tag = "domains", operation_id = "domainSeries",
    params(("id" = Uuid, Path, description = "Domain monitor id"), SeriesQuery),
    responses((status = 200, description = "Series", body = SeriesView)))]
async fn domain_series(
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
        state
            .monitors()
            .uptime(&principal, KIND, id, q.days)
            .await?,
    ))
}
