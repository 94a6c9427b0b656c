//! `mqtt`: talk to an MQTT broker. Three modes:
//! - `connect`: connect (with credentials, if any) and subscribe to the topic;
//! - `roundtrip`: also publish a unique probe message and receive it back, so the broker
//!   is seen routing messages, not just accepting connections;
//! - `expect_message`: a message must arrive on the topic (filter) within the timeout, for
//!   devices that publish on their own.

use std::time::{Duration, Instant};

use rumqttc::{AsyncClient, ConnectionError, Event, MqttOptions, Packet, QoS};
use serde::{Deserialize, Serialize};

use crate::tcp::validate_host;
use crate::{millis, FieldErrors, Outcome, Probe, Scope, Secret};

/// Settings of an MQTT check.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = MqttCheck))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Broker host.
    pub host: String,
    /// Broker port.
    #[serde(default = "default_port")]
    pub port: u16,
    /// Topic to subscribe to (a filter with `+`/`#` in `connect` and `expect_message` modes).
    pub topic: String,
    /// Quality of service, 0-2.
    #[serde(default)]
    pub qos: u8,
    /// User name.
    #[serde(default)]
    pub username: Option<String>,
    /// Password.
    #[serde(default)]
    pub password: Option<String>,
    /// Client identifier; a unique one per check when absent.
    #[serde(default)]
    pub client_id: Option<String>,
    /// What to verify.
    #[serde(default)]
    pub mode: Mode,
    /// Connect over TLS (the broker's certificate must be valid for `host`).
    #[serde(default)]
    pub tls: bool,
    /// PEM of the CA(s) to trust instead of the system roots (with `tls`).
    #[serde(default)]
    pub ca_pem: Option<String>,
}

fn default_port() -> u16 {
    1883
}

/// Largest message accepted, in bytes.
const MAX_MESSAGE_BYTES: usize = 1024 * 1024;

/// What an MQTT check verifies.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = MqttMode))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Connect and subscribe.
    #[default]
    Connect,
    /// Publish a probe message and receive it back.
    Roundtrip,
    /// Wait for any message on the topic.
    ExpectMessage,
}

/// What an MQTT check found.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Details {
    /// Time to the broker's CONNACK, in milliseconds.
    pub connect_ms: Option<f64>,
    /// Time from subscribing to SUBACK, in milliseconds.
    pub subscribe_ms: Option<f64>,
    /// Time from publishing to receiving the message back (roundtrip), or from SUBACK to the
    /// first message (expect_message), in milliseconds.
    pub message_ms: Option<f64>,
    /// Topic of the message received.
    pub message_topic: Option<String>,
    /// Size of the message received, in bytes.
    pub message_bytes: Option<usize>,
}

fn qos(level: u8) -> QoS {
    match level {
        2 => QoS::ExactlyOnce,
        1 => QoS::AtLeastOnce,
        _ => QoS::AtMostOnce,
    }
}

fn unique_suffix() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("{nanos:x}")
}

impl Probe for Config {
    const SCOPE: Scope = Scope::Both;

    fn secrets_mut(&mut self) -> Vec<Secret<'_>> {
        self.password
            .iter_mut()
            .map(|password| Secret::new("password", password))
            .collect()
    }

    fn destination(&self) -> Option<String> {
        if !self.tls {
            return Some(crate::endpoint("mqtt", &self.host, self.port));
        }
        let endpoint = crate::endpoint("mqtts", &self.host, self.port);
        Some(crate::trusting(
            endpoint,
            true,
            self.ca_pem.as_deref(),
            None,
        ))
    }

    fn validate(&mut self) -> Result<(), FieldErrors> {
        let mut errors = FieldErrors::new();
        validate_host(&mut self.host, &mut errors);
        crate::check_port(self.port, &mut errors);
        if self.topic.is_empty() || self.topic.len() > 65_535 || self.topic.contains('\0') {
            errors.insert(
                "topic".into(),
                "must be 1 to 65535 bytes without NUL".into(),
            );
        } else if self.mode == Mode::Roundtrip && self.topic.contains(['+', '#']) {
            errors.insert("topic".into(), "must not contain wildcards in roundtrip mode (the probe message is published to it)".into());
        }
        if self.qos > 2 {
            errors.insert("qos".into(), "must be 0, 1 or 2".into());
        }
        if self.password.is_some() && self.username.is_none() {
            errors.insert("username".into(), "is required with a password".into());
        }
        if self
            .client_id
            .as_deref()
            .is_some_and(|id| id.is_empty() || id.len() > 65_535)
        {
            errors.insert("client_id".into(), "must be 1 to 65535 bytes".into());
        }
        if let Some(pem) = &self.ca_pem {
            if !self.tls {
                errors.insert("tls".into(), "must be true to use ca_pem".into());
            } else if crate::tls::roots_from_pem(pem).map_or(true, |roots| roots.is_empty()) {
                errors.insert("ca_pem".into(), "must hold PEM certificates".into());
            }
        }
        crate::verdict(errors)
    }

    async fn run(&self, timeout: Duration) -> Outcome {
        let mut details = Details::default();
        match tokio::time::timeout(timeout, self.converse(&mut details, timeout)).await {
            Ok(Ok((elapsed, message))) => Outcome::up(elapsed, message, details),
            Ok(Err(reason)) => Outcome::down(None, reason, details),
            Err(_) => {
                let stage = match (details.connect_ms, details.subscribe_ms) {
                    (None, _) => "connecting",
                    (Some(_), None) => "subscribing",
                    _ if self.mode == Mode::Roundtrip => {
                        "waiting for the probe message to come back"
                    }
                    _ => "waiting for a message",
                };
                Outcome::down(
                    None,
                    format!("timed out {stage} after {} s", timeout.as_secs_f64()),
                    details,
                )
            }
        }
    }
}

impl Config {
    /// A TLS client configuration trusting the given CA, or the system roots.
    fn tls_config(&self) -> Result<std::sync::Arc<rustls::ClientConfig>, String> {
        // The system roots are shared, not copied, on every check.
        let roots = match &self.ca_pem {
            Some(pem) => std::sync::Arc::new(crate::tls::roots_from_pem(pem)?),
            None => crate::tls::SYSTEM_ROOTS.clone(),
        };
        let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| format!("TLS configuration failed: {e}"))?
            .with_root_certificates(roots)
            .with_no_client_auth();
        Ok(std::sync::Arc::new(config))
    }

    /// Runs the conversation; on success returns the total time and a message.
    async fn converse(
        &self,
        details: &mut Details,
        timeout: Duration,
    ) -> Result<(f64, String), String> {
        let client_id = self
            .client_id
            .clone()
            .unwrap_or_else(|| format!("monitron-{}", unique_suffix()));
        let mut options = MqttOptions::new(client_id, self.host.clone(), self.port);
        options
            .set_keep_alive(Duration::from_secs(30))
            .set_clean_session(true)
            // Devices publish more than rumqttc's 10 KiB default; a big message is no outage.
            .set_max_packet_size(MAX_MESSAGE_BYTES, MAX_MESSAGE_BYTES);
        if let Some(username) = &self.username {
            options.set_credentials(username.clone(), self.password.clone().unwrap_or_default());
        }
        if self.tls {
            let tls = rumqttc::TlsConfiguration::Rustls(self.tls_config()?);
            options.set_transport(rumqttc::Transport::tls_with_config(tls));
        }
        let (client, mut events) = AsyncClient::new(options, 10);
        // The check's own timeout bounds the connection, not rumqttc's 5 s default.
        let mut network = rumqttc::NetworkOptions::new();
        network.set_connection_timeout(timeout.as_secs().max(1));
        events.set_network_options(network);
        let level = qos(self.qos);
        let started = Instant::now();
        let payload = format!("monitron-probe-{}", unique_suffix());
        let mut subscribed_at = None;
        let mut published_at = None;
        let result = loop {
            let event = match events.poll().await {
                Ok(event) => event,
                Err(ConnectionError::ConnectionRefused(code)) => {
                    break Err(format!("the broker refused the connection: {code:?}"))
                }
                Err(err) => break Err(format!("connection failed: {err}")),
            };
            match event {
                Event::Incoming(Packet::ConnAck(_)) => {
                    details.connect_ms = Some(millis(started.elapsed()));
                    subscribed_at = Some(Instant::now());
                    if let Err(err) = client.subscribe(self.topic.clone(), level).await {
                        break Err(format!("subscribe failed: {err}"));
                    }
                }
                Event::Incoming(Packet::SubAck(ack)) => {
                    details.subscribe_ms = subscribed_at.map(|at| millis(at.elapsed()));
                    if ack
                        .return_codes
                        .iter()
                        .any(|c| matches!(c, rumqttc::SubscribeReasonCode::Failure))
                    {
                        break Err(format!(
                            "the broker refused the subscription to {}",
                            self.topic
                        ));
                    }
                    match self.mode {
                        Mode::Connect => {
                            break Ok(format!("connected and subscribed to {}", self.topic))
                        }
                        Mode::Roundtrip => {
                            published_at = Some(Instant::now());
                            if let Err(err) = client
                                .publish(
                                    self.topic.clone(),
                                    level,
                                    false,
                                    payload.clone().into_bytes(),
                                )
                                .await
                            {
                                break Err(format!("publish failed: {err}"));
                            }
                        }
                        Mode::ExpectMessage => published_at = Some(Instant::now()),
                    }
                }
                Event::Incoming(Packet::Publish(message)) => {
                    // Roundtrip waits for its own probe; expect_message wants a fresh message,
                    // not one the broker retained from a device that may be long gone.
                    let ours = match self.mode {
                        Mode::Roundtrip => message.payload.as_ref() == payload.as_bytes(),
                        _ => !message.retain,
                    };
                    if ours {
                        details.message_ms = published_at.map(|at| millis(at.elapsed()));
                        details.message_topic = Some(message.topic.clone());
                        details.message_bytes = Some(message.payload.len());
                        break Ok(match self.mode {
                            Mode::Roundtrip => {
                                format!("probe message came back on {}", message.topic)
                            }
                            _ => format!(
                                "message of {} bytes on {}",
                                message.payload.len(),
                                message.topic
                            ),
                        });
                    }
                }
                _ => {}
            }
        };
        let elapsed = millis(started.elapsed());
        // Leave politely (the broker would otherwise keep the session until keep-alive), but
        // outside the measured, time-bounded conversation.
        tokio::spawn(async move {
            if client.try_disconnect().is_ok() {
                let _ = tokio::time::timeout(Duration::from_millis(200), events.poll()).await;
            }
        });
        result.map(|message| (elapsed, message))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_validation() {
        let c: Config =
            serde_json::from_value(serde_json::json!({ "host": "broker", "topic": "a/b" }))
                .unwrap();
        assert_eq!((c.port, c.qos, c.mode), (1883, 0, Mode::Connect));
        let mut bad = Config {
            host: "".into(),
            port: 0,
            topic: "a/#".into(),
            qos: 3,
            username: None,
            password: Some("p".into()),
            client_id: Some(String::new()),
            mode: Mode::Roundtrip,
            tls: false,
            ca_pem: Some("not pem".into()),
        };
        let errors = bad.validate().unwrap_err();
        for field in [
            "host",
            "port",
            "topic",
            "qos",
            "username",
            "client_id",
            "tls",
        ] {
            assert!(errors.contains_key(field), "{field}: {errors:?}");
        }
    }
}
