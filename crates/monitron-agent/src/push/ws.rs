//! A push session over `GET {server}/api/v1/agents/ws`: one JSON text frame per message,
//! the server's `Welcome` first, then the device information (and daily after), batches up
//! and acks, configurations and actions down.

use std::time::Duration;

use anyhow::{bail, Context};
use futures_util::{SinkExt, StreamExt};
use monitron_proto::push::{AgentMessage, PendingAction, ServerMessage};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::Message;
use tokio_util::sync::CancellationToken;

use super::{bearer_header, DeviceReports, PushContext, SERVER_TIMEOUT};

/// How often the agent pings an idle connection (so dead links are noticed).
const PING_EVERY: Duration = Duration::from_secs(20);

fn text(message: &AgentMessage) -> Message {
    Message::text(serde_json::to_string(message).expect("agent messages serialise"))
}

/// Sends the host's device information (when it can be read) and notes when.
async fn send_device<S>(
    ctx: &PushContext,
    sink: &mut S,
    reports: &mut DeviceReports,
) -> anyhow::Result<()>
where
    S: futures_util::Sink<Message, Error = tokio_tungstenite::tungstenite::Error> + Unpin,
{
    if let Some(device) = ctx.device().await {
        sink.send(text(&AgentMessage::Device { device }))
            .await
            .context("Failed to send the device information")?;
        tracing::debug!("Device information sent.");
    }
    reports.sent(Instant::now());
    Ok(())
}

/// Runs one session until it fails or `stop`. Resets `attempt` once the server welcomed us.
pub async fn session(
    ctx: &PushContext,
    stop: &CancellationToken,
    attempt: &mut u32,
) -> anyhow::Result<()> {
    let mut url = ctx.endpoint("api/v1/agents/ws");
    let scheme = if url.scheme() == "https" { "wss" } else { "ws" };
    url.set_scheme(scheme).expect("http(s) to ws(s) is allowed");
    let mut request = url
        .as_str()
        .into_client_request()
        .context("Failed to build the WebSocket request")?;
    let (bearer, enrolled) = ctx.bearer();
    request.headers_mut().insert(
        "authorization",
        HeaderValue::from_str(&bearer_header(&bearer))
            .context("The credential is not a valid header")?,
    );
    let connector = tokio_tungstenite::Connector::Rustls(ctx.tls.clone());
    let connect =
        tokio_tungstenite::connect_async_tls_with_config(request, None, true, Some(connector));
    let (socket, _) = tokio::select! {
        _ = stop.cancelled() => return Ok(()),
        connected = tokio::time::timeout(SERVER_TIMEOUT, connect) => match connected {
            Err(_) => bail!("connecting to {url} timed out"),
            Ok(Err(tokio_tungstenite::tungstenite::Error::Http(response))) => {
                let credential = if enrolled { "stored credential" } else { "enrollment token" };
                bail!("the server refused the {credential}: HTTP {}", response.status());
            }
            Ok(Err(err)) => return Err(err).with_context(|| format!("Failed to connect to {url}")),
            Ok(Ok(connected)) => connected,
        },
    };
    let (mut sink, mut stream) = socket.split();

    // The server speaks first.
    let first = tokio::time::timeout(SERVER_TIMEOUT, stream.next())
        .await
        .context("The server sent no welcome")?;
    let welcome = match first {
        Some(Ok(Message::Text(t))) => match serde_json::from_str::<ServerMessage>(t.as_str()) {
            Ok(ServerMessage::Welcome(welcome)) => welcome,
            Ok(other) => bail!("expected a welcome, got {other:?}"),
            Err(err) => bail!("unreadable welcome: {err}"),
        },
        Some(Ok(other)) => bail!("expected a welcome, got {other:?}"),
        Some(Err(err)) => return Err(err).context("The connection failed before the welcome"),
        None => bail!("the server closed the connection before the welcome"),
    };
    // The credential is stored before anything is sent: the first message retires the
    // enrollment token.
    ctx.welcome(welcome).await?;
    let mut device_reports = DeviceReports::starting(Instant::now());
    send_device(ctx, &mut sink, &mut device_reports).await?;
    ctx.status.set_link_state("connected");
    ctx.status.contact(chrono::Utc::now());
    *attempt = 0;
    tracing::info!(server = %ctx.settings.server_url, "Connected to the server.");

    // Highest sequence number sent and not yet acknowledged, and when.
    let mut in_flight: Option<(u64, Instant)> = None;
    let mut ping = tokio::time::interval_at(Instant::now() + PING_EVERY, PING_EVERY);
    loop {
        let appended = ctx.buffer.notify().notified();
        tokio::pin!(appended);
        appended.as_mut().enable();
        if in_flight.is_none() {
            let records = ctx.unacked().await?;
            if let Some(last) = records.last().map(|r| r.seq) {
                let count = records.len();
                sink.send(text(&AgentMessage::Batch { records }))
                    .await
                    .context("Failed to send a batch")?;
                tracing::debug!(count, last_seq = last, "Batch sent.");
                in_flight = Some((last, Instant::now()));
            }
        }
        let ack_deadline = in_flight.map(|(_, at)| at + SERVER_TIMEOUT);
        tokio::select! {
            _ = stop.cancelled() => {
                let _ = tokio::time::timeout(Duration::from_secs(2), sink.send(Message::Close(None))).await;
                return Ok(());
            }
            () = &mut appended, if in_flight.is_none() => {}
            _ = ping.tick() => {
                sink.send(Message::Ping(Default::default())).await.context("Failed to ping")?;
            }
            () = tokio::time::sleep_until(device_reports.next()) => {
                send_device(ctx, &mut sink, &mut device_reports).await?;
            }
            () = async { tokio::time::sleep_until(ack_deadline.expect("guarded")).await }, if ack_deadline.is_some() => {
                bail!("the server did not acknowledge a batch within {} s", SERVER_TIMEOUT.as_secs());
            }
            message = stream.next() => {
                let message = match message {
                    None => bail!("the server closed the connection"),
                    Some(Err(err)) => return Err(err).context("The connection failed"),
                    Some(Ok(message)) => message,
                };
                let body = match message {
                    Message::Text(body) => body,
                    Message::Close(frame) => bail!("the server closed the connection ({frame:?})"),
                    // Pongs are answered by the library; binary frames are not part of the protocol.
                    _ => continue,
                };
                let message = match serde_json::from_str::<ServerMessage>(body.as_str()) {
                    Ok(message) => message,
                    Err(err) => {
                        tracing::warn!(error = %err, "Unreadable message from the server ignored.");
                        continue;
                    }
                };
                match message {
                    ServerMessage::Ack { seq } => {
                        ctx.ack(seq).await?;
                        // A partial ack means the rest was not stored: it goes again.
                        in_flight = None;
                    }
                    ServerMessage::Config { config } => {
                        let revision = ctx.apply_config(config).await;
                        sink.send(text(&AgentMessage::ConfigApplied { revision })).await?;
                    }
                    ServerMessage::Action { id, action } => {
                        let (ok, message) = ctx.perform(&PendingAction { id: id.clone(), action });
                        sink.send(text(&AgentMessage::ActionResult { id, ok, message })).await?;
                    }
                    ServerMessage::Welcome(welcome) => ctx.welcome(welcome).await?,
                }
            }
        }
    }
}
