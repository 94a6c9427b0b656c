//! TLS certificate checks against TLS servers started here, with certificates generated
//! here: trusted, expiring soon, expired, self-signed, for the wrong host.

use std::time::{Duration, Instant};

use monitron_probe::tls::Config;
use monitron_probe::{Outcome, Probe, Status};

use monitron_testkit::pki::{ca, leaf, Ca, Leaf};

/// Serves TLS with `leaf` on a loopback port until the test ends.
async fn serve(leaf: Leaf) -> u16 {
    let acceptor = leaf.acceptor();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let _ = acceptor.accept(stream).await;
            });
        }
    });
    port
}

async fn check(port: u16, ca: Option<&Ca>, server_name: Option<&str>) -> Outcome {
    let mut config = Config {
        host: "localhost".into(),
        port,
        server_name: server_name.map(str::to_owned),
        ca_pem: ca.map(|c| c.pem.clone()),
    };
    config.validate().unwrap();
    config.run(Duration::from_secs(5)).await
}

#[tokio::test]
async fn a_trusted_certificate_is_described_in_full() {
    let ca = ca();
    let port = serve(leaf(Some(&ca), &["localhost", "127.0.0.1"], -1, 90)).await;
    let o = check(port, Some(&ca), None).await;
    assert_eq!(o.status, Status::Up, "{o:?}");
    let d = &o.details;
    assert_eq!(d["days_left"], 90);
    assert_eq!(o.message, "certificate valid for 90 more day(s)");
    assert_eq!(
        (d["chain_valid"].as_bool(), d["hostname_match"].as_bool()),
        (Some(true), Some(true))
    );
    assert_eq!(d["sans"], serde_json::json!(["localhost", "127.0.0.1"]));
    assert_eq!(d["subject"], "CN=localhost");
    assert_eq!(d["issuer"], "CN=Monitron Test CA");
    assert_eq!(d["chain_length"], 2);
    assert_eq!(d["fingerprint_sha256"].as_str().unwrap().len(), 64);
    assert!(!d["serial"].as_str().unwrap().is_empty());
    assert_eq!(d["tls_version"], "TLSv1_3");
    assert!(
        d["resolved_ip"] == "127.0.0.1" || d["resolved_ip"] == "::1",
        "{d}"
    );
    assert!(d["valid_to"].as_str().unwrap().ends_with('Z'));
    assert!(d["error"].is_null());
}

#[tokio::test]
async fn a_certificate_expiring_in_five_days_is_still_up_and_says_so() {
    let ca = ca();
    let port = serve(leaf(Some(&ca), &["localhost"], -80, 5)).await;
    let o = check(port, Some(&ca), None).await;
    assert_eq!(
        (o.status, o.details["days_left"].as_i64()),
        (Status::Up, Some(5)),
        "{o:?}"
    );
}

#[tokio::test]
async fn an_expired_certificate_is_down_with_its_age() {
    let ca = ca();
    let port = serve(leaf(Some(&ca), &["localhost"], -90, -3)).await;
    let o = check(port, Some(&ca), None).await;
    assert_eq!(o.status, Status::Down);
    assert_eq!(o.details["days_left"], -2, "{o:?}");
    assert_eq!(o.message, "certificate expired 2 day(s) ago");
    assert_eq!(o.details["chain_valid"], false);
    assert_eq!(o.details["error"], o.message.as_str());
}

#[tokio::test]
async fn self_signed_and_unknown_issuers_are_not_trusted() {
    let port = serve(leaf(None, &["localhost"], -1, 30)).await;
    let o = check(port, None, None).await;
    assert_eq!(o.status, Status::Down);
    assert!(
        o.message.starts_with("certificate is not trusted"),
        "{}",
        o.message
    );
    assert_eq!(
        (
            o.details["chain_valid"].as_bool(),
            o.details["hostname_match"].as_bool()
        ),
        (Some(false), Some(true))
    );
    // A private CA's certificate is untrusted against the system roots...
    let ca = ca();
    let port = serve(leaf(Some(&ca), &["localhost"], -1, 30)).await;
    assert_eq!(check(port, None, None).await.status, Status::Down);
    // ...and trusted when that CA is given.
    assert_eq!(check(port, Some(&ca), None).await.status, Status::Up);
}

#[tokio::test]
async fn a_certificate_for_another_host_is_down() {
    let ca = ca();
    let port = serve(leaf(Some(&ca), &["status.example.com"], -1, 30)).await;
    let o = check(port, Some(&ca), None).await;
    assert_eq!(o.status, Status::Down);
    assert_eq!(o.message, "certificate does not match localhost");
    assert_eq!(
        (
            o.details["chain_valid"].as_bool(),
            o.details["hostname_match"].as_bool()
        ),
        (Some(true), Some(false))
    );
    // Checking the name it was issued for, while connecting to this host, passes.
    let o = check(port, Some(&ca), Some("status.example.com")).await;
    assert_eq!(o.status, Status::Up, "{o:?}");
}

#[tokio::test]
async fn a_server_that_never_answers_the_handshake_times_out() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let _held = tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((stream, _)) = listener.accept().await {
            open.push(stream);
        }
    });
    let mut config = Config {
        host: "127.0.0.1".into(),
        port,
        server_name: None,
        ca_pem: None,
    };
    config.validate().unwrap();
    let started = Instant::now();
    let o = config.run(Duration::from_millis(500)).await;
    assert_eq!(
        (o.status, o.message.as_str()),
        (Status::Down, "timed out after 0.5 s")
    );
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[test]
fn bad_settings_are_named() {
    let mut c = Config {
        host: "".into(),
        port: 0,
        server_name: Some("not a name!".into()),
        ca_pem: Some("garbage".into()),
    };
    let errors = c.validate().unwrap_err();
    for field in ["host", "port", "server_name", "ca_pem"] {
        assert!(errors.contains_key(field), "{field}: {errors:?}");
    }
    let defaults: Config =
        serde_json::from_value(serde_json::json!({ "host": "example.com" })).unwrap();
    assert_eq!(defaults.port, 443);
}
