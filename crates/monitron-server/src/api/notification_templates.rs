//! `/api/v1/settings/notification-templates`: administrators replace the default title or
//! body of any channel type's messages, and preview a template against a sample alert.

use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::api::envelope::{self, ApiError, ApiResult};
use crate::api::json::ApiJson;
use crate::api::meta::RequestMeta;
use crate::audit::{self, Entry};
use crate::auth::{Principal, Role};
use crate::notify::template::{self, Overrides};
use crate::notify::{ChannelConfig, Event};
use crate::state::AppState;

/// Routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_templates, put_templates))
        .routes(routes!(preview_template))
}

/// The overrides in force.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Templates {
    /// MiniJinja templates keyed `title.<event>` or `<channel type>.<event>` (events:
    /// firing, reminder, resolved, digest, test); absent keys use the defaults.
    pub templates: Overrides,
}

/// The template overrides (administrators).
#[utoipa::path(get, path = "/api/v1/settings/notification-templates", tag = "alerting", operation_id = "getNotificationTemplates",
    responses((status = 200, description = "Overrides", body = Templates)))]
async fn get_templates(State(state): State<AppState>, principal: Principal) -> ApiResult {
    principal.require(Role::Admin)?;
    Ok(envelope::ok(Templates {
        templates: crate::notify::delivery::overrides(&state.db).await,
    }))
}

/// Replace the template overrides (administrators). A template that does not compile is
/// refused, naming it.
#[utoipa::path(put, path = "/api/v1/settings/notification-templates", tag = "alerting", operation_id = "putNotificationTemplates",
    request_body = Templates,
    responses((status = 200, description = "Saved", body = Templates)))]
async fn put_templates(
    State(state): State<AppState>,
    meta: RequestMeta,
    principal: Principal,
    ApiJson(body): ApiJson<Templates>,
) -> ApiResult {
    principal.require(Role::Admin)?;
    let errors: crate::error::FieldErrors = template::check_overrides(&body.templates)
        .into_iter()
        .map(|(key, reason)| (format!("templates.{key}"), reason))
        .collect();
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let txn = crate::db::begin_write(&state.db).await?;
    crate::settings::put(
        &txn,
        template::SETTING,
        serde_json::to_value(&body.templates).expect("templates serialize"),
    )
    .await?;
    audit::record(
        &txn,
        Some(&meta.origin),
        Entry::new(&principal, "settings.notification_templates")
            .details(serde_json::json!({ "keys": body.templates.keys().collect::<Vec<_>>() })),
    )
    .await?;
    txn.commit().await?;
    Ok(envelope::ok(body))
}

/// A template to try.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PreviewRequest {
    /// The channel type whose format to render in.
    #[serde(rename = "type")]
    pub channel_type: String,
    /// firing (default), reminder, resolved, digest or test.
    pub event: Option<Event>,
    /// A body template to try instead of the one in force.
    pub template: Option<String>,
}

/// A rendered message.
#[derive(Debug, Serialize, ToSchema)]
pub struct Preview {
    /// The title.
    pub title: String,
    /// The body in the channel type's format.
    pub body: String,
    /// The body as plain text.
    pub text: String,
}

/// Render a message for a channel type against a sample alert (editors).
#[utoipa::path(post, path = "/api/v1/settings/notification-templates/preview", tag = "alerting", operation_id = "previewNotificationTemplate",
    request_body = PreviewRequest,
    responses((status = 200, description = "Rendered", body = Preview)))]
async fn preview_template(
    State(state): State<AppState>,
    principal: Principal,
    ApiJson(body): ApiJson<PreviewRequest>,
) -> ApiResult {
    principal.require(Role::Editor)?;
    let Some(format) = sample_format(&body.channel_type) else {
        return Err(ApiError::field(
            "type",
            format!("must be one of {}", ChannelConfig::TYPES.join(", ")),
        ));
    };
    let event = body.event.unwrap_or(Event::Firing);
    let mut overrides = crate::notify::delivery::overrides(&state.db).await;
    if let Some(source) = body.template {
        template::check(&source).map_err(|reason| ApiError::field("template", reason))?;
        overrides.insert(format!("{}.{}", body.channel_type, event.as_str()), source);
    }
    let data = sample(&state.config.public_url, event);
    let rendered = template::render(&body.channel_type, format, event, &data, &overrides);
    Ok(envelope::ok(Preview {
        title: rendered.title,
        body: rendered.body,
        text: rendered.text,
    }))
}

fn sample_format(channel_type: &str) -> Option<template::Format> {
    let config = match channel_type {
        "email" => serde_json::json!({ "to": ["ops@example.com"] }),
        "telegram" => serde_json::json!({ "bot_token": "t", "chat_id": "1" }),
        "ntfy" => serde_json::json!({ "topic": "t" }),
        "gotify" => serde_json::json!({ "server_url": "https://g", "app_token": "t" }),
        "pushover" => serde_json::json!({ "user_key": "u", "app_token": "t" }),
        "pagerduty" => serde_json::json!({ "routing_key": "k" }),
        "opsgenie" => serde_json::json!({ "api_key": "k" }),
        "matrix" => {
            serde_json::json!({ "homeserver_url": "https://m", "access_token": "t", "room_id": "!r:m" })
        }
        "webhook" | "alertmanager" => serde_json::json!({ "url": "https://x" }),
        _ => serde_json::json!({ "webhook_url": "https://x" }),
    };
    ChannelConfig::from_stored(channel_type, &config)
        .ok()
        .map(|c| c.format())
}

/// A sample alert about a sample monitor.
fn sample(public_url: &str, event: Event) -> serde_json::Value {
    let now = chrono::Utc::now();
    let alert = serde_json::json!({
        "id": "00000000-0000-7000-8000-000000000001", "status": if event == Event::Resolved { "resolved" } else { "firing" },
        "severity": "critical", "value": null, "message": "connection refused",
        "subject": "", "started_at": now, "fired_at": now,
        "resolved_at": if event == Event::Resolved { serde_json::json!(now) } else { serde_json::Value::Null },
        "acknowledged_at": null,
    });
    let monitor = serde_json::json!({
        "id": "00000000-0000-7000-8000-000000000002", "name": "checkout-api", "kind": "service", "type": "http",
        "group": "shop", "labels": { "env": "prod" }, "target": "https://shop.example.com/health",
        "url": format!("{public_url}/services/00000000-0000-7000-8000-000000000002"),
    });
    let rule = serde_json::json!({ "id": "00000000-0000-7000-8000-000000000003", "name": "Any monitor down" });
    let entry = serde_json::json!({ "alert": alert, "rule": rule, "monitor": monitor });
    serde_json::json!({
        "type": event.webhook_type(),
        "alert": alert,
        "rule": rule,
        "monitor": monitor,
        "ack_url": if matches!(event, Event::Resolved | Event::Acknowledged) { serde_json::Value::Null } else { format!("{public_url}/ack/sample").into() },
        "alerts": if event == Event::Digest { serde_json::json!([entry.clone(), entry]) } else { serde_json::json!([]) },
    })
}
