//! From an alert event to notification rows: which channels hear about it, what the
//! message is rendered from, and the outbox work that delivers it, all written in the
//! caller's transaction.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::QuerySelect;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set,
};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use uuid::Uuid;

use super::{Alerting, Rule};
use crate::db::entities::{alert, monitor, monitor_state, notification};
use crate::monitors::view::MonitorStatus;
use crate::notify::Event;
use crate::queue::{outbox, WorkKind};

/// Delivery states of a notification.
pub mod state {
    /// In a channel's grouping window, waiting to go out in a digest.
    pub const WAITING: &str = "waiting";
    /// Went out inside a digest.
    pub const GROUPED: &str = "grouped";
    /// Queued for its first try.
    pub const QUEUED: &str = "queued";
    /// Delivered.
    pub const SENT: &str = "sent";
    /// Failed; tried again later.
    pub const RETRYING: &str = "retrying";
    /// Attempts spent, or refused for good.
    pub const DEAD: &str = "dead";
}

/// The queue payload of a notification: its id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Job {
    /// The notification.
    pub notification: Uuid,
}

/// The queue kind that delivers to a channel type: e-mail has its own.
pub fn work_kind(channel_type: &str) -> WorkKind {
    if channel_type == "email" {
        WorkKind::Email
    } else {
        WorkKind::Notification
    }
}

/// Queues delivery of a stored notification in the caller's transaction.
pub async fn enqueue(db: &impl ConnectionTrait, id: Uuid, channel_type: &str) -> Result<(), DbErr> {
    let payload = serde_json::to_vec(&Job { notification: id }).expect("a job serializes");
    outbox::enqueue(db, work_kind(channel_type), payload).await?;
    Ok(())
}

/// What a message says about the monitor.
pub fn monitor_json(row: &monitor::Model, public_url: &str) -> Value {
    let c = &row.config;
    let text = |v: &Value| v.as_str().map(str::to_owned);
    let target = text(&c["url"])
        .or_else(|| match (text(&c["host"]), c["port"].as_u64()) {
            (Some(host), Some(port)) => Some(format!("{host}:{port}")),
            (Some(host), None) => Some(host),
            _ => None,
        })
        .or_else(|| text(&c["domain"]))
        .or_else(|| text(&c["name"]))
        .unwrap_or_default();
    let path = match row.kind.as_str() {
        "domain" => "domains",
        "instance" => "instances",
        _ => "services",
    };
    json!({
        "id": row.id,
        "name": row.name,
        "kind": row.kind,
        "type": if row.kind == "instance" { "agent" } else { row.check_type.as_str() },
        "group": row.group_name,
        "labels": row.labels,
        "target": target,
        "url": format!("{public_url}/{path}/{}", row.id),
    })
}

/// The monitors of these ids, as messages describe them.
pub async fn monitors(
    db: &impl ConnectionTrait,
    ids: impl IntoIterator<Item = Uuid>,
    public_url: &str,
) -> Result<HashMap<Uuid, Value>, DbErr> {
    let mut ids: Vec<Uuid> = ids.into_iter().collect();
    ids.sort_unstable();
    ids.dedup();
    let mut found = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(256) {
        for row in monitor::Entity::find()
            .filter(monitor::Column::Id.is_in(chunk.iter().copied()))
            .all(db)
            .await?
        {
            found.insert(row.id, monitor_json(&row, public_url));
        }
    }
    Ok(found)
}

/// What a message says about the alert.
pub fn alert_json(a: &alert::Model) -> Value {
    json!({
        "id": a.id,
        "status": a.status,
        "severity": a.severity,
        "value": a.value,
        "message": a.message,
        "subject": a.subject,
        "started_at": a.started_at,
        "fired_at": a.fired_at,
        "resolved_at": a.resolved_at,
        "acknowledged_at": a.acknowledged_at,
    })
}

/// The data a message is rendered from (and the webhook body).
pub fn context(
    alerting: &Alerting,
    event: Event,
    a: &alert::Model,
    rule: Option<&Rule>,
    monitor: Option<&Value>,
) -> Value {
    let mut rule_json = json!({ "id": a.rule_id, "name": a.rule_name });
    if let Some(template) = rule.and_then(|r| r.message.as_deref()) {
        rule_json["message"] = template.into();
    }
    let monitor = monitor.cloned().unwrap_or_else(|| {
        json!({ "id": a.target_id, "name": a.target_name, "kind": a.target_type,
                "type": a.target_type, "group": a.group_name, "labels": {}, "target": "", "url": "" })
    });
    json!({
        "type": event.webhook_type(),
        "alert": alert_json(a),
        "rule": rule_json,
        "monitor": monitor,
        "ack_url": if event == Event::Resolved { Value::Null } else { alerting.ack_url(a.id).into() },
    })
}

/// A notification row for one channel.
#[allow(clippy::too_many_arguments)]
pub async fn insert(
    db: &impl ConnectionTrait,
    channel_id: Option<Uuid>,
    channel_type: &str,
    alert_id: Option<Uuid>,
    event: Event,
    context: Value,
    status: &str,
    group_until: Option<i64>,
    now: DateTime<Utc>,
) -> Result<Uuid, DbErr> {
    let id = Uuid::now_v7();
    notification::ActiveModel {
        id: Set(id),
        channel_id: Set(channel_id),
        channel_type: Set(channel_type.to_owned()),
        alert_id: Set(alert_id),
        event: Set(event.as_str().to_owned()),
        status: Set(status.to_owned()),
        attempts: Set(0),
        last_status_code: Set(None),
        last_error: Set(None),
        context: Set(context),
        group_until: Set(group_until),
        digest_id: Set(None),
        created_at: Set(now),
        sent_at: Set(None),
        updated_at: Set(now),
    }
    .insert(db)
    .await?;
    Ok(id)
}

/// Notifies the channels of an alert event: the rule's channels, or the default ones when
/// it names none. A firing alert to a grouping channel waits for its digest. Returns how
/// many notifications were queued (the caller wakes the queue after committing).
pub async fn notify(
    db: &impl ConnectionTrait,
    alerting: &Alerting,
    channels: &[Uuid],
    a: &alert::Model,
    event: Event,
    context: &Value,
    now: DateTime<Utc>,
) -> Result<usize, DbErr> {
    let routes = alerting.routes();
    let mut queued = 0;
    for route in routes.iter().filter(|r| {
        if channels.is_empty() {
            r.is_default
        } else {
            channels.contains(&r.id)
        }
    }) {
        let grouped = route.group_wait_s > 0 && event == Event::Firing;
        let (status, group_until) = if grouped {
            (
                state::WAITING,
                Some(now.timestamp_millis() + i64::from(route.group_wait_s) * 1000),
            )
        } else {
            (state::QUEUED, None)
        };
        let id = insert(
            db,
            Some(route.id),
            &route.channel_type,
            Some(a.id),
            event,
            context.clone(),
            status,
            group_until,
            now,
        )
        .await?;
        if !grouped {
            enqueue(db, id, &route.channel_type).await?;
            queued += 1;
        }
    }
    Ok(queued)
}

/// Tells the channels that keep an alert's state (PagerDuty, Opsgenie) that these alerts
/// were acknowledged: each such channel that was sent an alert's firing message on its
/// own (a digest carries no alert's key). Returns how many notifications were queued
/// (the caller wakes the queue after committing).
pub async fn acknowledged(
    db: &impl ConnectionTrait,
    alerts: &[Uuid],
    now: DateTime<Utc>,
) -> Result<usize, DbErr> {
    if alerts.is_empty() {
        return Ok(0);
    }
    let fired = notification::Entity::find()
        .filter(notification::Column::AlertId.is_in(alerts.iter().copied()))
        .filter(notification::Column::Event.eq(Event::Firing.as_str()))
        .filter(notification::Column::ChannelId.is_not_null())
        .filter(
            notification::Column::ChannelType
                .is_in(crate::notify::ChannelConfig::acknowledging_types()),
        )
        .filter(notification::Column::Status.is_in([state::QUEUED, state::RETRYING, state::SENT]))
        .all(db)
        .await?;
    let mut told = std::collections::HashSet::new();
    for n in fired {
        if !told.insert((n.alert_id, n.channel_id)) {
            continue;
        }
        let mut context = n.context;
        context["type"] = Event::Acknowledged.webhook_type().into();
        context["alert"]["acknowledged_at"] = json!(now);
        context["ack_url"] = Value::Null;
        let id = insert(
            db,
            n.channel_id,
            &n.channel_type,
            n.alert_id,
            Event::Acknowledged,
            context,
            state::QUEUED,
            None,
            now,
        )
        .await?;
        enqueue(db, id, &n.channel_type).await?;
    }
    Ok(told.len())
}

/// The open alerts of these monitors, by open key.
pub async fn open_alerts(
    db: &impl ConnectionTrait,
    targets: &[Uuid],
) -> Result<HashMap<String, alert::Model>, DbErr> {
    let mut open = HashMap::new();
    for chunk in targets.chunks(256) {
        for row in alert::Entity::find()
            .filter(alert::Column::TargetId.is_in(chunk.iter().copied()))
            .filter(alert::Column::OpenKey.is_not_null())
            .all(db)
            .await?
        {
            if let Some(key) = row.open_key.clone() {
                open.insert(key, row);
            }
        }
    }
    Ok(open)
}

/// The key that names one open episode.
pub fn open_key(rule: Uuid, target: Uuid, subject: &str) -> String {
    format!("{rule}:{target}:{subject}")
}

/// Sends one escalation step about an alert: to its channels, and by e-mail to its
/// users (active ones, at their address). Returns the notifications queued.
pub async fn step(
    db: &impl ConnectionTrait,
    alerting: &Alerting,
    a: &alert::Model,
    step: &super::escalation::Step,
    context: &Value,
    now: DateTime<Utc>,
) -> Result<usize, DbErr> {
    let mut queued = 0;
    if !step.channels.is_empty() {
        queued += notify(db, alerting, &step.channels, a, Event::Firing, context, now).await?;
    }
    if step.users.is_empty() {
        return Ok(queued);
    }
    let users = crate::db::entities::user::Entity::find()
        .filter(crate::db::entities::user::Column::Id.is_in(step.users.iter().copied()))
        .filter(crate::db::entities::user::Column::Active.eq(true))
        .all(db)
        .await?;
    for user in users {
        let mut context = context.clone();
        context["recipient"] = user.email.clone().into();
        let id = insert(
            db,
            None,
            "email",
            Some(a.id),
            Event::Firing,
            context,
            state::QUEUED,
            None,
            now,
        )
        .await?;
        enqueue(db, id, "email").await?;
        queued += 1;
    }
    Ok(queued)
}

/// The stored status of these monitors.
pub async fn statuses(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, MonitorStatus>, DbErr> {
    let mut found = HashMap::new();
    for chunk in ids.chunks(256) {
        for (id, st) in monitor_state::Entity::find()
            .select_only()
            .column(monitor_state::Column::MonitorId)
            .column(monitor_state::Column::Status)
            .filter(monitor_state::Column::MonitorId.is_in(chunk.iter().copied()))
            .into_tuple::<(Uuid, String)>()
            .all(db)
            .await?
        {
            found.insert(id, MonitorStatus::parse(&st));
        }
    }
    Ok(found)
}
