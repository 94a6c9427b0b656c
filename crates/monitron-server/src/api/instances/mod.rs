//! `/api/v1/instances`: hosts watched through the Monitron agent. This module holds the
//! instances themselves (create, change, pause, delete, enrollment tokens, history);
//! their metrics and device information ([`metrics`]), actions ([`actions`]) and agent
//! configuration ([`agent_config`]) have modules of their own.

mod actions;
mod agent_config;
mod metrics;

use axum::extract::State;
use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::api::envelope::{self, ApiError, ApiResult, FieldErrors};
use crate::api::json::ApiJson;
use crate::api::list::{ApiQuery, ListPage};
use crate::api::me::Deleted;
use crate::api::meta::RequestMeta;
use crate::api::monitors::{CheckResult, MonitorQuery, ResultsQuery, StatsQuery, UptimeQuery};
use crate::api::path::ApiPath;
use crate::audit::{self, Entry};
use crate::auth::{Principal, Role};
use crate::db::entities::{instance_agent, monitor, monitor_state};
use crate::history::query::{DayBucket, ResultPoint};
use crate::instances::enrollment;
use crate::instances::session::is_push;
use crate::monitors::agent::{
    AgentAuth, AuthType, Connection, InstanceSettings, DEFAULT_AGENT_PORT,
};
use crate::monitors::service::state_of;
use crate::monitors::stats::Stats;
use crate::monitors::view::StateView;
use crate::monitors::{Check, Fields, Kind, LabelMap};
use crate::state::AppState;

const KIND: Kind = Kind::Instance;

/// Routes of this module and its parts.
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
        .merge(metrics::router())
        .merge(actions::router())
        .merge(agent_config::router())
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
    pub labels: LabelMap,
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
    pub labels: Option<LabelMap>,
    /// Monitors this one depends on: while one of them is down, this one's down alerts
    /// are suppressed.
    pub depends_on: Option<Vec<Uuid>>,
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
    pub labels: Option<LabelMap>,
    /// Monitors this one depends on: while one of them is down, this one's down alerts
    /// are suppressed.
    pub depends_on: Option<Vec<Uuid>>,
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

impl CreateInstance {
    fn settings(&mut self) -> Result<Check, FieldErrors> {
        let mut settings = InstanceSettings {
            connection: self.connection.unwrap_or_default(),
            host: std::mem::take(&mut self.host),
            agent_port: self.agent_port.unwrap_or(DEFAULT_AGENT_PORT),
            tls: self.tls.unwrap_or(false),
            tls_skip_verify: self.tls_skip_verify.unwrap_or(false),
            auth: self.agent_auth.take().unwrap_or_default(),
        };
        settings.validate().map(|()| Check::Agent(settings))
    }

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

impl UpdateInstance {
    /// The stored settings with the given changes (a secret sent as the mask is kept by
    /// the service while the agent's address is unchanged).
    fn settings(&mut self, row: &monitor::Model) -> Result<Option<Check>, FieldErrors> {
        let Ok(Check::Agent(stored)) = Check::from_stored(&row.check_type, &row.config) else {
            return Err(FieldErrors::from([(
                "_".to_owned(),
                "the stored settings of this instance cannot be read".to_owned(),
            )]));
        };
        let mut settings = InstanceSettings {
            connection: self.connection.unwrap_or(stored.connection),
            host: self.host.take().unwrap_or(stored.host),
            agent_port: self.agent_port.unwrap_or(stored.agent_port),
            tls: self.tls.unwrap_or(stored.tls),
            tls_skip_verify: self.tls_skip_verify.unwrap_or(stored.tls_skip_verify),
            // Not given: keep the stored credentials, on the same terms as the mask.
            auth: self
                .agent_auth
                .take()
                .unwrap_or_else(|| stored.auth.masked()),
        };
        settings.validate().map(|()| Some(Check::Agent(settings)))
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
            failure_threshold: self.failure_threshold,
            success_threshold: self.success_threshold,
            depends_on: self.depends_on.take(),
        }
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
    let listed = state.monitors().list(&principal, KIND, &q.into()).await?;
    let ids: Vec<Uuid> = listed.rows.iter().map(|(r, _)| r.id).collect();
    let agents: std::collections::HashMap<Uuid, instance_agent::Model> =
        instance_agent::Entity::find()
            .filter(instance_agent::Column::MonitorId.is_in(ids))
            .all(&state.db)
            .await?
            .into_iter()
            .map(|a| (a.monitor_id, a))
            .collect();
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
    ApiJson(mut body): ApiJson<CreateInstance>,
) -> ApiResult {
    let check = body.settings();
    let connection = body.connection.unwrap_or_default();
    let saved = state
        .monitors()
        .create(
            &principal,
            &meta.origin,
            KIND,
            body.fields(),
            check,
            async |txn, row| Ok(crate::instances::register(txn, row, connection).await?),
        )
        .await?;
    let (agent, enrollment_token) = saved.extra;
    Ok(envelope::created(CreatedInstance {
        instance: view(&state, &saved.row, saved.state.as_ref(), Some(&agent)),
        enrollment_token,
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
    let row = state
        .monitors()
        .find(&principal, KIND, id, Role::Viewer)
        .await?;
    let st = state_of(&state.db, id).await?;
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
    ApiJson(mut body): ApiJson<UpdateInstance>,
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
            async |txn, row| Ok(crate::instances::follow_interval(txn, row).await?),
        )
        .await?;
    // Its credentials or address may have changed: log in afresh.
    state.engine.agent_client().forget(id);
    Ok(envelope::ok(view(
        &state,
        &saved.row,
        saved.state.as_ref(),
        saved.extra.as_ref(),
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
    state
        .monitors()
        .delete(&principal, &meta.origin, KIND, id, async |txn, row| {
            Ok(crate::instances::forget(txn, row.id).await?)
        })
        .await?;
    state.engine.agent_client().forget(id);
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
    let outcome = state.monitors().check_now(&principal, KIND, id).await?;
    Ok(envelope::ok(CheckResult::from(outcome)))
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
    let (row, st) = state
        .monitors()
        .set_enabled(&principal, &meta.origin, KIND, id, false)
        .await?;
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
    let (row, st) = state
        .monitors()
        .set_enabled(&principal, &meta.origin, KIND, id, true)
        .await?;
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
        state.monitors().stats(&principal, KIND, id, window).await?,
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
        state
            .monitors()
            .results(&principal, KIND, id, (q.from, q.to), q.limit)
            .await?,
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
        state
            .monitors()
            .uptime(&principal, KIND, id, q.days)
            .await?,
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
    let row = state
        .monitors()
        .find(&principal, KIND, id, Role::Editor)
        .await?;
    if !is_push(&row) {
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
        Some(&meta.origin),
        Entry::new(&principal, "instance.enrollment_token").target("instance", id),
    )
    .await?;
    txn.commit().await?;
    Ok(envelope::ok(EnrollmentToken {
        enrollment_token: token,
    }))
}
