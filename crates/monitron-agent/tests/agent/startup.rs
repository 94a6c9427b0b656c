//! Bad configuration fails fast, naming the variable.

use crate::helpers::{agent, Mode};

#[test]
fn a_cache_ttl_not_longer_than_the_interval_is_refused() {
    let (code, stderr) = agent(Mode::Jwt)
        .env("MONITRON_AGENT_COLLECT_INTERVAL", "2s")
        .env("MONITRON_AGENT_CACHE_TTL", "2s")
        .start_fails();
    assert_eq!(code, 2);
    assert!(
        stderr.contains("MONITRON_AGENT_CACHE_TTL")
            && stderr.contains("MONITRON_AGENT_COLLECT_INTERVAL"),
        "{stderr}"
    );
}

#[test]
fn missing_or_bad_settings_name_their_variable() {
    let cases = [
        ("MONITRON_AGENT_PASSWORD", ""),
        ("MONITRON_AGENT_COLLECT_INTERVAL", "1 second"),
        ("MONITRON_AGENT_LISTEN", "everywhere"),
        ("MONITRON_AGENT_AUTH", "kerberos"),
    ];
    for (variable, value) in cases {
        let (code, stderr) = agent(Mode::Jwt).env(variable, value).start_fails();
        assert_ne!(code, 0);
        assert!(stderr.contains(variable), "{variable}: {stderr}");
    }
}

#[test]
fn an_unusable_data_dir_or_port_is_named() {
    let (_, stderr) = agent(Mode::Jwt)
        .env("MONITRON_AGENT_DATA_DIR", "/proc/monitron-agent")
        .start_fails();
    assert!(stderr.contains("MONITRON_AGENT_DATA_DIR"), "{stderr}");
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let (_, stderr) = agent(Mode::Jwt)
        .env(
            "MONITRON_AGENT_LISTEN",
            taken.local_addr().unwrap().to_string(),
        )
        .start_fails();
    assert!(stderr.contains("MONITRON_AGENT_LISTEN"), "{stderr}");
}

#[tokio::test]
async fn sigterm_stops_the_agent_cleanly() {
    let mut agent = crate::helpers::agent(Mode::ApiKey).spawn().await;
    agent.get("/v1/health").await.expect(0);
    // SAFETY: signals a child process this test started.
    unsafe {
        libc::kill(agent.pid() as i32, libc::SIGTERM);
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let status = loop {
        if let Some(status) = agent.child.try_wait().unwrap() {
            break status;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the agent did not stop"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    assert!(status.success(), "{status}: {}", agent.log());
    assert!(agent.log().contains("Stopped."), "{}", agent.log());
}
