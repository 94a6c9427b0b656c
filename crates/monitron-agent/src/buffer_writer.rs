//! The one task that appends to the offline [`Buffer`].
//!
//! The agent runs on a single-threaded runtime, so file I/O on it stalls everything else
//! (the API, collection, the push session). Snapshots and check results are therefore
//! handed to a queue ([`BufferWriter::append`], which never blocks) and one task writes
//! them on the blocking pool, a batch at a time: records keep the order they were queued
//! in, and appends never take more than one blocking thread.
//!
//! The queue is bounded: if the disk stalls for long enough to fill it, further records
//! are dropped and counted as dropped in the buffer's health, as the buffer's own bounds
//! would. At shutdown the task writes what is queued and syncs before it returns.

use std::sync::Arc;

use monitron_proto::push::RecordBody;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::buffer::Buffer;

/// Records queued and not yet written, at most.
const QUEUE: usize = 4096;

/// Most records written in one trip to the blocking pool.
const BATCH: usize = 256;

/// Queues records for the buffer; cheap to clone.
#[derive(Debug, Clone)]
pub struct BufferWriter {
    queue: mpsc::Sender<RecordBody>,
    buffer: Arc<Buffer>,
}

/// The receiving end, run by [`Appends::run`].
#[derive(Debug)]
pub struct Appends {
    queue: mpsc::Receiver<RecordBody>,
    buffer: Arc<Buffer>,
}

/// A writer for `buffer` and the task that must run for its records to be written.
pub fn channel(buffer: Arc<Buffer>) -> (BufferWriter, Appends) {
    let (tx, rx) = mpsc::channel(QUEUE);
    (
        BufferWriter {
            queue: tx,
            buffer: buffer.clone(),
        },
        Appends { queue: rx, buffer },
    )
}

impl BufferWriter {
    /// Queues `body` for the buffer without waiting.
    pub fn append(&self, body: RecordBody) {
        match self.queue.try_send(body) {
            Ok(()) => {}
            Err(mpsc::error::TrySendError::Full(_)) => {
                self.buffer.count_dropped(1);
                tracing::warn!("The buffer cannot keep up with new records; one was dropped.");
            }
            Err(mpsc::error::TrySendError::Closed(_)) => {
                tracing::debug!("Record not buffered: the agent is stopping.");
            }
        }
    }
}

impl Appends {
    /// Writes queued records until `stop`, then the rest, then syncs.
    pub async fn run(mut self, stop: CancellationToken) {
        loop {
            let first = tokio::select! {
                biased;
                _ = stop.cancelled() => None,
                first = self.queue.recv() => first,
            };
            let Some(first) = first else { break };
            let mut batch = vec![first];
            while batch.len() < BATCH {
                match self.queue.try_recv() {
                    Ok(body) => batch.push(body),
                    Err(_) => break,
                }
            }
            write(&self.buffer, batch, false).await;
        }
        self.queue.close();
        let mut rest = Vec::new();
        while let Ok(body) = self.queue.try_recv() {
            rest.push(body);
        }
        write(&self.buffer, rest, true).await;
    }
}

/// Appends `batch` on the blocking pool, then syncs when `sync` (at shutdown).
async fn write(buffer: &Arc<Buffer>, batch: Vec<RecordBody>, sync: bool) {
    let buffer = buffer.clone();
    let done = tokio::task::spawn_blocking(move || {
        for body in &batch {
            if let Err(err) = buffer.append(body) {
                tracing::warn!(error = %err, kind = kind(body), "Cannot buffer a record.");
            }
        }
        if sync {
            buffer.sync()?;
        }
        Ok::<_, std::io::Error>(())
    })
    .await;
    match done {
        Ok(Ok(())) => {}
        Ok(Err(err)) => tracing::warn!(error = %err, "Cannot sync the buffer."),
        Err(err) => tracing::error!(error = %err, "Writing to the buffer failed."),
    }
}

fn kind(body: &RecordBody) -> &'static str {
    match body {
        RecordBody::Snapshot(_) => "snapshot",
        RecordBody::Result(_) => "result",
    }
}

#[cfg(test)]
mod tests {
    use chrono::Utc;
    use monitron_proto::config::BufferLimits;
    use monitron_proto::push::CheckResult;

    use super::*;

    fn result(name: &str) -> RecordBody {
        RecordBody::Result(CheckResult {
            name: name.into(),
            source: "probe".into(),
            check_type: "tcp".into(),
            timestamp: Utc::now(),
            up: true,
            response_ms: None,
            message: "ok".into(),
            details: serde_json::Value::Null,
        })
    }

    fn names(buffer: &Buffer) -> Vec<String> {
        buffer
            .unacked(100)
            .unwrap()
            .into_iter()
            .map(|r| match r.body {
                RecordBody::Result(c) => c.name,
                RecordBody::Snapshot(_) => "snapshot".into(),
            })
            .collect()
    }

    #[tokio::test]
    async fn records_are_written_in_order_off_the_runtime_thread() {
        let dir = tempfile::tempdir().unwrap();
        let buffer = Arc::new(Buffer::open(dir.path().into(), BufferLimits::default()).unwrap());
        let (writer, appends) = channel(buffer.clone());
        let stop = CancellationToken::new();
        let task = tokio::spawn(appends.run(stop.clone()));
        // Appending returns at once; the write happens on the blocking pool.
        for name in ["a", "b", "c"] {
            writer.append(result(name));
        }
        while buffer.health().depth < 3 {
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        assert_eq!(names(&buffer), ["a", "b", "c"]);
        // What is queued when the stop comes is still written.
        writer.append(result("d"));
        stop.cancel();
        task.await.unwrap();
        assert_eq!(names(&buffer), ["a", "b", "c", "d"]);
        writer.append(result("late"));
        assert_eq!(buffer.health().depth, 4);
    }

    #[tokio::test]
    async fn a_full_queue_drops_and_counts() {
        let dir = tempfile::tempdir().unwrap();
        let buffer = Arc::new(Buffer::open(dir.path().into(), BufferLimits::default()).unwrap());
        // No task runs, so nothing leaves the queue.
        let (writer, _appends) = channel(buffer.clone());
        for i in 0..QUEUE + 3 {
            writer.append(result(&i.to_string()));
        }
        assert_eq!(buffer.health().dropped, 3);
    }
}
