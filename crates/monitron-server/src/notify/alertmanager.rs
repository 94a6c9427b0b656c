//! `alertmanager`: alerts posted to Prometheus Alertmanager's v2 API, so Monitron's alerts
//! join the routing, grouping, silencing and inhibition teams already run there.
//!
//! Each alert becomes a postable alert with labels `alertname` (the rule), `monitor`,
//! `monitor_id`, `monitor_type`, `group`, `severity` and the monitor's own labels
//! (renamed to valid label names), and annotations `summary`, `description`, `value`.
//! A resolve carries `endsAt`. Alertmanager forgets a firing alert it has not heard of for
//! its `resolve_timeout`, so firing alerts are sent again every 60 s ([`RESEND`]).

use std::collections::BTreeMap;
use std::time::Duration;

use monitron_probe::Secret;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{Event, Format, Message, Notifier, Sent, Services};
use crate::error::FieldErrors;

/// How often firing alerts are sent again.
pub const RESEND: Duration = Duration::from_secs(60);
/// How long a resolve is sent again, in case Alertmanager missed it.
pub const RESOLVE_REPEAT: Duration = Duration::from_secs(300);

/// Settings of an Alertmanager channel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Alertmanager's base URL (`http://alertmanager:9093`); a URL ending in
    /// `/api/v1/alerts` or `/api/v2/alerts` is accepted too.
    pub url: String,
    /// Basic authentication user.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub username: String,
    /// Basic authentication password.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub password: String,
}

impl Config {
    /// The v2 alerts endpoint.
    pub fn endpoint(&self) -> String {
        let base = self.url.trim_end_matches('/');
        let base = base
            .strip_suffix("/api/v1/alerts")
            .or_else(|| base.strip_suffix("/api/v2/alerts"))
            .unwrap_or(base);
        format!("{base}/api/v2/alerts")
    }

    /// Posts alerts.
    pub async fn post(&self, alerts: &[Value], services: &Services) -> Sent {
        let mut request = services.http.post(self.endpoint()).json(alerts);
        if !self.username.is_empty() {
            request = request.basic_auth(&self.username, Some(&self.password));
        }
        super::http::send(request).await
    }
}

/// A label name Alertmanager accepts: `[a-zA-Z_][a-zA-Z0-9_]*`.
pub fn label_name(name: &str) -> String {
    let mut out: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, '_');
    }
    out
}

fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// The postable alert for one alert's data (`{alert, rule, monitor}`); `ends_at` closes it.
pub fn postable(
    entry: &Value,
    summary: &str,
    description: &str,
    ends_at: Option<&str>,
    generator: Option<&str>,
) -> Value {
    let monitor = &entry["monitor"];
    let mut labels = BTreeMap::new();
    if let Some(own) = monitor["labels"].as_object() {
        for (name, value) in own {
            labels.insert(label_name(name), text(value));
        }
    }
    for (name, value) in [
        ("alertname", text(&entry["rule"]["name"])),
        ("monitor", text(&monitor["name"])),
        ("monitor_id", text(&monitor["id"])),
        ("monitor_type", text(&monitor["type"])),
        ("group", text(&monitor["group"])),
        ("severity", text(&entry["alert"]["severity"])),
    ] {
        if !value.is_empty() {
            labels.insert(name.to_owned(), value);
        }
    }
    if !entry["alert"]["subject"].as_str().unwrap_or("").is_empty() {
        labels.insert("subject".into(), text(&entry["alert"]["subject"]));
    }
    let starts_at = entry["alert"]["fired_at"]
        .as_str()
        .or_else(|| entry["alert"]["started_at"].as_str())
        .map_or_else(|| chrono::Utc::now().to_rfc3339(), str::to_owned);
    let mut alert = serde_json::json!({
        "labels": labels,
        "annotations": {
            "summary": summary,
            "description": description,
            "value": text(&entry["alert"]["value"]),
        },
        "startsAt": starts_at,
    });
    if let Some(ends) = ends_at {
        alert["endsAt"] = ends.into();
    }
    if let Some(url) = generator {
        alert["generatorURL"] = url.into();
    }
    alert
}

impl Notifier for Config {
    const FORMAT: Format = Format::Data;

    fn validate(&mut self) -> Result<(), FieldErrors> {
        let mut errors = FieldErrors::new();
        super::check_url(&mut errors, "url", &self.url);
        if self.username.is_empty() && !self.password.is_empty() {
            errors.insert("username".into(), "is required with a password".into());
        }
        crate::error::verdict(errors)
    }

    fn secrets_mut(&mut self) -> Vec<Secret<'_>> {
        vec![Secret::new("password", &mut self.password)]
    }

    fn destination(&self) -> Option<String> {
        Some(super::origin(&self.url))
    }

    async fn send(&self, message: &Message, services: &Services) -> Sent {
        let alerts: Vec<Value> = match message.event {
            Event::Digest => message.data["alerts"]
                .as_array()
                .map(|all| {
                    all.iter()
                        .map(|entry| {
                            let summary = format!(
                                "{}: {}",
                                text(&entry["rule"]["name"]),
                                text(&entry["monitor"]["name"])
                            );
                            postable(
                                entry,
                                &summary,
                                &text(&entry["alert"]["message"]),
                                None,
                                entry["monitor"]["url"].as_str(),
                            )
                        })
                        .collect()
                })
                .unwrap_or_default(),
            Event::Test => {
                let ends = (chrono::Utc::now() + chrono::Duration::minutes(5)).to_rfc3339();
                let test = serde_json::json!({
                    "rule": { "name": "MonitronTest" },
                    "monitor": { "name": "test" },
                    "alert": { "severity": "info" },
                });
                vec![postable(
                    &test,
                    &message.title,
                    &message.text,
                    Some(&ends),
                    None,
                )]
            }
            Event::Resolved => {
                let ends = message.data["alert"]["resolved_at"]
                    .as_str()
                    .map_or_else(|| chrono::Utc::now().to_rfc3339(), str::to_owned);
                vec![postable(
                    &message.data,
                    &message.title,
                    &message.text,
                    Some(&ends),
                    message.monitor_url(),
                )]
            }
            // A visitor report is a notice, not a condition that resolves: it expires on its own.
            Event::Report => {
                let ends = (chrono::Utc::now() + chrono::Duration::hours(1)).to_rfc3339();
                vec![postable(
                    &message.data,
                    &message.title,
                    &message.text,
                    Some(&ends),
                    message.monitor_url(),
                )]
            }
            // Alertmanager keeps no acknowledged state (silences are its own), so it is
            // not told of acknowledgements; the alert stays active until resolved.
            Event::Firing | Event::Reminder | Event::Acknowledged => {
                vec![postable(
                    &message.data,
                    &message.title,
                    &message.text,
                    None,
                    message.monitor_url(),
                )]
            }
        };
        self.post(&alerts, services).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_labels_are_normalised() {
        for url in [
            "http://am:9093",
            "http://am:9093/",
            "http://am:9093/api/v1/alerts",
            "http://am:9093/api/v2/alerts/",
        ] {
            let config = Config {
                url: url.into(),
                username: String::new(),
                password: String::new(),
            };
            assert_eq!(config.endpoint(), "http://am:9093/api/v2/alerts", "{url}");
        }
        assert_eq!(label_name("team-name.x"), "team_name_x");
        assert_eq!(label_name("1st"), "_1st");
        assert_eq!(label_name(""), "_");
    }
}
