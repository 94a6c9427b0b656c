//! Alertmanager keeps an alert only while it hears of it (it resolves one it has not
//! heard of for its `resolve_timeout`), so the process holding the scheduler lease sends
//! every firing alert to each Alertmanager channel again at `ALERTMANAGER_RESEND_INTERVAL`
//! (60 s), and each resolve, with its `endsAt`, for five minutes after it. These repeats
//! are state, not messages: they are posted directly, and a missed one is made up by the
//! next.
//!
//! `ALERTMANAGER_URL` adds an implicit default Alertmanager channel, kept in step with the
//! variable at every start.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect,
    Set,
};
use serde_json::Value;
use uuid::Uuid;

use super::{notifying, status, Alerting};
use crate::cipher::Cipher;
use crate::db::entities::{alert, notification_channel};
use crate::notify::alertmanager::{self, RESOLVE_REPEAT};
use crate::notify::delivery::open_channel;
use crate::notify::{ChannelConfig, Event, Services};

/// The id of the channel `ALERTMANAGER_URL` implies.
pub const IMPLICIT_CHANNEL: Uuid = Uuid::from_u128(0x0193_0000_0000_7000_8000_a1e7_6d61_6e67);
/// Most alerts sent in one round.
const MAX_ALERTS: u64 = 10_000;

/// Creates, updates or removes the implicit Alertmanager channel to match the setting.
pub async fn ensure_implicit_channel(
    db: &impl ConnectionTrait,
    url: Option<&str>,
) -> Result<(), DbErr> {
    let existing = notification_channel::Entity::find_by_id(IMPLICIT_CHANNEL)
        .one(db)
        .await?;
    let Some(url) = url else {
        if existing.is_some() {
            notification_channel::Entity::delete_by_id(IMPLICIT_CHANNEL)
                .exec(db)
                .await?;
            tracing::info!("ALERTMANAGER_URL is no longer set; its implicit channel is removed.");
        }
        return Ok(());
    };
    let config = serde_json::json!({ "url": url });
    let now = Utc::now();
    match existing {
        Some(row) if row.config == config => {}
        Some(row) => {
            let mut active: notification_channel::ActiveModel = row.into();
            active.config = Set(config);
            active.updated_at = Set(now);
            active.update(db).await?;
        }
        None => {
            notification_channel::ActiveModel {
                id: Set(IMPLICIT_CHANNEL),
                name: Set("Alertmanager (ALERTMANAGER_URL)".into()),
                channel_type: Set("alertmanager".into()),
                config: Set(config),
                enabled: Set(true),
                is_default: Set(true),
                group_wait_s: Set(0),
                max_attempts: Set(crate::notify::delivery::DEFAULT_MAX_ATTEMPTS as i32),
                created_by: Set(None),
                created_at: Set(now),
                updated_at: Set(now),
            }
            .insert(db)
            .await?;
            tracing::info!(
                url,
                "Every alert also goes to Alertmanager (ALERTMANAGER_URL)."
            );
        }
    }
    Ok(())
}

/// Sends the firing alerts, and those resolved in the last five minutes, to every
/// Alertmanager channel that routes them. Returns how many alerts were posted.
pub async fn resend(
    db: &impl ConnectionTrait,
    alerting: &Alerting,
    cipher: &Cipher,
    services: &Services,
    now: DateTime<Utc>,
) -> Result<usize, DbErr> {
    let routes: Vec<_> = alerting
        .routes()
        .iter()
        .filter(|r| r.channel_type == "alertmanager")
        .cloned()
        .collect();
    if routes.is_empty() {
        return Ok(0);
    }
    let since = now - chrono::Duration::from_std(RESOLVE_REPEAT).expect("five minutes");
    let alerts = alert::Entity::find()
        .filter(
            alert::Column::Status
                .eq(status::FIRING)
                .or(alert::Column::Status
                    .eq(status::RESOLVED)
                    .and(alert::Column::ResolvedAt.gte(since))
                    .and(alert::Column::LastNotifiedAt.is_not_null())),
        )
        .limit(MAX_ALERTS)
        .all(db)
        .await?;
    if alerts.is_empty() {
        return Ok(0);
    }
    let rules = alerting.rules();
    let monitors = notifying::monitors(
        db,
        alerts.iter().map(|a| a.target_id),
        alerting.public_url(),
    )
    .await?;
    let mut posted = 0;
    for route in routes {
        let Some(row) = notification_channel::Entity::find_by_id(route.id)
            .one(db)
            .await?
        else {
            continue;
        };
        let Ok(ChannelConfig::Alertmanager(config)) = open_channel(&row, cipher) else {
            continue;
        };
        let batch: Vec<Value> = alerts
            .iter()
            .filter_map(|a| {
                let rule = rules.iter().find(|r| r.id == a.rule_id)?;
                let routed = if rule.channels.is_empty() {
                    route.is_default
                } else {
                    rule.channels.contains(&route.id)
                };
                if !routed || (a.status == status::FIRING && a.last_notified_at.is_none()) {
                    return None;
                }
                let event = if a.status == status::FIRING {
                    Event::Firing
                } else {
                    Event::Resolved
                };
                let entry =
                    notifying::context(alerting, event, a, Some(rule), monitors.get(&a.target_id));
                let summary = format!("{}: {}", a.rule_name, a.target_name);
                let ends = a.resolved_at.map(|t| t.to_rfc3339());
                Some(alertmanager::postable(
                    &entry,
                    &summary,
                    &a.message,
                    ends.as_deref(),
                    entry["monitor"]["url"].as_str(),
                ))
            })
            .collect();
        if batch.is_empty() {
            continue;
        }
        let sent = config.post(&batch, services).await;
        if let Some(error) = sent.error() {
            tracing::warn!(channel = %row.name, error, "Re-sending alerts to Alertmanager failed; the next round tries again.");
        } else {
            posted += batch.len();
        }
    }
    Ok(posted)
}
