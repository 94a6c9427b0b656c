//! A notification that goes dead raises the "Notification delivery failing" alert about
//! its channel, told to the other default channels, so a broken channel does not fail in
//! silence. The next message the channel delivers resolves it.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set,
};
use uuid::Uuid;

use super::notifying::{self, state};
use super::{status, Alerting};
use crate::db::entities::{alert, notification_channel};
use crate::notify::Event;

/// The name such alerts carry as their rule.
pub const RULE_NAME: &str = "Notification delivery failing";

fn key(channel: Uuid) -> String {
    format!("delivery:{channel}")
}

/// Tells the other default channels about an alert of this kind.
async fn tell_others(
    db: &impl ConnectionTrait,
    alerting: &Alerting,
    a: &alert::Model,
    event: Event,
) -> Result<usize, DbErr> {
    let context = notifying::context(alerting, event, a, None, None);
    let now = Utc::now();
    let mut queued = 0;
    for route in alerting
        .routes()
        .iter()
        .filter(|r| r.is_default && r.id != a.target_id)
    {
        let id = notifying::insert(
            db,
            Some(route.id),
            &route.channel_type,
            Some(a.id),
            event,
            context.clone(),
            state::QUEUED,
            None,
            now,
        )
        .await?;
        notifying::enqueue(db, id, &route.channel_type).await?;
        queued += 1;
    }
    Ok(queued)
}

/// Raises the alert for a channel whose notification went dead (once while it lasts).
pub async fn raise(
    db: &impl ConnectionTrait,
    alerting: &Alerting,
    channel: &notification_channel::Model,
    error: &str,
) -> Result<usize, DbErr> {
    let open = alert::Entity::find()
        .filter(alert::Column::OpenKey.eq(key(channel.id)))
        .one(db)
        .await?;
    if open.is_some() {
        return Ok(0);
    }
    let now = Utc::now();
    let a = alert::ActiveModel {
        id: Set(Uuid::now_v7()),
        rule_id: Set(Uuid::nil()),
        rule_name: Set(RULE_NAME.into()),
        target_type: Set("channel".into()),
        target_id: Set(channel.id),
        target_name: Set(channel.name.clone()),
        group_name: Set(None),
        subject: Set(String::new()),
        open_key: Set(Some(key(channel.id))),
        status: Set(status::FIRING.into()),
        severity: Set("warning".into()),
        value: Set(None),
        message: Set(crate::history::truncate(
            &format!(
                "Notifications to {} ({}) cannot be delivered: {error}",
                channel.name, channel.channel_type
            ),
            1000,
        )),
        started_at: Set(now),
        fired_at: Set(Some(now)),
        resolved_at: Set(None),
        acknowledged_by: Set(None),
        acknowledged_at: Set(None),
        suppressed_by: Set(None),
        awaiting_parents: Set(false),
        last_notified_at: Set(Some(now)),
        reminder_at: Set(None),
        escalation: Set(None),
        escalate_at: Set(None),
        updated_at: Set(now),
    }
    .insert(db)
    .await?;
    tracing::warn!(channel = %channel.name, "Notification delivery is failing; the other default channels are told.");
    tell_others(db, alerting, &a, Event::Firing).await
}

/// Resolves the alert of a channel that delivered again.
pub async fn clear(
    db: &impl ConnectionTrait,
    alerting: &Alerting,
    channel: Uuid,
) -> Result<usize, DbErr> {
    let Some(open) = alert::Entity::find()
        .filter(alert::Column::OpenKey.eq(key(channel)))
        .one(db)
        .await?
    else {
        return Ok(0);
    };
    let mut active: alert::ActiveModel = open.into();
    active.status = Set(status::RESOLVED.into());
    active.open_key = Set(None);
    active.resolved_at = Set(Some(Utc::now()));
    active.updated_at = Set(Utc::now());
    let a = active.update(db).await?;
    tell_others(db, alerting, &a, Event::Resolved).await
}
