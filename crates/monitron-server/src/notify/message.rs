//! One message, rendered for one channel: what channel modules send.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

/// Why a message is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Event {
    /// An alert fired (or an escalation step reached more people).
    Firing,
    /// A firing, unacknowledged alert, again.
    Reminder,
    /// An alert resolved.
    Resolved,
    /// Someone acknowledged a firing alert. Only channels that keep an alert's state
    /// (PagerDuty, Opsgenie) are told.
    Acknowledged,
    /// Several alerts that fired within a channel's `group_wait_s`.
    Digest,
    /// A test message asked for by a person.
    Test,
    /// A visitor reported a problem on a status page.
    Report,
}

impl Event {
    /// Every event.
    pub const ALL: [Event; 7] = [
        Self::Firing,
        Self::Reminder,
        Self::Resolved,
        Self::Acknowledged,
        Self::Digest,
        Self::Test,
        Self::Report,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Firing => "firing",
            Self::Reminder => "reminder",
            Self::Resolved => "resolved",
            Self::Acknowledged => "acknowledged",
            Self::Digest => "digest",
            Self::Test => "test",
            Self::Report => "report",
        }
    }

    /// The event a stored name names.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|e| e.as_str() == name)
    }

    /// The webhook body's `type`.
    pub fn webhook_type(self) -> &'static str {
        match self {
            Self::Firing => "alert.firing",
            Self::Reminder => "alert.reminder",
            Self::Resolved => "alert.resolved",
            Self::Acknowledged => "alert.acknowledged",
            Self::Digest => "alert.digest",
            Self::Test => "test",
            Self::Report => "status.report",
        }
    }

    /// Whether the message says something is wrong (as opposed to fixed, or a test).
    pub fn is_problem(self) -> bool {
        matches!(
            self,
            Self::Firing | Self::Reminder | Self::Digest | Self::Report
        )
    }
}

/// A message ready to send.
#[derive(Debug, Clone)]
pub struct Message {
    /// The notification's id: stable across retries, so receivers can drop repeats
    /// (`webhook-id`, Matrix transaction id).
    pub id: Uuid,
    /// Why it is sent.
    pub event: Event,
    /// The data every template sees, which is also the webhook body: `type`, `alert`,
    /// `rule`, `monitor`, `ack_url`, and `alerts` for digests.
    pub data: Value,
    /// One line, plain text.
    pub title: String,
    /// The body in the channel's [`super::Format`].
    pub body: String,
    /// The body as plain text (e-mail's text part, providers without formatting).
    pub text: String,
}

impl Message {
    /// The alert's id, shared by every message about it (PagerDuty `dedup_key`, Opsgenie
    /// alias); a message about no alert (a test) uses its own id.
    pub fn alert_key(&self) -> String {
        self.data["alert"]["id"]
            .as_str()
            .map_or_else(|| self.id.to_string(), str::to_owned)
    }

    /// `critical`, `warning` or `info`.
    pub fn severity(&self) -> &str {
        self.data["alert"]["severity"].as_str().unwrap_or("info")
    }

    /// The one-click acknowledgement link, when the message has one.
    pub fn ack_url(&self) -> Option<&str> {
        self.data["ack_url"].as_str().filter(|u| !u.is_empty())
    }

    /// Where the monitor's page is, when known.
    pub fn monitor_url(&self) -> Option<&str> {
        self.data["monitor"]["url"]
            .as_str()
            .filter(|u| !u.is_empty())
    }

    /// When the alert started (RFC 3339), or now.
    pub fn timestamp(&self) -> String {
        self.data["alert"]["fired_at"]
            .as_str()
            .or_else(|| self.data["alert"]["started_at"].as_str())
            .map_or_else(|| chrono::Utc::now().to_rfc3339(), str::to_owned)
    }
}
