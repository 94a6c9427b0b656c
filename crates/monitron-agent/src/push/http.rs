//! A push session over plain HTTP, for networks that block WebSocket:
//! `POST {server}/api/v1/agents/enroll` once (with the enrollment token) for the welcome,
//! then `POST {server}/api/v1/agents/push` with `{"records": [...]}` whenever records wait
//! (and at least every [`POLL_EVERY`], so configuration and actions still arrive). Answers
//! come in the server's envelope; `push` carries a `PushReply`.

use std::time::Duration;

use anyhow::{bail, Context};
use monitron_proto::agent_api::Envelope;
use monitron_proto::push::{ActionResult, PushReply, PushRequest, Welcome, MAX_BATCH_RECORDS};
use serde::de::DeserializeOwned;
use tokio_util::sync::CancellationToken;

use super::{bearer_header, PushContext, SERVER_TIMEOUT};

/// Longest pause between two posts.
const POLL_EVERY: Duration = Duration::from_secs(15);

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
    loop {
        let appended = ctx.buffer.notify().notified();
        tokio::pin!(appended);
        appended.as_mut().enable();
        let records = ctx.unacked().await?;
        let full = records.len() >= MAX_BATCH_RECORDS;
        let reply: PushReply = tokio::select! {
            _ = stop.cancelled() => return Ok(()),
            answer = post(&client, ctx.endpoint("api/v1/agents/push"), bearer.clone(), PushRequest {
                records,
                action_results: action_results.clone(),
                config_revision,
            }) => answer?,
        };
        action_results.clear();
        config_revision = None;
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
        tokio::select! {
            _ = stop.cancelled() => return Ok(()),
            () = &mut appended => {}
            _ = tokio::time::sleep(POLL_EVERY) => {}
        }
    }
}
