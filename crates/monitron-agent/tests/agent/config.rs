//! `GET/PUT /v1/config`: validated, persisted atomically, and loaded again at start-up.

use reqwest::Method;
use serde_json::json;

use crate::helpers::{agent, Mode};

fn sample() -> serde_json::Value {
    json!({
        "revision": 0,
        "report_interval_s": 15,
        "probes": [
            { "name": "gateway", "type": "tcp", "config": { "host": "127.0.0.1", "port": 22 },
              "interval_s": 30, "timeout_s": 5 }
        ],
        "plugins": { "interval_s": 120, "timeout_s": 20 },
        "buffer": { "max_bytes": 2097152, "max_age_s": 3600 }
    })
}

#[tokio::test]
async fn a_stored_configuration_survives_a_restart() {
    let mut first = agent(Mode::ApiKey).spawn().await;
    let defaults = first.get("/v1/config").await;
    defaults.expect(0);
    assert_eq!(defaults.data()["report_interval_s"], 10);
    assert_eq!(defaults.data()["buffer"]["max_bytes"], 64 * 1024 * 1024);

    let put = first.call(Method::PUT, "/v1/config", Some(&sample())).await;
    put.expect(0);
    assert_eq!(put.data(), &sample());
    first.get("/v1/config").await.expect(0);
    assert_eq!(first.get("/v1/config").await.data(), &sample());

    let file = first.dir.path().join("agent-config.json");
    let on_disk: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(on_disk, sample());

    // Same data directory, new process.
    let TestAgentParts { dir } = stop(first);
    let mut second = agent(Mode::ApiKey).data_dir(dir).spawn().await;
    assert_eq!(second.get("/v1/config").await.data(), &sample());
}

struct TestAgentParts {
    dir: tempfile::TempDir,
}

fn stop(mut agent: crate::helpers::TestAgent) -> TestAgentParts {
    let _ = agent.child.kill();
    let _ = agent.child.wait();
    let dir = std::mem::replace(&mut agent.dir, tempfile::tempdir().unwrap());
    TestAgentParts { dir }
}

#[tokio::test]
async fn an_invalid_configuration_is_refused_and_nothing_is_written() {
    let mut agent = agent(Mode::Basic).spawn().await;
    let mut bad = sample();
    bad["probes"][0]["config"]["host"] = json!("");
    bad["plugins"]["timeout_s"] = json!(0);
    let answer = agent.call(Method::PUT, "/v1/config", Some(&bad)).await;
    answer.expect(40001);
    assert_eq!(
        answer.error_keys(),
        ["plugins.timeout_s", "probes[0].config.host"]
    );
    assert!(!agent.dir.path().join("agent-config.json").exists());
    assert_eq!(
        agent.get("/v1/config").await.data()["report_interval_s"],
        10
    );
}

#[tokio::test]
async fn a_corrupt_config_file_means_defaults_not_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("agent-config.json"),
        b"{\"report_interval_s\": 5,",
    )
    .unwrap();
    let mut agent = agent(Mode::ApiKey).data_dir(dir).spawn().await;
    let answer = agent.get("/v1/config").await;
    answer.expect(0);
    assert_eq!(answer.data()["report_interval_s"], 10);
    assert!(agent.log().contains("using defaults"), "{}", agent.log());
}

#[tokio::test]
async fn the_config_file_can_live_elsewhere() {
    let elsewhere = tempfile::tempdir().unwrap();
    let path = elsewhere.path().join("custom.json");
    let mut agent = agent(Mode::ApiKey)
        .env("MONITRON_AGENT_CONFIG", path.to_str().unwrap())
        .spawn()
        .await;
    agent
        .call(Method::PUT, "/v1/config", Some(&sample()))
        .await
        .expect(0);
    assert!(path.exists());
    assert!(!agent.dir.path().join("agent-config.json").exists());
}
