//! Building and running the server: `Application::build` opens the database, migrates,
//! bootstraps, binds its own listener (port 0 allowed) and exposes the port, so tests start
//! the real server exactly as production does.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use secrecy::ExposeSecret;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::alerting::{AckKeys, Alerting};
use crate::auth::tokens::TokenKeys;
use crate::bootstrap::{self, Bootstrap};
use crate::cipher::Cipher;
use crate::config::Config;
use crate::mail::Mailer;
use crate::metrics::Metrics;
use crate::notify::delivery::Deliverer;
use crate::notify::Services;
use crate::queue::{InProcess, Outbox, Queue, RabbitMq, WorkKind};
use crate::rate_limit::Limiters;
use crate::scheduler::SchedulerConfig;
use crate::state::AppState;

/// E-mails one worker sends at the same time.
const EMAIL_CONCURRENCY: usize = 4;
/// Notifications delivered at once by one process.
const NOTIFICATION_CONCURRENCY: usize = 32;

/// A built server, bound and ready to run.
pub struct Application {
    listener: TcpListener,
    state: AppState,
    mailer: Option<Mailer>,
    port: u16,
    bootstrap: Bootstrap,
}

/// Refuses role sets that would lose or never run work: without RabbitMQ, check jobs stay
/// in the process that schedules them, so it must run the workers too (and workers need
/// the scheduler beside them). An API-only process beside them is fine.
fn check_roles(config: &Config) -> anyhow::Result<()> {
    let roles = config.roles;
    if config.rabbitmq_url.is_some() || roles.scheduler == roles.worker {
        return Ok(());
    }
    let (running, missing) = if roles.scheduler {
        ("scheduler", "worker")
    } else {
        ("worker", "scheduler")
    };
    Err(crate::config::ConfigError {
        var: "RABBITMQ_URL".into(),
        reason: format!(
            "a process with --role {running} but not --role {missing} needs RABBITMQ_URL: \
             without a broker, check jobs never leave the process that schedules them. \
             Set RABBITMQ_URL, or run --role scheduler and --role worker in the same process"
        ),
    }
    .into())
}

impl Application {
    /// Prepares everything the server needs and binds the listener.
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        check_roles(&config)?;
        monitron_probe::install_crypto_provider();
        let secrets = crate::secrets::load_or_generate(&config)?;
        let db = crate::db::connect(&config.database).await?;
        crate::bootstrap::prepare_database(&db).await?;
        let bootstrap = bootstrap::run(&db, &config).await?;
        let mailer = config.email.as_ref().map(Mailer::new).transpose()?;
        let outbox = Outbox::new(db.clone());
        let queue = match &config.rabbitmq_url {
            Some(url) => Queue::RabbitMq(
                RabbitMq::connect(url.expose_secret(), &config.queue_prefix)
                    .await?
                    .with_outbox(outbox),
            ),
            None => Queue::InProcess(InProcess::new().with_outbox(outbox)),
        };
        crate::history::retention::prepare(&db, chrono::Utc::now())
            .await
            .context("Failed to prepare the history tables")?;
        let address = SocketAddr::new(config.bind_address, config.port);
        let listener = TcpListener::bind(address)
            .await
            .with_context(|| format!("Failed to listen on {address} (PORT)"))?;
        let port = listener.local_addr()?.port();
        let config = config.listening_on(port);
        let alerting = {
            let queue = queue.clone();
            Alerting::new(
                AckKeys::new(secrets.jwt_secret.expose_secret().as_bytes()),
                &config.public_url,
                move || queue.wake(),
            )
        };
        let metrics = Metrics::new();
        let cipher = Cipher::new(secrets.encryption_key.expose_secret());
        // The writer task is detached: shutdown flushes it explicitly.
        let durable_db = crate::db::connect_durable(&config.database, &db).await?;
        let (engine, _writer_task) = crate::engine::Engine::start(
            crate::engine::Databases {
                main: db.clone(),
                durable: durable_db,
            },
            cipher.clone(),
            metrics.clone(),
            &config,
            alerting,
        );
        crate::alerting::resend::ensure_implicit_channel(&db, config.alertmanager_url.as_deref())
            .await
            .context("Failed to set up the ALERTMANAGER_URL channel")?;
        engine.sync().await.context("Failed to load the monitors")?;
        let status_pages = crate::status_pages::StatusPages::new(
            db.clone(),
            engine.clone(),
            secrets.jwt_secret.expose_secret().as_bytes(),
            &config.public_url,
            mailer.is_some(),
            metrics.status_renders.clone(),
        );
        status_pages
            .reload()
            .await
            .context("Failed to load the status pages")?;
        let state = AppState {
            status_pages,
            db,
            engine,
            tokens: Arc::new(TokenKeys::new(&secrets.jwt_secret)),
            cipher,
            limiters: Limiters::new(&config.rate_limits),
            metrics,
            queue,
            basic_cache: Arc::default(),
            agent_hub: Arc::default(),
            access: Arc::new(tokio::sync::watch::channel(0).0),
            notifier: Services::new(mailer.clone()),
            config: Arc::new(config),
        };
        Ok(Self {
            listener,
            state,
            mailer,
            port,
            bootstrap,
        })
    }

    /// The bound port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The shared state (tests use its database handle).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// What start-up did about the first account.
    pub fn bootstrap(&self) -> &Bootstrap {
        &self.bootstrap
    }

    /// Serves until `shutdown` completes, then stops accepting, gives in-flight requests up
    /// to `SHUTDOWN_TIMEOUT` to finish, and closes the database.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let Self {
            listener,
            state,
            mailer,
            port,
            ..
        } = self;
        let roles = state.config.roles;
        let stop = CancellationToken::new();
        let mut background = Vec::new();
        background.push(tokio::spawn(crate::scheduler::sync_loop(
            state.engine.clone(),
            stop.clone(),
        )));
        if roles.scheduler {
            let holder = format!(
                "{}-{}",
                std::process::id(),
                &uuid::Uuid::new_v4().simple().to_string()[..8]
            );
            background.push(tokio::spawn(crate::scheduler::run(
                state.engine.clone(),
                state.db.clone(),
                state.queue.clone(),
                SchedulerConfig {
                    holder,
                    retention: state.config.retention,
                    cipher: state.cipher.clone(),
                    notifier: state.notifier.clone(),
                    alertmanager_resend: state.config.alertmanager_resend,
                },
                stop.clone(),
            )));
        }
        if state.engine.relays_events() {
            background.push(tokio::spawn(crate::engine::relay::run(
                state.engine.clone(),
                state.db.clone(),
                stop.clone(),
            )));
        }
        if roles.api {
            background.push(tokio::spawn(state.status_pages.clone().run(stop.clone())));
            background.push(tokio::spawn(crate::instances::session::follow_connected(
                state.push_context(),
                stop.clone(),
            )));
        }
        if let Queue::RabbitMq(rabbit) = &state.queue {
            if let Some(outbox) = rabbit.outbox() {
                background.push(tokio::spawn(crate::queue::outbox::relay(
                    outbox.clone(),
                    rabbit.clone(),
                    stop.clone(),
                )));
            }
        }
        if roles.worker {
            let deliverer = Deliverer::new(
                state.db.clone(),
                state.cipher.clone(),
                state.notifier.clone(),
                state.metrics.clone(),
                state.engine.alerting().clone(),
            );
            {
                let deliverer = deliverer.clone();
                background.push(tokio::spawn(crate::queue::serve(
                    state.queue.clone(),
                    WorkKind::Notification,
                    NOTIFICATION_CONCURRENCY,
                    stop.clone(),
                    move |payload, attempt| {
                        let deliverer = deliverer.clone();
                        async move { deliverer.handle(&payload, attempt).await }
                    },
                )));
            }
            background.push(tokio::spawn(crate::engine::worker::run(
                state.engine.clone(),
                state.queue.clone(),
                state.config.check_concurrency,
                stop.clone(),
            )));
            // E-mail (password resets, alert e-mail) is sent only where EMAIL_HOST is set;
            // e-mail channels cannot be created without it.
            match mailer {
                Some(mailer) => {
                    let cipher = state.cipher.clone();
                    background.push(tokio::spawn(crate::queue::serve(
                        state.queue.clone(),
                        WorkKind::Email,
                        EMAIL_CONCURRENCY,
                        stop.clone(),
                        move |payload, attempt| {
                            let (mailer, cipher, deliverer) =
                                (mailer.clone(), cipher.clone(), deliverer.clone());
                            async move {
                                // Alert e-mail is a notification; the rest is a sealed message.
                                if serde_json::from_slice::<crate::alerting::notifying::Job>(
                                    &payload,
                                )
                                .is_ok()
                                {
                                    deliverer.handle(&payload, attempt).await
                                } else {
                                    crate::mail::deliver(&mailer, &cipher, &payload, attempt).await
                                }
                            }
                        },
                    )));
                }
                None => tracing::info!("E-mail is off (EMAIL_HOST is not set)."),
            }
        }
        let drain = state.config.shutdown_timeout;
        let sweeper = {
            let limiters = state.limiters.clone();
            tokio::spawn(async move {
                let mut tick = tokio::time::interval(Duration::from_secs(30));
                loop {
                    tick.tick().await;
                    limiters.sweep();
                    crate::memory::release_free_memory();
                }
            })
        };
        tracing::info!(port, roles = %roles.names(), "Monitron is listening.");
        let (stopping_tx, stopping_rx) = tokio::sync::oneshot::channel::<()>();
        let router = if roles.api {
            crate::api::router(state.clone())
        } else {
            crate::api::operations_router(state.clone())
        };
        let app = router.into_make_service_with_connect_info::<SocketAddr>();
        let server = axum::serve(listener, app).with_graceful_shutdown(async move {
            shutdown.await;
            tracing::info!("Shutting down: no new connections; draining in-flight requests.");
            let _ = stopping_tx.send(());
        });
        let deadline = async move {
            if stopping_rx.await.is_ok() {
                tokio::time::sleep(drain).await;
            } else {
                std::future::pending::<()>().await;
            }
        };
        tokio::select! {
            result = server => result.context("HTTP server failed")?,
            () = deadline => tracing::warn!(timeout_s = drain.as_secs(), "In-flight requests did not finish in time; closing anyway."),
        }
        sweeper.abort();
        // Stop scheduling and take no new checks; running checks get what is left of the
        // drain time, then the results still queued are written before the database closes.
        stop.cancel();
        let _ = tokio::time::timeout(drain, futures_util::future::join_all(background)).await;
        state.engine.writer().flush().await;
        let db = state.db.clone();
        db.close().await.context("Failed to close the database")?;
        tracing::info!("Monitron stopped.");
        Ok(())
    }
}

/// Completes on SIGINT (Ctrl-C) or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}
