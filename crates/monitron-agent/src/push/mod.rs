//! Push mode: the agent dials the server (when `MONITRON_SERVER_URL` and
//! `MONITRON_AGENT_TOKEN` are set) and delivers its buffer.
//!
//! Everything the server should get is appended to the offline [`Buffer`] first (snapshots by
//! the reporter every `report_interval_s`, check results as they finish); a session then sends
//! unacknowledged records oldest first, one batch in flight at a time, and deletes them on the
//! server's ack. A session is a WebSocket ([`ws`]) or, where that is blocked, a series of
//! HTTP posts ([`http`]); both speak `monitron_proto::push`. When a session ends for any
//! reason the agent reconnects after an exponential, jittered pause (capped by
//! `MONITRON_AGENT_RECONNECT_MAX`), and the buffer keeps everything meanwhile.
//!
//! Enrollment: the first session presents the one-time enrollment token; the server's
//! welcome carries the long-lived credential, which is stored (0600, atomically) in the data
//! directory and presented from then on.
//!
//! Device information (what `GET /v1/device` serves) goes to the server at the start of
//! every session, once the credential is stored, and then every [`DEVICE_EVERY`] while the
//! session lasts ([`DeviceReports`]); it changes rarely and costs a few file reads.

pub mod http;
pub mod ws;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use monitron_proto::push::{PendingAction, RecordBody, Welcome};
use monitron_proto::{AgentConfig, DeviceInfo};
use rand::Rng;
use secrecy::{ExposeSecret, SecretString};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::actions::HostActions;
use crate::atomic_file;
use crate::buffer::Buffer;
use crate::buffer_writer::BufferWriter;
use crate::cache::MetricsCache;
use crate::collect::Gpus;
use crate::local_config::ConfigStore;
use crate::settings::{PushSettings, PushTransport};
use crate::status::AgentStatus;

/// How long the server may take to answer a connection, a request or a batch.
const SERVER_TIMEOUT: Duration = Duration::from_secs(30);

/// How often a session reports the host's device information after its first report.
pub const DEVICE_EVERY: Duration = Duration::from_secs(24 * 60 * 60);

/// When a session next reports the host's device information: at its start, then every
/// [`DEVICE_EVERY`] after the last report.
#[derive(Debug, Clone, Copy)]
pub struct DeviceReports {
    next: Instant,
}

impl DeviceReports {
    /// A session starting at `now`: the first report is due at once.
    pub fn starting(now: Instant) -> Self {
        Self { next: now }
    }

    /// Whether a report is due at `now`.
    pub fn due(&self, now: Instant) -> bool {
        now >= self.next
    }

    /// When the next report is due.
    pub fn next(&self) -> Instant {
        self.next
    }

    /// A report went out at `now`.
    pub fn sent(&mut self, now: Instant) {
        self.next = now + DEVICE_EVERY;
    }
}

/// What a push session needs.
#[derive(Clone)]
pub struct PushContext {
    /// Server, token, transport.
    pub settings: PushSettings,
    /// Where the credential is stored.
    pub credential_path: PathBuf,
    /// Records to deliver.
    pub buffer: Arc<Buffer>,
    /// The configuration the server may replace.
    pub config: Arc<ConfigStore>,
    /// Actions the server may ask for.
    pub actions: HostActions,
    /// Link state for health.
    pub status: Arc<AgentStatus>,
    /// TLS for `https`/`wss` servers.
    pub tls: Arc<rustls::ClientConfig>,
    /// NVML, shared with the collector, for the device information.
    pub gpus: Arc<Gpus>,
}

/// The stored credential, if the agent has enrolled.
pub fn load_credential(path: &Path) -> Option<SecretString> {
    std::fs::read_to_string(path)
        .ok()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .map(SecretString::from)
}

/// TLS settings for talking to the server: the system's roots plus an optional private CA.
pub fn client_tls(settings: &PushSettings) -> anyhow::Result<Arc<rustls::ClientConfig>> {
    let mut roots = rustls::RootCertStore::empty();
    let native = rustls_native_certs::load_native_certs();
    for cert in native.certs {
        let _ = roots.add(cert);
    }
    if let Some(path) = &settings.server_ca {
        use rustls_pki_types::pem::PemObject;
        let certs = rustls_pki_types::CertificateDer::pem_file_iter(path)
            .and_then(|iter| iter.collect::<Result<Vec<_>, _>>())
            .map_err(|err| {
                anyhow::anyhow!("MONITRON_SERVER_CA: cannot read {}: {err}", path.display())
            })?;
        for cert in certs {
            roots.add(cert).with_context(|| {
                format!(
                    "MONITRON_SERVER_CA: {} holds an unusable certificate",
                    path.display()
                )
            })?;
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .context("Failed to set up TLS")?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

impl PushContext {
    /// The bearer credential: the stored one, else the enrollment token.
    fn bearer(&self) -> (SecretString, bool) {
        match load_credential(&self.credential_path) {
            Some(credential) => (credential, true),
            None => (self.settings.token.clone(), false),
        }
    }

    /// `{server}/<path>`, keeping any base path of the server URL.
    fn endpoint(&self, path: &str) -> url::Url {
        let mut base = self.settings.server_url.clone();
        if !base.path().ends_with('/') {
            let with_slash = format!("{}/", base.path());
            base.set_path(&with_slash);
        }
        base.join(path).expect("a relative path joins")
    }

    /// Takes the server's welcome: keeps a new credential, applies its configuration.
    async fn welcome(&self, welcome: Welcome) -> anyhow::Result<()> {
        if let Some(credential) = welcome.credential.filter(|c| !c.is_empty()) {
            let path = self.credential_path.clone();
            tokio::task::spawn_blocking(move || {
                atomic_file::write(&path, format!("{credential}\n").as_bytes(), 0o600)
            })
            .await?
            .context("Failed to store the agent credential")?;
            tracing::info!(instance_id = %welcome.instance_id, "Enrolled; credential stored.");
        }
        self.apply_config(welcome.config).await;
        Ok(())
    }

    /// Applies a configuration from the server; returns the revision now in use.
    async fn apply_config(&self, config: AgentConfig) -> u64 {
        if *self.config.current() == config {
            return config.revision;
        }
        match self.config.replace(config).await {
            Ok(config) => config.revision,
            Err(err) => {
                tracing::error!(error = %err, details = ?err, "The server's configuration was refused; keeping the current one.");
                self.config.current().revision
            }
        }
    }

    /// The host's device information, read on the blocking pool (it reads `/proc`, `/sys`
    /// and every filesystem's size). `None` only if reading it failed outright.
    async fn device(&self) -> Option<DeviceInfo> {
        let gpus = self.gpus.clone();
        match tokio::task::spawn_blocking(move || crate::device::describe(&gpus)).await {
            Ok(device) => Some(device),
            Err(err) => {
                tracing::warn!(error = %err, "Cannot describe the device for the server.");
                None
            }
        }
    }

    /// Performs an action from the server; says whether it was taken and why.
    fn perform(&self, action: &PendingAction) -> (bool, String) {
        match self.actions.perform(action.action) {
            Ok(message) => (true, message),
            Err(err) => (false, err.to_string()),
        }
    }

    /// The oldest unacknowledged records: at most `MAX_BATCH_RECORDS`, and no more than
    /// fit comfortably in the server's `MAX_BATCH_BYTES` (the first always goes).
    async fn unacked(&self) -> anyhow::Result<Vec<monitron_proto::push::Record>> {
        let buffer = self.buffer.clone();
        let max = monitron_proto::push::MAX_BATCH_RECORDS;
        let mut records = tokio::task::spawn_blocking(move || buffer.unacked(max)).await??;
        let budget = monitron_proto::push::MAX_BATCH_BYTES * 3 / 4;
        let mut bytes = 0;
        let keep = records
            .iter()
            .position(|r| {
                bytes += serde_json::to_vec(r).map_or(0, |v| v.len() + 1);
                bytes > budget
            })
            .unwrap_or(records.len())
            .max(1);
        records.truncate(keep);
        Ok(records)
    }

    async fn ack(&self, seq: u64) -> anyhow::Result<()> {
        let buffer = self.buffer.clone();
        tokio::task::spawn_blocking(move || buffer.ack(seq)).await??;
        self.status.contact(chrono::Utc::now());
        Ok(())
    }
}

/// Pause before reconnection attempt `attempt` (0-based): doubling from 500 ms up to `cap`,
/// with "equal jitter" (between half and all of it) so that agents cut off together do not
/// come back together.
pub fn backoff(attempt: u32, cap: Duration) -> Duration {
    let base = Duration::from_millis(500)
        .saturating_mul(2u32.saturating_pow(attempt.min(20)))
        .min(cap);
    let half = base / 2;
    half + rand::thread_rng().gen_range(Duration::ZERO..=half)
}

/// Keeps sessions going until `stop`.
pub async fn run(ctx: PushContext, stop: CancellationToken) {
    let mut attempt = 0u32;
    loop {
        ctx.status.set_link_state("connecting");
        let outcome = match ctx.settings.transport {
            PushTransport::WebSocket => ws::session(&ctx, &stop, &mut attempt).await,
            PushTransport::Http => http::session(&ctx, &stop, &mut attempt).await,
        };
        ctx.status.set_link_state("connecting");
        if stop.is_cancelled() {
            return;
        }
        let pause = backoff(attempt, ctx.settings.reconnect_max);
        match outcome {
            Ok(()) => tracing::info!(
                retry_in_ms = pause.as_millis() as u64,
                "Server session ended."
            ),
            Err(err) => {
                tracing::warn!(error = %format!("{err:#}"), retry_in_ms = pause.as_millis() as u64, "Server session failed.")
            }
        }
        attempt = attempt.saturating_add(1);
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tokio::time::sleep(pause) => {}
        }
    }
}

/// Puts the latest snapshot in the buffer every `report_interval_s` until `stop`.
pub async fn report_snapshots(
    cache: Arc<MetricsCache>,
    config: Arc<ConfigStore>,
    buffer: BufferWriter,
    stop: CancellationToken,
) {
    let mut last = None;
    let mut changes = config.subscribe();
    loop {
        let interval = Duration::from_secs(u64::from(config.current().report_interval_s.max(1)));
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tokio::time::sleep(interval) => {}
            // A new interval (the server's welcome, say) takes effect now, not after
            // the old one ran out.
            changed = changes.changed() => {
                if changed.is_err() {
                    return;
                }
                continue;
            }
        }
        let Ok(cached) = cache.get().await else {
            continue;
        };
        if last == Some(cached.snapshot.timestamp) {
            continue;
        }
        last = Some(cached.snapshot.timestamp);
        buffer.append(RecordBody::Snapshot((*cached.snapshot).clone()));
    }
}

/// Syncs the buffer once a second, expires old records once a minute, and follows limit
/// changes, until `stop`; then syncs a last time.
pub async fn maintain_buffer(
    buffer: Arc<Buffer>,
    config: Arc<ConfigStore>,
    stop: CancellationToken,
) {
    let mut limits_changed = config.subscribe();
    let mut ticks = tokio::time::interval(Duration::from_secs(1));
    let mut tick = 0u64;
    loop {
        tokio::select! {
            _ = stop.cancelled() => break,
            _ = ticks.tick() => {
                tick += 1;
                let buffer = buffer.clone();
                let expire = tick % 60 == 0;
                let done = tokio::task::spawn_blocking(move || {
                    buffer.sync()?;
                    if expire { buffer.expire(chrono::Utc::now())?; }
                    Ok::<_, std::io::Error>(())
                }).await;
                if let Ok(Err(err)) = done {
                    tracing::warn!(error = %err, "Buffer maintenance failed.");
                }
            }
            changed = limits_changed.changed() => {
                if changed.is_err() { break; }
                let limits = limits_changed.borrow_and_update().buffer.clone();
                let buffer = buffer.clone();
                let _ = tokio::task::spawn_blocking(move || buffer.set_limits(limits)).await;
            }
        }
    }
    let final_sync = tokio::task::spawn_blocking(move || buffer.sync()).await;
    if let Ok(Err(err)) = final_sync {
        tracing::warn!(error = %err, "Cannot sync the buffer.");
    }
}

fn bearer_header(secret: &SecretString) -> String {
    format!("Bearer {}", secret.expose_secret())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_with_jitter_up_to_the_cap() {
        let cap = Duration::from_secs(30);
        for _ in 0..50 {
            let first = backoff(0, cap);
            assert!((Duration::from_millis(250)..=Duration::from_millis(500)).contains(&first));
            let third = backoff(2, cap);
            assert!((Duration::from_secs(1)..=Duration::from_secs(2)).contains(&third));
            let late = backoff(40, cap);
            assert!((Duration::from_secs(15)..=cap).contains(&late));
        }
        assert!(backoff(5, Duration::from_millis(20)) <= Duration::from_millis(20));
    }

    #[test]
    fn device_reports_are_due_at_the_start_then_daily() {
        let start = Instant::now();
        let mut reports = DeviceReports::starting(start);
        assert!(reports.due(start));
        reports.sent(start + Duration::from_secs(1));
        assert!(!reports.due(start + Duration::from_secs(2)));
        assert!(!reports.due(start + DEVICE_EVERY));
        assert_eq!(
            reports.next(),
            start + Duration::from_secs(1) + DEVICE_EVERY
        );
        assert!(reports.due(start + Duration::from_secs(1) + DEVICE_EVERY));
    }
}
