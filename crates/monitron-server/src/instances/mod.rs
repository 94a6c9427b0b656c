//! Instances: hosts watched through the Monitron agent.
//!
//! An instance is a monitor of kind `instance`, so it is scheduled, paused, granted and
//! turned into incidents exactly like a service. Its check depends on how the agent is
//! connected:
//! - `pull`: the worker calls the agent's HTTP API ([`client`]) with the instance's
//!   credentials, stores the snapshot, and fetches device information on first contact
//!   and then daily; reachability is whether that call succeeds.
//! - `push`: the agent dials the server ([`session`]) and streams snapshots;
//!   the scheduled check only asks when the agent was last heard from.
//!
//! Snapshots are stored by the [`ingest`] writer in tiers ([`crate::history::host_metrics`]).

pub mod actions;
pub mod agent_config;
pub mod check;
pub mod client;
pub mod enrollment;
pub mod hub;
pub mod ingest;
pub mod probes;
pub mod session;

use chrono::Utc;
use monitron_proto::AgentConfig;
use sea_orm::{ActiveModelTrait, ConnectionTrait, DbErr, EntityTrait, Set};

use crate::db::entities::{instance_agent, monitor};
use crate::monitors::agent::Connection;

/// Creates what only an instance has: its agent record with the configuration it starts
/// with and, for a push instance, a one-time enrollment token (returned; only its hash
/// is stored).
pub async fn register(
    db: &impl ConnectionTrait,
    row: &monitor::Model,
    connection: Connection,
) -> Result<(instance_agent::Model, Option<String>), DbErr> {
    let (token, token_hash) = enrollment::new_token();
    let push = connection == Connection::Push;
    let config = AgentConfig {
        report_interval_s: u32::try_from(row.interval_s).unwrap_or(10),
        ..AgentConfig::default()
    };
    let agent = instance_agent::ActiveModel {
        monitor_id: Set(row.id),
        enrollment_token_hash: Set(push.then_some(token_hash)),
        credential_hash: Set(None),
        enrolled_at: Set(None),
        config: Set(serde_json::to_value(config).unwrap_or_default()),
        config_revision: Set(1),
        config_delivered: Set(0),
        device: Set(None),
        device_at: Set(None),
        created_at: Set(Utc::now()),
    }
    .insert(db)
    .await?;
    Ok((agent, push.then_some(token)))
}

/// Keeps the agent's reporting interval in step with the instance's (a push agent's
/// reachability is judged by it): a changed interval is a new configuration revision.
pub async fn follow_interval(
    db: &impl ConnectionTrait,
    row: &monitor::Model,
) -> Result<Option<instance_agent::Model>, DbErr> {
    let Some(agent) = instance_agent::Entity::find_by_id(row.id).one(db).await? else {
        return Ok(None);
    };
    let interval_s = u32::try_from(row.interval_s).unwrap_or(10);
    let mut config: AgentConfig = serde_json::from_value(agent.config.clone()).unwrap_or_default();
    if config.report_interval_s == interval_s {
        return Ok(Some(agent));
    }
    config.report_interval_s = interval_s;
    config.revision = u64::try_from(agent.config_revision + 1).unwrap_or_default();
    let revision = i64::try_from(config.revision).unwrap_or(i64::MAX);
    let mut active: instance_agent::ActiveModel = agent.into();
    active.config = Set(serde_json::to_value(&config).unwrap_or_default());
    active.config_revision = Set(revision);
    Ok(Some(active.update(db).await?))
}

/// Deletes what only an instance has (agent record, actions, probes); the caller deletes
/// the monitor, its state and its series.
pub async fn forget(
    db: &impl sea_orm::ConnectionTrait,
    monitor_id: uuid::Uuid,
) -> Result<(), sea_orm::DbErr> {
    use crate::db::entities::instance_action;
    use sea_orm::{ColumnTrait, QueryFilter};
    probes::forget(db, monitor_id).await?;
    instance_action::Entity::delete_many()
        .filter(instance_action::Column::MonitorId.eq(monitor_id))
        .exec(db)
        .await?;
    instance_agent::Entity::delete_by_id(monitor_id)
        .exec(db)
        .await?;
    Ok(())
}
