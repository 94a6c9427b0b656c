//! `ntfy`: JSON publishing to an ntfy server (ntfy.sh or self-hosted), with the ack link as
//! a view action. Messages are kept under ntfy's 4,096 bytes so they stay notifications.

use monitron_probe::Secret;
use serde::{Deserialize, Serialize};

use super::{Event, Format, Message, Notifier, Sent, Services};
use crate::error::FieldErrors;

const SERVER: &str = "https://ntfy.sh";

/// Settings of an ntfy channel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The server (default `https://ntfy.sh`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_url: Option<String>,
    /// The topic.
    pub topic: String,
    /// An access token, for protected topics.
    #[serde(default)]
    pub token: String,
    /// 1 (min) to 5 (max); by default 5 for critical alerts, 4 for warnings, 3 otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<u8>,
}

impl Notifier for Config {
    const FORMAT: Format = Format::Text;

    fn validate(&mut self) -> Result<(), FieldErrors> {
        let mut errors = FieldErrors::new();
        super::require(&mut errors, "topic", &self.topic);
        if self.topic.contains('/') {
            errors.insert("topic".into(), "must not contain /".into());
        }
        if let Some(url) = &self.server_url {
            super::check_url(&mut errors, "server_url", url);
        }
        if self.priority.is_some_and(|p| !(1..=5).contains(&p)) {
            errors.insert("priority".into(), "must be between 1 and 5".into());
        }
        crate::error::verdict(errors)
    }

    fn secrets_mut(&mut self) -> Vec<Secret<'_>> {
        vec![Secret::new("token", &mut self.token)]
    }

    fn destination(&self) -> Option<String> {
        Some(super::origin(super::base_url(&self.server_url, SERVER)))
    }

    async fn send(&self, message: &Message, services: &Services) -> Sent {
        let priority = self
            .priority
            .unwrap_or(match (message.event, message.severity()) {
                (Event::Resolved | Event::Test, _) => 3,
                (_, "critical") => 5,
                (_, "warning") => 4,
                _ => 3,
            });
        let tags = match message.event {
            Event::Resolved => vec!["white_check_mark"],
            Event::Test => vec!["bell"],
            _ => vec!["rotating_light", message.severity()],
        };
        let mut body = serde_json::json!({
            "topic": self.topic,
            "title": super::truncate(&message.title, 250),
            "message": truncate_bytes(&message.text, 4000),
            "priority": priority,
            "tags": tags,
        });
        if let Some(url) = message.monitor_url() {
            body["click"] = url.into();
        }
        if let Some(url) = message.ack_url().filter(|_| message.event.is_problem()) {
            body["actions"] = serde_json::json!([
                { "action": "view", "label": "Acknowledge", "url": url, "clear": true }
            ]);
        }
        let mut request = services
            .http
            .post(super::base_url(&self.server_url, SERVER))
            .json(&body);
        if !self.token.is_empty() {
            request = request.bearer_auth(&self.token);
        }
        super::http::send(request).await
    }
}

/// `text` cut to at most `max` bytes, on a character boundary.
fn truncate_bytes(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_owned();
    }
    let mut end = max.saturating_sub(3);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}
