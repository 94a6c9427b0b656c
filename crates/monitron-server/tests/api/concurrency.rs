//! Concurrent writers. Regression: on SQLite, transactions that read before writing failed
//! with SQLITE_BUSY_SNAPSHOT ("database is locked", 500) as soon as two ran at once; write
//! transactions now take the write lock first and queue.

use futures_util::future::join_all;
use serde_json::json;

use crate::helpers::{Auth, Backend, ADMIN_PASSWORD};
use crate::{app, on_both_databases};

async fn concurrent_user_creation_never_fails(backend: Backend) {
    let app = app!(backend);
    let admin = app.admin().await;
    let creations = (0..40).map(|i| {
        app.post("/api/v1/users", &admin, json!({ "username": format!("crowd{i}"), "email": format!("crowd{i}@example.com"), "password": "crowd-password-1", "role": "viewer" }))
    });
    let statuses: Vec<u16> = join_all(creations).await.iter().map(|r| r.status).collect();
    assert!(statuses.iter().all(|s| *s == 201), "{statuses:?}");
    assert_eq!(
        app.get("/api/v1/users?per_page=1", &admin).await.data()["total"],
        41
    );
    assert_eq!(
        app.audit("user.create").await.len(),
        41,
        "one audit record per user, including the initial admin"
    );
}

async fn concurrent_refreshes_succeed_and_a_raced_token_wins_once(backend: Backend) {
    let app = app!(backend);
    let mut tokens = Vec::new();
    for _ in 0..20 {
        tokens.push(
            app.login_pair("admin", ADMIN_PASSWORD).await.data()["refresh_token"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    let refreshes = tokens.iter().map(|t| {
        app.post(
            "/api/v1/auth/refresh",
            &Auth::None,
            json!({ "refresh_token": t }),
        )
    });
    let codes: Vec<i64> = join_all(refreshes).await.iter().map(|r| r.code()).collect();
    assert!(codes.iter().all(|c| *c == 0), "{codes:?}");

    let raced = app.login_pair("admin", ADMIN_PASSWORD).await.data()["refresh_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let attempts = (0..15).map(|_| {
        app.post(
            "/api/v1/auth/refresh",
            &Auth::None,
            json!({ "refresh_token": raced }),
        )
    });
    let codes: Vec<i64> = join_all(attempts).await.iter().map(|r| r.code()).collect();
    assert_eq!(codes.iter().filter(|c| **c == 0).count(), 1, "{codes:?}");
    assert!(codes.iter().all(|c| *c == 0 || *c == 40102), "{codes:?}");
}

on_both_databases!(
    concurrent_user_creation_never_fails,
    concurrent_refreshes_succeed_and_a_raced_token_wins_once
);
