//! Push agents against the real server: enrollment (the token stops working once the
//! agent holds its credential), streaming, configuration and actions over the
//! WebSocket, a kill -9 of the agent, and no gap after the server was away.

use std::time::Duration;

use sea_orm::{ConnectionTrait, Database, DatabaseConnection, Statement};
use serde_json::{json, Value};

use crate::agent_process::AgentProcess;
use crate::helpers::{Auth, Backend, TestApp};
use crate::processes::{admin_token, cluster, database, free_port, start_on, wait_ready};
use crate::targets::wait_for;
use crate::{app, on_both_databases};

const AGENT_KEY: &str = "push-agent-api-key-0001";

fn agent_env<'a>(server: &'a str, token: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("MONITRON_SERVER_URL", server),
        ("MONITRON_AGENT_TOKEN", token),
        ("MONITRON_AGENT_AUTH", "api_key"),
        ("MONITRON_AGENT_API_KEY", AGENT_KEY),
        ("MONITRON_AGENT_RECONNECT_MAX", "1s"),
    ]
}

async fn push_instance(app: &TestApp, admin: &Auth, name: &str) -> (String, String) {
    let r = app
        .post(
            "/api/v1/instances",
            admin,
            json!({ "name": name, "host": "127.0.0.1", "connection": "push", "interval_s": 1 }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    (
        r.data()["id"].as_str().unwrap().to_owned(),
        r.data()["enrollment_token"].as_str().unwrap().to_owned(),
    )
}

async fn a_push_agent_enrolls_streams_and_obeys(backend: Backend) {
    let app = app!(backend);
    let admin = app.admin().await;
    let (id, token) = push_instance(&app, &admin, "edge-1").await;
    let path = format!("/api/v1/instances/{id}");

    // Before the agent: no contact, nothing to evaluate.
    let r = app.get(&path, &admin).await;
    assert_eq!(r.data()["state"]["status"], "pending", "{}", r.text);

    let mut live = crate::live::connect(&app, &admin).await;
    let mut agent = AgentProcess::start(&agent_env(&app.address, &token)).await;
    let up = wait_for(&app, &path, &admin, 20, "the push agent to be up", |d| {
        d["state"]["status"] == "up" && d["connected"] == true
    })
    .await;
    assert!(up["enrolled_at"].is_string(), "{up}");
    wait_for(
        &app,
        &format!("{path}/metrics/latest"),
        &admin,
        10,
        "a pushed snapshot",
        |d| d["memory"]["total_bytes"].as_u64().is_some_and(|t| t > 0),
    )
    .await;

    // Device information arrives right after enrollment.
    crate::instances::device_of_this_host(&app, &admin, &path).await;

    // Live metrics events.
    let mut seen = None;
    while let Some(event) = crate::live::next_event(&mut live, 20).await {
        if event["event"] == "metrics" && event["monitor_id"] == id.as_str() {
            seen = Some(event);
            break;
        }
    }
    let event = seen.expect("a live metrics event");
    assert!(event["snapshot"]["cpu"]["usage_pct"].is_number(), "{event}");

    // The token is spent.
    let again = app
        .call(
            reqwest::Method::POST,
            "/api/v1/agents/enroll",
            &Auth::Bearer(token.clone()),
            None,
        )
        .await;
    assert_eq!(again.code(), 40102, "{}", again.text);

    // Configuration reaches the connected agent at once.
    let put = app
        .call(
            reqwest::Method::PUT,
            &format!("{path}/agent-config"),
            &admin,
            Some(json!({ "report_interval_s": 1, "probes": [
                { "name": "agent-api", "type": "tcp", "interval_s": 1,
                  "config": { "host": "127.0.0.1", "port": agent.port } } ] })),
        )
        .await;
    assert_eq!(put.code(), 0, "{}", put.text);
    let revision = put.data()["revision"].as_i64().unwrap();
    wait_for(
        &app,
        &format!("{path}/agent-config"),
        &admin,
        10,
        "the config to be applied",
        |d| d["delivered_revision"].as_i64() == Some(revision),
    )
    .await;
    // Its probe reports results of the instance.
    let probes = wait_for(
        &app,
        &format!("{path}/probes"),
        &admin,
        15,
        "a probe result",
        |d| d[0]["name"] == "agent-api",
    )
    .await;
    assert_eq!(probes[0]["status"], "up", "{probes}");

    // Power actions are refused by the agent; a restart is done.
    let reboot = app
        .post(
            &format!("{path}/actions"),
            &admin,
            json!({ "action": "reboot" }),
        )
        .await;
    assert_eq!(reboot.data()["status"], "refused", "{}", reboot.text);
    let restart = app
        .post(
            &format!("{path}/actions"),
            &admin,
            json!({ "action": "restart_agent" }),
        )
        .await;
    assert_eq!(restart.data()["status"], "done", "{}", restart.text);
    assert_eq!(app.audit("instance.action").await.len(), 2);

    // kill -9 and start again: the stored credential still works, the token is not needed.
    agent.kill();
    let before = app
        .get(&format!("{path}/metrics/latest"), &admin)
        .await
        .data()["timestamp"]
        .clone();
    agent.restart().await;
    wait_for(
        &app,
        &format!("{path}/metrics/latest"),
        &admin,
        20,
        "snapshots after the restart",
        |d| d["timestamp"] != before,
    )
    .await;

    // A silent agent is down after interval + timeout, with an incident; back, it resolves.
    let r = app.patch(&path, &admin, json!({ "timeout_s": 2 })).await;
    assert_eq!(r.code(), 0, "{}", r.text);
    agent.kill();
    let down = wait_for(
        &app,
        &path,
        &admin,
        15,
        "the silent agent to be down",
        |d| d["state"]["status"] == "down",
    )
    .await;
    assert!(
        down["state"]["message"]
            .as_str()
            .unwrap()
            .contains("No report"),
        "{down}"
    );
    let open = app
        .get(
            &format!("/api/v1/incidents?target_id={id}&status=open"),
            &admin,
        )
        .await;
    assert_eq!(open.data()["total"], 1, "{}", open.text);
    agent.restart().await;
    wait_for(&app, &path, &admin, 20, "the agent to be back up", |d| {
        d["state"]["status"] == "up"
    })
    .await;
    let open = app
        .get(
            &format!("/api/v1/incidents?target_id={id}&status=open"),
            &admin,
        )
        .await;
    assert_eq!(open.data()["total"], 0, "{}", open.text);
}

async fn a_push_agent_over_plain_http(backend: Backend) {
    let app = app!(backend);
    let admin = app.admin().await;
    let (id, token) = push_instance(&app, &admin, "behind-a-proxy").await;
    let path = format!("/api/v1/instances/{id}");
    // Queued before the agent exists: delivered with its first push reply.
    let queued = app
        .post(
            &format!("{path}/actions"),
            &admin,
            json!({ "action": "shutdown" }),
        )
        .await;
    assert_eq!(queued.data()["status"], "queued", "{}", queued.text);
    let mut env = agent_env(&app.address, &token);
    env.push(("MONITRON_AGENT_PUSH", "http"));
    let _agent = AgentProcess::start(&env).await;
    wait_for(
        &app,
        &path,
        &admin,
        20,
        "the HTTP push agent to be up",
        |d| d["state"]["status"] == "up",
    )
    .await;
    wait_for(
        &app,
        &format!("{path}/device"),
        &admin,
        10,
        "device information",
        |d| d["device"]["kernel"].is_string(),
    )
    .await;
    wait_for(
        &app,
        &format!("{path}/metrics/latest"),
        &admin,
        10,
        "a pushed snapshot",
        |d| d["memory"]["total_bytes"].as_u64().is_some_and(|t| t > 0),
    )
    .await;
    // The agent refused the shutdown (power actions are off) and said so on its next push.
    let mut answered = None;
    for _ in 0..100 {
        let rows = app
            .db
            .query_all(Statement::from_string(
                app.db.get_database_backend(),
                "SELECT message FROM instance_actions WHERE ok IS NOT NULL",
            ))
            .await
            .unwrap();
        if let Some(row) = rows.first() {
            answered = row.try_get::<Option<String>>("", "message").unwrap();
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let answered = answered.expect("the agent's answer to the queued action");
    assert!(
        answered.contains("MONITRON_AGENT_ALLOW_POWER"),
        "{answered}"
    );
    // The token cannot be used to push, and is spent.
    let r = app
        .call(
            reqwest::Method::POST,
            "/api/v1/agents/push",
            &Auth::Bearer(token),
            Some(json!({ "records": [] })),
        )
        .await;
    assert_eq!(r.code(), 40102, "{}", r.text);
}

/// Snapshot times (ms) stored for an instance's series.
async fn stored_times(db: &DatabaseConnection, series_id: i64) -> Vec<i64> {
    let backend = db.get_database_backend();
    let rows = db
        .query_all(Statement::from_string(
            backend,
            format!("SELECT ts FROM instance_metrics WHERE series_id = {series_id} ORDER BY ts"),
        ))
        .await
        .unwrap();
    rows.iter()
        .map(|r| r.try_get::<i64>("", "ts").unwrap())
        .collect()
}

/// Longest step between consecutive stored snapshots.
fn widest_gap_ms(times: &[i64]) -> i64 {
    times.windows(2).map(|w| w[1] - w[0]).max().unwrap_or(0)
}

async fn no_gap_after_the_server_was_away(backend: Backend) {
    let (dir, mut env) = cluster("agent-offline");
    let Some((database_url, pg_name)) = database(backend, &dir).await else {
        return;
    };
    env.push(("DATABASE_URL".into(), database_url.clone()));
    let client = reqwest::Client::new();
    let port = free_port();
    let server = start_on(&env, &dir, &[], port);
    wait_ready(&client, port).await;
    let token = admin_token(&client, port).await;
    let created: Value = client
        .post(format!("http://127.0.0.1:{port}/api/v1/instances"))
        .bearer_auth(&token)
        .json(&json!({ "name": "offline", "host": "127.0.0.1", "connection": "push", "interval_s": 1 }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = created["data"]["id"].as_str().unwrap().to_owned();
    let enrollment = created["data"]["enrollment_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let url = format!("http://127.0.0.1:{port}");
    let mut agent = AgentProcess::start(&agent_env(&url, &enrollment)).await;
    let db = Database::connect(&database_url).await.unwrap();
    let series_id = {
        use sea_orm::EntityTrait;
        monitron_server::db::entities::monitor::Entity::find_by_id(
            id.parse::<uuid::Uuid>().unwrap(),
        )
        .one(&db)
        .await
        .unwrap()
        .expect("the instance row")
        .series_id
    };
    for _ in 0..250 {
        if stored_times(&db, series_id).await.len() >= 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        stored_times(&db, series_id).await.len() >= 3,
        "the agent never reported"
    );

    // The server goes away for a while; the agent buffers.
    server.kill();
    let away_from = chrono::Utc::now().timestamp_millis();
    tokio::time::sleep(Duration::from_secs(8)).await;
    let server = start_on(&env, &dir, &[], port);
    wait_ready(&client, port).await;
    // Replay under way: kill -9 the agent in the middle and start it again.
    tokio::time::sleep(Duration::from_millis(300)).await;
    agent.kill();
    agent.restart().await;
    let back_at = chrono::Utc::now().timestamp_millis();
    let mut times = Vec::new();
    for _ in 0..200 {
        times = stored_times(&db, series_id).await;
        if times.last().is_some_and(|t| *t > back_at + 2000) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let during: Vec<i64> = times
        .iter()
        .copied()
        .filter(|t| *t >= away_from && *t <= back_at)
        .collect();
    assert!(during.len() >= 7, "snapshots of the outage: {during:?}");
    // Exactly once is the key (series, ts); every snapshot taken while the server was
    // away is there: no step wider than two report intervals (the agent's kill -9 loses
    // at most the one in hand).
    let outage: Vec<i64> = times
        .iter()
        .copied()
        .filter(|t| *t >= away_from - 2000)
        .collect();
    assert!(widest_gap_ms(&outage) <= 2500, "a gap in {outage:?}");
    // Stop the agent so nothing lands between the two counts below.
    drop(agent);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    // The rollups counted each snapshot once.
    let samples: i64 = db
        .query_one(Statement::from_string(
            db.get_database_backend(),
            format!("SELECT CAST(SUM(samples) AS BIGINT) AS n FROM instance_metrics_1m WHERE series_id = {series_id}"),
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get("", "n")
        .unwrap();
    let raw = stored_times(&db, series_id).await.len() as i64;
    assert_eq!(
        samples, raw,
        "the 1-minute rollups count each stored snapshot once"
    );
    server.stop();
    db.close().await.ok();
    crate::processes::drop_database(pg_name).await;
}

on_both_databases!(
    a_push_agent_enrolls_streams_and_obeys,
    a_push_agent_over_plain_http,
    no_gap_after_the_server_was_away,
);
