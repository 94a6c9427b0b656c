//! An action (restart the agent, reboot, shut down) requested for an instance.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "instance_actions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub monitor_id: Uuid,
    /// `restart_agent`, `reboot` or `shutdown`.
    pub action: String,
    pub requested_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
    /// When it was handed to the agent.
    pub delivered_at: Option<DateTimeUtc>,
    /// When the agent answered.
    pub finished_at: Option<DateTimeUtc>,
    /// Whether the agent accepted it.
    pub ok: Option<bool>,
    /// The agent's answer.
    pub message: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
