//! `/ack/{token}`: the one-click acknowledgement page linked from every alert message. The
//! signed token is the credential; GET shows the alert and a button (so link previews in
//! chat apps never acknowledge by themselves), POST acknowledges. The link stops working
//! once the alert resolves.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use chrono::Utc;
use sea_orm::EntityTrait;

use crate::api::meta::RequestMeta;
use crate::audit::{self, Actor, Entry};
use crate::db::entities::alert;
use crate::state::AppState;

/// Routes of the page (outside the JSON API and its OpenAPI document).
pub fn router() -> Router<AppState> {
    Router::new().route("/ack/{token}", get(show).post(acknowledge))
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn page(status: StatusCode, title: &str, body: &str) -> Response {
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <meta name=\"robots\" content=\"noindex\"><title>{title} · Monitron</title>\
         <style>body{{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;color:#1c2024}}\
         .card{{border:1px solid #d9d9e0;border-radius:.75rem;padding:1.25rem}}\
         button{{font-size:1rem;padding:.6rem 1.2rem;border:0;border-radius:.5rem;background:#3e63dd;color:#fff;cursor:pointer}}\
         dt{{color:#60646c}}dd{{margin:0 0 .5rem}}</style></head>\
         <body><h1>{title}</h1><div class=\"card\">{body}</div></body></html>",
        title = escape(title)
    );
    (status, [("cache-control", "no-store")], Html(html)).into_response()
}

async fn load(state: &AppState, token: &str) -> Result<alert::Model, Response> {
    let gone = || {
        page(
            StatusCode::NOT_FOUND,
            "Link not valid",
            "<p>This acknowledgement link is not valid.</p>",
        )
    };
    let Some(id) = state.engine.alerting().ack_keys().verify(token) else {
        return Err(gone());
    };
    match alert::Entity::find_by_id(id).one(&state.db).await {
        Ok(Some(a)) if a.open_key.is_some() => Ok(a),
        Ok(Some(a)) => Err(page(
            StatusCode::GONE,
            "Already resolved",
            &format!(
                "<p><b>{}</b> on <b>{}</b> has resolved; there is nothing to acknowledge.</p>",
                escape(&a.rule_name),
                escape(&a.target_name)
            ),
        )),
        Ok(None) => Err(gone()),
        Err(err) => {
            tracing::warn!(error = %err, "Loading an alert for its acknowledgement link failed.");
            Err(page(
                StatusCode::SERVICE_UNAVAILABLE,
                "Try again",
                "<p>The alert could not be loaded; try again in a moment.</p>",
            ))
        }
    }
}

fn summary(a: &alert::Model) -> String {
    format!(
        "<dl><dt>Alert</dt><dd>{}</dd><dt>Monitor</dt><dd>{}</dd><dt>What</dt><dd>{}</dd>\
         <dt>Severity</dt><dd>{}</dd><dt>Since</dt><dd>{}</dd></dl>",
        escape(&a.rule_name),
        escape(&a.target_name),
        escape(&a.message),
        escape(&a.severity),
        a.started_at.format("%Y-%m-%d %H:%M:%S UTC"),
    )
}

async fn show(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    let a = match load(&state, &token).await {
        Ok(a) => a,
        Err(page) => return page,
    };
    if let Some(at) = a.acknowledged_at {
        return page(
            StatusCode::OK,
            "Acknowledged",
            &format!(
                "{}<p>Acknowledged at {}.</p>",
                summary(&a),
                at.format("%Y-%m-%d %H:%M:%S UTC")
            ),
        );
    }
    page(
        StatusCode::OK,
        "Acknowledge alert",
        &format!(
            "{}<form method=\"post\"><button type=\"submit\">Acknowledge</button></form>",
            summary(&a)
        ),
    )
}

async fn acknowledge(
    State(state): State<AppState>,
    meta: RequestMeta,
    Path(token): Path<String>,
) -> Response {
    let a = match load(&state, &token).await {
        Ok(a) => a,
        Err(page) => return page,
    };
    let done = async {
        let txn = crate::db::begin_write(&state.db).await?;
        if crate::alerting::acknowledge::alert(&txn, state.engine.alerting(), &a, None, Utc::now())
            .await?
        {
            audit::record(
                &txn,
                Some(&meta.origin),
                Entry::new(Actor::system(), "alert.ack")
                    .target("alert", a.id)
                    .details(serde_json::json!({ "rule": a.rule_name, "monitor_id": a.target_id, "via": "link" })),
            )
            .await?;
        }
        txn.commit().await?;
        state.engine.alerting().wake();
        state
            .engine
            .broadcast(crate::events::alert_event(&a, "acknowledged", Utc::now()));
        Ok::<_, sea_orm::DbErr>(())
    };
    match done.await {
        Ok(()) => page(
            StatusCode::OK,
            "Acknowledged",
            &format!(
                "{}<p>Thanks: the alert is acknowledged. Reminders and escalation stop.</p>",
                summary(&a)
            ),
        ),
        Err(err) => {
            tracing::warn!(error = %err, "Acknowledging through a link failed.");
            page(
                StatusCode::SERVICE_UNAVAILABLE,
                "Try again",
                "<p>The alert could not be acknowledged; try again in a moment.</p>",
            )
        }
    }
}
