//! API keys: shown once, hashed, scoped no higher than the owner, expiring, revocable.

use serde_json::json;

use crate::helpers::{Auth, Backend};
use crate::{app, on_both_databases};

async fn keys_are_shown_once_and_act_as_their_role(backend: Backend) {
    let app = app!(backend);
    let (_, _, editor) = app.user_with_token("ed-user", "editor").await;
    let too_high = app
        .post(
            "/api/v1/me/api-keys",
            &editor,
            json!({ "name": "x", "role": "admin" }),
        )
        .await;
    assert_eq!(
        too_high.error()["role"],
        "must not exceed your own role (editor)"
    );
    let past = app
        .post(
            "/api/v1/me/api-keys",
            &editor,
            json!({ "name": "x", "expires_at": "2001-01-01T00:00:00Z" }),
        )
        .await;
    assert!(past.error()["expires_at"].is_string());

    let created = app
        .post(
            "/api/v1/me/api-keys",
            &editor,
            json!({ "name": "deploy bot", "role": "viewer" }),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let key = created.data()["key"].as_str().unwrap().to_owned();
    assert!(key.starts_with(created.data()["prefix"].as_str().unwrap()));
    let listed = app.get("/api/v1/me/api-keys", &editor).await;
    assert_eq!(listed.data()["total"], 1);
    assert!(
        listed.data()["items"][0].get("key").is_none(),
        "the key is never shown again"
    );
    assert!(!listed.text.contains(&key));
    // Not stored in clear either.
    let rows = monitron_server::db::entities::api_key::Entity::find()
        .all(&app.db)
        .await
        .unwrap();
    assert!(rows
        .iter()
        .all(|r| r.key_hash != key && !r.key_hash.contains(&key[4..])));

    let as_key = Auth::ApiKey(key.clone());
    assert_eq!(
        app.get("/api/v1/me", &as_key).await.data()["username"],
        "ed-user"
    );
    let create_with_key = app
        .post("/api/v1/me/api-keys", &as_key, json!({ "name": "y" }))
        .await;
    assert_eq!(create_with_key.code(), 40301, "keys cannot mint keys");

    // A key acts with the lower of its role and its owner's current role.
    let admin = app.admin().await;
    let (ad2_id, _, ad2) = app.user_with_token("ad2", "admin").await;
    let admin_key = Auth::ApiKey(
        app.post("/api/v1/me/api-keys", &ad2, json!({ "name": "ops" }))
            .await
            .data()["key"]
            .as_str()
            .unwrap()
            .to_owned(),
    );
    assert_eq!(app.get("/api/v1/users", &admin_key).await.code(), 0);
    app.patch(
        &format!("/api/v1/users/{ad2_id}"),
        &admin,
        json!({ "role": "viewer" }),
    )
    .await;
    assert_eq!(
        app.get("/api/v1/users", &admin_key).await.code(),
        40301,
        "demoting the owner caps the key"
    );

    let key_id = created.data()["id"].as_str().unwrap();
    let deleted = app
        .call(
            reqwest::Method::DELETE,
            &format!("/api/v1/me/api-keys/{key_id}"),
            &editor,
            None,
        )
        .await;
    assert_eq!(deleted.data()["id"], key_id, "{}", deleted.text);
    assert_eq!(app.get("/api/v1/me", &as_key).await.code(), 40102);
    let again = app
        .call(
            reqwest::Method::DELETE,
            &format!("/api/v1/me/api-keys/{key_id}"),
            &editor,
            None,
        )
        .await;
    assert_eq!(again.code(), 40401);
    assert_eq!(app.audit("api_key.create").await.len(), 2);
    assert_eq!(app.audit("api_key.delete").await.len(), 1);
}

async fn expired_keys_stop_working(backend: Backend) {
    let app = app!(backend);
    let admin = app.admin().await;
    let soon = (chrono::Utc::now() + chrono::Duration::milliseconds(1500)).to_rfc3339();
    let created = app
        .post(
            "/api/v1/me/api-keys",
            &admin,
            json!({ "name": "short-lived", "expires_at": soon }),
        )
        .await;
    let key = Auth::ApiKey(created.data()["key"].as_str().unwrap().to_owned());
    assert_eq!(app.get("/api/v1/me", &key).await.code(), 0);
    tokio::time::sleep(std::time::Duration::from_millis(2000)).await;
    assert_eq!(app.get("/api/v1/me", &key).await.code(), 40102);
}

async fn a_users_keys_are_invisible_to_others(backend: Backend) {
    let app = app!(backend);
    let (_, _, alice) = app.user_with_token("alice", "editor").await;
    let (_, _, bob) = app.user_with_token("bob", "editor").await;
    let created = app
        .post("/api/v1/me/api-keys", &alice, json!({ "name": "alice's" }))
        .await;
    let id = created.data()["id"].as_str().unwrap();
    assert_eq!(
        app.get("/api/v1/me/api-keys", &bob).await.data()["total"],
        0
    );
    let steal = app
        .call(
            reqwest::Method::DELETE,
            &format!("/api/v1/me/api-keys/{id}"),
            &bob,
            None,
        )
        .await;
    assert_eq!(steal.code(), 40401);
}

/// Regression: an unrelated Authorization header (added by a client library or proxy)
/// used to override a valid X-API-Key and turn every request into 40102.
async fn api_key_takes_precedence_over_an_authorization_header(backend: Backend) {
    let app = app!(backend);
    let created = app
        .post(
            "/api/v1/me/api-keys",
            &app.admin().await,
            json!({ "name": "both" }),
        )
        .await;
    let key = created.data()["key"].as_str().unwrap().to_owned();
    let r = app
        .client
        .get(app.url("/api/v1/users"))
        .header("X-API-Key", &key)
        .header("Authorization", "Bearer junk")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = app
        .client
        .get(app.url("/api/v1/users"))
        .header("X-API-Key", "mon_wrong")
        .bearer_auth("junk")
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        401,
        "a bad key is not rescued by another header"
    );
}

use sea_orm::EntityTrait;

on_both_databases!(
    api_key_takes_precedence_over_an_authorization_header,
    keys_are_shown_once_and_act_as_their_role,
    expired_keys_stop_working,
    a_users_keys_are_invisible_to_others
);
