//! The work queue between the scheduler, the workers and the notifiers: one API, two
//! transports. In-process (the default: a single binary needs nothing else) and RabbitMQ
//! (`RABBITMQ_URL`, for several processes).
//!
//! Each kind of work has its own queue and retry policy. A delivery is acknowledged when
//! done, or handed back with [`Delivery::retry`], which redelivers it after a growing delay
//! and, once the kind's attempts are spent, parks it in that kind's dead-letter queue, where
//! it can be counted and replayed.

mod in_process;
mod rabbitmq;

use std::time::Duration;

pub use in_process::InProcess;
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
            Self::Notification | Self::Email => 10,
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

/// The queue, over either transport.
#[derive(Clone)]
pub enum Queue {
    /// Inside this process.
    InProcess(InProcess),
    /// Through RabbitMQ.
    RabbitMq(RabbitMq),
}

impl Queue {
    /// Publishes a message; returns once it is accepted (confirmed by the broker).
    pub async fn publish(&self, kind: WorkKind, payload: &[u8]) -> anyhow::Result<()> {
        match self {
            Self::InProcess(q) => q.publish(kind, payload.to_vec(), 1).await,
            Self::RabbitMq(q) => q.publish(kind, payload, 1).await,
        }
    }

    /// Starts consuming a kind, with at most `prefetch` unacknowledged deliveries.
    pub async fn consume(&self, kind: WorkKind, prefetch: u16) -> anyhow::Result<Consumer> {
        match self {
            Self::InProcess(q) => Ok(Consumer::InProcess(q.consume(kind, prefetch))),
            Self::RabbitMq(q) => Ok(Consumer::RabbitMq(Box::new(
                q.consume(kind, prefetch).await?,
            ))),
        }
    }

    /// Messages waiting (not yet delivered) for a kind.
    pub async fn depth(&self, kind: WorkKind) -> anyhow::Result<u32> {
        match self {
            Self::InProcess(q) => Ok(q.depth(kind)),
            Self::RabbitMq(q) => q.depth(kind).await,
        }
    }

    /// Messages in a kind's dead-letter queue.
    pub async fn dead_letters(&self, kind: WorkKind) -> anyhow::Result<u32> {
        match self {
            Self::InProcess(q) => Ok(q.dead_letters(kind)),
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
    /// RabbitMQ.
    RabbitMq(Box<rabbitmq::Consumer>),
}

impl Consumer {
    /// The next delivery; `None` when the queue is closed.
    pub async fn next(&mut self) -> Option<anyhow::Result<Delivery>> {
        match self {
            Self::InProcess(c) => c.next().await.map(Ok),
            Self::RabbitMq(c) => c.next().await,
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
            Handle::RabbitMq(a) => a.ack().await,
        }
    }

    /// Hands the work back: it is delivered again after a delay, or dead-lettered once the
    /// kind's attempts are spent.
    pub async fn retry(self) -> anyhow::Result<Retried> {
        let next_attempt = self.attempt + 1;
        let outcome = if next_attempt > self.kind.max_attempts() {
            Retried::DeadLettered
        } else {
            Retried::Later(self.kind.retry_delay(self.attempt))
        };
        match self.handle {
            Handle::InProcess(a) => a.retry(self.payload, next_attempt, outcome).await?,
            Handle::RabbitMq(a) => a.retry(&self.payload, next_attempt, outcome).await?,
        }
        Ok(outcome)
    }
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
