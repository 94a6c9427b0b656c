//! The [`Principal`]: an authenticated caller, their effective access, and the credential
//! they used, loaded fresh from the database so that deactivation and revocation take
//! effect at once. The API resolves request headers into one (`api::credentials`); long
//! connections ([`refresh`]) load it again while they last.

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::auth::role::{Access, Grant, GroupScope, Role};
use crate::db::entities::{api_key, session, user, user_grant};
use crate::error::{Error, Result};

/// How the caller authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum Credential {
    /// Bearer access token of this session.
    Session(Uuid),
    /// `X-API-Key` with this key id.
    ApiKey(Uuid),
    /// HTTP Basic, verified against the password set at this time.
    Basic {
        /// When the verified password was set; a later change retires the credential.
        password_changed_at: DateTime<Utc>,
    },
}

/// An authenticated caller.
#[derive(Debug, Clone)]
pub struct Principal {
    /// The user (fresh from the database).
    pub user: user::Model,
    /// Effective role and grants.
    pub access: Access,
    /// The credential used.
    pub credential: Credential,
}

impl Principal {
    /// Fails with `Forbidden` unless the caller has `needed` globally.
    pub fn require(&self, needed: Role) -> Result<()> {
        if self.access.has(needed) {
            Ok(())
        } else {
            Err(Error::Forbidden(format!(
                "requires the {} role",
                needed.as_str()
            )))
        }
    }

    /// Checks `needed` on a thing in `group`: `NotFound` if the caller may not see it at
    /// all (so its existence does not leak), `Forbidden` if they see it but may not do this.
    pub fn require_in(&self, group: Option<&str>, needed: Role, what: &'static str) -> Result<()> {
        match self.access.role_in(group) {
            None => Err(Error::NotFound(what)),
            Some(role) if role >= needed => Ok(()),
            Some(_) => Err(Error::Forbidden(format!(
                "requires the {} role in this group",
                needed.as_str()
            ))),
        }
    }

    /// Groups visible with at least `needed`, for filtering lists.
    pub fn scope(&self, needed: Role) -> GroupScope {
        self.access.scope(needed)
    }
}

async fn grants(db: &impl ConnectionTrait, user: &user::Model, role: Role) -> Result<Vec<Grant>> {
    if role == Role::Admin {
        return Ok(Vec::new());
    }
    let rows = user_grant::Entity::find()
        .filter(user_grant::Column::UserId.eq(user.id))
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|g| {
            Role::parse(&g.role).map(|role| Grant {
                group: g.group_name,
                role,
            })
        })
        .collect())
}

fn role_of(user: &user::Model) -> Result<Role> {
    Role::parse(&user.role).ok_or_else(|| {
        Error::Internal(anyhow::anyhow!(
            "user {} has unknown role {:?}",
            user.id,
            user.role
        ))
    })
}

async fn active_user(db: &impl ConnectionTrait, id: Uuid) -> Result<user::Model> {
    user::Entity::find_by_id(id)
        .one(db)
        .await?
        .filter(|u| u.active)
        .ok_or(Error::InvalidCredentials)
}

/// The principal of an active `user` acting with at most `cap` (an API key's role).
pub async fn of_user(
    db: &impl ConnectionTrait,
    user: user::Model,
    cap: Option<Role>,
    credential: Credential,
) -> Result<Principal> {
    let role = role_of(&user)?;
    let role = cap.map_or(role, |cap| cap.min(role));
    let grants = grants(db, &user, role).await?;
    Ok(Principal {
        user,
        access: Access { role, grants },
        credential,
    })
}

/// The principal of session `sid` of user `sub`, while the session stands (neither revoked
/// nor expired) and the user is active.
pub async fn of_session(db: &impl ConnectionTrait, sid: Uuid, sub: Uuid) -> Result<Principal> {
    let now = Utc::now();
    let session = session::Entity::find_by_id(sid)
        .one(db)
        .await?
        .filter(|s| s.revoked_at.is_none() && s.expires_at > now && s.user_id == sub)
        .ok_or(Error::InvalidCredentials)?;
    let user = active_user(db, session.user_id).await?;
    of_user(db, user, None, Credential::Session(session.id)).await
}

/// The principal of an unexpired API key, while its owner is active.
pub async fn of_api_key(
    db: &impl ConnectionTrait,
    key: &api_key::Model,
    now: DateTime<Utc>,
) -> Result<Principal> {
    if key.expires_at.is_some_and(|at| at <= now) {
        return Err(Error::InvalidCredentials);
    }
    let user = active_user(db, key.user_id).await?;
    let cap = Role::parse(&key.role).unwrap_or(Role::Viewer);
    of_user(db, user, Some(cap), Credential::ApiKey(key.id)).await
}

/// Loads the caller again, for connections that outlive a request: `InvalidCredentials`
/// once the session is revoked (logout, password change, refresh-token reuse), the API key
/// is deleted or expired, Basic authentication is turned off or the password behind it
/// changed, or the user is deactivated or deleted. Otherwise the principal with its current role and grants.
pub async fn refresh(db: &impl ConnectionTrait, principal: &Principal) -> Result<Principal> {
    of_credential(db, principal.user.id, principal.credential).await
}

/// The principal of user `user_id` authenticated by `credential`, while that credential
/// stands (see [`refresh`]).
pub async fn of_credential(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    credential: Credential,
) -> Result<Principal> {
    match credential {
        Credential::Session(sid) => of_session(db, sid, user_id).await,
        Credential::ApiKey(id) => {
            let key = api_key::Entity::find_by_id(id)
                .one(db)
                .await?
                .ok_or(Error::InvalidCredentials)?;
            of_api_key(db, &key, Utc::now()).await
        }
        Credential::Basic {
            password_changed_at,
        } => {
            if !crate::settings::load(db).await?.basic_auth_enabled {
                return Err(Error::InvalidCredentials);
            }
            let user = active_user(db, user_id).await?;
            if user.password_changed_at != password_changed_at {
                return Err(Error::InvalidCredentials);
            }
            of_user(db, user, None, credential).await
        }
    }
}
