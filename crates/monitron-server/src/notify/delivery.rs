//! Delivering one queued notification: the `notification` and `email` kinds' unit of
//! work.
//!
//! The notification row holds what the message is rendered from and its delivery log. A
//! delivery of a row already sent is dropped (a redelivery after a crash between sending
//! and acknowledging), so receivers hear each message once in the ordinary course and at
//! least once always; the id they see (`webhook-id`, the Matrix transaction) stays the
//! same across tries, so they can drop a repeat themselves.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter};
use serde_json::Value;
use uuid::Uuid;

use super::{template, ChannelConfig, Event, Message, Sent, Services};
use crate::alerting::notifying::{state, Job};
use crate::cipher::Cipher;
use crate::db::entities::{notification, notification_channel};
use crate::db::group_commit::GroupCommit;
use crate::metrics::Metrics;
use crate::queue::Handled;

/// Most tries of an e-mail, as the spec asks.
pub const EMAIL_MAX_ATTEMPTS: u32 = 10;
/// Default most tries of other channels.
pub const DEFAULT_MAX_ATTEMPTS: u32 = 8;

/// What delivering needs.
#[derive(Clone)]
pub struct Deliverer {
    db: DatabaseConnection,
    cipher: Cipher,
    services: Services,
    metrics: Metrics,
    alerting: crate::alerting::Alerting,
    /// Delivery outcomes waiting to be logged together.
    logs: Arc<GroupCommit<Logged>>,
}

/// One delivery's outcome, for its notification row.
struct Logged {
    id: Uuid,
    status: &'static str,
    attempt: u32,
    status_code: Option<i32>,
    error: Option<String>,
}

/// A channel's configuration with its secrets opened.
pub fn open_channel(
    row: &notification_channel::Model,
    cipher: &Cipher,
) -> anyhow::Result<ChannelConfig> {
    let mut config = ChannelConfig::from_stored(&row.channel_type, &row.config)?;
    config.open(cipher)?;
    Ok(config)
}

/// The admins' template overrides.
pub async fn overrides(db: &impl ConnectionTrait) -> template::Overrides {
    match crate::settings::get(db, template::SETTING).await {
        Ok(Some(value)) => serde_json::from_value(value).unwrap_or_default(),
        _ => template::Overrides::new(),
    }
}

/// The stored context with a rule's own message template applied to the alert's message
/// line (the template itself is not sent).
pub fn with_rule_message(mut data: Value) -> Value {
    if let Some(source) = data["rule"]["message"].as_str().map(str::to_owned) {
        match template::render_text(&source, &data) {
            Ok(text) if !text.is_empty() => data["alert"]["message"] = text.into(),
            Ok(_) => {}
            Err(err) => {
                tracing::warn!(error = %err, "A rule's message template failed; the alert's message is used.")
            }
        }
    }
    if let Some(rule) = data["rule"].as_object_mut() {
        rule.remove("message");
    }
    data
}

/// Renders a stored context for a channel.
pub fn message(
    id: Uuid,
    event: Event,
    data: Value,
    config: &ChannelConfig,
    overrides: &template::Overrides,
) -> Message {
    let data = with_rule_message(data);
    let rendered = template::render(config.type_name(), config.format(), event, &data, overrides);
    Message {
        id,
        event,
        data,
        title: rendered.title,
        body: rendered.body,
        text: rendered.text,
    }
}

/// Logs outcomes on their notification rows, in one transaction.
async fn log_all(db: &DatabaseConnection, outcomes: Vec<Logged>) -> Result<(), DbErr> {
    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
    for o in outcomes {
        let mut update = notification::Entity::update_many()
            .col_expr(notification::Column::Status, Expr::value(o.status))
            .col_expr(
                notification::Column::Attempts,
                Expr::value(i32::try_from(o.attempt).unwrap_or(i32::MAX)),
            )
            .col_expr(
                notification::Column::LastStatusCode,
                Expr::value(o.status_code),
            )
            .col_expr(notification::Column::LastError, Expr::value(o.error))
            .col_expr(notification::Column::UpdatedAt, Expr::value(now));
        if o.status == state::SENT {
            update = update.col_expr(notification::Column::SentAt, Expr::value(Some(now)));
        }
        update
            .filter(notification::Column::Id.eq(o.id))
            .exec(&txn)
            .await?;
    }
    txn.commit().await
}

impl Deliverer {
    /// A deliverer over `db`.
    pub fn new(
        db: DatabaseConnection,
        cipher: Cipher,
        services: Services,
        metrics: Metrics,
        alerting: crate::alerting::Alerting,
    ) -> Self {
        Self {
            db,
            cipher,
            services,
            metrics,
            alerting,
            logs: Arc::default(),
        }
    }

    /// Logs a delivery's outcome on its row (grouped with others in flight).
    async fn log(
        &self,
        id: Uuid,
        status: &'static str,
        attempt: u32,
        sent: &Sent,
    ) -> Result<(), DbErr> {
        let logged = Logged {
            id,
            status,
            attempt,
            status_code: sent.status().map(i32::from),
            error: sent.error().map(str::to_owned),
        };
        let db = self.db.clone();
        self.logs
            .submit(
                logged,
                |outcomes| async move { log_all(&db, outcomes).await },
            )
            .await
    }

    /// Delivers the notification a queued payload names.
    pub async fn handle(&self, payload: &[u8], attempt: u32) -> Handled {
        let Ok(job) = serde_json::from_slice::<Job>(payload) else {
            return Handled::Dead("a queued notification cannot be read".into());
        };
        match self.deliver(job.notification, attempt).await {
            Ok(handled) => handled,
            Err(err) => Handled::Retry(format!("reading the notification failed: {err}")),
        }
    }

    async fn deliver(&self, id: Uuid, attempt: u32) -> Result<Handled, DbErr> {
        // The row and its channel in one read.
        let Some((row, channel)) = notification::Entity::find_by_id(id)
            .find_also_related(notification_channel::Entity)
            .one(&self.db)
            .await?
        else {
            return Ok(Handled::Done);
        };
        if row.status == state::SENT || row.status == state::GROUPED {
            return Ok(Handled::Done);
        }
        // An escalation e-mail to a user: the recipient travels with the message.
        let channel = match (channel, row.channel_id, row.context["recipient"].as_str()) {
            (None, None, Some(recipient)) if row.channel_type == "email" => {
                Some(notification_channel::Model {
                    id: Uuid::nil(),
                    name: format!("e-mail to {recipient}"),
                    channel_type: "email".into(),
                    config: serde_json::json!({ "to": [recipient] }),
                    enabled: true,
                    is_default: false,
                    group_wait_s: 0,
                    max_attempts: EMAIL_MAX_ATTEMPTS as i32,
                    created_by: None,
                    created_at: row.created_at,
                    updated_at: row.created_at,
                })
            }
            (channel, _, _) => channel,
        };
        let Some(channel) = channel else {
            let sent = Sent::Refused {
                status: None,
                error: "the channel was deleted".into(),
            };
            self.log(id, state::DEAD, attempt, &sent).await?;
            return Ok(Handled::Dead("the channel was deleted".into()));
        };
        let config = match open_channel(&channel, &self.cipher) {
            Ok(config) => config,
            Err(err) => {
                let sent = Sent::Refused {
                    status: None,
                    error: format!("the channel's settings cannot be read: {err}"),
                };
                self.log(id, state::DEAD, attempt, &sent).await?;
                return Ok(Handled::Dead(sent.error().unwrap_or_default().to_owned()));
            }
        };
        let event = Event::parse(&row.event).unwrap_or(Event::Firing);
        // Channels that send the structured data itself need no rendering, nor the
        // overrides read for it.
        let message = if config.type_name() == "webhook" {
            Message {
                id,
                event,
                data: with_rule_message(row.context.clone()),
                title: String::new(),
                body: String::new(),
                text: String::new(),
            }
        } else {
            let overrides = overrides(&self.db).await;
            message(id, event, row.context.clone(), &config, &overrides)
        };
        let sent = config.send(&message, &self.services).await;
        let max = u32::try_from(channel.max_attempts)
            .unwrap_or(DEFAULT_MAX_ATTEMPTS)
            .max(1);
        let outcome = match &sent {
            Sent::Delivered { .. } => "sent",
            Sent::Refused { .. } => "refused",
            Sent::Retry { .. } if attempt >= max => "dead",
            Sent::Retry { .. } => "retry",
        };
        self.metrics
            .alerting
            .notifications
            .with_label_values(&[config.type_name(), outcome])
            .inc();
        let handled = match &sent {
            Sent::Delivered { .. } => {
                self.log(id, state::SENT, attempt, &sent).await?;
                if let Some(fired) = row.context["alert"]["fired_at"]
                    .as_str()
                    .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
                {
                    let seconds =
                        (Utc::now() - fired.with_timezone(&Utc)).num_milliseconds() as f64 / 1000.0;
                    if event == Event::Firing {
                        self.metrics.alerting.latency.observe(seconds.max(0.0));
                    }
                }
                tracing::info!(notification = %id, channel = %channel.name, channel_type = config.type_name(), attempt, "Notification sent.");
                if row.channel_id.is_some()
                    && crate::alerting::delivery_failing::clear(
                        &self.db,
                        &self.alerting,
                        channel.id,
                    )
                    .await?
                        > 0
                {
                    self.alerting.wake();
                }
                Handled::Done
            }
            Sent::Retry { error, after, .. } if attempt < max => {
                self.log(id, state::RETRYING, attempt, &sent).await?;
                match after {
                    Some(wait) => {
                        Handled::RetryAfter(*wait.max(&Duration::from_secs(1)), error.clone())
                    }
                    None => Handled::Retry(error.clone()),
                }
            }
            Sent::Retry { error, .. } | Sent::Refused { error, .. } => {
                self.log(id, state::DEAD, attempt, &sent).await?;
                tracing::error!(notification = %id, channel = %channel.name, attempt, error = %error, "A notification could not be delivered; it is dead.");
                // A message about a failing delivery does not raise another.
                let about_delivery =
                    row.context["rule"]["name"] == crate::alerting::delivery_failing::RULE_NAME;
                if row.channel_id.is_some() && !about_delivery {
                    let txn = crate::db::begin_write(&self.db).await?;
                    let queued = crate::alerting::delivery_failing::raise(
                        &txn,
                        &self.alerting,
                        &channel,
                        error,
                    )
                    .await?;
                    txn.commit().await?;
                    if queued > 0 {
                        self.alerting.wake();
                    }
                }
                Handled::Dead(error.clone())
            }
        };
        Ok(handled)
    }
}

/// The data of a test message.
pub fn test_context(public_url: &str) -> Value {
    let now = Utc::now();
    serde_json::json!({
        "type": Event::Test.webhook_type(),
        "alert": { "id": null, "status": "test", "severity": "info", "value": null,
                   "message": "This is a test message from Monitron.", "started_at": now,
                   "fired_at": now, "resolved_at": null, "acknowledged_at": null },
        "rule": { "id": null, "name": "Test" },
        "monitor": { "id": null, "name": "Monitron", "type": "test", "group": null,
                     "labels": {}, "target": public_url, "url": public_url },
        "ack_url": null,
    })
}

/// Sends a test message to a channel now, once, and logs it as a notification.
pub async fn send_test(
    db: &DatabaseConnection,
    cipher: &Cipher,
    services: &Services,
    channel: &notification_channel::Model,
    public_url: &str,
) -> Result<(Uuid, Sent), DbErr> {
    let context = test_context(public_url);
    let id = crate::alerting::notifying::insert(
        db,
        Some(channel.id),
        &channel.channel_type,
        None,
        Event::Test,
        context.clone(),
        state::QUEUED,
        None,
        Utc::now(),
    )
    .await?;
    let sent = match open_channel(channel, cipher) {
        Ok(config) => {
            let overrides = overrides(db).await;
            let message = message(id, Event::Test, context, &config, &overrides);
            config.send(&message, services).await
        }
        Err(err) => Sent::Refused {
            status: None,
            error: format!("the channel's settings cannot be read: {err}"),
        },
    };
    let status = if matches!(sent, Sent::Delivered { .. }) {
        state::SENT
    } else {
        state::DEAD
    };
    log_all(
        db,
        vec![Logged {
            id,
            status,
            attempt: 1,
            status_code: sent.status().map(i32::from),
            error: sent.error().map(str::to_owned),
        }],
    )
    .await?;
    Ok((id, sent))
}
