//! Where probe and plugin results go: the latest result per check stays in memory (served
//! on `GET /v1/checks` for pull mode and for people looking), and in push mode every result
//! is queued for the offline buffer (written off the runtime thread by
//! [`crate::buffer_writer`]) for the server.

use std::collections::BTreeMap;
use std::sync::Mutex;

use monitron_proto::push::{CheckResult, RecordBody};

use crate::buffer_writer::BufferWriter;

/// The latest results, and the buffer in push mode.
#[derive(Debug, Default)]
pub struct CheckResults {
    latest: Mutex<BTreeMap<String, CheckResult>>,
    buffer: Option<BufferWriter>,
}

impl CheckResults {
    /// Results kept in memory and, when `buffer` is given, sent to the server.
    pub fn new(buffer: Option<BufferWriter>) -> Self {
        Self {
            latest: Mutex::new(BTreeMap::new()),
            buffer,
        }
    }

    /// Records one result.
    pub fn record(&self, result: CheckResult) {
        tracing::debug!(
            name = %result.name,
            source = %result.source,
            up = result.up,
            message = %result.message,
            "Check finished."
        );
        if let Some(buffer) = &self.buffer {
            buffer.append(RecordBody::Result(result.clone()));
        }
        self.latest
            .lock()
            .expect("results lock")
            .insert(format!("{}:{}", result.source, result.name), result);
    }

    /// The latest result of every check, by source and name.
    pub fn latest(&self) -> Vec<CheckResult> {
        self.latest
            .lock()
            .expect("results lock")
            .values()
            .cloned()
            .collect()
    }

    /// Forgets results of `source` whose name `keep` rejects (removed probes or plugins).
    pub fn retain(&self, source: &str, keep: impl Fn(&str) -> bool) {
        self.latest
            .lock()
            .expect("results lock")
            .retain(|_, r| r.source != source || keep(&r.name));
    }
}
