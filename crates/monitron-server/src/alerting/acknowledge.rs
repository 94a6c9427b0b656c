//! Acknowledging: someone is on it. Reminders and escalation stop. A `down` alert and its
//! monitor's open incident are one problem, so acknowledging either acknowledges both.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

use super::rules::Condition;
use super::{notifying, Alerting};
use crate::db::entities::{alert, incident};

/// The ids of the enabled `down` rules.
fn down_rules(alerting: &Alerting) -> Vec<Uuid> {
    alerting
        .rules()
        .iter()
        .filter(|r| r.condition == Condition::Down)
        .map(|r| r.id)
        .collect()
}

/// Acknowledges an open alert (by a user, or `None` through its link); a `down` alert
/// acknowledges its monitor's open incident too, and channels that keep an alert's state
/// are told (the caller wakes the queue after committing). Returns false when it was
/// already acknowledged or is no longer open.
pub async fn alert(
    db: &impl ConnectionTrait,
    alerting: &Alerting,
    a: &alert::Model,
    by: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    if a.acknowledged_at.is_some() || a.open_key.is_none() {
        return Ok(false);
    }
    alert::Entity::update_many()
        .col_expr(alert::Column::AcknowledgedBy, Expr::value(by))
        .col_expr(alert::Column::AcknowledgedAt, Expr::value(Some(now)))
        .col_expr(alert::Column::ReminderAt, Expr::value(Option::<i64>::None))
        .col_expr(alert::Column::EscalateAt, Expr::value(Option::<i64>::None))
        .col_expr(alert::Column::UpdatedAt, Expr::value(now))
        .filter(alert::Column::Id.eq(a.id))
        .exec(db)
        .await?;
    notifying::acknowledged(db, &[a.id], now).await?;
    if down_rules(alerting).contains(&a.rule_id) {
        incident::Entity::update_many()
            .col_expr(incident::Column::AcknowledgedBy, Expr::value(by))
            .col_expr(incident::Column::AcknowledgedAt, Expr::value(Some(now)))
            .filter(incident::Column::MonitorId.eq(a.target_id))
            .filter(incident::Column::ResolvedAt.is_null())
            .filter(incident::Column::AcknowledgedAt.is_null())
            .exec(db)
            .await?;
    }
    Ok(true)
}

/// Acknowledges the open `down` alerts of a monitor whose incident was acknowledged (and
/// tells their channels, as [`alert`] does).
pub async fn down_alerts_of(
    db: &impl ConnectionTrait,
    alerting: &Alerting,
    monitor: Uuid,
    by: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<u64, DbErr> {
    let rules = down_rules(alerting);
    if rules.is_empty() {
        return Ok(0);
    }
    let ids: Vec<Uuid> = alert::Entity::find()
        .select_only()
        .column(alert::Column::Id)
        .filter(alert::Column::TargetId.eq(monitor))
        .filter(alert::Column::RuleId.is_in(rules))
        .filter(alert::Column::OpenKey.is_not_null())
        .filter(alert::Column::AcknowledgedAt.is_null())
        .into_tuple()
        .all(db)
        .await?;
    if ids.is_empty() {
        return Ok(0);
    }
    let done = alert::Entity::update_many()
        .col_expr(alert::Column::AcknowledgedBy, Expr::value(by))
        .col_expr(alert::Column::AcknowledgedAt, Expr::value(Some(now)))
        .col_expr(alert::Column::ReminderAt, Expr::value(Option::<i64>::None))
        .col_expr(alert::Column::EscalateAt, Expr::value(Option::<i64>::None))
        .col_expr(alert::Column::UpdatedAt, Expr::value(now))
        .filter(alert::Column::Id.is_in(ids.iter().copied()))
        .exec(db)
        .await?;
    notifying::acknowledged(db, &ids, now).await?;
    Ok(done.rows_affected)
}
