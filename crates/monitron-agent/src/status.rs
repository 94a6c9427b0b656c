//! The agent's own state for `GET /v1/health`: how long it has run and how its link to the
//! server is doing (the buffer reports its own figures).

use std::sync::Mutex;
use std::time::Instant;

use chrono::{DateTime, Utc};
use monitron_proto::agent_api::ServerLink;

/// Uptime and server link.
#[derive(Debug)]
pub struct AgentStatus {
    started: Instant,
    link: Mutex<ServerLink>,
}

impl AgentStatus {
    /// Status of an agent starting now, in push mode or not.
    pub fn new(push: bool) -> Self {
        Self {
            started: Instant::now(),
            link: Mutex::new(ServerLink {
                mode: if push { "push" } else { "pull" }.into(),
                state: if push { "connecting" } else { "none" }.into(),
                last_contact_at: None,
            }),
        }
    }

    /// Seconds since this process image started.
    pub fn uptime_s(&self) -> u64 {
        self.started.elapsed().as_secs()
    }

    /// The link to the server.
    pub fn link(&self) -> ServerLink {
        self.link.lock().expect("link lock").clone()
    }

    /// Records the link's state (`connected`, `connecting`).
    pub fn set_link_state(&self, state: &str) {
        self.link.lock().expect("link lock").state = state.into();
    }

    /// Records that the server just answered.
    pub fn contact(&self, at: DateTime<Utc>) {
        let mut link = self.link.lock().expect("link lock");
        link.last_contact_at = Some(at);
    }
}
