//! A real HTTP server on a loopback port with the behaviours checks must judge.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{ConnectInfo, Path, Query, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{any, get};
use axum::{Json, Router};

/// Client addresses seen, one per request: a new port means a new connection.
pub type Peers = Arc<Mutex<Vec<SocketAddr>>>;

pub struct Target {
    pub base: String,
    pub peers: Peers,
}

async fn echo(
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    State(peers): State<Peers>,
    request: Request,
) -> Json<serde_json::Value> {
    peers.lock().unwrap().push(peer);
    let method = request.method().to_string();
    let headers: BTreeMap<String, String> = request
        .headers()
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or_default().to_owned()))
        .collect();
    let body = axum::body::to_bytes(request.into_body(), 1 << 20)
        .await
        .unwrap();
    Json(
        serde_json::json!({ "method": method, "headers": headers, "body": String::from_utf8_lossy(&body) }),
    )
}

async fn basic(headers: HeaderMap) -> Response {
    // "monitor:s3cret"
    match headers.get("authorization").and_then(|v| v.to_str().ok()) {
        Some("Basic bW9uaXRvcjpzM2NyZXQ=") => (StatusCode::OK, "welcome").into_response(),
        _ => (StatusCode::UNAUTHORIZED, "who are you").into_response(),
    }
}

pub async fn start() -> Target {
    let peers: Peers = Arc::default();
    let app = Router::new()
        .route("/health", get(|| async { "all systems go" }))
        .route(
            "/status/{code}",
            get(|Path(code): Path<u16>| async move { StatusCode::from_u16(code).unwrap() }),
        )
        .route("/redirect", get(|| async { Redirect::to("/health") }))
        .route("/loop", get(|| async { Redirect::to("/loop") }))
        .route(
            "/away",
            get(
                |Query(to): Query<BTreeMap<String, String>>| async move { Redirect::to(&to["to"]) },
            ),
        )
        .route(
            "/slow",
            get(|| async {
                tokio::time::sleep(Duration::from_secs(5)).await;
                "finally"
            }),
        )
        .route(
            "/json",
            get(|| async { Json(serde_json::json!({ "status": { "db": "up", "replicas": 3 } })) }),
        )
        .route(
            "/big",
            get(|| async { format!("{}END", "x".repeat(2 * 1024 * 1024)) }),
        )
        .route("/echo", any(echo))
        .route("/basic", get(basic))
        .with_state(peers.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .unwrap();
    });
    Target {
        base: format!("http://{address}"),
        peers,
    }
}

/// A loopback port with nothing listening.
pub fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}
