//! What the web UI relies on: the refresh cookie of browser sessions, single-use tickets
//! for the live WebSocket, and the UI's own files served with the right caching and
//! security headers beside the API.

use reqwest::header::{HeaderMap, SET_COOKIE};
use serde_json::{json, Value};

use crate::helpers::{Auth, Backend, Resp, TestApp, ADMIN_EMAIL, ADMIN_PASSWORD};
use crate::live::{closed_within, Socket};
use crate::{app, on_both_databases};

/// The refresh token a `Set-Cookie` header sets, and the whole header.
fn refresh_cookie(headers: &HeaderMap) -> (String, String) {
    let header = headers
        .get_all(SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|v| v.starts_with("monitron_refresh="))
        .expect("a monitron_refresh cookie");
    let value = header["monitron_refresh=".len()..]
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    (value, header)
}

/// A cookie-authenticated `POST` the way a browser sends it (no body).
async fn cookie_post(app: &TestApp, path: &str, cookie: &str, requested_with: bool) -> Resp {
    let mut req = app
        .client
        .post(app.url(path))
        .header("Cookie", format!("monitron_refresh={cookie}"));
    if requested_with {
        req = req.header("X-Requested-With", "monitron");
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let text = resp.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or(Value::Null);
    Resp {
        status,
        headers,
        body,
        text,
    }
}

async fn cookie_login(app: &TestApp) -> (Auth, String) {
    let r = app
        .post(
            "/api/v1/auth/login",
            &Auth::None,
            json!({ "login": ADMIN_EMAIL, "password": ADMIN_PASSWORD, "session": "cookie" }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let (cookie, _) = refresh_cookie(&r.headers);
    let token = r.data()["access_token"].as_str().unwrap().to_owned();
    (Auth::Bearer(token), cookie)
}

async fn browser_sessions_keep_the_refresh_token_in_an_http_only_cookie(backend: Backend) {
    let app = app!(backend);

    // Arrange: a browser sign-in.
    let r = app
        .post(
            "/api/v1/auth/login",
            &Auth::None,
            json!({ "login": ADMIN_EMAIL, "password": ADMIN_PASSWORD, "session": "cookie" }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(r.data().get("refresh_token").is_none(), "{}", r.text);
    let (cookie, header) = refresh_cookie(&r.headers);
    assert!(cookie.starts_with("mrt_"), "{header}");
    for attribute in [
        "Path=/api/v1/auth",
        "HttpOnly",
        "SameSite=Strict",
        "Max-Age=",
    ] {
        assert!(header.contains(attribute), "{attribute} missing: {header}");
    }
    assert!(
        !header.contains("Secure"),
        "plain HTTP gets no Secure: {header}"
    );

    // A cross-site form could send the cookie but not the header: refused.
    let forged = cookie_post(&app, "/api/v1/auth/refresh", &cookie, false).await;
    assert_eq!(
        (forged.status, forged.code()),
        (403, 40301),
        "{}",
        forged.text
    );

    // Act: the page refreshes silently.
    let refreshed = cookie_post(&app, "/api/v1/auth/refresh", &cookie, true).await;
    assert_eq!(refreshed.status, 200, "{}", refreshed.text);
    assert!(refreshed.data().get("refresh_token").is_none());
    let (rotated, _) = refresh_cookie(&refreshed.headers);
    assert_ne!(rotated, cookie, "the cookie rotates");
    let access = Auth::Bearer(
        refreshed.data()["access_token"]
            .as_str()
            .unwrap()
            .to_owned(),
    );
    assert_eq!(app.get("/api/v1/me", &access).await.status, 200);

    // Presenting the rotated-out cookie again revokes the family and removes the cookie.
    let reused = cookie_post(&app, "/api/v1/auth/refresh", &cookie, true).await;
    assert_eq!(
        (reused.status, reused.code()),
        (401, 40102),
        "{}",
        reused.text
    );
    let (cleared, header) = refresh_cookie(&reused.headers);
    assert!(
        cleared.is_empty() && header.contains("Max-Age=0"),
        "{header}"
    );
    assert_eq!(app.get("/api/v1/me", &access).await.status, 401);

    // Sign-out with the cookie alone (the access token may have expired) ends the session.
    let (access, cookie) = cookie_login(&app).await;
    let unsent = cookie_post(&app, "/api/v1/auth/logout", &cookie, false).await;
    assert_eq!(unsent.status, 403, "{}", unsent.text);
    let out = cookie_post(&app, "/api/v1/auth/logout", &cookie, true).await;
    assert_eq!(out.status, 200, "{}", out.text);
    assert_eq!(out.data()["revoked_sessions"], 1);
    assert!(refresh_cookie(&out.headers).1.contains("Max-Age=0"));
    assert_eq!(app.get("/api/v1/me", &access).await.status, 401);
    let after = cookie_post(&app, "/api/v1/auth/refresh", &cookie, true).await;
    assert_eq!(after.status, 401, "{}", after.text);

    // Scripts keep the token pair in the body, and a refresh without any token names the field.
    let pair = app.login_pair(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert!(pair.data()["refresh_token"]
        .as_str()
        .unwrap()
        .starts_with("mrt_"));
    assert!(pair.headers.get(SET_COOKIE).is_none());
    let missing = app
        .post("/api/v1/auth/refresh", &Auth::None, json!({}))
        .await;
    assert_eq!(missing.status, 400, "{}", missing.text);
    assert!(
        missing.error()["refresh_token"].is_string(),
        "{}",
        missing.text
    );
    // A browser whose cookie is gone is simply not signed in.
    let signed_out = app
        .client
        .post(app.url("/api/v1/auth/refresh"))
        .send()
        .await
        .unwrap();
    assert_eq!(signed_out.status(), 401);
}

async fn open_with_ticket(app: &TestApp, ticket: &str) -> Result<Socket, String> {
    let url = app
        .url(&format!("/api/v1/ws?ticket={ticket}"))
        .replace("http://", "ws://");
    tokio_tungstenite::connect_async(url)
        .await
        .map(|(socket, _)| socket)
        .map_err(|err| err.to_string())
}

async fn ticket(app: &TestApp, auth: &Auth) -> String {
    let r = app.post("/api/v1/ws/ticket", auth, json!({})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.data()["expires_in"], 30);
    r.data()["ticket"].as_str().unwrap().to_owned()
}

async fn a_ticket_opens_the_live_socket_once(backend: Backend) {
    let app = app!(backend);
    let (session, _) = cookie_login(&app).await;

    assert_eq!(
        app.post("/api/v1/ws/ticket", &Auth::None, json!({}))
            .await
            .status,
        401,
        "tickets need a credential"
    );
    let one = ticket(&app, &session).await;
    let mut socket = open_with_ticket(&app, &one)
        .await
        .expect("the ticket opens the socket");
    let again = open_with_ticket(&app, &one).await;
    assert!(again.is_err(), "a ticket works once");
    assert!(open_with_ticket(&app, "mwt_forged").await.is_err());

    // The socket lives as long as the session it was opened with.
    app.post("/api/v1/auth/logout", &session, json!({})).await;
    assert_eq!(closed_within(&mut socket, 5).await, Some(4401));

    // An API key's ticket works the same way, and a ticket outlives nothing it stands for.
    let key = app.admin_from_key().await;
    let by_key = ticket(&app, &key).await;
    assert!(open_with_ticket(&app, &by_key).await.is_ok());
    let (other, _) = cookie_login(&app).await;
    let unused = ticket(&app, &other).await;
    app.post("/api/v1/auth/logout", &other, json!({})).await;
    assert!(
        open_with_ticket(&app, &unused).await.is_err(),
        "a ticket of a revoked session opens nothing"
    );
}

on_both_databases!(
    browser_sessions_keep_the_refresh_token_in_an_http_only_cookie,
    a_ticket_opens_the_live_socket_once,
);

/// The UI's files: the app (or, in a build without Node.js, the page saying how to build
/// it) at `/` and on every client route, beside the API and operations routes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_ui_is_served_beside_the_api_with_caching_and_a_strict_policy() {
    let app = app!(Backend::Sqlite);
    let get = |path: &str, headers: &[(&str, &str)]| {
        let mut req = app.client.get(app.url(path));
        for (name, value) in headers {
            req = req.header(*name, *value);
        }
        req.send()
    };

    let index = get("/", &[]).await.unwrap();
    assert_eq!(index.status(), 200);
    let h = index.headers().clone();
    assert!(h["content-type"].to_str().unwrap().starts_with("text/html"));
    assert_eq!(h["cache-control"], "no-cache");
    let csp = h["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("script-src 'self';"), "{csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert_eq!(h["x-content-type-options"], "nosniff");
    let etag = h["etag"].to_str().unwrap().to_owned();
    let html = index.text().await.unwrap();
    assert!(html.contains("<title>Monitron"), "{html}");
    assert!(!html.contains("<script>"), "no inline scripts: {html}");

    // Revalidation answers 304 without a body.
    let again = get("/", &[("If-None-Match", &etag)]).await.unwrap();
    assert_eq!(again.status(), 304);

    // Client routes get the app; unknown API paths keep the envelope.
    let route = get("/services/0192f0c4-0000-7000-8000-000000000000", &[])
        .await
        .unwrap();
    assert_eq!(route.status(), 200);
    assert_eq!(route.text().await.unwrap(), html);
    let api = app.get("/api/v1/nowhere", &Auth::None).await;
    assert_eq!((api.status, api.code()), (404, 40402), "{}", api.text);
    let post = app.post("/settings", &Auth::None, json!({})).await;
    assert_eq!(post.status, 404, "only GET and HEAD reach the UI");

    // The server's own routes still answer.
    assert_eq!(get("/healthz", &[]).await.unwrap().status(), 200);
    assert_eq!(get("/metrics", &[]).await.unwrap().status(), 200);
    let docs = get("/docs/", &[]).await.unwrap();
    assert_eq!(docs.status(), 200);
    assert!(docs.text().await.unwrap().contains("swagger"));
    let spec = app.get("/api/v1/openapi.json", &Auth::None).await;
    assert!(spec.body["paths"]["/api/v1/ws/ticket"].is_object());

    // A missing bundle is a plain 404, never the app's HTML.
    let missing = get("/assets/index-00000000.js", &[]).await.unwrap();
    assert_eq!(missing.status(), 404);

    // Bundles are named by content: cached forever, and compressed on request.
    let bundle = html
        .split('"')
        .find(|part| part.starts_with("/assets/") && part.ends_with(".js"));
    match bundle {
        Some(path) => {
            let js = get(path, &[("Accept-Encoding", "gzip")]).await.unwrap();
            assert_eq!(js.status(), 200);
            assert_eq!(
                js.headers()["cache-control"],
                "public, max-age=31536000, immutable"
            );
            assert_eq!(js.headers()["content-encoding"], "gzip");
            assert!(js.headers()["content-type"]
                .to_str()
                .unwrap()
                .contains("javascript"));
        }
        None => {
            // A build without Node.js: the page says how to get the UI.
            assert!(html.contains("cargo build --release"), "{html}");
            let css = get("/fallback.css", &[]).await.unwrap();
            assert_eq!(css.headers()["cache-control"], "no-cache");
        }
    }
}
