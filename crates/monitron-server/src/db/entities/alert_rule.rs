//! What makes an alert: targets, a condition, and the timing of its messages.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "alert_rules")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    pub enabled: bool,
    pub severity: String,
    /// The target selector `{kind, ids?, group?, labels?}`.
    pub targets: Json,
    /// The condition, tagged by `type`.
    pub condition: Json,
    pub for_s: i32,
    pub repeat_interval_s: i32,
    pub cooldown_s: i32,
    pub send_resolved: bool,
    /// Channel ids.
    pub channels: Json,
    pub escalation_policy_id: Option<Uuid>,
    /// A MiniJinja template for the message, replacing the channel type's default.
    pub message: Option<String>,
    /// `targets.group`, so group grants apply to the rule.
    pub group_name: Option<String>,
    pub created_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
