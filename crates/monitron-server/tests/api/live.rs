//! `/api/v1/ws`: live results and status changes, filtered by the caller's grants.

use std::time::Duration;

use futures_util::StreamExt;
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

use crate::helpers::{Auth, Backend};
use crate::targets::{create_service, HttpTarget};
use crate::{app, on_both_databases};

pub async fn connect(
    app: &crate::helpers::TestApp,
    auth: &Auth,
) -> tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>> {
    let url = app.url("/api/v1/ws").replace("http://", "ws://");
    let mut request = url.into_client_request().unwrap();
    let Auth::Bearer(token) = auth else {
        panic!("bearer expected")
    };
    request
        .headers_mut()
        .insert("authorization", format!("Bearer {token}").parse().unwrap());
    tokio_tungstenite::connect_async(request).await.unwrap().0
}

pub type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// The close code the server sends within `secs` (None when the socket just ends).
pub async fn closed_within(socket: &mut Socket, secs: u64) -> Option<u16> {
    let deadline = std::time::Instant::now() + Duration::from_secs(secs);
    loop {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        match tokio::time::timeout(left, socket.next()).await {
            Err(_) => panic!("the socket was still open after {secs} s"),
            Ok(None) | Ok(Some(Err(_))) => return None,
            Ok(Some(Ok(Message::Close(frame)))) => return frame.map(|f| u16::from(f.code)),
            Ok(Some(Ok(_))) => {}
        }
    }
}

pub async fn next_event(
    socket: &mut tokio_tungstenite::WebSocketStream<
        tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
    >,
    secs: u64,
) -> Option<Value> {
    loop {
        let message = tokio::time::timeout(Duration::from_secs(secs), socket.next())
            .await
            .ok()??
            .ok()?;
        if let Message::Text(text) = message {
            return serde_json::from_str(&text).ok();
        }
    }
}

async fn live_events_stream_results_and_status_changes(backend: Backend) {
    let app = app!(backend);
    let admin = app.admin().await;
    let (uid, _, narrowed) = app.user_with_token("ops-viewer", "viewer").await;
    app.call(
        reqwest::Method::PUT,
        &format!("/api/v1/users/{uid}/grants"),
        &admin,
        Some(json!([{ "group": "ops", "role": "viewer" }])),
    )
    .await;
    let mut admin_socket = connect(&app, &admin).await;
    let mut narrowed_socket = connect(&app, &narrowed).await;

    let target = HttpTarget::start().await;
    let service = create_service(&app, &admin, json!({ "name": "web", "type": "http", "config": { "url": target.url }, "interval_s": 1, "group": "web" })).await;
    let id = service["id"].as_str().unwrap();
    let mut saw_result = false;
    let mut saw_status = false;
    while !(saw_result && saw_status) {
        let event = next_event(&mut admin_socket, 10)
            .await
            .expect("an event within 10 s");
        assert_eq!(event["monitor_id"], id, "{event}");
        match event["event"].as_str().unwrap() {
            "result" => {
                assert_eq!(event["status"], "up");
                assert!(event["response_ms"].as_f64().unwrap() > 0.0);
                saw_result = true;
            }
            "status" => {
                assert_eq!(event["status"], "up");
                assert_eq!(event["previous"], "pending");
                saw_status = true;
            }
            other => panic!("unexpected event {other}: {event}"),
        }
    }
    // The viewer narrowed to `ops` hears nothing about `web`.
    assert!(
        next_event(&mut narrowed_socket, 2).await.is_none(),
        "grants apply to live events"
    );

    // Anonymous callers are refused before the upgrade.
    let url = app.url("/api/v1/ws").replace("http://", "ws://");
    assert!(tokio_tungstenite::connect_async(url).await.is_err());
}

on_both_databases!(live_events_stream_results_and_status_changes);
