//! Remote actions: power is refused unless the host allows it; restart re-executes.

use std::time::Duration;

use reqwest::Method;

use crate::helpers::{agent, eventually, Mode, PASSWORD, USERNAME};

#[tokio::test]
async fn power_actions_are_refused_by_default() {
    let marker = tempfile::tempdir().unwrap();
    let file = marker.path().join("powered");
    let mut agent = agent(Mode::ApiKey)
        .env(
            "MONITRON_AGENT_REBOOT_COMMAND",
            format!("touch {}", file.display()),
        )
        .env(
            "MONITRON_AGENT_SHUTDOWN_COMMAND",
            format!("touch {}", file.display()),
        )
        .spawn()
        .await;
    for path in ["/v1/host/reboot", "/v1/host/shutdown"] {
        let answer = agent.call(Method::POST, path, None).await;
        answer.expect(40301);
        assert!(answer.body.error.as_ref().unwrap()["_"].contains("MONITRON_AGENT_ALLOW_POWER"));
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!file.exists());
}

#[tokio::test]
async fn power_actions_run_their_command_when_allowed() {
    let marker = tempfile::tempdir().unwrap();
    let reboot = marker.path().join("rebooted");
    let shutdown = marker.path().join("shut-down");
    let mut agent = agent(Mode::Jwt)
        .env("MONITRON_AGENT_ALLOW_POWER", "1")
        .env(
            "MONITRON_AGENT_REBOOT_COMMAND",
            format!("touch {}", reboot.display()),
        )
        .env(
            "MONITRON_AGENT_SHUTDOWN_COMMAND",
            format!("touch {}", shutdown.display()),
        )
        .spawn()
        .await;
    for (path, file) in [
        ("/v1/host/reboot", &reboot),
        ("/v1/host/shutdown", &shutdown),
    ] {
        let answer = agent.call(Method::POST, path, None).await;
        answer.expect(0);
        assert_eq!(answer.status, 202);
        let appeared = eventually(Duration::from_secs(5), || async {
            file.exists().then_some(())
        })
        .await;
        assert!(appeared.is_some(), "{path} did not run its command");
    }
}

#[tokio::test]
async fn a_missing_power_command_is_an_internal_error_not_a_crash() {
    let mut agent = agent(Mode::ApiKey)
        .env("MONITRON_AGENT_ALLOW_POWER", "1")
        .env("MONITRON_AGENT_REBOOT_COMMAND", "/nonexistent/reboot-now")
        .spawn()
        .await;
    let answer = agent.call(Method::POST, "/v1/host/reboot", None).await;
    answer.expect(50001);
    agent.get("/v1/health").await.expect(0);
}

#[tokio::test]
async fn restart_re_executes_the_same_process() {
    // A fixed port, so the restarted image listens where the old one did.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut agent = agent(Mode::Jwt)
        .env("MONITRON_AGENT_LISTEN", format!("127.0.0.1:{port}"))
        .spawn()
        .await;
    let pid = agent.pid();
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let before = agent.get("/v1/health").await;
    assert!(before.data()["uptime_s"].as_u64().unwrap() >= 2);

    let answer = agent.call(Method::POST, "/v1/agent/restart", None).await;
    answer.expect(0);
    assert_eq!(answer.status, 202);

    // The old image's tokens die with its secret; log in again once the new one is up.
    agent.forget_token();
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    let mut uptime = None;
    while uptime.is_none() && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let login = agent
            .client
            .post(agent.url("/v1/auth/login"))
            .json(&serde_json::json!({"username": USERNAME, "password": PASSWORD}))
            .send()
            .await;
        if !login.is_ok_and(|l| l.status().is_success()) {
            continue;
        }
        let health = agent.get("/v1/health").await;
        uptime = health.data()["uptime_s"].as_u64().filter(|&u| u < 2);
    }
    assert!(
        uptime.is_some(),
        "the agent did not come back:\n{}",
        agent.log()
    );
    assert_eq!(agent.pid(), pid);
    assert!(
        agent.child.try_wait().unwrap().is_none(),
        "the process kept running"
    );
    assert!(agent.log().contains("Restarting."), "{}", agent.log());
}
