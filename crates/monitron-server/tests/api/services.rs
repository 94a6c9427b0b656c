//! Services through the API: creating them, watching them go up and down against real
//! targets, incidents, statistics, secrets, validation, filters, grants, pause and delete.

use sea_orm::ConnectionTrait;
use serde_json::json;

use crate::helpers::Backend;
use crate::targets::{create_service, wait_for, wait_for_metric, HttpTarget};
use crate::{app, on_both_databases};

async fn a_service_goes_down_and_up_with_an_incident_and_stats(backend: Backend) {
    let app = app!(backend);
    let admin = app.admin().await;
    let target = HttpTarget::start().await;
    let service = create_service(
        &app,
        &admin,
        json!({ "name": "shop", "type": "http", "config": { "url": target.url }, "interval_s": 1,
                "failure_threshold": 2, "labels": { "team": "web" } }),
    )
    .await;
    let id = service["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/services/{id}");
    assert_eq!(service["state"]["status"], "pending");

    wait_for(&app, &path, &admin, 15, "the service to be up", |d| {
        d["state"]["status"] == "up"
    })
    .await;
    target.answer(503);
    let down = wait_for(&app, &path, &admin, 15, "the service to go down", |d| {
        d["state"]["status"] == "down"
    })
    .await;
    assert!(
        down["state"]["message"].as_str().unwrap().contains("503"),
        "{down}"
    );
    let open = app
        .get(
            &format!("/api/v1/incidents?target_id={id}&status=open"),
            &admin,
        )
        .await;
    assert_eq!(open.data()["total"], 1, "{}", open.text);
    let incident = &open.data()["items"][0];
    assert_eq!(incident["target_type"], "service");
    assert_eq!(incident["target_name"], "shop");
    assert!(incident["cause"].as_str().unwrap().contains("503"));

    // failure_threshold 2: the incident opened at the second consecutive failure.
    let results = app.get(&format!("{path}/results?limit=1000"), &admin).await;
    let statuses: Vec<&str> = results
        .data()
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .map(|r| r["status"].as_str().unwrap())
        .collect();
    let first_down = statuses.iter().position(|s| *s == "down").unwrap();
    assert!(
        statuses.len() >= first_down + 2 && statuses[first_down + 1] == "down",
        "{statuses:?}"
    );

    let acked = app
        .post(
            &format!("/api/v1/incidents/{}/ack", incident["id"].as_str().unwrap()),
            &admin,
            json!({}),
        )
        .await;
    assert_eq!(acked.code(), 0, "{}", acked.text);
    assert!(acked.data()["acknowledged_at"].is_string());
    assert!(acked.data()["acknowledged_by"].is_string());

    target.answer(200);
    wait_for(&app, &path, &admin, 15, "the service to recover", |d| {
        d["state"]["status"] == "up"
    })
    .await;
    let resolved = app
        .get(&format!("/api/v1/incidents?target_id={id}"), &admin)
        .await;
    let incident = &resolved.data()["items"][0];
    assert_eq!(incident["status"], "resolved", "{}", resolved.text);
    let started: chrono::DateTime<chrono::Utc> =
        incident["started_at"].as_str().unwrap().parse().unwrap();
    let ended: chrono::DateTime<chrono::Utc> =
        incident["resolved_at"].as_str().unwrap().parse().unwrap();
    assert!(ended > started);
    assert_eq!(
        incident["duration_s"].as_i64().unwrap(),
        (ended - started).num_seconds()
    );

    let stats = app.get(&format!("{path}/stats?window=24h"), &admin).await;
    let s = stats.data();
    let checks = s["checks"].as_i64().unwrap();
    let failures = s["failures"].as_i64().unwrap();
    assert!(checks >= 4 && failures >= 2, "{s}");
    let uptime = s["uptime_pct"].as_f64().unwrap();
    let expected = (checks - failures) as f64 * 100.0 / checks as f64;
    assert!((uptime - expected).abs() < 1e-6, "{s}");
    assert_eq!(s["incidents_total"], 1);
    assert_eq!(s["current_status"], "up");
    assert!(s["avg_response_ms"].as_f64().unwrap() > 0.0);
    assert!(s["p95_response_ms"].as_f64().unwrap() >= s["avg_response_ms"].as_f64().unwrap() * 0.5);

    // The raw results agree with the rollup the statistics come from.
    let results = app.get(&format!("{path}/results?limit=1000"), &admin).await;
    let raw = results.data().as_array().unwrap();
    assert_eq!(
        raw.len() as i64,
        checks,
        "every result persisted and counted once"
    );
    let raw_failures = raw.iter().filter(|r| r["status"] == "down").count() as i64;
    assert_eq!(raw_failures, failures);
    assert!(raw
        .iter()
        .filter(|r| r["status"] == "down")
        .all(|r| r["message"].is_string()));

    let uptime = app.get(&format!("{path}/uptime?days=30"), &admin).await;
    let days = uptime.data().as_array().unwrap();
    assert_eq!(days.len(), 30);
    let today = &days[29];
    assert_eq!(today["date"], chrono::Utc::now().date_naive().to_string());
    assert_eq!(today["checks"], checks);
    assert_eq!(today["incidents"], 1);
    assert!(days[..29]
        .iter()
        .all(|d| d["checks"] == 0 && d["uptime_pct"].is_null()));

    let series = app.get(&format!("{path}/series?step=60"), &admin).await;
    assert_eq!(series.data()["tier"], "1m", "{}", series.text);
    let points = series.data()["points"].as_array().unwrap();
    let total: i64 = points.iter().map(|p| p["checks"].as_i64().unwrap()).sum();
    assert_eq!(total, checks);
    let fine = app
        .get(
            &format!(
                "{path}/series?step=1&from={}",
                (chrono::Utc::now() - chrono::Duration::minutes(10))
                    .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            ),
            &admin,
        )
        .await;
    assert_eq!(fine.data()["tier"], "raw", "{}", fine.text);

    // The state changes are in the audit log.
    assert_eq!(app.audit("incident.open").await.len(), 1);
    assert_eq!(app.audit("incident.resolve").await.len(), 1);
    assert_eq!(app.audit("incident.ack").await.len(), 1);

    // Per-monitor gauges.
    let metrics = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let line = metrics
        .lines()
        .find(|l| l.starts_with("monitron_monitor_up{") && l.contains(&id))
        .unwrap_or_else(|| panic!("no monitron_monitor_up for {id}"));
    assert!(line.ends_with(" 1"), "{line}");
    assert!(metrics.contains("monitron_checks_total{outcome=\"down\",type=\"http\"}"));
    assert!(metrics.contains("monitron_schedule_lag_seconds_count"));
}

async fn secrets_are_encrypted_at_rest_and_masked(backend: Backend) {
    let app = app!(backend);
    let admin = app.admin().await;
    let target = HttpTarget::start().await;
    let service = create_service(
        &app,
        &admin,
        json!({ "name": "private api", "type": "http", "interval_s": 3600,
                "config": { "url": target.url, "headers": { "X-Trace": "visible", "X-Api-Token": "tok-123" },
                            "auth": { "type": "bearer", "token": "s3cret-bearer" } } }),
    )
    .await;
    let id = service["id"].as_str().unwrap().to_owned();
    assert_eq!(service["config"]["auth"]["token"], "********");
    assert_eq!(service["config"]["headers"]["X-Api-Token"], "********");
    assert_eq!(service["config"]["headers"]["X-Trace"], "visible");

    let stored = ConnectionTrait::query_one(
        &app.db,
        sea_orm::Statement::from_string(
            app.db.get_database_backend(),
            "SELECT CAST(config AS TEXT) AS c FROM monitors",
        ),
    )
    .await
    .unwrap()
    .unwrap()
    .try_get::<String>("", "c")
    .unwrap();
    assert!(
        !stored.contains("s3cret-bearer") && !stored.contains("tok-123"),
        "{stored}"
    );
    assert!(stored.contains("enc:v1:"), "{stored}");

    // Sending the masked configuration back keeps the secrets.
    let mut config = service["config"].clone();
    config["keyword"] = json!("checked");
    let r = app
        .patch(
            &format!("/api/v1/services/{id}"),
            &admin,
            json!({ "config": config }),
        )
        .await;
    assert_eq!(r.code(), 0, "{}", r.text);
    let checked = app
        .post(&format!("/api/v1/services/{id}/check"), &admin, json!({}))
        .await;
    assert_eq!(checked.data()["status"], "up", "{}", checked.text);
    assert_eq!(
        target.authorizations().last().unwrap().as_deref(),
        Some("Bearer s3cret-bearer"),
        "the check sends the real secret"
    );

    // A mask where nothing is stored is refused, not sent as a password.
    let r = app
        .post(
            "/api/v1/services",
            &admin,
            json!({ "name": "x", "type": "mqtt", "config": { "host": "127.0.0.1", "topic": "t", "username": "u", "password": "********" } }),
        )
        .await;
    assert_eq!(r.code(), 40001);
    assert!(
        r.error()["config.password"]
            .as_str()
            .unwrap()
            .contains("mask"),
        "{}",
        r.text
    );
}

async fn bad_service_settings_name_each_field(backend: Backend) {
    let app = app!(backend);
    let admin = app.admin().await;
    let cases = [
        (
            json!({ "name": "", "type": "tcp", "config": { "host": "h", "port": 1 } }),
            "name",
        ),
        (
            json!({ "name": "x", "type": "gopher", "config": {} }),
            "type",
        ),
        (
            json!({ "name": "x", "type": "tcp", "config": { "host": "h", "port": 0 } }),
            "config.port",
        ),
        (
            json!({ "name": "x", "type": "http", "config": { "url": "ftp://x" } }),
            "config.url",
        ),
        (
            json!({ "name": "x", "type": "tcp", "config": { "host": "h", "port": 1 }, "interval_s": 0 }),
            "interval_s",
        ),
        (
            json!({ "name": "x", "type": "tcp", "config": { "host": "h", "port": 1 }, "timeout_s": 301 }),
            "timeout_s",
        ),
        (
            json!({ "name": "x", "type": "tcp", "config": { "host": "h", "port": 1 }, "failure_threshold": 0 }),
            "failure_threshold",
        ),
        (
            json!({ "name": "x", "type": "tcp", "config": { "host": "h", "port": 1 }, "labels": { "bad key": "v" } }),
            "labels.bad key",
        ),
        (
            json!({ "name": "x", "type": "heartbeat", "config": { "schedule": { "cron": "not cron" } } }),
            "config.schedule.cron",
        ),
        (
            json!({ "name": "x", "type": "heartbeat", "config": { "schedule": { "cron": "0 2 * * *", "timezone": "Mars/Olympus" } } }),
            "config.schedule.timezone",
        ),
        (
            json!({ "name": "x", "type": "dns", "config": { "name": "example.com", "record_type": "PTR" } }),
            "config",
        ),
    ];
    for (body, field) in cases {
        let r = app.post("/api/v1/services", &admin, body.clone()).await;
        assert_eq!(r.code(), 40001, "{body}: {}", r.text);
        assert!(
            r.error().get(field).is_some(),
            "{body}: expected an error on {field}: {}",
            r.text
        );
    }
    let count = app.get("/api/v1/services", &admin).await;
    assert_eq!(count.data()["total"], 0, "nothing was stored");
}

async fn lists_filter_and_grants_narrow_what_users_see(backend: Backend) {
    let app = app!(backend);
    let admin = app.admin().await;
    let tcp = |name: &str, group: Option<&str>, env: &str| {
        json!({ "name": name, "type": "tcp", "config": { "host": "127.0.0.1", "port": 1 }, "interval_s": 3600,
                "group": group, "labels": { "env": env }, "enabled": false })
    };
    let prod_api = create_service(&app, &admin, tcp("Prod API", Some("prod"), "prod")).await;
    create_service(&app, &admin, tcp("prod db", Some("prod"), "prod")).await;
    let staging =
        create_service(&app, &admin, tcp("Staging API", Some("staging"), "staging")).await;
    create_service(
        &app,
        &admin,
        json!({ "name": "cron", "type": "heartbeat", "config": { "schedule": { "every_s": 60 } } }),
    )
    .await;

    let names = |r: &crate::helpers::Resp| -> Vec<String> {
        r.data()["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["name"].as_str().unwrap().to_owned())
            .collect()
    };
    let r = app
        .get("/api/v1/services?label=env:prod&sort=name", &admin)
        .await;
    assert_eq!(names(&r), ["Prod API", "prod db"], "{}", r.text);
    let r = app.get("/api/v1/services?q=api&sort=-name", &admin).await;
    assert_eq!(names(&r), ["Staging API", "Prod API"]);
    let r = app.get("/api/v1/services?type=heartbeat", &admin).await;
    assert_eq!(names(&r), ["cron"]);
    let r = app.get("/api/v1/services?status=paused", &admin).await;
    assert_eq!(r.data()["total"], 3);
    let r = app.get("/api/v1/services?group=staging", &admin).await;
    assert_eq!(names(&r), ["Staging API"]);
    let r = app
        .get("/api/v1/services?per_page=2&page=2&sort=name", &admin)
        .await;
    assert_eq!(r.data()["total"], 4);
    assert_eq!(names(&r).len(), 2);
    assert_eq!(
        app.get("/api/v1/services?label=env", &admin).await.code(),
        40001
    );
    assert_eq!(
        app.get("/api/v1/services?sort=secret", &admin).await.code(),
        40001
    );

    // An editor narrowed to `prod` sees and edits only prod.
    let (uid, _, editor) = app.user_with_token("prod-editor", "editor").await;
    let r = app
        .call(
            reqwest::Method::PUT,
            &format!("/api/v1/users/{uid}/grants"),
            &admin,
            Some(json!([{ "group": "prod", "role": "editor" }])),
        )
        .await;
    assert_eq!(r.code(), 0, "{}", r.text);
    let r = app.get("/api/v1/services?sort=name", &editor).await;
    assert_eq!(names(&r), ["Prod API", "prod db"]);
    let staging_id = staging["id"].as_str().unwrap();
    assert_eq!(
        app.get(&format!("/api/v1/services/{staging_id}"), &editor)
            .await
            .code(),
        40401
    );
    let prod_id = prod_api["id"].as_str().unwrap();
    let r = app
        .patch(
            &format!("/api/v1/services/{prod_id}"),
            &editor,
            json!({ "description": "mine" }),
        )
        .await;
    assert_eq!(r.code(), 0, "{}", r.text);
    let r = app
        .patch(
            &format!("/api/v1/services/{prod_id}"),
            &editor,
            json!({ "group": "staging" }),
        )
        .await;
    assert_eq!(r.code(), 40001, "cannot move it out of reach: {}", r.text);
    let r = app
        .post("/api/v1/services", &editor, tcp("mine", None, "x"))
        .await;
    assert_eq!(
        r.code(),
        40001,
        "ungrouped is outside the grant: {}",
        r.text
    );
    let r = app
        .post("/api/v1/services", &editor, tcp("mine", Some("prod"), "x"))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let viewer = app.user_with_token("plain-viewer", "viewer").await.2;
    let r = app
        .patch(
            &format!("/api/v1/services/{prod_id}"),
            &viewer,
            json!({ "description": "no" }),
        )
        .await;
    assert_eq!(r.code(), 40301);
}

async fn paused_services_are_not_checked_and_deleted_ones_leave_nothing(backend: Backend) {
    let app = app!(backend);
    let admin = app.admin().await;
    let target = HttpTarget::start().await;
    let service = create_service(
        &app,
        &admin,
        json!({ "name": "pausable", "type": "http", "config": { "url": target.url }, "interval_s": 1 }),
    )
    .await;
    let id = service["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/services/{id}");
    wait_for(&app, &path, &admin, 15, "a first check", |d| {
        d["state"]["status"] == "up"
    })
    .await;
    let paused = app.post(&format!("{path}/pause"), &admin, json!({})).await;
    assert_eq!(
        paused.data()["state"]["status"],
        "paused",
        "{}",
        paused.text
    );
    assert_eq!(paused.data()["enabled"], false);
    // The scheduler drops it; a control monitor checked every second then shows time
    // passing while the paused one gets nothing (counted once a check in flight at the
    // pause has long finished: after the control's first check).
    wait_for_metric(&app, "monitron_scheduled_monitors", 10, |n| n == 0.0).await;
    let control = HttpTarget::start().await;
    let control_service = create_service(&app, &admin, json!({ "name": "control", "type": "http", "config": { "url": control.url }, "interval_s": 1 })).await;
    wait_for(&app, &path, &admin, 15, "the control's first check", |_| {
        !control.authorizations().is_empty()
    })
    .await;
    let before = target.authorizations().len();
    let seen = control.authorizations().len();
    wait_for(&app, &path, &admin, 15, "three more control checks", |_| {
        control.authorizations().len() >= seen + 3
    })
    .await;
    assert_eq!(
        target.authorizations().len(),
        before,
        "no checks while paused"
    );
    let control_path = format!(
        "/api/v1/services/{}",
        control_service["id"].as_str().unwrap()
    );
    let r = app
        .call(reqwest::Method::DELETE, &control_path, &admin, None)
        .await;
    assert_eq!(r.code(), 0, "{}", r.text);
    let resumed = app.post(&format!("{path}/resume"), &admin, json!({})).await;
    assert_eq!(resumed.data()["enabled"], true);
    wait_for(&app, &path, &admin, 15, "checks to resume", |_| {
        target.authorizations().len() > before
    })
    .await;
    assert_eq!(app.audit("service.pause").await.len(), 1);
    assert_eq!(app.audit("service.resume").await.len(), 1);

    let r = app.call(reqwest::Method::DELETE, &path, &admin, None).await;
    assert_eq!(r.code(), 0, "{}", r.text);
    assert_eq!(app.get(&path, &admin).await.code(), 40401);
    for table in [
        "check_results",
        "check_rollups_1m",
        "check_rollups_1h",
        "check_rollups_1d",
        "monitor_states",
        "monitors",
        "series",
    ] {
        let n = ConnectionTrait::query_one(
            &app.db,
            sea_orm::Statement::from_string(
                app.db.get_database_backend(),
                format!("SELECT COUNT(*) AS n FROM {table}"),
            ),
        )
        .await
        .unwrap()
        .unwrap()
        .try_get::<i64>("", "n")
        .unwrap();
        assert_eq!(n, 0, "{table} still holds rows of the deleted service");
    }
}

on_both_databases!(
    a_service_goes_down_and_up_with_an_incident_and_stats,
    secrets_are_encrypted_at_rest_and_masked,
    bad_service_settings_name_each_field,
    lists_filter_and_grants_narrow_what_users_see,
    paused_services_are_not_checked_and_deleted_ones_leave_nothing,
);
