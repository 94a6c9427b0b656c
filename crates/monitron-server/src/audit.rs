//! The audit log: every change, sign-in event and security-relevant action, with who did
//! it, to what, from where and in which request. Written in the same transaction as the
//! change it records, so the log never claims a change that was rolled back.

use std::net::IpAddr;

use chrono::Utc;
use sea_orm::{ActiveModelTrait, ConnectionTrait, DbErr, Set};
use uuid::Uuid;

use crate::auth::Principal;
use crate::db::entities::{audit_log, user};

/// Where an audited action came from: the request that asked for it and the client's
/// address. Work the server does on its own (the engine, start-up) has none.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Origin {
    /// The request id.
    pub request_id: String,
    /// The client's address, when known.
    pub ip: Option<IpAddr>,
}

/// Who performed an action.
#[derive(Debug, Clone)]
pub struct Actor {
    /// User id, when a user acted.
    pub id: Option<Uuid>,
    /// Username, `anonymous` or `system`.
    pub name: String,
}

impl Actor {
    /// Nobody signed in.
    pub fn anonymous() -> Self {
        Self {
            id: None,
            name: "anonymous".into(),
        }
    }

    /// The server itself (start-up tasks).
    pub fn system() -> Self {
        Self {
            id: None,
            name: "system".into(),
        }
    }

    /// A user.
    pub fn user(u: &user::Model) -> Self {
        Self {
            id: Some(u.id),
            name: u.username.clone(),
        }
    }
}

impl From<&user::Model> for Actor {
    fn from(u: &user::Model) -> Self {
        Self::user(u)
    }
}

impl From<&Principal> for Actor {
    fn from(p: &Principal) -> Self {
        Self::user(&p.user)
    }
}

/// One audit record to write.
#[derive(Debug, Clone)]
pub struct Entry<'a> {
    /// Who.
    pub actor: Actor,
    /// What, as `noun.verb` (`user.create`, `auth.login_failed`, ...).
    pub action: &'a str,
    /// Kind of thing acted on (`user`, `api_key`, `setting`, ...).
    pub target_type: Option<&'a str>,
    /// Id of the thing acted on.
    pub target_id: Option<String>,
    /// Extra facts (never secrets).
    pub details: serde_json::Value,
}

impl<'a> Entry<'a> {
    /// An entry with no target and no details.
    pub fn new(actor: impl Into<Actor>, action: &'a str) -> Self {
        Self {
            actor: actor.into(),
            action,
            target_type: None,
            target_id: None,
            details: serde_json::json!({}),
        }
    }

    /// Names the target.
    pub fn target(mut self, kind: &'a str, id: impl ToString) -> Self {
        self.target_type = Some(kind);
        self.target_id = Some(id.to_string());
        self
    }

    /// Adds details.
    pub fn details(mut self, details: serde_json::Value) -> Self {
        self.details = details;
        self
    }
}

/// Writes one record.
pub async fn record(
    db: &impl ConnectionTrait,
    origin: Option<&Origin>,
    entry: Entry<'_>,
) -> Result<(), DbErr> {
    audit_log::ActiveModel {
        id: Set(Uuid::now_v7()),
        at: Set(Utc::now()),
        actor_id: Set(entry.actor.id),
        actor_name: Set(entry.actor.name),
        action: Set(entry.action.to_owned()),
        target_type: Set(entry.target_type.map(str::to_owned)),
        target_id: Set(entry.target_id),
        request_id: Set(origin.map(|o| o.request_id.clone())),
        ip: Set(origin.and_then(|o| o.ip).map(|ip| ip.to_string())),
        details: Set(entry.details),
    }
    .insert(db)
    .await?;
    Ok(())
}
