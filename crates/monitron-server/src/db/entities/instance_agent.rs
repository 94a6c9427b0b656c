//! What the server keeps about an instance's agent: enrollment, credential, the
//! configuration it should run, and its device information.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "instance_agents")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub monitor_id: Uuid,
    /// SHA-256 of the one-time enrollment token; cleared once the agent is enrolled.
    pub enrollment_token_hash: Option<String>,
    /// SHA-256 of the agent's long-lived credential.
    pub credential_hash: Option<String>,
    pub enrolled_at: Option<DateTimeUtc>,
    /// The `AgentConfig` the agent should run.
    pub config: Json,
    /// Revision of `config`, raised on every change.
    pub config_revision: i64,
    /// Highest revision the agent has confirmed.
    pub config_delivered: i64,
    /// The last `DeviceInfo`.
    pub device: Option<Json>,
    pub device_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
