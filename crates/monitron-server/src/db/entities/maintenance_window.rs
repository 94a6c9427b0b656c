//! A planned period during which targets are expected to be down.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "maintenance_windows")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    pub description: Option<String>,
    /// The target selector, as for rules.
    pub targets: Json,
    pub active: bool,
    /// `{type: once|weekly|monthly|cron, ...}`.
    pub schedule: Json,
    /// IANA time zone of the recurring schedules.
    pub timezone: String,
    pub group_name: Option<String>,
    pub created_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
