//! The shared state every handler receives.

use std::sync::Arc;

use sea_orm::DatabaseConnection;

use crate::auth::basic_cache::BasicCache;
use crate::auth::tokens::TokenKeys;
use crate::cipher::Cipher;
use crate::config::Config;
use crate::engine::Engine;
use crate::instances::hub::Hub;
use crate::mail::Mailer;
use crate::metrics::Metrics;
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
    /// Outgoing e-mail, when configured.
    pub mailer: Option<Mailer>,
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
}
