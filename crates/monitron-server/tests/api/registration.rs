//! First-user setup token, self-registration switch.

use serde_json::json;

use crate::helpers::{Auth, Backend, Options};
use crate::{app, on_both_databases};

async fn first_account_needs_the_setup_token_and_becomes_admin(backend: Backend) {
    let app = app!(backend, Options::default().without_initial_admin());
    let token = app
        .setup_token
        .clone()
        .expect("a setup token is issued when no user exists");
    let body = |t: Option<&str>| json!({ "username": "first", "email": "first@example.com", "password": "first-password-1", "setup_token": t });
    let r = app
        .post("/api/v1/auth/register", &Auth::None, body(None))
        .await;
    assert_eq!(
        r.error()["setup_token"]
            .as_str()
            .map(|s| s.starts_with("is required")),
        Some(true),
        "{}",
        r.text
    );
    let r = app
        .post(
            "/api/v1/auth/register",
            &Auth::None,
            body(Some("setup_wrong")),
        )
        .await;
    assert_eq!(r.code(), 40001);
    let r = app
        .post("/api/v1/auth/register", &Auth::None, body(Some(&token)))
        .await;
    assert_eq!(
        (r.status, r.data()["role"].as_str()),
        (201, Some("admin")),
        "{}",
        r.text
    );

    // The token is spent, and further registration is closed by default.
    let again = json!({ "username": "second", "email": "second@example.com", "password": "second-password-1", "setup_token": token });
    let r = app
        .post("/api/v1/auth/register", &Auth::None, again.clone())
        .await;
    assert_eq!((r.status, r.code()), (403, 40301), "{}", r.text);

    let admin = app.login("first", "first-password-1").await;
    app.patch(
        "/api/v1/settings",
        &admin,
        json!({ "registration_enabled": true }),
    )
    .await;
    let open = json!({ "username": "second", "email": "second@example.com", "password": "second-password-1" });
    let r = app
        .post("/api/v1/auth/register", &Auth::None, open.clone())
        .await;
    assert_eq!(
        r.data()["role"],
        "viewer",
        "self-registered users are viewers: {}",
        r.text
    );
    let r = app.post("/api/v1/auth/register", &Auth::None, open).await;
    assert_eq!(r.code(), 40901);
    assert_eq!(r.error()["username"], "is already taken");
    assert_eq!(r.error()["email"], "is already taken");
}

async fn initial_admin_comes_from_the_environment(backend: Backend) {
    let app = app!(backend);
    assert!(app.setup_token.is_none());
    let created = app.audit("user.create").await;
    assert_eq!(created.len(), 1);
    assert_eq!(created[0]["actor"], "system");
    assert_eq!(created[0]["details"]["source"], "INITIAL_ADMIN");
}

async fn a_setup_token_used_twice_at_once_creates_one_admin(backend: Backend) {
    let app = app!(backend, Options::default().without_initial_admin());
    let token = app.setup_token.clone().unwrap();
    let register = |name: &'static str| {
        let body = json!({ "username": name, "email": format!("{name}@example.com"), "password": "racing-password-1", "setup_token": token });
        app.post("/api/v1/auth/register", &Auth::None, body)
    };
    let (a, b) = tokio::join!(register("racer-a"), register("racer-b"));
    let mut statuses = [a.status, b.status];
    statuses.sort();
    assert_eq!(statuses[0], 201, "{} / {}", a.text, b.text);
    assert!(
        statuses[1] == 400 || statuses[1] == 403,
        "{} / {}",
        a.text,
        b.text
    );
}

on_both_databases!(
    a_setup_token_used_twice_at_once_creates_one_admin,
    first_account_needs_the_setup_token_and_becomes_admin,
    initial_admin_comes_from_the_environment
);
