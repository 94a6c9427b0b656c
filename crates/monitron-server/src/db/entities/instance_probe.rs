//! A reachability probe or plugin check reported by an instance's agent, with its own
//! result series and its last result.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "instance_probes")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub monitor_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub name: String,
    pub series_id: i64,
    /// `probe` or `plugin`.
    pub source: String,
    pub check_type: String,
    pub last_at: DateTimeUtc,
    pub up: bool,
    pub response_ms: Option<f64>,
    pub message: Option<String>,
    pub details: Option<Json>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
