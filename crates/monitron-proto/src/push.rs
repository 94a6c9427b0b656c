//! Push mode: what the agent and the server say to each other over
//! `GET /api/v1/agents/ws` (one JSON text frame per message) or, where WebSocket is
//! blocked, over `POST /api/v1/agents/enroll` and `POST /api/v1/agents/push`.
//!
//! Enrollment: the agent presents `Authorization: Bearer <enrollment token>`; the server
//! answers [`ServerMessage::Welcome`] with a long-lived credential, which the agent stores
//! and presents from then on. The agent stores the credential before it sends anything
//! else; the enrollment token stops working with the agent's first message after the
//! welcome (or its first use of the credential), so an agent that dies before storing
//! its credential can still enroll again, and a leaked token is worthless once the
//! agent is in.
//!
//! Delivery: every record carries the agent's buffer sequence number, increasing by one.
//! The server acknowledges the highest sequence it has stored; the agent deletes records
//! only once acknowledged. The server stores on (instance, timestamp), so a record sent
//! twice (a replay after a crash) is stored once.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::agent_api::Action;
use crate::config::AgentConfig;
use crate::device::DeviceInfo;
use crate::snapshot::Snapshot;

/// Most records in one batch.
pub const MAX_BATCH_RECORDS: usize = 500;

/// A record from the agent's buffer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// Position in the agent's buffer.
    pub seq: u64,
    /// The payload.
    #[serde(flatten)]
    pub body: RecordBody,
}

/// What a record holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[allow(clippy::large_enum_variant)]
pub enum RecordBody {
    /// A metrics snapshot.
    Snapshot(Snapshot),
    /// A probe's or plugin's check result.
    Result(CheckResult),
}

impl RecordBody {
    /// When it was produced.
    pub fn timestamp(&self) -> DateTime<Utc> {
        match self {
            Self::Snapshot(s) => s.timestamp,
            Self::Result(r) => r.timestamp,
        }
    }
}

/// The result of one probe or plugin check run by the agent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckResult {
    /// The probe's or plugin check's name.
    pub name: String,
    /// `probe` or `plugin`.
    pub source: String,
    /// The check type (`ping`, `traceroute`, ... or `plugin`).
    #[serde(rename = "type")]
    pub check_type: String,
    /// When it finished.
    pub timestamp: DateTime<Utc>,
    /// Whether it passed.
    pub up: bool,
    /// Time taken, where measured.
    pub response_ms: Option<f64>,
    /// Short human text.
    pub message: String,
    /// Type-specific details (hops of a traceroute, ...).
    #[serde(default)]
    pub details: serde_json::Value,
}

/// Agent to server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
// Messages are built, sent and dropped one at a time.
#[allow(clippy::large_enum_variant)]
pub enum AgentMessage {
    /// Buffered records, oldest first.
    Batch {
        /// The records.
        records: Vec<Record>,
    },
    /// The outcome of an [`ServerMessage::Action`].
    ActionResult {
        /// The action's id.
        id: String,
        /// Whether the agent accepted it.
        ok: bool,
        /// Why not, or what happens next.
        message: String,
    },
    /// The configuration the agent now uses.
    ConfigApplied {
        /// Its revision.
        revision: u64,
    },
    /// The host's device information: sent after the welcome, then daily.
    Device {
        /// What the host is.
        device: DeviceInfo,
    },
}

/// Server to agent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerMessage {
    /// First message on a connection.
    Welcome(Welcome),
    /// Every record up to and including `seq` is stored.
    Ack {
        /// Highest stored sequence number.
        seq: u64,
    },
    /// A new configuration to use and keep.
    Config {
        /// The configuration.
        config: AgentConfig,
    },
    /// Something to do now.
    Action {
        /// Echoed in the result.
        id: String,
        /// What to do.
        action: Action,
    },
}

/// The server's greeting, and the answer of `POST /api/v1/agents/enroll`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Welcome {
    /// The instance this agent reports for.
    pub instance_id: String,
    /// Present when the agent enrolled with its token: the credential to keep.
    pub credential: Option<String>,
    /// The configuration the server holds for this agent.
    pub config: AgentConfig,
}

/// Most bytes of one push body (`POST /api/v1/agents/push`) or WebSocket message the
/// server accepts; agents split batches to stay under it.
pub const MAX_BATCH_BYTES: usize = 1024 * 1024;

/// Body of `POST /api/v1/agents/push`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PushRequest {
    /// Buffered records, oldest first.
    pub records: Vec<Record>,
    /// Answers to actions received in earlier replies.
    #[serde(default)]
    pub action_results: Vec<ActionResult>,
    /// Revision of the configuration the agent now uses.
    #[serde(default)]
    pub config_revision: Option<u64>,
    /// The host's device information: on the first push, then daily.
    #[serde(default)]
    pub device: Option<DeviceInfo>,
}

/// An agent's answer to an action, over HTTP.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActionResult {
    /// The action's id.
    pub id: String,
    /// Whether the agent accepted it.
    pub ok: bool,
    /// Why not, or what happens next.
    pub message: String,
}

/// Answer of `POST /api/v1/agents/push`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PushReply {
    /// Highest stored sequence number.
    pub ack: Option<u64>,
    /// A newer configuration, when the server holds one.
    pub config: Option<AgentConfig>,
    /// Actions waiting for the agent.
    #[serde(default)]
    pub actions: Vec<PendingAction>,
}

/// An action waiting for an agent that pushes over HTTP.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PendingAction {
    /// Its id.
    pub id: String,
    /// What to do.
    pub action: Action,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_are_tagged_by_kind() {
        let record = Record {
            seq: 7,
            body: RecordBody::Result(CheckResult {
                name: "gateway".into(),
                source: "probe".into(),
                check_type: "ping".into(),
                timestamp: "2026-11-21T10:00:00Z".parse().unwrap(),
                up: true,
                response_ms: Some(0.4),
                message: "OK".into(),
                details: serde_json::Value::Null,
            }),
        };
        let json = serde_json::to_value(&record).unwrap();
        assert_eq!(json["seq"], 7);
        assert_eq!(json["kind"], "result");
        assert_eq!(json["type"], "ping");
        let back: Record = serde_json::from_value(json).unwrap();
        assert_eq!(back, record);
        let message = AgentMessage::Batch {
            records: vec![record],
        };
        let json = serde_json::to_string(&message).unwrap();
        assert!(json.starts_with(r#"{"type":"batch""#), "{json}");
        assert_eq!(
            serde_json::from_str::<AgentMessage>(&json).unwrap(),
            message
        );
    }
}
