//! One message to one channel (or one user's address), and its delivery log.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "notifications")]
pub struct Model {
    /// Also the message's idempotency key (`webhook-id`, PagerDuty `dedup_key` ...).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// `None` for an escalation e-mail to a user.
    pub channel_id: Option<Uuid>,
    pub channel_type: String,
    pub alert_id: Option<Uuid>,
    /// firing, reminder, resolved, digest, test, escalation.
    pub event: String,
    /// waiting, grouped, queued, sent, retrying, dead.
    pub status: String,
    pub attempts: i32,
    pub last_status_code: Option<i32>,
    pub last_error: Option<String>,
    /// What the message is rendered from, as it was when it was queued.
    pub context: Json,
    /// A grouped message waits until this (epoch milliseconds).
    pub group_until: Option<i64>,
    /// The digest a grouped message went out in.
    pub digest_id: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub sent_at: Option<DateTimeUtc>,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::notification_channel::Entity",
        from = "Column::ChannelId",
        to = "super::notification_channel::Column::Id"
    )]
    Channel,
}

impl Related<super::notification_channel::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Channel.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
