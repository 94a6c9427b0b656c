//! `telegram`: `sendMessage` of the Bot API in MarkdownV2 (every value escaped). A body
//! over Telegram's 4,096 characters goes as shortened plain text instead, since cutting
//! MarkdownV2 can leave it unparseable.

use monitron_probe::Secret;
use serde::{Deserialize, Serialize};

use super::{Format, Message, Notifier, Sent, Services};
use crate::error::FieldErrors;

const API: &str = "https://api.telegram.org";
const LIMIT: usize = 4096;

/// Settings of a Telegram channel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The bot's token from BotFather.
    pub bot_token: String,
    /// The chat: a numeric id or `@channelusername`.
    pub chat_id: String,
    /// The forum topic to post in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_thread_id: Option<i64>,
    /// Another Bot API server (a local one, a proxy).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_url: Option<String>,
}

impl Notifier for Config {
    const FORMAT: Format = Format::MarkdownV2;

    fn validate(&mut self) -> Result<(), FieldErrors> {
        let mut errors = FieldErrors::new();
        super::require(&mut errors, "bot_token", &self.bot_token);
        super::require(&mut errors, "chat_id", &self.chat_id);
        if let Some(url) = &self.api_url {
            super::check_url(&mut errors, "api_url", url);
        }
        crate::error::verdict(errors)
    }

    fn secrets_mut(&mut self) -> Vec<Secret<'_>> {
        vec![Secret::new("bot_token", &mut self.bot_token)]
    }

    fn destination(&self) -> Option<String> {
        Some(super::origin(super::base_url(&self.api_url, API)))
    }

    async fn send(&self, message: &Message, services: &Services) -> Sent {
        let url = format!(
            "{}/bot{}/sendMessage",
            super::base_url(&self.api_url, API),
            self.bot_token
        );
        let mut body = if message.body.chars().count() <= LIMIT {
            serde_json::json!({ "text": message.body, "parse_mode": "MarkdownV2" })
        } else {
            serde_json::json!({ "text": super::truncate(&message.text, LIMIT) })
        };
        body["chat_id"] = self.chat_id.clone().into();
        body["link_preview_options"] = serde_json::json!({ "is_disabled": true });
        if let Some(thread) = self.message_thread_id {
            body["message_thread_id"] = thread.into();
        }
        super::http::send(services.http.post(url).json(&body)).await
    }
}
