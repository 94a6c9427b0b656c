//! The shared state every handler receives, and the narrower views of it that the
//! service layers take.

use std::sync::Arc;

use sea_orm::DatabaseConnection;

use crate::auth::basic_cache::BasicCache;
use crate::auth::tokens::TokenKeys;
use crate::cipher::Cipher;
use crate::config::Config;
use crate::engine::Engine;
use crate::instances::hub::Hub;
use crate::instances::session::PushContext;
use crate::metrics::Metrics;
use crate::monitors::service::Monitors;
use crate::queue::Queue;
use crate::rate_limit::Limiters;

/// Cheap to clone: every field is a handle.
#[derive(Clone)]
pub struct AppState {
    /// Database pool.
    pub db: DatabaseConnection,
    /// Effective configuration.
    pub config: Arc<Config>,
    /// Access-token keys.
    pub tokens: Arc<TokenKeys>,
    /// Seals secrets stored in configuration (AES-256-GCM under ENCRYPTION_KEY).
    pub cipher: Cipher,
    /// Rate limiters.
    pub limiters: Limiters,
    /// Prometheus instruments.
    pub metrics: Metrics,
    /// The work queue (in-process, or RabbitMQ when configured).
    pub queue: Queue,
    /// Recently verified Basic credentials.
    pub basic_cache: Arc<BasicCache>,
    /// The monitoring engine (catalog, result writer, live events).
    pub engine: Engine,
    /// Push agents connected to this process.
    pub agent_hub: Arc<Hub>,
    /// Sends notifications (HTTP client and mailer).
    pub notifier: crate::notify::Services,
    /// Raised whenever this process changes anyone's access (sessions, keys, roles,
    /// grants), so long-lived connections load their caller again at once.
    pub access: Arc<tokio::sync::watch::Sender<u64>>,
    /// Status pages, kept rendered in memory.
    pub status_pages: crate::status_pages::StatusPages,
}

impl AppState {
    /// Commits a change to who may do what (a credential, a role or grant, a user, a
    /// sign-in setting), then tells this process's long-lived connections to load their
    /// callers again.
    pub async fn commit_access_change(
        &self,
        txn: sea_orm::DatabaseTransaction,
    ) -> Result<(), sea_orm::DbErr> {
        txn.commit().await?;
        self.access.send_modify(|epoch| *epoch += 1);
        Ok(())
    }

    /// The monitors service layer over this server's database and engine.
    pub fn monitors(&self) -> Monitors<'_, Engine> {
        Monitors {
            db: &self.db,
            cipher: &self.cipher,
            runner: &self.engine,
            retention: &self.config.retention,
        }
    }

    /// What push-agent sessions need.
    pub fn push_context(&self) -> PushContext {
        PushContext {
            db: self.db.clone(),
            durable_db: self.engine.durable_db().clone(),
            cipher: self.cipher.clone(),
            hub: self.agent_hub.clone(),
            ingest: self.engine.ingest().clone(),
            retention: self.config.retention,
        }
    }
}
