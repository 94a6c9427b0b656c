//! Enrollment of push agents: the one-time token handed out when an instance is created
//! (or regenerated), exchanged for a long-lived credential on the agent's first contact.
//!
//! Both are random and stored only as SHA-256. The token keeps working until the agent
//! first presents its credential: an agent that dies between receiving the credential
//! and saving it can enroll again, and once the agent has proven it holds the
//! credential, the token is worthless.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set,
};
use uuid::Uuid;

use crate::auth::tokens::{hash_token, random_token};
use crate::db::entities::instance_agent;

/// Prefix of enrollment tokens.
pub const TOKEN_PREFIX: &str = "mtr_enroll_";
/// Prefix of agent credentials.
pub const CREDENTIAL_PREFIX: &str = "mtr_agent_";

/// How an agent proved who it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Proof {
    /// The one-time enrollment token: it gets a credential now.
    EnrollmentToken,
    /// Its long-lived credential.
    Credential,
}

/// An authenticated agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Authenticated {
    /// Its instance.
    pub monitor_id: Uuid,
    /// What it presented.
    pub proof: Proof,
}

/// A fresh enrollment token and its stored hash.
pub fn new_token() -> (String, String) {
    let token = random_token(TOKEN_PREFIX);
    let hash = hash_token(&token);
    (token, hash)
}

/// Finds the instance a bearer token belongs to.
pub async fn authenticate(
    db: &impl ConnectionTrait,
    presented: &str,
) -> Result<Option<Authenticated>, DbErr> {
    let hash = hash_token(presented.trim());
    let (column, proof) = if presented.starts_with(CREDENTIAL_PREFIX) {
        (instance_agent::Column::CredentialHash, Proof::Credential)
    } else {
        (
            instance_agent::Column::EnrollmentTokenHash,
            Proof::EnrollmentToken,
        )
    };
    Ok(instance_agent::Entity::find()
        .filter(column.eq(hash))
        .one(db)
        .await?
        .map(|row| Authenticated {
            monitor_id: row.monitor_id,
            proof,
        }))
}

/// Issues a new credential for an agent that presented its enrollment token; any
/// earlier credential stops working.
pub async fn issue_credential(
    db: &impl ConnectionTrait,
    monitor_id: Uuid,
) -> Result<String, DbErr> {
    let credential = random_token(CREDENTIAL_PREFIX);
    instance_agent::ActiveModel {
        monitor_id: Set(monitor_id),
        credential_hash: Set(Some(hash_token(&credential))),
        ..Default::default()
    }
    .update(db)
    .await?;
    Ok(credential)
}

/// The agent has used its credential: retire the enrollment token.
pub async fn complete(db: &impl ConnectionTrait, monitor_id: Uuid) -> Result<(), DbErr> {
    instance_agent::Entity::update_many()
        .col_expr(
            instance_agent::Column::EnrollmentTokenHash,
            sea_orm::sea_query::Expr::value(Option::<String>::None),
        )
        .col_expr(
            instance_agent::Column::EnrolledAt,
            sea_orm::sea_query::Expr::value(Some(Utc::now())),
        )
        .filter(instance_agent::Column::MonitorId.eq(monitor_id))
        .filter(instance_agent::Column::EnrollmentTokenHash.is_not_null())
        .exec(db)
        .await?;
    Ok(())
}
