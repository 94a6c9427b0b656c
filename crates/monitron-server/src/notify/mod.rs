//! Notification channels and delivery: where alert messages go and how they get there.
//!
//! Each channel type is one module with a `Config` that implements [`Notifier`]
//! (validation, its secrets, where they are sent, and how one message is sent), registered
//! by one line of the [`channels!`] list below, which builds the serde-tagged
//! [`ChannelConfig`] enum and its dispatch. Adding a channel type is that module plus that
//! line.
//!
//! Messages are rendered from MiniJinja templates ([`template`]) and delivered through the
//! queue ([`delivery`]): written to the outbox in the transaction that fires or resolves
//! the alert, retried with backoff, dead-lettered when their attempts are spent.

pub mod alertmanager;
pub mod delivery;
pub mod discord;
pub mod email;
pub mod google_chat;
pub mod gotify;
pub mod http;
pub mod matrix;
pub mod message;
pub mod ntfy;
pub mod opsgenie;
pub mod pagerduty;
pub mod pushover;
pub mod slack;
pub mod teams;
pub mod telegram;
pub mod template;
pub mod webhook;

use std::future::Future;
use std::time::Duration;

use monitron_probe::Secret;
use serde::{Deserialize, Serialize};

use crate::error::FieldErrors;
pub use message::{Event, Message};
pub use template::Format;

/// What a provider made of one message.
#[derive(Debug, Clone, PartialEq)]
pub enum Sent {
    /// Accepted (2xx), with the status code where there is one.
    Delivered {
        /// HTTP status, or `None` for non-HTTP transports.
        status: Option<u16>,
    },
    /// Failed for now (5xx, a network error, a rate limit): try again, after `after`
    /// when the provider said how long to wait.
    Retry {
        /// HTTP status, if an answer came.
        status: Option<u16>,
        /// What went wrong, in the provider's words where it gave any.
        error: String,
        /// The wait the provider asked for.
        after: Option<Duration>,
    },
    /// Refused for good (a 4xx other than a rate limit): retrying cannot help.
    Refused {
        /// HTTP status, if an answer came.
        status: Option<u16>,
        /// The provider's error text.
        error: String,
    },
}

impl Sent {
    /// The HTTP status of the answer, if one came.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Delivered { status }
            | Self::Retry { status, .. }
            | Self::Refused { status, .. } => *status,
        }
    }

    /// The error, unless delivered.
    pub fn error(&self) -> Option<&str> {
        match self {
            Self::Delivered { .. } => None,
            Self::Retry { error, .. } | Self::Refused { error, .. } => Some(error),
        }
    }
}

/// What sending needs besides the channel's own settings.
#[derive(Clone)]
pub struct Services {
    /// HTTP client for providers (bounded time, no redirects).
    pub http: reqwest::Client,
    /// The SMTP sender, when `EMAIL_HOST` is set.
    pub mailer: Option<crate::mail::Mailer>,
}

impl Services {
    /// Providers get this long to answer.
    pub const TIMEOUT: Duration = Duration::from_secs(15);

    /// Services over a fresh HTTP client.
    pub fn new(mailer: Option<crate::mail::Mailer>) -> Self {
        let http = reqwest::Client::builder()
            .timeout(Self::TIMEOUT)
            .connect_timeout(Duration::from_secs(5))
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("Monitron/", env!("CARGO_PKG_VERSION")))
            .build()
            .expect("the HTTP client builds");
        Self { http, mailer }
    }
}

/// One channel type.
pub trait Notifier {
    /// The format its message bodies are written in.
    const FORMAT: Format;

    /// Whether it is told when someone acknowledges an alert it was sent
    /// ([`Event::Acknowledged`]): true for services that keep an alert's state.
    const ACKNOWLEDGES: bool = false;

    /// Checks and normalises the settings, naming each bad field (without the `config.`
    /// prefix). A secret field may hold the mask: it is replaced by the stored value later.
    fn validate(&mut self) -> Result<(), FieldErrors>;

    /// Fills in what the server generates for a new channel (a webhook signing secret).
    fn prepare_new(&mut self) {}

    /// The settings that are secrets, with their paths inside `config`.
    fn secrets_mut(&mut self) -> Vec<Secret<'_>> {
        Vec::new()
    }

    /// Where the secrets are sent. A stored secret is kept for an unchanged destination
    /// only (see [`crate::monitors::Check::seal`]). `None` when the secret is itself the
    /// address (a chat service's webhook URL).
    fn destination(&self) -> Option<String> {
        None
    }

    /// Sends one message.
    fn send(&self, message: &Message, services: &Services) -> impl Future<Output = Sent> + Send;
}

/// Declares the channel enum and its dispatch from one list of `Variant(Config) = "type"`.
macro_rules! channels {
    ($($variant:ident($config:ty) = $name:literal),* $(,)?) => {
        /// A configured channel of any type.
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        #[serde(tag = "type", content = "config")]
        #[non_exhaustive]
        pub enum ChannelConfig {
            $(
                #[doc = concat!("A `", $name, "` channel.")]
                #[serde(rename = $name)]
                $variant($config),
            )*
        }

        impl ChannelConfig {
            /// The type names, as used in the `type` field.
            pub const TYPES: &'static [&'static str] = &[$($name),*];

            /// The type names of the channels told about acknowledgements.
            pub fn acknowledging_types() -> Vec<&'static str> {
                [$(($name, <$config as Notifier>::ACKNOWLEDGES)),*]
                    .into_iter()
                    .filter_map(|(name, acks)| acks.then_some(name))
                    .collect()
            }

            /// This channel's type name.
            pub fn type_name(&self) -> &'static str {
                match self {
                    $(Self::$variant(_) => $name,)*
                }
            }

            /// The format of this channel's message bodies.
            pub fn format(&self) -> Format {
                match self {
                    $(Self::$variant(_) => <$config as Notifier>::FORMAT,)*
                }
            }

            /// Validates the settings; errors are keyed `config.<field>`.
            pub fn validate(&mut self) -> Result<(), FieldErrors> {
                let result = match self {
                    $(Self::$variant(c) => c.validate(),)*
                };
                result.map_err(|errors| crate::error::prefixed(errors, "config."))
            }

            /// Fills in generated settings of a new channel.
            pub fn prepare_new(&mut self) {
                match self {
                    $(Self::$variant(c) => c.prepare_new(),)*
                }
            }

            /// The secrets with their API field names (`config.bot_token`).
            pub fn secrets_mut(&mut self) -> Vec<Secret<'_>> {
                match self {
                    $(Self::$variant(c) => c
                        .secrets_mut()
                        .into_iter()
                        .map(|s| Secret::new(format!("config.{}", s.path), s.value))
                        .collect(),)*
                }
            }

            /// Where the secrets are sent.
            pub fn destination(&self) -> Option<String> {
                match self {
                    $(Self::$variant(c) => c.destination(),)*
                }
            }

            /// Sends one message, within [`Services::TIMEOUT`] and a little more.
            pub async fn send(&self, message: &Message, services: &Services) -> Sent {
                let send = async {
                    match self {
                        $(Self::$variant(c) => c.send(message, services).await,)*
                    }
                };
                match tokio::time::timeout(Services::TIMEOUT + Duration::from_secs(10), send).await {
                    Ok(sent) => sent,
                    Err(_) => Sent::Retry {
                        status: None,
                        error: "the provider did not answer in time".into(),
                        after: None,
                    },
                }
            }
        }
    };
}

channels! {
    Alertmanager(alertmanager::Config) = "alertmanager",
    Discord(discord::Config) = "discord",
    Email(email::Config) = "email",
    Gotify(gotify::Config) = "gotify",
    GoogleChat(google_chat::Config) = "google_chat",
    Matrix(matrix::Config) = "matrix",
    Ntfy(ntfy::Config) = "ntfy",
    Opsgenie(opsgenie::Config) = "opsgenie",
    PagerDuty(pagerduty::Config) = "pagerduty",
    Pushover(pushover::Config) = "pushover",
    Slack(slack::Config) = "slack",
    Teams(teams::Config) = "teams",
    Telegram(telegram::Config) = "telegram",
    Webhook(webhook::Config) = "webhook",
}

impl ChannelConfig {
    /// Seals every secret for storage; a masked secret keeps the stored value while the
    /// channel still sends to the same destination (see [`crate::cipher::seal_secrets`]).
    pub fn seal(
        &mut self,
        cipher: &crate::cipher::Cipher,
        previous: Option<&ChannelConfig>,
    ) -> Result<(), FieldErrors> {
        let mut previous = previous
            .filter(|p| p.type_name() == self.type_name())
            .cloned();
        let same_destination = previous
            .as_ref()
            .is_some_and(|p| p.destination() == self.destination());
        let stored = previous.as_mut().map(ChannelConfig::secrets_mut);
        crate::cipher::seal_secrets(cipher, self.secrets_mut(), stored, same_destination)
    }

    /// Replaces every secret with the mask, for showing.
    pub fn mask(&mut self) {
        crate::cipher::mask_secrets(self.secrets_mut());
    }

    /// Opens every sealed secret, for sending.
    pub fn open(
        &mut self,
        cipher: &crate::cipher::Cipher,
    ) -> Result<(), crate::cipher::CipherError> {
        crate::cipher::open_secrets(cipher, self.secrets_mut())
    }

    /// Rebuilds a stored channel (secrets still sealed).
    pub fn from_stored(channel_type: &str, config: &serde_json::Value) -> anyhow::Result<Self> {
        Ok(serde_json::from_value(
            serde_json::json!({ "type": channel_type, "config": config }),
        )?)
    }

    /// Parses and validates a channel's `type` and `config`; errors are keyed `type` or
    /// `config.<field>`.
    pub fn parse(channel_type: &str, config: serde_json::Value) -> Result<Self, FieldErrors> {
        if !Self::TYPES.contains(&channel_type) {
            return Err(FieldErrors::from([(
                "type".into(),
                format!("must be one of {}", Self::TYPES.join(", ")),
            )]));
        }
        let tagged = serde_json::json!({ "type": channel_type, "config": config });
        let mut channel: Self = serde_json::from_value(tagged).map_err(|err| {
            let text = err.to_string();
            // "missing field `webhook_url`" names the field itself.
            let field = text
                .strip_prefix("missing field `")
                .and_then(|rest| rest.split('`').next())
                .map_or_else(|| "config".to_owned(), |f| format!("config.{f}"));
            FieldErrors::from([(field, text)])
        })?;
        channel.validate()?;
        Ok(channel)
    }

    /// The settings as stored (and shown, once masked).
    pub fn config_json(&self) -> serde_json::Value {
        serde_json::to_value(self)
            .map(|mut v| v["config"].take())
            .unwrap_or(serde_json::Value::Null)
    }
}

/// `value` cut to at most `max` characters, ending in an ellipsis when cut: providers
/// refuse messages over their limits, and a shortened message beats none.
pub fn truncate(value: &str, max: usize) -> String {
    if value.chars().count() <= max {
        return value.to_owned();
    }
    let mut cut: String = value.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

/// Checks that `value` is an absolute http(s) URL; `field` names it in the error.
pub fn check_url(errors: &mut FieldErrors, field: &str, value: &str) {
    if value == crate::cipher::MASK {
        return;
    }
    match reqwest::Url::parse(value) {
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => {}
        Ok(_) => {
            errors.insert(field.into(), "must be an http:// or https:// URL".into());
        }
        Err(err) => {
            errors.insert(field.into(), format!("is not a valid URL: {err}"));
        }
    }
}

/// Checks that a required setting is present.
pub fn require(errors: &mut FieldErrors, field: &str, value: &str) {
    if value.trim().is_empty() {
        errors.insert(field.into(), "is required".into());
    }
}

/// What is percent-encoded in a URL path segment: all but the unreserved characters.
pub const PATH_SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// `scheme://host:port` of a URL, the destination its secrets are bound to.
pub fn origin(url: &str) -> String {
    reqwest::Url::parse(url)
        .map(|u| u.origin().ascii_serialization())
        .unwrap_or_else(|_| url.to_owned())
}

/// The base URL to use: the configured override, or the provider's public address.
pub fn base_url<'a>(api_url: &'a Option<String>, default: &'a str) -> &'a str {
    api_url
        .as_deref()
        .filter(|u| !u.is_empty())
        .unwrap_or(default)
        .trim_end_matches('/')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_types_and_missing_settings_are_named() {
        let errors = ChannelConfig::parse("carrier_pigeon", serde_json::json!({})).unwrap_err();
        assert!(errors["type"].contains("telegram"), "{errors:?}");
        let errors = ChannelConfig::parse("discord", serde_json::json!({})).unwrap_err();
        assert!(errors.contains_key("config.webhook_url"), "{errors:?}");
        let errors =
            ChannelConfig::parse("discord", serde_json::json!({ "webhook_url": "ftp://x" }))
                .unwrap_err();
        assert!(errors.contains_key("config.webhook_url"), "{errors:?}");
    }

    #[test]
    fn truncation_keeps_within_the_limit() {
        assert_eq!(truncate("abc", 3), "abc");
        assert_eq!(truncate("abcdef", 4), "abc…");
        assert_eq!(truncate("ééééé", 3).chars().count(), 3);
    }
}
