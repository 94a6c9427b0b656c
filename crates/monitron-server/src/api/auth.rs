//! `/api/v1/auth/*`: sign in, token refresh with rotation and reuse detection, sign out,
//! registration and password recovery. Browsers ask for `"session": "cookie"` at sign-in
//! and then refresh and sign out with the cookie (see [`session_cookie`]).

use chrono::{DateTime, Duration as ChronoDuration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseTransaction, EntityTrait, IntoActiveModel, QueryFilter,
    Set,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};

use crate::api::envelope::{self, ApiError, ApiResult, FieldErrors};
use crate::api::json::ApiJson;
use crate::api::meta::RequestMeta;
use crate::api::session_cookie;
use crate::audit::{self, Actor, Entry};
use crate::auth::{password, tokens, Credential, Principal, Role};
use crate::db::entities::{password_reset, refresh_token, session, user};
use crate::mail::{self, Email};
use crate::settings;
use crate::state::AppState;
use crate::users::{self, NewAccount, UserView};

/// Routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(login))
        .routes(routes!(auth_status))
        .routes(routes!(refresh))
        .routes(routes!(logout))
        .routes(routes!(register))
        .routes(routes!(forgot_password))
        .routes(routes!(reset_password))
}

/// Credentials for signing in.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    /// Username or e-mail address.
    #[schema(example = "admin", min_length = 1, max_length = 256)]
    pub login: String,
    /// Password.
    #[schema(min_length = 1, max_length = 256)]
    pub password: String,
    /// `token` (default): the refresh token comes in the answer. `cookie` (browsers): it
    /// is set as an `HttpOnly` cookie for `/api/v1/auth` and left out of the answer.
    pub session: Option<SessionMode>,
}

/// Where a new session's refresh token goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SessionMode {
    /// In the JSON answer, for scripts.
    #[default]
    Token,
    /// In an `HttpOnly` cookie, for browsers.
    Cookie,
}

/// Tokens issued at sign-in and refresh.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenPair {
    /// Short-lived JWT for the `Authorization: Bearer` header.
    pub access_token: String,
    /// Single-use token to obtain the next pair from `/auth/refresh`; absent when it was
    /// set as the session cookie instead.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    pub expires_in: u64,
    /// The signed-in user.
    pub user: UserView,
}

/// A refresh token to exchange.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    /// The refresh token from the previous pair; without it (or without a body) the session
    /// cookie is used, which needs the header `X-Requested-With: monitron`.
    #[schema(min_length = 1)]
    pub refresh_token: Option<String>,
}

/// A new account.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterRequest {
    /// 3-32 characters: letters, digits, `.`, `_`, `-`.
    #[schema(pattern = "^[A-Za-z0-9][A-Za-z0-9._-]{2,31}$")]
    pub username: String,
    /// E-mail address.
    #[schema(max_length = 254)]
    pub email: String,
    /// At least 10 characters, not the username or e-mail, not a common password.
    #[schema(min_length = 10, max_length = 256)]
    pub password: String,
    /// Name to show.
    #[schema(max_length = 100)]
    pub display_name: Option<String>,
    /// Required for the very first account: the setup token printed in the server log.
    pub setup_token: Option<String>,
}

/// Password-recovery request.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ForgotPasswordRequest {
    /// The account's e-mail address.
    #[schema(max_length = 254)]
    pub email: String,
}

/// Password reset with an e-mailed token.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetPasswordRequest {
    /// Token from the reset link.
    #[schema(min_length = 1)]
    pub token: String,
    /// The new password.
    #[schema(min_length = 10, max_length = 256)]
    pub new_password: String,
}

/// What the sign-in page needs to know before anyone signs in.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuthStatus {
    /// No account exists yet: the first one is created with the setup token from the
    /// server log (`POST /auth/register`).
    pub setup_required: bool,
    /// Anyone may create a viewer account.
    pub registration_enabled: bool,
    /// E-mail is configured, so password-reset links can be sent.
    pub email_enabled: bool,
}

/// Whether first-run setup is pending, self-registration is open and password-reset
/// e-mail can be sent. Public: the sign-in page asks before anyone signs in.
#[utoipa::path(get, path = "/api/v1/auth/status", tag = "auth", operation_id = "authStatus",
    responses((status = 200, description = "Sign-in options", body = AuthStatus)))]
async fn auth_status(State(state): State<AppState>) -> ApiResult {
    Ok(envelope::ok(AuthStatus {
        setup_required: users::none_exist(&state.db).await?,
        registration_enabled: settings::load(&state.db).await?.registration_enabled,
        email_enabled: state.notifier.mailer.is_some(),
    }))
}

/// A short confirmation.
#[derive(Debug, Serialize, ToSchema)]
pub struct Message {
    /// What happened.
    pub message: String,
}

/// Result of signing out.
#[derive(Debug, Serialize, ToSchema)]
pub struct LogoutResult {
    /// Sessions revoked by this call (0 when signed in with an API key or Basic).
    pub revoked_sessions: u64,
}

fn required(errors: &mut FieldErrors, field: &str, value: &str) {
    if value.trim().is_empty() {
        errors.insert(field.into(), "is required".into());
    }
}

fn limit(result: Result<(), std::time::Duration>) -> Result<(), ApiError> {
    result.map_err(ApiError::RateLimited)
}

/// Opens a session for `user` and issues its first token pair.
pub(crate) async fn start_session(
    txn: &DatabaseTransaction,
    state: &AppState,
    user: &user::Model,
    meta: &RequestMeta,
) -> ApiResult<TokenPair> {
    let now = Utc::now();
    let session_id = Uuid::now_v7();
    let expires_at = now
        + ChronoDuration::from_std(state.config.refresh_token_ttl).map_err(anyhow::Error::from)?;
    session::ActiveModel {
        id: Set(session_id),
        user_id: Set(user.id),
        ip: Set(meta.ip().map(|ip| ip.to_string())),
        user_agent: Set(meta.user_agent.clone()),
        created_at: Set(now),
        expires_at: Set(expires_at),
        revoked_at: Set(None),
        revoked_reason: Set(None),
    }
    .insert(txn)
    .await?;
    issue_pair(txn, state, user, session_id, expires_at).await
}

async fn issue_pair(
    txn: &DatabaseTransaction,
    state: &AppState,
    user: &user::Model,
    session_id: Uuid,
    expires_at: DateTime<Utc>,
) -> ApiResult<TokenPair> {
    let now = Utc::now();
    let refresh = tokens::random_token("mrt_");
    refresh_token::ActiveModel {
        id: Set(Uuid::now_v7()),
        session_id: Set(session_id),
        token_hash: Set(tokens::hash_token(&refresh)),
        created_at: Set(now),
        expires_at: Set(expires_at),
        used_at: Set(None),
    }
    .insert(txn)
    .await?;
    let ttl = state.config.access_token_ttl.as_secs();
    let access = state
        .tokens
        .issue(user.id, session_id, now.timestamp(), ttl as i64)?;
    Ok(TokenPair {
        access_token: access,
        refresh_token: Some(refresh),
        token_type: "Bearer",
        expires_in: ttl,
        user: user.clone().into(),
    })
}

/// Sign in with username or e-mail and password.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", operation_id = "login",
    request_body = LoginRequest,
    responses((status = 200, description = "Signed in", body = TokenPair)))]
async fn login(
    State(state): State<AppState>,
    meta: RequestMeta,
    ApiJson(body): ApiJson<LoginRequest>,
) -> ApiResult {
    let mut errors = FieldErrors::new();
    required(&mut errors, "login", &body.login);
    required(&mut errors, "password", &body.password);
    if body.login.len() > 256 {
        errors.insert("login".into(), "must be at most 256 characters".into());
    }
    if body.password.chars().count() > password::MAX_LEN {
        errors.insert(
            "password".into(),
            format!("must be at most {} characters", password::MAX_LEN),
        );
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    limit(state.limiters.login_ip.check(&meta.ip_key()))?;
    let found = users::find_by_login(&state.db, &body.login).await?;
    limit(
        state
            .limiters
            .login_account
            .check(&users::account_key(found.as_ref(), &body.login)),
    )?;
    let ok = password::verify(
        body.password,
        found.as_ref().map(|u| u.password_hash.clone()),
    )
    .await;
    let user = match found {
        Some(u) if ok => u,
        found => {
            let mut entry = Entry::new(Actor::anonymous(), "auth.login_failed")
                .details(serde_json::json!({ "login": users::loggable_login(&body.login) }));
            if let Some(u) = &found {
                entry = entry.target("user", u.id);
            }
            audit::record(&state.db, Some(&meta.origin), entry).await?;
            return Err(ApiError::BadLogin);
        }
    };
    if !user.active {
        audit::record(
            &state.db,
            Some(&meta.origin),
            Entry::new(&user, "auth.login_failed")
                .target("user", user.id)
                .details(serde_json::json!({ "reason": "deactivated" })),
        )
        .await?;
        return Err(ApiError::AccountDeactivated);
    }
    let txn = crate::db::begin_write(&state.db).await?;
    let mut active = user.clone().into_active_model();
    active.last_login_at = Set(Some(Utc::now()));
    let user = active.update(&txn).await?;
    let pair = start_session(&txn, &state, &user, &meta).await?;
    audit::record(
        &txn,
        Some(&meta.origin),
        Entry::new(&user, "auth.login").target("user", user.id),
    )
    .await?;
    txn.commit().await?;
    let mode = body.session.unwrap_or_default();
    Ok(respond_with_pair(&state, pair, mode == SessionMode::Cookie))
}

/// The answer carrying a new token pair: with `cookie`, the refresh token moves from the
/// JSON into the session cookie.
fn respond_with_pair(state: &AppState, mut pair: TokenPair, cookie: bool) -> Response {
    let refresh = if cookie {
        pair.refresh_token.take()
    } else {
        None
    };
    let mut response = envelope::ok(pair);
    if let Some(token) = refresh {
        let max_age = state.config.refresh_token_ttl.as_secs() as i64;
        session_cookie::set(&mut response, &token, max_age, cookie_secure(state));
    }
    response
}

/// Whether cookies get `Secure`: when the server is reached over HTTPS.
fn cookie_secure(state: &AppState) -> bool {
    state.config.public_url.starts_with("https://")
}

/// Exchange a refresh token for a new pair. Each refresh token works once; presenting a
/// used one revokes its whole session.
/// Without a token in the body, the session cookie is exchanged (and replaced); a cookie
/// that no longer works is removed.
#[utoipa::path(post, path = "/api/v1/auth/refresh", tag = "auth", operation_id = "refresh",
    request_body(content = Option<RefreshRequest>, description = "Optional: browsers send no body and use the session cookie"),
    responses((status = 200, description = "New token pair", body = TokenPair)))]
async fn refresh(
    State(state): State<AppState>,
    meta: RequestMeta,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    let empty = body.iter().all(u8::is_ascii_whitespace);
    let body: RefreshRequest = if empty {
        RefreshRequest::default()
    } else {
        crate::api::json::parse(&body)?
    };
    let (token, from_cookie) = match body.refresh_token {
        Some(token) if token.trim().is_empty() => {
            return Err(ApiError::field("refresh_token", "is required"))
        }
        Some(token) => (token, false),
        None => match session_cookie::read(&headers) {
            Some(token) => {
                session_cookie::require_requested_with(&headers)?;
                (token, true)
            }
            // A browser without its cookie has no session to refresh.
            None if empty => return Err(ApiError::MissingCredentials),
            None => {
                return Err(ApiError::field(
                    "refresh_token",
                    "is required (or the session cookie of a browser sign-in)",
                ))
            }
        },
    };
    match exchange(&state, &meta, token.trim()).await {
        Ok(pair) => Ok(respond_with_pair(&state, pair, from_cookie)),
        Err(err) if from_cookie && matches!(err, ApiError::InvalidToken) => {
            let mut response = err.into_response();
            session_cookie::clear(&mut response, cookie_secure(&state));
            Ok(response)
        }
        Err(err) => Err(err),
    }
}

/// Exchanges a refresh token for the next pair, detecting reuse.
async fn exchange(state: &AppState, meta: &RequestMeta, token: &str) -> ApiResult<TokenPair> {
    let now = Utc::now();
    let txn = crate::db::begin_write(&state.db).await?;
    let token = refresh_token::Entity::find()
        .filter(refresh_token::Column::TokenHash.eq(tokens::hash_token(token)))
        .one(&txn)
        .await?
        .ok_or(ApiError::InvalidToken)?;
    let session = session::Entity::find_by_id(token.session_id)
        .one(&txn)
        .await?
        .filter(|s| s.revoked_at.is_none() && s.expires_at > now)
        .ok_or(ApiError::InvalidToken)?;
    // Mark used only if nobody did before: a second use (or a race) is a stolen token.
    let claimed = refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::UsedAt, Expr::value(now))
        .filter(refresh_token::Column::Id.eq(token.id))
        .filter(refresh_token::Column::UsedAt.is_null())
        .exec(&txn)
        .await?
        .rows_affected
        == 1;
    if !claimed {
        session::Entity::update_many()
            .col_expr(session::Column::RevokedAt, Expr::value(now))
            .col_expr(
                session::Column::RevokedReason,
                Expr::value("refresh_token_reuse"),
            )
            .filter(session::Column::Id.eq(session.id))
            .exec(&txn)
            .await?;
        let actor = user::Entity::find_by_id(session.user_id)
            .one(&txn)
            .await?
            .map_or_else(Actor::anonymous, |u| Actor::user(&u));
        audit::record(
            &txn,
            Some(&meta.origin),
            Entry::new(actor, "auth.refresh_reuse_detected").target("session", session.id),
        )
        .await?;
        state.commit_access_change(txn).await?;
        tracing::warn!(session_id = %session.id, "A used refresh token was presented again; the session is revoked.");
        return Err(ApiError::InvalidToken);
    }
    if token.expires_at <= now {
        return Err(ApiError::InvalidToken);
    }
    let user = user::Entity::find_by_id(session.user_id)
        .one(&txn)
        .await?
        .filter(|u| u.active)
        .ok_or(ApiError::InvalidToken)?;
    // Each refresh extends the session by REFRESH_TOKEN_TTL, up to SESSION_MAX_AGE after
    // sign-in; then the user must sign in again.
    let ttl = |d: std::time::Duration| ChronoDuration::from_std(d).map_err(anyhow::Error::from);
    let sliding = now + ttl(state.config.refresh_token_ttl)?;
    let absolute = session.created_at + ttl(state.config.session_max_age)?;
    let new_expiry = sliding.min(absolute);
    let session_id = session.id;
    let mut active = session.into_active_model();
    active.expires_at = Set(new_expiry);
    active.update(&txn).await?;
    let pair = issue_pair(&txn, state, &user, session_id, new_expiry).await?;
    txn.commit().await?;
    Ok(pair)
}

/// Sign out: revokes the current session, so its access and refresh tokens stop working,
/// and removes the session cookie. A browser whose access token has expired signs out
/// with the cookie alone.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", operation_id = "logout",
    responses((status = 200, description = "Signed out", body = LogoutResult)))]
async fn logout(
    State(state): State<AppState>,
    meta: RequestMeta,
    headers: HeaderMap,
    principal: Result<Principal, ApiError>,
) -> ApiResult {
    let principal = match (principal, session_cookie::read(&headers)) {
        (Ok(principal), _) => principal,
        (Err(_), Some(token)) => {
            session_cookie::require_requested_with(&headers)?;
            of_refresh_token(&state, &token).await?
        }
        (Err(err), None) => return Err(err),
    };
    let txn = crate::db::begin_write(&state.db).await?;
    let revoked = match principal.credential {
        Credential::Session(id) => {
            session::Entity::update_many()
                .col_expr(session::Column::RevokedAt, Expr::value(Utc::now()))
                .col_expr(session::Column::RevokedReason, Expr::value("logout"))
                .filter(session::Column::Id.eq(id))
                .filter(session::Column::RevokedAt.is_null())
                .exec(&txn)
                .await?
                .rows_affected
        }
        Credential::ApiKey(_) | Credential::Basic { .. } => 0,
    };
    audit::record(
        &txn,
        Some(&meta.origin),
        Entry::new(&principal, "auth.logout").target("user", principal.user.id),
    )
    .await?;
    state.commit_access_change(txn).await?;
    let mut response = envelope::ok(LogoutResult {
        revoked_sessions: revoked,
    });
    session_cookie::clear(&mut response, cookie_secure(&state));
    Ok(response)
}

/// The caller whose session a refresh token (used or not) belongs to, while the session
/// stands.
async fn of_refresh_token(state: &AppState, token: &str) -> ApiResult<Principal> {
    let token = refresh_token::Entity::find()
        .filter(refresh_token::Column::TokenHash.eq(tokens::hash_token(token.trim())))
        .one(&state.db)
        .await?
        .ok_or(ApiError::InvalidToken)?;
    let session = session::Entity::find_by_id(token.session_id)
        .one(&state.db)
        .await?
        .ok_or(ApiError::InvalidToken)?;
    crate::auth::principal::of_session(&state.db, session.id, session.user_id)
        .await
        .map_err(|err| match err {
            crate::error::Error::InvalidCredentials => ApiError::InvalidToken,
            other => other.into(),
        })
}

/// Create an account. The first account needs the setup token from the server log and
/// becomes an administrator; later ones are viewers, and only when registration is enabled.
#[utoipa::path(post, path = "/api/v1/auth/register", tag = "auth", operation_id = "register",
    request_body = RegisterRequest,
    responses((status = 201, description = "Account created", body = UserView)))]
async fn register(
    State(state): State<AppState>,
    meta: RequestMeta,
    ApiJson(body): ApiJson<RegisterRequest>,
) -> ApiResult {
    limit(state.limiters.register_ip.check(&meta.ip_key()))?;
    let NewAccount {
        username,
        email,
        display_name,
    } = users::validate_new(
        &body.username,
        &body.email,
        &body.password,
        body.display_name.as_deref(),
    )
    .map_err(ApiError::Validation)?;
    let txn = crate::db::begin_write(&state.db).await?;
    let role = if users::none_exist(&txn).await? {
        let stored = settings::get(&txn, settings::SETUP_TOKEN_KEY).await?;
        let stored = stored.as_ref().and_then(|v| v.as_str());
        let given = body
            .setup_token
            .as_deref()
            .map(str::trim)
            .unwrap_or_default();
        match stored {
            None => {
                return Err(ApiError::Forbidden(
                    "no setup token is active; restart the server to print a new one".into(),
                ))
            }
            Some(_) if given.is_empty() => {
                return Err(ApiError::field(
                    "setup_token",
                    "is required to create the first account; it is printed in the server log",
                ))
            }
            Some(hash) if hash != tokens::hash_token(given) => {
                return Err(ApiError::field(
                    "setup_token",
                    "is not the current setup token",
                ))
            }
            Some(_) => {
                if !settings::remove(&txn, settings::SETUP_TOKEN_KEY).await? {
                    return Err(ApiError::field(
                        "setup_token",
                        "was just used by another registration",
                    ));
                }
                Role::Admin
            }
        }
    } else if settings::load(&txn).await?.registration_enabled {
        Role::Viewer
    } else {
        return Err(ApiError::Forbidden(
            "self-registration is disabled; ask an administrator for an account".into(),
        ));
    };
    let user =
        crate::users::insert_user(&txn, &username, &email, display_name, &body.password, role)
            .await?;
    audit::record(
        &txn,
        Some(&meta.origin),
        Entry::new(&user, "auth.register")
            .target("user", user.id)
            .details(serde_json::json!({ "role": role })),
    )
    .await?;
    txn.commit().await?;
    Ok(envelope::created(UserView::from(user)))
}

const FORGOT_ANSWER: &str =
    "If an account with this address exists, a password reset link has been sent to it.";

/// Ask for a password-reset link by e-mail. Always answers the same, whether or not the
/// address belongs to an account.
#[utoipa::path(post, path = "/api/v1/auth/forgot-password", tag = "auth", operation_id = "forgotPassword",
    request_body = ForgotPasswordRequest,
    responses((status = 200, description = "Request accepted", body = Message)))]
async fn forgot_password(
    State(state): State<AppState>,
    meta: RequestMeta,
    ApiJson(body): ApiJson<ForgotPasswordRequest>,
) -> ApiResult {
    limit(state.limiters.forgot_ip.check(&meta.ip_key()))?;
    // A malformed address gets the same answer as an unknown one: nothing to send.
    if let Ok(email) = users::validate_email(&body.email) {
        limit(state.limiters.forgot_email.check(&email))?;
        // The e-mail is in the outbox before the answer: it survives a restart, and the
        // answer's timing depends on one transaction either way, not on the mail server.
        send_reset_link(&state, &meta, &email).await?;
    }
    Ok(envelope::ok(Message {
        message: FORGOT_ANSWER.into(),
    }))
}

/// Handles one password-reset request: finds the account, issues a token, queues the
/// e-mail with the link, and audits what happened.
async fn send_reset_link(state: &AppState, meta: &RequestMeta, email: &str) -> ApiResult<()> {
    let user = user::Entity::find()
        .filter(user::Column::Email.eq(email))
        .one(&state.db)
        .await?
        .filter(|u| u.active);
    let Some(user) = user else {
        let entry = Entry::new(Actor::anonymous(), "password.forgot")
            .details(serde_json::json!({ "email": email, "account": false }));
        audit::record(&state.db, Some(&meta.origin), entry).await?;
        return Ok(());
    };
    if state.config.email.is_none() {
        tracing::warn!(user_id = %user.id, "A password reset was requested but e-mail is not configured (EMAIL_HOST); an administrator can reset the password instead.");
        let entry = Entry::new(Actor::anonymous(), "password.forgot")
            .target("user", user.id)
            .details(serde_json::json!({ "sent": false, "reason": "email_not_configured" }));
        audit::record(&state.db, Some(&meta.origin), entry).await?;
        return Ok(());
    }
    mail_reset_link(state, &user, meta, Actor::anonymous(), "password.forgot").await
}

/// Replaces the user's outstanding reset tokens with a new one and queues the e-mail
/// carrying it, in one transaction with the audit record: the mail is sent (and retried)
/// by a worker, and survives a restart.
pub(crate) async fn mail_reset_link(
    state: &AppState,
    user: &user::Model,
    meta: &RequestMeta,
    actor: Actor,
    action: &str,
) -> ApiResult<()> {
    let token = tokens::random_token("mpr_");
    let now = Utc::now();
    let txn = crate::db::begin_write(&state.db).await?;
    password_reset::Entity::delete_many()
        .filter(password_reset::Column::UserId.eq(user.id))
        .filter(password_reset::Column::UsedAt.is_null())
        .exec(&txn)
        .await?;
    password_reset::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user.id),
        token_hash: Set(tokens::hash_token(&token)),
        created_at: Set(now),
        expires_at: Set(now
            + ChronoDuration::from_std(state.config.password_reset_ttl)
                .map_err(anyhow::Error::from)?),
        used_at: Set(None),
    }
    .insert(&txn)
    .await?;
    mail::enqueue(&txn, &state.cipher, &reset_email(state, user, &token)).await?;
    audit::record(
        &txn,
        Some(&meta.origin),
        Entry::new(actor, action)
            .target("user", user.id)
            .details(serde_json::json!({ "sent": true })),
    )
    .await?;
    txn.commit().await?;
    state.queue.wake();
    Ok(())
}

/// The reset e-mail for `user` carrying `token`.
fn reset_email(state: &AppState, user: &user::Model, token: &str) -> Email {
    let minutes = state.config.password_reset_ttl.as_secs() / 60;
    Email {
        to: user.email.clone(),
        subject: "Reset your Monitron password".into(),
        body: format!(
            "Hello {name},\n\nSomeone (hopefully you) asked to reset the password of your Monitron account.\n\
             Open this link to choose a new password; it works once and expires in {minutes} minutes:\n\n\
             {url}/reset-password?token={token}\n\n\
             If you use the API, send the token to POST /api/v1/auth/reset-password:\n{token}\n\n\
             If you did not ask for this, ignore this e-mail; your password stays as it is.\n",
            name = user.display_name.as_deref().unwrap_or(&user.username),
            url = state.config.public_url,
        ),
    }
}

/// Set a new password with the token from a reset link. The token works once, and every
/// session of the account is signed out.
#[utoipa::path(post, path = "/api/v1/auth/reset-password", tag = "auth", operation_id = "resetPassword",
    request_body = ResetPasswordRequest,
    responses((status = 200, description = "Password changed", body = Message)))]
async fn reset_password(
    State(state): State<AppState>,
    meta: RequestMeta,
    ApiJson(body): ApiJson<ResetPasswordRequest>,
) -> ApiResult {
    let invalid = || ApiError::field("token", "is invalid, expired or already used");
    if body.token.trim().is_empty() {
        return Err(ApiError::field("token", "is required"));
    }
    let now = Utc::now();
    let txn = crate::db::begin_write(&state.db).await?;
    let reset = password_reset::Entity::find()
        .filter(password_reset::Column::TokenHash.eq(tokens::hash_token(body.token.trim())))
        .one(&txn)
        .await?
        .filter(|r| r.used_at.is_none() && r.expires_at > now)
        .ok_or_else(invalid)?;
    let user = user::Entity::find_by_id(reset.user_id)
        .one(&txn)
        .await?
        .filter(|u| u.active)
        .ok_or_else(invalid)?;
    password::check_policy(&body.new_password, &user.username, &user.email)
        .map_err(|e| ApiError::field("new_password", e))?;
    let claimed = password_reset::Entity::update_many()
        .col_expr(password_reset::Column::UsedAt, Expr::value(now))
        .filter(password_reset::Column::Id.eq(reset.id))
        .filter(password_reset::Column::UsedAt.is_null())
        .exec(&txn)
        .await?
        .rows_affected
        == 1;
    if !claimed {
        return Err(invalid());
    }
    let hash = password::hash(body.new_password).await?;
    let user_id = user.id;
    let mut active = user.clone().into_active_model();
    active.password_hash = Set(hash);
    active.password_changed_at = Set(now);
    active.updated_at = Set(now);
    active.update(&txn).await?;
    let revoked = users::revoke_sessions(&txn, user_id, None, "password_reset").await?;
    audit::record(
        &txn,
        Some(&meta.origin),
        Entry::new(&user, "password.reset")
            .target("user", user_id)
            .details(serde_json::json!({ "revoked_sessions": revoked })),
    )
    .await?;
    state.commit_access_change(txn).await?;
    Ok(envelope::ok(Message {
        message: "Password changed. Sign in with the new password.".into(),
    }))
}
