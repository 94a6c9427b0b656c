//! Every endpoint x every kind of caller, with the expected envelope code. The table must
//! cover every operation of the OpenAPI document, so a new endpoint cannot skip it.

use std::collections::BTreeSet;

use base64::Engine;

use monitron_server::auth::tokens::TokenKeys;
use reqwest::Method;
use secrecy::SecretString;
use serde_json::{json, Value};

use crate::helpers::{Auth, Backend};
use crate::{app, on_both_databases};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Anonymous,
    Viewer,
    Editor,
    Admin,
    Deactivated,
    ExpiredToken,
    ViewerApiKey,
}

const EVERYONE: [Who; 7] = [
    Who::Anonymous,
    Who::Viewer,
    Who::Editor,
    Who::Admin,
    Who::Deactivated,
    Who::ExpiredToken,
    Who::ViewerApiKey,
];

#[derive(Debug, Clone, Copy)]
enum Need {
    /// No credentials needed; everyone gets this code.
    Public(i64),
    /// Any signed-in user; this code on success.
    User(i64),
    /// Signed in with a password-based credential (not an API key).
    Interactive(i64),
    /// Editors and administrators (viewers see but may not change).
    Editor(i64),
    /// Administrators only.
    Admin(i64),
    /// Push agents' endpoints: only an agent's own token or credential counts, so a
    /// user's bearer token is an invalid credential and other credentials none at all.
    Agent,
}

impl Need {
    fn expected(self, who: Who) -> i64 {
        let signed_in = |ok: i64| match who {
            Who::Anonymous => 40101,
            Who::Deactivated | Who::ExpiredToken => 40102,
            _ => ok,
        };
        match self {
            Need::Public(code) => code,
            Need::User(ok) => signed_in(ok),
            Need::Interactive(ok) => match who {
                Who::ViewerApiKey => 40301,
                _ => signed_in(ok),
            },
            Need::Editor(ok) => match who {
                Who::Viewer | Who::ViewerApiKey => 40301,
                _ => signed_in(ok),
            },
            Need::Admin(ok) => match who {
                Who::Viewer | Who::Editor | Who::ViewerApiKey => 40301,
                _ => signed_in(ok),
            },
            Need::Agent => match who {
                Who::Anonymous | Who::ViewerApiKey => 40101,
                _ => 40102,
            },
        }
    }
}

struct Row {
    method: Method,
    template: &'static str,
    path: String,
    body: Option<Value>,
    need: Need,
}

fn row(
    method: Method,
    template: &'static str,
    path: impl Into<String>,
    body: Option<Value>,
    need: Need,
) -> Row {
    Row {
        method,
        template,
        path: path.into(),
        body,
        need,
    }
}

async fn every_endpoint_for_every_caller(backend: Backend) {
    let app = app!(backend);
    let admin = app.admin().await;
    let (viewer_id, _, viewer) = app.user_with_token("mx-viewer", "viewer").await;
    let (_, _, editor) = app.user_with_token("mx-editor", "editor").await;
    let (gone_id, _, deactivated) = app.user_with_token("mx-gone", "viewer").await;
    app.patch(
        &format!("/api/v1/users/{gone_id}"),
        &admin,
        json!({ "active": false }),
    )
    .await;
    let key = app
        .post("/api/v1/me/api-keys", &viewer, json!({ "name": "matrix" }))
        .await;
    let viewer_key = Auth::ApiKey(key.data()["key"].as_str().unwrap().to_owned());
    // A correctly signed token of a live session whose only fault is its expiry.
    let Auth::Bearer(admin_token) = &admin else {
        unreachable!()
    };
    let payload = admin_token.split('.').nth(1).unwrap();
    let claims: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap(),
    )
    .unwrap();
    let (admin_id, session_id): (uuid::Uuid, uuid::Uuid) = (
        claims["sub"].as_str().unwrap().parse().unwrap(),
        claims["sid"].as_str().unwrap().parse().unwrap(),
    );
    let keys = TokenKeys::new(&SecretString::from(
        "test-jwt-secret-that-is-long-enough-0123456789".to_owned(),
    ));
    let past = chrono::Utc::now().timestamp() - 3600;
    let expired = Auth::Bearer(keys.issue(admin_id, session_id, past, 60).unwrap());
    assert_eq!(
        app.get("/api/v1/me", &admin).await.code(),
        0,
        "the session itself is alive"
    );

    // Monitoring objects to act on: a TCP service against a closed loopback port (its
    // check fails at once, opening an incident), a heartbeat, and a domain.
    let service = app
        .post(
            "/api/v1/services",
            &admin,
            json!({ "name": "mx-tcp", "type": "tcp", "config": { "host": "127.0.0.1", "port": 1 }, "interval_s": 3600 }),
        )
        .await;
    assert_eq!(service.status, 201, "{}", service.text);
    let s = service.data()["id"].as_str().unwrap().to_owned();
    let checked = app
        .post(&format!("/api/v1/services/{s}/check"), &admin, json!({}))
        .await;
    assert_eq!(checked.data()["status"], "down", "{}", checked.text);
    let incidents = app.get("/api/v1/incidents", &admin).await;
    let i = incidents.data()["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let heartbeat = app
        .post(
            "/api/v1/services",
            &admin,
            json!({ "name": "mx-cron", "type": "heartbeat", "config": { "schedule": { "every_s": 3600 } } }),
        )
        .await;
    let ping_url = heartbeat.data()["ping_url"].as_str().unwrap().to_owned();
    let token = ping_url.rsplit('/').next().unwrap().to_owned();
    let domain = app
        .post(
            "/api/v1/domains",
            &admin,
            json!({ "domain": "example.com", "check_ssl": false }),
        )
        .await;
    assert_eq!(domain.status, 201, "{}", domain.text);
    let d = domain.data()["id"].as_str().unwrap().to_owned();

    // Pull from a closed port: checks and actions answer (down, refused) at once.
    let pull = app
        .post(
            "/api/v1/instances",
            &admin,
            json!({ "name": "mx-host", "host": "127.0.0.1", "agent_port": 1,
                    "agent_auth": { "type": "api_key", "api_key": "k" } }),
        )
        .await;
    assert_eq!(pull.status, 201, "{}", pull.text);
    let h = pull.data()["id"].as_str().unwrap().to_owned();
    let push = app
        .post(
            "/api/v1/instances",
            &admin,
            json!({ "name": "mx-pushed", "host": "10.0.0.9", "connection": "push" }),
        )
        .await;
    assert_eq!(push.status, 201, "{}", push.text);
    let p = push.data()["id"].as_str().unwrap().to_owned();

    // Alerting: the down service fired the seeded rule; a channel to a closed port.
    let alerts = app.get("/api/v1/alerts", &admin).await;
    let al = alerts.data()["items"][0]["id"].as_str().unwrap().to_owned();
    let channel = app
        .post(
            "/api/v1/notification-channels",
            &admin,
            json!({ "name": "mx-hook", "type": "webhook", "config": { "url": "http://127.0.0.1:1/hook" } }),
        )
        .await;
    assert_eq!(channel.status, 201, "{}", channel.text);
    let ch = channel.data()["id"].as_str().unwrap().to_owned();
    let rules = app.get("/api/v1/alert-rules", &admin).await;
    let ru = rules.data()["items"][0]["id"].as_str().unwrap().to_owned();
    let window = app
        .post(
            "/api/v1/maintenance-windows",
            &admin,
            json!({ "name": "mx-nightly", "targets": { "kind": "domain" }, "schedule": { "type": "weekly", "weekdays": ["sun"], "start_time": "02:00", "duration_s": 3600 }, "timezone": "Europe/Berlin" }),
        )
        .await;
    assert_eq!(window.status, 201, "{}", window.text);
    let mw = window.data()["id"].as_str().unwrap().to_owned();
    let component = app
        .post(
            "/api/v1/components",
            &admin,
            json!({ "display_name": "Public API", "target_type": "service", "target_id": s }),
        )
        .await;
    assert_eq!(component.status, 201, "{}", component.text);
    let cm = component.data()["id"].as_str().unwrap().to_owned();
    let page = app
        .post(
            "/api/v1/status-pages",
            &admin,
            json!({ "slug": "mx-status", "title": "MX status", "sections": [{ "components": [{ "component_id": cm }] }] }),
        )
        .await;
    assert_eq!(page.status, 201, "{}", page.text);
    let sp = page.data()["id"].as_str().unwrap().to_owned();

    let random = uuid::Uuid::now_v7();
    let v = &viewer_id;
    let rows = vec![
        row(Method::GET, "/healthz", "/healthz", None, Need::Public(0)),
        row(Method::GET, "/readyz", "/readyz", None, Need::Public(0)),
        row(Method::GET, "/metrics", "/metrics", None, Need::Public(0)),
        row(
            Method::POST,
            "/api/v1/auth/login",
            "/api/v1/auth/login",
            Some(json!({ "login": "nobody", "password": "wrong-password" })),
            Need::Public(40103),
        ),
        row(
            Method::POST,
            "/api/v1/auth/refresh",
            "/api/v1/auth/refresh",
            Some(json!({ "refresh_token": "mrt_unknown" })),
            Need::Public(40102),
        ),
        row(
            Method::GET,
            "/api/v1/auth/status",
            "/api/v1/auth/status",
            None,
            Need::Public(0),
        ),
        row(
            Method::POST,
            "/api/v1/auth/register",
            "/api/v1/auth/register",
            Some(
                json!({ "username": "mx-new", "email": "mx-new@example.com", "password": "mx-new-password" }),
            ),
            Need::Public(40301),
        ),
        row(
            Method::POST,
            "/api/v1/auth/forgot-password",
            "/api/v1/auth/forgot-password",
            Some(json!({ "email": "someone@example.com" })),
            Need::Public(0),
        ),
        row(
            Method::POST,
            "/api/v1/auth/reset-password",
            "/api/v1/auth/reset-password",
            Some(json!({ "token": "mpr_unknown", "new_password": "new-password-123" })),
            Need::Public(40001),
        ),
        row(Method::GET, "/api/v1/me", "/api/v1/me", None, Need::User(0)),
        row(
            Method::PATCH,
            "/api/v1/me",
            "/api/v1/me",
            Some(json!({ "display_name": "Matrix" })),
            Need::Interactive(0),
        ),
        row(
            Method::POST,
            "/api/v1/me/password",
            "/api/v1/me/password",
            Some(
                json!({ "current_password": "not-my-password", "new_password": "new-password-123" }),
            ),
            Need::Interactive(40001),
        ),
        row(
            Method::GET,
            "/api/v1/me/preferences",
            "/api/v1/me/preferences",
            None,
            Need::User(0),
        ),
        row(
            Method::PUT,
            "/api/v1/me/preferences",
            "/api/v1/me/preferences",
            Some(json!({ "theme": "dark", "color": "green" })),
            Need::Interactive(0),
        ),
        row(
            Method::GET,
            "/api/v1/me/api-keys",
            "/api/v1/me/api-keys",
            None,
            Need::User(0),
        ),
        row(
            Method::POST,
            "/api/v1/me/api-keys",
            "/api/v1/me/api-keys",
            Some(json!({ "name": "from matrix", "role": "viewer" })),
            Need::Interactive(0),
        ),
        row(
            Method::DELETE,
            "/api/v1/me/api-keys/{id}",
            format!("/api/v1/me/api-keys/{random}"),
            None,
            Need::Interactive(40401),
        ),
        row(
            Method::GET,
            "/api/v1/users",
            "/api/v1/users",
            None,
            Need::Admin(0),
        ),
        row(
            Method::POST,
            "/api/v1/users",
            "/api/v1/users",
            Some(json!({ "username": "", "email": "", "password": "", "role": "viewer" })),
            Need::Admin(40001),
        ),
        row(
            Method::GET,
            "/api/v1/users/{id}",
            format!("/api/v1/users/{v}"),
            None,
            Need::Admin(0),
        ),
        row(
            Method::PATCH,
            "/api/v1/users/{id}",
            format!("/api/v1/users/{v}"),
            Some(json!({ "display_name": "Seen by matrix" })),
            Need::Admin(0),
        ),
        row(
            Method::DELETE,
            "/api/v1/users/{id}",
            format!("/api/v1/users/{random}"),
            Some(json!({ "confirm_password": "not-the-password" })),
            Need::Admin(40001),
        ),
        row(
            Method::POST,
            "/api/v1/users/{id}/reset-password",
            format!("/api/v1/users/{random}/reset-password"),
            Some(json!({})),
            Need::Admin(40401),
        ),
        row(
            Method::GET,
            "/api/v1/users/{id}/grants",
            format!("/api/v1/users/{v}/grants"),
            None,
            Need::Admin(0),
        ),
        row(
            Method::PUT,
            "/api/v1/users/{id}/grants",
            format!("/api/v1/users/{v}/grants"),
            Some(json!([])),
            Need::Admin(0),
        ),
        row(
            Method::GET,
            "/api/v1/settings",
            "/api/v1/settings",
            None,
            Need::Admin(0),
        ),
        row(
            Method::PATCH,
            "/api/v1/settings",
            "/api/v1/settings",
            Some(json!({})),
            Need::Admin(0),
        ),
        // E-mail is not configured here: administrators learn what to set.
        row(
            Method::POST,
            "/api/v1/settings/smtp/test",
            "/api/v1/settings/smtp/test",
            Some(json!({ "to": "ops@example.com" })),
            Need::Admin(40901),
        ),
        row(
            Method::GET,
            "/api/v1/audit-logs",
            "/api/v1/audit-logs",
            None,
            Need::Admin(0),
        ),
        row(
            Method::GET,
            "/api/v1/services",
            "/api/v1/services",
            None,
            Need::User(0),
        ),
        row(
            Method::POST,
            "/api/v1/services",
            "/api/v1/services",
            Some(json!({ "name": "", "type": "tcp", "config": { "host": "", "port": 0 } })),
            Need::Editor(40001),
        ),
        row(
            Method::GET,
            "/api/v1/services/{id}",
            format!("/api/v1/services/{s}"),
            None,
            Need::User(0),
        ),
        row(
            Method::PATCH,
            "/api/v1/services/{id}",
            format!("/api/v1/services/{s}"),
            Some(json!({ "description": "seen by the matrix" })),
            Need::Editor(0),
        ),
        row(
            Method::DELETE,
            "/api/v1/services/{id}",
            format!("/api/v1/services/{random}"),
            None,
            Need::User(40401),
        ),
        row(
            Method::POST,
            "/api/v1/services/{id}/check",
            format!("/api/v1/services/{s}/check"),
            None,
            Need::Editor(0),
        ),
        row(
            Method::POST,
            "/api/v1/services/{id}/pause",
            format!("/api/v1/services/{s}/pause"),
            None,
            Need::Editor(0),
        ),
        row(
            Method::POST,
            "/api/v1/services/{id}/resume",
            format!("/api/v1/services/{s}/resume"),
            None,
            Need::Editor(0),
        ),
        row(
            Method::GET,
            "/api/v1/services/{id}/stats",
            format!("/api/v1/services/{s}/stats?window=7d"),
            None,
            Need::User(0),
        ),
        row(
            Method::GET,
            "/api/v1/services/{id}/results",
            format!("/api/v1/services/{s}/results"),
            None,
            Need::User(0),
        ),
        row(
            Method::GET,
            "/api/v1/services/{id}/series",
            format!("/api/v1/services/{s}/series"),
            None,
            Need::User(0),
        ),
        row(
            Method::GET,
            "/api/v1/services/{id}/uptime",
            format!("/api/v1/services/{s}/uptime?days=90"),
            None,
            Need::User(0),
        ),
        row(
            Method::GET,
            "/api/v1/domains",
            "/api/v1/domains",
            None,
            Need::User(0),
        ),
        row(
            Method::POST,
            "/api/v1/domains",
            "/api/v1/domains",
            Some(json!({ "domain": "not a domain" })),
            Need::Editor(40001),
        ),
        row(
            Method::GET,
            "/api/v1/domains/{id}",
            format!("/api/v1/domains/{d}"),
            None,
            Need::User(0),
        ),
        row(
            Method::PATCH,
            "/api/v1/domains/{id}",
            format!("/api/v1/domains/{d}"),
            Some(json!({ "warning_threshold_days": 20 })),
            Need::Editor(0),
        ),
        row(
            Method::DELETE,
            "/api/v1/domains/{id}",
            format!("/api/v1/domains/{random}"),
            None,
            Need::User(40401),
        ),
        // A domain check would look the domain up on the Internet: only its guard here.
        row(
            Method::POST,
            "/api/v1/domains/{id}/check",
            format!("/api/v1/domains/{random}/check"),
            None,
            Need::User(40401),
        ),
        row(
            Method::POST,
            "/api/v1/domains/{id}/pause",
            format!("/api/v1/domains/{d}/pause"),
            None,
            Need::Editor(0),
        ),
        row(
            Method::POST,
            "/api/v1/domains/{id}/resume",
            format!("/api/v1/domains/{d}/resume"),
            None,
            Need::Editor(0),
        ),
        row(
            Method::GET,
            "/api/v1/domains/{id}/stats",
            format!("/api/v1/domains/{d}/stats"),
            None,
            Need::User(0),
        ),
        row(
            Method::GET,
            "/api/v1/domains/{id}/results",
            format!("/api/v1/domains/{d}/results"),
            None,
            Need::User(0),
        ),
        row(
            Method::GET,
            "/api/v1/domains/{id}/series",
            format!("/api/v1/domains/{d}/series"),
            None,
            Need::User(0),
        ),
        row(
            Method::GET,
            "/api/v1/summary",
            "/api/v1/summary",
            None,
            Need::User(0),
        ),
        row(
            Method::GET,
            "/api/v1/sparklines",
            format!("/api/v1/sparklines?ids={s},{d}"),
            None,
            Need::User(0),
        ),
        row(
            Method::GET,
            "/api/v1/domains/{id}/uptime",
            format!("/api/v1/domains/{d}/uptime"),
            None,
            Need::User(0),
        ),
        row(
            Method::GET,
            "/api/v1/instances",
            "/api/v1/instances",
            None,
            Need::User(0),
        ),
        row(
            Method::POST,
            "/api/v1/instances",
            "/api/v1/instances",
            Some(json!({ "name": "x", "host": "" })),
            Need::Editor(40001),
        ),
        row(
            Method::GET,
            "/api/v1/instances/{id}",
            format!("/api/v1/instances/{h}"),
            None,
            Need::User(0),
        ),
        row(
            Method::PATCH,
            "/api/v1/instances/{id}",
            format!("/api/v1/instances/{h}"),
            Some(json!({ "description": "matrix" })),
            Need::Editor(0),
        ),
        row(
            Method::DELETE,
            "/api/v1/instances/{id}",
            format!("/api/v1/instances/{random}"),
            None,
            Need::User(40401),
        ),
        row(
            Method::POST,
            "/api/v1/instances/{id}/check",
            format!("/api/v1/instances/{h}/check"),
            None,
            Need::Editor(0),
        ),
        row(
            Method::POST,
            "/api/v1/instances/{id}/pause",
            format!("/api/v1/instances/{h}/pause"),
            None,
            Need::Editor(0),
        ),
        row(
            Method::POST,
            "/api/v1/instances/{id}/resume",
            format!("/api/v1/instances/{h}/resume"),
            None,
            Need::Editor(0),
        ),
        row(
            Method::GET,
            "/api/v1/instances/{id}/stats",
            format!("/api/v1/instances/{h}/stats"),
            None,
            Need::User(0),
        ),
        row(
            Method::GET,
            "/api/v1/instances/{id}/results",
            format!("/api/v1/instances/{h}/results"),
            None,
            Need::User(0),
        ),
        row(
            Method::GET,
            "/api/v1/instances/{id}/uptime",
            format!("/api/v1/instances/{h}/uptime"),
            None,
            Need::User(0),
        ),
        row(
            Method::POST,
            "/api/v1/instances/{id}/enrollment-token",
            format!("/api/v1/instances/{p}/enrollment-token"),
            None,
            Need::Editor(0),
        ),
        row(
            Method::GET,
            "/api/v1/instances/{id}/metrics/latest",
            format!("/api/v1/instances/{h}/metrics/latest"),
            None,
            Need::User(40401),
        ),
        row(
            Method::GET,
            "/api/v1/instances/{id}/metrics",
            format!("/api/v1/instances/{h}/metrics"),
            None,
            Need::User(0),
        ),
        row(
            Method::GET,
            "/api/v1/instances/{id}/device",
            format!("/api/v1/instances/{h}/device"),
            None,
            Need::User(40401),
        ),
        row(
            Method::GET,
            "/api/v1/instances/{id}/probes",
            format!("/api/v1/instances/{h}/probes"),
            None,
            Need::User(0),
        ),
        row(
            Method::POST,
            "/api/v1/instances/{id}/actions",
            format!("/api/v1/instances/{h}/actions"),
            Some(json!({ "action": "restart_agent" })),
            Need::Admin(0),
        ),
        row(
            Method::GET,
            "/api/v1/instances/{id}/agent-config",
            format!("/api/v1/instances/{h}/agent-config"),
            None,
            Need::User(0),
        ),
        row(
            Method::PUT,
            "/api/v1/instances/{id}/agent-config",
            format!("/api/v1/instances/{h}/agent-config"),
            Some(json!({})),
            Need::Editor(0),
        ),
        row(
            Method::GET,
            "/api/v1/agents/ws",
            "/api/v1/agents/ws",
            None,
            Need::Agent,
        ),
        row(
            Method::POST,
            "/api/v1/agents/enroll",
            "/api/v1/agents/enroll",
            None,
            Need::Agent,
        ),
        row(
            Method::POST,
            "/api/v1/agents/push",
            "/api/v1/agents/push",
            Some(json!({ "records": [] })),
            Need::Agent,
        ),
        row(
            Method::GET,
            "/api/v1/incidents",
            "/api/v1/incidents",
            None,
            Need::User(0),
        ),
        row(
            Method::GET,
            "/api/v1/incidents/{id}",
            format!("/api/v1/incidents/{i}"),
            None,
            Need::User(0),
        ),
        row(
            Method::POST,
            "/api/v1/incidents/{id}/ack",
            format!("/api/v1/incidents/{i}/ack"),
            None,
            Need::Editor(0),
        ),
        row(
            Method::GET,
            "/api/v1/notification-channels",
            "/api/v1/notification-channels",
            None,
            Need::User(0),
        ),
        row(
            Method::POST,
            "/api/v1/notification-channels",
            "/api/v1/notification-channels",
            Some(
                json!({ "name": "", "type": "webhook", "config": { "url": "http://127.0.0.1:1/" } }),
            ),
            Need::Editor(40001),
        ),
        row(
            Method::GET,
            "/api/v1/notification-channels/{id}",
            format!("/api/v1/notification-channels/{ch}"),
            None,
            Need::User(0),
        ),
        row(
            Method::PATCH,
            "/api/v1/notification-channels/{id}",
            format!("/api/v1/notification-channels/{ch}"),
            Some(json!({ "name": "" })),
            Need::Editor(40001),
        ),
        row(
            Method::DELETE,
            "/api/v1/notification-channels/{id}",
            format!("/api/v1/notification-channels/{random}"),
            None,
            Need::Editor(40401),
        ),
        row(
            Method::POST,
            "/api/v1/notification-channels/{id}/test",
            format!("/api/v1/notification-channels/{ch}/test"),
            None,
            Need::Editor(0),
        ),
        row(
            Method::GET,
            "/api/v1/alert-rules",
            "/api/v1/alert-rules",
            None,
            Need::User(0),
        ),
        row(
            Method::POST,
            "/api/v1/alert-rules",
            "/api/v1/alert-rules",
            Some(json!({ "name": "", "condition": { "type": "down" } })),
            Need::Editor(40001),
        ),
        row(
            Method::GET,
            "/api/v1/alert-rules/{id}",
            format!("/api/v1/alert-rules/{ru}"),
            None,
            Need::User(0),
        ),
        row(
            Method::PATCH,
            "/api/v1/alert-rules/{id}",
            format!("/api/v1/alert-rules/{ru}"),
            Some(json!({ "name": "" })),
            Need::Editor(40001),
        ),
        row(
            Method::DELETE,
            "/api/v1/alert-rules/{id}",
            format!("/api/v1/alert-rules/{random}"),
            None,
            Need::User(40401),
        ),
        row(
            Method::GET,
            "/api/v1/alerts",
            "/api/v1/alerts",
            None,
            Need::User(0),
        ),
        row(
            Method::GET,
            "/api/v1/alerts/{id}",
            format!("/api/v1/alerts/{al}"),
            None,
            Need::User(0),
        ),
        row(
            Method::POST,
            "/api/v1/alerts/{id}/ack",
            format!("/api/v1/alerts/{al}/ack"),
            None,
            Need::Editor(0),
        ),
        row(
            Method::GET,
            "/api/v1/notifications",
            "/api/v1/notifications",
            None,
            Need::User(0),
        ),
        row(
            Method::POST,
            "/api/v1/notifications/{id}/retry",
            format!("/api/v1/notifications/{random}/retry"),
            None,
            Need::Editor(40401),
        ),
        row(
            Method::GET,
            "/api/v1/escalation-policies",
            "/api/v1/escalation-policies",
            None,
            Need::User(0),
        ),
        row(
            Method::POST,
            "/api/v1/escalation-policies",
            "/api/v1/escalation-policies",
            Some(json!({ "name": "mx", "steps": [] })),
            Need::Editor(40001),
        ),
        row(
            Method::GET,
            "/api/v1/escalation-policies/{id}",
            format!("/api/v1/escalation-policies/{random}"),
            None,
            Need::User(40401),
        ),
        row(
            Method::PATCH,
            "/api/v1/escalation-policies/{id}",
            format!("/api/v1/escalation-policies/{random}"),
            Some(json!({ "name": "x" })),
            Need::Editor(40401),
        ),
        row(
            Method::DELETE,
            "/api/v1/escalation-policies/{id}",
            format!("/api/v1/escalation-policies/{random}"),
            None,
            Need::Editor(40401),
        ),
        row(
            Method::GET,
            "/api/v1/maintenance-windows",
            "/api/v1/maintenance-windows",
            None,
            Need::User(0),
        ),
        row(
            Method::POST,
            "/api/v1/maintenance-windows",
            "/api/v1/maintenance-windows",
            Some(
                json!({ "name": "mx", "schedule": { "type": "once", "start": "2026-01-02T00:00:00Z", "end": "2026-01-01T00:00:00Z" } }),
            ),
            Need::Editor(40001),
        ),
        row(
            Method::GET,
            "/api/v1/maintenance-windows/{id}",
            format!("/api/v1/maintenance-windows/{mw}"),
            None,
            Need::User(0),
        ),
        row(
            Method::PATCH,
            "/api/v1/maintenance-windows/{id}",
            format!("/api/v1/maintenance-windows/{mw}"),
            Some(json!({ "timezone": "Mars/Olympus" })),
            Need::Editor(40001),
        ),
        row(
            Method::DELETE,
            "/api/v1/maintenance-windows/{id}",
            format!("/api/v1/maintenance-windows/{random}"),
            None,
            Need::User(40401),
        ),
        row(
            Method::GET,
            "/api/v1/maintenance-windows/{id}/occurrences",
            format!("/api/v1/maintenance-windows/{mw}/occurrences"),
            None,
            Need::User(0),
        ),
        row(
            Method::GET,
            "/api/v1/components",
            "/api/v1/components",
            None,
            Need::User(0),
        ),
        row(
            Method::POST,
            "/api/v1/components",
            "/api/v1/components",
            Some(json!({ "display_name": "mx", "target_type": "service", "target_id": random })),
            Need::Editor(40001),
        ),
        row(
            Method::GET,
            "/api/v1/components/{id}",
            format!("/api/v1/components/{cm}"),
            None,
            Need::User(0),
        ),
        row(
            Method::PATCH,
            "/api/v1/components/{id}",
            format!("/api/v1/components/{cm}"),
            Some(json!({ "display_name": "" })),
            Need::Editor(40001),
        ),
        row(
            Method::DELETE,
            "/api/v1/components/{id}",
            format!("/api/v1/components/{random}"),
            None,
            Need::User(40401),
        ),
        row(
            Method::GET,
            "/api/v1/status-pages",
            "/api/v1/status-pages",
            None,
            Need::User(0),
        ),
        row(
            Method::POST,
            "/api/v1/status-pages",
            "/api/v1/status-pages",
            Some(json!({ "slug": "api", "title": "mx" })),
            Need::Editor(40001),
        ),
        row(
            Method::GET,
            "/api/v1/status-pages/{id}",
            format!("/api/v1/status-pages/{sp}"),
            None,
            Need::User(0),
        ),
        row(
            Method::PATCH,
            "/api/v1/status-pages/{id}",
            format!("/api/v1/status-pages/{sp}"),
            Some(json!({ "history_days": 45 })),
            Need::Editor(40001),
        ),
        row(
            Method::DELETE,
            "/api/v1/status-pages/{id}",
            format!("/api/v1/status-pages/{random}"),
            None,
            Need::User(40401),
        ),
        row(
            Method::POST,
            "/api/v1/status-pages/{id}/view",
            format!("/api/v1/status-pages/{sp}/view"),
            None,
            Need::Interactive(0),
        ),
        row(
            Method::GET,
            "/api/v1/status-pages/{id}/incidents",
            format!("/api/v1/status-pages/{sp}/incidents"),
            None,
            Need::User(0),
        ),
        row(
            Method::POST,
            "/api/v1/status-pages/{id}/incidents",
            format!("/api/v1/status-pages/{sp}/incidents"),
            Some(json!({ "title": "mx" })),
            Need::Editor(40001),
        ),
        row(
            Method::GET,
            "/api/v1/status-pages/{id}/incidents/{iid}",
            format!("/api/v1/status-pages/{sp}/incidents/{random}"),
            None,
            Need::User(40401),
        ),
        row(
            Method::PATCH,
            "/api/v1/status-pages/{id}/incidents/{iid}",
            format!("/api/v1/status-pages/{sp}/incidents/{random}"),
            Some(json!({ "title": "mx" })),
            Need::Editor(40401),
        ),
        row(
            Method::DELETE,
            "/api/v1/status-pages/{id}/incidents/{iid}",
            format!("/api/v1/status-pages/{sp}/incidents/{random}"),
            None,
            Need::Editor(40401),
        ),
        row(
            Method::POST,
            "/api/v1/status-pages/{id}/incidents/{iid}/updates",
            format!("/api/v1/status-pages/{sp}/incidents/{random}/updates"),
            Some(json!({ "message": "mx" })),
            Need::Editor(40401),
        ),
        row(
            Method::GET,
            "/api/v1/status-pages/{id}/reports",
            format!("/api/v1/status-pages/{sp}/reports"),
            None,
            Need::User(0),
        ),
        row(
            Method::GET,
            "/api/v1/status-reports",
            "/api/v1/status-reports",
            None,
            Need::User(0),
        ),
        row(
            Method::GET,
            "/api/v1/status-pages/{id}/subscribers",
            format!("/api/v1/status-pages/{sp}/subscribers"),
            None,
            Need::Editor(0),
        ),
        row(
            Method::DELETE,
            "/api/v1/status-pages/{id}/subscribers/{sid}",
            format!("/api/v1/status-pages/{sp}/subscribers/{random}"),
            None,
            Need::Editor(40401),
        ),
        row(
            Method::GET,
            "/api/v1/settings/notification-templates",
            "/api/v1/settings/notification-templates",
            None,
            Need::Admin(0),
        ),
        row(
            Method::PUT,
            "/api/v1/settings/notification-templates",
            "/api/v1/settings/notification-templates",
            Some(json!({ "templates": { "fax.firing": "x" } })),
            Need::Admin(40001),
        ),
        row(
            Method::POST,
            "/api/v1/settings/notification-templates/preview",
            "/api/v1/settings/notification-templates/preview",
            Some(json!({ "type": "fax" })),
            Need::Editor(40001),
        ),
        row(
            Method::GET,
            "/api/v1/ping/{token}",
            format!("/api/v1/ping/{token}"),
            None,
            Need::Public(0),
        ),
        row(
            Method::POST,
            "/api/v1/ping/{token}",
            format!("/api/v1/ping/{token}"),
            None,
            Need::Public(0),
        ),
        row(
            Method::GET,
            "/api/v1/ping/{token}/{signal}",
            format!("/api/v1/ping/{token}/start"),
            None,
            Need::Public(0),
        ),
        row(
            Method::POST,
            "/api/v1/ping/{token}/{signal}",
            format!("/api/v1/ping/{token}/0"),
            None,
            Need::Public(0),
        ),
        // Without a WebSocket handshake the endpoint says how to connect.
        row(
            Method::GET,
            "/api/v1/ws",
            "/api/v1/ws",
            None,
            Need::User(40001),
        ),
        row(
            Method::POST,
            "/api/v1/ws/ticket",
            "/api/v1/ws/ticket",
            None,
            Need::User(0),
        ),
        // Last: it revokes the caller's session.
        row(
            Method::POST,
            "/api/v1/auth/logout",
            "/api/v1/auth/logout",
            None,
            Need::User(0),
        ),
    ];

    // The table covers every documented operation.
    let spec = app.get("/api/v1/openapi.json", &Auth::None).await.body;
    let documented: BTreeSet<String> = spec["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .unwrap()
                .keys()
                .map(move |m| format!("{} {path}", m.to_uppercase()))
        })
        .collect();
    let tested: BTreeSet<String> = rows
        .iter()
        .map(|r| format!("{} {}", r.method, r.template))
        .collect();
    assert_eq!(
        documented, tested,
        "the role matrix must list exactly the documented operations"
    );

    let auth_of = |who: Who| match who {
        Who::Anonymous => Auth::None,
        Who::Viewer => viewer.clone(),
        Who::Editor => editor.clone(),
        Who::Admin => admin.clone(),
        Who::Deactivated => deactivated.clone(),
        Who::ExpiredToken => expired.clone(),
        Who::ViewerApiKey => viewer_key.clone(),
    };
    let mut failures = Vec::new();
    for r in &rows {
        for who in EVERYONE {
            let resp = app
                .call(r.method.clone(), &r.path, &auth_of(who), r.body.clone())
                .await;
            let code = if resp.body.is_null() && resp.status == 200 {
                0
            } else {
                resp.code()
            };
            let expected = r.need.expected(who);
            if code != expected {
                failures.push(format!(
                    "{} {} as {who:?}: expected {expected}, got {code} ({})",
                    r.method,
                    r.path,
                    resp.text.chars().take(160).collect::<String>()
                ));
            }
            let expected_status = match (expected, &r.method, r.template) {
                (0, &Method::POST, "/api/v1/me/api-keys") => 201,
                (0, _, _) => 200,
                (code, _, _) => code / 100,
            };
            assert_eq!(
                resp.status as i64, expected_status,
                "{} {} as {who:?}: HTTP status",
                r.method, r.path
            );
        }
    }
    assert!(
        failures.is_empty(),
        "role matrix mismatches:\n{}",
        failures.join("\n")
    );
}

on_both_databases!(every_endpoint_for_every_caller);
