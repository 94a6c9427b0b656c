//! `/api/v1/me/*`: the signed-in user's profile, password, preferences and API keys.

use axum::extract::State;
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::api::auth::Message;
use crate::api::envelope::{self, ApiError, ApiResult, FieldErrors};
use crate::api::json::ApiJson;
use crate::api::list::{ApiQuery, ListPage, PageParams, Paging};
use crate::api::meta::RequestMeta;
use crate::api::path::ApiPath;
use crate::audit::{self, Entry};
use crate::auth::{password, tokens, Credential, Principal, Role};
use crate::db::entities::{api_key, user};
use crate::state::AppState;
use crate::users::{self, Color, ProfileChanges, Theme, UserView};

/// Routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_me, update_me))
        .routes(routes!(change_password))
        .routes(routes!(get_preferences, put_preferences))
        .routes(routes!(list_api_keys, create_api_key))
        .routes(routes!(delete_api_key))
}

/// Profile changes.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateMe {
    /// New display name; an empty string clears it.
    #[schema(max_length = 100)]
    pub display_name: Option<String>,
    /// New e-mail address; needs `current_password`.
    #[schema(max_length = 254)]
    pub email: Option<String>,
    /// The current password, required to change the e-mail address.
    pub current_password: Option<String>,
}

/// A password change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangePassword {
    /// The current password.
    #[schema(min_length = 1)]
    pub current_password: String,
    /// The new password.
    #[schema(min_length = 10, max_length = 256)]
    pub new_password: String,
}

/// UI preferences.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Preferences {
    /// Light, dark, or follow the system.
    pub theme: Theme,
    /// Colour theme.
    pub color: Color,
}

/// A new API key.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateApiKey {
    /// What the key is for (1-100 characters).
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
    /// When the key stops working; never when absent.
    pub expires_at: Option<DateTime<Utc>>,
    /// Role the key acts with; at most (and by default) the owner's role.
    pub role: Option<Role>,
}

/// An API key as listed (never the key itself).
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiKeyView {
    /// Key id.
    pub id: Uuid,
    /// Name.
    pub name: String,
    /// First characters of the key.
    pub prefix: String,
    /// Role the key acts with (capped by the owner's current role).
    pub role: Role,
    /// Expiry, if any.
    pub expires_at: Option<DateTime<Utc>>,
    /// Last use (to the minute).
    pub last_used_at: Option<DateTime<Utc>>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
}

/// A just-created API key: `key` appears in this answer only.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedApiKey {
    /// Key id.
    pub id: Uuid,
    /// Name.
    pub name: String,
    /// The key; send it as the `X-API-Key` header. It cannot be shown again.
    pub key: String,
    /// First characters of the key.
    pub prefix: String,
    /// Role the key acts with.
    pub role: Role,
    /// Expiry, if any.
    pub expires_at: Option<DateTime<Utc>>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
}

/// Id of a deleted thing.
#[derive(Debug, Serialize, ToSchema)]
pub struct Deleted {
    /// The id.
    pub id: Uuid,
}

impl From<api_key::Model> for ApiKeyView {
    fn from(k: api_key::Model) -> Self {
        Self {
            id: k.id,
            name: k.name,
            prefix: k.prefix,
            role: Role::parse(&k.role).unwrap_or(Role::Viewer),
            expires_at: k.expires_at,
            last_used_at: k.last_used_at,
            created_at: k.created_at,
        }
    }
}

/// The signed-in user.
#[utoipa::path(get, path = "/api/v1/me", tag = "me", operation_id = "getMe",
    responses((status = 200, description = "The signed-in user", body = UserView)))]
async fn get_me(principal: Principal) -> ApiResult {
    Ok(envelope::ok(UserView::from(principal.user)))
}

/// Change the display name or e-mail address.
#[utoipa::path(patch, path = "/api/v1/me", tag = "me", operation_id = "updateMe",
    request_body = UpdateMe,
    responses((status = 200, description = "Updated user", body = UserView)))]
async fn update_me(
    State(state): State<AppState>,
    meta: RequestMeta,
    principal: Principal,
    ApiJson(body): ApiJson<UpdateMe>,
) -> ApiResult {
    require_interactive(&principal)?;
    let ProfileChanges {
        display_name,
        email,
    } = users::validate_profile_changes(body.display_name.as_deref(), body.email.as_deref())
        .map_err(ApiError::Validation)?;
    let email = email.filter(|e| *e != principal.user.email);
    if email.is_some() {
        let current = body.current_password.clone().unwrap_or_default();
        if current.is_empty() {
            return Err(ApiError::field(
                "current_password",
                "is required to change the e-mail address",
            ));
        }
        if !password::verify(current, Some(principal.user.password_hash.clone())).await {
            let entry = Entry::new(&principal, "password.confirm_failed")
                .target("user", principal.user.id)
                .details(serde_json::json!({ "for": "user.update" }));
            audit::record(&state.db, Some(&meta.origin), entry).await?;
            return Err(ApiError::field("current_password", "is incorrect"));
        }
    }
    let txn = crate::db::begin_write(&state.db).await?;
    let mut active = principal.user.clone().into_active_model();
    let mut changed = Vec::new();
    if let Some(name) = display_name {
        active.display_name = Set(name);
        changed.push("display_name");
    }
    if let Some(email) = email {
        users::ensure_unique(&txn, None, Some(&email), Some(principal.user.id)).await?;
        users::forget_reset_links(&txn, principal.user.id).await?;
        active.email = Set(email);
        changed.push("email");
    }
    active.updated_at = Set(Utc::now());
    let user = active.update(&txn).await?;
    audit::record(
        &txn,
        Some(&meta.origin),
        Entry::new(&principal, "user.update")
            .target("user", user.id)
            .details(serde_json::json!({ "fields": changed, "self": true })),
    )
    .await?;
    txn.commit().await?;
    Ok(envelope::ok(UserView::from(user)))
}

/// Change the password. Every session of the account is signed out, this one included.
#[utoipa::path(post, path = "/api/v1/me/password", tag = "me", operation_id = "changePassword",
    request_body = ChangePassword,
    responses((status = 200, description = "Password changed", body = Message)))]
async fn change_password(
    State(state): State<AppState>,
    meta: RequestMeta,
    principal: Principal,
    ApiJson(body): ApiJson<ChangePassword>,
) -> ApiResult {
    require_interactive(&principal)?;
    let user = principal.user.clone();
    if body.current_password.is_empty() {
        return Err(ApiError::field("current_password", "is required"));
    }
    password::check_policy(&body.new_password, &user.username, &user.email)
        .map_err(|e| ApiError::field("new_password", e))?;
    if !password::verify(body.current_password, Some(user.password_hash.clone())).await {
        audit::record(
            &state.db,
            Some(&meta.origin),
            Entry::new(&principal, "password.change_failed").target("user", user.id),
        )
        .await?;
        return Err(ApiError::field("current_password", "is incorrect"));
    }
    let hash = password::hash(body.new_password).await?;
    let now = Utc::now();
    let txn = crate::db::begin_write(&state.db).await?;
    let mut active = user.clone().into_active_model();
    active.password_hash = Set(hash);
    active.password_changed_at = Set(now);
    active.updated_at = Set(now);
    active.update(&txn).await?;
    users::forget_reset_links(&txn, user.id).await?;
    let revoked = users::revoke_sessions(&txn, user.id, None, "password_changed").await?;
    audit::record(
        &txn,
        Some(&meta.origin),
        Entry::new(&principal, "password.change")
            .target("user", user.id)
            .details(serde_json::json!({ "revoked_sessions": revoked })),
    )
    .await?;
    state.commit_access_change(txn).await?;
    Ok(envelope::ok(Message {
        message: "Password changed. Sign in again with the new password.".into(),
    }))
}

fn preferences_of(u: &user::Model) -> Preferences {
    Preferences {
        theme: Theme::parse(&u.theme).unwrap_or(Theme::System),
        color: Color::parse(&u.color).unwrap_or(Color::Blue),
    }
}

/// The signed-in user's UI preferences.
#[utoipa::path(get, path = "/api/v1/me/preferences", tag = "me", operation_id = "getPreferences",
    responses((status = 200, description = "Preferences", body = Preferences)))]
async fn get_preferences(principal: Principal) -> ApiResult {
    Ok(envelope::ok(preferences_of(&principal.user)))
}

/// Replace the UI preferences.
#[utoipa::path(put, path = "/api/v1/me/preferences", tag = "me", operation_id = "putPreferences",
    request_body = Preferences,
    responses((status = 200, description = "Preferences saved", body = Preferences)))]
async fn put_preferences(
    State(state): State<AppState>,
    meta: RequestMeta,
    principal: Principal,
    ApiJson(body): ApiJson<Preferences>,
) -> ApiResult {
    require_interactive(&principal)?;
    let txn = crate::db::begin_write(&state.db).await?;
    let mut active = principal.user.clone().into_active_model();
    active.theme = Set(body.theme.as_str().to_owned());
    active.color = Set(body.color.as_str().to_owned());
    active.updated_at = Set(Utc::now());
    let user = active.update(&txn).await?;
    audit::record(
        &txn,
        Some(&meta.origin),
        Entry::new(&principal, "preferences.update")
            .target("user", user.id)
            .details(serde_json::to_value(&body).unwrap_or_default()),
    )
    .await?;
    txn.commit().await?;
    Ok(envelope::ok(preferences_of(&user)))
}

/// The signed-in user's API keys.
#[utoipa::path(get, path = "/api/v1/me/api-keys", tag = "me", operation_id = "listApiKeys",
    params(PageParams),
    responses((status = 200, description = "API keys", body = ListPage<ApiKeyView>)))]
async fn list_api_keys(
    State(state): State<AppState>,
    principal: Principal,
    ApiQuery(q): ApiQuery<PageParams>,
) -> ApiResult {
    let paging = Paging::from_params(q.page, q.per_page)?;
    let query = api_key::Entity::find().filter(api_key::Column::UserId.eq(principal.user.id));
    let total = query.clone().count(&state.db).await?;
    let rows = query
        .order_by_desc(api_key::Column::CreatedAt)
        .offset(paging.offset())
        .limit(paging.per_page)
        .all(&state.db)
        .await?;
    Ok(envelope::ok(ListPage {
        items: rows.into_iter().map(ApiKeyView::from).collect::<Vec<_>>(),
        total,
        page: paging.page,
        per_page: paging.per_page,
    }))
}

/// Changes to the account itself (profile, password, preferences, keys) need a password
/// or a session: an API key, usually stored in some script, must not be able to take the
/// account over.
fn require_interactive(principal: &Principal) -> Result<(), ApiError> {
    match principal.credential {
        Credential::ApiKey(_) => Err(ApiError::Forbidden(
            "API keys cannot change the account or its keys; sign in with a password".into(),
        )),
        Credential::Session(_) | Credential::Basic { .. } => Ok(()),
    }
}

/// Create an API key. The key is in this answer only; store it now.
#[utoipa::path(post, path = "/api/v1/me/api-keys", tag = "me", operation_id = "createApiKey",
    request_body = CreateApiKey,
    responses((status = 201, description = "Key created", body = CreatedApiKey)))]
async fn create_api_key(
    State(state): State<AppState>,
    meta: RequestMeta,
    principal: Principal,
    ApiJson(body): ApiJson<CreateApiKey>,
) -> ApiResult {
    require_interactive(&principal)?;
    let mut errors = FieldErrors::new();
    let name = body.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
        errors.insert(
            "name".into(),
            "must be 1 to 100 characters without control characters".into(),
        );
    }
    let now = Utc::now();
    if body.expires_at.is_some_and(|at| at <= now) {
        errors.insert("expires_at".into(), "must be in the future".into());
    }
    let role = body.role.unwrap_or(principal.access.role);
    if role > principal.access.role {
        errors.insert(
            "role".into(),
            format!(
                "must not exceed your own role ({})",
                principal.access.role.as_str()
            ),
        );
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let key = tokens::random_token("mon_");
    let prefix: String = key.chars().take(12).collect();
    let txn = crate::db::begin_write(&state.db).await?;
    let row = api_key::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(principal.user.id),
        name: Set(name),
        prefix: Set(prefix),
        key_hash: Set(tokens::hash_token(&key)),
        role: Set(role.as_str().to_owned()),
        expires_at: Set(body.expires_at),
        last_used_at: Set(None),
        created_at: Set(now),
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        Some(&meta.origin),
        Entry::new(&principal, "api_key.create")
            .target("api_key", row.id)
            .details(
                serde_json::json!({ "name": row.name, "role": role, "expires_at": row.expires_at }),
            ),
    )
    .await?;
    txn.commit().await?;
    Ok(envelope::created(CreatedApiKey {
        id: row.id,
        name: row.name,
        key,
        prefix: row.prefix,
        role,
        expires_at: row.expires_at,
        created_at: row.created_at,
    }))
}

/// Delete (revoke) one of the signed-in user's API keys.
#[utoipa::path(delete, path = "/api/v1/me/api-keys/{id}", tag = "me", operation_id = "deleteApiKey",
    params(("id" = Uuid, Path, description = "API key id")),
    responses((status = 200, description = "Key deleted", body = Deleted)))]
async fn delete_api_key(
    State(state): State<AppState>,
    meta: RequestMeta,
    principal: Principal,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult {
    require_interactive(&principal)?;
    let txn = crate::db::begin_write(&state.db).await?;
    let row = api_key::Entity::find_by_id(id)
        .filter(api_key::Column::UserId.eq(principal.user.id))
        .one(&txn)
        .await?
        .ok_or(ApiError::NotFound("API key"))?;
    api_key::Entity::delete_by_id(row.id).exec(&txn).await?;
    audit::record(
        &txn,
        Some(&meta.origin),
        Entry::new(&principal, "api_key.delete")
            .target("api_key", row.id)
            .details(serde_json::json!({ "name": row.name })),
    )
    .await?;
    state.commit_access_change(txn).await?;
    Ok(envelope::ok(Deleted { id }))
}
