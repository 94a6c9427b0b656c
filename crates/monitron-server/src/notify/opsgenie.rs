//! `opsgenie`: the Alert API. An alert is created with the Monitron alert's id as its
//! alias (so a retried create is one Opsgenie alert), and acknowledged and closed by that
//! alias.

use monitron_probe::Secret;
use serde::{Deserialize, Serialize};

use super::{Event, Format, Message, Notifier, Sent, Services};
use crate::error::FieldErrors;

const API: &str = "https://api.opsgenie.com";

/// What is escaped in a path segment: all but RFC 3986's unreserved characters.
const UNRESERVED_KEPT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Settings of an Opsgenie channel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// An API integration's key.
    pub api_key: String,
    /// Another API address (`https://api.eu.opsgenie.com` for EU accounts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_url: Option<String>,
}

fn priority(severity: &str) -> &'static str {
    match severity {
        "critical" => "P1",
        "warning" => "P3",
        _ => "P5",
    }
}

impl Notifier for Config {
    const FORMAT: Format = Format::Text;
    const ACKNOWLEDGES: bool = true;

    fn validate(&mut self) -> Result<(), FieldErrors> {
        let mut errors = FieldErrors::new();
        super::require(&mut errors, "api_key", &self.api_key);
        if let Some(url) = &self.api_url {
            super::check_url(&mut errors, "api_url", url);
        }
        crate::error::verdict(errors)
    }

    fn secrets_mut(&mut self) -> Vec<Secret<'_>> {
        vec![Secret::new("api_key", &mut self.api_key)]
    }

    fn destination(&self) -> Option<String> {
        Some(super::origin(super::base_url(&self.api_url, API)))
    }

    async fn send(&self, message: &Message, services: &Services) -> Sent {
        let base = super::base_url(&self.api_url, API);
        let alias = message.alert_key();
        // Closing and acknowledging address the alert by its alias, with a note.
        let action = match message.event {
            Event::Resolved => Some(("close", &message.text)),
            Event::Acknowledged => Some(("acknowledge", &message.title)),
            _ => None,
        };
        let (url, body) = if let Some((action, note)) = action {
            (
                format!(
                    "{base}/v2/alerts/{}/{action}?identifierType=alias",
                    percent_encoding::utf8_percent_encode(&alias, UNRESERVED_KEPT)
                ),
                serde_json::json!({ "source": "Monitron", "note": super::truncate(note, 25_000) }),
            )
        } else {
            let data = &message.data;
            let text = |v: &serde_json::Value| match v {
                serde_json::Value::String(s) => s.clone(),
                serde_json::Value::Null => String::new(),
                other => other.to_string(),
            };
            let mut details = serde_json::Map::new();
            for (key, value) in [
                ("rule", &data["rule"]["name"]),
                ("monitor", &data["monitor"]["name"]),
                ("monitor_type", &data["monitor"]["type"]),
                ("target", &data["monitor"]["target"]),
                ("value", &data["alert"]["value"]),
                ("ack_url", &data["ack_url"]),
            ] {
                let value = text(value);
                if !value.is_empty() {
                    details.insert(key.into(), super::truncate(&value, 1000).into());
                }
            }
            let mut tags = vec!["monitron".to_owned(), message.severity().to_owned()];
            if let Some(group) = data["monitor"]["group"].as_str() {
                tags.push(super::truncate(group, 50));
            }
            (
                format!("{base}/v2/alerts"),
                serde_json::json!({
                    "message": super::truncate(&message.title, 130),
                    "alias": alias,
                    "description": super::truncate(&message.text, 15_000),
                    "priority": priority(message.severity()),
                    "tags": tags,
                    "details": details,
                    "entity": super::truncate(data["monitor"]["name"].as_str().unwrap_or(""), 512),
                    "source": "Monitron",
                }),
            )
        };
        let request = services
            .http
            .post(url)
            .header("Authorization", format!("GenieKey {}", self.api_key))
            .json(&body);
        super::http::send(request).await
    }
}
