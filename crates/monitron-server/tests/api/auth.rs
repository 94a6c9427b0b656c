//! Sign-in, token refresh rotation and reuse detection, expiry, sign-out, deactivation.

use serde_json::json;

use crate::helpers::{Auth, Backend, Options, ADMIN_EMAIL, ADMIN_PASSWORD};
use crate::{app, on_both_databases};

async fn login_with_username_or_email(backend: Backend) {
    let app = app!(backend);
    for login in ["admin", ADMIN_EMAIL, "ADMIN@Example.com"] {
        let r = app.login_pair(login, ADMIN_PASSWORD).await;
        assert_eq!((r.status, r.code()), (200, 0), "{login}: {}", r.text);
        let d = r.data();
        assert_eq!(d["token_type"], "Bearer");
        assert_eq!(d["expires_in"], 900);
        assert_eq!(d["user"]["username"], "admin");
        assert!(d["user"].get("password_hash").is_none());
        assert!(d["refresh_token"].as_str().unwrap().starts_with("mrt_"));
    }
    let me = app.get("/api/v1/me", &app.admin().await).await;
    assert_eq!(me.data()["role"], "admin");
    assert!(me.data()["last_login_at"].is_string());
}

async fn wrong_password_and_unknown_user_look_the_same_and_are_audited(backend: Backend) {
    let app = app!(backend);
    let wrong = app.login_pair("admin", "not-the-password").await;
    let unknown = app.login_pair("nobody", "not-the-password").await;
    for r in [&wrong, &unknown] {
        assert_eq!((r.status, r.code()), (401, 40103), "{}", r.text);
    }
    assert_eq!(wrong.body["error"], unknown.body["error"]);
    let failed = app.audit("auth.login_failed").await;
    assert_eq!(failed.len(), 2);
    assert!(failed
        .iter()
        .any(|e| e["details"]["login"] == "nobody" && e["target_id"].is_null()));
    assert!(failed
        .iter()
        .any(|e| e["details"]["login"] == "admin" && e["target_type"] == "user"));
    assert!(failed
        .iter()
        .all(|e| e["ip"] == "127.0.0.1" && e["request_id"].is_string()));
}

async fn refresh_rotates_and_reuse_revokes_the_family(backend: Backend) {
    let app = app!(backend);
    let first = app.login_pair("admin", ADMIN_PASSWORD).await;
    let r1 = first.data()["refresh_token"].as_str().unwrap().to_owned();

    let second = app
        .post(
            "/api/v1/auth/refresh",
            &Auth::None,
            json!({ "refresh_token": r1 }),
        )
        .await;
    assert_eq!(second.code(), 0, "{}", second.text);
    let r2 = second.data()["refresh_token"].as_str().unwrap().to_owned();
    let a2 = Auth::Bearer(second.data()["access_token"].as_str().unwrap().to_owned());
    assert_ne!(r1, r2);
    assert_eq!(app.get("/api/v1/me", &a2).await.code(), 0);

    // r1 was already used: presenting it again means it leaked. The whole session dies.
    let reuse = app
        .post(
            "/api/v1/auth/refresh",
            &Auth::None,
            json!({ "refresh_token": r1 }),
        )
        .await;
    assert_eq!((reuse.status, reuse.code()), (401, 40102));
    let after = app
        .post(
            "/api/v1/auth/refresh",
            &Auth::None,
            json!({ "refresh_token": r2 }),
        )
        .await;
    assert_eq!(after.code(), 40102, "the rotated successor is revoked too");
    assert_eq!(
        app.get("/api/v1/me", &a2).await.code(),
        40102,
        "access tokens of the session stop working"
    );
    assert_eq!(app.audit("auth.refresh_reuse_detected").await.len(), 1);

    // Other sessions of the same user are untouched.
    assert_eq!(app.get("/api/v1/me", &app.admin().await).await.code(), 0);
    let garbage = app
        .post(
            "/api/v1/auth/refresh",
            &Auth::None,
            json!({ "refresh_token": "mrt_nonsense" }),
        )
        .await;
    assert_eq!(garbage.code(), 40102);
}

async fn access_tokens_expire(backend: Backend) {
    let app = app!(backend, Options::default().env("ACCESS_TOKEN_TTL", "1s"));
    let pair = app.login_pair("admin", ADMIN_PASSWORD).await;
    assert_eq!(pair.data()["expires_in"], 1);
    let auth = Auth::Bearer(pair.data()["access_token"].as_str().unwrap().to_owned());
    assert_eq!(app.get("/api/v1/me", &auth).await.code(), 0);
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    let expired = app.get("/api/v1/me", &auth).await;
    assert_eq!((expired.status, expired.code()), (401, 40102));
    // The refresh token still gets a fresh access token.
    let refreshed = app
        .post(
            "/api/v1/auth/refresh",
            &Auth::None,
            json!({ "refresh_token": pair.data()["refresh_token"] }),
        )
        .await;
    assert_eq!(refreshed.code(), 0, "{}", refreshed.text);
}

async fn logout_revokes_the_session(backend: Backend) {
    let app = app!(backend);
    let pair = app.login_pair("admin", ADMIN_PASSWORD).await;
    let auth = Auth::Bearer(pair.data()["access_token"].as_str().unwrap().to_owned());
    let out = app.post("/api/v1/auth/logout", &auth, json!({})).await;
    assert_eq!(out.code(), 0, "{}", out.text);
    assert_eq!(out.data()["revoked_sessions"], 1);
    assert_eq!(app.get("/api/v1/me", &auth).await.code(), 40102);
    let refresh = app
        .post(
            "/api/v1/auth/refresh",
            &Auth::None,
            json!({ "refresh_token": pair.data()["refresh_token"] }),
        )
        .await;
    assert_eq!(refresh.code(), 40102);
    assert_eq!(app.audit("auth.logout").await.len(), 1);
}

async fn deactivation_cuts_tokens_and_keys_at_once(backend: Backend) {
    let app = app!(backend);
    let admin = app.admin().await;
    let (id, password, auth) = app.user_with_token("dora", "editor").await;
    let key = app
        .post("/api/v1/me/api-keys", &auth, json!({ "name": "script" }))
        .await;
    let key = Auth::ApiKey(key.data()["key"].as_str().unwrap().to_owned());
    assert_eq!(app.get("/api/v1/me", &key).await.code(), 0);

    let off = app
        .patch(
            &format!("/api/v1/users/{id}"),
            &admin,
            json!({ "active": false }),
        )
        .await;
    assert_eq!(off.data()["status"], "inactive", "{}", off.text);
    assert_eq!(app.get("/api/v1/me", &auth).await.code(), 40102);
    assert_eq!(app.get("/api/v1/me", &key).await.code(), 40102);
    let login = app.login_pair("dora", &password).await;
    assert_eq!((login.status, login.code()), (403, 40302));

    app.patch(
        &format!("/api/v1/users/{id}"),
        &admin,
        json!({ "active": true }),
    )
    .await;
    assert_eq!(app.login_pair("dora", &password).await.code(), 0);
    assert_eq!(
        app.get("/api/v1/me", &auth).await.code(),
        40102,
        "old sessions stay revoked"
    );
    assert_eq!(
        app.get("/api/v1/me", &key).await.code(),
        0,
        "keys work again with the account"
    );
}

async fn password_change_revokes_every_session(backend: Backend) {
    let app = app!(backend);
    let (_, password, auth) = app.user_with_token("pat", "viewer").await;
    let other = app.login_pair("pat", &password).await;
    let wrong = app
        .post(
            "/api/v1/me/password",
            &auth,
            json!({ "current_password": "nope-nope-nope", "new_password": "brand-new-password-1" }),
        )
        .await;
    assert_eq!(wrong.error()["current_password"], "is incorrect");
    let weak = app
        .post(
            "/api/v1/me/password",
            &auth,
            json!({ "current_password": password, "new_password": "pat" }),
        )
        .await;
    assert!(weak.error()["new_password"].is_string(), "{}", weak.text);

    let ok = app
        .post(
            "/api/v1/me/password",
            &auth,
            json!({ "current_password": password, "new_password": "brand-new-password-1" }),
        )
        .await;
    assert_eq!(ok.code(), 0, "{}", ok.text);
    assert_eq!(app.get("/api/v1/me", &auth).await.code(), 40102);
    let refresh = app
        .post(
            "/api/v1/auth/refresh",
            &Auth::None,
            json!({ "refresh_token": other.data()["refresh_token"] }),
        )
        .await;
    assert_eq!(
        refresh.code(),
        40102,
        "refresh tokens of other sessions are revoked"
    );
    assert_eq!(app.login_pair("pat", &password).await.code(), 40103);
    app.login("pat", "brand-new-password-1").await;
    assert_eq!(app.audit("password.change").await.len(), 1);
}

async fn basic_auth_works_only_when_enabled(backend: Backend) {
    let app = app!(backend);
    let basic = Auth::Basic("admin".into(), ADMIN_PASSWORD.into());
    assert_eq!(app.get("/api/v1/me", &basic).await.code(), 40301);
    let on = app
        .patch(
            "/api/v1/settings",
            &app.admin().await,
            json!({ "basic_auth_enabled": true }),
        )
        .await;
    assert_eq!(on.data()["basic_auth_enabled"], true, "{}", on.text);
    assert_eq!(
        app.get("/api/v1/me", &basic).await.data()["username"],
        "admin"
    );
    let bad = app
        .get(
            "/api/v1/me",
            &Auth::Basic("admin".into(), "wrong-password".into()),
        )
        .await;
    assert_eq!(bad.code(), 40102);
    let changes = app.audit("setting.update").await;
    assert_eq!(changes[0]["details"]["to"]["basic_auth_enabled"], true);
}

async fn preferences_round_trip_and_are_validated(backend: Backend) {
    let app = app!(backend);
    let (_, _, auth) = app.user_with_token("pref", "viewer").await;
    let r = app.get("/api/v1/me/preferences", &auth).await;
    assert_eq!(r.data(), &json!({ "theme": "system", "color": "blue" }));
    let put = app
        .call(
            reqwest::Method::PUT,
            "/api/v1/me/preferences",
            &auth,
            Some(json!({ "theme": "dark", "color": "orange" })),
        )
        .await;
    assert_eq!(put.data(), &json!({ "theme": "dark", "color": "orange" }));
    assert_eq!(
        app.get("/api/v1/me/preferences", &auth).await.data()["theme"],
        "dark"
    );
    let bad = app
        .call(
            reqwest::Method::PUT,
            "/api/v1/me/preferences",
            &auth,
            Some(json!({ "theme": "neon", "color": "orange" })),
        )
        .await;
    assert_eq!(bad.code(), 40001);
    assert!(bad.error()["theme"].is_string(), "{}", bad.text);
}

async fn profile_email_change_needs_the_password(backend: Backend) {
    let app = app!(backend);
    let (_, password, auth) = app.user_with_token("prof", "viewer").await;
    let r = app
        .patch("/api/v1/me", &auth, json!({ "display_name": "  Zoë 🚀 " }))
        .await;
    assert_eq!(r.data()["display_name"], "Zoë 🚀");
    let r = app
        .patch("/api/v1/me", &auth, json!({ "email": "new@example.com" }))
        .await;
    assert_eq!(
        r.error()["current_password"],
        "is required to change the e-mail address"
    );
    let r = app
        .patch(
            "/api/v1/me",
            &auth,
            json!({ "email": "admin@example.com", "current_password": password }),
        )
        .await;
    assert_eq!((r.status, r.code()), (409, 40901));
    assert_eq!(r.error()["email"], "is already taken");
    let r = app
        .patch(
            "/api/v1/me",
            &auth,
            json!({ "email": "New@Example.com", "current_password": password }),
        )
        .await;
    assert_eq!(r.data()["email"], "new@example.com");
}

async fn basic_auth_is_cached_audited_and_follows_password_changes(backend: Backend) {
    let app = app!(backend);
    app.patch(
        "/api/v1/settings",
        &app.admin().await,
        json!({ "basic_auth_enabled": true }),
    )
    .await;
    let (_, password, session) = app.user_with_token("basil", "viewer").await;
    let basic = Auth::Basic("basil".into(), password.clone());
    for _ in 0..3 {
        assert_eq!(app.get("/api/v1/me", &basic).await.code(), 0);
    }
    let wrong = app
        .get(
            "/api/v1/me",
            &Auth::Basic("basil".into(), "hunter2-wrong".into()),
        )
        .await;
    assert_eq!(wrong.code(), 40102);
    let failed = app.audit("auth.login_failed").await;
    assert_eq!(
        (failed.len(), failed[0]["details"]["method"].as_str()),
        (1, Some("basic"))
    );
    assert!(
        !failed[0].to_string().contains("hunter2"),
        "passwords never reach the audit log"
    );
    // A cached verification dies with the password it verified.
    app.post(
        "/api/v1/me/password",
        &session,
        json!({ "current_password": password, "new_password": "basil-new-password" }),
    )
    .await;
    assert_eq!(app.get("/api/v1/me", &basic).await.code(), 40102);
    assert_eq!(
        app.get(
            "/api/v1/me",
            &Auth::Basic("basil".into(), "basil-new-password".into())
        )
        .await
        .code(),
        0
    );
}

on_both_databases!(
    basic_auth_is_cached_audited_and_follows_password_changes,
    login_with_username_or_email,
    wrong_password_and_unknown_user_look_the_same_and_are_audited,
    refresh_rotates_and_reuse_revokes_the_family,
    access_tokens_expire,
    logout_revokes_the_session,
    deactivation_cuts_tokens_and_keys_at_once,
    password_change_revokes_every_session,
    basic_auth_works_only_when_enabled,
    preferences_round_trip_and_are_validated,
    profile_email_change_needs_the_password,
);
