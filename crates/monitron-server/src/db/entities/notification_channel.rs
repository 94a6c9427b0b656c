//! Where alert messages go: one configured channel of a type (`config` holds the type's
//! settings, secrets sealed).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "notification_channels")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    pub channel_type: String,
    pub config: Json,
    pub enabled: bool,
    /// Receives the alerts of every rule that names no channel.
    pub is_default: bool,
    /// 0: each alert at once; otherwise alerts within this many seconds go out as one.
    pub group_wait_s: i32,
    /// Most delivery attempts of one message.
    pub max_attempts: i32,
    pub created_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
