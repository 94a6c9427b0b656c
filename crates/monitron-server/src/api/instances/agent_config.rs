//! `GET|PUT /instances/{id}/agent-config`: the configuration the server holds for an
//! instance's agent (probes, plugin defaults, buffer limits), probe secrets sealed at
//! rest and masked when shown, delivered to push agents at once and to pull agents on
//! their next poll.

use axum::extract::State;
use monitron_proto::push::ServerMessage;
use monitron_proto::AgentConfig;
use sea_orm::{ActiveModelTrait, Set};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::{agent_of, KIND};
use crate::api::envelope::{self, ApiError, ApiResult};
use crate::api::json::ApiJson;
use crate::api::meta::RequestMeta;
use crate::api::path::ApiPath;
use crate::audit::{self, Entry};
use crate::auth::{Principal, Role};
use crate::db::entities::instance_agent;
use crate::instances::agent_config;
use crate::state::AppState;

/// Routes of this module.
pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_agent_config, put_agent_config))
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
    state
        .monitors()
        .find(&principal, KIND, id, Role::Viewer)
        .await?;
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
    let row = state
        .monitors()
        .find(&principal, KIND, id, Role::Editor)
        .await?;
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
        Some(&meta.origin),
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
