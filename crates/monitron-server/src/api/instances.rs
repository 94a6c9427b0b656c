//! `/api/v1/instances`: hosts watched through the Monitron agent, their metrics, device
//! information, agent configuration and actions.

use std::time::Duration;

use axum::extract::State;
use chrono::{DateTime, Duration as ChronoDuration, Utc};
use monitron_proto::agent_api::Action;
use monitron_proto::push::ServerMessage;
use monitron_proto::AgentConfig;
use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, Set};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
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
use crate::db::entities::{
    instance_action, instance_agent, instance_probe, monitor, monitor_state,
};
use crate::history::query::{DayBucket, ResultPoint};
use crate::history::Tier;
use crate::instances::client::CallError;
use crate::instances::hub::ActionAnswer;
use crate::instances::metrics::{self as instance_metrics, MetricPoint, METRICS};
use crate::instances::{
    actions, agent_config, enrollment, AgentAuth, AuthType, Connection, InstanceSettings,
    DEFAULT_AGENT_PORT,
};
use crate::monitors::view::StateView;
use crate::monitors::{self as m, Check, Kind, Labels};
use crate::state::AppState;

const KIND: Kind = Kind::Instance;
/// How long an action waits for a connected agent's answer.
const ACTION_WAIT: Duration = Duration::from_secs(10);

/// Routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_instances, create_instance))
        .routes(routes!(get_instance, update_instance, delete_instance))
        .routes(routes!(check_instance))
        .routes(routes!(pause_instance))
        .routes(routes!(resume_instance))
        .routes(routes!(instance_stats))
        .routes(routes!(instance_results))
        .routes(routes!(instance_uptime))
        .routes(routes!(regenerate_enrollment_token))
        .routes(routes!(latest_metrics))
        .routes(routes!(instance_metrics))
        .routes(routes!(instance_device))
        .routes(routes!(instance_probes))
        .routes(routes!(instance_action))
        .routes(routes!(get_agent_config, put_agent_config))
}

/// Credentials for the agent's API as shown: secrets masked.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AgentAuthView {
    /// `jwt`, `basic`, `api_key` or `hmac`.
    #[serde(rename = "type")]
    pub auth_type: AuthType,
    /// User name.
    pub username: Option<String>,
    /// `********` when set.
    pub password: Option<String>,
    /// `********` when set.
    pub api_key: Option<String>,
    /// `********` when set.
    pub secret: Option<String>,
}

/// An instance as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InstanceView {
    /// Id.
    pub id: Uuid,
    /// Name.
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// Host name or address.
    pub host: String,
    /// Port of the agent's API.
    pub agent_port: u16,
    /// `pull` or `push`.
    pub connection: Connection,
    /// Call the agent over HTTPS (pull).
    pub tls: bool,
    /// Accept any certificate from the agent (pull).
    pub tls_skip_verify: bool,
    /// Credentials for the agent's API (pull); secrets masked.
    pub agent_auth: AgentAuthView,
    /// Labels.
    pub labels: Labels,
    /// Group.
    pub group: Option<String>,
    /// False while paused.
    pub enabled: bool,
    /// Seconds between polls (pull) or reports (push).
    pub interval_s: i32,
    /// Seconds a poll may take; push agents count as down after `interval_s + timeout_s`
    /// without a report.
    pub timeout_s: i32,
    /// Consecutive failures before the instance is down.
    pub failure_threshold: i32,
    /// Consecutive successes before it is up again.
    pub success_threshold: i32,
    /// Push: when the agent exchanged its enrollment token.
    pub enrolled_at: Option<DateTime<Utc>>,
    /// Push: whether the agent is connected to this server process now.
    pub connected: bool,
    /// When device information was last read.
    pub device_at: Option<DateTime<Utc>>,
    /// Revision of the agent configuration the server holds.
    pub agent_config_revision: i64,
    /// Highest revision the agent has taken.
    pub agent_config_delivered: i64,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
    /// Current state (reachability of the agent).
    pub state: StateView,
}

/// A new instance: the view plus the one-time enrollment token.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedInstance {
    /// The instance.
    #[serde(flatten)]
    pub instance: InstanceView,
    /// Push: give this to the agent as `MONITRON_AGENT_TOKEN`; shown once.
    pub enrollment_token: Option<String>,
}

/// A fresh enrollment token.
#[derive(Debug, Serialize, ToSchema)]
pub struct EnrollmentToken {
    /// Give this to the agent as `MONITRON_AGENT_TOKEN`; shown once.
    pub enrollment_token: String,
}

fn settings_of(row: &monitor::Model) -> ApiResult<InstanceSettings> {
    match Check::from_stored(&row.check_type, &row.config).map_err(ApiError::Internal)? {
        Check::Agent(s) => Ok(s),
        _ => Err(ApiError::Internal(anyhow::anyhow!(
            "instance {} holds another check type",
            row.id
        ))),
    }
}

fn view(
    state: &AppState,
    row: &monitor::Model,
    st: Option<&monitor_state::Model>,
    agent: Option<&instance_agent::Model>,
) -> InstanceView {
    let mut check = Check::from_stored(&row.check_type, &row.config).ok();
    if let Some(c) = check.as_mut() {
        c.mask();
    }
    let settings = match check {
        Some(Check::Agent(s)) => s,
        _ => InstanceSettings {
            connection: Connection::Pull,
            host: String::new(),
            agent_port: DEFAULT_AGENT_PORT,
            tls: false,
            tls_skip_verify: false,
            auth: AgentAuth::default(),
        },
    };
    let some = |s: String| (!s.is_empty()).then_some(s);
    InstanceView {
        id: row.id,
        name: row.name.clone(),
        description: row.description.clone(),
        host: settings.host,
        agent_port: settings.agent_port,
        connection: settings.connection,
        tls: settings.tls,
        tls_skip_verify: settings.tls_skip_verify,
        agent_auth: AgentAuthView {
            auth_type: settings.auth.auth_type,
            username: some(settings.auth.username),
            password: some(settings.auth.password),
            api_key: some(settings.auth.api_key),
            secret: some(settings.auth.secret),
        },
        labels: serde_json::from_value(row.labels.clone()).unwrap_or_default(),
        group: row.group_name.clone(),
        enabled: row.enabled,
        interval_s: row.interval_s,
        timeout_s: row.timeout_s,
        failure_threshold: row.failure_threshold,
        success_threshold: row.success_threshold,
        enrolled_at: agent.and_then(|a| a.enrolled_at),
        connected: state.agent_hub.is_connected(row.id),
        device_at: agent.and_then(|a| a.device_at),
        agent_config_revision: agent.map_or(0, |a| a.config_revision),
        agent_config_delivered: agent.map_or(0, |a| a.config_delivered),
        created_at: row.created_at,
        updated_at: row.updated_at,
        state: StateView::of(row, st),
    }
}

async fn agent_of(db: &impl ConnectionTrait, id: Uuid) -> ApiResult<Option<instance_agent::Model>> {
    Ok(instance_agent::Entity::find_by_id(id).one(db).await?)
}

/// A new instance.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateInstance {
    /// Name.
    pub name: String,
    /// Host name or address of the agent (pull) or the host (push).
    pub host: String,
    /// `pull` (default) or `push`.
    pub connection: Option<Connection>,
    /// Port of the agent's API (default 7773).
    pub agent_port: Option<u16>,
    /// Call the agent over HTTPS (default false).
    pub tls: Option<bool>,
    /// Accept any certificate from the agent (default false).
    pub tls_skip_verify: Option<bool>,
    /// Credentials for the agent's API (pull); default type `jwt`.
    pub agent_auth: Option<AgentAuth>,
    /// Description.
    pub description: Option<String>,
    /// Labels.
    pub labels: Option<Labels>,
    /// Group.
    pub group: Option<String>,
    /// False creates it paused.
    pub enabled: Option<bool>,
    /// Seconds between polls or reports, 1-86400 (default 10).
    pub interval_s: Option<u32>,
    /// Seconds a poll may take, 1-300 (default 30).
    pub timeout_s: Option<u32>,
    /// Consecutive failures before down, 1-100 (default 1).
    pub failure_threshold: Option<u32>,
    /// Consecutive successes before up again, 1-100 (default 1).
    pub success_threshold: Option<u32>,
}

/// Changes to an instance; absent fields stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateInstance {
    /// Name.
    pub name: Option<String>,
    /// Host.
    pub host: Option<String>,
    /// `pull` or `push`.
    pub connection: Option<Connection>,
    /// Agent port.
    pub agent_port: Option<u16>,
    /// HTTPS.
    pub tls: Option<bool>,
    /// Accept any certificate.
    pub tls_skip_verify: Option<bool>,
    /// Credentials (replace all; a secret sent as `********` keeps the stored one).
    pub agent_auth: Option<AgentAuth>,
    /// Description; empty clears it.
    pub description: Option<String>,
    /// Labels (replace all).
    pub labels: Option<Labels>,
    /// Group; empty removes it.
    pub group: Option<String>,
    /// Paused when false.
    pub enabled: Option<bool>,
    /// Seconds between polls or reports.
    pub interval_s: Option<u32>,
    /// Seconds a poll may take.
    pub timeout_s: Option<u32>,
    /// Consecutive failures before down.
    pub failure_threshold: Option<u32>,
    /// Consecutive successes before up again.
    pub success_threshold: Option<u32>,
}

fn check_common(
    errors: &mut FieldErrors,
    interval_s: u32,
    timeout_s: u32,
    failure_threshold: u32,
    success_threshold: u32,
) {
    m::check_range(errors, "interval_s", interval_s, m::SERVICE_INTERVAL_S);
    m::check_range(errors, "timeout_s", timeout_s, (1, m::MAX_TIMEOUT_S));
    m::check_range(
        errors,
        "failure_threshold",
        failure_threshold,
        (1, m::MAX_THRESHOLD),
    );
    m::check_range(
        errors,
        "success_threshold",
        success_threshold,
        (1, m::MAX_THRESHOLD),
    );
}

/// Validates settings and seals their secrets; errors go into `errors`.
fn sealed(
    state: &AppState,
    mut settings: InstanceSettings,
    previous: Option<&Check>,
    errors: &mut FieldErrors,
) -> Option<Check> {
    if let Err(e) = settings.validate() {
        errors.extend(e);
        return None;
    }
    let mut check = Check::Agent(settings);
    if let Err(e) = check.seal(&state.cipher, previous) {
        errors.extend(e.into_values().map(|v| ("agent_auth".to_owned(), v)));
        return None;
    }
    Some(check)
}

/// The agent configuration an instance starts with.
fn initial_config(interval_s: u32) -> AgentConfig {
    AgentConfig {
        report_interval_s: interval_s,
        ..AgentConfig::default()
    }
}

/// List instances visible to the caller.
#[utoipa::path(get, path = "/api/v1/instances", tag = "instances", operation_id = "listInstances",
    params(MonitorQuery),
    responses((status = 200, description = "Instances", body = ListPage<InstanceView>)))]
async fn list_instances(
    State(state): State<AppState>,
    principal: Principal,
    ApiQuery(q): ApiQuery<MonitorQuery>,
) -> ApiResult {
    let listed = monitors::list(&state, &principal, KIND, &q).await?;
    let ids: Vec<Uuid> = listed.rows.iter().map(|(r, _)| r.id).collect();
    let agents: std::collections::HashMap<Uuid, instance_agent::Model> = {
        use sea_orm::{ColumnTrait, QueryFilter};
        instance_agent::Entity::find()
            .filter(instance_agent::Column::MonitorId.is_in(ids))
            .all(&state.db)
            .await?
            .into_iter()
            .map(|a| (a.monitor_id, a))
            .collect()
    };
    Ok(envelope::ok(ListPage {
        items: listed
            .rows
            .iter()
            .map(|(r, s)| view(&state, r, s.as_ref(), agents.get(&r.id)))
            .collect::<Vec<_>>(),
        total: listed.total,
        page: listed.paging.page,
        per_page: listed.paging.per_page,
    }))
}

/// Register an instance (editors). Push instances answer a one-time `enrollment_token`.
#[utoipa::path(post, path = "/api/v1/instances", tag = "instances", operation_id = "createInstance",
    request_body = CreateInstance,
    responses((status = 201, description = "Instance created", body = CreatedInstance)))]
async fn create_instance(
    State(state): State<AppState>,
    meta: RequestMeta,
    principal: Principal,
    ApiJson(body): ApiJson<CreateInstance>,
) -> ApiResult {
    monitors::require_editor(&principal)?;
    let mut errors = FieldErrors::new();
    let connection = body.connection.unwrap_or_default();
    let check = sealed(
        &state,
        InstanceSettings {
            connection,
            host: body.host,
            agent_port: body.agent_port.unwrap_or(DEFAULT_AGENT_PORT),
            tls: body.tls.unwrap_or(false),
            tls_skip_verify: body.tls_skip_verify.unwrap_or(false),
            auth: body.agent_auth.unwrap_or_default(),
        },
        None,
        &mut errors,
    );
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
    let interval_s = body.interval_s.unwrap_or(10);
    let timeout_s = body.timeout_s.unwrap_or(30);
    let failure_threshold = body.failure_threshold.unwrap_or(1);
    let success_threshold = body.success_threshold.unwrap_or(1);
    check_common(
        &mut errors,
        interval_s,
        timeout_s,
        failure_threshold,
        success_threshold,
    );
    let (Some(name), Some(check), true) = (name, check, errors.is_empty()) else {
        return Err(ApiError::Validation(errors));
    };
    monitors::require_group(&principal, group.as_deref(), KIND)?;
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
            failure_threshold,
            success_threshold,
            ping_token: None,
        },
    )
    .await?;
    let (token, token_hash) = enrollment::new_token();
    let push = connection == Connection::Push;
    let agent = instance_agent::ActiveModel {
        monitor_id: Set(row.id),
        enrollment_token_hash: Set(push.then_some(token_hash)),
        credential_hash: Set(None),
        enrolled_at: Set(None),
        config: Set(serde_json::to_value(initial_config(interval_s)).unwrap_or_default()),
        config_revision: Set(1),
        config_delivered: Set(0),
        device: Set(None),
        device_at: Set(None),
        created_at: Set(Utc::now()),
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        Some(&meta),
        Entry::new(&principal, "instance.create")
            .target("instance", row.id)
            .details(serde_json::json!({ "name": row.name, "connection": connection })),
    )
    .await?;
    let st = monitors::state_of(&txn, row.id).await?;
    txn.commit().await?;
    state.engine.monitor_changed(row.id).await;
    Ok(envelope::created(CreatedInstance {
        instance: view(&state, &row, st.as_ref(), Some(&agent)),
        enrollment_token: push.then_some(token),
    }))
}

/// One instance.
#[utoipa::path(get, path = "/api/v1/instances/{id}", tag = "instances", operation_id = "getInstance",
    params(("id" = Uuid, Path, description = "Instance id")),
    responses((status = 200, description = "The instance", body = InstanceView)))]
async fn get_instance(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult {
    let row = monitors::find(&state, &principal, KIND, id, Role::Viewer).await?;
    let st = monitors::state_of(&state.db, id).await?;
    let agent = agent_of(&state.db, id).await?;
    Ok(envelope::ok(view(
        &state,
        &row,
        st.as_ref(),
        agent.as_ref(),
    )))
}

/// Change an instance (editors).
#[utoipa::path(patch, path = "/api/v1/instances/{id}", tag = "instances", operation_id = "updateInstance",
    params(("id" = Uuid, Path, description = "Instance id")),
    request_body = UpdateInstance,
    responses((status = 200, description = "The changed instance", body = InstanceView)))]
async fn update_instance(
    State(state): State<AppState>,
    meta: RequestMeta,
    principal: Principal,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<UpdateInstance>,
) -> ApiResult {
    let row = monitors::find(&state, &principal, KIND, id, Role::Editor).await?;
    let stored = settings_of(&row)?;
    let previous = Check::Agent(stored.clone());
    let mut errors = FieldErrors::new();
    let check = sealed(
        &state,
        InstanceSettings {
            connection: body.connection.unwrap_or(stored.connection),
            host: body.host.unwrap_or(stored.host.clone()),
            agent_port: body.agent_port.unwrap_or(stored.agent_port),
            tls: body.tls.unwrap_or(stored.tls),
            tls_skip_verify: body.tls_skip_verify.unwrap_or(stored.tls_skip_verify),
            auth: body.agent_auth.unwrap_or(stored.auth.clone()),
        },
        Some(&previous),
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
    let positive = |v: i32| u32::try_from(v).unwrap_or(1);
    let interval_s = body.interval_s.unwrap_or(positive(row.interval_s));
    let timeout_s = body.timeout_s.unwrap_or(positive(row.timeout_s));
    let failure_threshold = body
        .failure_threshold
        .unwrap_or(positive(row.failure_threshold));
    let success_threshold = body
        .success_threshold
        .unwrap_or(positive(row.success_threshold));
    check_common(
        &mut errors,
        interval_s,
        timeout_s,
        failure_threshold,
        success_threshold,
    );
    let (Some(check), true) = (check, errors.is_empty()) else {
        return Err(ApiError::Validation(errors));
    };
    if let Some(group) = &group {
        monitors::require_group(&principal, group.as_deref(), KIND)?;
    }
    let became_push = stored.connection == Connection::Pull
        && matches!(&check, Check::Agent(s) if s.connection == Connection::Push);
    let mut active: monitor::ActiveModel = row.into();
    active.config = Set(check.config_json());
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
    active.failure_threshold = Set(failure_threshold as i32);
    active.success_threshold = Set(success_threshold as i32);
    active.updated_at = Set(Utc::now());
    let txn = crate::db::begin_write(&state.db).await?;
    let updated = active.update(&txn).await?;
    let mut agent = agent_of(&txn, id).await?;
    if let Some(a) = agent.clone() {
        // Keep the agent's reporting interval in step with the instance's.
        let mut config: AgentConfig = serde_json::from_value(a.config.clone()).unwrap_or_default();
        if config.report_interval_s != interval_s {
            config.report_interval_s = interval_s;
            config.revision = u64::try_from(a.config_revision + 1).unwrap_or_default();
            let mut active: instance_agent::ActiveModel = a.into();
            active.config = Set(serde_json::to_value(&config).unwrap_or_default());
            active.config_revision = Set(i64::try_from(config.revision).unwrap_or(i64::MAX));
            agent = Some(active.update(&txn).await?);
        }
    }
    audit::record(
        &txn,
        Some(&meta),
        Entry::new(&principal, "instance.update")
            .target("instance", id)
            .details(serde_json::json!({ "name": updated.name, "became_push": became_push })),
    )
    .await?;
    let st = monitors::state_of(&txn, id).await?;
    txn.commit().await?;
    state.engine.agent_client().forget(id);
    state.engine.monitor_changed(id).await;
    Ok(envelope::ok(view(
        &state,
        &updated,
        st.as_ref(),
        agent.as_ref(),
    )))
}

/// Delete an instance with its history (editors).
#[utoipa::path(delete, path = "/api/v1/instances/{id}", tag = "instances", operation_id = "deleteInstance",
    params(("id" = Uuid, Path, description = "Instance id")),
    responses((status = 200, description = "Deleted", body = Deleted)))]
async fn delete_instance(
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
        Entry::new(&principal, "instance.delete")
            .target("instance", id)
            .details(serde_json::json!({ "name": row.name })),
    )
    .await?;
    txn.commit().await?;
    state.engine.agent_client().forget(id);
    state.engine.monitor_changed(id).await;
    Ok(envelope::ok(Deleted { id }))
}

/// Poll the agent (pull) or evaluate its last report (push) now (editors).
#[utoipa::path(post, path = "/api/v1/instances/{id}/check", tag = "instances", operation_id = "checkInstance",
    params(("id" = Uuid, Path, description = "Instance id")),
    responses((status = 200, description = "The outcome", body = CheckResult)))]
async fn check_instance(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult {
    Ok(envelope::ok(
        monitors::check_now(&state, &principal, KIND, id).await?,
    ))
}

/// Pause checks (editors).
#[utoipa::path(post, path = "/api/v1/instances/{id}/pause", tag = "instances", operation_id = "pauseInstance",
    params(("id" = Uuid, Path, description = "Instance id")),
    responses((status = 200, description = "Paused", body = InstanceView)))]
async fn pause_instance(
    State(state): State<AppState>,
    meta: RequestMeta,
    principal: Principal,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult {
    let (row, st) = monitors::set_enabled(&state, &meta, &principal, KIND, id, false).await?;
    let agent = agent_of(&state.db, id).await?;
    Ok(envelope::ok(view(
        &state,
        &row,
        st.as_ref(),
        agent.as_ref(),
    )))
}

/// Resume checks (editors).
#[utoipa::path(post, path = "/api/v1/instances/{id}/resume", tag = "instances", operation_id = "resumeInstance",
    params(("id" = Uuid, Path, description = "Instance id")),
    responses((status = 200, description = "Resumed", body = InstanceView)))]
async fn resume_instance(
    State(state): State<AppState>,
    meta: RequestMeta,
    principal: Principal,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult {
    let (row, st) = monitors::set_enabled(&state, &meta, &principal, KIND, id, true).await?;
    let agent = agent_of(&state.db, id).await?;
    Ok(envelope::ok(view(
        &state,
        &row,
        st.as_ref(),
        agent.as_ref(),
    )))
}

/// Reachability statistics over a window.
#[utoipa::path(get, path = "/api/v1/instances/{id}/stats", tag = "instances", operation_id = "instanceStats",
    params(("id" = Uuid, Path, description = "Instance id"), StatsQuery),
    responses((status = 200, description = "Statistics", body = Stats)))]
async fn instance_stats(
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

/// Raw reachability results, newest first.
#[utoipa::path(get, path = "/api/v1/instances/{id}/results", tag = "instances", operation_id = "instanceResults",
    params(("id" = Uuid, Path, description = "Instance id"), ResultsQuery),
    responses((status = 200, description = "Results", body = Vec<ResultPoint>)))]
async fn instance_results(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(q): ApiQuery<ResultsQuery>,
) -> ApiResult {
    Ok(envelope::ok(
        monitors::results(&state, &principal, KIND, id, &q).await?,
    ))
}

/// Daily reachability for the last 30 or 90 days.
#[utoipa::path(get, path = "/api/v1/instances/{id}/uptime", tag = "instances", operation_id = "instanceUptime",
    params(("id" = Uuid, Path, description = "Instance id"), UptimeQuery),
    responses((status = 200, description = "One bucket per day, oldest first", body = Vec<DayBucket>)))]
async fn instance_uptime(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(q): ApiQuery<UptimeQuery>,
) -> ApiResult {
    Ok(envelope::ok(
        monitors::uptime(&state, &principal, KIND, id, q.days).await?,
    ))
}

/// Issue a new enrollment token (editors). The agent's current credential stops working:
/// use this to move an instance to a new or reinstalled agent.
#[utoipa::path(post, path = "/api/v1/instances/{id}/enrollment-token", tag = "instances", operation_id = "regenerateEnrollmentToken",
    params(("id" = Uuid, Path, description = "Instance id")),
    responses((status = 200, description = "The new token", body = EnrollmentToken)))]
async fn regenerate_enrollment_token(
    State(state): State<AppState>,
    meta: RequestMeta,
    principal: Principal,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult {
    let row = monitors::find(&state, &principal, KIND, id, Role::Editor).await?;
    if settings_of(&row)?.connection != Connection::Push {
        return Err(ApiError::Conflict(FieldErrors::from([(
            "connection".to_owned(),
            "only push instances enroll; switch the instance to push first".to_owned(),
        )])));
    }
    let (token, hash) = enrollment::new_token();
    let txn = crate::db::begin_write(&state.db).await?;
    let agent = agent_of(&txn, id)
        .await?
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("instance {id} has no agent record")))?;
    let mut active: instance_agent::ActiveModel = agent.into();
    active.enrollment_token_hash = Set(Some(hash));
    active.credential_hash = Set(None);
    active.enrolled_at = Set(None);
    active.update(&txn).await?;
    audit::record(
        &txn,
        Some(&meta),
        Entry::new(&principal, "instance.enrollment_token").target("instance", id),
    )
    .await?;
    txn.commit().await?;
    Ok(envelope::ok(EnrollmentToken {
        enrollment_token: token,
    }))
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
    let row = monitors::find(&state, &principal, KIND, id, Role::Viewer).await?;
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
    let (from, to) = monitors::range(q.from, q.to, ChronoDuration::hours(1))?;
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
    let step_ms = match q.step {
        Some(0) => return Err(ApiError::field("step", "must be at least 1")),
        Some(s) => i64::try_from(s)
            .ok()
            .and_then(|s| s.checked_mul(1000))
            .ok_or_else(|| ApiError::field("step", "is too large"))?,
        None => (span_ms / 200).max(1000),
    };
    let row = monitors::find(&state, &principal, KIND, id, Role::Viewer).await?;
    let tier = instance_metrics::choose_tier(
        step_ms,
        from.timestamp_millis(),
        Utc::now().timestamp_millis(),
        &state.config.retention,
    );
    let bucket = tier.bucket_ms();
    let step_ms = (step_ms + bucket - 1) / bucket * bucket;
    if span_ms / step_ms > monitors::MAX_POINTS {
        return Err(ApiError::field(
            "step",
            format!(
                "gives more than {} points for this range; use a larger step",
                monitors::MAX_POINTS
            ),
        ));
    }
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
    monitors::find(&state, &principal, KIND, id, Role::Viewer).await?;
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
    use sea_orm::{ColumnTrait, QueryFilter, QueryOrder};
    monitors::find(&state, &principal, KIND, id, Role::Viewer).await?;
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

/// `POST /instances/{id}/actions`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActionRequest {
    /// `restart_agent`, `reboot` or `shutdown`.
    #[schema(value_type = String)]
    pub action: Action,
}

/// What became of an action.
#[derive(Debug, Serialize, ToSchema)]
pub struct ActionView {
    /// Id.
    pub id: Uuid,
    /// The action.
    #[schema(value_type = String)]
    pub action: Action,
    /// `done` (accepted by the agent), `refused` (the agent said no), `failed` (a pull
    /// agent could not be reached), `sent` (handed to a push agent that has not answered
    /// within 10 s), or `queued` (a push agent is not connected; it gets the action when
    /// it next connects).
    pub status: &'static str,
    /// The agent's answer.
    pub message: String,
}

/// Ask the agent to restart itself, reboot or shut down its host (admins; audited). The
/// agent must allow power actions itself.
#[utoipa::path(post, path = "/api/v1/instances/{id}/actions", tag = "instances", operation_id = "instanceAction",
    params(("id" = Uuid, Path, description = "Instance id")),
    request_body = ActionRequest,
    responses((status = 200, description = "What became of it", body = ActionView)))]
async fn instance_action(
    State(state): State<AppState>,
    meta: RequestMeta,
    principal: Principal,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<ActionRequest>,
) -> ApiResult {
    let row = monitors::find(&state, &principal, KIND, id, Role::Admin).await?;
    let settings = settings_of(&row)?;
    let action_id = Uuid::now_v7();
    // On record before anything is sent: a push session hands it over from here, once.
    instance_action::ActiveModel {
        id: Set(action_id),
        monitor_id: Set(id),
        action: Set(body.action.as_str().to_owned()),
        requested_by: Set(Some(principal.user.id)),
        created_at: Set(Utc::now()),
        delivered_at: Set(None),
        finished_at: Set(None),
        ok: Set(None),
        message: Set(None),
    }
    .insert(&state.db)
    .await?;
    let (status, message) = match settings.connection {
        Connection::Pull => {
            actions::claim(&state.db, action_id).await?;
            let mut check = Check::Agent(settings);
            check
                .open(&state.cipher)
                .map_err(|e| ApiError::Internal(e.into()))?;
            let Check::Agent(opened) = check else {
                unreachable!("opened the same variant")
            };
            let timeout = Duration::from_secs(u64::try_from(row.timeout_s).unwrap_or(30));
            let called = state
                .engine
                .agent_client()
                .action(id, &opened, body.action, timeout)
                .await;
            let (status, answer) = match called {
                Ok(data) => (
                    "done",
                    ActionAnswer {
                        ok: true,
                        message: data["message"].as_str().unwrap_or("accepted").to_owned(),
                    },
                ),
                Err(err) => (
                    if matches!(err, CallError::Refused { .. }) {
                        "refused"
                    } else {
                        "failed"
                    },
                    ActionAnswer {
                        ok: false,
                        message: err.to_string(),
                    },
                ),
            };
            actions::record_answer(&state.db, &state.agent_hub, id, action_id, answer.clone())
                .await?;
            (status, answer.message)
        }
        Connection::Push => push_action(&state, id, action_id, body.action).await?,
    };
    audit::record(
        &state.db,
        Some(&meta),
        Entry::new(&principal, "instance.action")
            .target("instance", id)
            .details(serde_json::json!({
                "action": body.action.as_str(),
                "status": status,
                "message": message,
            })),
    )
    .await?;
    Ok(envelope::ok(ActionView {
        id: action_id,
        action: body.action,
        status,
        message,
    }))
}

/// Hands an action to a push agent connected to this process and waits briefly for its
/// answer; otherwise it stays queued for the agent's next contact (any process).
async fn push_action(
    state: &AppState,
    id: Uuid,
    action_id: Uuid,
    action: Action,
) -> ApiResult<(&'static str, String)> {
    let queued = (
        "queued",
        "the agent is not connected here; it gets the action on its next contact".to_owned(),
    );
    if !state.agent_hub.is_connected(id) || !actions::claim(&state.db, action_id).await? {
        return Ok(queued);
    }
    let waiting = state.agent_hub.expect_answer(id, action_id);
    let message = ServerMessage::Action {
        id: action_id.to_string(),
        action,
    };
    if !state.agent_hub.send(id, message) {
        state.agent_hub.forget_answer(id, action_id);
        actions::unclaim(&state.db, action_id).await?;
        return Ok(queued);
    }
    match tokio::time::timeout(ACTION_WAIT, waiting).await {
        Ok(Ok(answer)) => Ok((if answer.ok { "done" } else { "refused" }, answer.message)),
        _ => {
            state.agent_hub.forget_answer(id, action_id);
            Ok((
                "sent",
                "sent to the agent; it has not answered yet".to_owned(),
            ))
        }
    }
}

/// The agent configuration the server holds for an instance.
#[derive(Debug, Serialize, ToSchema)]
pub struct AgentConfigView {
    /// Revision, raised on every change.
    pub revision: i64,
    /// Highest revision the agent has taken.
    pub delivered_revision: i64,
    /// Probes, plugin defaults and buffer limits.
    #[schema(value_type = Object)]
    pub config: serde_json::Value,
}

fn shown_config(agent: &instance_agent::Model) -> AgentConfigView {
    let mut config = agent_config::stored(agent);
    agent_config::mask(&mut config);
    AgentConfigView {
        revision: agent.config_revision,
        delivered_revision: agent.config_delivered,
        config: serde_json::to_value(config).unwrap_or_default(),
    }
}

/// The agent configuration (probes, plugin defaults, buffer limits); probe secrets masked.
#[utoipa::path(get, path = "/api/v1/instances/{id}/agent-config", tag = "instances", operation_id = "getAgentConfig",
    params(("id" = Uuid, Path, description = "Instance id")),
    responses((status = 200, description = "The configuration", body = AgentConfigView)))]
async fn get_agent_config(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult {
    monitors::find(&state, &principal, KIND, id, Role::Viewer).await?;
    let agent = agent_of(&state.db, id)
        .await?
        .ok_or(ApiError::NotFound("instance"))?;
    Ok(envelope::ok(shown_config(&agent)))
}

/// Replace the agent configuration (editors). `report_interval_s` follows the instance's
/// `interval_s`. Probe secrets are sealed; one sent back as `********` keeps the stored
/// one. Push agents connected now get it at once; others on their next contact.
#[utoipa::path(put, path = "/api/v1/instances/{id}/agent-config", tag = "instances", operation_id = "putAgentConfig",
    params(("id" = Uuid, Path, description = "Instance id")),
    request_body(content = Object, description = "probes, plugins, buffer"),
    responses((status = 200, description = "The stored configuration", body = AgentConfigView)))]
async fn put_agent_config(
    State(state): State<AppState>,
    meta: RequestMeta,
    principal: Principal,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<serde_json::Value>,
) -> ApiResult {
    let row = monitors::find(&state, &principal, KIND, id, Role::Editor).await?;
    let unknown = monitron_proto::config::unknown_fields(&body);
    if !unknown.is_empty() {
        return Err(ApiError::Validation(
            unknown
                .into_iter()
                .map(|f| (f, "is not a configuration field".to_owned()))
                .collect(),
        ));
    }
    let bytes = serde_json::to_vec(&body).map_err(|e| ApiError::Internal(e.into()))?;
    let mut config: AgentConfig = crate::api::json::parse(&bytes)?;
    // A push agent reports on the instance's interval, which its reachability is judged by.
    config.report_interval_s = u32::try_from(row.interval_s).unwrap_or(10);
    agent_config::validate(&config).map_err(ApiError::Validation)?;
    let txn = crate::db::begin_write(&state.db).await?;
    let agent = agent_of(&txn, id)
        .await?
        .ok_or(ApiError::NotFound("instance"))?;
    agent_config::seal(&mut config, &state.cipher, &agent_config::stored(&agent))
        .map_err(ApiError::Validation)?;
    let revision = agent.config_revision + 1;
    config.revision = u64::try_from(revision).unwrap_or_default();
    let mut active: instance_agent::ActiveModel = agent.into();
    active.config = Set(serde_json::to_value(&config).unwrap_or_default());
    active.config_revision = Set(revision);
    let stored = active.update(&txn).await?;
    audit::record(
        &txn,
        Some(&meta),
        Entry::new(&principal, "instance.agent_config")
            .target("instance", id)
            .details(serde_json::json!({ "revision": revision, "probes": config.probes.len() })),
    )
    .await?;
    txn.commit().await?;
    if state.agent_hub.is_connected(id) {
        let config = agent_config::for_agent(&stored, &state.cipher)
            .map_err(|e| ApiError::Internal(e.into()))?;
        state.agent_hub.send(id, ServerMessage::Config { config });
    }
    Ok(envelope::ok(shown_config(&stored)))
}
