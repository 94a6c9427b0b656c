//! An e-mail address subscribed to a status page (confirmed by a link first).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "status_subscribers")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub page_id: Uuid,
    pub email: String,
    /// The address the subscription came from, for the daily limit.
    pub ip: Option<String>,
    pub confirmed_at: Option<DateTimeUtc>,
    /// When the last confirmation mail went out (at most one a day).
    pub confirm_sent_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
