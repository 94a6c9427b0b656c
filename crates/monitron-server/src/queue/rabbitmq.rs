//! The RabbitMQ transport. Per kind of work, durable queues:
//! - `<prefix>.<kind>`: the work;
//! - `<prefix>.<kind>.retry.<N>s`: holds messages to be tried again after at most N seconds
//!   (N a power of two), each for its own delay, then dead-letters them back into the work
//!   queue (RabbitMQ's TTL + dead-letter exchange, no plugin needed). A message expires
//!   only at the head of its queue, so delays of very different lengths are kept apart: a
//!   short one never waits behind a long one for more than half its queue's N. Declared
//!   when first used;
//! - `<prefix>.<kind>.dead`: messages whose attempts are spent, to inspect and replay.
//!
//! Publishing waits for the broker's confirmation; consumers acknowledge manually with a
//! bounded prefetch, so a worker that dies loses nothing: its unacknowledged deliveries go
//! back to the queue. Messages of durable kinds are persistent.
//!
//! The broker may restart: the connection is opened again on the next use (at most once a
//! second while it is away), queues are declared again, and consumers resume on their own.
//! Work handled while the connection was down is acknowledged on a dead channel, which
//! fails, so the broker delivers it again: at least once, never lost.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use lapin::options::{
    BasicAckOptions, BasicConsumeOptions, BasicGetOptions, BasicPublishOptions, BasicQosOptions,
    ConfirmSelectOptions, QueueDeclareOptions,
};
use lapin::types::{AMQPValue, FieldTable, ShortString};
use lapin::{BasicProperties, Channel, Connection, ConnectionProperties};

use super::{Delivery, Handle, Outbox, Published, Retried, WorkKind};

const ATTEMPT_HEADER: &str = "x-monitron-attempt";
/// The longest retry queue's bound, in seconds (a power of two: about 18 hours); a
/// longer delay is cut to it.
const LONGEST_RETRY_S: u64 = 1 << 16;

/// The bound of the retry queue that holds `delay`: the shortest power of two seconds
/// not below it, from 1 s to [`LONGEST_RETRY_S`].
fn retry_bound(delay: Duration) -> u64 {
    let seconds = delay
        .as_secs_f64()
        .ceil()
        .clamp(1.0, LONGEST_RETRY_S as f64) as u64;
    seconds.next_power_of_two().min(LONGEST_RETRY_S)
}

/// How long to wait after a failed connection before trying again.
const RECONNECT_PAUSE: Duration = Duration::from_secs(1);

/// Queues on a RabbitMQ broker.
#[derive(Clone)]
pub struct RabbitMq {
    url: Arc<str>,
    link: Arc<tokio::sync::Mutex<LinkSlot>>,
    closed: Arc<AtomicBool>,
    prefix: String,
    outbox: Option<Outbox>,
}

/// One connection and its confirming publisher channel.
#[derive(Clone)]
struct Link {
    connection: Arc<Connection>,
    publisher: Channel,
}

impl Link {
    fn alive(&self) -> bool {
        self.connection.status().connected() && self.publisher.status().connected()
    }
}

/// The current link, and when connecting last failed.
#[derive(Default)]
struct LinkSlot {
    link: Option<Link>,
    failed_at: Option<Instant>,
}

impl RabbitMq {
    /// Connects and declares every queue, named under `prefix` (`monitron` in production).
    pub async fn connect(url: &str, prefix: &str) -> anyhow::Result<Self> {
        let queue = Self {
            url: Arc::from(url),
            link: Arc::default(),
            closed: Arc::default(),
            prefix: prefix.to_owned(),
            outbox: None,
        };
        queue.link().await?;
        Ok(queue)
    }

    /// The live link, opening a new one (and declaring the queues on it) when the broker
    /// went away.
    async fn link(&self) -> anyhow::Result<Link> {
        let mut slot = self.link.lock().await;
        if let Some(link) = slot.link.as_ref().filter(|l| l.alive()) {
            return Ok(link.clone());
        }
        anyhow::ensure!(
            !self.closed.load(Ordering::SeqCst),
            "the RabbitMQ connection is closed"
        );
        if let Some(at) = slot.failed_at.filter(|at| at.elapsed() < RECONNECT_PAUSE) {
            anyhow::bail!(
                "RabbitMQ is unreachable; trying again in {} ms",
                (RECONNECT_PAUSE - at.elapsed()).as_millis()
            );
        }
        let reconnecting = slot.link.is_some();
        match self.open().await {
            Ok(link) => {
                if reconnecting {
                    tracing::info!("Connected to RabbitMQ again.");
                }
                slot.link = Some(link.clone());
                slot.failed_at = None;
                Ok(link)
            }
            Err(err) => {
                slot.failed_at = Some(Instant::now());
                Err(err)
            }
        }
    }

    async fn open(&self) -> anyhow::Result<Link> {
        let connection = Connection::connect(&self.url, ConnectionProperties::default())
            .await
            .map_err(|e| {
                anyhow::anyhow!(
                    "cannot connect to RabbitMQ ({}): {e}",
                    crate::config::mask_url_password(&self.url)
                )
            })?;
        let publisher = connection.create_channel().await?;
        publisher
            .confirm_select(ConfirmSelectOptions::default())
            .await?;
        for kind in WorkKind::ALL {
            self.declare(&publisher, kind).await?;
        }
        Ok(Link {
            connection: Arc::new(connection),
            publisher,
        })
    }

    fn name(&self, kind: WorkKind, suffix: &str) -> String {
        format!("{}.{}{suffix}", self.prefix, kind.name())
    }

    /// Declares the retry queue for `delay` (idempotent) and answers its name.
    async fn declare_retry(&self, kind: WorkKind, delay: Duration) -> anyhow::Result<String> {
        let bound = retry_bound(delay);
        let name = self.name(kind, &format!(".retry.{bound}s"));
        let mut args = FieldTable::default();
        args.insert(
            "x-dead-letter-exchange".into(),
            AMQPValue::LongString("".into()),
        );
        args.insert(
            "x-dead-letter-routing-key".into(),
            AMQPValue::LongString(self.name(kind, "").into()),
        );
        args.insert(
            "x-message-ttl".into(),
            AMQPValue::LongLongInt(bound as i64 * 1000),
        );
        self.link()
            .await?
            .publisher
            .queue_declare(name.as_str().into(), Self::durable(), args)
            .await?;
        Ok(name)
    }

    fn durable() -> QueueDeclareOptions {
        QueueDeclareOptions {
            durable: true,
            ..QueueDeclareOptions::default()
        }
    }

    async fn declare(&self, publisher: &Channel, kind: WorkKind) -> anyhow::Result<()> {
        let durable = Self::durable();
        publisher
            .queue_declare(self.name(kind, "").into(), durable, FieldTable::default())
            .await?;
        publisher
            .queue_declare(
                self.name(kind, ".dead").into(),
                durable,
                FieldTable::default(),
            )
            .await?;
        Ok(())
    }

    fn properties(kind: WorkKind, attempt: u32) -> BasicProperties {
        let mut headers = FieldTable::default();
        headers.insert(ATTEMPT_HEADER.into(), AMQPValue::LongUInt(attempt));
        BasicProperties::default()
            .with_delivery_mode(if kind.durable() { 2 } else { 1 })
            .with_headers(headers)
    }

    async fn send(
        &self,
        queue: String,
        payload: &[u8],
        properties: BasicProperties,
    ) -> anyhow::Result<()> {
        let confirmation = self
            .link()
            .await?
            .publisher
            .basic_publish(
                "".into(),
                ShortString::from(queue.clone()),
                BasicPublishOptions::default(),
                payload,
                properties,
            )
            .await?
            .await?;
        anyhow::ensure!(
            confirmation.is_ack(),
            "RabbitMQ did not accept the message for {queue}"
        );
        Ok(())
    }

    /// Publishes one message as delivery `attempt` and waits for the broker's confirmation.
    pub(super) async fn publish(
        &self,
        kind: WorkKind,
        payload: &[u8],
        attempt: u32,
    ) -> anyhow::Result<()> {
        self.send(
            self.name(kind, ""),
            payload,
            Self::properties(kind, attempt),
        )
        .await
    }

    /// Sends every message (kind, payload, delivery number) back to back, then awaits all
    /// their confirmations: one round trip for the lot instead of one per message. Says
    /// for each message whether the broker took it.
    pub(super) async fn publish_batch(
        &self,
        messages: &[(WorkKind, &[u8], u32)],
    ) -> Vec<Result<(), String>> {
        let publisher = match self.link().await {
            Ok(link) => link.publisher,
            Err(err) => return vec![Err(err.to_string()); messages.len()],
        };
        let mut sent = Vec::with_capacity(messages.len());
        for &(kind, payload, attempt) in messages {
            sent.push(
                publisher
                    .basic_publish(
                        "".into(),
                        ShortString::from(self.name(kind, "")),
                        BasicPublishOptions::default(),
                        payload,
                        Self::properties(kind, attempt),
                    )
                    .await,
            );
        }
        let confirmations = sent.into_iter().map(|sent| async move {
            match sent {
                Ok(confirm) => match confirm.await {
                    Ok(c) if c.is_ack() => Ok(()),
                    Ok(_) => Err("RabbitMQ did not accept a message".to_owned()),
                    Err(err) => Err(err.to_string()),
                },
                Err(err) => Err(err.to_string()),
            }
        });
        futures_util::future::join_all(confirmations).await
    }

    /// [`RabbitMq::publish_batch`] of first deliveries of one kind, counted.
    pub(super) async fn publish_many(&self, kind: WorkKind, payloads: &[Vec<u8>]) -> Published {
        let messages: Vec<_> = payloads.iter().map(|p| (kind, p.as_slice(), 1)).collect();
        let mut published = Published::default();
        for result in self.publish_batch(&messages).await {
            match result {
                Ok(()) => published.accepted += 1,
                Err(error) => {
                    published.refused += 1;
                    published.error.get_or_insert(error);
                }
            }
        }
        published
    }

    /// Takes durable work from `outbox` (see [`super::outbox::relay`]).
    pub fn with_outbox(mut self, outbox: Outbox) -> Self {
        self.outbox = Some(outbox);
        self
    }

    /// The outbox this broker takes durable work from, if one is attached.
    pub fn outbox(&self) -> Option<&Outbox> {
        self.outbox.as_ref()
    }

    pub(super) fn wake(&self) {
        if let Some(outbox) = &self.outbox {
            outbox.wake();
        }
    }

    pub(super) async fn consume(&self, kind: WorkKind, prefetch: u16) -> anyhow::Result<Consumer> {
        let (stream, channel) = self.subscribe(kind, prefetch).await?;
        Ok(Consumer {
            queue: self.clone(),
            kind,
            prefetch,
            stream,
            channel,
        })
    }

    /// A consumer on a channel of its own: its prefetch and its unacknowledged deliveries
    /// are its own.
    async fn subscribe(
        &self,
        kind: WorkKind,
        prefetch: u16,
    ) -> anyhow::Result<(lapin::Consumer, Channel)> {
        let channel = self.link().await?.connection.create_channel().await?;
        channel
            .basic_qos(prefetch.max(1), BasicQosOptions::default())
            .await?;
        let stream = channel
            .basic_consume(
                self.name(kind, "").into(),
                "".into(),
                BasicConsumeOptions::default(),
                FieldTable::default(),
            )
            .await?;
        Ok((stream, channel))
    }

    async fn count(&self, queue: String) -> anyhow::Result<u32> {
        let passive = QueueDeclareOptions {
            passive: true,
            ..QueueDeclareOptions::default()
        };
        Ok(self
            .link()
            .await?
            .publisher
            .queue_declare(queue.into(), passive, FieldTable::default())
            .await?
            .message_count())
    }

    pub(super) async fn depth(&self, kind: WorkKind) -> anyhow::Result<u32> {
        self.count(self.name(kind, "")).await
    }

    pub(super) async fn dead_letters(&self, kind: WorkKind) -> anyhow::Result<u32> {
        self.count(self.name(kind, ".dead")).await
    }

    pub(super) async fn replay_dead_letters(&self, kind: WorkKind) -> anyhow::Result<u32> {
        let channel = self.link().await?.connection.create_channel().await?;
        let mut moved = 0;
        while let Some(message) = channel
            .basic_get(self.name(kind, ".dead").into(), BasicGetOptions::default())
            .await?
        {
            // Publish (confirmed) before acknowledging: a crash in between duplicates a
            // message rather than losing it.
            self.publish(kind, &message.delivery.data, 1).await?;
            message
                .delivery
                .acker
                .ack(BasicAckOptions::default())
                .await?;
            moved += 1;
        }
        Ok(moved)
    }
}

impl RabbitMq {
    /// The queue-name prefix.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// Closes the connection; unacknowledged deliveries return to their queues.
    pub async fn close(&self) -> anyhow::Result<()> {
        self.closed.store(true, Ordering::SeqCst);
        let link = self.link.lock().await.link.take();
        if let Some(link) = link.filter(Link::alive) {
            link.connection.close(200, "closing".into()).await?;
        }
        Ok(())
    }

    /// Deletes every queue under this prefix (for tests and uninstalling).
    pub async fn delete_queues(&self) -> anyhow::Result<()> {
        let publisher = self.link().await?.publisher;
        for kind in WorkKind::ALL {
            let retries = (0..=LONGEST_RETRY_S.ilog2()).map(|e| format!(".retry.{}s", 1u64 << e));
            for suffix in ["".to_owned(), ".retry".to_owned(), ".dead".to_owned()]
                .into_iter()
                .chain(retries)
            {
                publisher
                    .queue_delete(
                        self.name(kind, &suffix).into(),
                        lapin::options::QueueDeleteOptions::default(),
                    )
                    .await?;
            }
        }
        Ok(())
    }
}

/// Deliveries of one kind from RabbitMQ; after the broker went away it subscribes again
/// by itself.
pub struct Consumer {
    queue: RabbitMq,
    kind: WorkKind,
    prefetch: u16,
    stream: lapin::Consumer,
    channel: Channel,
}

impl Consumer {
    pub(super) async fn next(&mut self) -> Option<anyhow::Result<Delivery>> {
        let delivery = loop {
            match self.stream.next().await {
                Some(Ok(d)) => break d,
                lost => {
                    if self.queue.closed.load(Ordering::SeqCst) {
                        return None;
                    }
                    if let Some(Err(err)) = lost {
                        tracing::warn!(kind = self.kind.name(), error = %err, "Lost the RabbitMQ consumer; subscribing again.");
                    } else {
                        tracing::warn!(
                            kind = self.kind.name(),
                            "The RabbitMQ consumer ended; subscribing again."
                        );
                    }
                    self.resubscribe().await;
                }
            }
        };
        let attempt = delivery
            .properties
            .headers()
            .as_ref()
            .and_then(|h| h.inner().get(ATTEMPT_HEADER).cloned())
            .and_then(|v| match v {
                AMQPValue::LongUInt(n) => Some(n),
                AMQPValue::LongLongInt(n) => u32::try_from(n).ok(),
                AMQPValue::LongInt(n) => u32::try_from(n).ok(),
                _ => None,
            })
            .unwrap_or(1);
        Some(Ok(Delivery {
            payload: delivery.data,
            attempt,
            kind: self.kind,
            handle: Handle::RabbitMq(Ack {
                queue: self.queue.clone(),
                kind: self.kind,
                acker: delivery.acker,
            }),
        }))
    }

    /// Subscribes again, pausing between tries while the broker is away (a stop of the
    /// caller drops this future).
    async fn resubscribe(&mut self) {
        if self.channel.status().connected() {
            let old = self.channel.clone();
            tokio::spawn(async move { old.close(200, "subscribing again".into()).await });
        }
        let mut pause = RECONNECT_PAUSE;
        while !self.queue.closed.load(Ordering::SeqCst) {
            match self.queue.subscribe(self.kind, self.prefetch).await {
                Ok((stream, channel)) => {
                    tracing::info!(kind = self.kind.name(), "Consuming from RabbitMQ again.");
                    self.stream = stream;
                    self.channel = channel;
                    return;
                }
                Err(err) => {
                    tracing::debug!(kind = self.kind.name(), error = %err, "Cannot subscribe yet.");
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(Duration::from_secs(10));
                }
            }
        }
    }
}

/// Settles one RabbitMQ delivery.
pub struct Ack {
    queue: RabbitMq,
    kind: WorkKind,
    acker: lapin::Acker,
}

impl Ack {
    pub(super) async fn ack(self) -> anyhow::Result<()> {
        self.acker.ack(BasicAckOptions::default()).await?;
        Ok(())
    }

    pub(super) async fn retry(
        self,
        payload: &[u8],
        attempt: u32,
        outcome: Retried,
    ) -> anyhow::Result<()> {
        // The new copy is confirmed before the original is acknowledged: never lost.
        match outcome {
            Retried::Later(delay) => {
                let properties = RabbitMq::properties(self.kind, attempt)
                    .with_expiration(delay.as_millis().max(1).to_string().into());
                let queue = self.queue.declare_retry(self.kind, delay).await?;
                self.queue.send(queue, payload, properties).await?;
            }
            Retried::DeadLettered => {
                self.queue
                    .send(
                        self.queue.name(self.kind, ".dead"),
                        payload,
                        RabbitMq::properties(self.kind, attempt),
                    )
                    .await?;
            }
        }
        self.ack().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_go_to_the_shortest_retry_queue_that_holds_them() {
        let bounds: Vec<u64> = [0.0, 0.5, 1.0, 1.2, 2.0, 3.0, 30.0, 300.0, 1e6]
            .into_iter()
            .map(|s| retry_bound(Duration::from_secs_f64(s)))
            .collect();
        assert_eq!(bounds, [1, 1, 1, 2, 2, 4, 32, 512, 65_536]);
    }
}
