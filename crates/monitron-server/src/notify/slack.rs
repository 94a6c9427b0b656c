//! `slack`: an incoming-webhook message in mrkdwn (Mattermost and Rocket.Chat accept the
//! same). The section text is cut to Slack's 3,000 characters; `text` is the fallback
//! shown in notifications.

use monitron_probe::Secret;
use serde::{Deserialize, Serialize};

use super::{Format, Message, Notifier, Sent, Services};
use crate::error::FieldErrors;

/// Settings of a Slack channel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The incoming-webhook URL (a secret: whoever holds it can post).
    pub webhook_url: String,
}

impl Notifier for Config {
    const FORMAT: Format = Format::Mrkdwn;

    fn validate(&mut self) -> Result<(), FieldErrors> {
        let mut errors = FieldErrors::new();
        super::check_url(&mut errors, "webhook_url", &self.webhook_url);
        crate::error::verdict(errors)
    }

    fn secrets_mut(&mut self) -> Vec<Secret<'_>> {
        vec![Secret::new("webhook_url", &mut self.webhook_url)]
    }

    async fn send(&self, message: &Message, services: &Services) -> Sent {
        let body = serde_json::json!({
            "text": super::truncate(&super::template::escape_mrkdwn(&message.title), 3000),
            "blocks": [{
                "type": "section",
                "text": { "type": "mrkdwn", "text": super::truncate(&message.body, 3000) },
            }],
        });
        super::http::send(services.http.post(&self.webhook_url).json(&body)).await
    }
}
