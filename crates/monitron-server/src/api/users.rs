//! `/api/v1/users/*`: user management for administrators, and group grants.

use axum::extract::State;
use chrono::Utc;
use sea_orm::sea_query::{Expr, Func, LikeExpr, NullOrdering};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, IntoActiveModel, Order,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::api::envelope::{self, ApiError, ApiResult, FieldErrors};
use crate::api::json::ApiJson;
use crate::api::list::{like_pattern, parse_sort, ApiQuery, ListPage, Paging, Sort};
use crate::api::me::Deleted;
use crate::api::meta::RequestMeta;
use crate::api::path::ApiPath;
use crate::audit::{self, Entry};
use crate::auth::role::Grant;
use crate::auth::{password, tokens, Principal, Role};
use crate::db::entities::{user, user_grant};
use crate::state::AppState;
use crate::users::{self, NewAccount, ProfileChanges, UserStatus, UserView};

/// Routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_users, create_user))
        .routes(routes!(get_user, update_user, delete_user))
        .routes(routes!(reset_user_password))
        .routes(routes!(get_grants, put_grants))
}

/// Filters and paging for the user list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserQuery {
    /// Only users with this role.
    pub role: Option<Role>,
    /// Only active or inactive users.
    pub status: Option<UserStatus>,
    /// Search in username, e-mail and display name.
    pub q: Option<String>,
    /// `id`, `username`, `email`, `role`, `status`, `created_at`, `updated_at`, `last_login_at`;
    /// prefix `-` for descending.
    pub sort: Option<String>,
    /// Page number, from 1.
    #[param(minimum = 1)]
    pub page: Option<u64>,
    /// Items per page, 1-500.
    #[param(minimum = 1, maximum = 500)]
    pub per_page: Option<u64>,
}

/// A new user.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUser {
    /// 3-32 characters: letters, digits, `.`, `_`, `-`.
    #[schema(pattern = "^[A-Za-z0-9][A-Za-z0-9._-]{2,31}$")]
    pub username: String,
    /// E-mail address.
    #[schema(max_length = 254)]
    pub email: String,
    /// Initial password (the password policy applies).
    #[schema(min_length = 10, max_length = 256)]
    pub password: String,
    /// Global role.
    pub role: Role,
    /// Name to show.
    pub display_name: Option<String>,
}

/// Changes to a user.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateUser {
    /// New global role.
    pub role: Option<Role>,
    /// False deactivates the account: it cannot sign in and its tokens and keys stop working.
    pub active: Option<bool>,
    /// New display name; an empty string clears it.
    pub display_name: Option<String>,
    /// New e-mail address.
    pub email: Option<String>,
}

/// Deleting a user needs the acting administrator's password.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeleteUser {
    /// The acting administrator's own password.
    #[schema(min_length = 1)]
    pub confirm_password: String,
}

/// How to reset a user's password.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ResetMethod {
    /// E-mail the user a single-use reset link (needs e-mail configured).
    Email,
    /// Set a random temporary password and return it.
    TemporaryPassword,
}

/// Administrator-initiated password reset.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetUserPassword {
    /// Defaults to `email` when e-mail is configured, `temporary_password` otherwise.
    pub method: Option<ResetMethod>,
}

/// What the reset did.
#[derive(Debug, Serialize, ToSchema)]
pub struct ResetResult {
    /// The method used.
    pub method: ResetMethod,
    /// The temporary password (only for `temporary_password`); the user's sessions were signed out.
    pub temporary_password: Option<String>,
}

async fn find_user(db: &impl ConnectionTrait, id: Uuid) -> ApiResult<user::Model> {
    user::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(ApiError::NotFound("user"))
}

/// List users (administrators only).
#[utoipa::path(get, path = "/api/v1/users", tag = "users", operation_id = "listUsers",
    params(UserQuery),
    responses((status = 200, description = "Users", body = ListPage<UserView>)))]
async fn list_users(
    State(state): State<AppState>,
    principal: Principal,
    ApiQuery(q): ApiQuery<UserQuery>,
) -> ApiResult {
    principal.require(Role::Admin)?;
    let paging = Paging::from_params(q.page, q.per_page)?;
    let sort = parse_sort(
        q.sort.as_deref(),
        &[
            ("id", user::Column::Id),
            ("username", user::Column::Username),
            ("email", user::Column::Email),
            ("role", user::Column::Role),
            ("status", user::Column::Active),
            ("created_at", user::Column::CreatedAt),
            ("updated_at", user::Column::UpdatedAt),
            ("last_login_at", user::Column::LastLoginAt),
        ],
        Sort {
            field: user::Column::Username,
            descending: false,
        },
    )?;
    let mut query = user::Entity::find();
    if let Some(role) = q.role {
        query = query.filter(user::Column::Role.eq(role.as_str()));
    }
    if let Some(status) = q.status {
        query = query.filter(user::Column::Active.eq(status == UserStatus::Active));
    }
    if let Some(text) = q.q.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        if text.chars().count() > 200 {
            return Err(ApiError::field("q", "must be at most 200 characters"));
        }
        let pattern = like_pattern(&text.to_lowercase());
        let like = || LikeExpr::new(pattern.clone()).escape('\\');
        // Usernames and e-mails are stored lower-case; only display names need folding.
        query = query.filter(
            Condition::any()
                .add(Expr::col(user::Column::Username).like(like()))
                .add(Expr::col(user::Column::Email).like(like()))
                .add(Expr::expr(Func::lower(Expr::col(user::Column::DisplayName))).like(like())),
        );
    }
    let total = query.clone().count(&state.db).await?;
    // `status` ascending lists active users first, so the flag sorts the other way round.
    let descending = sort.descending != matches!(sort.field, user::Column::Active);
    let order = if descending { Order::Desc } else { Order::Asc };
    let query = if matches!(sort.field, user::Column::LastLoginAt) {
        // Never-signed-in users (NULL) sort last either way, on SQLite as on PostgreSQL.
        // Only here: the portable form of NULLS LAST keeps indexes from being used.
        query.order_by_with_nulls(sort.field, order.clone(), NullOrdering::Last)
    } else {
        query.order_by(sort.field, order.clone())
    };
    let rows = query
        .order_by(user::Column::Id, order)
        .offset(paging.offset())
        .limit(paging.per_page)
        .all(&state.db)
        .await?;
    Ok(envelope::ok(ListPage {
        items: rows.into_iter().map(UserView::from).collect::<Vec<_>>(),
        total,
        page: paging.page,
        per_page: paging.per_page,
    }))
}

/// Create a user (administrators only).
#[utoipa::path(post, path = "/api/v1/users", tag = "users", operation_id = "createUser",
    request_body = CreateUser,
    responses((status = 201, description = "User created", body = UserView)))]
async fn create_user(
    State(state): State<AppState>,
    meta: RequestMeta,
    principal: Principal,
    ApiJson(body): ApiJson<CreateUser>,
) -> ApiResult {
    principal.require(Role::Admin)?;
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
    let user = users::insert_user(
        &txn,
        &username,
        &email,
        display_name,
        &body.password,
        body.role,
    )
    .await?;
    audit::record(
        &txn,
        Some(&meta.origin),
        Entry::new(&principal, "user.create")
            .target("user", user.id)
            .details(serde_json::json!({ "username": user.username, "role": body.role })),
    )
    .await?;
    txn.commit().await?;
    Ok(envelope::created(UserView::from(user)))
}

/// One user (administrators only).
#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "users", operation_id = "getUser",
    params(("id" = Uuid, Path, description = "User id")),
    responses((status = 200, description = "The user", body = UserView)))]
async fn get_user(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult {
    principal.require(Role::Admin)?;
    Ok(envelope::ok(UserView::from(
        find_user(&state.db, id).await?,
    )))
}

/// Change a user's role, status, display name or e-mail (administrators only). The last
/// active administrator can be neither demoted nor deactivated.
#[utoipa::path(patch, path = "/api/v1/users/{id}", tag = "users", operation_id = "updateUser",
    params(("id" = Uuid, Path, description = "User id")),
    request_body = UpdateUser,
    responses((status = 200, description = "Updated user", body = UserView)))]
async fn update_user(
    State(state): State<AppState>,
    meta: RequestMeta,
    principal: Principal,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<UpdateUser>,
) -> ApiResult {
    principal.require(Role::Admin)?;
    let ProfileChanges {
        display_name,
        email,
    } = users::validate_profile_changes(body.display_name.as_deref(), body.email.as_deref())
        .map_err(ApiError::Validation)?;
    let txn = crate::db::begin_write(&state.db).await?;
    let target = find_user(&txn, id).await?;
    let was_active_admin = target.active && target.role == Role::Admin.as_str();
    let demoted = body.role.is_some_and(|r| r != Role::Admin);
    let deactivated = body.active == Some(false);
    if was_active_admin && (demoted || deactivated) && users::active_admins(&txn).await? <= 1 {
        let field = if demoted { "role" } else { "active" };
        return Err(ApiError::conflict(
            field,
            "the last active administrator cannot be demoted or deactivated",
        ));
    }
    let mut changes = serde_json::Map::new();
    let mut active = target.clone().into_active_model();
    if let Some(role) = body.role {
        if role.as_str() != target.role {
            changes.insert(
                "role".into(),
                serde_json::json!({ "from": target.role, "to": role }),
            );
            active.role = Set(role.as_str().to_owned());
        }
    }
    if let Some(flag) = body.active {
        if flag != target.active {
            changes.insert(
                "active".into(),
                serde_json::json!({ "from": target.active, "to": flag }),
            );
            active.active = Set(flag);
        }
    }
    if let Some(name) = display_name {
        changes.insert("display_name".into(), serde_json::json!({ "to": name }));
        active.display_name = Set(name);
    }
    if let Some(email) = email.filter(|e| *e != target.email) {
        users::ensure_unique(&txn, None, Some(&email), Some(id)).await?;
        users::forget_reset_links(&txn, id).await?;
        changes.insert(
            "email".into(),
            serde_json::json!({ "from": target.email, "to": email }),
        );
        active.email = Set(email);
    }
    active.updated_at = Set(Utc::now());
    let user = active.update(&txn).await?;
    if deactivated && target.active {
        users::revoke_sessions(&txn, id, None, "deactivated").await?;
    }
    audit::record(
        &txn,
        Some(&meta.origin),
        Entry::new(&principal, "user.update")
            .target("user", id)
            .details(serde_json::Value::Object(changes)),
    )
    .await?;
    state.commit_access_change(txn).await?;
    Ok(envelope::ok(UserView::from(user)))
}

/// Delete a user (administrators only), confirmed with the acting administrator's password.
/// The last active administrator cannot be deleted.
#[utoipa::path(delete, path = "/api/v1/users/{id}", tag = "users", operation_id = "deleteUser",
    params(("id" = Uuid, Path, description = "User id")),
    request_body = DeleteUser,
    responses((status = 200, description = "User deleted", body = Deleted)))]
async fn delete_user(
    State(state): State<AppState>,
    meta: RequestMeta,
    principal: Principal,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<DeleteUser>,
) -> ApiResult {
    principal.require(Role::Admin)?;
    if body.confirm_password.is_empty() {
        return Err(ApiError::field("confirm_password", "is required"));
    }
    if !password::verify(
        body.confirm_password,
        Some(principal.user.password_hash.clone()),
    )
    .await
    {
        let entry = Entry::new(&principal, "password.confirm_failed")
            .target("user", principal.user.id)
            .details(serde_json::json!({ "for": "user.delete", "target_id": id }));
        audit::record(&state.db, Some(&meta.origin), entry).await?;
        return Err(ApiError::field("confirm_password", "is incorrect"));
    }
    let txn = crate::db::begin_write(&state.db).await?;
    let target = find_user(&txn, id).await?;
    if target.active
        && target.role == Role::Admin.as_str()
        && users::active_admins(&txn).await? <= 1
    {
        return Err(ApiError::conflict(
            "id",
            "the last active administrator cannot be deleted",
        ));
    }
    user::Entity::delete_by_id(id).exec(&txn).await?;
    audit::record(&txn, Some(&meta.origin), Entry::new(&principal, "user.delete").target("user", id).details(serde_json::json!({ "username": target.username, "email": target.email, "role": target.role }))).await?;
    state.commit_access_change(txn).await?;
    Ok(envelope::ok(Deleted { id }))
}

/// Reset a user's password (administrators only): e-mail a reset link, or set a temporary
/// password and return it.
#[utoipa::path(post, path = "/api/v1/users/{id}/reset-password", tag = "users", operation_id = "resetUserPassword",
    params(("id" = Uuid, Path, description = "User id")),
    request_body = ResetUserPassword,
    responses((status = 200, description = "Password reset", body = ResetResult)))]
async fn reset_user_password(
    State(state): State<AppState>,
    meta: RequestMeta,
    principal: Principal,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<ResetUserPassword>,
) -> ApiResult {
    principal.require(Role::Admin)?;
    let target = find_user(&state.db, id).await?;
    let method = body.method.unwrap_or(if state.config.email.is_some() {
        ResetMethod::Email
    } else {
        ResetMethod::TemporaryPassword
    });
    match method {
        ResetMethod::Email => {
            if state.config.email.is_none() {
                return Err(ApiError::field(
                    "method",
                    "e-mail is not configured (EMAIL_HOST); use temporary_password",
                ));
            }
            crate::api::auth::mail_reset_link(
                &state,
                &target,
                &meta,
                (&principal).into(),
                "password.admin_reset",
            )
            .await?;
            Ok(envelope::ok(ResetResult {
                method,
                temporary_password: None,
            }))
        }
        ResetMethod::TemporaryPassword => {
            let temporary = tokens::random_token("")
                .chars()
                .take(20)
                .collect::<String>();
            let hash = password::hash(temporary.clone()).await?;
            let now = Utc::now();
            let txn = crate::db::begin_write(&state.db).await?;
            let mut active = target.into_active_model();
            active.password_hash = Set(hash);
            active.password_changed_at = Set(now);
            active.updated_at = Set(now);
            active.update(&txn).await?;
            users::forget_reset_links(&txn, id).await?;
            let revoked = users::revoke_sessions(&txn, id, None, "password_reset_by_admin").await?;
            audit::record(
                &txn,
                Some(&meta.origin),
                Entry::new(&principal, "password.admin_reset")
                    .target("user", id)
                    .details(serde_json::json!({ "method": method, "revoked_sessions": revoked })),
            )
            .await?;
            state.commit_access_change(txn).await?;
            Ok(envelope::ok(ResetResult {
                method,
                temporary_password: Some(temporary),
            }))
        }
    }
}

async fn grants_of(db: &impl ConnectionTrait, user_id: Uuid) -> ApiResult<Vec<Grant>> {
    let rows = user_grant::Entity::find()
        .filter(user_grant::Column::UserId.eq(user_id))
        .order_by_asc(user_grant::Column::GroupName)
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

/// A user's group grants (administrators only). No grants: the user's role applies to every group.
#[utoipa::path(get, path = "/api/v1/users/{id}/grants", tag = "users", operation_id = "getGrants",
    params(("id" = Uuid, Path, description = "User id")),
    responses((status = 200, description = "Grants", body = Vec<Grant>)))]
async fn get_grants(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult {
    principal.require(Role::Admin)?;
    find_user(&state.db, id).await?;
    Ok(envelope::ok(grants_of(&state.db, id).await?))
}

/// Replace a user's group grants (administrators only). An empty list removes the narrowing.
#[utoipa::path(put, path = "/api/v1/users/{id}/grants", tag = "users", operation_id = "putGrants",
    params(("id" = Uuid, Path, description = "User id")),
    request_body = Vec<Grant>,
    responses((status = 200, description = "Grants saved", body = Vec<Grant>)))]
async fn put_grants(
    State(state): State<AppState>,
    meta: RequestMeta,
    principal: Principal,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<Vec<Grant>>,
) -> ApiResult {
    principal.require(Role::Admin)?;
    let mut errors = FieldErrors::new();
    if body.len() > 1000 {
        errors.insert("_".into(), "at most 1000 grants".into());
    }
    let mut seen = std::collections::HashSet::new();
    for (i, grant) in body.iter().enumerate() {
        let group = grant.group.trim();
        if group.is_empty() || group.chars().count() > 100 || group.chars().any(char::is_control) {
            errors.insert(
                format!("[{i}].group"),
                "must be 1 to 100 characters without control characters".into(),
            );
        } else if !seen.insert(group.to_owned()) {
            errors.insert(format!("[{i}].group"), "appears more than once".into());
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let txn = crate::db::begin_write(&state.db).await?;
    find_user(&txn, id).await?;
    user_grant::Entity::delete_many()
        .filter(user_grant::Column::UserId.eq(id))
        .exec(&txn)
        .await?;
    let now = Utc::now();
    for grant in &body {
        user_grant::ActiveModel {
            id: Set(Uuid::now_v7()),
            user_id: Set(id),
            group_name: Set(grant.group.trim().to_owned()),
            role: Set(grant.role.as_str().to_owned()),
            created_at: Set(now),
        }
        .insert(&txn)
        .await?;
    }
    audit::record(
        &txn,
        Some(&meta.origin),
        Entry::new(&principal, "user.grants_update")
            .target("user", id)
            .details(serde_json::json!({ "grants": body })),
    )
    .await?;
    let saved = grants_of(&txn, id).await?;
    state.commit_access_change(txn).await?;
    Ok(envelope::ok(saved))
}
