//! A push session over plain HTTP, for networks that block WebSocket:
//! `POST {server}/api/v1/agents/enroll` once (with the enrollment token) for the welcome,
//! then `POST {server}/api/v1/agents/push` with `{"records": [...]}` whenever records wait
//! (and at least every [`POLL_EVERY`], so configuration and actions still arrive). Answers
//! come in the server's envelope; `push` carries a `PushReply`.
//!
//! Answers to actions and the configuration revision ride on the push after the one whose
//! reply brought them. When the agent stops (a `restart_agent` from the server stops it at
//! once), answers still waiting go in one last push, bounded by [`LAST_PUSH_TIMEOUT`], so
//! that the server learns the restart was taken.

use std::time::Duration;

use anyhow::{bail, Context};
use monitron_proto::agent_api::Envelope;
use monitron_proto::push::{ActionResult, PushReply, PushRequest, Welcome, MAX_BATCH_RECORDS};
use serde::de::DeserializeOwned;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::{bearer_header, DeviceReports, PushContext, SERVER_TIMEOUT};

/// Longest pause between two posts.
const POLL_EVERY: Duration = Duration::from_secs(15);

/// Longest the last push on the way out may take (best effort: stopping must not hang on
/// an unreachable server).
const LAST_PUSH_TIMEOUT: Duration = Duration::from_secs(5);

async fn post<T: DeserializeOwned>(
    client: &reqwest::Client,
    url: url::Url,
    bearer: String,
    body: impl serde::Serialize,
) -> anyhow::Result<T> {
    let response = client
        .post(url.clone())
        .header("authorization", bearer)
        .json(&body)
        .send()
        .await
        .with_context(|| format!("Failed to reach {url}"))?;
    let status = response.status();
    let bytes = response
        .bytes()
        .await
        .context("Failed to read the answer")?;
    let envelope: Envelope<T> = serde_json::from_slice(&bytes)
        .with_context(|| format!("{url} answered HTTP {status} without an envelope"))?;
    match envelope.data {
        Some(data) if status.is_success() && envelope.code == 0 => Ok(data),
        _ => bail!(
            "{url} answered HTTP {status}, code {}: {} {:?}",
            envelope.code,
            envelope.message,
            envelope.error
        ),
    }
}

/// On the way out: sends the answers to actions (a restart, typically) and the
/// configuration revision that would otherwise wait for a push that never comes. Best
/// effort; failures are logged.
async fn report_before_stopping(
    ctx: &PushContext,
    client: &reqwest::Client,
    bearer: &str,
    action_results: Vec<ActionResult>,
    config_revision: Option<u64>,
) {
    if action_results.is_empty() && config_revision.is_none() {
        return;
    }
    let count = action_results.len();
    let request = PushRequest {
        records: Vec::new(),
        action_results,
        config_revision,
        device: None,
    };
    let push = post::<PushReply>(
        client,
        ctx.endpoint("api/v1/agents/push"),
        bearer.to_owned(),
        request,
    );
    match tokio::time::timeout(LAST_PUSH_TIMEOUT, push).await {
        Ok(Ok(reply)) => {
            tracing::info!(
                action_results = count,
                "Answers sent to the server before stopping."
            );
            if let Some(seq) = reply.ack {
                if let Err(err) = ctx.ack(seq).await {
                    tracing::warn!(error = %format!("{err:#}"), "Cannot record the server's ack.");
                }
            }
            // The server hands actions over with a reply; these arrived too late to be taken.
            for action in &reply.actions {
                tracing::warn!(id = %action.id, action = action.action.as_str(), "Action from the server not taken: the agent is stopping.");
            }
        }
        Ok(Err(err)) => {
            tracing::warn!(error = %format!("{err:#}"), "Cannot send answers to the server before stopping.")
        }
        Err(_) => tracing::warn!(
            timeout_s = LAST_PUSH_TIMEOUT.as_secs(),
            "The server did not take the answers before stopping."
        ),
    }
}

/// Runs one session until it fails or `stop`.
pub async fn session(
    ctx: &PushContext,
    stop: &CancellationToken,
    attempt: &mut u32,
) -> anyhow::Result<()> {
    let client = reqwest::Client::builder()
        .use_preconfigured_tls((*ctx.tls).clone())
        .timeout(SERVER_TIMEOUT)
        .build()
        .context("Failed to build the HTTP client")?;
    let (mut bearer, enrolled) = ctx.bearer();
    if !enrolled {
        let welcome: Welcome = tokio::select! {
            _ = stop.cancelled() => return Ok(()),
            answer = post(&client, ctx.endpoint("api/v1/agents/enroll"), bearer_header(&bearer), serde_json::json!({})) => answer?,
        };
        ctx.welcome(welcome).await?;
        bearer = ctx.bearer().0;
    }
    let bearer = bearer_header(&bearer);
    let mut connected = false;
    // Answers to actions and the configuration revision ride on the next push.
    let mut action_results: Vec<ActionResult> = Vec::new();
    let mut config_revision: Option<u64> = None;
    let mut device_reports = DeviceReports::starting(Instant::now());
    loop {
        let appended = ctx.buffer.notify().notified();
        tokio::pin!(appended);
        appended.as_mut().enable();
        if stop.is_cancelled() {
            report_before_stopping(ctx, &client, &bearer, action_results, config_revision).await;
            return Ok(());
        }
        let records = ctx.unacked().await?;
        let full = records.len() >= MAX_BATCH_RECORDS;
        let device = if device_reports.due(Instant::now()) {
            ctx.device().await
        } else {
            None
        };
        let sends_device = device.is_some();
        let reply: PushReply = tokio::select! {
            _ = stop.cancelled() => {
                report_before_stopping(ctx, &client, &bearer, action_results, config_revision).await;
                return Ok(());
            }
            answer = post(&client, ctx.endpoint("api/v1/agents/push"), bearer.clone(), PushRequest {
                records,
                action_results: action_results.clone(),
                config_revision,
                device,
            }) => answer?,
        };
        action_results.clear();
        config_revision = None;
        if sends_device {
            device_reports.sent(Instant::now());
        }
        if !connected {
            connected = true;
            *attempt = 0;
            ctx.status.set_link_state("connected");
            tracing::info!(server = %ctx.settings.server_url, "Pushing to the server over HTTP.");
        }
        ctx.status.contact(chrono::Utc::now());
        if let Some(seq) = reply.ack {
            ctx.ack(seq).await?;
        }
        if let Some(config) = reply.config {
            config_revision = Some(ctx.apply_config(config).await);
        }
        for action in &reply.actions {
            let (ok, message) = ctx.perform(action);
            tracing::info!(id = %action.id, action = action.action.as_str(), ok, message = %message, "Action from the server.");
            action_results.push(ActionResult {
                id: action.id.clone(),
                ok,
                message,
            });
        }
        if (config_revision.is_some() || !action_results.is_empty()) && !full {
            // Report them now rather than after the next snapshot.
            continue;
        }
        if full {
            continue;
        }
        // A stop here is taken at the top of the loop, with any answers still waiting.
        tokio::select! {
            _ = stop.cancelled() => {}
            () = &mut appended => {}
            _ = tokio::time::sleep(POLL_EVERY) => {}
        }
    }
}
