//! `/api/v1/notification-channels`: where alert messages go. Editors and administrators
//! manage them; viewers read them with secrets masked.

use axum::extract::State;
use chrono::Utc;
use sea_orm::{ActiveModelTrait, EntityTrait, QueryOrder, Set};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::api::envelope::{self, ApiError, ApiResult, FieldErrors};
use crate::api::json::ApiJson;
use crate::api::list::{ApiQuery, ListPage, PageParams, Paging};
use crate::api::me::Deleted;
use crate::api::meta::RequestMeta;
use crate::api::path::ApiPath;
use crate::audit::{self, Entry};
use crate::auth::{Principal, Role};
use crate::db::entities::{alert_rule, notification_channel};
use crate::db::list::fetch_page;
use crate::notify::delivery::{DEFAULT_MAX_ATTEMPTS, EMAIL_MAX_ATTEMPTS};
use crate::notify::ChannelConfig;
use crate::state::AppState;

/// Routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_channels, create_channel))
        .routes(routes!(get_channel, update_channel, delete_channel))
        .routes(routes!(test_channel))
}

/// A new channel.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateChannel {
    /// Name.
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    /// The channel type.
    #[serde(rename = "type")]
    #[schema(schema_with = channel_type_schema)]
    pub channel_type: String,
    /// Type-specific settings (see the API contract for each type).
    #[schema(value_type = Object)]
    pub config: Value,
    /// Sends when true (default).
    pub enabled: Option<bool>,
    /// Receives the alerts of every rule that names no channel (default false).
    pub default: Option<bool>,
    /// 0 (default): each alert at once; otherwise alerts firing within this many seconds
    /// go out as one message.
    #[schema(maximum = 3600)]
    pub group_wait_s: Option<i64>,
    /// Most delivery attempts of one message (default 8; e-mail at most 10).
    #[schema(minimum = 1, maximum = 20)]
    pub max_attempts: Option<i64>,
}

/// Changes to a channel; absent fields stay as they are. `config` replaces the settings
/// (secrets may be sent back as the mask to keep them).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateChannel {
    /// Name.
    pub name: Option<String>,
    /// New type (requires `config`).
    #[serde(rename = "type")]
    #[schema(schema_with = channel_type_schema)]
    pub channel_type: Option<String>,
    /// New settings.
    #[schema(value_type = Option<Object>)]
    pub config: Option<Value>,
    /// Sends when true.
    pub enabled: Option<bool>,
    /// A default channel.
    pub default: Option<bool>,
    /// Grouping window in seconds.
    pub group_wait_s: Option<i64>,
    /// Most delivery attempts.
    pub max_attempts: Option<i64>,
}

fn channel_type_schema() -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .enum_values(Some(ChannelConfig::TYPES.to_vec()))
        .build()
}

/// A channel, secrets masked.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChannelView {
    /// Id.
    pub id: Uuid,
    /// Name.
    pub name: String,
    /// The channel type.
    #[serde(rename = "type")]
    pub channel_type: String,
    /// Settings; secrets masked (a generated webhook secret is shown once, on creation).
    #[schema(value_type = Object)]
    pub config: Value,
    /// Sends when true.
    pub enabled: bool,
    /// A default channel.
    pub default: bool,
    /// Grouping window in seconds.
    pub group_wait_s: i32,
    /// Most delivery attempts.
    pub max_attempts: i32,
    /// Created.
    pub created_at: chrono::DateTime<Utc>,
    /// Last changed.
    pub updated_at: chrono::DateTime<Utc>,
}

fn view(row: &notification_channel::Model) -> ChannelView {
    let config = match ChannelConfig::from_stored(&row.channel_type, &row.config) {
        Ok(mut config) => {
            config.mask();
            config.config_json()
        }
        Err(_) => Value::Null,
    };
    ChannelView {
        id: row.id,
        name: row.name.clone(),
        channel_type: row.channel_type.clone(),
        config,
        enabled: row.enabled,
        default: row.is_default,
        group_wait_s: row.group_wait_s,
        max_attempts: row.max_attempts,
        created_at: row.created_at,
        updated_at: row.updated_at,
    }
}

/// Checks the common fields; type-specific ones are checked by the channel's module.
fn check_fields(
    errors: &mut FieldErrors,
    name: Option<&str>,
    channel_type: &str,
    group_wait_s: Option<i64>,
    max_attempts: Option<i64>,
    email_on: bool,
) {
    if let Some(Err(reason)) = name.map(crate::monitors::Name::parse) {
        errors.insert("name".into(), reason);
    }
    if group_wait_s.is_some_and(|g| !(0..=3600).contains(&g)) {
        errors.insert("group_wait_s".into(), "must be between 0 and 3600".into());
    }
    let most = if channel_type == "email" {
        EMAIL_MAX_ATTEMPTS
    } else {
        20
    };
    if max_attempts.is_some_and(|m| !(1..=i64::from(most)).contains(&m)) {
        errors.insert(
            "max_attempts".into(),
            format!("must be between 1 and {most}"),
        );
    }
    if channel_type == "email" && !email_on {
        errors.insert(
            "type".into(),
            "e-mail is off on this server: set EMAIL_HOST (and the other EMAIL_* variables) first"
                .into(),
        );
    }
}

/// Secrets the server filled in for a new channel, to show once.
fn generated(before: &mut ChannelConfig, after: &mut ChannelConfig) -> Vec<(String, String)> {
    let was: Vec<(String, bool)> = before
        .secrets_mut()
        .into_iter()
        .map(|s| (s.path, s.value.is_empty()))
        .collect();
    after
        .secrets_mut()
        .into_iter()
        .filter(|s| was.iter().any(|(p, empty)| *p == s.path && *empty) && !s.value.is_empty())
        .map(|s| (s.path, s.value.clone()))
        .collect()
}

/// List channels.
#[utoipa::path(get, path = "/api/v1/notification-channels", tag = "alerting", operation_id = "listNotificationChannels",
    params(PageParams),
    responses((status = 200, description = "Channels", body = ListPage<ChannelView>)))]
async fn list_channels(
    State(state): State<AppState>,
    principal: Principal,
    ApiQuery(q): ApiQuery<PageParams>,
) -> ApiResult {
    principal.require(Role::Viewer)?;
    let paging = Paging::from_params(q.page, q.per_page)?;
    let query = notification_channel::Entity::find()
        .order_by_asc(notification_channel::Column::Name)
        .order_by_asc(notification_channel::Column::Id);
    let (rows, total) = fetch_page(&state.db, query, paging).await?;
    let items: Vec<ChannelView> = rows.iter().map(view).collect();
    Ok(envelope::ok(ListPage {
        items,
        total,
        page: paging.page,
        per_page: paging.per_page,
    }))
}

/// Create a channel (editors).
#[utoipa::path(post, path = "/api/v1/notification-channels", tag = "alerting", operation_id = "createNotificationChannel",
    request_body = CreateChannel,
    responses((status = 201, description = "Created", body = ChannelView)))]
async fn create_channel(
    State(state): State<AppState>,
    meta: RequestMeta,
    principal: Principal,
    ApiJson(body): ApiJson<CreateChannel>,
) -> ApiResult {
    principal.require(Role::Editor)?;
    let mut errors = FieldErrors::new();
    check_fields(
        &mut errors,
        Some(&body.name),
        &body.channel_type,
        body.group_wait_s,
        body.max_attempts,
        state.config.email.is_some(),
    );
    let parsed = ChannelConfig::parse(&body.channel_type, body.config);
    let mut config = match parsed {
        Ok(config) if errors.is_empty() => config,
        Ok(_) => return Err(ApiError::Validation(errors)),
        Err(more) => {
            errors.extend(more);
            return Err(ApiError::Validation(errors));
        }
    };
    let mut before = config.clone();
    config.prepare_new();
    let shown_once = generated(&mut before, &mut config);
    config
        .seal(&state.cipher, None)
        .map_err(ApiError::Validation)?;
    let now = Utc::now();
    let default_attempts = if body.channel_type == "email" {
        EMAIL_MAX_ATTEMPTS
    } else {
        DEFAULT_MAX_ATTEMPTS
    };
    let txn = crate::db::begin_write(&state.db).await?;
    let row = notification_channel::ActiveModel {
        id: Set(Uuid::now_v7()),
        name: Set(body.name.trim().to_owned()),
        channel_type: Set(body.channel_type.clone()),
        config: Set(config.config_json()),
        enabled: Set(body.enabled.unwrap_or(true)),
        is_default: Set(body.default.unwrap_or(false)),
        group_wait_s: Set(body.group_wait_s.unwrap_or(0) as i32),
        max_attempts: Set(body
            .max_attempts
            .map_or(default_attempts as i32, |m| m as i32)),
        created_by: Set(Some(principal.user.id)),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        Some(&meta.origin),
        Entry::new(&principal, "notification_channel.create")
            .target("notification_channel", row.id)
            .details(serde_json::json!({ "name": row.name, "type": row.channel_type, "default": row.is_default })),
    )
    .await?;
    txn.commit().await?;
    state.engine.alerting().reload(&state.db).await?;
    let mut shown = view(&row);
    for (path, value) in shown_once {
        if let Some(field) = path.strip_prefix("config.") {
            shown.config[field] = value.into();
        }
    }
    Ok(envelope::created(shown))
}

async fn find(state: &AppState, id: Uuid) -> ApiResult<notification_channel::Model> {
    notification_channel::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or(ApiError::NotFound("notification channel"))
}

/// One channel.
#[utoipa::path(get, path = "/api/v1/notification-channels/{id}", tag = "alerting", operation_id = "getNotificationChannel",
    params(("id" = Uuid, Path, description = "Channel id")),
    responses((status = 200, description = "The channel", body = ChannelView)))]
async fn get_channel(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult {
    principal.require(Role::Viewer)?;
    Ok(envelope::ok(view(&find(&state, id).await?)))
}

/// Change a channel (editors).
#[utoipa::path(patch, path = "/api/v1/notification-channels/{id}", tag = "alerting", operation_id = "updateNotificationChannel",
    params(("id" = Uuid, Path, description = "Channel id")),
    request_body = UpdateChannel,
    responses((status = 200, description = "Saved", body = ChannelView)))]
async fn update_channel(
    State(state): State<AppState>,
    meta: RequestMeta,
    principal: Principal,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<UpdateChannel>,
) -> ApiResult {
    principal.require(Role::Editor)?;
    let row = find(&state, id).await?;
    let channel_type = body
        .channel_type
        .clone()
        .unwrap_or_else(|| row.channel_type.clone());
    let mut errors = FieldErrors::new();
    check_fields(
        &mut errors,
        body.name.as_deref(),
        &channel_type,
        body.group_wait_s,
        body.max_attempts,
        state.config.email.is_some() || (channel_type == row.channel_type && body.config.is_none()),
    );
    if body.channel_type.is_some() && body.config.is_none() {
        errors.insert("config".into(), "is required when the type changes".into());
    }
    let config = match body.config {
        Some(config) => match ChannelConfig::parse(&channel_type, config) {
            Ok(mut config) => {
                let previous = ChannelConfig::from_stored(&row.channel_type, &row.config).ok();
                if let Err(more) = config.seal(&state.cipher, previous.as_ref()) {
                    errors.extend(more);
                }
                Some(config)
            }
            Err(more) => {
                errors.extend(more);
                None
            }
        },
        None => None,
    };
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let mut changed: Vec<&str> = Vec::new();
    let mut active: notification_channel::ActiveModel = row.clone().into();
    if let Some(name) = &body.name {
        active.name = Set(name.trim().to_owned());
        changed.push("name");
    }
    if let Some(config) = config {
        active.channel_type = Set(channel_type.clone());
        active.config = Set(config.config_json());
        changed.push("config");
    }
    if let Some(enabled) = body.enabled {
        active.enabled = Set(enabled);
        changed.push("enabled");
    }
    if let Some(default) = body.default {
        active.is_default = Set(default);
        changed.push("default");
    }
    if let Some(wait) = body.group_wait_s {
        active.group_wait_s = Set(wait as i32);
        changed.push("group_wait_s");
    }
    if let Some(most) = body.max_attempts {
        active.max_attempts = Set(most as i32);
        changed.push("max_attempts");
    }
    active.updated_at = Set(Utc::now());
    let txn = crate::db::begin_write(&state.db).await?;
    let row = active.update(&txn).await?;
    audit::record(
        &txn,
        Some(&meta.origin),
        Entry::new(&principal, "notification_channel.update")
            .target("notification_channel", id)
            .details(serde_json::json!({ "name": row.name, "changed": changed })),
    )
    .await?;
    txn.commit().await?;
    state.engine.alerting().reload(&state.db).await?;
    Ok(envelope::ok(view(&row)))
}

/// Delete a channel (editors). A channel that rules still name is refused, naming them:
/// a rule left with no channels would fall back to the default ones.
#[utoipa::path(delete, path = "/api/v1/notification-channels/{id}", tag = "alerting", operation_id = "deleteNotificationChannel",
    params(("id" = Uuid, Path, description = "Channel id")),
    responses((status = 200, description = "Deleted", body = Deleted)))]
async fn delete_channel(
    State(state): State<AppState>,
    meta: RequestMeta,
    principal: Principal,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult {
    principal.require(Role::Editor)?;
    let row = find(&state, id).await?;
    let txn = crate::db::begin_write(&state.db).await?;
    let users: Vec<String> = alert_rule::Entity::find()
        .all(&txn)
        .await?
        .into_iter()
        .filter(|r| {
            serde_json::from_value::<Vec<Uuid>>(r.channels.clone())
                .is_ok_and(|ids| ids.contains(&id))
        })
        .map(|r| r.name)
        .collect();
    if !users.is_empty() {
        return Err(ApiError::conflict(
            "id",
            format!(
                "is used by the alert rules {}; remove it from them first",
                users.join(", ")
            ),
        ));
    }
    notification_channel::Entity::delete_by_id(id)
        .exec(&txn)
        .await?;
    audit::record(
        &txn,
        Some(&meta.origin),
        Entry::new(&principal, "notification_channel.delete")
            .target("notification_channel", id)
            .details(serde_json::json!({ "name": row.name, "type": row.channel_type })),
    )
    .await?;
    txn.commit().await?;
    state.engine.alerting().reload(&state.db).await?;
    Ok(envelope::ok(Deleted { id }))
}

/// The outcome of a test message.
#[derive(Debug, Serialize, ToSchema)]
pub struct TestOutcome {
    /// The logged notification.
    pub notification_id: Uuid,
    /// `sent` or `dead`.
    pub status: String,
    /// The provider's HTTP status, when it answered.
    pub status_code: Option<u16>,
    /// What went wrong.
    pub error: Option<String>,
}

/// Send a test message now (editors) and answer how the provider took it.
#[utoipa::path(post, path = "/api/v1/notification-channels/{id}/test", tag = "alerting", operation_id = "testNotificationChannel",
    params(("id" = Uuid, Path, description = "Channel id")),
    responses((status = 200, description = "The delivery outcome", body = TestOutcome)))]
async fn test_channel(
    State(state): State<AppState>,
    meta: RequestMeta,
    principal: Principal,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult {
    principal.require(Role::Editor)?;
    let row = find(&state, id).await?;
    let (notification_id, sent) = crate::notify::delivery::send_test(
        &state.db,
        &state.cipher,
        &state.notifier,
        &row,
        &state.config.public_url,
    )
    .await?;
    let txn = crate::db::begin_write(&state.db).await?;
    audit::record(
        &txn,
        Some(&meta.origin),
        Entry::new(&principal, "notification_channel.test")
            .target("notification_channel", id)
            .details(serde_json::json!({ "notification_id": notification_id, "status_code": sent.status(), "error": sent.error() })),
    )
    .await?;
    txn.commit().await?;
    Ok(envelope::ok(TestOutcome {
        notification_id,
        status: if matches!(sent, crate::notify::Sent::Delivered { .. }) {
            "sent"
        } else {
            "dead"
        }
        .into(),
        status_code: sent.status(),
        error: sent.error().map(str::to_owned),
    }))
}
