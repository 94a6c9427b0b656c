//! The in-process transport: a channel per kind, shared by that kind's consumers.
//! Redelivery delays are timers; dead letters are kept in memory.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::{mpsc, Mutex as AsyncMutex, OwnedSemaphorePermit, Semaphore};

use super::{Delivery, Handle, Retried, WorkKind};

struct Message {
    payload: Vec<u8>,
    attempt: u32,
}

struct Lane {
    sender: mpsc::UnboundedSender<Message>,
    receiver: Arc<AsyncMutex<mpsc::UnboundedReceiver<Message>>>,
    dead: Mutex<Vec<Vec<u8>>>,
    /// Messages sent and not yet received.
    waiting: AtomicUsize,
}

/// Queues inside this process.
#[derive(Clone)]
pub struct InProcess {
    lanes: Arc<HashMap<WorkKind, Lane>>,
}

impl Default for InProcess {
    fn default() -> Self {
        Self::new()
    }
}

impl InProcess {
    /// Empty queues for every kind.
    pub fn new() -> Self {
        let lanes = WorkKind::ALL
            .into_iter()
            .map(|kind| {
                let (sender, receiver) = mpsc::unbounded_channel();
                (
                    kind,
                    Lane {
                        sender,
                        receiver: Arc::new(AsyncMutex::new(receiver)),
                        dead: Mutex::new(Vec::new()),
                        waiting: AtomicUsize::new(0),
                    },
                )
            })
            .collect();
        Self {
            lanes: Arc::new(lanes),
        }
    }

    fn lane(&self, kind: WorkKind) -> &Lane {
        &self.lanes[&kind]
    }

    pub(super) async fn publish(
        &self,
        kind: WorkKind,
        payload: Vec<u8>,
        attempt: u32,
    ) -> anyhow::Result<()> {
        let lane = self.lane(kind);
        lane.waiting.fetch_add(1, Ordering::Relaxed);
        lane.sender.send(Message { payload, attempt }).map_err(|_| {
            lane.waiting.fetch_sub(1, Ordering::Relaxed);
            anyhow::anyhow!("the {} queue is closed", kind.name())
        })
    }

    pub(super) fn consume(&self, kind: WorkKind, prefetch: u16) -> Consumer {
        Consumer {
            queue: self.clone(),
            kind,
            in_flight: Arc::new(Semaphore::new(usize::from(prefetch.max(1)))),
        }
    }

    pub(super) fn depth(&self, kind: WorkKind) -> u32 {
        u32::try_from(self.lane(kind).waiting.load(Ordering::Relaxed)).unwrap_or(u32::MAX)
    }

    pub(super) fn dead_letters(&self, kind: WorkKind) -> u32 {
        u32::try_from(
            self.lane(kind)
                .dead
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .len(),
        )
        .unwrap_or(u32::MAX)
    }

    pub(super) async fn replay_dead_letters(&self, kind: WorkKind) -> anyhow::Result<u32> {
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
        lane.waiting.fetch_sub(1, Ordering::Relaxed);
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
