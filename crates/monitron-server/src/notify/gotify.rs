//! `gotify`: a Markdown message to a self-hosted Gotify server, authenticated by an
//! application token in `X-Gotify-Key`.

use monitron_probe::Secret;
use serde::{Deserialize, Serialize};

use super::{Event, Format, Message, Notifier, Sent, Services};
use crate::error::FieldErrors;

/// Settings of a Gotify channel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The Gotify server.
    pub server_url: String,
    /// An application token.
    pub app_token: String,
    /// 0-10; by default 8 for critical alerts, 5 otherwise, 2 for resolves and tests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<u8>,
}

impl Notifier for Config {
    const FORMAT: Format = Format::Markdown;

    fn validate(&mut self) -> Result<(), FieldErrors> {
        let mut errors = FieldErrors::new();
        super::check_url(&mut errors, "server_url", &self.server_url);
        super::require(&mut errors, "app_token", &self.app_token);
        if self.priority.is_some_and(|p| p > 10) {
            errors.insert("priority".into(), "must be between 0 and 10".into());
        }
        crate::error::verdict(errors)
    }

    fn secrets_mut(&mut self) -> Vec<Secret<'_>> {
        vec![Secret::new("app_token", &mut self.app_token)]
    }

    fn destination(&self) -> Option<String> {
        Some(super::origin(&self.server_url))
    }

    async fn send(&self, message: &Message, services: &Services) -> Sent {
        let priority = self
            .priority
            .unwrap_or(match (message.event, message.severity()) {
                (Event::Resolved | Event::Test, _) => 2,
                (_, "critical") => 8,
                _ => 5,
            });
        let mut extras =
            serde_json::json!({ "client::display": { "contentType": "text/markdown" } });
        if let Some(url) = message.ack_url().filter(|_| message.event.is_problem()) {
            extras["client::notification"] = serde_json::json!({ "click": { "url": url } });
        }
        let body = serde_json::json!({
            "title": message.title,
            "message": message.body,
            "priority": priority,
            "extras": extras,
        });
        let url = format!("{}/message", self.server_url.trim_end_matches('/'));
        let request = services
            .http
            .post(url)
            .header("X-Gotify-Key", &self.app_token)
            .json(&body);
        super::http::send(request).await
    }
}
