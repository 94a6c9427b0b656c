//! `google_chat`: a text message through a Google Chat space's incoming webhook (its text
//! formatting is Slack's: `*bold*`, `<url|label>`), cut to 4,000 characters.

use monitron_probe::Secret;
use serde::{Deserialize, Serialize};

use super::{Format, Message, Notifier, Sent, Services};
use crate::error::FieldErrors;

/// Settings of a Google Chat channel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The webhook URL with its `key` and `token` (a secret).
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
        let body = serde_json::json!({ "text": super::truncate(&message.body, 4000) });
        let request = services
            .http
            .post(&self.webhook_url)
            .header("content-type", "application/json; charset=UTF-8")
            .json(&body);
        super::http::send(request).await
    }
}
