//! Instances with real agents: pull mode in every auth mode (right and wrong
//! credentials), the values checked against /proc, metrics tiers, device information,
//! gauges, agent configuration delivery, and validation.

use std::time::Duration;

use sea_orm::ConnectionTrait;
use serde_json::{json, Value};

use crate::agent_process::AgentProcess;
use crate::helpers::{Auth, Backend, TestApp};
use crate::targets::wait_for;
use crate::{app, on_both_databases};

fn meminfo_total_bytes() -> u64 {
    let text = std::fs::read_to_string("/proc/meminfo").unwrap();
    let kib: u64 = text
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap();
    kib * 1024
}

async fn create_instance(app: &TestApp, auth: &Auth, body: Value) -> Value {
    let r = app.post("/api/v1/instances", auth, body).await;
    assert_eq!(r.status, 201, "{}", r.text);
    r.data().clone()
}

/// Creates a pull instance for `agent` and waits for its state to settle.
async fn pull_instance(app: &TestApp, admin: &Auth, agent: &AgentProcess, auth: Value) -> String {
    let created = create_instance(
        app,
        admin,
        json!({ "name": format!("host-{}", agent.port), "host": "127.0.0.1",
                "agent_port": agent.port, "interval_s": 1, "timeout_s": 5, "agent_auth": auth }),
    )
    .await;
    created["id"].as_str().unwrap().to_owned()
}

/// Waits for the device information of the instance at `path` and checks that it
/// describes this machine.
pub async fn device_of_this_host(app: &TestApp, admin: &Auth, path: &str) -> Value {
    let device = wait_for(
        app,
        &format!("{path}/device"),
        admin,
        10,
        "device information",
        |d| d["device"]["hostname"].is_string(),
    )
    .await;
    let hostname = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap();
    assert_eq!(device["device"]["hostname"], hostname.trim(), "{device}");
    device
}

/// The agent's environment, right credentials, wrong credentials.
type AuthCase = (Vec<(&'static str, &'static str)>, Value, Value);

async fn pull_mode_in_every_auth_mode(backend: Backend) {
    let app = app!(backend);
    let admin = app.admin().await;
    let cases: Vec<AuthCase> = vec![
        (
            vec![
                ("MONITRON_AGENT_AUTH", "jwt"),
                ("MONITRON_AGENT_USERNAME", "monitron"),
                ("MONITRON_AGENT_PASSWORD", "agent-password-1-long"),
            ],
            json!({ "type": "jwt", "username": "monitron", "password": "agent-password-1-long" }),
            json!({ "type": "jwt", "username": "monitron", "password": "wrong" }),
        ),
        (
            vec![
                ("MONITRON_AGENT_AUTH", "basic"),
                ("MONITRON_AGENT_USERNAME", "monitron"),
                ("MONITRON_AGENT_PASSWORD", "agent-password-2-long"),
            ],
            json!({ "type": "basic", "username": "monitron", "password": "agent-password-2-long" }),
            json!({ "type": "basic", "username": "monitron", "password": "wrong" }),
        ),
        (
            vec![
                ("MONITRON_AGENT_AUTH", "api_key"),
                ("MONITRON_AGENT_API_KEY", "agent-key-3-long-enough"),
            ],
            json!({ "type": "api_key", "api_key": "agent-key-3-long-enough" }),
            json!({ "type": "api_key", "api_key": "wrong" }),
        ),
        (
            vec![
                ("MONITRON_AGENT_AUTH", "hmac"),
                ("MONITRON_AGENT_HMAC_SECRET", "agent-secret-4-long-enough"),
            ],
            json!({ "type": "hmac", "secret": "agent-secret-4-long-enough" }),
            json!({ "type": "hmac", "secret": "wrong" }),
        ),
    ];
    let mut agents = Vec::new();
    let mut ids = Vec::new();
    for (env, right, wrong) in cases {
        let agent = AgentProcess::start(&env).await;
        let good = pull_instance(&app, &admin, &agent, right).await;
        let bad = pull_instance(&app, &admin, &agent, wrong).await;
        ids.push((env[0].1, good, bad));
        agents.push(agent);
    }
    for (mode, good, bad) in &ids {
        let up = wait_for(
            &app,
            &format!("/api/v1/instances/{good}"),
            &admin,
            15,
            &format!("the {mode} instance to be up"),
            |d| d["state"]["status"] == "up",
        )
        .await;
        assert!(
            up["state"]["last_response_ms"].as_f64().unwrap() >= 0.0,
            "{up}"
        );
        let down = wait_for(
            &app,
            &format!("/api/v1/instances/{bad}"),
            &admin,
            15,
            &format!("the {mode} instance with wrong credentials to be down"),
            |d| d["state"]["status"] == "down",
        )
        .await;
        let message = down["state"]["message"].as_str().unwrap_or_default();
        assert!(
            message.contains("401")
                || message.contains("refused the credentials")
                || message.contains("4010"),
            "{mode}: {message}"
        );
    }

    // The snapshot is this machine's.
    let (_, good, _) = &ids[0];
    let latest = wait_for(
        &app,
        &format!("/api/v1/instances/{good}/metrics/latest"),
        &admin,
        10,
        "a stored snapshot",
        |d| d["memory"]["total_bytes"].is_u64(),
    )
    .await;
    assert_eq!(
        latest["memory"]["total_bytes"].as_u64().unwrap(),
        meminfo_total_bytes()
    );
    let cores = latest["cpu"]["per_core_pct"].as_array().unwrap();
    assert_eq!(
        cores.len(),
        std::thread::available_parallelism().unwrap().get()
    );
    for pct in cores.iter().chain([&latest["cpu"]["usage_pct"]]) {
        let pct = pct.as_f64().unwrap();
        assert!((0.0..=100.0).contains(&pct), "{pct}");
    }
    assert!(
        latest["disks"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["mount"] == "/"),
        "{latest}"
    );

    // Device information on first contact.
    let device = device_of_this_host(&app, &admin, &format!("/api/v1/instances/{good}")).await;
    assert_eq!(
        device["device"]["memory_total_bytes"].as_u64().unwrap(),
        meminfo_total_bytes()
    );

    // History: raw points with the headline metrics, and the 1-minute tier over a day.
    let chart = wait_for(
        &app,
        &format!("/api/v1/instances/{good}/metrics?metrics=cpu_pct,mem_pct&step=1"),
        &admin,
        10,
        "two raw points",
        |d| d["points"].as_array().is_some_and(|p| p.len() >= 2),
    )
    .await;
    assert_eq!(chart["tier"], "raw");
    let point = &chart["points"][0];
    let mem = point["values"]["mem_pct"]["avg"].as_f64().unwrap();
    assert!(mem > 0.0 && mem < 100.0, "{point}");
    assert!(
        point["values"].get("gpu_pct").is_none(),
        "only the metrics asked for"
    );
    let day = app
        .get(
            &format!(
                "/api/v1/instances/{good}/metrics?from={}&step=60",
                (chrono::Utc::now() - chrono::Duration::hours(24))
                    .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            ),
            &admin,
        )
        .await;
    assert_eq!(day.data()["tier"], "1m", "{}", day.text);
    let minute = &day.data()["points"].as_array().unwrap().last().unwrap()["values"];
    let cpu = &minute["cpu_pct"];
    assert!(cpu["min"].as_f64().unwrap() <= cpu["avg"].as_f64().unwrap());
    assert!(cpu["avg"].as_f64().unwrap() <= cpu["max"].as_f64().unwrap());
    let bad = app
        .get(
            &format!("/api/v1/instances/{good}/metrics?metrics=cpu,nope"),
            &admin,
        )
        .await;
    assert_eq!(bad.code(), 40001, "{}", bad.text);
    assert!(bad.error()["metrics"].as_str().unwrap().contains("cpu_pct"));

    // Reachability statistics as for services.
    let stats = wait_for(
        &app,
        &format!("/api/v1/instances/{good}/stats"),
        &admin,
        10,
        "two reachability results",
        |d| d["checks"].as_i64().is_some_and(|n| n >= 2),
    )
    .await;
    assert_eq!(stats["uptime_pct"], 100.0, "{stats}");

    // Per-instance gauges on /metrics.
    let text = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        text.lines()
            .any(|l| l.starts_with("monitron_instance_memory_used_pct{")
                && l.contains(good.as_str())),
        "no memory gauge for {good}"
    );
    assert!(text.contains("monitron_instance_cpu_usage_pct{"));

    // Secrets are masked and kept on a round trip.
    let shown = app.get(&format!("/api/v1/instances/{good}"), &admin).await;
    assert_eq!(
        shown.data()["agent_auth"]["password"],
        "********",
        "{}",
        shown.text
    );
    let resent = app
        .patch(
            &format!("/api/v1/instances/{good}"),
            &admin,
            json!({ "agent_auth": shown.data()["agent_auth"], "name": "renamed" }),
        )
        .await;
    assert_eq!(resent.code(), 0, "{}", resent.text);
    tokio::time::sleep(Duration::from_secs(2)).await;
    let still = app.get(&format!("/api/v1/instances/{good}"), &admin).await;
    assert_eq!(still.data()["state"]["status"], "up", "{}", still.text);
    drop(agents);
}

async fn agent_config_is_delivered_on_the_next_poll(backend: Backend) {
    let app = app!(backend);
    let admin = app.admin().await;
    let agent = AgentProcess::start(&[
        ("MONITRON_AGENT_AUTH", "api_key"),
        ("MONITRON_AGENT_API_KEY", "key-config-long-enough"),
    ])
    .await;
    let id = pull_instance(
        &app,
        &admin,
        &agent,
        json!({ "type": "api_key", "api_key": "key-config-long-enough" }),
    )
    .await;
    let bad = app
        .call(
            reqwest::Method::PUT,
            &format!("/api/v1/instances/{id}/agent-config"),
            &admin,
            Some(json!({ "probes": [ { "name": "gw", "type": "tcp", "config": { "host": "127.0.0.1", "port": 0 } } ] })),
        )
        .await;
    assert_eq!(bad.code(), 40001, "{}", bad.text);
    assert!(
        bad.error().get("probes[0].config.port").is_some(),
        "{}",
        bad.text
    );
    let misspelt = app
        .call(
            reqwest::Method::PUT,
            &format!("/api/v1/instances/{id}/agent-config"),
            &admin,
            Some(json!({ "probes": [], "plugin": { "interval_s": 5 } })),
        )
        .await;
    assert_eq!(misspelt.code(), 40001, "{}", misspelt.text);
    assert!(
        misspelt.error().get("plugin").is_some(),
        "{}",
        misspelt.text
    );
    let put = app
        .call(
            reqwest::Method::PUT,
            &format!("/api/v1/instances/{id}/agent-config"),
            &admin,
            Some(json!({ "probes": [
                { "name": "gw", "type": "tcp", "interval_s": 5,
                  "config": { "host": "127.0.0.1", "port": agent.port } },
                { "name": "intranet", "type": "http", "interval_s": 60,
                  "config": { "url": format!("http://127.0.0.1:{}/v1/health", agent.port),
                              "auth": { "type": "basic", "username": "probe", "password": "probe-secret-1" } } } ] })),
        )
        .await;
    assert_eq!(put.code(), 0, "{}", put.text);
    let revision = put.data()["revision"].as_i64().unwrap();
    // Probe secrets are sealed at rest and masked when shown.
    assert_eq!(
        put.data()["config"]["probes"][1]["config"]["auth"]["password"],
        "********",
        "{}",
        put.text
    );
    let raw = app
        .db
        .query_one(sea_orm::Statement::from_string(
            app.db.get_database_backend(),
            "SELECT config FROM instance_agents",
        ))
        .await
        .unwrap()
        .unwrap();
    let raw: serde_json::Value = raw.try_get("", "config").unwrap();
    assert!(!raw.to_string().contains("probe-secret-1"), "{raw}");
    wait_for(
        &app,
        &format!("/api/v1/instances/{id}/agent-config"),
        &admin,
        15,
        "the agent to take the configuration",
        |d| d["delivered_revision"].as_i64() == Some(revision),
    )
    .await;
    // Actions are forwarded: the agent refuses power actions unless it allows them.
    let reboot = app
        .post(
            &format!("/api/v1/instances/{id}/actions"),
            &admin,
            json!({ "action": "reboot" }),
        )
        .await;
    assert_eq!(reboot.data()["status"], "refused", "{}", reboot.text);
    assert!(
        reboot.data()["message"].as_str().unwrap().contains("403"),
        "{}",
        reboot.text
    );
    let bad = app
        .post(
            &format!("/api/v1/instances/{id}/actions"),
            &admin,
            json!({ "action": "format_disk" }),
        )
        .await;
    assert_eq!(bad.code() / 100, 400, "{}", bad.text);

    // Its probe runs on the agent; the next polls bring its results.
    let probes = wait_for(
        &app,
        &format!("/api/v1/instances/{id}/probes"),
        &admin,
        20,
        "the pulled probe result",
        |d| d[0]["name"] == "gw",
    )
    .await;
    assert_eq!(probes[0]["status"], "up", "{probes}");
    assert_eq!(probes[0]["type"], "tcp", "{probes}");

    // The agent keeps it in its local file.
    let client = reqwest::Client::new();
    let local: Value = client
        .get(format!("http://127.0.0.1:{}/v1/config", agent.port))
        .header("X-API-Key", "key-config-long-enough")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(local["data"]["probes"][0]["name"], "gw", "{local}");
    // The agent got the secret itself.
    assert_eq!(
        local["data"]["probes"][1]["config"]["auth"]["password"], "probe-secret-1",
        "{local}"
    );
}

async fn short_lived_agent_tokens_are_renewed(backend: Backend) {
    let app = app!(backend);
    let admin = app.admin().await;
    let agent = AgentProcess::start(&[
        ("MONITRON_AGENT_AUTH", "jwt"),
        ("MONITRON_AGENT_USERNAME", "monitron"),
        ("MONITRON_AGENT_PASSWORD", "agent-password-refresh"),
        ("MONITRON_AGENT_ACCESS_TTL", "2s"),
    ])
    .await;
    let id = pull_instance(
        &app,
        &admin,
        &agent,
        json!({ "type": "jwt", "username": "monitron", "password": "agent-password-refresh" }),
    )
    .await;
    // Access tokens expire every 2 s; polls every second keep working for 8 s, so the
    // server refreshed (or logged in again) several times without a failed poll.
    wait_for(
        &app,
        &format!("/api/v1/instances/{id}"),
        &admin,
        15,
        "the instance to be up",
        |d| d["state"]["status"] == "up",
    )
    .await;
    tokio::time::sleep(Duration::from_secs(8)).await;
    let stats = app
        .get(&format!("/api/v1/instances/{id}/stats"), &admin)
        .await;
    assert_eq!(stats.data()["failures"], 0, "{}", stats.text);
    assert!(
        stats.data()["checks"].as_i64().unwrap() >= 5,
        "{}",
        stats.text
    );
}

async fn instances_are_validated(backend: Backend) {
    let app = app!(backend);
    let admin = app.admin().await;
    let r = app
        .post(
            "/api/v1/instances",
            &admin,
            json!({ "name": "", "host": "http://x/", "agent_port": 0, "interval_s": 0,
                    "agent_auth": { "type": "basic" } }),
        )
        .await;
    assert_eq!(r.code(), 40001, "{}", r.text);
    for field in [
        "name",
        "host",
        "agent_port",
        "interval_s",
        "agent_auth.username",
        "agent_auth.password",
    ] {
        assert!(r.error().get(field).is_some(), "{field}: {}", r.text);
    }
    let r = app
        .post(
            "/api/v1/instances",
            &admin,
            json!({ "name": "x", "host": "h", "agent_auth": { "type": "telnet" } }),
        )
        .await;
    assert_eq!(r.code() / 100, 400, "{}", r.text);
    // A push instance needs no agent credentials and answers its enrollment token once.
    let push = create_instance(
        &app,
        &admin,
        json!({ "name": "edge", "host": "10.1.2.3", "connection": "push" }),
    )
    .await;
    assert!(push["enrollment_token"]
        .as_str()
        .unwrap()
        .starts_with("mtr_enroll_"));
    let shown = app
        .get(
            &format!("/api/v1/instances/{}", push["id"].as_str().unwrap()),
            &admin,
        )
        .await;
    assert!(
        shown.data().get("enrollment_token").is_none(),
        "{}",
        shown.text
    );
    // Pull instances have no enrollment token.
    let pull = create_instance(
        &app,
        &admin,
        json!({ "name": "db", "host": "10.1.2.4", "agent_auth": { "type": "api_key", "api_key": "k" } }),
    )
    .await;
    assert!(pull["enrollment_token"].is_null());
    let r = app
        .post(
            &format!(
                "/api/v1/instances/{}/enrollment-token",
                pull["id"].as_str().unwrap()
            ),
            &admin,
            json!({}),
        )
        .await;
    assert_eq!(r.code(), 40901, "{}", r.text);
}

on_both_databases!(
    pull_mode_in_every_auth_mode,
    agent_config_is_delivered_on_the_next_poll,
    short_lived_agent_tokens_are_renewed,
    instances_are_validated,
);
