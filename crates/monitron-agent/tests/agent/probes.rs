//! Probes from the configuration run on their own schedule; results show on /v1/checks.

use std::time::{Duration, Instant};

use reqwest::Method;

use crate::helpers::{agent, Mode};

#[tokio::test]
async fn configured_probes_run_and_report() {
    let tcp = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let tcp_port = tcp.local_addr().unwrap().port();
    let udp = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let udp_port = udp.local_addr().unwrap().port();
    tokio::spawn(async move {
        let mut buf = [0u8; 512];
        while let Ok((n, peer)) = udp.recv_from(&mut buf).await {
            let _ = udp.send_to(&buf[..n], peer).await;
        }
    });
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();

    let mut agent = agent(Mode::Jwt).spawn().await;
    let config = serde_json::json!({
        "probes": [
            { "name": "tcp-open", "type": "tcp", "interval_s": 1, "config": { "host": "127.0.0.1", "port": tcp_port } },
            { "name": "tcp-closed", "type": "tcp", "interval_s": 1, "config": { "host": "127.0.0.1", "port": closed } },
            { "name": "udp-echo", "type": "udp", "interval_s": 1,
              "config": { "host": "127.0.0.1", "port": udp_port, "payload": "hi", "expect": "hi" } },
            { "name": "trace", "type": "traceroute", "interval_s": 5, "config": { "host": "127.0.0.1" } }
        ]
    });
    agent
        .call(Method::PUT, "/v1/config", Some(&config))
        .await
        .expect(0);

    let want = [
        ("tcp-open", true),
        ("tcp-closed", false),
        ("udp-echo", true),
        ("trace", true),
    ];
    let deadline = Instant::now() + Duration::from_secs(20);
    let checks = loop {
        let checks = agent.get("/v1/checks").await.data().clone();
        let found = want.iter().all(|(name, _)| {
            checks
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c["name"] == *name)
        });
        if found {
            break checks;
        }
        assert!(Instant::now() < deadline, "probe results missing: {checks}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    for (name, up) in want {
        let c = checks
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == name)
            .unwrap();
        assert_eq!(c["up"], up, "{c}");
        assert_eq!(c["source"], "probe");
    }
    let trace = checks
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "trace")
        .unwrap();
    assert_eq!(
        trace["details"]["hops"][0]["address"], "127.0.0.1",
        "{trace}"
    );

    // Removing probes removes their results.
    agent
        .call(Method::PUT, "/v1/config", Some(&serde_json::json!({})))
        .await
        .expect(0);
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let checks = agent.get("/v1/checks").await.data().clone();
        if checks.as_array().unwrap().is_empty() {
            break;
        }
        assert!(Instant::now() < deadline, "{checks}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
