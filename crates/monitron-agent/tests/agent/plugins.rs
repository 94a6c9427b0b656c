//! Plugins: good, slow, crashing, garbage-printing and unsafe ones, none of which may hold
//! or crash the agent.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::helpers::{agent, Mode, TestAgent};

fn script(dir: &Path, name: &str, body: &str, mode: u32) {
    let path = dir.join(name);
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
}

fn result<'a>(checks: &'a Value, name: &str) -> Option<&'a Value> {
    checks
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["source"] == "plugin" && c["name"] == name)
}

async fn checks_when(agent: &mut TestAgent, names: &[&str]) -> Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let checks = agent.get("/v1/checks").await.data().clone();
        if names.iter().all(|n| result(&checks, n).is_some()) {
            return checks;
        }
        assert!(
            Instant::now() < deadline,
            "missing plugin results: {checks}\n{}",
            agent.log()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn plugin_output_becomes_metrics_and_checks_and_failures_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("agent-config.json"),
        br#"{"plugins": {"interval_s": 2, "timeout_s": 1}}"#,
    )
    .unwrap();
    let plugins = dir.path().join("plugins");
    std::fs::create_dir(&plugins).unwrap();
    let pid_file = dir.path().join("slow-child.pid");
    script(
        &plugins,
        "good",
        r#"echo '{"metrics":[{"name":"queue_depth","value":12,"unit":"jobs"}],"checks":[{"name":"db","up":true,"message":"fine","response_ms":1.5}]}'"#,
        0o755,
    );
    script(
        &plugins,
        "slow",
        &format!("sleep 30 &\necho $! > {}\nwait", pid_file.display()),
        0o755,
    );
    script(
        &plugins,
        "nosy",
        r#"if [ -n "$MONITRON_AGENT_API_KEY" ]; then v=1; else v=0; fi
echo "{\"metrics\":[{\"name\":\"sees_api_key\",\"value\":$v}]}""#,
        0o755,
    );
    script(&plugins, "crash", "echo boom >&2\nexit 3", 0o755);
    script(&plugins, "garbage", "echo 'this is not json'", 0o755);
    script(&plugins, "loud", "yes '{}' | head -c 2000000", 0o755);
    script(&plugins, "shared", "echo '{}'", 0o777);
    script(&plugins, "not-executable", "echo '{}'", 0o644);
    script(&plugins, ".hidden", "echo '{}'", 0o755);

    let mut agent = agent(Mode::ApiKey).data_dir(dir).spawn().await;
    let checks = checks_when(
        &mut agent,
        &[
            "good", "good/db", "slow", "crash", "garbage", "loud", "shared",
        ],
    )
    .await;

    let good = result(&checks, "good").unwrap();
    assert_eq!(good["up"], true, "{good}");
    let db = result(&checks, "good/db").unwrap();
    assert_eq!(
        (db["up"].as_bool(), db["message"].as_str()),
        (Some(true), Some("fine"))
    );
    let expectations = [
        ("slow", "timed out"),
        ("crash", "exited with status 3: boom"),
        ("garbage", "not the plugin JSON schema"),
        ("loud", "printed more than"),
        ("shared", "writable by group or others"),
    ];
    for (name, reason) in expectations {
        let r = result(&checks, name).unwrap();
        assert_eq!(r["up"], false, "{r}");
        assert!(
            r["message"].as_str().unwrap().contains(reason),
            "{name}: {r}"
        );
    }
    assert!(result(&checks, "not-executable").is_none());
    assert!(result(&checks, ".hidden").is_none());

    // Plugin values join the next snapshot after the run.
    let deadline = Instant::now() + Duration::from_secs(5);
    let (metrics, custom) = loop {
        let metrics = agent.metrics().await;
        let custom = metrics["custom"].as_array().cloned().unwrap_or_default();
        let plugins: Vec<&Value> = custom.iter().map(|m| &m["plugin"]).collect();
        if (plugins.contains(&&Value::from("good")) && plugins.contains(&&Value::from("nosy")))
            || Instant::now() > deadline
        {
            break (metrics, custom);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert!(
        custom
            .iter()
            .any(|m| m["plugin"] == "nosy" && m["value"] == 0.0),
        "plugins must not see the agent's secrets: {metrics}"
    );
    assert!(
        custom.iter().any(|m| m["plugin"] == "good"
            && m["name"] == "queue_depth"
            && m["value"] == 12.0
            && m["unit"] == "jobs"),
        "{metrics}"
    );

    // The hung plugin's whole process group was killed, children included.
    let child: i32 = std::fs::read_to_string(agent.dir.path().join("slow-child.pid"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    while Path::new(&format!("/proc/{child}")).exists()
        && !std::fs::read_to_string(format!("/proc/{child}/stat"))
            .unwrap_or_default()
            .contains(") Z")
    {
        assert!(
            Instant::now() < deadline,
            "the slow plugin's child survived"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // A hanging plugin never holds the API.
    let started = Instant::now();
    agent.get("/v1/health").await.expect(0);
    assert!(started.elapsed() < Duration::from_millis(500));
}
