//! Alerting end to end: a monitor that goes down fires the seeded "Any monitor down" rule,
//! a default webhook channel receives the signed alert once, and the recovery resolves it.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::HeaderMap;
use monitron_server::db::entities::{alert, notification, notification_channel};
use monitron_server::notify::webhook;
use sea_orm::{ActiveModelTrait, EntityTrait, Set};
use serde_json::{json, Value};

use crate::helpers::Backend;
use crate::{app, on_both_databases};

type Received = Arc<Mutex<Vec<(HeaderMap, Vec<u8>)>>>;

/// A webhook receiver on a loopback port that keeps every request.
pub(crate) async fn receiver() -> (String, Received) {
    let received: Received = Arc::default();
    let keep = received.clone();
    let router = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: HeaderMap, body: axum::body::Bytes| {
            let keep = keep.clone();
            async move {
                keep.lock().unwrap().push((headers, body.to_vec()));
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await });
    (url, received)
}

pub(crate) async fn wait_for(received: &Received, n: usize) -> Vec<(HeaderMap, Value)> {
    for _ in 0..100 {
        if received.lock().unwrap().len() >= n {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    received
        .lock()
        .unwrap()
        .iter()
        .map(|(h, b)| (h.clone(), serde_json::from_slice(b).unwrap()))
        .collect()
}

/// The delivery log at `path` once `done` holds of its data (a delivery is logged a
/// moment after its receiver has it), or as it is after 5 s.
async fn log_when(
    app: &crate::helpers::TestApp,
    admin: &crate::helpers::Auth,
    path: &str,
    done: impl Fn(&Value) -> bool,
) -> crate::helpers::Resp {
    let mut log = app.get(path, admin).await;
    for _ in 0..50 {
        if done(log.data()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        log = app.get(path, admin).await;
    }
    log
}

async fn a_down_monitor_alerts_a_default_webhook_once_and_resolves(backend: Backend) {
    let app = app!(backend);
    let admin = app.admin().await;
    let (url, received) = receiver().await;
    let secret = webhook::generate_secret();
    let now = chrono::Utc::now();
    let channel = notification_channel::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        name: Set("ops hook".into()),
        channel_type: Set("webhook".into()),
        config: Set(json!({ "url": url, "method": "POST", "headers": {}, "secret": secret })),
        enabled: Set(true),
        is_default: Set(true),
        group_wait_s: Set(0),
        max_attempts: Set(8),
        created_by: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&app.db)
    .await
    .unwrap();
    app.state.engine.alerting().reload(&app.db).await.unwrap();

    // A TCP service against a port we open and close.
    let target = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = target.local_addr().unwrap().port();
    let created = app
        .post(
            "/api/v1/services",
            &admin,
            json!({ "name": "orders-db", "type": "tcp", "config": { "host": "127.0.0.1", "port": port }, "interval_s": 3600 }),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let id = created.data()["id"].as_str().unwrap().to_owned();
    let check_path = format!("/api/v1/services/{id}/check");
    assert_eq!(
        app.post(&check_path, &admin, json!({})).await.data()["status"],
        "up"
    );
    assert!(
        received.lock().unwrap().is_empty(),
        "nothing to say while up"
    );

    drop(target);
    assert_eq!(
        app.post(&check_path, &admin, json!({})).await.data()["status"],
        "down"
    );
    let got = wait_for(&received, 1).await;
    assert_eq!(got.len(), 1, "one message for one outage: {got:?}");
    let (headers, body) = &got[0];
    assert_eq!(body["type"], "alert.firing");
    assert_eq!(body["rule"]["name"], "Any monitor down");
    assert_eq!(body["monitor"]["name"], "orders-db");
    assert_eq!(body["monitor"]["target"], format!("127.0.0.1:{port}"));
    assert_eq!(body["alert"]["status"], "firing");
    assert_eq!(body["alert"]["severity"], "critical");
    assert!(
        body["ack_url"].as_str().unwrap().contains("/ack/"),
        "{body}"
    );
    let webhook_id = headers["webhook-id"].to_str().unwrap().to_owned();
    let timestamp: i64 = headers["webhook-timestamp"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let raw = received.lock().unwrap()[0].1.clone();
    assert_eq!(
        headers["webhook-signature"].to_str().unwrap(),
        webhook::sign(&secret, &webhook_id, timestamp, &raw).unwrap()
    );
    let logged = notification::Entity::find_by_id(webhook_id.parse::<uuid::Uuid>().unwrap())
        .one(&app.db)
        .await
        .unwrap()
        .expect("the webhook-id is the notification's id");
    assert_eq!(
        (
            logged.status.as_str(),
            logged.attempts,
            logged.last_status_code
        ),
        ("sent", 1, Some(200))
    );
    assert_eq!(logged.channel_id, Some(channel.id));

    // The alert is in the history; the one-click link shows it and acknowledges it (and
    // its incident) only on POST.
    let firing = app.get("/api/v1/alerts?status=firing", &admin).await;
    assert_eq!(firing.data()["total"], 1, "{}", firing.text);
    let alert_id = firing.data()["items"][0]["id"].as_str().unwrap().to_owned();
    let detail = app.get(&format!("/api/v1/alerts/{alert_id}"), &admin).await;
    assert_eq!(detail.data()["notifications"][0]["id"], webhook_id.as_str());
    let ack_url = body["ack_url"].as_str().unwrap().to_owned();
    let page = app.client.get(&ack_url).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("orders-db") && html.contains("<form method=\"post\">"),
        "{html}"
    );
    let still = app.get(&format!("/api/v1/alerts/{alert_id}"), &admin).await;
    assert!(
        still.data()["acknowledged_at"].is_null(),
        "a GET (a link preview) does not acknowledge"
    );
    let done = app.client.post(&ack_url).send().await.unwrap();
    assert_eq!(done.status(), 200);
    let acked = app.get(&format!("/api/v1/alerts/{alert_id}"), &admin).await;
    assert!(
        acked.data()["acknowledged_at"].is_string(),
        "{}",
        acked.text
    );
    let incidents = app.get("/api/v1/incidents?status=open", &admin).await;
    assert!(
        incidents.data()["items"][0]["acknowledged_at"].is_string(),
        "the incident is acknowledged with its alert: {}",
        incidents.text
    );
    let forged = app
        .client
        .get(format!("{}x", ack_url))
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 404);

    // Still down: no second message.
    assert_eq!(
        app.post(&check_path, &admin, json!({})).await.data()["status"],
        "down"
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(received.lock().unwrap().len(), 1);

    let _target = std::net::TcpListener::bind(("127.0.0.1", port)).unwrap();
    assert_eq!(
        app.post(&check_path, &admin, json!({})).await.data()["status"],
        "up"
    );
    let got = wait_for(&received, 2).await;
    assert_eq!(got.len(), 2, "{got:?}");
    assert_eq!(got[1].1["type"], "alert.resolved");
    assert_eq!(got[1].1["alert"]["id"], got[0].1["alert"]["id"]);
    assert!(got[1].1["ack_url"].is_null());
    let alerts = alert::Entity::find().all(&app.db).await.unwrap();
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0].status, "resolved");
    assert!(alerts[0].fired_at.is_some() && alerts[0].resolved_at.is_some());
    assert!(alerts[0].open_key.is_none());
    let gone = app.client.get(&ack_url).send().await.unwrap();
    assert_eq!(gone.status(), 410, "the link dies when the alert resolves");
}

/// Verifies a webhook with the `standardwebhooks` package (PyPI), an implementation
/// independent of ours; `None` when it is not installed and services may be skipped.
fn verified_by_standard_webhooks(secret: &str, headers: &HeaderMap, body: &[u8]) -> Option<bool> {
    let python = std::env::var("MONITRON_TEST_PYTHON").unwrap_or_else(|_| {
        let home = std::env::var("HOME").unwrap_or_default();
        format!("{home}/.cache/monitron/venv/bin/python")
    });
    let script = r#"
import sys, json
from standardwebhooks.webhooks import Webhook, WebhookVerificationError
secret, wid, ts, sig = sys.argv[1:5]
body = sys.stdin.buffer.read()
try:
    Webhook(secret).verify(body, {"webhook-id": wid, "webhook-timestamp": ts, "webhook-signature": sig})
    print("valid")
except WebhookVerificationError:
    print("invalid")
"#;
    let header = |name: &str| headers[name].to_str().unwrap().to_owned();
    let child = std::process::Command::new(&python)
        .args([
            "-c",
            script,
            secret,
            &header("webhook-id"),
            &header("webhook-timestamp"),
            &header("webhook-signature"),
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(child) => child,
        Err(err) => {
            assert!(
                std::env::var("MONITRON_SKIP_SERVICES").as_deref() == Ok("1"),
                "the standardwebhooks verifier is needed ({python}: {err}); run scripts/test.sh, or pip install standardwebhooks==1.1.0 and set MONITRON_TEST_PYTHON"
            );
            eprintln!("SKIPPED: standardwebhooks verification (no {python})");
            return None;
        }
    };
    use std::io::Write;
    child.stdin.take().unwrap().write_all(body).unwrap();
    let out = child.wait_with_output().unwrap();
    let said = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    assert!(
        said == "valid" || said == "invalid",
        "the verifier failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(said == "valid")
}

async fn channels_are_validated_sealed_masked_and_tested(backend: Backend) {
    let app = app!(backend);
    let admin = app.admin().await;
    let (url, received) = receiver().await;

    // Bad input names the field.
    for (body, field) in [
        (
            json!({ "name": "x", "type": "pigeon", "config": {} }),
            "type",
        ),
        (
            json!({ "name": "x", "type": "discord", "config": {} }),
            "config.webhook_url",
        ),
        (
            json!({ "name": "x", "type": "slack", "config": { "webhook_url": "not a url" } }),
            "config.webhook_url",
        ),
        (
            json!({ "name": "x", "type": "telegram", "config": { "bot_token": "", "chat_id": "1" } }),
            "config.bot_token",
        ),
        (
            json!({ "name": "x", "type": "webhook", "config": { "url": url, "secret": "nope" } }),
            "config.secret",
        ),
        (
            json!({ "name": "x", "type": "webhook", "config": { "url": url }, "group_wait_s": -1 }),
            "group_wait_s",
        ),
        (
            json!({ "name": "", "type": "webhook", "config": { "url": url } }),
            "name",
        ),
        (
            json!({ "name": "x", "type": "email", "config": { "to": ["ops@example.com"] } }),
            "type",
        ),
    ] {
        let resp = app
            .post("/api/v1/notification-channels", &admin, body.clone())
            .await;
        assert_eq!(resp.status, 400, "{body}: {}", resp.text);
        assert!(
            resp.error()[field].is_string(),
            "{body}: expected {field} in {}",
            resp.text
        );
    }
    assert_eq!(
        notification_channel::Entity::find()
            .all(&app.db)
            .await
            .unwrap()
            .len(),
        0,
        "nothing half-written"
    );

    // The signing secret is generated and shown once, then masked.
    let created = app
        .post(
            "/api/v1/notification-channels",
            &admin,
            json!({ "name": "ops hook", "type": "webhook", "config": { "url": url, "headers": { "X-Api-Key": "k-123" } } }),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let id = created.data()["id"].as_str().unwrap().to_owned();
    let secret = created.data()["config"]["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(secret.starts_with("whsec_"), "{}", created.text);
    assert_eq!(created.data()["config"]["headers"]["X-Api-Key"], "********");
    let shown = app
        .get(&format!("/api/v1/notification-channels/{id}"), &admin)
        .await;
    assert_eq!(shown.data()["config"]["secret"], "********");
    let stored = notification_channel::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert!(
        !stored.config.to_string().contains(&secret[6..]),
        "sealed at rest"
    );

    // A test message arrives signed; an independent verifier accepts it and refuses a
    // tampered body.
    let tested = app
        .post(
            &format!("/api/v1/notification-channels/{id}/test"),
            &admin,
            json!({}),
        )
        .await;
    assert_eq!(tested.data()["status"], "sent", "{}", tested.text);
    assert_eq!(tested.data()["status_code"], 200);
    let got = wait_for(&received, 1).await;
    let (headers, body) = &got[0];
    assert_eq!(body["type"], "test");
    assert_eq!(headers["x-api-key"], "k-123");
    let raw = received.lock().unwrap()[0].1.clone();
    if let Some(valid) = verified_by_standard_webhooks(&secret, headers, &raw) {
        assert!(valid, "standardwebhooks refused our signature");
        let mut tampered = raw.clone();
        tampered.extend_from_slice(b" ");
        assert_eq!(
            verified_by_standard_webhooks(&secret, headers, &tampered),
            Some(false)
        );
    }
    let log = app
        .get(&format!("/api/v1/notifications?channel_id={id}"), &admin)
        .await;
    assert_eq!(
        log.data()["total"],
        1,
        "test sends are logged: {}",
        log.text
    );
    assert_eq!(log.data()["items"][0]["event"], "test");
    assert_eq!(log.data()["items"][0]["status"], "sent");

    // The masked secret stays only while the destination stays.
    let kept = app
        .patch(
            &format!("/api/v1/notification-channels/{id}"),
            &admin,
            json!({ "config": { "url": url, "secret": "********", "headers": { "X-Api-Key": "********" } } }),
        )
        .await;
    assert_eq!(kept.status, 200, "{}", kept.text);
    let moved = app
        .patch(
            &format!("/api/v1/notification-channels/{id}"),
            &admin,
            json!({ "config": { "url": "https://attacker.example/hook", "secret": "********" } }),
        )
        .await;
    assert_eq!(moved.status, 400, "{}", moved.text);
    assert!(
        moved.error()["config.secret"]
            .as_str()
            .unwrap()
            .contains("re-enter"),
        "{}",
        moved.text
    );
    app.post(
        &format!("/api/v1/notification-channels/{id}/test"),
        &admin,
        json!({}),
    )
    .await;
    let got = wait_for(&received, 2).await;
    assert_eq!(got.len(), 2);
    let raw = received.lock().unwrap()[1].1.clone();
    assert!(
        verified_by_standard_webhooks(&secret, &got[1].0, &raw).unwrap_or(true),
        "the kept secret still signs"
    );

    // A rule naming the channel keeps it from being deleted.
    let rule = app
        .post("/api/v1/alert-rules", &admin, json!({ "name": "slow", "condition": { "type": "latency", "stat": "p95", "above_ms": 500, "window_s": 300 }, "channels": [id] }))
        .await;
    assert_eq!(rule.status, 201, "{}", rule.text);
    let refused = app
        .call(
            reqwest::Method::DELETE,
            &format!("/api/v1/notification-channels/{id}"),
            &admin,
            None,
        )
        .await;
    assert_eq!(refused.status, 409, "{}", refused.text);
    assert!(refused.text.contains("slow"), "{}", refused.text);
    assert!(!app.audit("notification_channel.create").await.is_empty());
    assert!(!app.audit("notification_channel.test").await.is_empty());
}

async fn rules_name_every_bad_field(backend: Backend) {
    let app = app!(backend);
    let admin = app.admin().await;
    let seeded = app.get("/api/v1/alert-rules", &admin).await;
    let names: Vec<&str> = seeded.data()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "Any monitor down",
            "Certificate expires within 14 days",
            "Domain expires within 30 days"
        ]
    );
    let channel = app
        .post(
            "/api/v1/notification-channels",
            &admin,
            json!({ "name": "c", "type": "ntfy", "config": { "topic": "ops" } }),
        )
        .await;
    let c = channel.data()["id"].as_str().unwrap().to_owned();
    let missing = uuid::Uuid::now_v7();
    for (body, field) in [
        (
            json!({ "name": "r", "condition": { "type": "down" }, "channels": [c, missing] }),
            "channels[1]",
        ),
        (
            json!({ "name": "r", "condition": { "type": "flood" } }),
            "condition.type",
        ),
        (
            json!({ "name": "r", "condition": { "type": "metric", "metric": "humidity", "op": "gt", "threshold": 1 } }),
            "condition.metric",
        ),
        (
            json!({ "name": "r", "condition": { "type": "down_count", "failures": 0, "window_s": 60 } }),
            "condition.failures",
        ),
        (
            json!({ "name": "r", "condition": { "type": "down" }, "for_s": -5 }),
            "for_s",
        ),
        (
            json!({ "name": "r", "condition": { "type": "down" }, "message": "{{ monitor.name " }),
            "message",
        ),
        (
            json!({ "name": "r", "condition": { "type": "down" }, "escalation_policy_id": missing }),
            "escalation_policy_id",
        ),
        (json!({ "condition": { "type": "down" } }), "name"),
        (json!({ "name": "r" }), "condition"),
    ] {
        let resp = app.post("/api/v1/alert-rules", &admin, body.clone()).await;
        assert_eq!(resp.status, 400, "{body}: {}", resp.text);
        assert!(
            resp.error()[field].is_string(),
            "{body}: expected {field} in {}",
            resp.text
        );
    }
    assert_eq!(
        app.get("/api/v1/alert-rules", &admin).await.data()["total"],
        3,
        "nothing half-written"
    );
    let made = app
        .post("/api/v1/alert-rules", &admin, json!({ "name": "API down", "severity": "warning", "targets": { "kind": "service", "group": "api" }, "condition": { "type": "down" }, "for_s": 30, "channels": [c] }))
        .await;
    assert_eq!(made.status, 201, "{}", made.text);
    assert_eq!(made.data()["for_s"], 30);
    assert_eq!(made.data()["repeat_interval_s"], 0);
    assert_eq!(made.data()["send_resolved"], true);
    assert_eq!(made.data()["targets"]["group"], "api");
    let id = made.data()["id"].as_str().unwrap().to_owned();
    let changed = app
        .patch(
            &format!("/api/v1/alert-rules/{id}"),
            &admin,
            json!({ "message": "{{ monitor.name }} is down", "escalation_policy_id": null }),
        )
        .await;
    assert_eq!(changed.status, 200, "{}", changed.text);
    assert_eq!(changed.data()["message"], "{{ monitor.name }} is down");
    assert!(!app.audit("alert_rule.update").await.is_empty());
}

async fn a_maintenance_window_silences_and_its_end_fires(backend: Backend) {
    let app = app!(backend);
    let admin = app.admin().await;
    let (url, received) = receiver().await;
    let channel = app
        .post(
            "/api/v1/notification-channels",
            &admin,
            json!({ "name": "hook", "type": "webhook", "config": { "url": url }, "default": true }),
        )
        .await;
    assert_eq!(channel.status, 201, "{}", channel.text);
    let target = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = target.local_addr().unwrap().port();
    let created = app
        .post("/api/v1/services", &admin, json!({ "name": "billing", "type": "tcp", "group": "pay", "config": { "host": "127.0.0.1", "port": port }, "interval_s": 3600 }))
        .await;
    let id = created.data()["id"].as_str().unwrap().to_owned();
    let check_path = format!("/api/v1/services/{id}/check");
    assert_eq!(
        app.post(&check_path, &admin, json!({})).await.data()["status"],
        "up"
    );

    // Bad windows name their fields.
    for (body, field) in [
        (
            json!({ "name": "w", "schedule": { "type": "once", "start": "2026-01-02T00:00:00Z", "end": "2026-01-01T00:00:00Z" } }),
            "schedule.end",
        ),
        (
            json!({ "name": "w", "schedule": { "type": "cron", "cron": "every day", "duration_s": 60 } }),
            "schedule.cron",
        ),
        (
            json!({ "name": "w", "schedule": { "type": "weekly", "weekdays": ["sun"], "start_time": "02:00", "duration_s": 60 }, "timezone": "Mars/Olympus" }),
            "timezone",
        ),
        (json!({ "name": "w" }), "schedule"),
    ] {
        let resp = app
            .post("/api/v1/maintenance-windows", &admin, body.clone())
            .await;
        assert_eq!(resp.status, 400, "{body}: {}", resp.text);
        assert!(
            resp.error()[field].is_string(),
            "{body}: expected {field} in {}",
            resp.text
        );
    }

    // A window open now, for this group only, ending in a few seconds.
    let end = chrono::Utc::now() + chrono::Duration::seconds(4);
    let window = app
        .post(
            "/api/v1/maintenance-windows",
            &admin,
            json!({ "name": "db upgrade", "targets": { "kind": "service", "group": "pay" },
                    "schedule": { "type": "once", "start": chrono::Utc::now() - chrono::Duration::minutes(1), "end": end } }),
        )
        .await;
    assert_eq!(window.status, 201, "{}", window.text);
    assert!(window.data()["open_now"].is_object(), "{}", window.text);

    drop(target);
    let during = app.post(&check_path, &admin, json!({})).await;
    assert_eq!(
        during.data()["status"],
        "down",
        "the check itself still runs and says what it found"
    );
    let shown = app.get(&format!("/api/v1/services/{id}"), &admin).await;
    assert_eq!(
        shown.data()["state"]["status"],
        "maintenance",
        "{}",
        shown.text
    );
    assert_eq!(
        app.get("/api/v1/incidents", &admin).await.data()["total"],
        0,
        "no incident in maintenance"
    );
    assert_eq!(
        app.get("/api/v1/alerts", &admin).await.data()["total"],
        0,
        "no alert in maintenance"
    );
    let stats = app
        .get(&format!("/api/v1/services/{id}/stats?window=24h"), &admin)
        .await;
    assert_eq!(
        stats.data()["checks"],
        1,
        "maintenance results are left out of uptime: {}",
        stats.text
    );
    assert_eq!(stats.data()["uptime_pct"], 100.0, "{}", stats.text);
    // Stored, and marked: the raw history tells the window's results apart.
    let results = app
        .get(&format!("/api/v1/services/{id}/results"), &admin)
        .await;
    let marks: Vec<(&str, bool)> = results
        .data()
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["status"].as_str().unwrap(),
                r["maintenance"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(marks, [("down", true), ("up", false)], "{}", results.text);

    // When the window closes the monitor is checked at once; still failing, it alerts.
    let got = wait_for(&received, 1).await;
    assert!(
        chrono::Utc::now() >= end,
        "nothing is sent before the window ends"
    );
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].1["type"], "alert.firing");
    assert_eq!(got[0].1["monitor"]["name"], "billing");
    let shown = app.get(&format!("/api/v1/services/{id}"), &admin).await;
    assert_eq!(shown.data()["state"]["status"], "down", "{}", shown.text);
    assert_eq!(
        app.get("/api/v1/incidents?status=open", &admin)
            .await
            .data()["total"],
        1
    );
}

async fn window_occurrences_follow_local_time(backend: Backend) {
    let app = app!(backend);
    let admin = app.admin().await;
    let created = app
        .post(
            "/api/v1/maintenance-windows",
            &admin,
            json!({ "name": "sunday patching", "schedule": { "type": "weekly", "weekdays": ["sun"], "start_time": "02:30", "duration_s": 3600 }, "timezone": "Europe/Berlin" }),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let id = created.data()["id"].as_str().unwrap().to_owned();
    let list = app
        .get(&format!("/api/v1/maintenance-windows/{id}/occurrences?from=2026-03-20T00:00:00Z&to=2026-04-06T00:00:00Z"), &admin)
        .await;
    let starts: Vec<&str> = list
        .data()
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["start"].as_str().unwrap())
        .collect();
    // 2026-03-29 skips 02:00-03:00 in Berlin: that day the window starts at 03:00 (01:00 UTC).
    assert_eq!(
        starts,
        [
            "2026-03-22T01:30:00Z",
            "2026-03-29T01:00:00Z",
            "2026-04-05T00:30:00Z"
        ],
        "{}",
        list.text
    );
    let bad = app.get(&format!("/api/v1/maintenance-windows/{id}/occurrences?from=2026-03-20T00:00:00Z&to=2026-03-01T00:00:00Z"), &admin).await;
    assert!(bad.error()["to"].is_string(), "{}", bad.text);
    let monthly = app
        .post(
            "/api/v1/maintenance-windows",
            &admin,
            json!({ "name": "month end", "schedule": { "type": "monthly", "days": ["last"], "start_time": "22:00", "duration_s": 7200 }, "timezone": "UTC" }),
        )
        .await;
    assert_eq!(monthly.status, 201, "{}", monthly.text);
    assert!(
        monthly.data()["next"]["start"].is_string(),
        "{}",
        monthly.text
    );
    assert!(!app.audit("maintenance_window.create").await.is_empty());
}

async fn children_of_a_down_parent_send_nothing(backend: Backend) {
    let app = app!(backend);
    let admin = app.admin().await;
    let (url, received) = receiver().await;
    app.post(
        "/api/v1/notification-channels",
        &admin,
        json!({ "name": "hook", "type": "webhook", "config": { "url": url }, "default": true }),
    )
    .await;
    let router = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let router_port = router.local_addr().unwrap().port();
    let parent = app
        .post("/api/v1/services", &admin, json!({ "name": "core-router", "type": "tcp", "config": { "host": "127.0.0.1", "port": router_port }, "interval_s": 3600 }))
        .await;
    let parent_id = parent.data()["id"].as_str().unwrap().to_owned();
    assert_eq!(
        app.post(
            &format!("/api/v1/services/{parent_id}/check"),
            &admin,
            json!({})
        )
        .await
        .data()["status"],
        "up"
    );

    // Bad dependencies are named.
    let missing = uuid::Uuid::now_v7();
    let bad = app
        .post("/api/v1/services", &admin, json!({ "name": "x", "type": "tcp", "config": { "host": "127.0.0.1", "port": 1 }, "depends_on": [parent_id, missing] }))
        .await;
    assert!(bad.error()["depends_on[1]"].is_string(), "{}", bad.text);

    let mut children = Vec::new();
    for i in 0..20 {
        let child = app
            .post("/api/v1/services", &admin, json!({ "name": format!("shop-{i}"), "type": "tcp", "config": { "host": "127.0.0.1", "port": 1 }, "interval_s": 3600, "depends_on": [parent_id] }))
            .await;
        assert_eq!(child.status, 201, "{}", child.text);
        assert_eq!(child.data()["depends_on"][0], parent_id.as_str());
        children.push(child.data()["id"].as_str().unwrap().to_owned());
    }
    let cycle = app
        .patch(
            &format!("/api/v1/services/{parent_id}"),
            &admin,
            json!({ "depends_on": [children[3]] }),
        )
        .await;
    assert_eq!(cycle.status, 400, "{}", cycle.text);
    assert!(
        cycle.error()["depends_on"]
            .as_str()
            .unwrap()
            .contains("cycle"),
        "{}",
        cycle.text
    );
    let itself = app
        .patch(
            &format!("/api/v1/services/{parent_id}"),
            &admin,
            json!({ "depends_on": [parent_id] }),
        )
        .await;
    assert!(
        itself.error()["depends_on[0]"].is_string(),
        "{}",
        itself.text
    );

    // The router fails; the children notice first. Their parents are checked afresh
    // before anyone is told, so the one message is the router's.
    drop(router);
    for child in &children {
        app.post(
            &format!("/api/v1/services/{child}/check"),
            &admin,
            json!({}),
        )
        .await;
    }
    let got = wait_for(&received, 1).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let got_now = received.lock().unwrap().len();
    assert_eq!(got_now, 1, "one message for one router failure: {got:?}");
    assert_eq!(got[0].1["monitor"]["name"], "core-router");
    let suppressed = app.get("/api/v1/alerts?status=suppressed", &admin).await;
    assert_eq!(suppressed.data()["total"], 20, "{}", suppressed.text);
    assert_eq!(
        suppressed.data()["items"][0]["suppressed_by"],
        parent_id.as_str()
    );

    // The router comes back; the children still down fire then.
    let _router = std::net::TcpListener::bind(("127.0.0.1", router_port)).unwrap();
    app.post(
        &format!("/api/v1/services/{parent_id}/check"),
        &admin,
        json!({}),
    )
    .await;
    let got = wait_for(&received, 22).await;
    assert_eq!(
        got.len(),
        22,
        "the router's resolve and twenty children: {}",
        got.len()
    );
    let resolved: Vec<_> = got
        .iter()
        .filter(|(_, b)| b["type"] == "alert.resolved")
        .collect();
    assert_eq!(resolved.len(), 1);
    assert_eq!(resolved[0].1["monitor"]["name"], "core-router");
}

/// A real Alertmanager (Debian's `prometheus-alertmanager`) on a loopback port, routing
/// everything to `hook` with short grouping waits; killed on drop.
struct Alertmanager {
    child: std::process::Child,
    url: String,
    _dir: std::path::PathBuf,
}

impl Drop for Alertmanager {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn alertmanager(hook: &str) -> Option<Alertmanager> {
    let binary = ["/usr/bin/prometheus-alertmanager", "/usr/bin/alertmanager"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists());
    let Some(binary) = binary else {
        assert!(
            std::env::var("MONITRON_SKIP_SERVICES").as_deref() == Ok("1"),
            "Alertmanager is needed: apt-get install prometheus-alertmanager (scripts/test.sh does), or set MONITRON_SKIP_SERVICES=1"
        );
        eprintln!("SKIPPED: no Alertmanager binary");
        return None;
    };
    let dir = std::env::temp_dir().join(format!("monitron-am-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = format!(
        "route:\n  receiver: hook\n  group_by: ['alertname']\n  group_wait: 1s\n  group_interval: 1s\n  repeat_interval: 1h\n\
         receivers:\n  - name: hook\n    webhook_configs:\n      - url: {hook}\n        send_resolved: true\n"
    );
    std::fs::write(dir.join("alertmanager.yml"), config).unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = std::process::Command::new(binary)
        .arg(format!(
            "--config.file={}",
            dir.join("alertmanager.yml").display()
        ))
        .arg(format!("--storage.path={}", dir.join("data").display()))
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .arg("--cluster.listen-address=")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("Alertmanager starts");
    let am = Alertmanager {
        child,
        url: format!("http://127.0.0.1:{port}"),
        _dir: dir,
    };
    for _ in 0..100 {
        if let Ok(r) = reqwest::get(format!("{}/-/ready", am.url)).await {
            if r.status().is_success() {
                return Some(am);
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("Alertmanager did not become ready");
}

async fn a_real_alertmanager_groups_keeps_and_resolves(backend: Backend) {
    let (hook, received) = receiver().await;
    let Some(am) = alertmanager(&hook).await else {
        return;
    };
    // The seed's v1 path is accepted and spoken as v2.
    let options = crate::helpers::Options::default()
        .env("ALERTMANAGER_URL", &format!("{}/api/v1/alerts", am.url))
        .env("ALERTMANAGER_RESEND_INTERVAL", "1s");
    let app = app!(backend, options);
    let admin = app.admin().await;
    let channels = app.get("/api/v1/notification-channels", &admin).await;
    assert_eq!(
        channels.data()["items"][0]["type"],
        "alertmanager",
        "{}",
        channels.text
    );
    assert_eq!(channels.data()["items"][0]["default"], true);

    let target = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = target.local_addr().unwrap().port();
    let created = app
        .post("/api/v1/services", &admin, json!({ "name": "payments-api", "type": "tcp", "group": "pay", "labels": { "team": "payments", "tier-1": "yes" },
                                                 "config": { "host": "127.0.0.1", "port": port }, "interval_s": 3600 }))
        .await;
    let id = created.data()["id"].as_str().unwrap().to_owned();
    let check_path = format!("/api/v1/services/{id}/check");
    assert_eq!(
        app.post(&check_path, &admin, json!({})).await.data()["status"],
        "up"
    );
    drop(target);
    assert_eq!(
        app.post(&check_path, &admin, json!({})).await.data()["status"],
        "down"
    );

    let got = wait_for(&received, 1).await;
    assert!(!got.is_empty(), "Alertmanager passed the alert on");
    let body = &got[0].1;
    assert_eq!(body["status"], "firing", "{body}");
    assert_eq!(
        body["groupLabels"]["alertname"], "Any monitor down",
        "{body}"
    );
    let labels = &body["alerts"][0]["labels"];
    assert_eq!(labels["monitor"], "payments-api");
    assert_eq!(labels["monitor_id"], id.as_str());
    assert_eq!(labels["monitor_type"], "tcp");
    assert_eq!(labels["group"], "pay");
    assert_eq!(labels["severity"], "critical");
    assert_eq!(labels["team"], "payments");
    assert_eq!(
        labels["tier_1"], "yes",
        "label names are made valid: {labels}"
    );
    assert!(body["alerts"][0]["annotations"]["summary"]
        .as_str()
        .unwrap()
        .contains("payments-api"));
    assert!(body["alerts"][0]["generatorURL"]
        .as_str()
        .unwrap()
        .contains(&id));

    // Several re-sends later it is still one active alert, not resolved.
    tokio::time::sleep(Duration::from_secs(4)).await;
    let active: Value = reqwest::get(format!("{}/api/v2/alerts", am.url))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(active.as_array().unwrap().len(), 1, "{active}");
    assert_eq!(active[0]["status"]["state"], "active", "{active}");
    assert!(received
        .lock()
        .unwrap()
        .iter()
        .all(|(_, b)| { serde_json::from_slice::<Value>(b).unwrap()["status"] == "firing" }));

    // Recovery resolves it at the receiver.
    let _target = std::net::TcpListener::bind(("127.0.0.1", port)).unwrap();
    assert_eq!(
        app.post(&check_path, &admin, json!({})).await.data()["status"],
        "up"
    );
    let mut resolved = false;
    for _ in 0..100 {
        resolved = received
            .lock()
            .unwrap()
            .iter()
            .any(|(_, b)| serde_json::from_slice::<Value>(b).unwrap()["status"] == "resolved");
        if resolved {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(resolved, "Alertmanager sent the resolve on");
}

/// The plain-text part of an e-mail, quoted-printable soft breaks undone.
fn readable(mail: &str) -> String {
    mail.replace("=\r\n", "").replace("=3D", "=")
}

async fn email_channels_and_escalation_to_users(backend: Backend) {
    let smtp = crate::helpers::SmtpServer::start();
    let options = crate::helpers::Options::default()
        .env("EMAIL_HOST", "127.0.0.1")
        .env("EMAIL_PORT", &smtp.port.to_string())
        .env("EMAIL_TLS", "none")
        .env("EMAIL_FROM", "Monitron <monitron@example.com>");
    let app = app!(backend, options);
    let admin = app.admin().await;
    let (first_id, _) = app.create_user("first-responder", "editor").await;
    let (second_id, _) = app.create_user("team-lead", "viewer").await;
    let email = app
        .post("/api/v1/notification-channels", &admin, json!({ "name": "ops mail", "type": "email", "config": { "to": ["ops@example.com"], "cc": ["audit@example.com"] } }))
        .await;
    assert_eq!(email.status, 201, "{}", email.text);
    assert_eq!(
        email.data()["max_attempts"],
        10,
        "e-mail tries at most 10 times"
    );
    let channel = email.data()["id"].as_str().unwrap().to_owned();
    let bad = app
        .post("/api/v1/escalation-policies", &admin, json!({ "name": "p", "steps": [{ "delay_s": 5, "users": [uuid::Uuid::now_v7()] }, { "delay_s": 1, "channels": [channel] }] }))
        .await;
    assert!(
        bad.error()["steps[0].users[0]"].is_string() && bad.error()["steps[1].delay_s"].is_string(),
        "{}",
        bad.text
    );
    let policy = app
        .post("/api/v1/escalation-policies", &admin, json!({ "name": "on call", "steps": [{ "delay_s": 0, "users": [first_id] }, { "delay_s": 3, "users": [second_id] }] }))
        .await;
    assert_eq!(policy.status, 201, "{}", policy.text);
    let policy_id = policy.data()["id"].as_str().unwrap().to_owned();
    let rule = app
        .post("/api/v1/alert-rules", &admin, json!({ "name": "Payments down", "targets": { "kind": "service", "group": "esc" }, "condition": { "type": "down" }, "channels": [channel], "escalation_policy_id": policy_id }))
        .await;
    assert_eq!(rule.status, 201, "{}", rule.text);

    // Two outages: one nobody acknowledges, one acknowledged from the e-mail's link.
    let mut ids = Vec::new();
    for name in ["ledger", "cards"] {
        let created = app
            .post("/api/v1/services", &admin, json!({ "name": name, "type": "tcp", "group": "esc", "config": { "host": "127.0.0.1", "port": 1 }, "interval_s": 3600 }))
            .await;
        ids.push(created.data()["id"].as_str().unwrap().to_owned());
    }
    app.post(
        &format!("/api/v1/services/{}/check", ids[0]),
        &admin,
        json!({}),
    )
    .await;
    app.post(
        &format!("/api/v1/services/{}/check", ids[1]),
        &admin,
        json!({}),
    )
    .await;
    // Each: the channel's e-mail and step 1 to the first responder.
    let mails = smtp.wait_for(4, 10).await;
    let to_ops: Vec<String> = mails
        .iter()
        .filter(|m| m.contains("To: ops@example.com"))
        .map(|m| readable(m))
        .collect();
    assert_eq!(to_ops.len(), 2, "{mails:?}");
    let cards = to_ops.iter().find(|m| m.contains("cards")).unwrap();
    assert!(cards.contains("Cc: audit@example.com"), "{cards}");
    assert!(
        cards.contains("Content-Type: text/plain") && cards.contains("Content-Type: text/html"),
        "{cards}"
    );
    assert!(
        cards.contains("Subject: [FIRING] Payments down: cards"),
        "{cards}"
    );
    assert_eq!(
        mails
            .iter()
            .filter(|m| m.contains("first-responder@"))
            .count(),
        2,
        "step 1 goes out when the alert fires"
    );
    let link = cards
        .lines()
        .find_map(|l| l.strip_prefix("Acknowledge: "))
        .expect("the text part carries the ack link")
        .trim()
        .to_owned();
    let acked = app.client.post(&link).send().await.unwrap();
    assert_eq!(acked.status(), 200);

    // Step 2 reaches the team lead only for the outage nobody acknowledged.
    let mails = smtp.wait_for(5, 10).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let mails_now = smtp.messages();
    assert_eq!(mails_now.len(), mails.len(), "nothing more");
    let to_lead: Vec<String> = mails_now
        .iter()
        .filter(|m| m.contains("team-lead@"))
        .map(|m| readable(m))
        .collect();
    assert_eq!(to_lead.len(), 1, "{to_lead:?}");
    assert!(to_lead[0].contains("ledger"), "{}", to_lead[0]);
    let log = log_when(&app, &admin, "/api/v1/notifications?status=sent", |d| {
        d["total"] == 5
    })
    .await;
    assert_eq!(log.data()["total"], 5, "{}", log.text);
}

async fn a_dead_notification_is_listed_raises_an_alert_and_is_retried_once(backend: Backend) {
    let app = app!(backend);
    let admin = app.admin().await;
    // A receiver that answers 500 until it is fixed, counting every request.
    let failing = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let seen: Received = Arc::default();
    let (flag, keep) = (failing.clone(), seen.clone());
    let router = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: HeaderMap, body: axum::body::Bytes| {
            let (flag, keep) = (flag.clone(), keep.clone());
            async move {
                keep.lock().unwrap().push((headers, body.to_vec()));
                if flag.load(std::sync::atomic::Ordering::SeqCst) {
                    (
                        axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                        "database is locked",
                    )
                } else {
                    (axum::http::StatusCode::OK, "ok")
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let broken_url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await });
    let (other_url, other) = receiver().await;
    let broken = app
        .post("/api/v1/notification-channels", &admin, json!({ "name": "flaky hook", "type": "webhook", "config": { "url": broken_url }, "default": true, "max_attempts": 3 }))
        .await;
    assert_eq!(broken.status, 201, "{}", broken.text);
    app.post("/api/v1/notification-channels", &admin, json!({ "name": "backup", "type": "webhook", "config": { "url": other_url }, "default": true }))
        .await;
    let created = app
        .post("/api/v1/services", &admin, json!({ "name": "search", "type": "tcp", "config": { "host": "127.0.0.1", "port": 1 }, "interval_s": 3600 }))
        .await;
    let id = created.data()["id"].as_str().unwrap().to_owned();
    app.post(&format!("/api/v1/services/{id}/check"), &admin, json!({}))
        .await;

    // Three tries (1 s, then 2 s apart), then dead; the backup hears of both.
    let got = wait_for(&other, 2).await;
    assert_eq!(got.len(), 2, "{got:?}");
    assert_eq!(
        got[1].1["rule"]["name"], "Notification delivery failing",
        "{}",
        got[1].1
    );
    assert!(got[1].1["alert"]["message"]
        .as_str()
        .unwrap()
        .contains("flaky hook"));
    assert_eq!(seen.lock().unwrap().len(), 3);
    let dead = app.get("/api/v1/notifications?status=dead", &admin).await;
    assert_eq!(dead.data()["total"], 1, "{}", dead.text);
    let n = &dead.data()["items"][0];
    assert_eq!(
        (n["attempts"].as_i64(), n["last_status_code"].as_i64()),
        (Some(3), Some(500)),
        "{n}"
    );
    assert!(
        n["last_error"]
            .as_str()
            .unwrap()
            .contains("database is locked"),
        "{n}"
    );

    // Fixed: one retry delivers it once, with the id it always had; the failing alert
    // resolves and the backup hears that too.
    failing.store(false, std::sync::atomic::Ordering::SeqCst);
    let nid = n["id"].as_str().unwrap().to_owned();
    let retried = app
        .post(
            &format!("/api/v1/notifications/{nid}/retry"),
            &admin,
            json!({}),
        )
        .await;
    assert_eq!(retried.status, 200, "{}", retried.text);
    let again = app
        .post(
            &format!("/api/v1/notifications/{nid}/retry"),
            &admin,
            json!({}),
        )
        .await;
    assert_eq!(
        again.status, 409,
        "only a dead one is retried: {}",
        again.text
    );
    let got = wait_for(&seen, 4).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        seen.lock().unwrap().len(),
        4,
        "delivered once after the fix"
    );
    let ids: Vec<&str> = got
        .iter()
        .map(|(h, _)| h["webhook-id"].to_str().unwrap())
        .collect();
    assert!(
        ids.iter().all(|i| *i == nid),
        "one webhook-id across every try: {ids:?}"
    );
    let got = wait_for(&other, 3).await;
    assert_eq!(got[2].1["type"], "alert.resolved");
    assert_eq!(got[2].1["rule"]["name"], "Notification delivery failing");
    assert!(!app.audit("notification.retry").await.is_empty());
}

fn snapshot(disk_used_pct: f64) -> monitron_proto::Snapshot {
    serde_json::from_value(json!({
        "timestamp": chrono::Utc::now(), "uptime_s": 100,
        "cpu": { "usage_pct": 10.0, "per_core_pct": [10.0], "load": [0.1, 0.1, 0.1] },
        "memory": { "total_bytes": 100, "used_bytes": 50, "used_pct": 50.0, "swap_total_bytes": 0, "swap_used_bytes": 0 },
        "disks": [
            { "mount": "/", "device": "/dev/vda1", "fs": "ext4", "total_bytes": 100, "used_bytes": 10, "used_pct": 10.0 },
            { "mount": "/data", "device": "/dev/vdb1", "fs": "xfs", "total_bytes": 100, "used_bytes": 0, "used_pct": disk_used_pct }
        ],
        "networks": [], "gpus": []
    }))
    .unwrap()
}

async fn metric_rules_fire_on_agent_snapshots_and_resolve(backend: Backend) {
    let app = app!(backend);
    let admin = app.admin().await;
    let (url, received) = receiver().await;
    app.post(
        "/api/v1/notification-channels",
        &admin,
        json!({ "name": "hook", "type": "webhook", "config": { "url": url }, "default": true }),
    )
    .await;

    // A real agent: memory in use is above 0.1 % on any machine that runs it.
    let agent = crate::agent_process::AgentProcess::start(&[
        ("MONITRON_AGENT_AUTH", "api_key"),
        ("MONITRON_AGENT_API_KEY", "key-metric-long-enough"),
    ])
    .await;
    let real = app
        .post("/api/v1/instances", &admin, json!({ "name": "build-box", "host": "127.0.0.1", "agent_port": agent.port, "interval_s": 3600,
                                                  "agent_auth": { "type": "api_key", "api_key": "key-metric-long-enough" } }))
        .await;
    assert_eq!(real.status, 201, "{}", real.text);
    let real_id = real.data()["id"].as_str().unwrap().to_owned();
    let rule = app
        .post("/api/v1/alert-rules", &admin, json!({ "name": "Memory in use", "severity": "info", "targets": { "kind": "instance", "ids": [real_id] },
                                                    "condition": { "type": "metric", "metric": "mem_pct", "op": "gt", "threshold": 0.1 } }))
        .await;
    assert_eq!(rule.status, 201, "{}", rule.text);
    app.post(
        &format!("/api/v1/instances/{real_id}/check"),
        &admin,
        json!({}),
    )
    .await;
    let got = wait_for(&received, 1).await;
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].1["rule"]["name"], "Memory in use");
    assert_eq!(got[0].1["monitor"]["name"], "build-box");
    assert!(
        got[0].1["alert"]["value"].as_f64().unwrap() > 0.1,
        "{}",
        got[0].1
    );

    // Per mount: snapshots through the same ingest path push agents use, with the values
    // a full disk and a cleaned one report.
    let host = app
        .post("/api/v1/instances", &admin, json!({ "name": "db-1", "host": "10.0.0.7", "connection": "push", "labels": { "role": "db" } }))
        .await;
    let host_id: uuid::Uuid = host.data()["id"].as_str().unwrap().parse().unwrap();
    app.post("/api/v1/alert-rules", &admin, json!({ "name": "Data disk full", "severity": "warning", "targets": { "kind": "instance", "labels": { "role": "db" } },
                                                   "condition": { "type": "metric", "metric": "disk_pct", "op": "gt", "threshold": 90, "mount": "/data" } }))
        .await;
    let row = monitron_server::db::entities::monitor::Entity::find_by_id(host_id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let source = monitron_server::instances::ingest::Source {
        monitor_id: row.id,
        series_id: row.series_id,
        name: row.name.as_str().into(),
        group: None,
        labels: [("role".to_owned(), "db".to_owned())].into(),
    };
    let ingest = app.state.engine.ingest();
    ingest
        .store(source.clone(), vec![snapshot(95.5)])
        .await
        .unwrap();
    let got = wait_for(&received, 2).await;
    assert_eq!(got.len(), 2, "{got:?}");
    assert_eq!(got[1].1["rule"]["name"], "Data disk full");
    assert_eq!(got[1].1["alert"]["subject"], "/data");
    assert_eq!(got[1].1["alert"]["value"], 95.5);
    assert!(
        got[1].1["alert"]["message"]
            .as_str()
            .unwrap()
            .contains("disk_pct on /data is 95.5"),
        "{}",
        got[1].1
    );
    ingest
        .store(source.clone(), vec![snapshot(96.0)])
        .await
        .unwrap();
    ingest.store(source, vec![snapshot(40.0)]).await.unwrap();
    let got = wait_for(&received, 3).await;
    assert_eq!(got.len(), 3, "still full is no news; cleaned is: {got:?}");
    assert_eq!(got[2].1["type"], "alert.resolved");
    assert_eq!(got[2].1["alert"]["subject"], "/data");
}

async fn an_uptime_rule_fires_when_it_already_holds(backend: Backend) {
    let app = app!(backend);
    let admin = app.admin().await;
    let (url, received) = receiver().await;
    app.post(
        "/api/v1/notification-channels",
        &admin,
        json!({ "name": "hook", "type": "webhook", "config": { "url": url }, "default": true }),
    )
    .await;
    let target = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = target.local_addr().unwrap().port();
    let created = app
        .post("/api/v1/services", &admin, json!({ "name": "reports", "type": "tcp", "group": "bi", "config": { "host": "127.0.0.1", "port": port }, "interval_s": 3600, "failure_threshold": 5 }))
        .await;
    let id = created.data()["id"].as_str().unwrap().to_owned();
    let check = format!("/api/v1/services/{id}/check");
    // Three up, one down (not yet "down": the threshold is 5): 75 % uptime.
    for _ in 0..3 {
        app.post(&check, &admin, json!({})).await;
    }
    drop(target);
    app.post(&check, &admin, json!({})).await;
    let rule = app
        .post("/api/v1/alert-rules", &admin, json!({ "name": "BI uptime", "severity": "warning", "targets": { "kind": "service", "group": "bi" },
                                                    "condition": { "type": "uptime", "below_pct": 99.5, "window_s": 3600 } }))
        .await;
    assert_eq!(rule.status, 201, "{}", rule.text);
    let got = wait_for(&received, 1).await;
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].1["rule"]["name"], "BI uptime");
    assert_eq!(got[0].1["alert"]["value"], 75.0, "{}", got[0].1);
    assert!(
        got[0].1["alert"]["message"]
            .as_str()
            .unwrap()
            .contains("uptime 75 % over the last 1 h"),
        "{}",
        got[0].1
    );
}

async fn windows_delays_reminders_and_cooldowns(backend: Backend) {
    let app = app!(backend);
    let admin = app.admin().await;
    let (url, received) = receiver().await;
    let hook = app
        .post(
            "/api/v1/notification-channels",
            &admin,
            json!({ "name": "hook", "type": "webhook", "config": { "url": url } }),
        )
        .await;
    let hook = hook.data()["id"].as_str().unwrap().to_owned();
    let service = |name: &str, group: &str, port: u16| json!({ "name": name, "type": "tcp", "group": group, "config": { "host": "127.0.0.1", "port": port }, "interval_s": 3600, "failure_threshold": 100 });
    let sent_for = |rule: &str| -> Vec<Value> {
        received
            .lock()
            .unwrap()
            .iter()
            .map(|(_, b)| serde_json::from_slice::<Value>(b).unwrap())
            .filter(|b| b["rule"]["name"] == rule)
            .collect()
    };

    // down_count: three failures within a minute, whatever the status says.
    app.post(
        "/api/v1/alert-rules",
        &admin,
        json!({ "name": "Flapping", "targets": { "kind": "service", "group": "count" },
        "condition": { "type": "down_count", "failures": 3, "window_s": 60 }, "channels": [hook] }),
    )
    .await;
    let s = app
        .post("/api/v1/services", &admin, service("queue", "count", 1))
        .await;
    let id = s.data()["id"].as_str().unwrap().to_owned();
    let check = format!("/api/v1/services/{id}/check");
    // A new service gets its first scheduled check within the start-up window (10 s):
    // that is the first failure, so the count below does not depend on when it lands.
    let first = std::time::Instant::now();
    while app
        .get(&format!("/api/v1/services/{id}/results"), &admin)
        .await
        .data()
        .as_array()
        .is_none_or(|r| r.is_empty())
    {
        assert!(
            first.elapsed() < Duration::from_secs(20),
            "no scheduled check"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    app.post(&check, &admin, json!({})).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        sent_for("Flapping").is_empty(),
        "two failures are not three"
    );
    app.post(&check, &admin, json!({})).await;
    wait_for(&received, 1).await;
    let sent = sent_for("Flapping");
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0]["alert"]["value"], 3.0, "{}", sent[0]);

    // latency: the maximum over the window above 0 ms holds for any real answer.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    app.post("/api/v1/alert-rules", &admin, json!({ "name": "Slow", "targets": { "kind": "service", "group": "slow" },
        "condition": { "type": "latency", "stat": "max", "above_ms": 0, "window_s": 300 }, "channels": [hook] })).await;
    let s = app
        .post("/api/v1/services", &admin, service("gateway", "slow", port))
        .await;
    app.post(
        &format!(
            "/api/v1/services/{}/check",
            s.data()["id"].as_str().unwrap()
        ),
        &admin,
        json!({}),
    )
    .await;
    wait_for(&received, 2).await;
    let sent = sent_for("Slow");
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert!(
        sent[0]["alert"]["message"]
            .as_str()
            .unwrap()
            .contains("maximum response time"),
        "{}",
        sent[0]
    );

    // for_s delays firing; reminders repeat until acknowledged.
    app.post("/api/v1/alert-rules", &admin, json!({ "name": "Held", "targets": { "kind": "service", "group": "held" },
        "condition": { "type": "down_count", "failures": 1, "window_s": 60 }, "for_s": 2, "repeat_interval_s": 1, "channels": [hook] })).await;
    let s = app
        .post("/api/v1/services", &admin, service("ledger", "held", 1))
        .await;
    let held_check = format!(
        "/api/v1/services/{}/check",
        s.data()["id"].as_str().unwrap()
    );
    let started = std::time::Instant::now();
    app.post(&held_check, &admin, json!({})).await;
    let pending = app.get("/api/v1/alerts?status=pending", &admin).await;
    assert_eq!(pending.data()["total"], 1, "{}", pending.text);
    for _ in 0..60 {
        if sent_for("Held").len() >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let held = sent_for("Held");
    assert!(
        started.elapsed() >= Duration::from_secs(2),
        "for_s held it back"
    );
    assert_eq!(held[0]["type"], "alert.firing");
    assert_eq!(held[1]["type"], "alert.reminder", "{held:?}");
    let alert_id = held[0]["alert"]["id"].as_str().unwrap().to_owned();
    app.post(&format!("/api/v1/alerts/{alert_id}/ack"), &admin, json!({}))
        .await;
    let count = sent_for("Held").len();
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(
        sent_for("Held").len(),
        count,
        "acknowledged: no more reminders"
    );

    // cooldown: a target that flaps fires once, and the next episode waits.
    let flappy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let flappy_port = flappy.local_addr().unwrap().port();
    app.post("/api/v1/alert-rules", &admin, json!({ "name": "Cooled", "targets": { "kind": "service", "group": "cool" },
        "condition": { "type": "down_count", "failures": 1, "window_s": 10 }, "cooldown_s": 3600, "channels": [hook] })).await;
    let s = app
        .post(
            "/api/v1/services",
            &admin,
            service("cache", "cool", flappy_port),
        )
        .await;
    let cool_check = format!(
        "/api/v1/services/{}/check",
        s.data()["id"].as_str().unwrap()
    );
    app.post(&cool_check, &admin, json!({})).await;
    drop(flappy);
    app.post(&cool_check, &admin, json!({})).await; // fires
    for _ in 0..50 {
        if !sent_for("Cooled").is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(sent_for("Cooled").len(), 1);
    let _back = std::net::TcpListener::bind(("127.0.0.1", flappy_port)).unwrap();
    tokio::time::sleep(Duration::from_secs(11)).await; // the failure leaves the window
    app.post(&cool_check, &admin, json!({})).await; // resolves
    drop(_back);
    app.post(&cool_check, &admin, json!({})).await; // fires again, inside the cooldown
    tokio::time::sleep(Duration::from_secs(1)).await;
    let cooled = sent_for("Cooled");
    assert_eq!(
        cooled
            .iter()
            .filter(|b| b["type"] == "alert.firing")
            .count(),
        1,
        "the second episode is absorbed by the cooldown: {cooled:?}"
    );
    assert_eq!(
        cooled
            .iter()
            .filter(|b| b["type"] == "alert.resolved")
            .count(),
        1,
        "a resolve is never held back"
    );
}

/// A receiver that holds requests open while `hold` is set (a provider that hangs), and
/// records each request's `webhook-id` and whether it was answered.
async fn holding_receiver(
    hold: Arc<std::sync::atomic::AtomicBool>,
) -> (String, Arc<Mutex<Vec<(String, bool)>>>) {
    let seen: Arc<Mutex<Vec<(String, bool)>>> = Arc::default();
    let keep = seen.clone();
    let router = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: HeaderMap| {
            let (hold, keep) = (hold.clone(), keep.clone());
            async move {
                let id = headers["webhook-id"].to_str().unwrap().to_owned();
                if hold.load(std::sync::atomic::Ordering::SeqCst) {
                    keep.lock().unwrap().push((id, false));
                    tokio::time::sleep(Duration::from_secs(120)).await;
                    return "late";
                }
                keep.lock().unwrap().push((id, true));
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await });
    (url, seen)
}

async fn a_notification_survives_kill_9(backend: Backend) {
    use crate::processes::{
        admin_token, cluster, database, default_webhook, drop_database, post_json, start,
        wait_ready,
    };
    let (dir, mut env) = cluster("alert-kill");
    let Some((url, pg)) = database(backend, &dir).await else {
        return;
    };
    env.push(("DATABASE_URL".into(), url));
    let hold = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let (hook, seen) = holding_receiver(hold.clone()).await;
    let client = reqwest::Client::new();
    let first = start(&env, &dir);
    wait_ready(&client, first.port).await;
    let token = admin_token(&client, first.port).await;
    let base = format!("http://127.0.0.1:{}", first.port);
    default_webhook(&client, &token, &format!("{base}/api/v1"), &hook).await;
    let (_, service) = post_json(&client, &token, &format!("{base}/api/v1/services"),
        json!({ "name": "vault", "type": "tcp", "config": { "host": "127.0.0.1", "port": 1 }, "interval_s": 3600 })).await;
    let id = service["data"]["id"].as_str().unwrap();
    client
        .post(format!("{base}/api/v1/services/{id}/check"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    for _ in 0..100 {
        if !seen.lock().unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        seen.lock().unwrap().len(),
        1,
        "the alert went out and the receiver holds it"
    );

    // Killed while the receiver holds the message: nothing acknowledged it.
    first.kill();
    hold.store(false, std::sync::atomic::Ordering::SeqCst);
    let second = start(&env, &dir);
    wait_ready(&client, second.port).await;
    // The dead process's claim runs out (60 s), then the message goes again.
    for _ in 0..900 {
        if seen.lock().unwrap().iter().any(|(_, answered)| *answered) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let seen = seen.lock().unwrap().clone();
    assert!(
        seen.iter().any(|(_, answered)| *answered),
        "delivered after the restart: {seen:?}"
    );
    assert!(
        seen.iter().all(|(i, _)| *i == seen[0].0),
        "with the same webhook-id: {seen:?}"
    );
    assert_eq!(seen.iter().filter(|(_, answered)| *answered).count(), 1);
    second.stop();
    drop_database(pg).await;
}

async fn a_receiver_down_for_30_s_gets_it_when_it_returns(backend: Backend) {
    let app = app!(backend);
    let admin = app.admin().await;
    // A port nobody listens on yet.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    app.post("/api/v1/notification-channels", &admin, json!({ "name": "hook", "type": "webhook", "config": { "url": format!("http://127.0.0.1:{port}/hook") }, "default": true }))
        .await;
    let created = app
        .post("/api/v1/services", &admin, json!({ "name": "billing-db", "type": "tcp", "config": { "host": "127.0.0.1", "port": 1 }, "interval_s": 3600 }))
        .await;
    let fired_at = std::time::Instant::now();
    app.post(
        &format!(
            "/api/v1/services/{}/check",
            created.data()["id"].as_str().unwrap()
        ),
        &admin,
        json!({}),
    )
    .await;
    tokio::time::sleep(Duration::from_secs(30)).await;
    let log = app.get("/api/v1/notifications", &admin).await;
    assert_eq!(log.data()["items"][0]["status"], "retrying", "{}", log.text);
    // The receiver comes back on its port.
    let received: Received = Arc::default();
    let keep = received.clone();
    let router = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: HeaderMap, body: axum::body::Bytes| {
            let keep = keep.clone();
            async move {
                keep.lock().unwrap().push((headers, body.to_vec()));
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });
    for _ in 0..400 {
        if !received.lock().unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        received.lock().unwrap().len(),
        1,
        "delivered once after it returned"
    );
    assert!(fired_at.elapsed() >= Duration::from_secs(30));
    let log = log_when(&app, &admin, "/api/v1/notifications", |d| {
        d["items"][0]["status"] == "sent"
    })
    .await;
    assert_eq!(log.data()["items"][0]["status"], "sent", "{}", log.text);
}

/// Two full processes on PostgreSQL and RabbitMQ write results for the same monitors:
/// each outage is one alert and one message.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_on_rabbitmq_alert_once_per_outage() {
    use crate::processes::{
        admin_token, cluster, database, default_webhook, drop_database, post_json, start,
        wait_ready,
    };
    let (dir, mut env) = cluster("alert-rabbit");
    let Some((url, pg)) = database(Backend::Postgres, &dir).await else {
        return;
    };
    let rabbit = std::env::var("MONITRON_TEST_RABBITMQ_URL")
        .unwrap_or_else(|_| "amqp://guest:guest@127.0.0.1:5672/%2f".into());
    if lapin::Connection::connect(&rabbit, lapin::ConnectionProperties::default())
        .await
        .is_err()
    {
        assert!(
            std::env::var("MONITRON_SKIP_SERVICES").as_deref() == Ok("1"),
            "RabbitMQ is needed at {rabbit}: start it with `rabbitmq-server -detached`, or set MONITRON_SKIP_SERVICES=1"
        );
        eprintln!("SKIPPED: RabbitMQ unreachable");
        return;
    }
    env.push(("DATABASE_URL".into(), url));
    env.push(("RABBITMQ_URL".into(), rabbit));
    env.push((
        "QUEUE_PREFIX".into(),
        format!("alert{}", uuid::Uuid::now_v7().simple()),
    ));
    let (hook, received) = receiver().await;
    let client = reqwest::Client::new();
    let one = start(&env, &dir);
    wait_ready(&client, one.port).await;
    let two = start(&env, &dir);
    wait_ready(&client, two.port).await;
    let token = admin_token(&client, one.port).await;
    let api = |port: u16| format!("http://127.0.0.1:{port}/api/v1");
    default_webhook(&client, &token, &api(one.port), &hook).await;
    // The other process learns of the channel at its next sync.
    tokio::time::sleep(Duration::from_secs(6)).await;
    let mut ids = Vec::new();
    for i in 0..20 {
        let (_, created) = post_json(&client, &token, &format!("{}/services", api(one.port)),
            json!({ "name": format!("shard {i}"), "type": "tcp", "config": { "host": "127.0.0.1", "port": 1 }, "interval_s": 2 })).await;
        ids.push(created["data"]["id"].as_str().unwrap().to_owned());
    }
    // Both processes check them on request too, as well as the scheduled checks that
    // land on either worker.
    for (i, id) in ids.iter().enumerate() {
        let port = if i % 2 == 0 { one.port } else { two.port };
        client
            .post(format!("{}/services/{id}/check", api(port)))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
    }
    let got = wait_for(&received, 20).await;
    tokio::time::sleep(Duration::from_secs(6)).await;
    let got_now = received.lock().unwrap().len();
    let firing: Vec<&Value> = got
        .iter()
        .map(|(_, b)| b)
        .filter(|b| b["type"] == "alert.firing")
        .collect();
    let distinct: std::collections::HashSet<&str> = firing
        .iter()
        .map(|b| b["monitor"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(distinct.len(), 20, "every outage told");
    assert_eq!(
        got_now, 20,
        "and each once, though two processes wrote its results"
    );
    one.stop();
    two.stop();
    drop_database(pg).await;
}

/// A burst of 200 alerts on PostgreSQL and RabbitMQ, and the broker killed (`kill -9`)
/// while the receiver holds part of it: after the broker comes back, every message
/// arrives, each with its own `webhook-id`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rabbitmq_restart_during_a_burst_loses_no_notification() {
    use crate::processes::{
        admin_token, cluster, database, default_webhook, drop_database, post_json, start,
        wait_ready,
    };
    use std::sync::atomic::{AtomicBool, Ordering};
    const BURST: usize = 200;
    let Some(mut broker) = monitron_testkit::rabbitmq::Broker::start() else {
        assert!(
            std::env::var("MONITRON_SKIP_SERVICES").as_deref() == Ok("1"),
            "RabbitMQ (Debian package rabbitmq-server) is needed for this test, or set MONITRON_SKIP_SERVICES=1"
        );
        eprintln!("SKIPPED: rabbitmq-server is not installed");
        return;
    };
    let (dir, mut env) = cluster("alert-burst");
    let Some((url, pg)) = database(Backend::Postgres, &dir).await else {
        return;
    };
    env.push(("DATABASE_URL".into(), url));
    env.push(("RABBITMQ_URL".into(), broker.url()));

    // The receiver answers the first fifty at once, then holds every request until let go.
    let hold = Arc::new(AtomicBool::new(false));
    let released = Arc::new(AtomicBool::new(false));
    let seen: Arc<Mutex<Vec<(String, Value)>>> = Arc::default();
    let router = {
        let (hold, released, seen) = (hold.clone(), released.clone(), seen.clone());
        axum::Router::new().route(
            "/hook",
            axum::routing::post(move |headers: HeaderMap, body: axum::body::Bytes| {
                let (hold, released, seen) = (hold.clone(), released.clone(), seen.clone());
                async move {
                    let id = headers["webhook-id"].to_str().unwrap().to_owned();
                    let body: Value = serde_json::from_slice(&body).unwrap();
                    let count = {
                        let mut seen = seen.lock().unwrap();
                        seen.push((id, body));
                        seen.len()
                    };
                    if count == 50 {
                        hold.store(true, Ordering::SeqCst);
                    }
                    while count >= 50 && !released.load(Ordering::SeqCst) {
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                    "ok"
                }
            }),
        )
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hook = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await });

    let client = reqwest::Client::new();
    let server = start(&env, &dir);
    wait_ready(&client, server.port).await;
    let token = admin_token(&client, server.port).await;
    let api = format!("http://127.0.0.1:{}/api/v1", server.port);
    default_webhook(&client, &token, &api, &hook).await;
    let mut ids = Vec::new();
    for i in 0..BURST {
        let (_, created) = post_json(&client, &token, &format!("{api}/services"),
            json!({ "name": format!("node {i}"), "type": "tcp", "config": { "host": "127.0.0.1", "port": 1 }, "interval_s": 3600 })).await;
        ids.push(created["data"]["id"].as_str().unwrap().to_owned());
    }
    // All 200 go down within a moment.
    let checks = ids.iter().map(|id| {
        let (client, url, token) = (client.clone(), format!("{api}/services/{id}/check"), &token);
        async move { client.post(url).bearer_auth(token).send().await.unwrap() }
    });
    futures_util::future::join_all(checks).await;

    // Fifty arrived and more are held at the receiver: the broker dies.
    for _ in 0..600 {
        if hold.load(Ordering::SeqCst) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        hold.load(Ordering::SeqCst),
        "the burst reached the receiver"
    );
    broker.kill();
    tokio::time::sleep(Duration::from_secs(1)).await;
    released.store(true, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_secs(3)).await;
    // At most the 32 deliveries in flight got past the fifty: the rest wait in the dead
    // broker or in the outbox.
    let before_restart = seen.lock().unwrap().len();
    assert!(before_restart < BURST, "{before_restart}");
    broker.start_again();

    let distinct = |seen: &[(String, Value)]| {
        seen.iter()
            .filter(|(_, b)| b["type"] == "alert.firing")
            .map(|(id, _)| id.clone())
            .collect::<std::collections::HashSet<_>>()
    };
    for _ in 0..1800 {
        if distinct(&seen.lock().unwrap()).len() >= BURST {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let seen = seen.lock().unwrap().clone();
    let monitors: std::collections::HashSet<&str> = seen
        .iter()
        .filter(|(_, b)| b["type"] == "alert.firing")
        .map(|(_, b)| b["monitor"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        (distinct(&seen).len(), monitors.len()),
        (BURST, BURST),
        "every alert of the burst arrived ({} requests in all)",
        seen.len()
    );
    // Each is logged as sent once its answer is in.
    let sent = || async {
        let log: Value = client
            .get(format!("{api}/notifications?status=sent&per_page=1"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        log["data"]["total"].as_u64().unwrap()
    };
    let mut logged = 0;
    for _ in 0..300 {
        logged = sent().await;
        if logged >= BURST as u64 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    if logged != BURST as u64 {
        let all: Value = client
            .get(format!("{api}/notifications?per_page=500"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let mut by_status = std::collections::BTreeMap::<String, usize>::new();
        for n in all["data"]["items"].as_array().unwrap() {
            *by_status
                .entry(format!("{} {}", n["status"], n["last_error"]))
                .or_default() += 1;
        }
        panic!("{logged} of {BURST} logged as sent: {by_status:?}");
    }
    eprintln!(
        "{BURST} notifications arrived, {} of them after the restart; {} requests in all",
        BURST - before_restart.min(BURST),
        seen.len()
    );
    server.stop();
    drop_database(pg).await;
}

async fn fifty_alerts_within_group_wait_arrive_as_one_message(backend: Backend) {
    let app = app!(backend);
    let admin = app.admin().await;
    let (url, received) = receiver().await;
    let channel = app
        .post("/api/v1/notification-channels", &admin, json!({ "name": "digest", "type": "webhook", "config": { "url": url }, "default": true, "group_wait_s": 5 }))
        .await;
    assert_eq!(channel.status, 201, "{}", channel.text);
    let mut checks = Vec::new();
    for i in 0..50 {
        let created = app
            .post("/api/v1/services", &admin, json!({ "name": format!("node {i}"), "type": "tcp", "config": { "host": "127.0.0.1", "port": 1 }, "interval_s": 3600 }))
            .await;
        checks.push(format!(
            "/api/v1/services/{}/check",
            created.data()["id"].as_str().unwrap()
        ));
    }
    let started = std::time::Instant::now();
    for path in &checks {
        app.post(path, &admin, json!({})).await;
    }
    let got = wait_for(&received, 1).await;
    tokio::time::sleep(Duration::from_secs(6)).await;
    let all = received.lock().unwrap().len();
    assert!(started.elapsed() >= Duration::from_secs(5));
    assert_eq!(all, 1, "one message for the fifty: {got:?}");
    let body = &got[0].1;
    assert_eq!(body["type"], "alert.digest");
    let listed: std::collections::HashSet<&str> = body["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["monitor"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(listed.len(), 50, "{body}");
    let log = app
        .get("/api/v1/notifications?status=grouped&per_page=100", &admin)
        .await;
    assert_eq!(log.data()["total"], 50, "{}", log.text);
}

/// A mail server that refuses every message with a temporary error, counting the tries.
fn refusing_smtp() -> (u16, Arc<std::sync::atomic::AtomicUsize>) {
    #[derive(Clone)]
    struct Refuse(Arc<std::sync::atomic::AtomicUsize>);
    impl mailin_embedded::Handler for Refuse {
        fn mail(
            &mut self,
            _ip: std::net::IpAddr,
            _domain: &str,
            _from: &str,
        ) -> mailin_embedded::Response {
            self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            mailin_embedded::response::INTERNAL_ERROR
        }
    }
    let tries = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let mut server = mailin_embedded::Server::new(Refuse(tries.clone()));
    server.with_name("smtp.test").with_tcp_listener(listener);
    std::thread::spawn(move || {
        let _ = server.serve();
    });
    (port, tries)
}

async fn email_to_a_refusing_server_stops_after_ten_tries(backend: Backend) {
    let (port, tries) = refusing_smtp();
    let options = crate::helpers::Options::default()
        .env("EMAIL_HOST", "127.0.0.1")
        .env("EMAIL_PORT", &port.to_string())
        .env("EMAIL_TLS", "none")
        .env("EMAIL_FROM", "Monitron <monitron@example.com>");
    let app = app!(backend, options);
    let admin = app.admin().await;
    let channel = app
        .post("/api/v1/notification-channels", &admin, json!({ "name": "mail", "type": "email", "config": { "to": ["ops@example.com"] }, "max_attempts": 12 }))
        .await;
    assert!(
        channel.error()["max_attempts"]
            .as_str()
            .unwrap()
            .contains("10"),
        "{}",
        channel.text
    );
    let channel = app
        .post(
            "/api/v1/notification-channels",
            &admin,
            json!({ "name": "mail", "type": "email", "config": { "to": ["ops@example.com"] } }),
        )
        .await;
    let channel_id: uuid::Uuid = channel.data()["id"].as_str().unwrap().parse().unwrap();
    // A notification driven through the e-mail kind's handler try by try (the queue's
    // own waits, 1 s doubling, would make this test take minutes).
    let id = monitron_server::alerting::notifying::insert(
        &app.db,
        Some(channel_id),
        "email",
        None,
        monitron_server::notify::Event::Test,
        monitron_server::notify::delivery::test_context("http://localhost"),
        "queued",
        None,
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    let deliverer = monitron_server::notify::delivery::Deliverer::new(
        app.db.clone(),
        app.state.cipher.clone(),
        app.state.notifier.clone(),
        app.state.metrics.clone(),
        app.state.engine.alerting().clone(),
    );
    let payload = serde_json::to_vec(&json!({ "notification": id })).unwrap();
    for attempt in 1..=10u32 {
        let handled = deliverer.handle(&payload, attempt).await;
        match (attempt, handled) {
            (10, monitron_server::queue::Handled::Dead(error)) => {
                assert!(error.contains("451"), "{error}")
            }
            (10, other) => panic!("the tenth try is the last: {other:?}"),
            (_, monitron_server::queue::Handled::Retry(error)) => {
                assert!(error.contains("451"), "{error}")
            }
            (n, other) => panic!("try {n} is retried: {other:?}"),
        }
    }
    assert_eq!(
        tries.load(std::sync::atomic::Ordering::SeqCst),
        10,
        "ten tries reached the server"
    );
    let row = monitron_server::db::entities::notification::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((row.status.as_str(), row.attempts), ("dead", 10));
    assert_eq!(
        monitron_server::queue::WorkKind::Email.max_attempts(),
        10,
        "and the queue never offers an eleventh"
    );
}

on_both_databases!(
    a_down_monitor_alerts_a_default_webhook_once_and_resolves,
    channels_are_validated_sealed_masked_and_tested,
    rules_name_every_bad_field,
    a_maintenance_window_silences_and_its_end_fires,
    window_occurrences_follow_local_time,
    children_of_a_down_parent_send_nothing,
    a_real_alertmanager_groups_keeps_and_resolves,
    email_channels_and_escalation_to_users,
    a_dead_notification_is_listed_raises_an_alert_and_is_retried_once,
    metric_rules_fire_on_agent_snapshots_and_resolve,
    an_uptime_rule_fires_when_it_already_holds,
    windows_delays_reminders_and_cooldowns,
    a_notification_survives_kill_9,
    a_receiver_down_for_30_s_gets_it_when_it_returns,
    fifty_alerts_within_group_wait_arrive_as_one_message,
    email_to_a_refusing_server_stops_after_ten_tries,
);
