//! Graceful shutdown: in-flight requests finish, new connections are refused, and a request
//! that never finishes cannot hold the server past SHUTDOWN_TIMEOUT.

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::{Backend, Options};
use crate::{app, on_both_databases};

const BODY: &str = r#"{"login":"admin","password":"not-the-password"}"#;

async fn start_slow_request(address: &str) -> TcpStream {
    let mut stream = TcpStream::connect(address.trim_start_matches("http://"))
        .await
        .unwrap();
    let head = format!(
        "POST /api/v1/auth/login HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        BODY.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(&BODY.as_bytes()[..10]).await.unwrap();
    // Let the server read the head, so the request is in flight.
    tokio::time::sleep(Duration::from_millis(200)).await;
    stream
}

async fn in_flight_requests_finish_during_shutdown(backend: Backend) {
    let mut app = app!(backend, Options::default().env("SHUTDOWN_TIMEOUT", "10s"));
    let address = app.address.clone();
    let mut stream = start_slow_request(&address).await;
    let server = app.begin_shutdown();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        TcpStream::connect(address.trim_start_matches("http://"))
            .await
            .is_err(),
        "no new connections while draining"
    );
    stream.write_all(&BODY.as_bytes()[10..]).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    assert!(
        response.starts_with("HTTP/1.1 401"),
        "the in-flight request was answered: {response}"
    );
    assert!(response.contains("40103"));
    let stopped = tokio::time::timeout(Duration::from_secs(5), server).await;
    assert!(
        matches!(stopped, Ok(Ok(Ok(())))),
        "the server stopped cleanly after draining: {stopped:?}"
    );
}

async fn a_request_that_never_finishes_cannot_hold_shutdown(backend: Backend) {
    let mut app = app!(backend, Options::default().env("SHUTDOWN_TIMEOUT", "1s"));
    let _stuck = start_slow_request(&app.address.clone()).await;
    let started = Instant::now();
    let server = app.begin_shutdown();
    let stopped = tokio::time::timeout(Duration::from_secs(5), server).await;
    assert!(matches!(stopped, Ok(Ok(Ok(())))), "{stopped:?}");
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(900) && took < Duration::from_secs(3),
        "stopped after {took:?}"
    );
}

on_both_databases!(
    in_flight_requests_finish_during_shutdown,
    a_request_that_never_finishes_cannot_hold_shutdown
);
