//! A monitor's current state, written by the engine in batches.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "monitor_states")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub monitor_id: Uuid,
    pub status: String,
    pub status_since: Option<DateTimeUtc>,
    pub last_checked_at: Option<DateTimeUtc>,
    pub last_response_ms: Option<f64>,
    pub message: Option<String>,
    pub consecutive_failures: i32,
    pub consecutive_successes: i32,
    /// The last outcome's type-specific details (domains: registration and certificate).
    pub details: Option<Json>,
    pub last_start_at: Option<DateTimeUtc>,
    pub last_success_at: Option<DateTimeUtc>,
    pub last_failure_at: Option<DateTimeUtc>,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
