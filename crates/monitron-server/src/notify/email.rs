//! `email`: an HTML message with a plain-text part, through the server's SMTP settings
//! (`EMAIL_*`). E-mail goes through the queue's `email` kind: at most 10 tries.

use lettre::message::Mailbox;
use serde::{Deserialize, Serialize};

use super::{Format, Message, Notifier, Sent, Services};
use crate::error::FieldErrors;

/// Settings of an e-mail channel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Recipients.
    pub to: Vec<String>,
    /// Copied recipients.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cc: Vec<String>,
}

fn check_addresses(errors: &mut FieldErrors, field: &str, addresses: &[String]) {
    for (i, address) in addresses.iter().enumerate() {
        if address.parse::<Mailbox>().is_err() {
            errors.insert(
                format!("{field}[{i}]"),
                "is not a valid e-mail address".into(),
            );
        }
    }
}

impl Notifier for Config {
    const FORMAT: Format = Format::Html;

    fn validate(&mut self) -> Result<(), FieldErrors> {
        let mut errors = FieldErrors::new();
        for list in [&mut self.to, &mut self.cc] {
            for address in list.iter_mut() {
                *address = address.trim().to_owned();
            }
        }
        if self.to.is_empty() {
            errors.insert("to".into(), "needs at least one address".into());
        } else if self.to.len() + self.cc.len() > 50 {
            errors.insert("to".into(), "at most 50 recipients".into());
        }
        check_addresses(&mut errors, "to", &self.to);
        check_addresses(&mut errors, "cc", &self.cc);
        crate::error::verdict(errors)
    }

    async fn send(&self, message: &Message, services: &Services) -> Sent {
        let Some(mailer) = &services.mailer else {
            return Sent::Retry {
                status: None,
                error: "e-mail is off on this server (EMAIL_HOST is not set)".into(),
                after: None,
            };
        };
        let html = format!(
            "<!doctype html><html><body style=\"font-family:sans-serif\">{}</body></html>",
            message.body
        );
        let email = crate::mail::Rich {
            to: &self.to,
            cc: &self.cc,
            subject: &super::truncate(&message.title, 200),
            text: &message.text,
            html: &html,
        };
        match mailer.send_rich(&email).await {
            Ok(()) => Sent::Delivered { status: None },
            Err(err) => Sent::Retry {
                status: None,
                error: format!("{err:#}"),
                after: None,
            },
        }
    }
}
