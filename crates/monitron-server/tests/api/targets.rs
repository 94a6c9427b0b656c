//! Real targets for monitors: an HTTP server whose answer the test switches, and helpers
//! to create monitors and wait for what the engine does with them.

use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::get;
use axum::Router;
use serde_json::Value;

use crate::helpers::{Auth, TestApp};

/// What the target answers, and the `Authorization` headers it has seen.
type TargetState = (Arc<AtomicU16>, Arc<Mutex<Vec<Option<String>>>>);

/// An HTTP target on 127.0.0.1 answering `/health` with the status the test sets.
#[derive(Clone)]
pub struct HttpTarget {
    pub url: String,
    status: Arc<AtomicU16>,
    authorizations: Arc<Mutex<Vec<Option<String>>>>,
}

impl HttpTarget {
    pub async fn start() -> Self {
        let status = Arc::new(AtomicU16::new(200));
        let authorizations: Arc<Mutex<Vec<Option<String>>>> = Arc::default();
        let app = Router::new()
            .route(
                "/health",
                get(
                    |State((status, seen)): State<TargetState>, headers: HeaderMap| async move {
                        seen.lock().unwrap().push(
                            headers
                                .get("authorization")
                                .and_then(|v| v.to_str().ok())
                                .map(str::to_owned),
                        );
                        let code = StatusCode::from_u16(status.load(Ordering::SeqCst)).unwrap();
                        (code, "checked")
                    },
                ),
            )
            .with_state((status.clone(), authorizations.clone()));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/health", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Self {
            url,
            status,
            authorizations,
        }
    }

    pub fn answer(&self, code: u16) {
        self.status.store(code, Ordering::SeqCst);
    }

    /// The `Authorization` headers received so far.
    pub fn authorizations(&self) -> Vec<Option<String>> {
        self.authorizations.lock().unwrap().clone()
    }
}

/// Polls `path` until `done` holds for its `data`, for up to `secs` seconds.
pub async fn wait_for(
    app: &TestApp,
    path: &str,
    auth: &Auth,
    secs: u64,
    what: &str,
    done: impl Fn(&Value) -> bool,
) -> Value {
    let mut last = Value::Null;
    for _ in 0..secs * 10 {
        let r = app.get(path, auth).await;
        last = r.data().clone();
        if done(&last) {
            return last;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("waited {secs} s for {what}; last answer of {path}: {last}");
}

/// Creates a service; panics unless created. Returns its view.
pub async fn create_service(app: &TestApp, auth: &Auth, body: Value) -> Value {
    let r = app.post("/api/v1/services", auth, body).await;
    assert_eq!(r.status, 201, "{}", r.text);
    r.data().clone()
}

/// The sum of a metric's samples on `/metrics` (every label set).
pub async fn metric(app: &TestApp, name: &str) -> f64 {
    let text = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    text.lines()
        .filter(|l| l.starts_with(name) && l[name.len()..].starts_with([' ', '{']))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

/// Polls `/metrics` until `done` holds for the sum of `name`, for up to `secs` seconds.
pub async fn wait_for_metric(
    app: &TestApp,
    name: &str,
    secs: u64,
    done: impl Fn(f64) -> bool,
) -> f64 {
    let mut last = 0.0;
    for _ in 0..secs * 10 {
        last = metric(app, name).await;
        if done(last) {
            return last;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("waited {secs} s for {name}; last value {last}");
}
