//! A push agent's session with the server: the welcome (credential on enrollment, the
//! configuration), batches stored and acknowledged once committed, configurations and
//! actions handed over as they come, and the loop that tells every connection of this
//! process what other processes changed for its instance.
//!
//! The API authenticates the agent and upgrades the connection (`api::agents`); what
//! happens on it is here.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::ws::{Message, WebSocket};
use chrono::Utc;
use monitron_proto::push::{
    AgentMessage, PendingAction, Record, RecordBody, ServerMessage, Welcome,
};
use monitron_proto::AgentConfig;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::cipher::Cipher;
use crate::db::entities::{instance_action, instance_agent, monitor};
use crate::error::{Error, Result};
use crate::history::Retention;
use crate::instances::enrollment::{self, Authenticated, Proof};
use crate::instances::hub::{ActionAnswer, Hub, Outgoing, POLL_EVERY};
use crate::instances::ingest::{Ingest, Source};
use crate::instances::{actions, agent_config, probes};
use crate::monitors::agent::Connection;
use crate::monitors::Check;

/// What push sessions need.
#[derive(Clone)]
pub struct PushContext {
    /// Database pool.
    pub db: DatabaseConnection,
    /// The pool for writes acknowledged to agents.
    pub durable_db: DatabaseConnection,
    /// Opens probe secrets on their way to the agent.
    pub cipher: Cipher,
    /// The agents connected to this process.
    pub hub: Arc<Hub>,
    /// Stores snapshots.
    pub ingest: Ingest,
    /// History retention.
    pub retention: Retention,
}

/// Whether an instance is (still) registered for push.
pub fn is_push(row: &monitor::Model) -> bool {
    matches!(
        Check::from_stored(&row.check_type, &row.config),
        Ok(Check::Agent(s)) if s.connection == Connection::Push
    )
}

/// Hands out the credential (enrollment) or retires the token (first use of the
/// credential), and answers the welcome.
pub async fn welcome(ctx: &PushContext, agent: Authenticated) -> Result<Welcome> {
    let credential = match agent.proof {
        Proof::EnrollmentToken => {
            let credential = enrollment::issue_credential(&ctx.db, agent.monitor_id).await?;
            tracing::info!(monitor_id = %agent.monitor_id, "Agent enrolled.");
            Some(credential)
        }
        Proof::Credential => {
            enrollment::complete(&ctx.db, agent.monitor_id).await?;
            None
        }
    };
    let row = instance_agent::Entity::find_by_id(agent.monitor_id)
        .one(&ctx.db)
        .await?
        .ok_or(Error::InvalidCredentials)?;
    Ok(Welcome {
        instance_id: agent.monitor_id.to_string(),
        credential,
        config: config_of(ctx, &row)?,
    })
}

/// The configuration an agent gets: secrets opened.
pub fn config_of(ctx: &PushContext, row: &instance_agent::Model) -> Result<AgentConfig> {
    agent_config::for_agent(row, &ctx.cipher).map_err(|e| Error::Internal(e.into()))
}

/// Stores a batch; answers the highest sequence number now safe to delete.
pub async fn store_batch(
    ctx: &PushContext,
    row: &monitor::Model,
    records: Vec<Record>,
) -> Result<Option<u64>> {
    let highest = records.iter().map(|r| r.seq).max();
    let mut snapshots = Vec::new();
    let mut results = Vec::new();
    for record in records {
        match record.body {
            RecordBody::Snapshot(s) => snapshots.push(s),
            RecordBody::Result(r) => results.push(r),
        }
    }
    snapshots.sort_by_key(|s| s.timestamp);
    probes::store(
        &ctx.durable_db,
        row.id,
        &results,
        &ctx.retention,
        Utc::now(),
    )
    .await?;
    // Also when there are no snapshots: the contact time advances.
    let source = Source {
        monitor_id: row.id,
        series_id: row.series_id,
        name: row.name.as_str().into(),
        group: row.group_name.clone(),
        labels: serde_json::from_value(row.labels.clone()).unwrap_or_default(),
    };
    ctx.ingest
        .store(source, snapshots)
        .await
        .map_err(|e| Error::Unavailable(format!("storing snapshots ({e})")))?;
    Ok(highest)
}

/// Actions waiting for an agent that reports over HTTP, claimed for it.
pub async fn take_pending_actions(ctx: &PushContext, id: Uuid) -> Result<Vec<PendingAction>> {
    Ok(actions::take_pending(&ctx.db, id).await?)
}

/// Records an agent's answer to an action and hands it to whoever waits for it.
pub async fn record_action_answer(
    ctx: &PushContext,
    monitor_id: Uuid,
    id: &str,
    answer: ActionAnswer,
) {
    let Ok(action_id) = Uuid::parse_str(id) else {
        return;
    };
    if let Err(err) = actions::record_answer(&ctx.db, &ctx.hub, monitor_id, action_id, answer).await
    {
        tracing::warn!(action_id = %action_id, error = %err, "Recording an action's answer failed.");
    }
}

/// Stores the device information an agent sent.
pub async fn store_device(ctx: &PushContext, id: Uuid, device: &monitron_proto::DeviceInfo) {
    let Ok(device) = serde_json::to_value(device) else {
        return;
    };
    let updated = instance_agent::Entity::update_many()
        .col_expr(instance_agent::Column::Device, Expr::value(device))
        .col_expr(
            instance_agent::Column::DeviceAt,
            Expr::value(Some(Utc::now())),
        )
        .filter(instance_agent::Column::MonitorId.eq(id))
        .exec(&ctx.db)
        .await;
    if let Err(err) = updated {
        tracing::warn!(monitor_id = %id, error = %err, "Storing the agent's device information failed.");
    }
}

/// Records the configuration revision an agent has taken.
pub async fn mark_config_applied(ctx: &PushContext, id: Uuid, revision: u64) {
    let revision = i64::try_from(revision).unwrap_or(i64::MAX);
    let updated = instance_agent::Entity::update_many()
        .col_expr(
            instance_agent::Column::ConfigDelivered,
            Expr::value(revision),
        )
        .filter(instance_agent::Column::MonitorId.eq(id))
        .filter(instance_agent::Column::ConfigDelivered.lt(revision))
        .exec(&ctx.db)
        .await;
    if let Err(err) = updated {
        tracing::warn!(monitor_id = %id, error = %err, "Recording the agent's configuration revision failed.");
    }
}

async fn send(socket: &mut WebSocket, message: &ServerMessage) -> bool {
    match serde_json::to_string(message) {
        Ok(text) => socket.send(Message::Text(text.into())).await.is_ok(),
        Err(_) => false,
    }
}

/// Seconds without any frame from the agent after which the connection counts as dead
/// (the server pings every [`PING_EVERY_TICKS`] poll ticks; agents answer pings).
const IDLE_LIMIT: std::time::Duration = std::time::Duration::from_secs(90);
/// Poll ticks between pings.
const PING_EVERY_TICKS: u32 = 10;

/// Runs one agent's WebSocket session until it closes, the agent goes silent, or its
/// credential is retired (a new enrollment token was issued, another agent enrolled with
/// one, the instance was switched to pull or deleted): `credential` is the hash of the
/// credential this connection holds.
pub async fn run(
    mut socket: WebSocket,
    ctx: PushContext,
    mut row: monitor::Model,
    hello: Welcome,
    credential: String,
) {
    let id = row.id;
    let session = Uuid::now_v7();
    let mut sent_revision = hello.config.revision;
    // Enrolled on this connection: the agent stores its credential before it sends
    // anything, so its first message retires the token.
    let mut enrolling = hello.credential.is_some();
    if !send(&mut socket, &ServerMessage::Welcome(hello)).await {
        return;
    }
    let (tx, mut outgoing) = mpsc::channel::<Outgoing>(64);
    ctx.hub.connect(id, session, tx);
    tracing::info!(monitor_id = %id, "Agent connected.");
    let mut poll = tokio::time::interval(POLL_EVERY);
    let mut ticks: u32 = 0;
    let mut heard = tokio::time::Instant::now();
    loop {
        tokio::select! {
            handed = outgoing.recv() => {
                let message = match handed {
                    Some(Outgoing::Message(message)) => message,
                    Some(Outgoing::Instance(fresh)) => {
                        let settings_changed = fresh.check_type != row.check_type || fresh.config != row.config;
                        if settings_changed && !is_push(&fresh) {
                            tracing::info!(monitor_id = %id, "Instance switched to pull; closing its agent's connection.");
                            break;
                        }
                        row = *fresh;
                        continue;
                    }
                    Some(Outgoing::Agent(agent)) => {
                        if agent.credential_hash.as_deref() != Some(credential.as_str()) {
                            tracing::info!(monitor_id = %id, "Agent credential retired; closing its connection.");
                            break;
                        }
                        // Opening the configuration's secrets only when it is new.
                        if u64::try_from(agent.config_revision).unwrap_or_default() <= sent_revision {
                            continue;
                        }
                        let Ok(config) = config_of(&ctx, &agent) else {
                            break;
                        };
                        ServerMessage::Config { config }
                    }
                    Some(Outgoing::Gone) | None => break,
                };
                if let ServerMessage::Config { config } = &message {
                    sent_revision = sent_revision.max(config.revision);
                }
                if !send(&mut socket, &message).await {
                    break;
                }
            }
            _ = poll.tick() => {
                if heard.elapsed() > IDLE_LIMIT {
                    tracing::info!(monitor_id = %id, "Agent connection silent; closing.");
                    break;
                }
                ticks = ticks.wrapping_add(1);
                if ticks % PING_EVERY_TICKS == 0
                    && socket.send(Message::Ping(Vec::new().into())).await.is_err()
                {
                    break;
                }
            }
            incoming = socket.recv() => {
                heard = tokio::time::Instant::now();
                let text = match incoming {
                    Some(Ok(Message::Text(text))) => text,
                    Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
                    Some(Ok(_)) => continue,
                };
                let message: AgentMessage = match serde_json::from_str(text.as_str()) {
                    Ok(m) => m,
                    Err(err) => {
                        tracing::warn!(monitor_id = %id, error = %err, "Unreadable message from an agent; closing.");
                        break;
                    }
                };
                if enrolling {
                    if let Err(err) = enrollment::complete(&ctx.db, id).await {
                        tracing::warn!(monitor_id = %id, error = %err, "Retiring the enrollment token failed.");
                    } else {
                        enrolling = false;
                    }
                }
                match message {
                    AgentMessage::Batch { records } => match store_batch(&ctx, &row, records).await {
                        Ok(Some(seq)) => {
                            if !send(&mut socket, &ServerMessage::Ack { seq }).await {
                                break;
                            }
                        }
                        Ok(None) => {}
                        Err(err) => {
                            // No acknowledgement: the agent keeps the records and resends.
                            tracing::warn!(monitor_id = %id, error = %err, "Storing an agent batch failed; closing so it is resent.");
                            break;
                        }
                    },
                    AgentMessage::ActionResult { id: action, ok, message } => {
                        record_action_answer(&ctx, id, &action, ActionAnswer { ok, message }).await;
                    }
                    AgentMessage::Device { device } => store_device(&ctx, id, &device).await,
                    AgentMessage::ConfigApplied { revision } => {
                        mark_config_applied(&ctx, id, revision).await;
                    }
                }
            }
        }
    }
    ctx.hub.disconnect(id, session);
    tracing::info!(monitor_id = %id, "Agent disconnected.");
}

/// Hands the connections of this process what changed in the database for their
/// instances: pending actions (claimed here, so each reaches its agent once), the
/// instance and agent records (configuration revisions, renames, revoked credentials,
/// deletions). One set of reads per [`POLL_EVERY`] for all connected agents, however
/// many there are, until `stop`.
pub async fn follow_connected(ctx: PushContext, stop: CancellationToken) {
    let mut poll = tokio::time::interval(POLL_EVERY);
    loop {
        tokio::select! {
            () = stop.cancelled() => return,
            _ = poll.tick() => {}
        }
        let connected = ctx.hub.connected();
        for chunk in connected.chunks(500) {
            if let Err(err) = follow(&ctx, chunk).await {
                tracing::warn!(error = %err, "Reading connected agents' instances failed.");
            }
        }
    }
}

async fn follow(ctx: &PushContext, ids: &[Uuid]) -> Result<(), sea_orm::DbErr> {
    let hub = &ctx.hub;
    let monitors: HashMap<Uuid, monitor::Model> = monitor::Entity::find()
        .filter(monitor::Column::Id.is_in(ids.iter().copied()))
        .all(&ctx.db)
        .await?
        .into_iter()
        .map(|m| (m.id, m))
        .collect();
    let mut agents: HashMap<Uuid, instance_agent::Model> = instance_agent::Entity::find()
        .filter(instance_agent::Column::MonitorId.is_in(ids.iter().copied()))
        .all(&ctx.db)
        .await?
        .into_iter()
        .map(|a| (a.monitor_id, a))
        .collect();
    let pending = instance_action::Entity::find()
        .filter(instance_action::Column::MonitorId.is_in(ids.iter().copied()))
        .filter(instance_action::Column::DeliveredAt.is_null())
        .order_by_asc(instance_action::Column::CreatedAt)
        .all(&ctx.db)
        .await?;
    for id in ids {
        let (Some(row), Some(agent)) = (monitors.get(id), agents.remove(id)) else {
            hub.deliver(*id, Outgoing::Gone);
            continue;
        };
        if agent.credential_hash.is_none() {
            // A new enrollment token was issued: this agent is out.
            hub.deliver(*id, Outgoing::Gone);
            continue;
        }
        hub.deliver(*id, Outgoing::Instance(Box::new(row.clone())));
        hub.deliver(*id, Outgoing::Agent(Box::new(agent)));
    }
    for a in pending {
        let Ok(action) = serde_json::from_value(serde_json::Value::String(a.action.clone())) else {
            continue;
        };
        if actions::claim(&ctx.db, a.id).await? {
            let message = ServerMessage::Action {
                id: a.id.to_string(),
                action,
            };
            if !hub.send(a.monitor_id, message) {
                actions::unclaim(&ctx.db, a.id).await?;
            }
        }
    }
    Ok(())
}
