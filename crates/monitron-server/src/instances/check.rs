//! One scheduled check of an instance: poll the agent (pull) or ask when it was last
//! heard from (push).

use std::time::Duration;

use chrono::Utc;
use monitron_probe::Outcome;
use sea_orm::{ActiveModelTrait, DatabaseConnection, EntityTrait, Set};

use crate::db::entities::instance_agent;
use crate::history::host_metrics as metrics;
use crate::instances::client::AgentClient;
use crate::instances::ingest::{Ingest, Source};
use crate::instances::{agent_config, probes};
use crate::monitors::agent::{Connection, InstanceSettings};
use crate::monitors::Runnable;

/// How often device information is fetched again in pull mode.
const DEVICE_EVERY: chrono::Duration = chrono::Duration::hours(24);

/// What an instance check needs besides its settings.
pub struct Context<'a> {
    /// Database, for device information, configuration and last contact.
    pub db: &'a DatabaseConnection,
    /// Calls agents.
    pub agents: &'a AgentClient,
    /// Stores snapshots.
    pub ingest: &'a Ingest,
    /// Opens probe secrets in the agent configuration.
    pub cipher: &'a crate::cipher::Cipher,
    /// How long raw results are kept (older reports are not stored).
    pub retention: &'a crate::history::Retention,
}

/// The snapshots' owner.
pub fn source_of(monitor: &Runnable) -> Source {
    Source {
        monitor_id: monitor.id,
        series_id: monitor.series_id,
        name: monitor.name.clone(),
        group: monitor.group.clone(),
        labels: monitor.labels.clone(),
    }
}

/// Runs the check. `None` while a push agent has never been heard from.
pub async fn run(
    monitor: &Runnable,
    settings: &InstanceSettings,
    ctx: &Context<'_>,
) -> Option<Outcome> {
    match settings.connection {
        Connection::Pull => Some(poll(monitor, settings, ctx).await),
        Connection::Push => heard_from(monitor, ctx).await,
    }
}

async fn poll(monitor: &Runnable, settings: &InstanceSettings, ctx: &Context<'_>) -> Outcome {
    let timeout = Duration::from_secs(u64::from(monitor.timeout_s));
    let (snapshot, response_ms) = match ctx.agents.metrics(monitor.id, settings, timeout).await {
        Ok(fetched) => fetched,
        Err(err) => return Outcome::down(None, err.to_string(), serde_json::Value::Null),
    };
    let uptime_s = snapshot.uptime_s;
    ctx.ingest.send(source_of(monitor), vec![snapshot]).await;
    if let Err(err) = housekeeping(monitor, settings, ctx, timeout).await {
        tracing::warn!(monitor_id = %monitor.id, error = %err, "Updating the agent's device information or configuration failed.");
    }
    Outcome::up(
        response_ms,
        "OK",
        serde_json::json!({ "host_uptime_s": uptime_s }),
    )
}

/// The agent's probe and plugin results (each check's latest; stored once however often
/// it is read), device information on first contact and then daily, and a changed
/// configuration.
async fn housekeeping(
    monitor: &Runnable,
    settings: &InstanceSettings,
    ctx: &Context<'_>,
    timeout: Duration,
) -> anyhow::Result<()> {
    match ctx.agents.checks(monitor.id, settings, timeout).await {
        Ok(results) => {
            probes::store(ctx.db, monitor.id, &results, ctx.retention, Utc::now()).await?;
        }
        Err(err) => {
            tracing::warn!(monitor_id = %monitor.id, error = %err, "Reading the agent's probe results failed.");
        }
    }
    let Some(row) = instance_agent::Entity::find_by_id(monitor.id)
        .one(ctx.db)
        .await?
    else {
        return Ok(());
    };
    let now = Utc::now();
    let mut active: Option<instance_agent::ActiveModel> = None;
    if row.device_at.is_none_or(|at| now - at >= DEVICE_EVERY) {
        let device = ctx.agents.device(monitor.id, settings, timeout).await?;
        let a = active.get_or_insert_with(|| row.clone().into());
        a.device = Set(Some(serde_json::to_value(device)?));
        a.device_at = Set(Some(now));
    }
    if row.config_revision > row.config_delivered {
        let config = agent_config::for_agent(&row, ctx.cipher)?;
        ctx.agents
            .put_config(monitor.id, settings, &config, timeout)
            .await?;
        let a = active.get_or_insert_with(|| row.clone().into());
        a.config_delivered = Set(row.config_revision);
    }
    if let Some(active) = active {
        active.update(ctx.db).await?;
    }
    Ok(())
}

async fn heard_from(monitor: &Runnable, ctx: &Context<'_>) -> Option<Outcome> {
    let contact = match metrics::last_contact(ctx.db, monitor.series_id).await {
        Ok(contact) => contact?,
        Err(err) => {
            tracing::warn!(monitor_id = %monitor.id, error = %err, "Could not read the agent's last contact.");
            return None;
        }
    };
    let silent_s = (Utc::now() - contact).num_seconds().max(0);
    let allowed_s = i64::from(monitor.interval_s) + i64::from(monitor.timeout_s);
    Some(if silent_s <= allowed_s {
        Outcome::up_untimed(format!("Last report {silent_s} s ago"))
    } else {
        Outcome::down(
            None,
            format!("No report from the agent for {silent_s} s"),
            serde_json::json!({ "last_contact_at": contact }),
        )
    })
}
