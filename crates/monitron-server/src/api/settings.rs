//! `/api/v1/settings`: server-wide settings (administrators only), and a test e-mail
//! through the configured SMTP server.

use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::api::envelope::{self, ApiError, ApiResult};
use crate::api::json::ApiJson;
use crate::api::meta::RequestMeta;
use crate::audit::{self, Entry};
use crate::auth::{Principal, Role};
use crate::settings::{self, Settings};
use crate::state::AppState;

/// Routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_settings, update_settings))
        .routes(routes!(test_smtp))
}

/// Where to send a test e-mail.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SmtpTest {
    /// Recipient address.
    #[schema(max_length = 254)]
    pub to: String,
}

/// A test e-mail that the SMTP server accepted.
#[derive(Debug, Serialize, ToSchema)]
pub struct SmtpTestResult {
    /// Always true: failures answer 50301 with the server's reason.
    pub sent: bool,
    /// The recipient.
    pub to: String,
}

/// Send a test e-mail now (not through the queue), to check the `EMAIL_*` settings: the
/// answer says what the SMTP server said when it refuses or cannot be reached.
#[utoipa::path(post, path = "/api/v1/settings/smtp/test", tag = "settings", operation_id = "testSmtp",
    request_body = SmtpTest,
    responses((status = 200, description = "The SMTP server accepted the message", body = SmtpTestResult)))]
async fn test_smtp(
    State(state): State<AppState>,
    meta: RequestMeta,
    principal: Principal,
    ApiJson(body): ApiJson<SmtpTest>,
) -> ApiResult {
    principal.require(Role::Admin)?;
    let to = body.to.trim().to_owned();
    if to.is_empty() {
        return Err(ApiError::field("to", "is required"));
    }
    if to.len() > 254 || to.parse::<lettre::Address>().is_err() {
        return Err(ApiError::field("to", "must be an e-mail address"));
    }
    let Some(mailer) = state.notifier.mailer.as_ref() else {
        return Err(ApiError::conflict(
            "_",
            "e-mail is not configured: set EMAIL_HOST and EMAIL_FROM (see the README) and restart",
        ));
    };
    let email = crate::mail::Email {
        to: to.clone(),
        subject: "Monitron test e-mail".into(),
        body: format!(
            "This is a test e-mail from Monitron at {}, sent by {}.\n\n\
             E-mail works: password resets and e-mail alert channels will reach their recipients.\n",
            state.config.public_url, principal.user.username
        ),
    };
    let outcome = mailer.send(&email).await;
    audit::record(
        &state.db,
        Some(&meta.origin),
        Entry::new(&principal, "setting.smtp_test")
            .target("setting", "smtp")
            .details(serde_json::json!({ "to": to, "ok": outcome.is_ok() })),
    )
    .await?;
    match outcome {
        Ok(()) => Ok(envelope::ok(SmtpTestResult { sent: true, to })),
        Err(err) => Err(ApiError::Unavailable(format!("the mail server ({err:#})"))),
    }
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
