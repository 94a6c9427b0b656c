//! `matrix`: an `m.notice` (HTML with a plain fallback) sent into a room. The transaction
//! id is the notification's id, so a retried send is one message in the room.

use monitron_probe::Secret;
use percent_encoding::utf8_percent_encode;
use serde::{Deserialize, Serialize};

use super::{Format, Message, Notifier, Sent, Services};
use crate::error::FieldErrors;

/// Settings of a Matrix channel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The homeserver, e.g. `https://matrix.example.org`.
    pub homeserver_url: String,
    /// The sending account's access token.
    pub access_token: String,
    /// The room id, `!abc:example.org`.
    pub room_id: String,
}

impl Notifier for Config {
    const FORMAT: Format = Format::Html;

    fn validate(&mut self) -> Result<(), FieldErrors> {
        let mut errors = FieldErrors::new();
        super::check_url(&mut errors, "homeserver_url", &self.homeserver_url);
        super::require(&mut errors, "access_token", &self.access_token);
        if !(self.room_id.starts_with('!') || self.room_id.starts_with('#'))
            || !self.room_id.contains(':')
        {
            errors.insert(
                "room_id".into(),
                "must be a room id like !abc:example.org".into(),
            );
        }
        crate::error::verdict(errors)
    }

    fn secrets_mut(&mut self) -> Vec<Secret<'_>> {
        vec![Secret::new("access_token", &mut self.access_token)]
    }

    fn destination(&self) -> Option<String> {
        Some(super::origin(&self.homeserver_url))
    }

    async fn send(&self, message: &Message, services: &Services) -> Sent {
        let url = format!(
            "{}/_matrix/client/v3/rooms/{}/send/m.room.message/{}",
            self.homeserver_url.trim_end_matches('/'),
            utf8_percent_encode(&self.room_id, super::PATH_SEGMENT),
            message.id.simple(),
        );
        let body = serde_json::json!({
            "msgtype": "m.notice",
            "body": super::truncate(&format!("{}\n{}", message.title, message.text), 30_000),
            "format": "org.matrix.custom.html",
            "formatted_body": super::truncate(&message.body, 30_000),
        });
        let request = services
            .http
            .put(url)
            .bearer_auth(&self.access_token)
            .json(&body);
        super::http::send(request).await
    }
}
