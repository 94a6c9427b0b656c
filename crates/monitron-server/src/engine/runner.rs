//! Running one monitor's check once: probes run against their target, domains look up
//! their registration, heartbeats evaluate the pings received so far, instances poll
//! their agent or ask when it last reported.

use std::time::Duration;

use chrono::Utc;
use monitron_probe::domain::Registry;
use monitron_probe::Outcome;
use sea_orm::{DatabaseConnection, EntityTrait};

use crate::db::entities::monitor_state;
use crate::heartbeat::{self, Pings};
use crate::instances::client::AgentClient;
use crate::instances::ingest::Ingest;
use crate::instances::{self, check::Context};
use crate::monitors::Runnable;
use crate::monitors::{domain, Check};

/// What a check needs besides its settings.
pub struct RunContext {
    /// For heartbeats' pings.
    pub db: DatabaseConnection,
    /// Domain registration lookups (caches the RDAP bootstrap).
    pub registry: Registry,
    /// Resolver for domains' addresses (`None`: the system's).
    pub domain_resolver: Option<String>,
    /// Calls agents (pull instances).
    pub agents: AgentClient,
    /// Stores agent snapshots.
    pub ingest: Ingest,
    /// Opens probe secrets of agent configurations.
    pub cipher: crate::cipher::Cipher,
    /// History retention (agent reports older than raw retention are not stored).
    pub retention: crate::history::Retention,
}

/// Runs the check once. `None`: nothing to record (a heartbeat still waiting for its first
/// ping).
pub async fn run(monitor: &Runnable, ctx: &RunContext) -> Option<Outcome> {
    let timeout = Duration::from_secs(u64::from(monitor.timeout_s));
    match &monitor.check {
        Check::Probe(check) => Some(check.run(timeout).await),
        Check::Domain(settings) => Some(
            domain::check(
                &ctx.registry,
                ctx.domain_resolver.as_deref(),
                settings,
                timeout,
            )
            .await,
        ),
        Check::Heartbeat(config) => evaluate_heartbeat(monitor, config, ctx).await,
        Check::Agent(settings) => {
            let context = Context {
                db: &ctx.db,
                agents: &ctx.agents,
                ingest: &ctx.ingest,
                retention: &ctx.retention,
                cipher: &ctx.cipher,
            };
            instances::check::run(monitor, settings, &context).await
        }
    }
}

async fn evaluate_heartbeat(
    monitor: &Runnable,
    config: &heartbeat::Config,
    ctx: &RunContext,
) -> Option<Outcome> {
    let state = match monitor_state::Entity::find_by_id(monitor.id)
        .one(&ctx.db)
        .await
    {
        Ok(state) => state?,
        Err(err) => {
            tracing::warn!(monitor_id = %monitor.id, error = %err, "Could not read heartbeat pings.");
            return None;
        }
    };
    let pings = Pings {
        success: state.last_success_at,
        failure: state.last_failure_at,
        start: state.last_start_at,
    };
    let evaluation = config.evaluate(&pings, Utc::now());
    match evaluation.status {
        heartbeat::Status::Pending => None,
        heartbeat::Status::Up => Some(Outcome::up_untimed(evaluation.message)),
        heartbeat::Status::Down => Some(Outcome::down(
            None,
            evaluation.message,
            serde_json::Value::Null,
        )),
    }
}
