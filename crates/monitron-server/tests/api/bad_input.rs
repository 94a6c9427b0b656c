//! Bad input of every kind gets an envelope with the right code, and nothing half-written.

use serde_json::json;

use crate::helpers::{Auth, Backend, TestApp};
use crate::{app, on_both_databases};

async fn raw(
    app: &TestApp,
    auth: &Auth,
    content_type: Option<&str>,
    body: Vec<u8>,
) -> crate::helpers::Resp {
    let mut req = app.client.post(app.url("/api/v1/users")).body(body);
    if let Auth::Bearer(t) = auth {
        req = req.bearer_auth(t);
    }
    if let Some(ct) = content_type {
        req = req.header("Content-Type", ct);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let text = resp.text().await.unwrap();
    crate::helpers::Resp {
        status,
        headers,
        body: serde_json::from_str(&text).unwrap_or_default(),
        text,
    }
}

/// Content type, body, expected status, code and error field.
type Case<'a> = (Option<&'a str>, Vec<u8>, u16, i64, &'a str);

async fn user_count(app: &TestApp, admin: &Auth) -> u64 {
    app.get("/api/v1/users", admin).await.data()["total"]
        .as_u64()
        .unwrap()
}

async fn malformed_wrong_and_missing_input_is_named(backend: Backend) {
    let app = app!(backend);
    let admin = app.admin().await;
    let before = user_count(&app, &admin).await;
    let json_ct = Some("application/json");
    // (content type, body, HTTP status, envelope code, field named in the error)
    let cases: Vec<Case> = vec![
        (json_ct, b"{\"username\": \"x\",".to_vec(), 400, 40002, "_"),
        (json_ct, b"not json at all".to_vec(), 400, 40002, "_"),
        (json_ct, b"".to_vec(), 400, 40002, "_"),
        (json_ct, b"[1,2]".to_vec(), 400, 40001, "[0]"),
        (json_ct, br#"{"username": 7, "email": "a@b.co", "password": "long-enough-1", "role": "viewer"}"#.to_vec(), 400, 40001, "username"),
        (json_ct, br#"{"username": "abc", "email": "a@b.co", "password": "long-enough-1"}"#.to_vec(), 400, 40001, "role"),
        (json_ct, br#"{"username": "abc", "email": "a@b.co", "password": "long-enough-1", "role": "god"}"#.to_vec(), 400, 40001, "role"),
        (json_ct, br#"{"username": "abc", "email": "a@b.co", "password": "long-enough-1", "role": "viewer", "is_admin": true}"#.to_vec(), 400, 40001, "is_admin"),
        (json_ct, br#"{"username": "abc", "email": "not-an-email", "password": "long-enough-1", "role": "viewer"}"#.to_vec(), 400, 40001, "email"),
        (Some("text/plain"), br#"{}"#.to_vec(), 415, 41501, "_"),
        (None, br#"{}"#.to_vec(), 415, 41501, "_"),
    ];
    for (ct, body, status, code, field) in cases {
        let shown = String::from_utf8_lossy(&body).into_owned();
        let r = raw(&app, &admin, ct, body).await;
        assert_eq!((r.status, r.code()), (status, code), "{shown}: {}", r.text);
        assert!(
            r.error()[field].is_string(),
            "{shown}: expected error on {field}: {}",
            r.text
        );
        assert!(r.body["data"].is_null());
        assert!(r.headers.contains_key("x-request-id"));
    }
    assert_eq!(
        user_count(&app, &admin).await,
        before,
        "nothing was written"
    );
}

async fn oversized_bodies_are_refused_with_413(backend: Backend) {
    let app = app!(backend);
    let admin = app.admin().await;
    let big = format!("{{\"username\": \"{}\"}}", "a".repeat(2 * 1024 * 1024));
    let r = raw(&app, &admin, Some("application/json"), big.into_bytes()).await;
    assert_eq!(
        (r.status, r.code()),
        (413, 41301),
        "{}",
        &r.text[..r.text.len().min(300)]
    );
    // Unauthenticated oversized bodies are refused without being read whole: the answer may
    // arrive (401/413) or the server may close while the client is still sending.
    let sent = app
        .client
        .post(app.url("/api/v1/users"))
        .header("Content-Type", "application/json")
        .body(vec![b' '; 2 * 1024 * 1024])
        .send()
        .await;
    if let Ok(resp) = sent {
        assert!(
            resp.status() == 401 || resp.status() == 413,
            "{}",
            resp.status()
        );
    }
}

async fn long_unicode_and_sql_looking_strings(backend: Backend) {
    let app = app!(backend);
    let admin = app.admin().await;
    let before = user_count(&app, &admin).await;
    let long = app.post("/api/v1/users", &admin, json!({ "username": "x".repeat(10_000), "email": format!("{}@example.com", "y".repeat(10_000)), "password": "z".repeat(100_000), "role": "viewer", "display_name": "w".repeat(10_000) })).await;
    assert_eq!(long.code(), 40001);
    for field in ["username", "email", "password", "display_name"] {
        assert!(long.error()[field].is_string(), "{field}: {}", long.text);
    }
    let sql = "Robert'); DROP TABLE users;-- 🚀 ñ";
    let created = app.post("/api/v1/users", &admin, json!({ "username": "bobby", "email": "bobby@example.com", "password": "bobby-tables-pw-1", "role": "viewer", "display_name": sql })).await;
    assert_eq!(created.status, 201, "{}", created.text);
    assert_eq!(created.data()["display_name"], sql, "stored verbatim");
    let id = created.data()["id"].as_str().unwrap();
    assert_eq!(
        app.get(&format!("/api/v1/users/{id}"), &admin).await.data()["display_name"],
        sql
    );
    let search = app.get("/api/v1/users?q=%27%29%3B%20DROP", &admin).await;
    assert_eq!(search.data()["total"], 1, "{}", search.text);
    assert_eq!(user_count(&app, &admin).await, before + 1);
    let bad_name = app.post("/api/v1/users", &admin, json!({ "username": "drop'table", "email": "q@example.com", "password": "bobby-tables-pw-1", "role": "viewer" })).await;
    assert!(bad_name.error()["username"].is_string());
}

async fn unknown_routes_methods_and_ids_answer_in_the_envelope(backend: Backend) {
    let app = app!(backend);
    let admin = app.admin().await;
    let r = app.get("/api/v1/does-not-exist", &admin).await;
    assert_eq!((r.status, r.code()), (404, 40402));
    let r = app
        .call(reqwest::Method::DELETE, "/api/v1/me", &admin, None)
        .await;
    assert_eq!((r.status, r.code()), (405, 40501));
    let r = app.get("/api/v1/users/not-a-uuid", &admin).await;
    assert_eq!(
        (r.status, r.error()["id"].as_str()),
        (400, Some("must be a UUID"))
    );
    let r = app
        .get(&format!("/api/v1/users/{}", uuid::Uuid::now_v7()), &admin)
        .await;
    assert_eq!((r.status, r.code()), (404, 40401));
    let r = app.get("/api/v1/me", &Auth::Bearer("garbage".into())).await;
    assert_eq!((r.status, r.code()), (401, 40102));
    let r = app
        .client
        .get(app.url("/api/v1/me"))
        .header("Authorization", "Token abc")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
}

async fn request_ids_are_kept_generated_and_sanitised(backend: Backend) {
    let app = app!(backend);
    let send = |id: Option<&'static str>| {
        let mut req = app.client.get(app.url("/healthz"));
        if let Some(id) = id {
            req = req.header("X-Request-ID", id);
        }
        req.send()
    };
    let kept = send(Some("trace-abc_123")).await.unwrap();
    assert_eq!(kept.headers()["x-request-id"], "trace-abc_123");
    let generated = send(None).await.unwrap();
    let id = generated.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(uuid::Uuid::parse_str(&id).unwrap().get_version_num(), 7);
    let replaced = send(Some("bad id with spaces")).await.unwrap();
    assert_ne!(replaced.headers()["x-request-id"], "bad id with spaces");
    // The id reaches the audit log of the request that did something.
    let resp = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .header("X-Request-ID", "login-req-1")
        .json(&json!({ "login": "admin", "password": "x-wrong-x" }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    let failed = app.audit("auth.login_failed").await;
    assert_eq!(failed[0]["request_id"], "login-req-1");
}

on_both_databases!(
    malformed_wrong_and_missing_input_is_named,
    oversized_bodies_are_refused_with_413,
    long_unicode_and_sql_looking_strings,
    unknown_routes_methods_and_ids_answer_in_the_envelope,
    request_ids_are_kept_generated_and_sanitised,
);
