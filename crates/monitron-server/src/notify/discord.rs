//! `discord`: an embed through a Discord webhook (`?wait=true`, so errors come back).
//! Embeds are cut to Discord's limits (title 256, description 4096 characters).

use monitron_probe::Secret;
use serde::{Deserialize, Serialize};

use super::{Event, Format, Message, Notifier, Sent, Services};
use crate::error::FieldErrors;

/// Settings of a Discord channel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The webhook URL (a secret: whoever holds it can post).
    pub webhook_url: String,
}

/// The embed's side colour for an event and severity.
pub fn color(event: Event, severity: &str) -> u32 {
    match (event, severity) {
        (Event::Resolved, _) => 0x30A46C,
        (Event::Test, _) => 0x3E63DD,
        (_, "critical") => 0xE5484D,
        (_, "warning") => 0xF76B15,
        _ => 0x3E63DD,
    }
}

impl Notifier for Config {
    const FORMAT: Format = Format::Markdown;

    fn validate(&mut self) -> Result<(), FieldErrors> {
        let mut errors = FieldErrors::new();
        super::check_url(&mut errors, "webhook_url", &self.webhook_url);
        crate::error::verdict(errors)
    }

    fn secrets_mut(&mut self) -> Vec<Secret<'_>> {
        vec![Secret::new("webhook_url", &mut self.webhook_url)]
    }

    async fn send(&self, message: &Message, services: &Services) -> Sent {
        let mut embed = serde_json::json!({
            "title": super::truncate(&message.title, 256),
            "description": super::truncate(&message.body, 4096),
            "color": color(message.event, message.severity()),
            "timestamp": message.timestamp(),
            "footer": { "text": "Monitron" },
        });
        if let Some(url) = message.monitor_url() {
            embed["url"] = url.into();
        }
        let body = serde_json::json!({ "username": "Monitron", "embeds": [embed] });
        let request = services
            .http
            .post(&self.webhook_url)
            .query(&[("wait", "true")])
            .json(&body);
        super::http::send(request).await
    }
}
