//! The time-driven steps of alerting, taken every second by the process that holds the
//! scheduler lease (so exactly one process takes them):
//!
//! - a pending alert whose `for_s` has elapsed fires;
//! - a firing alert whose `reminder_at` has come is notified: first when its cooldown held
//!   the firing message back, then as reminders while it stays unacknowledged;
//! - a channel's grouped notifications go out as one digest once the oldest has waited
//!   its `group_wait_s`.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde_json::{json, Value};
use uuid::Uuid;

use super::notifying::{self, state};
use super::{evaluate, status, Alerting, Rule};
use crate::db::entities::{alert, notification};
use crate::engine::Engine;
use crate::monitors::view::MonitorStatus;
use crate::notify::Event;

/// Most alerts of one kind handled per tick; the rest wait for the next one.
const BATCH: u64 = 500;

/// What a tick did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Ticked {
    /// Pending alerts that fired.
    pub fired: usize,
    /// Reminders (and held-back firings) sent.
    pub reminded: usize,
    /// Digests sent.
    pub digests: usize,
}

/// Takes every step that is due at `now`.
pub async fn tick(
    db: &DatabaseConnection,
    alerting: &Alerting,
    engine: &Engine,
    now: DateTime<Utc>,
) -> Result<Ticked, DbErr> {
    let catalog = engine.catalog();
    dependencies(db, alerting, engine, now).await?;
    // Nothing moves for a monitor in maintenance; its alerts wait for the window's end.
    let in_maintenance = |target: Uuid| {
        catalog
            .get(target)
            .is_some_and(|m| alerting.maintenance_of(&m, now).is_some())
    };
    let rules = alerting.rules();
    let rules: HashMap<Uuid, &Rule> = rules.iter().map(|r| (r.id, r)).collect();
    let mut ticked = Ticked::default();
    let mut queued = 0;

    // Pending alerts whose wait is over (or whose rule is gone).
    let pending = alert::Entity::find()
        .filter(alert::Column::Status.eq(status::PENDING))
        .order_by_asc(alert::Column::StartedAt)
        .limit(BATCH)
        .all(db)
        .await?;
    let due: Vec<alert::Model> = pending
        .into_iter()
        .filter(|a| match rules.get(&a.rule_id) {
            Some(rule) => {
                (now - a.started_at).num_seconds() >= i64::from(rule.for_s)
                    && !in_maintenance(a.target_id)
            }
            None => true,
        })
        .collect();
    // Due reminders and cooldown ends.
    let reminders = alert::Entity::find()
        .filter(alert::Column::Status.eq(status::FIRING))
        .filter(alert::Column::ReminderAt.lte(now.timestamp_millis()))
        .order_by_asc(alert::Column::ReminderAt)
        .limit(BATCH)
        .all(db)
        .await?
        .into_iter()
        .filter(|a| !in_maintenance(a.target_id))
        .collect::<Vec<_>>();
    if !due.is_empty() || !reminders.is_empty() {
        let txn = crate::db::begin_write(db).await?;
        let monitors = notifying::monitors(
            &txn,
            due.iter().chain(&reminders).map(|a| a.target_id),
            alerting.public_url(),
        )
        .await?;
        for a in due {
            let monitor = monitors.get(&a.target_id);
            match rules.get(&a.rule_id) {
                Some(rule) => {
                    queued += evaluate::fire(&txn, alerting, rule, a, monitor, now).await?;
                    ticked.fired += 1;
                }
                None => {
                    evaluate::resolve(&txn, alerting, None, a, monitor, now).await?;
                }
            }
        }
        for a in reminders {
            let monitor = monitors.get(&a.target_id).cloned();
            let Some(rule) = rules.get(&a.rule_id) else {
                let mut active: alert::ActiveModel = a.into();
                active.reminder_at = Set(None);
                active.update(&txn).await?;
                continue;
            };
            let first = a.last_notified_at.is_none();
            if !first && (a.acknowledged_at.is_some() || rule.repeat_interval_s == 0) {
                let mut active: alert::ActiveModel = a.into();
                active.reminder_at = Set(None);
                active.update(&txn).await?;
                continue;
            }
            let event = if first {
                Event::Firing
            } else {
                Event::Reminder
            };
            let mut active: alert::ActiveModel = a.into();
            active.last_notified_at = Set(Some(now));
            active.reminder_at = Set((rule.repeat_interval_s > 0)
                .then(|| now.timestamp_millis() + i64::from(rule.repeat_interval_s) * 1000));
            active.updated_at = Set(now);
            let a = active.update(&txn).await?;
            let context = notifying::context(alerting, event, &a, Some(rule), monitor.as_ref());
            queued +=
                notifying::notify(&txn, alerting, &rule.channels, &a, event, &context, now).await?;
            // A firing message held back by the cooldown starts the escalation now.
            if first {
                queued += evaluate::escalate(&txn, alerting, rule, a, &context, now).await?;
            }
            ticked.reminded += 1;
        }
        txn.commit().await?;
    }

    queued += escalations(db, alerting, &in_maintenance, now).await?;
    let (digests, digest_queued) = digests(db, now).await?;
    ticked.digests = digests;
    queued += digest_queued;
    if queued > 0 {
        alerting.wake();
    }
    Ok(ticked)
}

/// Takes the escalation steps that are due, for firing alerts nobody acknowledged.
async fn escalations(
    db: &DatabaseConnection,
    alerting: &Alerting,
    in_maintenance: &impl Fn(Uuid) -> bool,
    now: DateTime<Utc>,
) -> Result<usize, DbErr> {
    let due: Vec<alert::Model> = alert::Entity::find()
        .filter(alert::Column::Status.eq(status::FIRING))
        .filter(alert::Column::AcknowledgedAt.is_null())
        .filter(alert::Column::EscalateAt.lte(now.timestamp_millis()))
        .limit(BATCH)
        .all(db)
        .await?
        .into_iter()
        .filter(|a| !in_maintenance(a.target_id))
        .collect();
    if due.is_empty() {
        return Ok(0);
    }
    let rules = alerting.rules();
    let txn = crate::db::begin_write(db).await?;
    let monitors =
        notifying::monitors(&txn, due.iter().map(|a| a.target_id), alerting.public_url()).await?;
    let mut queued = 0;
    for a in due {
        let running: Option<super::escalation::Running> = a
            .escalation
            .clone()
            .and_then(|e| serde_json::from_value(e).ok());
        let Some(mut running) = running else {
            let mut active: alert::ActiveModel = a.into();
            active.escalate_at = Set(None);
            active.update(&txn).await?;
            continue;
        };
        let rule = rules.iter().find(|r| r.id == a.rule_id);
        let fired_at = a.fired_at.unwrap_or(now);
        if let Some(step) = running.advance() {
            let mut context = notifying::context(
                alerting,
                Event::Firing,
                &a,
                rule,
                monitors.get(&a.target_id),
            );
            context["escalation"] =
                serde_json::json!({ "policy": running.name, "round": running.round });
            queued += notifying::step(&txn, alerting, &a, &step, &context, now).await?;
        }
        let next = running.next_at(fired_at).map(|t| t.timestamp_millis());
        let mut active: alert::ActiveModel = a.into();
        active.escalation = Set(Some(
            serde_json::to_value(&running).expect("a policy serializes"),
        ));
        active.escalate_at = Set(next);
        active.updated_at = Set(now);
        active.update(&txn).await?;
    }
    txn.commit().await?;
    Ok(queued)
}

/// Dependencies: a held `down` alert has its target's parents checked afresh (their new
/// results stored, so their own alerts follow), then is suppressed while a parent is down
/// or released to fire. A suppressed alert whose parents are all back fires.
async fn dependencies(
    db: &DatabaseConnection,
    alerting: &Alerting,
    engine: &Engine,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let catalog = engine.catalog();
    let parents_of = |target: Uuid| {
        catalog
            .get(target)
            .map(|m| m.depends_on.clone())
            .unwrap_or_default()
    };
    let awaiting = alert::Entity::find()
        .filter(alert::Column::Status.eq(status::PENDING))
        .filter(alert::Column::AwaitingParents.eq(true))
        .limit(BATCH)
        .all(db)
        .await?;
    if !awaiting.is_empty() {
        let mut parents: Vec<Uuid> = awaiting
            .iter()
            .flat_map(|a| parents_of(a.target_id))
            .collect();
        parents.sort_unstable();
        parents.dedup();
        let checks = parents
            .iter()
            .filter_map(|id| catalog.get(*id))
            .map(|parent| async move {
                if let Some(outcome) = engine.run_check(&parent).await {
                    let _ = engine
                        .writer()
                        .record_and_wait(parent.clone(), Utc::now(), outcome)
                        .await;
                }
            });
        futures_util::future::join_all(checks).await;
        let found = notifying::statuses(db, &parents).await?;
        let txn = crate::db::begin_write(db).await?;
        for a in awaiting {
            let down = parents_of(a.target_id)
                .into_iter()
                .find(|p| found.get(p) == Some(&MonitorStatus::Down));
            let mut active: alert::ActiveModel = a.into();
            active.awaiting_parents = Set(false);
            if let Some(parent) = down {
                active.status = Set(status::SUPPRESSED.to_owned());
                active.suppressed_by = Set(Some(parent));
            }
            active.updated_at = Set(now);
            active.update(&txn).await?;
        }
        txn.commit().await?;
    }

    let suppressed = alert::Entity::find()
        .filter(alert::Column::Status.eq(status::SUPPRESSED))
        .limit(BATCH)
        .all(db)
        .await?;
    if suppressed.is_empty() {
        return Ok(());
    }
    let mut parents: Vec<Uuid> = suppressed
        .iter()
        .flat_map(|a| parents_of(a.target_id))
        .collect();
    parents.sort_unstable();
    parents.dedup();
    let found = notifying::statuses(db, &parents).await?;
    let released: Vec<alert::Model> = suppressed
        .into_iter()
        .filter(|a| {
            !parents_of(a.target_id)
                .iter()
                .any(|p| found.get(p) == Some(&MonitorStatus::Down))
        })
        .collect();
    if released.is_empty() {
        return Ok(());
    }
    let rules = alerting.rules();
    let txn = crate::db::begin_write(db).await?;
    let monitors = notifying::monitors(
        &txn,
        released.iter().map(|a| a.target_id),
        alerting.public_url(),
    )
    .await?;
    let mut queued = 0;
    for a in released {
        let Some(rule) = rules.iter().find(|r| r.id == a.rule_id) else {
            continue;
        };
        let target = a.target_id;
        let mut active: alert::ActiveModel = a.into();
        active.suppressed_by = Set(None);
        let a = active.update(&txn).await?;
        queued += evaluate::fire(&txn, alerting, rule, a, monitors.get(&target), now).await?;
    }
    txn.commit().await?;
    if queued > 0 {
        alerting.wake();
    }
    Ok(())
}

/// Sends the digests that are due: per channel, once its oldest waiting notification's
/// window has passed, every waiting notification of that channel goes out as one.
async fn digests(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<(usize, usize), DbErr> {
    let due_channels: Vec<(Option<Uuid>, String)> = notification::Entity::find()
        .filter(notification::Column::Status.eq(state::WAITING))
        .filter(notification::Column::GroupUntil.lte(now.timestamp_millis()))
        .all(db)
        .await?
        .into_iter()
        .map(|n| (n.channel_id, n.channel_type))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut sent = 0;
    for (channel_id, channel_type) in due_channels {
        let txn = crate::db::begin_write(db).await?;
        let waiting = notification::Entity::find()
            .filter(notification::Column::Status.eq(state::WAITING))
            .filter(match channel_id {
                Some(id) => notification::Column::ChannelId.eq(id),
                None => notification::Column::ChannelId.is_null(),
            })
            .order_by_asc(notification::Column::CreatedAt)
            .all(&txn)
            .await?;
        if waiting.is_empty() {
            continue;
        }
        let ids: Vec<Uuid> = waiting.iter().map(|n| n.id).collect();
        let alerts: Vec<Value> = waiting
            .iter()
            .map(|n| json!({ "alert": n.context["alert"], "rule": n.context["rule"], "monitor": n.context["monitor"], "ack_url": n.context["ack_url"] }))
            .collect();
        let digest = if waiting.len() == 1 {
            // One alert in the window: it goes out as itself.
            let only = &waiting[0];
            notification::Entity::update_many()
                .col_expr(notification::Column::Status, Expr::value(state::QUEUED))
                .filter(notification::Column::Id.eq(only.id))
                .exec(&txn)
                .await?;
            notifying::enqueue(&txn, only.id, &channel_type).await?;
            txn.commit().await?;
            sent += 1;
            continue;
        } else {
            let first = &waiting[0].context;
            let context = json!({
                "type": Event::Digest.webhook_type(),
                "alert": first["alert"],
                "rule": first["rule"],
                "monitor": first["monitor"],
                "ack_url": Value::Null,
                "alerts": alerts,
            });
            notifying::insert(
                &txn,
                channel_id,
                &channel_type,
                None,
                Event::Digest,
                context,
                state::QUEUED,
                None,
                now,
            )
            .await?
        };
        for chunk in ids.chunks(256) {
            notification::Entity::update_many()
                .col_expr(notification::Column::Status, Expr::value(state::GROUPED))
                .col_expr(notification::Column::DigestId, Expr::value(Some(digest)))
                .col_expr(notification::Column::UpdatedAt, Expr::value(now))
                .filter(notification::Column::Id.is_in(chunk.iter().copied()))
                .exec(&txn)
                .await?;
        }
        notifying::enqueue(&txn, digest, &channel_type).await?;
        txn.commit().await?;
        sent += 1;
    }
    Ok((sent, sent))
}

/// Runs [`tick`] and logs what it could not do.
pub async fn run_tick(db: &DatabaseConnection, alerting: &Alerting, engine: &Engine) {
    if let Err(err) = tick(db, alerting, engine, Utc::now()).await {
        tracing::warn!(error = %err, "An alerting step failed; it is taken again in a second.");
    }
}
