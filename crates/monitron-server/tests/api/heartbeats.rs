//! Heartbeat (cron) services: pings by GET, POST and HEAD, `/start`, `/fail` and exit
//! codes, run times, lateness, unknown tokens and the per-token rate limit.

use std::time::Duration;

use serde_json::json;

use crate::helpers::{Auth, Backend, Options};
use crate::targets::{create_service, metric, wait_for, wait_for_metric};
use crate::{app, on_both_databases};

async fn ping(app: &crate::helpers::TestApp, url: &str) -> crate::helpers::Resp {
    let path = url
        .split_once("/api/")
        .map(|(_, p)| format!("/api/{p}"))
        .unwrap();
    app.get(&path, &Auth::None).await
}

async fn a_heartbeat_follows_its_pings(backend: Backend) {
    let app = app!(backend);
    let admin = app.admin().await;
    let hb = create_service(
        &app,
        &admin,
        json!({ "name": "nightly backup", "type": "heartbeat", "interval_s": 1,
                "config": { "schedule": { "every_s": 2 }, "grace_s": 1 } }),
    )
    .await;
    let id = hb["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/services/{id}");
    let url = hb["ping_url"].as_str().unwrap().to_owned();
    assert!(
        url.starts_with("http://localhost:") && url.contains("/api/v1/ping/"),
        "{url}"
    );

    // Waiting for the first ping is not a failure: still pending after it was evaluated
    // twice (every job the scheduler hands out is this heartbeat's).
    let evaluated = metric(&app, "monitron_schedule_lag_seconds_count").await;
    wait_for_metric(&app, "monitron_schedule_lag_seconds_count", 10, |n| {
        n >= evaluated + 2.0
    })
    .await;
    let r = app.get(&path, &admin).await;
    assert_eq!(r.data()["state"]["status"], "pending", "{}", r.text);

    let r = ping(&app, &url).await;
    assert_eq!(r.code(), 0, "{}", r.text);
    assert_eq!(r.data()["kind"], "success");
    assert_eq!(app.get(&path, &admin).await.data()["state"]["status"], "up");

    // No ping within every_s + grace_s: down, with an incident.
    let down = wait_for(&app, &path, &admin, 10, "the heartbeat to be late", |d| {
        d["state"]["status"] == "down"
    })
    .await;
    assert!(
        down["state"]["message"]
            .as_str()
            .unwrap()
            .contains("expected"),
        "{down}"
    );
    let open = app
        .get(
            &format!("/api/v1/incidents?target_id={id}&status=open"),
            &admin,
        )
        .await;
    assert_eq!(open.data()["total"], 1, "{}", open.text);

    // A timed run: /start, then success.
    assert_eq!(
        ping(&app, &format!("{url}/start")).await.data()["kind"],
        "start"
    );
    tokio::time::sleep(Duration::from_millis(400)).await;
    let r = app
        .client
        .post(url.replace("http://localhost:", "http://127.0.0.1:"))
        .body("log output")
        .send()
        .await
        .unwrap();
    let body: serde_json::Value = r.json().await.unwrap();
    let run_ms = body["data"]["run_ms"].as_f64().unwrap();
    assert!((400.0..5000.0).contains(&run_ms), "{body}");
    let up = app.get(&path, &admin).await;
    assert_eq!(up.data()["state"]["status"], "up", "{}", up.text);
    // The run time is stored as the ping's response time (evaluations carry none).
    let results = app.get(&format!("{path}/results"), &admin).await;
    assert!(
        results
            .data()
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["response_ms"]
                .as_f64()
                .is_some_and(|ms| (ms - run_ms).abs() < 1.0)),
        "{}",
        results.text
    );
    let resolved = app
        .get(
            &format!("/api/v1/incidents?target_id={id}&status=resolved"),
            &admin,
        )
        .await;
    assert_eq!(resolved.data()["total"], 1);

    // Failures reported by the job.
    ping(&app, &format!("{url}/fail")).await;
    let r = app.get(&path, &admin).await;
    assert_eq!(r.data()["state"]["status"], "down");
    assert!(r.data()["state"]["message"]
        .as_str()
        .unwrap()
        .contains("failure"));
    ping(&app, &format!("{url}/0")).await;
    assert_eq!(app.get(&path, &admin).await.data()["state"]["status"], "up");
    ping(&app, &format!("{url}/3")).await;
    let r = app.get(&path, &admin).await;
    assert_eq!(r.data()["state"]["status"], "down");
    // The ping's own result says why (an evaluation may have followed it).
    let results = app.get(&format!("{path}/results"), &admin).await;
    let messages: Vec<&str> = results.data().as_array().unwrap()[..2]
        .iter()
        .filter_map(|r| r["message"].as_str())
        .collect();
    assert!(
        messages.iter().any(|m| m.contains("code 3")),
        "{messages:?}"
    );

    // HEAD works; unknown tokens and signals do not.
    let head = app
        .client
        .head(url.replace("http://localhost:", "http://127.0.0.1:"))
        .send()
        .await
        .unwrap();
    assert_eq!(head.status(), 200);
    assert_eq!(
        app.get("/api/v1/ping/not-a-token", &Auth::None)
            .await
            .code(),
        40401
    );
    assert_eq!(ping(&app, &format!("{url}/reboot")).await.code(), 40402);
    assert_eq!(ping(&app, &format!("{url}/256")).await.code(), 40402);

    // Changing the type away from heartbeat retires the ping URL.
    let r = app
        .patch(
            &path,
            &admin,
            json!({ "type": "tcp", "config": { "host": "127.0.0.1", "port": 1 } }),
        )
        .await;
    assert!(r.data()["ping_url"].is_null(), "{}", r.text);
    assert_eq!(ping(&app, &url).await.code(), 40401);
}

async fn pings_are_rate_limited_per_token(backend: Backend) {
    let app = app!(
        backend,
        Options::default().env("RATE_LIMIT_PING_PER_TOKEN", "2/1m")
    );
    let admin = app.admin().await;
    let config = json!({ "schedule": { "cron": "0 3 * * *", "timezone": "Europe/Berlin" } });
    let a = create_service(
        &app,
        &admin,
        json!({ "name": "a", "type": "heartbeat", "config": config }),
    )
    .await;
    let b = create_service(
        &app,
        &admin,
        json!({ "name": "b", "type": "heartbeat", "config": config }),
    )
    .await;
    let (a, b) = (
        a["ping_url"].as_str().unwrap(),
        b["ping_url"].as_str().unwrap(),
    );
    assert_eq!(ping(&app, a).await.code(), 0);
    assert_eq!(ping(&app, a).await.code(), 0);
    let limited = ping(&app, a).await;
    assert_eq!(limited.code(), 42901, "{}", limited.text);
    assert!(limited.headers.get("retry-after").is_some());
    assert_eq!(
        ping(&app, b).await.code(),
        0,
        "another token has its own budget"
    );
}

on_both_databases!(
    a_heartbeat_follows_its_pings,
    pings_are_rate_limited_per_token
);
