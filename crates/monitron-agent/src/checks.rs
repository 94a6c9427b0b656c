//! Where probe and plugin results go: the latest result per check stays in memory (served
//! on `GET /v1/checks` for pull mode and for people looking), and in push mode every result
//! is appended to the offline buffer for the server.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use monitron_proto::push::{CheckResult, RecordBody};

use crate::buffer::Buffer;

/// The latest results, and the buffer in push mode.
#[derive(Debug, Default)]
pub struct CheckResults {
    latest: Mutex<BTreeMap<String, CheckResult>>,
    buffer: Option<Arc<Buffer>>,
}

impl CheckResults {
    /// Results kept in memory and, when `buffer` is given, sent to the server.
    pub fn new(buffer: Option<Arc<Buffer>>) -> Self {
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
            if let Err(err) = buffer.append(&RecordBody::Result(result.clone())) {
                tracing::warn!(name = %result.name, error = %err, "Cannot buffer a check result.");
            }
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
