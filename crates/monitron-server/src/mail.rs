//! Outgoing e-mail over SMTP (lettre), configured by the `EMAIL_*` variables.

use std::time::Duration;

use anyhow::Context;
use lettre::message::{header::ContentType, Mailbox};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::ExposeSecret;

use crate::config::{EmailConfig, EmailTls};

/// Sends e-mail through the configured SMTP server.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

/// An e-mail to send.
#[derive(Debug, Clone)]
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

    /// Sends in the background, retrying with backoff, so the caller's answer does not
    /// depend on (or reveal) the mail server's speed. Failures are logged.
    pub fn send_in_background(&self, email: Email) {
        let mailer = self.clone();
        tokio::spawn(async move {
            let mut delay = Duration::from_secs(1);
            for attempt in 1..=5 {
                match mailer.send(&email).await {
                    Ok(()) => {
                        tracing::info!(attempt, subject = %email.subject, "E-mail sent.");
                        return;
                    }
                    Err(err) => {
                        tracing::warn!(attempt, error = %format!("{err:#}"), "E-mail delivery failed; will retry.");
                        tokio::time::sleep(delay).await;
                        delay *= 2;
                    }
                }
            }
            tracing::error!(subject = %email.subject, "E-mail could not be delivered after 5 attempts.");
        });
    }
}
