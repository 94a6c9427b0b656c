//! The [`Principal`] extractor: resolves whatever credential a request carries into the user
//! and their effective access, checking on every request that the user is still active and
//! the session or key still valid, so deactivation and revocation take effect at once.

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use base64::Engine;
use chrono::Utc;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use crate::api::envelope::ApiError;
use crate::api::meta::RequestMeta;
use crate::audit::{self, Actor, Entry};
use crate::auth::role::{Access, Grant, GroupScope, Role};
use crate::auth::{password, tokens};
use crate::db::entities::{api_key, session, user, user_grant};
use crate::state::AppState;

/// How the caller authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Credential {
    /// Bearer access token of this session.
    Session(Uuid),
    /// `X-API-Key` with this key id.
    ApiKey(Uuid),
    /// HTTP Basic.
    Basic,
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
    /// Fails with 40301 unless the caller has `needed` globally.
    pub fn require(&self, needed: Role) -> Result<(), ApiError> {
        if self.access.has(needed) {
            Ok(())
        } else {
            Err(ApiError::Forbidden(format!(
                "requires the {} role",
                needed.as_str()
            )))
        }
    }

    /// Checks `needed` on a thing in `group`: 40401 if the caller may not see it at all
    /// (so its existence does not leak), 40301 if they see it but may not do this.
    pub fn require_in(
        &self,
        group: Option<&str>,
        needed: Role,
        what: &'static str,
    ) -> Result<(), ApiError> {
        match self.access.role_in(group) {
            None => Err(ApiError::NotFound(what)),
            Some(role) if role >= needed => Ok(()),
            Some(_) => Err(ApiError::Forbidden(format!(
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

/// Seconds between writes of an API key's `last_used_at`, so busy scripts do not turn every
/// read into a write.
const LAST_USED_RESOLUTION_S: i64 = 60;

impl FromRequestParts<AppState> for Principal {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        if let Some(principal) = parts.extensions.get::<Principal>() {
            return Ok(principal.clone());
        }
        let authorization = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let api_key = parts
            .headers
            .get("x-api-key")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        // An explicit X-API-Key wins over Authorization: clients (and proxies) may add an
        // Authorization header of their own, while X-API-Key is only ever Monitron's.
        let principal = match (api_key.as_deref(), authorization.as_deref()) {
            (Some(key), _) => from_api_key(state, key.trim()).await?,
            (None, Some(auth)) if auth.len() > 7 && auth[..7].eq_ignore_ascii_case("bearer ") => {
                from_access_token(state, auth[7..].trim()).await?
            }
            (None, Some(auth)) if auth.len() > 6 && auth[..6].eq_ignore_ascii_case("basic ") => {
                let meta = RequestMeta::from_request_parts(parts, state).await?;
                from_basic(state, &meta, auth[6..].trim()).await?
            }
            (None, Some(_)) => return Err(ApiError::InvalidToken),
            (None, None) => return Err(ApiError::MissingCredentials),
        };
        parts.extensions.insert(principal.clone());
        Ok(principal)
    }
}

async fn active_user(state: &AppState, id: Uuid) -> Result<user::Model, ApiError> {
    user::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .filter(|u| u.active)
        .ok_or(ApiError::InvalidToken)
}

async fn grants(state: &AppState, user: &user::Model, role: Role) -> Result<Vec<Grant>, ApiError> {
    if role == Role::Admin {
        return Ok(Vec::new());
    }
    let rows = user_grant::Entity::find()
        .filter(user_grant::Column::UserId.eq(user.id))
        .all(&state.db)
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

async fn build(
    state: &AppState,
    user: user::Model,
    role: Role,
    credential: Credential,
) -> Result<Principal, ApiError> {
    let grants = grants(state, &user, role).await?;
    Ok(Principal {
        user,
        access: Access { role, grants },
        credential,
    })
}

fn user_role(user: &user::Model) -> Result<Role, ApiError> {
    Role::parse(&user.role).ok_or_else(|| {
        ApiError::Internal(anyhow::anyhow!(
            "user {} has unknown role {:?}",
            user.id,
            user.role
        ))
    })
}

async fn from_access_token(state: &AppState, token: &str) -> Result<Principal, ApiError> {
    let claims = state.tokens.verify(token).ok_or(ApiError::InvalidToken)?;
    let session = session::Entity::find_by_id(claims.sid)
        .one(&state.db)
        .await?
        .filter(|s| s.revoked_at.is_none() && s.user_id == claims.sub)
        .ok_or(ApiError::InvalidToken)?;
    let user = active_user(state, session.user_id).await?;
    let role = user_role(&user)?;
    build(state, user, role, Credential::Session(session.id)).await
}

async fn from_api_key(state: &AppState, key: &str) -> Result<Principal, ApiError> {
    let now = Utc::now();
    let row = api_key::Entity::find()
        .filter(api_key::Column::KeyHash.eq(tokens::hash_token(key)))
        .one(&state.db)
        .await?
        .filter(|k| k.expires_at.is_none_or(|at| at > now))
        .ok_or(ApiError::InvalidToken)?;
    let user = active_user(state, row.user_id).await?;
    let key_role = Role::parse(&row.role).unwrap_or(Role::Viewer);
    let role = key_role.min(user_role(&user)?);
    let key_id = row.id;
    if row
        .last_used_at
        .is_none_or(|at| (now - at).num_seconds() >= LAST_USED_RESOLUTION_S)
    {
        let mut active: api_key::ActiveModel = row.into();
        active.last_used_at = Set(Some(now));
        if let Err(err) = active.update(&state.db).await {
            tracing::warn!(api_key_id = %key_id, error = %err, "Failed to record API key use.");
        }
    }
    build(state, user, role, Credential::ApiKey(key_id)).await
}

async fn from_basic(
    state: &AppState,
    meta: &RequestMeta,
    encoded: &str,
) -> Result<Principal, ApiError> {
    if !crate::settings::load(&state.db).await?.basic_auth_enabled {
        return Err(ApiError::Forbidden(
            "Basic authentication is disabled; an administrator can enable it in settings".into(),
        ));
    }
    if let Some(user_id) = state.basic_cache.get(encoded) {
        // Recently verified: skip Argon2, but re-check the account as every request does.
        if let Some(user) = user::Entity::find_by_id(user_id).one(&state.db).await? {
            if user.active && state.basic_cache.still_valid(encoded, &user) {
                let role = user_role(&user)?;
                return build(state, user, role, Credential::Basic).await;
            }
        }
        state.basic_cache.forget(encoded);
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or(ApiError::InvalidToken)?;
    let (login, pass) = decoded.split_once(':').ok_or(ApiError::InvalidToken)?;
    // Every uncached verification counts against the same limits as the login endpoint.
    state
        .limiters
        .login_ip
        .check(&meta.ip_key())
        .map_err(ApiError::RateLimited)?;
    let found = crate::users::find_by_login(&state.db, login).await?;
    state
        .limiters
        .login_account
        .check(&crate::users::account_key(found.as_ref(), login))
        .map_err(ApiError::RateLimited)?;
    let ok = password::verify(
        pass.to_owned(),
        found.as_ref().map(|u| u.password_hash.clone()),
    )
    .await;
    match found {
        Some(user) if ok && user.active => {
            state.basic_cache.remember(encoded, &user);
            let role = user_role(&user)?;
            build(state, user, role, Credential::Basic).await
        }
        found => {
            let mut entry = Entry::new(Actor::anonymous(), "auth.login_failed")
                .details(serde_json::json!({ "method": "basic", "login": crate::users::loggable_login(login) }));
            if let Some(u) = &found {
                entry = entry.target("user", u.id);
            }
            audit::record(&state.db, Some(meta), entry).await?;
            Err(ApiError::InvalidToken)
        }
    }
}
