//! HTTP checks against a real local server.

use std::time::{Duration, Instant};

use monitron_probe::http::Config;
use monitron_probe::{Outcome, Probe, Status};
use serde_json::json;

use crate::target::{closed_port, start};

const TIMEOUT: Duration = Duration::from_secs(5);

async fn check(config: serde_json::Value) -> Outcome {
    check_within(config, TIMEOUT).await
}

async fn check_within(config: serde_json::Value, timeout: Duration) -> Outcome {
    let mut config: Config = serde_json::from_value(config).unwrap();
    config.validate().unwrap();
    config.run(timeout).await
}

#[tokio::test]
async fn a_healthy_endpoint_is_up_with_honest_details() {
    let t = start().await;
    let o = check(json!({ "url": format!("{}/health", t.base) })).await;
    assert_eq!(o.status, Status::Up, "{o:?}");
    assert_eq!(o.message, "200 OK");
    let ms = o.response_ms.unwrap();
    assert!(ms > 0.0 && ms < 2000.0, "{ms}");
    assert_eq!(o.details["status_code"], 200);
    assert_eq!(o.details["resolved_ip"], "127.0.0.1");
    assert_eq!(o.details["body_bytes"], "all systems go".len());
    assert!(o.details["headers_ms"].as_f64().unwrap() <= ms);
}

#[tokio::test]
async fn a_url_without_path_checks_the_health_path() {
    let t = start().await;
    let o = check(json!({ "url": t.base })).await;
    assert_eq!(
        (o.status, o.details["final_url"].as_str()),
        (Status::Up, Some(format!("{}/health", t.base).as_str()))
    );
}

#[tokio::test]
async fn status_codes_and_ranges_are_judged() {
    let t = start().await;
    let cases = [
        (200, json!([200]), Status::Up),
        (204, json!([200]), Status::Down),
        (204, json!(["200-299"]), Status::Up),
        (404, json!([200]), Status::Down),
        (500, json!([200]), Status::Down),
        (503, json!(["5xx"]), Status::Up),
        (418, json!([200, "400-417"]), Status::Down),
    ];
    for (code, expected, status) in cases {
        let o = check(
            json!({ "url": format!("{}/status/{code}", t.base), "expected_status": expected }),
        )
        .await;
        assert_eq!(o.status, status, "{code} against {expected}: {o:?}");
        assert_eq!(o.details["status_code"], code);
    }
    let o = check(json!({ "url": format!("{}/status/503", t.base) })).await;
    assert_eq!(
        o.message,
        "expected status 200, got 503 Service Unavailable"
    );
}

#[tokio::test]
async fn redirects_are_followed_or_not_as_configured() {
    let t = start().await;
    let followed = check(json!({ "url": format!("{}/redirect", t.base) })).await;
    assert_eq!(followed.status, Status::Up);
    assert!(followed.details["final_url"]
        .as_str()
        .unwrap()
        .ends_with("/health"));
    let not_followed =
        check(json!({ "url": format!("{}/redirect", t.base), "follow_redirects": false })).await;
    assert_eq!(
        (
            not_followed.status,
            not_followed.details["status_code"].as_u64()
        ),
        (Status::Down, Some(303))
    );
    let accepted = check(json!({ "url": format!("{}/redirect", t.base), "follow_redirects": false, "expected_status": ["3xx"] })).await;
    assert_eq!(accepted.status, Status::Up);
    let looping = check(json!({ "url": format!("{}/loop", t.base) })).await;
    assert_eq!(looping.status, Status::Down);
    assert!(
        looping.message.starts_with("too many redirects"),
        "{}",
        looping.message
    );
}

/// Regression: a redirect to another origin carried the check's own credential headers
/// (`X-Api-Key`) there; the client strips only `Authorization` and cookies.
#[tokio::test]
async fn credential_headers_do_not_follow_a_redirect_to_another_origin() {
    let (home, elsewhere) = (start().await, start().await);
    let away = format!("{}/away?to={}/echo", home.base, elsewhere.base);
    let with_key = check(json!({ "url": away, "headers": { "X-Api-Key": "k-123" } })).await;
    assert_eq!(with_key.status, Status::Down);
    assert_eq!(
        with_key.message,
        format!(
            "not following the redirect to {}: the check's credential headers stay with its own origin",
            elsewhere.base
        )
    );
    assert!(elsewhere.peers.lock().unwrap().is_empty(), "never reached");

    // Within the origin, or without credential headers, redirects are followed.
    let home_echo = format!("{}/away?to=/echo", home.base);
    let same = check(
        json!({ "url": home_echo, "headers": { "X-Api-Key": "k-123" },
                             "json_path": "$.headers['x-api-key']", "json_expected": "k-123" }),
    )
    .await;
    assert_eq!(same.status, Status::Up, "{same:?}");
    let plain = check(json!({ "url": away, "headers": { "X-Check": "yes" } })).await;
    assert_eq!(plain.status, Status::Up, "{plain:?}");
    assert_eq!(elsewhere.peers.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn a_hanging_target_is_down_at_the_timeout_not_later() {
    let t = start().await;
    let started = Instant::now();
    let o = check_within(
        json!({ "url": format!("{}/slow", t.base) }),
        Duration::from_millis(500),
    )
    .await;
    let took = started.elapsed();
    assert_eq!(o.status, Status::Down);
    assert_eq!(o.message, "timed out after 0.5 s");
    assert!(o.response_ms.is_none());
    assert!(
        took >= Duration::from_millis(450) && took < Duration::from_millis(1500),
        "{took:?}"
    );
}

#[tokio::test]
async fn a_refused_connection_is_down_and_says_so() {
    let o = check(json!({ "url": format!("http://127.0.0.1:{}/", closed_port()) })).await;
    assert_eq!(o.status, Status::Down);
    assert!(
        o.message.starts_with("connection failed") && o.message.to_lowercase().contains("refused"),
        "{}",
        o.message
    );
}

#[tokio::test]
async fn method_headers_body_and_auth_reach_the_target() {
    let t = start().await;
    let o = check(json!({
        "url": format!("{}/echo", t.base), "method": "post", "headers": { "X-Check": "yes" }, "body": "payload",
        "auth": { "type": "bearer", "token": "tok-123" },
        "json_path": "$.headers['x-check']", "json_expected": "yes"
    }))
    .await;
    assert_eq!(o.status, Status::Up, "{o:?}");
    for (path, expected) in [
        ("$.method", json!("POST")),
        ("$.body", json!("payload")),
        ("$.headers.authorization", json!("Bearer tok-123")),
    ] {
        let o = check(json!({
            "url": format!("{}/echo", t.base), "method": "POST", "body": "payload", "auth": { "type": "bearer", "token": "tok-123" },
            "json_path": path, "json_expected": expected
        }))
        .await;
        assert_eq!(o.status, Status::Up, "{path}: {o:?}");
    }
    let basic = check(json!({ "url": format!("{}/basic", t.base), "auth": { "type": "basic", "username": "monitor", "password": "s3cret" } })).await;
    assert_eq!(basic.status, Status::Up, "{basic:?}");
    let anonymous = check(json!({ "url": format!("{}/basic", t.base) })).await;
    assert_eq!(
        (anonymous.status, anonymous.details["status_code"].as_u64()),
        (Status::Down, Some(401))
    );
}

#[tokio::test]
async fn keywords_and_json_paths_decide() {
    let t = start().await;
    let url = format!("{}/health", t.base);
    let json_url = format!("{}/json", t.base);
    let cases = [
        (
            json!({ "url": url, "keyword": "systems go" }),
            Status::Up,
            "200 OK",
        ),
        (
            json!({ "url": url, "keyword": "on fire" }),
            Status::Down,
            "keyword \"on fire\" not found",
        ),
        (
            json!({ "url": url, "keyword_absent": "on fire" }),
            Status::Up,
            "200 OK",
        ),
        (
            json!({ "url": url, "keyword_absent": "go" }),
            Status::Down,
            "unwanted keyword \"go\" found",
        ),
        (
            json!({ "url": json_url, "json_path": "$.status.db", "json_expected": "up" }),
            Status::Up,
            "200 OK",
        ),
        (
            json!({ "url": json_url, "json_path": "$.status.replicas", "json_expected": 3 }),
            Status::Up,
            "200 OK",
        ),
        (
            json!({ "url": json_url, "json_path": "$.status.db", "json_expected": "down" }),
            Status::Down,
            "JSON path $.status.db is \"up\", expected \"down\"",
        ),
        (
            json!({ "url": json_url, "json_path": "$.status.cache" }),
            Status::Down,
            "JSON path $.status.cache matched nothing",
        ),
        (
            json!({ "url": json_url, "json_path": "$.status" }),
            Status::Up,
            "200 OK",
        ),
        (
            json!({ "url": url, "json_path": "$.status" }),
            Status::Down,
            "the response is not JSON",
        ),
    ];
    for (config, status, message) in cases {
        let o = check(config.clone()).await;
        assert_eq!(
            (o.status, o.message.as_str()),
            (status, message),
            "{config}"
        );
    }
    // Bodies are read up to 1 MiB: a keyword past that is not seen.
    let big = check(json!({ "url": format!("{}/big", t.base), "keyword": "END" })).await;
    assert_eq!(
        (big.status, big.details["body_bytes"].as_u64()),
        (Status::Down, Some(1024 * 1024))
    );
}

#[tokio::test]
async fn every_check_opens_a_fresh_connection() {
    let t = start().await;
    for _ in 0..3 {
        let o = check(json!({ "url": format!("{}/echo", t.base) })).await;
        assert_eq!(o.status, Status::Up);
    }
    let peers = t.peers.lock().unwrap().clone();
    assert_eq!(peers.len(), 3);
    let ports: std::collections::HashSet<u16> = peers.iter().map(|p| p.port()).collect();
    assert_eq!(
        ports.len(),
        3,
        "a reused connection would reuse its port: {peers:?}"
    );
}

/// An HTTPS server with a self-signed certificate for `localhost`, answering 200 "secure".
async fn https_target() -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    monitron_probe::install_crypto_provider();
    let cert = monitron_testkit::pki::leaf(None, &["localhost"], -1, 30);
    let acceptor = cert.acceptor();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(stream).await else {
                    return;
                };
                let mut buf = vec![0u8; 4096];
                let _ = tls.read(&mut buf).await;
                let _ = tls
                    .write_all(
                        b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\nConnection: close\r\n\r\nsecure",
                    )
                    .await;
                let _ = tls.shutdown().await;
            });
        }
    });
    port
}

#[tokio::test]
async fn tls_verification_can_be_switched_off() {
    let port = https_target().await;
    let url = format!("https://localhost:{port}/");
    let verified = check(json!({ "url": url })).await;
    assert_eq!(
        verified.status,
        Status::Down,
        "a self-signed certificate fails verification: {verified:?}"
    );
    assert!(
        verified.message.starts_with("connection failed"),
        "{}",
        verified.message
    );
    let unverified = check(json!({ "url": url, "verify_tls": false, "keyword": "secure" })).await;
    assert_eq!(unverified.status, Status::Up, "{unverified:?}");
}
