//! Actions (restart the agent, reboot, shut down) on their way to agents. Every action
//! is on record before it is sent, and handing it over is a claim that succeeds once:
//! with several processes or a reconnecting agent, an action still reaches the agent at
//! most once.

use chrono::Utc;
use monitron_proto::push::PendingAction;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use crate::db::entities::instance_action;
use crate::instances::hub::{ActionAnswer, Hub};

/// Marks an action as handed over; false when it already was.
pub async fn claim(db: &impl ConnectionTrait, id: Uuid) -> Result<bool, DbErr> {
    let claimed = instance_action::Entity::update_many()
        .col_expr(
            instance_action::Column::DeliveredAt,
            Expr::value(Some(Utc::now())),
        )
        .filter(instance_action::Column::Id.eq(id))
        .filter(instance_action::Column::DeliveredAt.is_null())
        .exec(db)
        .await?;
    Ok(claimed.rows_affected == 1)
}

/// Gives a claimed action back (it could not be sent after all).
pub async fn unclaim(db: &impl ConnectionTrait, id: Uuid) -> Result<(), DbErr> {
    instance_action::Entity::update_many()
        .col_expr(
            instance_action::Column::DeliveredAt,
            Expr::value(Option::<chrono::DateTime<Utc>>::None),
        )
        .filter(instance_action::Column::Id.eq(id))
        .filter(instance_action::Column::FinishedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

/// Claims the instance's actions not yet handed over, oldest first.
pub async fn take_pending(
    db: &impl ConnectionTrait,
    monitor_id: Uuid,
) -> Result<Vec<PendingAction>, DbErr> {
    let pending = instance_action::Entity::find()
        .filter(instance_action::Column::MonitorId.eq(monitor_id))
        .filter(instance_action::Column::DeliveredAt.is_null())
        .order_by_asc(instance_action::Column::CreatedAt)
        .all(db)
        .await?;
    let mut out = Vec::new();
    for a in pending {
        let Ok(action) = serde_json::from_value(serde_json::Value::String(a.action.clone())) else {
            continue;
        };
        if claim(db, a.id).await? {
            out.push(PendingAction {
                id: a.id.to_string(),
                action,
            });
        }
    }
    Ok(out)
}

/// Records an agent's answer to one of its own instance's actions and wakes whoever
/// waits for it.
pub async fn record_answer(
    db: &impl ConnectionTrait,
    hub: &Hub,
    monitor_id: Uuid,
    action_id: Uuid,
    answer: ActionAnswer,
) -> Result<(), DbErr> {
    instance_action::Entity::update_many()
        .col_expr(
            instance_action::Column::FinishedAt,
            Expr::value(Some(Utc::now())),
        )
        .col_expr(instance_action::Column::Ok, Expr::value(Some(answer.ok)))
        .col_expr(
            instance_action::Column::Message,
            Expr::value(Some(answer.message.clone())),
        )
        .filter(instance_action::Column::Id.eq(action_id))
        .filter(instance_action::Column::MonitorId.eq(monitor_id))
        .exec(db)
        .await?;
    hub.answer(monitor_id, action_id, answer);
    Ok(())
}
