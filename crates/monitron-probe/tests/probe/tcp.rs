//! TCP checks against real local listeners.

use std::time::Duration;

use monitron_probe::tcp::Config;
use monitron_probe::{Probe, Status};

use crate::target::closed_port;

async fn check(host: &str, port: u16) -> monitron_probe::Outcome {
    let mut config = Config {
        host: host.into(),
        port,
    };
    config.validate().unwrap();
    config.run(Duration::from_secs(3)).await
}

#[tokio::test]
async fn an_open_port_is_up_with_timings() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let o = check("localhost", port).await;
    assert_eq!(o.status, Status::Up, "{o:?}");
    assert!(
        o.details["resolved_ip"] == "127.0.0.1" || o.details["resolved_ip"] == "::1",
        "{o:?}"
    );
    assert!(o.details["dns_ms"].as_f64().is_some() && o.details["connect_ms"].as_f64().is_some());
    let accepted = tokio::time::timeout(Duration::from_secs(1), listener.accept()).await;
    assert!(accepted.is_ok(), "the target saw the connection");
}

#[tokio::test]
async fn a_closed_port_is_down() {
    let o = check("127.0.0.1", closed_port()).await;
    assert_eq!(o.status, Status::Down);
    assert!(o.message.starts_with("connection failed"), "{}", o.message);
    assert!(o.response_ms.is_none());
}

#[tokio::test]
async fn an_unresolvable_host_is_down() {
    let o = check("does-not-exist.invalid", 80).await;
    assert_eq!(o.status, Status::Down);
    assert!(
        o.message
            .starts_with("cannot resolve does-not-exist.invalid"),
        "{}",
        o.message
    );
}

#[test]
fn bad_settings_are_named() {
    let mut c = Config {
        host: "http://example.com/x".into(),
        port: 0,
    };
    let errors = c.validate().unwrap_err();
    assert!(errors.contains_key("host") && errors.contains_key("port"));
    let mut v6 = Config {
        host: " [::1] ".into(),
        port: 22,
    };
    v6.validate().unwrap();
    assert_eq!(v6.host, "::1");
}
