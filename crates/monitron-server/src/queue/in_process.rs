//! The in-process transport: a bounded channel per kind, shared by that kind's consumers.
//! Redelivery delays are timers; dead letters are kept in memory.
//!
//! With an [`Outbox`] attached (as the server runs it), durable kinds live in the outbox
//! table instead, so they survive a restart; only transient work (checks) stays in memory,
//! bounded: when the channel is full, new work is refused, never buffered without limit.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::mpsc::error::TrySendError;
use tokio::sync::{mpsc, Mutex as AsyncMutex, OwnedSemaphorePermit, Semaphore};

use super::{Consumer as AnyConsumer, Delivery, Handle, Outbox, Published, Retried, WorkKind};

/// Messages one in-memory lane holds; beyond, publishing is refused. At 1,000 checks a
/// second this is ten seconds of backlog: more would only run checks for slots long past.
pub const CAPACITY: usize = 10_000;

struct Message {
    payload: Vec<u8>,
    attempt: u32,
}

struct Lane {
    sender: mpsc::Sender<Message>,
    receiver: Arc<AsyncMutex<mpsc::Receiver<Message>>>,
    dead: Mutex<Vec<Vec<u8>>>,
}

/// Queues inside this process.
#[derive(Clone)]
pub struct InProcess {
    lanes: Arc<HashMap<WorkKind, Lane>>,
    outbox: Option<Outbox>,
}

impl Default for InProcess {
    fn default() -> Self {
        Self::new()
    }
}

impl InProcess {
    /// Empty in-memory queues for every kind.
    pub fn new() -> Self {
        let lanes = WorkKind::ALL
            .into_iter()
            .map(|kind| {
                let (sender, receiver) = mpsc::channel(CAPACITY);
                (
                    kind,
                    Lane {
                        sender,
                        receiver: Arc::new(AsyncMutex::new(receiver)),
                        dead: Mutex::new(Vec::new()),
                    },
                )
            })
            .collect();
        Self {
            lanes: Arc::new(lanes),
            outbox: None,
        }
    }

    /// Keeps durable kinds in `outbox` (the database) instead of memory.
    pub fn with_outbox(mut self, outbox: Outbox) -> Self {
        self.outbox = Some(outbox);
        self
    }

    fn outbox_for(&self, kind: WorkKind) -> Option<&Outbox> {
        self.outbox.as_ref().filter(|_| kind.durable())
    }

    fn lane(&self, kind: WorkKind) -> &Lane {
        &self.lanes[&kind]
    }

    pub(super) fn wake(&self) {
        if let Some(outbox) = &self.outbox {
            outbox.wake();
        }
    }

    fn send(&self, kind: WorkKind, message: Message) -> Result<(), TrySendError<Message>> {
        self.lane(kind).sender.try_send(message)
    }

    pub(super) async fn publish(
        &self,
        kind: WorkKind,
        payload: Vec<u8>,
        attempt: u32,
    ) -> anyhow::Result<()> {
        if let Some(outbox) = self.outbox_for(kind) {
            return Ok(outbox.publish(kind, &payload).await?);
        }
        self.send(kind, Message { payload, attempt })
            .map_err(|err| match err {
                TrySendError::Full(_) => anyhow::anyhow!("the {} queue is full", kind.name()),
                TrySendError::Closed(_) => anyhow::anyhow!("the {} queue is closed", kind.name()),
            })
    }

    /// A full lane refuses quietly (the caller counts skipped slots); anything else is
    /// also an error.
    pub(super) async fn publish_many(&self, kind: WorkKind, payloads: Vec<Vec<u8>>) -> Published {
        let mut published = Published::default();
        for payload in payloads {
            let sent = match self.outbox_for(kind) {
                Some(outbox) => outbox
                    .publish(kind, &payload)
                    .await
                    .map_err(|err| Some(err.to_string())),
                None => self
                    .send(
                        kind,
                        Message {
                            payload,
                            attempt: 1,
                        },
                    )
                    .map_err(|err| match err {
                        TrySendError::Full(_) => None,
                        TrySendError::Closed(_) => {
                            Some(format!("the {} queue is closed", kind.name()))
                        }
                    }),
            };
            match sent {
                Ok(()) => published.accepted += 1,
                Err(error) => {
                    published.refused += 1;
                    if let Some(error) = error {
                        published.error.get_or_insert(error);
                    }
                }
            }
        }
        published
    }

    pub(super) fn consume(&self, kind: WorkKind, prefetch: u16) -> AnyConsumer {
        if let Some(outbox) = self.outbox_for(kind) {
            return AnyConsumer::Outbox(outbox.consume(kind, prefetch));
        }
        AnyConsumer::InProcess(Consumer {
            queue: self.clone(),
            kind,
            in_flight: Arc::new(Semaphore::new(usize::from(prefetch.max(1)))),
        })
    }

    pub(super) async fn depth(&self, kind: WorkKind) -> anyhow::Result<u32> {
        if let Some(outbox) = self.outbox_for(kind) {
            return Ok(outbox.depth(kind).await?);
        }
        // Sent and not yet received: the lane's used capacity.
        let sender = &self.lane(kind).sender;
        Ok(u32::try_from(sender.max_capacity() - sender.capacity()).unwrap_or(u32::MAX))
    }

    pub(super) async fn dead_letters(&self, kind: WorkKind) -> anyhow::Result<u32> {
        if let Some(outbox) = self.outbox_for(kind) {
            return Ok(outbox.dead_letters(kind).await?);
        }
        Ok(u32::try_from(
            self.lane(kind)
                .dead
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .len(),
        )
        .unwrap_or(u32::MAX))
    }

    pub(super) async fn replay_dead_letters(&self, kind: WorkKind) -> anyhow::Result<u32> {
        if let Some(outbox) = self.outbox_for(kind) {
            return Ok(outbox.replay_dead_letters(kind).await?);
        }
        let dead = std::mem::take(
            &mut *self
                .lane(kind)
                .dead
                .lock()
                .unwrap_or_else(|e| e.into_inner()),
        );
        let count = u32::try_from(dead.len()).unwrap_or(u32::MAX);
        for payload in dead {
            self.publish(kind, payload, 1).await?;
        }
        Ok(count)
    }
}

/// Deliveries of one kind, at most `prefetch` unacknowledged at a time.
pub struct Consumer {
    queue: InProcess,
    kind: WorkKind,
    in_flight: Arc<Semaphore>,
}

impl Consumer {
    pub(super) async fn next(&mut self) -> Option<Delivery> {
        let permit = self.in_flight.clone().acquire_owned().await.ok()?;
        let lane = self.queue.lane(self.kind);
        let message = lane.receiver.lock().await.recv().await?;
        Some(Delivery {
            payload: message.payload,
            attempt: message.attempt,
            kind: self.kind,
            handle: Handle::InProcess(Ack {
                queue: self.queue.clone(),
                kind: self.kind,
                _permit: permit,
            }),
        })
    }
}

/// Settles one in-process delivery; dropping it frees the prefetch slot.
pub struct Ack {
    queue: InProcess,
    kind: WorkKind,
    _permit: OwnedSemaphorePermit,
}

impl Ack {
    pub(super) fn done(self) {}

    pub(super) async fn retry(
        self,
        payload: Vec<u8>,
        attempt: u32,
        outcome: Retried,
    ) -> anyhow::Result<()> {
        match outcome {
            Retried::DeadLettered => self
                .queue
                .lane(self.kind)
                .dead
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(payload),
            Retried::Later(delay) => {
                let (queue, kind) = (self.queue.clone(), self.kind);
                tokio::spawn(async move {
                    tokio::time::sleep(delay).await;
                    let _ = queue.publish(kind, payload, attempt).await;
                });
            }
        }
        Ok(())
    }
}
