//! Push mode against a stand-in server: enrollment, delivery, offline buffering and replay
//! (also across kill -9), configuration and actions from the server, and the HTTP fallback.

use std::os::unix::fs::PermissionsExt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use monitron_proto::agent_api::Action;
use monitron_proto::push::{PendingAction, RecordBody, ServerMessage};
use monitron_proto::AgentConfig;
use reqwest::Method;

use crate::helpers::{agent, AgentBuilder, Mode};
use crate::push_server::{PushServer, Seen, CREDENTIAL, ENROLL_TOKEN};

fn fast_config() -> AgentConfig {
    serde_json::from_value(serde_json::json!({ "report_interval_s": 1 })).unwrap()
}

/// A data directory whose local configuration reports every second.
fn data_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("agent-config.json"),
        serde_json::to_vec(&fast_config()).unwrap(),
    )
    .unwrap();
    dir
}

fn pushing(server_url: &str, dir: tempfile::TempDir) -> AgentBuilder {
    agent(Mode::ApiKey)
        .env("MONITRON_SERVER_URL", server_url)
        .env("MONITRON_AGENT_TOKEN", ENROLL_TOKEN)
        .env("MONITRON_AGENT_RECONNECT_MAX", "300ms")
        .data_dir(dir)
}

/// A free loopback address with nothing listening.
fn free_addr() -> std::net::SocketAddr {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
}

async fn wait_until(timeout: Duration, what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn snapshots(seen: &Seen) -> usize {
    seen.records
        .iter()
        .filter(|r| matches!(r.body, RecordBody::Snapshot(_)))
        .count()
}

/// Sequence numbers are 1, 2, 3, ... and snapshot timestamps increase.
fn assert_contiguous(seen: &Seen) {
    let mut seqs: Vec<u64> = seen.records.iter().map(|r| r.seq).collect();
    seqs.dedup(); // a batch resent after a lost ack is stored once by the server
    let want: Vec<u64> = (1..=seqs.len() as u64).collect();
    assert_eq!(seqs, want, "records arrive oldest first without gaps");
    let stamps: Vec<_> = seen
        .records
        .iter()
        .filter_map(|r| match &r.body {
            RecordBody::Snapshot(s) => Some(s.timestamp),
            RecordBody::Result(_) => None,
        })
        .collect();
    assert!(stamps.windows(2).all(|w| w[0] <= w[1]), "{stamps:?}");
}

#[tokio::test]
async fn the_agent_enrolls_keeps_its_credential_and_delivers_snapshots() {
    let server = PushServer::start(
        free_addr(),
        fast_config(),
        Arc::new(Mutex::new(Seen::default())),
    )
    .await;
    let mut agent = pushing(&server.url(), tempfile::tempdir().unwrap())
        .spawn()
        .await;
    wait_until(Duration::from_secs(15), "two snapshots", || {
        snapshots(&server.seen()) >= 2
    })
    .await;
    assert_eq!(server.seen().auths[0], format!("Bearer {ENROLL_TOKEN}"));
    let credential_path = agent.dir.path().join("credential");
    assert_eq!(
        std::fs::read_to_string(&credential_path).unwrap().trim(),
        CREDENTIAL
    );
    let mode = std::fs::metadata(&credential_path)
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o600);
    assert_contiguous(&server.seen());
    {
        // The device information is the first message after the welcome.
        let seen = server.seen();
        assert_eq!(
            seen.ws_messages.first(),
            Some(&"device"),
            "{:?}",
            seen.ws_messages
        );
        assert_eq!(seen.devices.len(), 1);
        assert_eq!(seen.devices[0].os, "linux");
        assert!(!seen.devices[0].hostname.is_empty());
        assert_eq!(seen.devices[0].agent_version, env!("CARGO_PKG_VERSION"));
    }

    let health = agent.get("/v1/health").await;
    let data = health.data();
    assert_eq!(data["server"]["mode"], "push");
    assert_eq!(data["server"]["state"], "connected");
    assert!(data["server"]["last_contact_at"].is_string());
    assert!(data["buffer"]["depth"].as_u64().unwrap() <= 2, "{data}");

    // After a restart the stored credential is presented, not the used-up token.
    agent
        .call(Method::POST, "/v1/agent/restart", None)
        .await
        .expect(0);
    wait_until(Duration::from_secs(15), "a second connection", || {
        server.seen().auths.len() >= 2
    })
    .await;
    assert_eq!(server.seen().auths[1], format!("Bearer {CREDENTIAL}"));
    // Every session starts with the device information.
    wait_until(
        Duration::from_secs(15),
        "the second session's device",
        || server.seen().devices.len() >= 2,
    )
    .await;
}

#[tokio::test]
async fn records_wait_in_the_buffer_while_the_server_is_away_and_arrive_in_order() {
    let addr = free_addr();
    let mut agent = pushing(&format!("http://{addr}"), data_dir()).spawn().await;
    let mut depth = 0;
    let deadline = Instant::now() + Duration::from_secs(15);
    while depth < 3 {
        assert!(Instant::now() < deadline, "nothing was buffered");
        tokio::time::sleep(Duration::from_millis(200)).await;
        let health = agent.get("/v1/health").await;
        depth = health.data()["buffer"]["depth"].as_u64().unwrap();
        assert_eq!(health.data()["server"]["state"], "connecting");
    }

    let server =
        PushServer::start(addr, fast_config(), Arc::new(Mutex::new(Seen::default()))).await;
    wait_until(Duration::from_secs(15), "the backlog", || {
        snapshots(&server.seen()) >= 4
    })
    .await;
    assert_contiguous(&server.seen());
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let health = agent.get("/v1/health").await;
        if health.data()["buffer"]["depth"].as_u64().unwrap() <= 1 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "acknowledged records were not removed: {:?}",
            health.data()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn the_buffer_survives_kill_9_and_sequence_numbers_continue() {
    let addr = free_addr();
    let url = format!("http://{addr}");
    let mut first = pushing(&url, data_dir()).spawn().await;
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let depth = first.get("/v1/health").await.data()["buffer"]["depth"]
            .as_u64()
            .unwrap();
        if depth >= 3 {
            break;
        }
        assert!(Instant::now() < deadline, "nothing was buffered");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // SIGKILL: no chance to flush or close anything.
    first.child.kill().unwrap();
    first.child.wait().unwrap();
    let dir = std::mem::replace(&mut first.dir, tempfile::tempdir().unwrap());
    drop(first);

    let _second = pushing(&url, dir).spawn().await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let server =
        PushServer::start(addr, fast_config(), Arc::new(Mutex::new(Seen::default()))).await;
    wait_until(Duration::from_secs(15), "records from both runs", || {
        snapshots(&server.seen()) >= 5
    })
    .await;
    assert_contiguous(&server.seen());
}

#[tokio::test]
async fn configuration_and_actions_from_the_server_are_applied_and_answered() {
    let server = PushServer::start(
        free_addr(),
        fast_config(),
        Arc::new(Mutex::new(Seen::default())),
    )
    .await;
    let target = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = target.local_addr().unwrap().port();
    let mut agent = pushing(&server.url(), tempfile::tempdir().unwrap())
        .spawn()
        .await;
    wait_until(Duration::from_secs(15), "the connection", || {
        !server.seen().records.is_empty()
    })
    .await;

    let config: AgentConfig = serde_json::from_value(serde_json::json!({
        "revision": 7,
        "report_interval_s": 1,
        "probes": [{ "name": "local-tcp", "type": "tcp", "interval_s": 1,
                     "config": { "host": "127.0.0.1", "port": port } }]
    }))
    .unwrap();
    server
        .to_agent
        .send(ServerMessage::Config { config })
        .unwrap();
    wait_until(Duration::from_secs(10), "config applied", || {
        server.seen().configs_applied == [7]
    })
    .await;
    assert_eq!(agent.get("/v1/config").await.data()["revision"], 7);
    let stored: serde_json::Value =
        serde_json::from_slice(&std::fs::read(agent.dir.path().join("agent-config.json")).unwrap())
            .unwrap();
    assert_eq!(stored["revision"], 7);

    wait_until(Duration::from_secs(15), "a probe result", || {
        server.seen().records.iter().any(|r| {
            matches!(&r.body, RecordBody::Result(c) if c.name == "local-tcp" && c.source == "probe" && c.up)
        })
    })
    .await;

    server
        .to_agent
        .send(ServerMessage::Action {
            id: "a-1".into(),
            action: Action::Reboot,
        })
        .unwrap();
    wait_until(Duration::from_secs(10), "the action result", || {
        !server.seen().action_results.is_empty()
    })
    .await;
    let (id, ok, message) = server.seen().action_results[0].clone();
    assert_eq!((id.as_str(), ok), ("a-1", false));
    assert!(message.contains("not allowed"), "{message}");
}

#[tokio::test]
async fn http_push_enrolls_then_posts_batches() {
    let server = PushServer::start(
        free_addr(),
        fast_config(),
        Arc::new(Mutex::new(Seen::default())),
    )
    .await;
    let mut agent = pushing(&server.url(), data_dir())
        .env("MONITRON_AGENT_PUSH", "http")
        .spawn()
        .await;
    wait_until(Duration::from_secs(15), "two snapshots", || {
        snapshots(&server.seen()) >= 2
    })
    .await;
    {
        let seen = server.seen();
        assert!(seen.enrolled);
        assert_eq!(seen.auths, [format!("Bearer {ENROLL_TOKEN}")]);
        assert_contiguous(&seen);
        // The device information rides on the first push of the session only.
        assert!(seen.http_pushes.len() >= 2, "{:?}", seen.http_pushes);
        assert!(seen.http_pushes[0], "{:?}", seen.http_pushes);
        assert!(
            !seen.http_pushes[1..].iter().any(|&d| d),
            "{:?}",
            seen.http_pushes
        );
        assert_eq!(seen.devices.len(), 1);
        assert_eq!(seen.devices[0].agent_version, env!("CARGO_PKG_VERSION"));
    }
    let config: AgentConfig =
        serde_json::from_value(serde_json::json!({ "revision": 3, "report_interval_s": 1 }))
            .unwrap();
    server.queue_http(
        Some(config),
        vec![PendingAction {
            id: "x".into(),
            action: Action::Shutdown,
        }],
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if agent.get("/v1/config").await.data()["revision"] == 3 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the configuration was not applied"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        agent.log().contains("Action from the server."),
        "{}",
        agent.log()
    );
}

/// Regression: over HTTP a `restart_agent` stopped the agent before the next push, so its
/// answer never reached the server. It now goes in one last push before the restart.
#[tokio::test]
async fn http_push_answers_a_restart_before_restarting() {
    let server = PushServer::start(
        free_addr(),
        fast_config(),
        Arc::new(Mutex::new(Seen::default())),
    )
    .await;
    let agent = pushing(&server.url(), data_dir())
        .env("MONITRON_AGENT_PUSH", "http")
        .spawn()
        .await;
    wait_until(Duration::from_secs(15), "the first push", || {
        !server.seen().http_pushes.is_empty()
    })
    .await;
    server.queue_http(
        None,
        vec![PendingAction {
            id: "restart-1".into(),
            action: Action::RestartAgent,
        }],
    );
    wait_until(Duration::from_secs(15), "the restart's answer", || {
        !server.seen().action_results.is_empty()
    })
    .await;
    let (id, ok, _) = server.seen().action_results[0].clone();
    assert_eq!((id.as_str(), ok), ("restart-1", true));
    // The restart happened: a new session, which reports the device again.
    wait_until(
        Duration::from_secs(15),
        "the session after the restart",
        || server.seen().devices.len() >= 2,
    )
    .await;
    assert!(agent.log().contains("Restarting."), "{}", agent.log());
}
