//! `webhook`: the alert as JSON to any URL, signed as Standard Webhooks describes
//! (`webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64 HMAC-SHA256 of
//! "id.timestamp.body">`). The id is the notification's, the same on every retry, so a
//! receiver that saw it already can drop the repeat.

use std::collections::BTreeMap;

use base64::Engine;
use hmac::{Hmac, Mac};
use monitron_probe::Secret;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use super::{Format, Message, Notifier, Sent, Services};
use crate::cipher::MASK;
use crate::error::FieldErrors;

const SECRET_PREFIX: &str = "whsec_";

/// Settings of a webhook channel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Where to send.
    pub url: String,
    /// `POST` (default), `PUT` or `PATCH`.
    #[serde(default = "default_method")]
    pub method: String,
    /// Extra request headers; those that look like credentials are kept as secrets.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// The signing secret, `whsec_` + base64 of the key; generated when not given.
    #[serde(default)]
    pub secret: String,
}

fn default_method() -> String {
    "POST".into()
}

/// A fresh signing secret.
pub fn generate_secret() -> String {
    let mut key = [0u8; 24];
    rand::thread_rng().fill_bytes(&mut key);
    format!(
        "{SECRET_PREFIX}{}",
        base64::engine::general_purpose::STANDARD.encode(key)
    )
}

fn key_of(secret: &str) -> Option<Vec<u8>> {
    base64::engine::general_purpose::STANDARD
        .decode(secret.strip_prefix(SECRET_PREFIX)?)
        .ok()
        .filter(|k| !k.is_empty())
}

/// The `webhook-signature` value for a message.
pub fn sign(secret: &str, id: &str, timestamp: i64, body: &[u8]) -> Option<String> {
    let key = key_of(secret)?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).ok()?;
    mac.update(format!("{id}.{timestamp}.").as_bytes());
    mac.update(body);
    Some(format!(
        "v1,{}",
        base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
    ))
}

impl Notifier for Config {
    const FORMAT: Format = Format::Data;

    fn validate(&mut self) -> Result<(), FieldErrors> {
        let mut errors = FieldErrors::new();
        super::check_url(&mut errors, "url", &self.url);
        self.method = self.method.to_ascii_uppercase();
        if !matches!(self.method.as_str(), "POST" | "PUT" | "PATCH") {
            errors.insert("method".into(), "must be POST, PUT or PATCH".into());
        }
        for (name, value) in &self.headers {
            let valid = reqwest::header::HeaderName::from_bytes(name.as_bytes()).is_ok()
                && reqwest::header::HeaderValue::from_str(value).is_ok();
            let reserved = name.to_ascii_lowercase().starts_with("webhook-")
                || name.eq_ignore_ascii_case("content-type");
            if !valid || reserved {
                errors.insert(
                    format!("headers.{name}"),
                    "must be a valid header other than Content-Type and webhook-*".into(),
                );
            }
        }
        if !self.secret.is_empty() && self.secret != MASK && key_of(&self.secret).is_none() {
            errors.insert(
                "secret".into(),
                "must be whsec_ followed by the base64 of the key".into(),
            );
        }
        crate::error::verdict(errors)
    }

    fn prepare_new(&mut self) {
        if self.secret.is_empty() {
            self.secret = generate_secret();
        }
    }

    fn secrets_mut(&mut self) -> Vec<Secret<'_>> {
        let mut secrets = vec![Secret::new("secret", &mut self.secret)];
        for (name, value) in &mut self.headers {
            if monitron_probe::is_secret_header(name) {
                secrets.push(Secret::new(format!("headers.{name}"), value));
            }
        }
        secrets
    }

    fn destination(&self) -> Option<String> {
        Some(super::origin(&self.url))
    }

    async fn send(&self, message: &Message, services: &Services) -> Sent {
        let body = serde_json::to_vec(&message.data).expect("a message serializes");
        let id = message.id.to_string();
        let timestamp = chrono::Utc::now().timestamp();
        let method =
            reqwest::Method::from_bytes(self.method.as_bytes()).unwrap_or(reqwest::Method::POST);
        let mut request = services
            .http
            .request(method, &self.url)
            .header("content-type", "application/json")
            .header("webhook-id", &id)
            .header("webhook-timestamp", timestamp.to_string());
        for (name, value) in &self.headers {
            request = request.header(name, value);
        }
        if let Some(signature) = sign(&self.secret, &id, timestamp, &body) {
            request = request.header("webhook-signature", signature);
        }
        super::http::send(request.body(body)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example of the Standard Webhooks specification's reference libraries.
    #[test]
    fn signatures_match_the_specification_example() {
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let body = br#"{"test": 2432232314}"#;
        assert_eq!(
            sign(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body).unwrap(),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
    }

    #[test]
    fn secrets_are_generated_and_checked() {
        let mut config: Config =
            serde_json::from_value(serde_json::json!({ "url": "https://example.com/hook" }))
                .unwrap();
        config.prepare_new();
        assert!(config.secret.starts_with("whsec_") && key_of(&config.secret).unwrap().len() == 24);
        config.validate().unwrap();
        config.secret = "nope".into();
        assert!(config.validate().unwrap_err().contains_key("secret"));
    }
}
