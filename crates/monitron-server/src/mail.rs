//! Outgoing e-mail over SMTP (lettre), configured by the `EMAIL_*` variables.
//!
//! E-mail is durable work: [`enqueue`] writes it to the outbox in the transaction that
//! promised it (a password-reset link is issued and mailed, or neither), and workers send
//! it with [`deliver`], retried up to 10 times with growing delays. The stored message is
//! sealed with `ENCRYPTION_KEY`: it carries credentials (reset links) that the database
//! otherwise keeps only as hashes.

use std::time::Duration;

use anyhow::Context;
use lettre::message::{header::ContentType, Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sea_orm::ConnectionTrait;
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};

use crate::cipher::Cipher;
use crate::config::{EmailConfig, EmailTls};
use crate::queue::{outbox, Handled, WorkKind};

/// Sends e-mail through the configured SMTP server.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

/// An e-mail to send.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Email {
    /// Recipient address.
    pub to: String,
    /// Subject line.
    pub subject: String,
    /// Plain-text body.
    pub body: String,
}

impl Mailer {
    /// Builds the SMTP transport (no connection is made until the first send).
    pub fn new(config: &EmailConfig) -> anyhow::Result<Self> {
        let builder = match config.tls {
            EmailTls::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&config.host),
            EmailTls::Starttls => {
                AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&config.host)
                    .context("Failed to configure STARTTLS for EMAIL_HOST")?
            }
            EmailTls::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&config.host)
                .context("Failed to configure TLS for EMAIL_HOST")?,
        };
        let mut builder = builder
            .port(config.port)
            .timeout(Some(Duration::from_secs(20)));
        if let (Some(user), Some(pass)) = (&config.username, &config.password) {
            builder = builder.credentials(Credentials::new(
                user.clone(),
                pass.expose_secret().to_owned(),
            ));
        }
        let from = config
            .from
            .parse()
            .context("EMAIL_FROM is not a valid address")?;
        Ok(Self {
            transport: builder.build(),
            from,
        })
    }

    /// Sends one message.
    pub async fn send(&self, email: &Email) -> anyhow::Result<()> {
        let message = Message::builder()
            .from(self.from.clone())
            .to(email.to.parse().context("Invalid recipient address")?)
            .subject(&email.subject)
            .header(ContentType::TEXT_PLAIN)
            .body(email.body.clone())
            .context("Failed to build the e-mail")?;
        self.transport
            .send(message)
            .await
            .context("SMTP delivery failed")?;
        Ok(())
    }
}

/// A message with HTML and plain-text parts to several recipients (alert e-mail).
pub struct Rich<'a> {
    /// Recipients.
    pub to: &'a [String],
    /// Copied recipients.
    pub cc: &'a [String],
    /// Subject line.
    pub subject: &'a str,
    /// Plain-text part.
    pub text: &'a str,
    /// HTML part.
    pub html: &'a str,
}

impl Mailer {
    /// Sends a message with HTML and plain-text alternatives.
    pub async fn send_rich(&self, email: &Rich<'_>) -> anyhow::Result<()> {
        let mut builder = Message::builder()
            .from(self.from.clone())
            .subject(email.subject);
        for to in email.to {
            builder = builder.to(to.parse().context("Invalid recipient address")?);
        }
        for cc in email.cc {
            builder = builder.cc(cc.parse().context("Invalid recipient address")?);
        }
        let message = builder
            .multipart(MultiPart::alternative_plain_html(
                email.text.to_owned(),
                email.html.to_owned(),
            ))
            .context("Failed to build the e-mail")?;
        self.transport
            .send(message)
            .await
            .context("SMTP delivery failed")?;
        Ok(())
    }
}

/// Queues `email` in the caller's transaction (sealed); a worker sends it once the
/// transaction commits.
pub async fn enqueue(
    db: &impl ConnectionTrait,
    cipher: &Cipher,
    email: &Email,
) -> Result<(), sea_orm::DbErr> {
    let json = serde_json::to_string(email).expect("an e-mail serializes");
    outbox::enqueue(db, WorkKind::Email, cipher.seal(&json).into_bytes()).await?;
    Ok(())
}

/// Sends one queued e-mail: the `email` kind's unit of work. A mail server that refuses
/// or cannot be reached is worth another try; a message that cannot be read is not.
pub async fn deliver(mailer: &Mailer, cipher: &Cipher, payload: &[u8], attempt: u32) -> Handled {
    let email = std::str::from_utf8(payload)
        .map_err(anyhow::Error::from)
        .and_then(|sealed| Ok(cipher.open(sealed)?))
        .and_then(|json| Ok(serde_json::from_str::<Email>(&json)?));
    let email = match email {
        Ok(email) => email,
        Err(err) => {
            return Handled::Dead(format!(
                "a queued e-mail cannot be read (was ENCRYPTION_KEY changed?): {err:#}"
            ));
        }
    };
    match mailer.send(&email).await {
        Ok(()) => {
            tracing::info!(attempt, subject = %email.subject, "E-mail sent.");
            Handled::Done
        }
        Err(err) => Handled::Retry(format!("{err:#}")),
    }
}
