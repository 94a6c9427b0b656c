//! `/api/v1/settings`: server-wide settings (administrators only).

use axum::extract::State;
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::api::envelope::{self, ApiResult};
use crate::api::json::ApiJson;
use crate::api::meta::RequestMeta;
use crate::audit::{self, Entry};
use crate::auth::{Principal, Role};
use crate::settings::{self, Settings};
use crate::state::AppState;

/// Routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_settings, update_settings))
}

/// Settings to change; absent fields stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateSettings {
    /// Allow anyone to create a viewer account.
    pub registration_enabled: Option<bool>,
    /// Accept HTTP Basic credentials on the API.
    pub basic_auth_enabled: Option<bool>,
}

/// The current settings.
#[utoipa::path(get, path = "/api/v1/settings", tag = "settings", operation_id = "getSettings",
    responses((status = 200, description = "Settings", body = Settings)))]
async fn get_settings(State(state): State<AppState>, principal: Principal) -> ApiResult {
    principal.require(Role::Admin)?;
    Ok(envelope::ok(settings::load(&state.db).await?))
}

/// Change settings.
#[utoipa::path(patch, path = "/api/v1/settings", tag = "settings", operation_id = "updateSettings",
    request_body = UpdateSettings,
    responses((status = 200, description = "Settings saved", body = Settings)))]
async fn update_settings(
    State(state): State<AppState>,
    meta: RequestMeta,
    principal: Principal,
    ApiJson(body): ApiJson<UpdateSettings>,
) -> ApiResult {
    principal.require(Role::Admin)?;
    let txn = crate::db::begin_write(&state.db).await?;
    let before = settings::load(&txn).await?;
    let after = Settings {
        registration_enabled: body
            .registration_enabled
            .unwrap_or(before.registration_enabled),
        basic_auth_enabled: body.basic_auth_enabled.unwrap_or(before.basic_auth_enabled),
    };
    if after != before {
        settings::store(&txn, &after).await?;
        audit::record(
            &txn,
            Some(&meta.origin),
            Entry::new(&principal, "setting.update")
                .target("setting", "server")
                .details(serde_json::json!({ "from": before, "to": after })),
        )
        .await?;
    }
    // Turning Basic authentication off retires the connections that use it.
    state.commit_access_change(txn).await?;
    Ok(envelope::ok(after))
}
