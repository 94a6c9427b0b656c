//! Work waiting in the outbox (see the `m0004_outbox` migration).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "outbox")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The work kind's queue name (`emails`, `notifications`, ...).
    pub kind: String,
    pub payload: Vec<u8>,
    /// The number of the next delivery, from 1.
    pub attempt: i32,
    /// `pending` or `dead`.
    pub status: String,
    /// Epoch ms before which it is not delivered (retries wait here).
    pub not_before: i64,
    /// Epoch ms until which a process is working on it.
    pub claimed_until: Option<i64>,
    /// Why the last delivery failed.
    pub last_error: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
