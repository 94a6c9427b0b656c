//! What the dashboard and the lists read at a glance: counts by status and group,
//! sparklines for a page of monitors, domain series, sign-in options, the SMTP test and
//! incident and alert events on the live socket.

use serde_json::{json, Value};

use crate::helpers::{Auth, Backend, Options, SmtpServer, ADMIN_EMAIL};
use crate::live::{connect, next_event};
use crate::targets::{create_service, wait_for, HttpTarget};
use crate::{app, on_both_databases};

fn counts(total: u64, up: u64, down: u64, paused: u64) -> Value {
    json!({ "total": total, "up": up, "down": down, "pending": 0, "paused": paused, "maintenance": 0 })
}

async fn the_summary_counts_only_what_the_caller_may_see(backend: Backend) {
    let app = app!(backend);
    let admin = app.admin().await;
    let healthy = HttpTarget::start().await;
    let failing = HttpTarget::start().await;
    failing.answer(503);
    let up = create_service(&app, &admin, json!({ "name": "site", "type": "http", "config": { "url": healthy.url }, "interval_s": 1, "group": "web" })).await;
    let down = create_service(&app, &admin, json!({ "name": "api", "type": "http", "config": { "url": failing.url }, "interval_s": 1, "group": "web" })).await;
    create_service(&app, &admin, json!({ "name": "db", "type": "tcp", "config": { "host": "127.0.0.1", "port": 9 }, "enabled": false, "group": "db" })).await;
    for (service, status) in [(&up, "up"), (&down, "down")] {
        let path = format!("/api/v1/services/{}", service["id"].as_str().unwrap());
        wait_for(&app, &path, &admin, 15, status, |s| {
            s["state"]["status"] == status
        })
        .await;
    }

    let summary = wait_for(&app, "/api/v1/summary", &admin, 10, "the incident", |s| {
        s["open_incidents"] == 1
    })
    .await;
    assert_eq!(summary["services"], counts(3, 1, 1, 1), "{summary}");
    assert_eq!(summary["domains"], counts(0, 0, 0, 0));
    assert_eq!(summary["instances"], counts(0, 0, 0, 0));
    assert_eq!(
        summary["groups"],
        json!([
            { "kind": "service", "group": "db", "counts": counts(1, 0, 0, 1) },
            { "kind": "service", "group": "web", "counts": counts(2, 1, 1, 0) },
        ])
    );
    // The seeded "Any monitor down" rule fires for the failing service.
    let summary = wait_for(&app, "/api/v1/summary", &admin, 10, "a firing alert", |s| {
        s["firing_alerts"] == 1
    })
    .await;
    assert_eq!(summary["open_incidents"], 1);

    // A viewer narrowed to `db` counts only `db`.
    let (uid, _, narrowed) = app.user_with_token("db-viewer", "viewer").await;
    let granted = app
        .call(
            reqwest::Method::PUT,
            &format!("/api/v1/users/{uid}/grants"),
            &admin,
            Some(json!([{ "group": "db", "role": "viewer" }])),
        )
        .await;
    assert_eq!(granted.status, 200, "{}", granted.text);
    let theirs = app.get("/api/v1/summary", &narrowed).await;
    assert_eq!(theirs.status, 200, "{}", theirs.text);
    assert_eq!(theirs.data()["services"], counts(1, 0, 0, 1));
    assert_eq!(theirs.data()["groups"].as_array().unwrap().len(), 1);
    assert_eq!(theirs.data()["open_incidents"], 0);
    assert_eq!(theirs.data()["firing_alerts"], 0);
    assert_eq!(app.get("/api/v1/summary", &Auth::None).await.status, 401);
}

async fn sparklines_cover_a_page_of_monitors_in_one_request(backend: Backend) {
    let app = app!(backend);
    let admin = app.admin().await;
    let healthy = HttpTarget::start().await;
    let failing = HttpTarget::start().await;
    failing.answer(503);
    let up = create_service(&app, &admin, json!({ "name": "site", "type": "http", "config": { "url": healthy.url }, "interval_s": 1 })).await;
    let down = create_service(&app, &admin, json!({ "name": "api", "type": "http", "config": { "url": failing.url }, "interval_s": 1, "group": "hidden" })).await;
    let (up, down) = (up["id"].as_str().unwrap(), down["id"].as_str().unwrap());
    let unknown = uuid::Uuid::now_v7();
    let path = format!("/api/v1/sparklines?ids={up},{down},{unknown}");
    let lines = wait_for(&app, &path, &admin, 15, "results in both", |d| {
        d.as_array()
            .is_some_and(|a| a.len() == 2 && a.iter().all(|l| l["uptime_pct"].is_number()))
    })
    .await;
    for line in lines.as_array().unwrap() {
        let points = line["points"].as_array().unwrap();
        assert_eq!(points.len(), 24, "one point per hour: {line}");
        let last = &points[23];
        let expected = if line["monitor_id"] == up { 100.0 } else { 0.0 };
        assert_eq!(line["uptime_pct"].as_f64(), Some(expected), "{line}");
        assert_eq!(last["uptime_pct"].as_f64(), Some(expected), "{line}");
        assert!(last["avg_ms"].as_f64().unwrap() > 0.0, "{line}");
        assert!(
            points[0]["uptime_pct"].is_null(),
            "no results a day ago: {line}"
        );
    }
    let fine = app
        .get(
            &format!("/api/v1/sparklines?ids={up}&hours=1&points=12"),
            &admin,
        )
        .await;
    assert_eq!(
        fine.data()[0]["points"].as_array().unwrap().len(),
        12,
        "{}",
        fine.text
    );

    // Grants apply: a viewer outside `hidden` gets only the other line.
    let (_, _, viewer) = app.user_with_token("plain-viewer", "viewer").await;
    let (uid, _, narrowed) = app.user_with_token("narrow-viewer", "viewer").await;
    app.call(
        reqwest::Method::PUT,
        &format!("/api/v1/users/{uid}/grants"),
        &admin,
        Some(json!([{ "group": "web", "role": "viewer" }])),
    )
    .await;
    assert_eq!(
        app.get(&path, &viewer)
            .await
            .data()
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(app.get(&path, &narrowed).await.data(), &json!([]));

    // Bad input names the parameter.
    let many: Vec<String> = (0..501).map(|_| uuid::Uuid::now_v7().to_string()).collect();
    for (query, field) in [
        ("ids=nope".to_owned(), "ids"),
        (format!("ids={}", many.join(",")), "ids"),
        (format!("ids={up}&hours=0"), "hours"),
        (format!("ids={up}&points=500"), "points"),
        ("hours=5".to_owned(), "ids"),
    ] {
        let r = app
            .get(&format!("/api/v1/sparklines?{query}"), &admin)
            .await;
        assert_eq!(r.status, 400, "{query}: {}", r.text);
        assert!(r.error()[field].is_string(), "{query}: {}", r.text);
    }
}

async fn incidents_and_alerts_reach_the_live_socket(backend: Backend) {
    let app = app!(backend);
    let admin = app.admin().await;
    let mut socket = connect(&app, &admin).await;
    let target = HttpTarget::start().await;
    target.answer(503);
    let service = create_service(&app, &admin, json!({ "name": "api", "type": "http", "config": { "url": target.url }, "interval_s": 1, "group": "web" })).await;
    let id = service["id"].as_str().unwrap();

    let mut seen: Vec<(String, String)> = Vec::new();
    let mut incident = None;
    let mut alert = None;
    while incident.is_none() || alert.is_none() {
        let event = next_event(&mut socket, 15)
            .await
            .expect("events within 15 s");
        let kind = event["event"].as_str().unwrap().to_owned();
        if kind == "incident" || kind == "alert" {
            assert_eq!(event["monitor_id"], id, "{event}");
            assert_eq!(event["group"], "web", "{event}");
            assert_eq!(event["kind"], "service", "{event}");
            seen.push((kind.clone(), event["action"].as_str().unwrap().to_owned()));
        }
        match kind.as_str() {
            "incident" => incident = Some(event["incident_id"].as_str().unwrap().to_owned()),
            "alert" => alert = Some(event["alert_id"].as_str().unwrap().to_owned()),
            _ => {}
        }
    }
    assert!(
        seen.contains(&("incident".into(), "opened".into())),
        "{seen:?}"
    );
    assert!(
        seen.contains(&("alert".into(), "firing".into())),
        "{seen:?}"
    );

    let acked = app
        .post(
            &format!("/api/v1/alerts/{}/ack", alert.unwrap()),
            &admin,
            json!({}),
        )
        .await;
    assert_eq!(acked.status, 200, "{}", acked.text);
    target.answer(200);
    let mut rest: Vec<(String, String)> = Vec::new();
    while !(rest.contains(&("alert".into(), "resolved".into()))
        && rest.contains(&("incident".into(), "resolved".into())))
    {
        let event = next_event(&mut socket, 15)
            .await
            .expect("events within 15 s");
        if let (Some(kind @ ("incident" | "alert")), Some(action)) =
            (event["event"].as_str(), event["action"].as_str())
        {
            rest.push((kind.to_owned(), action.to_owned()));
        }
    }
    assert_eq!(rest[0], ("alert".into(), "acknowledged".into()), "{rest:?}");
}

async fn domains_have_a_response_time_series(backend: Backend) {
    let app = app!(backend);
    let admin = app.admin().await;
    let created = app
        .post(
            "/api/v1/domains",
            &admin,
            json!({ "name": "example.com", "domain": "example.com", "enabled": false }),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let id = created.data()["id"].as_str().unwrap();
    let series = app
        .get(&format!("/api/v1/domains/{id}/series?step=3600"), &admin)
        .await;
    assert_eq!(series.status, 200, "{}", series.text);
    assert_eq!(series.data()["tier"], "1h");
    assert_eq!(series.data()["points"], json!([]));
    let missing = app
        .get(
            &format!("/api/v1/domains/{}/series", uuid::Uuid::now_v7()),
            &admin,
        )
        .await;
    assert_eq!(missing.status, 404);
}

on_both_databases!(
    the_summary_counts_only_what_the_caller_may_see,
    sparklines_cover_a_page_of_monitors_in_one_request,
    incidents_and_alerts_reach_the_live_socket,
    domains_have_a_response_time_series,
);

/// The sign-in page learns whether setup is pending and what it may offer, before
/// anyone signs in.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_options_are_public() {
    let app = app!(Backend::Sqlite, Options::default().without_initial_admin());
    let status = app.get("/api/v1/auth/status", &Auth::None).await;
    assert_eq!(status.status, 200, "{}", status.text);
    assert_eq!(
        status.data(),
        &json!({ "setup_required": true, "registration_enabled": false, "email_enabled": false })
    );
    let made = app
        .post(
            "/api/v1/auth/register",
            &Auth::None,
            json!({ "username": "first", "email": "first@example.com", "password": "first-admin-pw-1", "setup_token": app.setup_token.clone().unwrap() }),
        )
        .await;
    assert_eq!(made.status, 201, "{}", made.text);
    let status = app.get("/api/v1/auth/status", &Auth::None).await;
    assert_eq!(status.data()["setup_required"], false);
}

/// An administrator checks the e-mail settings with a real SMTP server; a server that is
/// down gives its reason, and nothing but administrators may send.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_smtp_test_reaches_the_mail_server_or_says_why_not() {
    let smtp = SmtpServer::start();
    let app = app!(
        Backend::Sqlite,
        Options::default()
            .env("EMAIL_HOST", "127.0.0.1")
            .env("EMAIL_PORT", &smtp.port.to_string())
            .env("EMAIL_TLS", "none")
            .env("EMAIL_FROM", "Monitron <monitron@example.com>")
    );
    let admin = app.admin().await;
    assert_eq!(
        app.get("/api/v1/auth/status", &Auth::None).await.data()["email_enabled"],
        true
    );
    let sent = app
        .post(
            "/api/v1/settings/smtp/test",
            &admin,
            json!({ "to": "ops@example.com" }),
        )
        .await;
    assert_eq!(sent.status, 200, "{}", sent.text);
    assert_eq!(
        sent.data(),
        &json!({ "sent": true, "to": "ops@example.com" })
    );
    let mail = &smtp.wait_for(1, 5).await[0];
    assert!(mail.contains("Subject: Monitron test e-mail"), "{mail}");
    assert!(mail.contains("To: ops@example.com"), "{mail}");

    let bad = app
        .post(
            "/api/v1/settings/smtp/test",
            &admin,
            json!({ "to": "not an address" }),
        )
        .await;
    assert_eq!(bad.status, 400);
    assert!(bad.error()["to"].is_string(), "{}", bad.text);
    let (_, _, editor) = app.user_with_token("smtp-editor", "editor").await;
    let refused = app
        .post(
            "/api/v1/settings/smtp/test",
            &editor,
            json!({ "to": ADMIN_EMAIL }),
        )
        .await;
    assert_eq!(refused.status, 403);
    assert!(app.audit("setting.smtp_test").await.len() == 1);

    // A mail server that is not there: 503 with the reason, and no e-mail settings at all:
    // the answer says what to configure.
    let nowhere = app!(
        Backend::Sqlite,
        Options::default()
            .env("EMAIL_HOST", "127.0.0.1")
            .env("EMAIL_PORT", "9")
            .env("EMAIL_TLS", "none")
            .env("EMAIL_FROM", "monitron@example.com")
    );
    let failed = nowhere
        .post(
            "/api/v1/settings/smtp/test",
            &nowhere.admin().await,
            json!({ "to": "ops@example.com" }),
        )
        .await;
    assert_eq!(
        (failed.status, failed.code()),
        (503, 50301),
        "{}",
        failed.text
    );
    assert!(
        failed.error()["_"]
            .as_str()
            .unwrap()
            .contains("mail server"),
        "{}",
        failed.text
    );
    let unconfigured = app!(Backend::Sqlite);
    let none = unconfigured
        .post(
            "/api/v1/settings/smtp/test",
            &unconfigured.admin().await,
            json!({ "to": "ops@example.com" }),
        )
        .await;
    assert_eq!(none.status, 409, "{}", none.text);
    assert!(none.error()["_"].as_str().unwrap().contains("EMAIL_HOST"));
}
