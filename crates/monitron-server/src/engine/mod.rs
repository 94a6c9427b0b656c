//! The monitoring engine: the catalog of runnable monitors, check workers, the result
//! writer, live events, and the background loops each process role runs.
//!
//! Flow: the scheduler (one active per cluster, see [`crate::scheduler`]) publishes a
//! [`worker::Job`] per due check to the queue; workers run the check and hand the
//! outcome to this process's [`writer::Writer`], which stores it in batches, advances the
//! monitor's state, opens or resolves incidents, and broadcasts [`crate::events::Event`]s.

pub mod catalog;
pub mod relay;
pub mod runner;
pub mod transition;
pub mod worker;
pub mod writer;

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use monitron_probe::domain::Registry;
use monitron_probe::{Outcome, Status};
use sea_orm::DatabaseConnection;
use tokio::sync::broadcast;
use tokio::task::JoinHandle;
use uuid::Uuid;

use crate::alerting::Alerting;
use crate::cipher::Cipher;
use crate::config::Config;
use crate::db::entities::monitor;
use crate::error::Error;
use crate::instances::client::AgentClient;
use crate::instances::ingest::Ingest;
use crate::metrics::Metrics;

use crate::events::Event;
use crate::monitors::Runnable;
use catalog::Catalog;
use runner::RunContext;
use writer::{Lost, Writer};

/// How often the catalog is compared with the database for changes made elsewhere.
pub const SYNC_INTERVAL: Duration = Duration::from_secs(5);

struct Inner {
    db: DatabaseConnection,
    durable_db: DatabaseConnection,
    cipher: Cipher,
    catalog: Catalog,
    writer: Writer,
    run: RunContext,
    events: broadcast::Sender<Event>,
    relays_events: bool,
    metrics: Metrics,
    pinged: tokio::sync::Notify,
    alerting: Alerting,
}

/// The engine's connection pools.
pub struct Databases {
    /// Everything else.
    pub main: DatabaseConnection,
    /// Writes acknowledged to agents ([`crate::db::connect_durable`]).
    pub durable: DatabaseConnection,
}

/// Cheap to clone: one shared engine per process.
#[derive(Clone)]
pub struct Engine {
    inner: Arc<Inner>,
}

impl Engine {
    /// Builds the engine and starts its result and snapshot writers. The returned task
    /// ends once every clone of the engine is dropped, after both have written what
    /// they hold.
    pub fn start(
        databases: Databases,
        cipher: Cipher,
        metrics: Metrics,
        config: &Config,
        alerting: Alerting,
    ) -> (Self, JoinHandle<()>) {
        let Databases { main: db, durable } = databases;
        let (events, _) = broadcast::channel(4096);
        // An API process whose results may be written elsewhere relays stored states
        // instead, so its clients hear about every monitor exactly once.
        let relays_events =
            config.roles.api && (!config.roles.worker || config.rabbitmq_url.is_some());
        let writer_events = if relays_events {
            broadcast::channel(1).0
        } else {
            events.clone()
        };
        let (writer, task) =
            Writer::start(db.clone(), metrics.clone(), writer_events, alerting.clone());
        // Push agents stream into the process they are connected to, so that process
        // always broadcasts their metrics itself.
        let (ingest, ingest_task) = Ingest::start(
            durable.clone(),
            metrics.clone(),
            events.clone(),
            config.retention,
            alerting.clone(),
        );
        let task = tokio::spawn(async move {
            let _ = tokio::join!(task, ingest_task);
        });
        let engine = Self {
            inner: Arc::new(Inner {
                run: RunContext {
                    db: db.clone(),
                    registry: Registry::new(config.domain_registry.clone()),
                    domain_resolver: config.domain_dns_resolver.clone(),
                    agents: AgentClient::new(),
                    ingest,
                    retention: config.retention,
                    cipher: cipher.clone(),
                },
                db,
                durable_db: durable,
                cipher,
                catalog: Catalog::default(),
                writer,
                events,
                relays_events,
                metrics,
                pinged: tokio::sync::Notify::new(),
                alerting,
            }),
        };
        (engine, task)
    }

    /// The monitors this process knows.
    pub fn catalog(&self) -> &Catalog {
        &self.inner.catalog
    }

    /// The result writer.
    pub fn writer(&self) -> &Writer {
        &self.inner.writer
    }

    /// The pool for writes acknowledged to agents.
    pub fn durable_db(&self) -> &DatabaseConnection {
        &self.inner.durable_db
    }

    /// Stores agent snapshots.
    pub fn ingest(&self) -> &Ingest {
        &self.inner.run.ingest
    }

    /// Calls agents' HTTP APIs.
    pub fn agent_client(&self) -> &AgentClient {
        &self.inner.run.agents
    }

    /// Prometheus instruments.
    pub fn metrics(&self) -> &Metrics {
        &self.inner.metrics
    }

    /// Live events of this process.
    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.inner.events.subscribe()
    }

    /// Sends a live event to this process's subscribers.
    pub fn broadcast(&self, event: Event) {
        if self.inner.events.receiver_count() > 0 {
            let _ = self.inner.events.send(event);
        }
    }

    /// Tells this process's scheduler that a heartbeat was pinged: its deadline moved. A
    /// ping while the scheduler is busy elsewhere is kept until it next waits.
    pub fn heartbeat_pinged(&self) {
        self.inner.pinged.notify_one();
    }

    /// Completes when a heartbeat is pinged through this process ([`Engine::heartbeat_pinged`]).
    pub async fn pinged(&self) {
        self.inner.pinged.notified().await;
    }

    /// Whether live events come from stored states ([`relay`]) rather than the local writer.
    pub fn relays_events(&self) -> bool {
        self.inner.relays_events
    }

    /// Alert rules and routes, ack links.
    pub fn alerting(&self) -> &Alerting {
        &self.inner.alerting
    }

    /// Loads every monitor (start-up) or the changes since the last sync, and the alert
    /// rules and channels.
    pub async fn sync(&self) -> Result<usize, sea_orm::DbErr> {
        self.inner.alerting.reload(&self.inner.db).await?;
        self.inner
            .catalog
            .sync(&self.inner.db, &self.inner.cipher)
            .await
    }

    /// Tells the engine a monitor was created, changed or deleted through this process.
    pub async fn monitor_changed(&self, id: Uuid) {
        if let Err(err) = self
            .inner
            .catalog
            .reload(&self.inner.db, &self.inner.cipher, id)
            .await
        {
            tracing::warn!(monitor_id = %id, error = %err, "Reloading a changed monitor failed; the next sync will catch up.");
        }
        if self.inner.catalog.get(id).is_none() {
            self.inner.metrics.engine.monitors.remove(id);
        }
    }

    /// Runs a check once and counts it.
    pub async fn run_check(&self, monitor: &Runnable) -> Option<Outcome> {
        let outcome = runner::run(monitor, &self.inner.run).await?;
        let result = if outcome.status == Status::Up {
            "up"
        } else {
            "down"
        };
        self.inner
            .metrics
            .engine
            .checks
            .with_label_values(&[monitor.type_name(), result])
            .inc();
        Some(outcome)
    }

    /// Runs a monitor's check now, outside its schedule, stores the result and returns
    /// it. `None` when (heartbeats) there is nothing to report yet. Built from the row
    /// the caller already loaded, so nothing is read twice. A result that could not be
    /// stored is an error: the caller must not be told it was recorded.
    pub async fn run_now(&self, row: &monitor::Model) -> Result<Option<Outcome>, Error> {
        let monitor = Arc::new(Runnable::from_row(row, &self.inner.cipher)?);
        let Some(outcome) = self.run_check(&monitor).await else {
            return Ok(None);
        };
        self.store_now(monitor, outcome.clone()).await?;
        Ok(Some(outcome))
    }

    /// Stores a result produced outside a check (a heartbeat ping) and waits for it.
    pub async fn record(&self, row: &monitor::Model, outcome: Outcome) -> Result<(), Error> {
        let monitor = Arc::new(Runnable::from_row(row, &self.inner.cipher)?);
        self.store_now(monitor, outcome).await
    }

    async fn store_now(&self, monitor: Arc<Runnable>, outcome: Outcome) -> Result<(), Error> {
        self.inner
            .writer
            .record_and_wait(monitor, Utc::now(), outcome)
            .await
            .map_err(|_: Lost| Error::Unavailable("storing results".into()))
    }
}

impl crate::monitors::service::Runner for Engine {
    async fn monitor_changed(&self, id: Uuid) {
        Engine::monitor_changed(self, id).await;
    }

    async fn run_now(&self, row: &monitor::Model) -> Result<Option<Outcome>, Error> {
        Engine::run_now(self, row).await
    }
}
