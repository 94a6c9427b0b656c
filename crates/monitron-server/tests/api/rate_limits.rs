//! Rate limits trip with 42901 and Retry-After, and recover.

use std::time::Duration;

use serde_json::json;

use crate::helpers::{Auth, Backend, Options, TestApp};
use crate::{app, on_both_databases};

async fn login_from(
    app: &TestApp,
    login: &str,
    forwarded_for: Option<&str>,
) -> (u16, i64, Option<String>) {
    let mut req = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({ "login": login, "password": "wrong-password" }));
    if let Some(ip) = forwarded_for {
        req = req.header("X-Forwarded-For", ip);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let retry = resp
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_owned());
    let body: serde_json::Value = resp.json().await.unwrap();
    (status, body["code"].as_i64().unwrap(), retry)
}

async fn login_per_ip_trips_and_recovers(backend: Backend) {
    let app = app!(
        backend,
        Options::default().env("RATE_LIMIT_LOGIN_PER_IP", "3/2s")
    );
    for _ in 0..3 {
        assert_eq!(login_from(&app, "admin", None).await.1, 40103);
    }
    let (status, code, retry) = login_from(&app, "someone-else", None).await;
    assert_eq!((status, code), (429, 42901));
    let retry: u64 = retry.expect("Retry-After").parse().unwrap();
    assert!((1..=2).contains(&retry), "{retry}");
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(
        login_from(&app, "admin", None).await.1,
        40103,
        "one slot refills every 2s/3"
    );
}

async fn login_per_account_trips_independently_of_ip(backend: Backend) {
    let options = Options::default()
        .env("RATE_LIMIT_LOGIN_PER_ACCOUNT", "2/1s")
        .env("TRUSTED_PROXIES", "127.0.0.1");
    let app = app!(backend, options);
    assert_eq!(
        login_from(&app, "admin", Some("198.51.100.1")).await.1,
        40103
    );
    assert_eq!(
        login_from(&app, "ADMIN", Some("198.51.100.2")).await.1,
        40103
    );
    assert_eq!(
        login_from(&app, "admin", Some("198.51.100.3")).await.1,
        42901,
        "same account from a new address"
    );
    assert_eq!(
        login_from(&app, "other", Some("198.51.100.3")).await.1,
        40103,
        "other accounts are unaffected"
    );
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(
        login_from(&app, "admin", Some("198.51.100.4")).await.1,
        40103
    );
}

async fn forwarded_for_counts_only_behind_a_trusted_proxy(backend: Backend) {
    let trusted = app!(
        backend,
        Options::default()
            .env("RATE_LIMIT_LOGIN_PER_IP", "1/1m")
            .env("TRUSTED_PROXIES", "127.0.0.0/8")
    );
    assert_eq!(
        login_from(&trusted, "a1", Some("203.0.113.1")).await.1,
        40103
    );
    assert_eq!(
        login_from(&trusted, "a2", Some("203.0.113.2")).await.1,
        40103,
        "a different client behind the proxy"
    );
    assert_eq!(
        login_from(&trusted, "a3", Some("203.0.113.1")).await.1,
        42901
    );
    let audit = trusted.audit("auth.login_failed").await;
    assert!(
        audit.iter().any(|e| e["ip"] == "203.0.113.2"),
        "the audit log records the real client"
    );

    let untrusted = app!(
        backend,
        Options::default().env("RATE_LIMIT_LOGIN_PER_IP", "1/1m")
    );
    assert_eq!(
        login_from(&untrusted, "b1", Some("203.0.113.1")).await.1,
        40103
    );
    assert_eq!(
        login_from(&untrusted, "b2", Some("203.0.113.2")).await.1,
        42901,
        "spoofed headers are ignored"
    );
}

async fn forgot_password_and_register_are_limited(backend: Backend) {
    let options = Options::default()
        .env("RATE_LIMIT_FORGOT_PER_EMAIL", "2/1s")
        .env("RATE_LIMIT_FORGOT_PER_IP", "4/1s")
        .env("RATE_LIMIT_REGISTER_PER_IP", "1/1s");
    let app = app!(backend, options);
    let forgot = |email: &'static str| {
        let app = &app;
        async move {
            app.post(
                "/api/v1/auth/forgot-password",
                &Auth::None,
                json!({ "email": email }),
            )
            .await
            .code()
        }
    };
    assert_eq!(
        (
            forgot("a@example.com").await,
            forgot("a@example.com").await,
            forgot("a@example.com").await
        ),
        (0, 0, 42901)
    );
    assert_eq!(
        (forgot("b@example.com").await, forgot("c@example.com").await),
        (0, 42901),
        "per IP: 4 in total"
    );
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(forgot("a@example.com").await, 0);

    let register = |name: &'static str| {
        let app = &app;
        async move {
            app.post("/api/v1/auth/register", &Auth::None, json!({ "username": name, "email": format!("{name}@example.com"), "password": "register-password-1" })).await
        }
    };
    assert_eq!(
        register("reg1").await.code(),
        40301,
        "registration is closed but still counted"
    );
    let limited = register("reg2").await;
    assert_eq!(
        (limited.code(), limited.headers.contains_key("retry-after")),
        (42901, true)
    );
}

async fn username_and_email_share_one_account_budget_and_basic_auth_counts(backend: Backend) {
    let options = Options::default()
        .env("RATE_LIMIT_LOGIN_PER_ACCOUNT", "2/1m")
        .env("RATE_LIMIT_LOGIN_PER_IP", "4/1m");
    let app = app!(backend, options);
    // Budgets spent: IP 1, account 1.
    app.patch(
        "/api/v1/settings",
        &app.admin_from_key().await,
        json!({ "basic_auth_enabled": true }),
    )
    .await;
    assert_eq!(login_from(&app, "admin", None).await.1, 40103);
    assert_eq!(
        login_from(&app, "admin@example.com", None).await.1,
        42901,
        "the e-mail and the username are one account"
    );
    // Failed Basic credentials spend the same per-IP budget (4: three used above).
    let guess = |n: u32| Auth::Basic(format!("nobody{n}"), "guess-guess".into());
    assert_eq!(app.get("/api/v1/me", &guess(1)).await.code(), 40102);
    let limited = app.get("/api/v1/me", &guess(2)).await;
    assert_eq!(
        (limited.code(), limited.headers.contains_key("retry-after")),
        (42901, true)
    );
}

on_both_databases!(
    username_and_email_share_one_account_budget_and_basic_auth_counts,
    login_per_ip_trips_and_recovers,
    login_per_account_trips_independently_of_ip,
    forwarded_for_counts_only_behind_a_trusted_proxy,
    forgot_password_and_register_are_limited,
);
