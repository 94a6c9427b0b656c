//! `pushover`: a message through Pushover's API, cut to its limits (message 1,024,
//! title 250 characters), with the ack link as the supplementary URL.

use monitron_probe::Secret;
use serde::{Deserialize, Serialize};

use super::{Event, Format, Message, Notifier, Sent, Services};
use crate::error::FieldErrors;

const API: &str = "https://api.pushover.net";

/// Settings of a Pushover channel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The user (or group) key.
    pub user_key: String,
    /// The application's API token.
    pub app_token: String,
    /// -2 to 1; by default 1 for critical alerts, 0 otherwise. (2, emergency, needs
    /// acknowledging in Pushover and is not used.)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<i8>,
    /// Another API address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_url: Option<String>,
}

impl Notifier for Config {
    const FORMAT: Format = Format::Text;

    fn validate(&mut self) -> Result<(), FieldErrors> {
        let mut errors = FieldErrors::new();
        super::require(&mut errors, "user_key", &self.user_key);
        super::require(&mut errors, "app_token", &self.app_token);
        if self.priority.is_some_and(|p| !(-2..=1).contains(&p)) {
            errors.insert("priority".into(), "must be between -2 and 1".into());
        }
        if let Some(url) = &self.api_url {
            super::check_url(&mut errors, "api_url", url);
        }
        crate::error::verdict(errors)
    }

    fn secrets_mut(&mut self) -> Vec<Secret<'_>> {
        vec![
            Secret::new("user_key", &mut self.user_key),
            Secret::new("app_token", &mut self.app_token),
        ]
    }

    fn destination(&self) -> Option<String> {
        Some(super::origin(super::base_url(&self.api_url, API)))
    }

    async fn send(&self, message: &Message, services: &Services) -> Sent {
        let priority = self
            .priority
            .unwrap_or(match (message.event, message.severity()) {
                (Event::Firing | Event::Reminder | Event::Digest, "critical") => 1,
                _ => 0,
            });
        let mut body = serde_json::json!({
            "token": self.app_token,
            "user": self.user_key,
            "title": super::truncate(&message.title, 250),
            "message": super::truncate(&message.text, 1024),
            "priority": priority,
        });
        if let Some(url) = message.ack_url().filter(|_| message.event.is_problem()) {
            body["url"] = super::truncate(url, 512).into();
            body["url_title"] = "Acknowledge".into();
        }
        let url = format!("{}/1/messages.json", super::base_url(&self.api_url, API));
        super::http::send(services.http.post(url).json(&body)).await
    }
}
