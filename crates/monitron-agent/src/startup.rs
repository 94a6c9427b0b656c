//! Building and running the agent: [`Application::build`] checks the environment's files,
//! binds the listener (port 0 allowed) and loads state; [`Application::run_until_stopped`]
//! runs collection, the API and push mode until a stop or restart is requested, then drains.

use std::net::SocketAddr;
use std::os::unix::fs::DirBuilderExt;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tokio::net::TcpListener;

use crate::actions::HostActions;
use crate::api::{self, AppState};
use crate::atomic_file;
use crate::auth::Authenticator;
use crate::buffer::Buffer;
use crate::buffer_writer::{self, Appends, BufferWriter};
use crate::cache::MetricsCache;
use crate::checks::CheckResults;
use crate::collect::{Collector, Gpus};
use crate::lifecycle::{termination_signal, Exit, Lifecycle};
use crate::local_config::ConfigStore;
use crate::settings::Settings;
use crate::status::AgentStatus;
use crate::tls::{self, TlsListener};
use crate::{plugins, probes, push};

/// Longest the API waits for in-flight requests when stopping.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(10);

enum Listener {
    Plain(TcpListener),
    Tls(TlsListener),
}

/// A built agent, listening but not yet serving.
pub struct Application {
    settings: Settings,
    push_tls: Option<Arc<rustls::ClientConfig>>,
    listener: Listener,
    local_addr: SocketAddr,
    state: AppState,
    /// Writes queued records to the buffer, in push mode.
    appends: Option<Appends>,
    /// Queues records for the buffer, in push mode.
    buffer_writer: Option<BufferWriter>,
    lifecycle: Lifecycle,
}

fn ensure_data_dir(settings: &Settings) -> anyhow::Result<()> {
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(&settings.data_dir)
        .with_context(|| {
            format!(
                "MONITRON_AGENT_DATA_DIR: cannot create {} (set it to a directory the agent can write)",
                settings.data_dir.display()
            )
        })?;
    // Creating a file is the only reliable test of write access (read-only mounts, ACLs).
    let probe = settings.data_dir.join(".write-test");
    std::fs::write(&probe, b"")
        .and_then(|()| std::fs::remove_file(&probe))
        .with_context(|| {
            format!(
                "MONITRON_AGENT_DATA_DIR: {} is not writable (set it to a directory the agent can write)",
                settings.data_dir.display()
            )
        })
}

impl Application {
    /// Prepares everything that can fail on bad settings, so that it fails before serving.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        ensure_data_dir(&settings)?;
        let tls_config = settings.tls.as_ref().map(tls::server_config).transpose()?;
        let tcp = TcpListener::bind(settings.listen).await.with_context(|| {
            format!(
                "MONITRON_AGENT_LISTEN: cannot listen on {}",
                settings.listen
            )
        })?;
        let local_addr = tcp
            .local_addr()
            .context("Failed to read the bound address")?;
        let listener = match tls_config {
            Some(config) => Listener::Tls(TlsListener::new(tcp, config)?),
            None => Listener::Plain(tcp),
        };

        let config = Arc::new(ConfigStore::open(settings.config_path.clone()));
        let buffer = match &settings.push {
            Some(_) => {
                let dir = settings.data_dir.join("buffer");
                let shown = dir.display().to_string();
                let limits = config.current().buffer.clone();
                let buffer = tokio::task::spawn_blocking(move || Buffer::open(dir, limits))
                    .await
                    .context("Failed to open the buffer")?
                    .with_context(|| {
                        format!("MONITRON_AGENT_DATA_DIR: cannot open the buffer in {shown}")
                    })?;
                Some(Arc::new(buffer))
            }
            None => None,
        };
        let (buffer_writer, appends) = match &buffer {
            Some(buffer) => {
                let (writer, appends) = buffer_writer::channel(buffer.clone());
                (Some(writer), Some(appends))
            }
            None => (None, None),
        };
        let push_tls = settings.push.as_ref().map(push::client_tls).transpose()?;

        let lifecycle = Lifecycle::new();
        let gpus = Arc::new(Gpus::default());
        let collector = tokio::task::spawn_blocking({
            let gpus = gpus.clone();
            move || Collector::new(gpus)
        })
        .await
        .context("Failed to start the collector")?;
        let state = AppState {
            auth: Arc::new(Authenticator::new(
                settings.auth.clone(),
                settings.access_ttl,
            )),
            cache: Arc::new(MetricsCache::new(collector, settings.cache_ttl)),
            gpus,
            config,
            actions: HostActions::new(
                settings.allow_power,
                settings.reboot_command.clone(),
                settings.shutdown_command.clone(),
                lifecycle.clone(),
            ),
            status: Arc::new(AgentStatus::new(settings.push.is_some())),
            checks: Arc::new(CheckResults::new(buffer_writer.clone())),
            buffer,
        };

        if let Some(path) = &settings.addr_file {
            atomic_file::write(path, format!("{local_addr}\n").as_bytes(), 0o644).with_context(
                || format!("MONITRON_AGENT_ADDR_FILE: cannot write {}", path.display()),
            )?;
        }
        tracing::info!(
            address = %local_addr,
            tls = settings.tls.is_some(),
            auth = settings.auth.name(),
            "Listening."
        );
        Ok(Self {
            settings,
            push_tls,
            listener,
            local_addr,
            state,
            appends,
            buffer_writer,
            lifecycle,
        })
    }

    /// The bound address (with the real port when 0 was asked for).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Runs until a stop or restart is requested; says which.
    pub async fn run_until_stopped(self) -> anyhow::Result<Exit> {
        let Self {
            settings,
            push_tls,
            listener,
            state,
            appends,
            buffer_writer,
            lifecycle,
            ..
        } = self;
        let stopping = lifecycle.stopping();
        let mut tasks = tokio::task::JoinSet::new();
        tasks.spawn(
            state
                .cache
                .clone()
                .run(settings.collect_interval, stopping.clone()),
        );
        tasks.spawn(probes::run(
            state.config.subscribe(),
            state.checks.clone(),
            stopping.clone(),
        ));
        tasks.spawn(plugins::run(
            settings.plugins_dir.clone(),
            state.config.subscribe(),
            state.cache.clone(),
            state.checks.clone(),
            stopping.clone(),
        ));
        if let (Some(push), Some(buffer), Some(writer), Some(appends), Some(tls)) = (
            &settings.push,
            &state.buffer,
            buffer_writer,
            appends,
            push_tls,
        ) {
            let context = push::PushContext {
                settings: push.clone(),
                credential_path: settings.data_dir.join("credential"),
                buffer: buffer.clone(),
                config: state.config.clone(),
                actions: state.actions.clone(),
                status: state.status.clone(),
                tls,
                gpus: state.gpus.clone(),
            };
            tasks.spawn(appends.run(stopping.clone()));
            tasks.spawn(push::run(context, stopping.clone()));
            tasks.spawn(push::report_snapshots(
                state.cache.clone(),
                state.config.clone(),
                writer,
                stopping.clone(),
            ));
            tasks.spawn(push::maintain_buffer(
                buffer.clone(),
                state.config.clone(),
                stopping.clone(),
            ));
        }
        tasks.spawn({
            let lifecycle = lifecycle.clone();
            let stopping = lifecycle.stopping();
            async move {
                tokio::select! {
                    _ = termination_signal() => lifecycle.request_stop(),
                    _ = stopping.cancelled() => {}
                }
            }
        });

        let app = api::router(state);
        let serve = async {
            match listener {
                Listener::Plain(l) => serve(l, app, stopping.clone()).await,
                Listener::Tls(l) => serve(l, app, stopping.clone()).await,
            }
        };
        let drained = async {
            stopping.cancelled().await;
            tokio::time::sleep(DRAIN_TIMEOUT).await;
        };
        tokio::select! {
            result = serve => result.context("The HTTP server failed")?,
            () = drained => tracing::warn!("In-flight requests did not finish in time; closing them."),
        }
        // The server stopped on its own only if stopping was requested; make sure of it.
        lifecycle.request_stop();
        // Every task watches the stop token; one that does not finish in time is abandoned
        // rather than allowed to hold the restart.
        let joined = tokio::time::timeout(DRAIN_TIMEOUT, async {
            while tasks.join_next().await.is_some() {}
        })
        .await;
        if joined.is_err() {
            tracing::warn!("Background work did not finish in time; stopping it.");
            tasks.abort_all();
        }
        let exit = lifecycle.exit();
        tracing::info!(exit = ?exit, "Stopped.");
        Ok(exit)
    }
}

async fn serve<L>(
    listener: L,
    app: axum::Router,
    stopping: tokio_util::sync::CancellationToken,
) -> std::io::Result<()>
where
    L: axum::serve::Listener,
    L::Addr: std::fmt::Debug,
{
    axum::serve(listener, app)
        .with_graceful_shutdown(async move { stopping.cancelled().await })
        .await
}
