//! UDP checks against a local echo socket and a closed port.

use std::time::Duration;

use monitron_probe::udp::Config;
use monitron_probe::{Probe, Status};

/// A UDP socket that answers every datagram with "echo: " and the datagram.
async fn echo_server() -> u16 {
    let socket = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let port = socket.local_addr().unwrap().port();
    tokio::spawn(async move {
        let mut buf = [0u8; 2048];
        while let Ok((n, peer)) = socket.recv_from(&mut buf).await {
            let mut reply = b"echo: ".to_vec();
            reply.extend_from_slice(&buf[..n]);
            let _ = socket.send_to(&reply, peer).await;
        }
    });
    port
}

/// A loopback UDP port nobody listens on.
fn closed_udp_port() -> u16 {
    let socket = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    socket.local_addr().unwrap().port()
}

async fn check(
    port: u16,
    payload: &str,
    expect: Option<&str>,
    timeout: Duration,
) -> monitron_probe::Outcome {
    let mut config = Config {
        host: "127.0.0.1".into(),
        port,
        payload: payload.into(),
        expect: expect.map(Into::into),
    };
    config.validate().unwrap();
    config.run(timeout).await
}

#[tokio::test]
async fn an_expected_reply_is_up() {
    let port = echo_server().await;
    let o = check(port, "hello", Some("echo: hello"), Duration::from_secs(3)).await;
    assert_eq!(o.status, Status::Up, "{o:?}");
    assert_eq!(o.details["bytes_sent"], 5);
    assert_eq!(o.details["reply"], "echo: hello");
    assert!(o.response_ms.unwrap() < 1000.0);
}

#[tokio::test]
async fn a_reply_without_the_expected_text_is_down() {
    let port = echo_server().await;
    let o = check(port, "hello", Some("pong"), Duration::from_secs(3)).await;
    assert_eq!(o.status, Status::Down);
    assert!(
        o.message.contains("does not contain \"pong\""),
        "{}",
        o.message
    );
}

#[tokio::test]
async fn a_closed_port_is_refused() {
    let o = check(closed_udp_port(), "hello", None, Duration::from_secs(3)).await;
    assert_eq!(o.status, Status::Down, "{o:?}");
    assert!(o.message.contains("refused"), "{}", o.message);
}

#[tokio::test]
async fn silence_is_down_only_when_a_reply_is_expected() {
    // A socket that reads and never answers.
    let silent = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let port = silent.local_addr().unwrap().port();
    let o = check(port, "ping", Some("pong"), Duration::from_millis(800)).await;
    assert_eq!(o.status, Status::Down);
    assert!(o.message.starts_with("no reply"), "{}", o.message);
    let o = check(port, "ping", None, Duration::from_secs(3)).await;
    assert_eq!(o.status, Status::Up, "{o:?}");
    assert!(o.message.contains("not refused"), "{}", o.message);
}
