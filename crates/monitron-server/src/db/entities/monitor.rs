//! A monitored thing: a service (any check type, heartbeats included) or a domain.
//! `config` is the check's settings as JSON, with secrets sealed.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "monitors")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Key of this monitor's rows in the time-series tables.
    #[sea_orm(unique)]
    pub series_id: i64,
    /// `service` or `domain`.
    pub kind: String,
    pub name: String,
    pub description: Option<String>,
    pub check_type: String,
    pub config: Json,
    pub labels: Json,
    pub group_name: Option<String>,
    pub enabled: bool,
    pub interval_s: i32,
    pub timeout_s: i32,
    pub failure_threshold: i32,
    pub success_threshold: i32,
    /// Heartbeats only: the secret part of the ping URL.
    #[sea_orm(unique)]
    pub ping_token: Option<String>,
    /// Ids of the monitors this one depends on.
    pub depends_on: Json,
    pub created_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
