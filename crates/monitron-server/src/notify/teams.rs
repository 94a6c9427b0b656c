//! `teams`: an Adaptive Card through a Microsoft Teams incoming webhook (or a Workflows
//! URL), kept under Teams' 28 KB message limit.

use monitron_probe::Secret;
use serde::{Deserialize, Serialize};

use super::{Event, Format, Message, Notifier, Sent, Services};
use crate::error::FieldErrors;

/// Settings of a Teams channel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The webhook URL (a secret: whoever holds it can post).
    pub webhook_url: String,
}

/// The Adaptive Card message Teams expects.
pub fn card(message: &Message) -> serde_json::Value {
    let color = match message.event {
        Event::Resolved => "Good",
        Event::Test => "Accent",
        _ if message.severity() == "critical" => "Attention",
        _ => "Warning",
    };
    let mut content = serde_json::json!({
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": [
            { "type": "TextBlock", "text": super::truncate(&message.title, 300), "weight": "Bolder",
              "size": "Medium", "color": color, "wrap": true },
            { "type": "TextBlock", "text": super::truncate(&message.text, 20_000), "wrap": true },
        ],
    });
    let mut actions = Vec::new();
    if let Some(url) = message.ack_url().filter(|_| message.event.is_problem()) {
        actions.push(
            serde_json::json!({ "type": "Action.OpenUrl", "title": "Acknowledge", "url": url }),
        );
    }
    if let Some(url) = message.monitor_url() {
        actions.push(
            serde_json::json!({ "type": "Action.OpenUrl", "title": "Open monitor", "url": url }),
        );
    }
    if !actions.is_empty() {
        content["actions"] = actions.into();
    }
    serde_json::json!({
        "type": "message",
        "attachments": [{
            "contentType": "application/vnd.microsoft.card.adaptive",
            "contentUrl": null,
            "content": content,
        }],
    })
}

impl Notifier for Config {
    const FORMAT: Format = Format::Text;

    fn validate(&mut self) -> Result<(), FieldErrors> {
        let mut errors = FieldErrors::new();
        super::check_url(&mut errors, "webhook_url", &self.webhook_url);
        crate::error::verdict(errors)
    }

    fn secrets_mut(&mut self) -> Vec<Secret<'_>> {
        vec![Secret::new("webhook_url", &mut self.webhook_url)]
    }

    async fn send(&self, message: &Message, services: &Services) -> Sent {
        super::http::send(services.http.post(&self.webhook_url).json(&card(message))).await
    }
}
