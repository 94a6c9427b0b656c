//! `pagerduty`: Events API v2. Every event about one alert carries the alert's id as
//! `dedup_key`, so a retried trigger is one PagerDuty alert, an acknowledgement in
//! Monitron acknowledges it and the resolve closes it.

use monitron_probe::Secret;
use serde::{Deserialize, Serialize};

use super::{Event, Format, Message, Notifier, Sent, Services};
use crate::error::FieldErrors;

const API: &str = "https://events.pagerduty.com";

/// Settings of a PagerDuty channel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The integration's routing key.
    pub routing_key: String,
    /// Another Events API address (`https://events.eu.pagerduty.com` for EU accounts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_url: Option<String>,
}

/// PagerDuty's severity for ours.
fn severity(ours: &str) -> &'static str {
    match ours {
        "critical" => "critical",
        "warning" => "warning",
        _ => "info",
    }
}

/// The Events API v2 body for a message.
pub fn event(routing_key: &str, message: &Message) -> serde_json::Value {
    let dedup_key = message.alert_key();
    let action = match message.event {
        Event::Resolved => Some("resolve"),
        Event::Acknowledged => Some("acknowledge"),
        _ => None,
    };
    if let Some(action) = action {
        return serde_json::json!({
            "routing_key": routing_key,
            "event_action": action,
            "dedup_key": dedup_key,
        });
    }
    let data = &message.data;
    let source = data["monitor"]["target"]
        .as_str()
        .filter(|t| !t.is_empty())
        .or_else(|| data["monitor"]["name"].as_str())
        .unwrap_or("monitron");
    let mut payload = serde_json::json!({
        "summary": super::truncate(&message.title, 1024),
        "source": source,
        "severity": severity(message.severity()),
        "timestamp": message.timestamp(),
        "custom_details": {
            "message": data["alert"]["message"],
            "value": data["alert"]["value"],
            "rule": data["rule"]["name"],
            "monitor": data["monitor"]["name"],
            "monitor_type": data["monitor"]["type"],
        },
    });
    if let Some(name) = data["monitor"]["name"].as_str() {
        payload["component"] = name.into();
    }
    if let Some(group) = data["monitor"]["group"].as_str() {
        payload["group"] = group.into();
    }
    if let Some(rule) = data["rule"]["name"].as_str() {
        payload["class"] = rule.into();
    }
    let mut body = serde_json::json!({
        "routing_key": routing_key,
        "event_action": "trigger",
        "dedup_key": dedup_key,
        "payload": payload,
        "client": "Monitron",
    });
    if let Some(url) = message.monitor_url() {
        body["client_url"] = url.into();
    }
    if let Some(url) = message.ack_url() {
        body["links"] = serde_json::json!([{ "href": url, "text": "Acknowledge in Monitron" }]);
    }
    body
}

impl Notifier for Config {
    const FORMAT: Format = Format::Text;
    const ACKNOWLEDGES: bool = true;

    fn validate(&mut self) -> Result<(), FieldErrors> {
        let mut errors = FieldErrors::new();
        super::require(&mut errors, "routing_key", &self.routing_key);
        if let Some(url) = &self.api_url {
            super::check_url(&mut errors, "api_url", url);
        }
        crate::error::verdict(errors)
    }

    fn secrets_mut(&mut self) -> Vec<Secret<'_>> {
        vec![Secret::new("routing_key", &mut self.routing_key)]
    }

    fn destination(&self) -> Option<String> {
        Some(super::origin(super::base_url(&self.api_url, API)))
    }

    async fn send(&self, message: &Message, services: &Services) -> Sent {
        let url = format!("{}/v2/enqueue", super::base_url(&self.api_url, API));
        let body = event(&self.routing_key, message);
        super::http::send(services.http.post(url).json(&body)).await
    }
}
