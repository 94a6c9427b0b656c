//! Resolving the credential a request carries into a [`Principal`]: a Bearer access token
//! (tied to a revocable session), an `X-API-Key`, or HTTP Basic when an administrator
//! enabled it. Every request loads the user again, so deactivation and revocation take
//! effect at once.

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use base64::Engine;
use chrono::Utc;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};

use crate::api::envelope::ApiError;
use crate::api::meta::RequestMeta;
use crate::audit::{self, Actor, Entry};
use crate::auth::principal::{self, Credential, Principal};
use crate::auth::{password, tokens};
use crate::db::entities::api_key;
use crate::state::AppState;

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

async fn from_access_token(state: &AppState, token: &str) -> Result<Principal, ApiError> {
    let claims = state.tokens.verify(token).ok_or(ApiError::InvalidToken)?;
    Ok(principal::of_session(&state.db, claims.sid, claims.sub).await?)
}

async fn from_api_key(state: &AppState, key: &str) -> Result<Principal, ApiError> {
    let now = Utc::now();
    let row = api_key::Entity::find()
        .filter(api_key::Column::KeyHash.eq(tokens::hash_token(key)))
        .one(&state.db)
        .await?
        .ok_or(ApiError::InvalidToken)?;
    let principal = principal::of_api_key(&state.db, &row, now).await?;
    if row
        .last_used_at
        .is_none_or(|at| (now - at).num_seconds() >= LAST_USED_RESOLUTION_S)
    {
        let key_id = row.id;
        let mut active: api_key::ActiveModel = row.into();
        active.last_used_at = Set(Some(now));
        if let Err(err) = active.update(&state.db).await {
            tracing::warn!(api_key_id = %key_id, error = %err, "Failed to record API key use.");
        }
    }
    Ok(principal)
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
    let basic = |user: &crate::db::entities::user::Model| Credential::Basic {
        password_changed_at: user.password_changed_at,
    };
    if let Some(user_id) = state.basic_cache.get(encoded) {
        // Recently verified: skip Argon2, but re-check the account as every request does.
        if let Some(user) = crate::db::entities::user::Entity::find_by_id(user_id)
            .one(&state.db)
            .await?
        {
            if user.active && state.basic_cache.still_valid(encoded, &user) {
                let credential = basic(&user);
                return Ok(principal::of_user(&state.db, user, None, credential).await?);
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
            let credential = basic(&user);
            Ok(principal::of_user(&state.db, user, None, credential).await?)
        }
        found => {
            let mut entry = Entry::new(Actor::anonymous(), "auth.login_failed")
                .details(serde_json::json!({ "method": "basic", "login": crate::users::loggable_login(login) }));
            if let Some(u) = &found {
                entry = entry.target("user", u.id);
            }
            audit::record(&state.db, Some(&meta.origin), entry).await?;
            Err(ApiError::InvalidToken)
        }
    }
}
