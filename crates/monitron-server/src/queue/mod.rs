//! The work queue between the scheduler, the workers and the notifiers: one API, two
//! transports. In-process (the default: a single binary needs nothing else) and RabbitMQ
//! (`RABBITMQ_URL`, for several processes).
//!
//! Each kind of work has its own queue and retry policy. A delivery is acknowledged when
//! done, or handed back with [`Delivery::retry`], which redelivers it after a growing delay
//! and, once the kind's attempts are spent, parks it in that kind's dead-letter queue, where
//! it can be counted and replayed.
//!
//! Work that must not be lost (e-mail, notifications, reports) enters through the
//! [`outbox`], in the transaction of the change that asked for it; [`serve`] is the loop
//! that hands one kind's deliveries to its handler.

pub mod in_process;
pub mod outbox;
mod rabbitmq;

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Duration;

use futures_util::FutureExt;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

/// How long [`serve`] lets a handler run before handing its work back for a retry; inside
/// the outbox's claim, so no other process takes the work while it still runs here.
pub const HANDLER_TIMEOUT: Duration = Duration::from_secs(45);
const _: () = assert!(HANDLER_TIMEOUT.as_secs() < outbox::CLAIM_LEASE.as_secs());

pub use in_process::InProcess;
pub use outbox::Outbox;
pub use rabbitmq::RabbitMq;

/// A kind of work, with its own queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WorkKind {
    /// Run a check (transient: a missed check is simply run at the next slot).
    Check,
    /// Deliver a notification.
    Notification,
    /// Send an e-mail.
    Email,
    /// Produce a scheduled report.
    Report,
}

impl WorkKind {
    /// Every kind.
    pub const ALL: [WorkKind; 4] = [Self::Check, Self::Notification, Self::Email, Self::Report];

    /// The kind a [`WorkKind::name`] names.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.name() == name)
    }

    /// Queue name suffix.
    pub fn name(self) -> &'static str {
        match self {
            Self::Check => "checks",
            Self::Notification => "notifications",
            Self::Email => "emails",
            Self::Report => "reports",
        }
    }

    /// Whether messages must survive a broker restart.
    pub fn durable(self) -> bool {
        !matches!(self, Self::Check)
    }

    /// Most deliveries of one message, first included.
    pub fn max_attempts(self) -> u32 {
        match self {
            Self::Check => 1,
            // Each channel sets its own limit below this (default 8); e-mail: at most 10.
            Self::Notification => 20,
            Self::Email => 10,
            Self::Report => 5,
        }
    }

    /// Delay before the redelivery that follows delivery number `attempt` (1-based):
    /// 1 s, 2 s, 4 s, ... capped at 5 minutes.
    pub fn retry_delay(self, attempt: u32) -> Duration {
        let exponent = attempt.saturating_sub(1).min(16);
        Duration::from_secs(1u64 << exponent).min(Duration::from_secs(300))
    }
}

/// What [`Delivery::retry`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retried {
    /// It will be delivered again after this delay.
    Later(Duration),
    /// Attempts are spent: it is in the dead-letter queue.
    DeadLettered,
}

/// What [`Queue::publish_many`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Published {
    /// Messages the queue took.
    pub accepted: usize,
    /// Messages it refused (full, or unreachable).
    pub refused: usize,
    /// Why, when something was refused for another reason than a full queue.
    pub error: Option<String>,
}

/// The queue, over either transport.
#[derive(Clone)]
pub enum Queue {
    /// Inside this process.
    InProcess(InProcess),
    /// Through RabbitMQ.
    RabbitMq(RabbitMq),
}

impl Queue {
    /// Publishes a message; returns once it is accepted (confirmed by the broker). Durable
    /// work that belongs to a change goes through [`outbox::enqueue`] instead.
    pub async fn publish(&self, kind: WorkKind, payload: &[u8]) -> anyhow::Result<()> {
        match self {
            Self::InProcess(q) => q.publish(kind, payload.to_vec(), 1).await,
            Self::RabbitMq(q) => q.publish(kind, payload, 1).await,
        }
    }

    /// Publishes many messages of one kind at once: on RabbitMQ they are sent back to back
    /// and their confirmations awaited together; in-process, a full queue refuses the rest.
    pub async fn publish_many(&self, kind: WorkKind, payloads: Vec<Vec<u8>>) -> Published {
        match self {
            Self::InProcess(q) => q.publish_many(kind, payloads).await,
            Self::RabbitMq(q) => q.publish_many(kind, &payloads).await,
        }
    }

    /// Starts consuming a kind, with at most `prefetch` unacknowledged deliveries.
    pub async fn consume(&self, kind: WorkKind, prefetch: u16) -> anyhow::Result<Consumer> {
        match self {
            Self::InProcess(q) => Ok(q.consume(kind, prefetch)),
            Self::RabbitMq(q) => Ok(Consumer::RabbitMq(Box::new(
                q.consume(kind, prefetch).await?,
            ))),
        }
    }

    /// [`Queue::consume`], tried again every 2 s while the broker is unreachable; `None`
    /// once `stop` is cancelled first.
    pub async fn consume_until(
        &self,
        kind: WorkKind,
        prefetch: u16,
        stop: &CancellationToken,
    ) -> Option<Consumer> {
        loop {
            match self.consume(kind, prefetch).await {
                Ok(consumer) => return Some(consumer),
                Err(err) => {
                    tracing::warn!(kind = kind.name(), error = %err, "Cannot consume work; retrying in 2 s.");
                    tokio::select! {
                        () = stop.cancelled() => return None,
                        () = tokio::time::sleep(Duration::from_secs(2)) => {}
                    }
                }
            }
        }
    }

    /// Tells this process that durable work was committed to the outbox, so it is
    /// delivered (or relayed) at once rather than at the next poll.
    pub fn wake(&self) {
        match self {
            Self::InProcess(q) => q.wake(),
            Self::RabbitMq(q) => q.wake(),
        }
    }

    /// Messages waiting (not yet delivered) for a kind.
    pub async fn depth(&self, kind: WorkKind) -> anyhow::Result<u32> {
        match self {
            Self::InProcess(q) => q.depth(kind).await,
            Self::RabbitMq(q) => q.depth(kind).await,
        }
    }

    /// Messages in a kind's dead-letter queue.
    pub async fn dead_letters(&self, kind: WorkKind) -> anyhow::Result<u32> {
        match self {
            Self::InProcess(q) => q.dead_letters(kind).await,
            Self::RabbitMq(q) => q.dead_letters(kind).await,
        }
    }

    /// Moves every dead letter of a kind back to its queue, with fresh attempts; returns
    /// how many.
    pub async fn replay_dead_letters(&self, kind: WorkKind) -> anyhow::Result<u32> {
        match self {
            Self::InProcess(q) => q.replay_dead_letters(kind).await,
            Self::RabbitMq(q) => q.replay_dead_letters(kind).await,
        }
    }
}

/// A stream of deliveries of one kind.
pub enum Consumer {
    /// In-process.
    InProcess(in_process::Consumer),
    /// Durable work from the outbox (in-process transport).
    Outbox(outbox::Consumer),
    /// RabbitMQ.
    RabbitMq(Box<rabbitmq::Consumer>),
}

impl Consumer {
    /// The next delivery; `None` when the queue is closed.
    pub async fn next(&mut self) -> Option<anyhow::Result<Delivery>> {
        match self {
            Self::InProcess(c) => c.next().await.map(Ok),
            Self::Outbox(c) => c.next().await,
            Self::RabbitMq(c) => c.next().await,
        }
    }

    /// Stops consuming. Outbox rows claimed ahead are given back; RabbitMQ returns
    /// unacknowledged messages by itself when the channel closes.
    pub async fn close(self) {
        if let Self::Outbox(c) = self {
            c.close().await;
        }
    }
}

/// One message handed to a consumer.
pub struct Delivery {
    /// The message.
    pub payload: Vec<u8>,
    /// Which delivery this is (1 for the first).
    pub attempt: u32,
    kind: WorkKind,
    handle: Handle,
}

enum Handle {
    InProcess(in_process::Ack),
    Outbox(outbox::Ack),
    RabbitMq(rabbitmq::Ack),
}

impl Delivery {
    /// Marks the work done.
    pub async fn ack(self) -> anyhow::Result<()> {
        match self.handle {
            Handle::InProcess(a) => {
                a.done();
                Ok(())
            }
            Handle::Outbox(a) => a.ack().await,
            Handle::RabbitMq(a) => a.ack().await,
        }
    }

    /// Hands the work back, failed because of `error`: it is delivered again after a
    /// delay, or dead-lettered once the kind's attempts are spent.
    pub async fn retry(self, error: &str) -> anyhow::Result<Retried> {
        let outcome = if self.attempt + 1 > self.kind.max_attempts() {
            Retried::DeadLettered
        } else {
            Retried::Later(self.kind.retry_delay(self.attempt))
        };
        self.settle(outcome, error).await
    }

    /// [`Delivery::retry`] after `delay` instead of the kind's backoff.
    pub async fn retry_after(self, delay: Duration, error: &str) -> anyhow::Result<Retried> {
        let outcome = if self.attempt + 1 > self.kind.max_attempts() {
            Retried::DeadLettered
        } else {
            Retried::Later(delay)
        };
        self.settle(outcome, error).await
    }

    /// Gives up on the work at once because of `error`: it goes to the dead-letter queue
    /// (work that can never succeed, such as a message the provider refuses for good).
    pub async fn dead_letter(self, error: &str) -> anyhow::Result<Retried> {
        self.settle(Retried::DeadLettered, error).await
    }

    /// The outbox keeps `error` with the row; the other transports log it only.
    async fn settle(self, outcome: Retried, error: &str) -> anyhow::Result<Retried> {
        let next_attempt = self.attempt + 1;
        match self.handle {
            Handle::InProcess(a) => a.retry(self.payload, next_attempt, outcome).await?,
            Handle::Outbox(a) => a.retry(next_attempt, outcome, error).await?,
            Handle::RabbitMq(a) => a.retry(&self.payload, next_attempt, outcome).await?,
        }
        Ok(outcome)
    }
}

/// What a handler made of one delivery.
#[derive(Debug)]
pub enum Handled {
    /// Done: acknowledge it.
    Done,
    /// Failed for now (the provider is down, a timeout): try again after the kind's delay.
    Retry(String),
    /// Failed, and the other side said how long to wait (a rate limit): try again after
    /// that (while attempts remain).
    RetryAfter(Duration, String),
    /// Can never succeed: dead-letter it at once.
    Dead(String),
}

/// Hands every delivery of `kind` to `handle`, at most `concurrency` at once, until `stop`:
/// done work is acknowledged, failed work retried with the kind's backoff and, once its
/// attempts are spent, dead-lettered. Running deliveries are finished before returning.
pub async fn serve<H, F>(
    queue: Queue,
    kind: WorkKind,
    concurrency: usize,
    stop: CancellationToken,
    handle: H,
) where
    H: Fn(Vec<u8>, u32) -> F + Send + Sync + 'static,
    F: Future<Output = Handled> + Send + 'static,
{
    let prefetch = u16::try_from(concurrency.max(1)).unwrap_or(u16::MAX);
    let Some(mut consumer) = queue.consume_until(kind, prefetch, &stop).await else {
        return;
    };
    let handle = Arc::new(handle);
    let slots = Arc::new(Semaphore::new(concurrency.max(1)));
    loop {
        let delivery = tokio::select! {
            () = stop.cancelled() => break,
            d = consumer.next() => d,
        };
        let delivery = match delivery {
            Some(Ok(d)) => d,
            Some(Err(err)) => {
                tracing::warn!(kind = kind.name(), error = %err, "Receiving work failed.");
                continue;
            }
            None => break,
        };
        let Ok(slot) = slots.clone().acquire_owned().await else {
            break;
        };
        let handle = handle.clone();
        tokio::spawn(async move {
            let _slot = slot;
            let attempt = delivery.attempt;
            let run = AssertUnwindSafe(handle(delivery.payload.clone(), attempt)).catch_unwind();
            let handled = match tokio::time::timeout(HANDLER_TIMEOUT, run).await {
                Ok(Ok(handled)) => handled,
                Ok(Err(_)) => Handled::Retry("the handler panicked".into()),
                Err(_) => Handled::Retry(format!(
                    "the handler took longer than {} s",
                    HANDLER_TIMEOUT.as_secs()
                )),
            };
            let handled_delay = match &handled {
                Handled::RetryAfter(delay, _) => Some(*delay),
                _ => None,
            };
            match handled {
                Handled::Done => {
                    if let Err(err) = delivery.ack().await {
                        tracing::warn!(kind = kind.name(), error = %err, "Acknowledging done work failed; it may run again.");
                    }
                }
                Handled::Retry(reason) | Handled::RetryAfter(_, reason) => {
                    match match handled_delay {
                        Some(delay) => delivery.retry_after(delay, &reason).await,
                        None => delivery.retry(&reason).await,
                    } {
                        Ok(Retried::Later(delay)) => {
                            tracing::warn!(kind = kind.name(), attempt, retry_in_s = delay.as_secs_f64(), reason = %reason, "Work failed; it will be retried.");
                        }
                        Ok(Retried::DeadLettered) => {
                            tracing::error!(kind = kind.name(), attempt, reason = %reason, "Work failed for the last time; it is in the dead-letter queue.");
                        }
                        Err(err) => {
                            tracing::warn!(kind = kind.name(), error = %err, "Handing failed work back failed; it is delivered again later.");
                        }
                    }
                }
                Handled::Dead(reason) => {
                    tracing::error!(kind = kind.name(), attempt, reason = %reason, "Work cannot succeed; it is in the dead-letter queue.");
                    if let Err(err) = delivery.dead_letter(&reason).await {
                        tracing::warn!(kind = kind.name(), error = %err, "Dead-lettering work failed; it is delivered again later.");
                    }
                }
            }
        });
    }
    consumer.close().await;
    let _ = slots
        .acquire_many(u32::try_from(concurrency.max(1)).unwrap_or(u32::MAX))
        .await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_delays_grow_and_are_capped() {
        let delays: Vec<u64> = (1..=12)
            .map(|a| WorkKind::Email.retry_delay(a).as_secs())
            .collect();
        assert_eq!(delays, [1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300, 300]);
        assert_eq!(
            WorkKind::Email.max_attempts(),
            10,
            "e-mail: at most 10 tries, at least 1 s apart"
        );
        assert!(!WorkKind::Check.durable() && WorkKind::Notification.durable());
    }
}
