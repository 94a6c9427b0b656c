//! Regression tests for defects found in review, each named after what broke, with a line
//! saying what.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::{FutureExt, SinkExt, StreamExt};
use monitron_probe::Outcome;
use monitron_server::engine::worker::{Handled, Job, Worker};
use reqwest::Method;
use sea_orm::{ConnectionTrait, DbBackend};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

use crate::helpers::{Auth, Backend, Options, TestApp};
use crate::live::{closed_within, Socket};
use crate::targets::{create_service, metric, wait_for, HttpTarget};
use crate::{app, on_both_databases};

/// Opens `/api/v1/ws` with the credential.
async fn live(app: &TestApp, auth: &Auth) -> Socket {
    let mut request = app
        .url("/api/v1/ws")
        .replace("http://", "ws://")
        .into_client_request()
        .unwrap();
    let (name, value) = match auth {
        Auth::Bearer(t) => ("authorization", format!("Bearer {t}")),
        Auth::ApiKey(k) => ("x-api-key", k.clone()),
        Auth::Basic(user, password) => {
            use base64::Engine;
            let pair =
                base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
            ("authorization", format!("Basic {pair}"))
        }
        other => panic!("{other:?}"),
    };
    request.headers_mut().insert(name, value.parse().unwrap());
    tokio_tungstenite::connect_async(request).await.unwrap().0
}

/// The next event on a live socket, within 10 s.
async fn next_event(socket: &mut Socket) -> Value {
    loop {
        match tokio::time::timeout(Duration::from_secs(10), socket.next()).await {
            Ok(Some(Ok(Message::Text(text)))) => {
                return serde_json::from_str::<Value>(&text).unwrap();
            }
            Ok(Some(Ok(_))) => {}
            other => panic!("no event: {other:?}"),
        }
    }
}

/// Regression: an editor could point someone else's monitor (or instance) at a server of
/// their own, send the secret back as the mask, and receive the stored credential.
async fn a_masked_secret_is_refused_when_the_target_changes(backend: Backend) {
    let app = app!(backend);
    let admin = app.admin().await;
    let (_, _, editor) = app.user_with_token("mallory", "editor").await;
    let target = HttpTarget::start().await;
    let service = create_service(
        &app,
        &admin,
        json!({ "name": "billing", "type": "http", "interval_s": 3600,
                "config": { "url": target.url, "auth": { "type": "bearer", "token": "s3cret" } } }),
    )
    .await;
    let path = format!("/api/v1/services/{}", service["id"].as_str().unwrap());
    let repointed = app
        .patch(
            &path,
            &editor,
            json!({ "config": { "url": "http://127.0.0.1:9/steal",
            "auth": { "type": "bearer", "token": "********" } } }),
        )
        .await;
    assert_eq!(repointed.status, 400, "{}", repointed.text);
    assert_eq!(
        repointed.error()["config.auth.token"],
        "re-enter the secret when the target changes"
    );
    // The same destination with another path keeps the secret, and it is still sent.
    let same_host = format!("{}?probe=1", target.url);
    let kept = app
        .patch(
            &path,
            &editor,
            json!({ "config": { "url": same_host,
            "auth": { "type": "bearer", "token": "********" } } }),
        )
        .await;
    assert_eq!(kept.status, 200, "{}", kept.text);
    let checked = app.post(&format!("{path}/check"), &editor, json!({})).await;
    assert_eq!(checked.data()["status"], "up", "{}", checked.text);
    assert_eq!(
        target.authorizations().last().cloned().flatten().as_deref(),
        Some("Bearer s3cret")
    );

    let instance = app
        .post(
            "/api/v1/instances",
            &admin,
            json!({ "name": "db1", "host": "127.0.0.1",
                    "agent_auth": { "type": "api_key", "api_key": "agent-key-0123456789" } }),
        )
        .await;
    assert_eq!(instance.status, 201, "{}", instance.text);
    let moved = app
        .patch(
            &format!("/api/v1/instances/{}", instance.data()["id"].as_str().unwrap()),
            &editor,
            json!({ "host": "10.66.66.66", "agent_auth": { "type": "api_key", "api_key": "********" } }),
        )
        .await;
    assert_eq!(moved.status, 400, "{}", moved.text);
    assert_eq!(
        moved.error()["agent_auth.api_key"],
        "re-enter the secret when the target changes"
    );
    // Leaving the credentials out keeps them on the same terms: refused for a new address,
    // kept (sealed once, as they were) for a rename.
    let instance_path = format!(
        "/api/v1/instances/{}",
        instance.data()["id"].as_str().unwrap()
    );
    let moved = app
        .patch(&instance_path, &editor, json!({ "host": "10.66.66.66" }))
        .await;
    assert_eq!(moved.status, 400, "{}", moved.text);
    assert!(
        moved.error()["agent_auth.api_key"].is_string(),
        "{}",
        moved.text
    );
    let renamed = app
        .patch(&instance_path, &editor, json!({ "name": "db1 (primary)" }))
        .await;
    assert_eq!(renamed.status, 200, "{}", renamed.text);
    let id: uuid::Uuid = instance.data()["id"].as_str().unwrap().parse().unwrap();
    let stored =
        <monitron_server::db::entities::monitor::Entity as sea_orm::EntityTrait>::find_by_id(id)
            .one(&app.db)
            .await
            .unwrap()
            .unwrap()
            .config;
    let sealed = stored["auth"]["api_key"].as_str().unwrap();
    assert_eq!(
        app.state.cipher.open(sealed).unwrap(),
        "agent-key-0123456789"
    );
}

/// Regression: the live WebSocket checked its caller once, so it went on streaming after
/// the session was revoked, the user deactivated or deleted, or the API key deleted or
/// expired.
async fn a_live_socket_closes_when_its_credentials_are_revoked(backend: Backend) {
    let app = app!(backend);
    let admin = app.admin_from_key().await;

    // Sign-out.
    let (_, password, session) = app.user_with_token("leaving", "viewer").await;
    let mut socket = live(&app, &session).await;
    assert_eq!(
        app.post("/api/v1/auth/logout", &session, json!({}))
            .await
            .status,
        200
    );
    assert_eq!(closed_within(&mut socket, 5).await, Some(4401));

    // A password change signs out every session, this one included.
    let session = app.login("leaving", &password).await;
    let mut socket = live(&app, &session).await;
    let changed = app
        .post(
            "/api/v1/me/password",
            &session,
            json!({ "current_password": password, "new_password": "a-brand-new-password-9" }),
        )
        .await;
    assert_eq!(changed.status, 200, "{}", changed.text);
    assert_eq!(closed_within(&mut socket, 5).await, Some(4401));

    // Refresh-token reuse revokes the session.
    let pair = app.login_pair("leaving", "a-brand-new-password-9").await;
    let access = Auth::Bearer(pair.data()["access_token"].as_str().unwrap().to_owned());
    let refresh = pair.data()["refresh_token"].as_str().unwrap().to_owned();
    let mut socket = live(&app, &access).await;
    for _ in 0..2 {
        app.post(
            "/api/v1/auth/refresh",
            &Auth::None,
            json!({ "refresh_token": refresh }),
        )
        .await;
    }
    assert_eq!(closed_within(&mut socket, 5).await, Some(4401));

    // Deactivation, then deletion.
    let (id, _, session) = app.user_with_token("deactivated", "viewer").await;
    let mut socket = live(&app, &session).await;
    let r = app
        .patch(
            &format!("/api/v1/users/{id}"),
            &admin,
            json!({ "active": false }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(closed_within(&mut socket, 5).await, Some(4401));
    let (id, _, session) = app.user_with_token("deleted", "viewer").await;
    let mut socket = live(&app, &session).await;
    let admin_session = app.admin().await;
    let r = app
        .call(
            Method::DELETE,
            &format!("/api/v1/users/{id}"),
            &admin_session,
            Some(json!({ "confirm_password": crate::helpers::ADMIN_PASSWORD })),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(closed_within(&mut socket, 5).await, Some(4401));

    // An API key deleted, and one that expires.
    let (_, _, owner) = app.user_with_token("scripter", "viewer").await;
    let key = app
        .post("/api/v1/me/api-keys", &owner, json!({ "name": "live" }))
        .await;
    let key_id = key.data()["id"].as_str().unwrap().to_owned();
    let mut socket = live(
        &app,
        &Auth::ApiKey(key.data()["key"].as_str().unwrap().to_owned()),
    )
    .await;
    let r = app
        .call(
            Method::DELETE,
            &format!("/api/v1/me/api-keys/{key_id}"),
            &owner,
            None,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(closed_within(&mut socket, 5).await, Some(4401));
    let expires_at = chrono::Utc::now() + chrono::Duration::seconds(3);
    let key = app
        .post(
            "/api/v1/me/api-keys",
            &owner,
            json!({ "name": "short-lived", "expires_at": expires_at }),
        )
        .await;
    assert_eq!(key.status, 201, "{}", key.text);
    let mut socket = live(
        &app,
        &Auth::ApiKey(key.data()["key"].as_str().unwrap().to_owned()),
    )
    .await;
    assert_eq!(closed_within(&mut socket, 3 + 5).await, Some(4401));
    assert!(chrono::Utc::now() >= expires_at);

    // A session that expires.
    let (id, _, session) = app.user_with_token("expiring", "viewer").await;
    let mut socket = live(&app, &session).await;
    {
        use monitron_server::db::entities::session as sessions;
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        let id: uuid::Uuid = id.parse().unwrap();
        sessions::Entity::update_many()
            .col_expr(
                sessions::Column::ExpiresAt,
                sea_orm::sea_query::Expr::value(chrono::Utc::now() - chrono::Duration::seconds(1)),
            )
            .filter(sessions::Column::UserId.eq(id))
            .exec(&app.db)
            .await
            .unwrap();
    }
    assert_eq!(closed_within(&mut socket, 5).await, Some(4401));

    // Basic authentication turned off.
    let basic_auth = |on: bool| json!({ "basic_auth_enabled": on });
    let admin_session = app.admin().await;
    let r = app
        .patch("/api/v1/settings", &admin_session, basic_auth(true))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let basic = Auth::Basic("admin".into(), crate::helpers::ADMIN_PASSWORD.into());
    let mut socket = live(&app, &basic).await;
    let r = app
        .patch("/api/v1/settings", &admin_session, basic_auth(false))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(closed_within(&mut socket, 5).await, Some(4401));
}

/// Regression: a grant removed while a live socket was open kept streaming that group's
/// events until the socket closed.
async fn grant_changes_apply_to_a_live_socket_from_the_next_event(backend: Backend) {
    let app = app!(backend);
    let admin = app.admin().await;
    let (uid, _, narrowed) = app.user_with_token("watcher", "viewer").await;
    let grants = |groups: &[&str]| {
        json!(groups
            .iter()
            .map(|g| json!({ "group": g, "role": "viewer" }))
            .collect::<Vec<_>>())
    };
    let grants_path = format!("/api/v1/users/{uid}/grants");
    let put = |body: Value| app.call(Method::PUT, &grants_path, &admin, Some(body));
    assert_eq!(put(grants(&["web", "ops"])).await.status, 200);
    let target = HttpTarget::start().await;
    let web = create_service(&app, &admin, json!({ "name": "web", "type": "http", "interval_s": 1, "group": "web", "config": { "url": target.url } })).await;
    let ops = create_service(&app, &admin, json!({ "name": "ops", "type": "http", "interval_s": 1, "group": "ops", "config": { "url": target.url } })).await;
    let mut socket = live(&app, &narrowed).await;
    // Both groups' events arrive while both are granted.
    let mut seen = std::collections::HashSet::new();
    while seen.len() < 2 {
        let event = next_event(&mut socket).await;
        seen.insert(event["monitor_id"].as_str().unwrap().to_owned());
    }
    assert_eq!(put(grants(&["ops"])).await.status, 200);
    let changed_at = chrono::Utc::now();
    // From now on only ops: three of its results prove the stream went on while web
    // (checked just as often) was no longer sent. Events of checks that finished before
    // the change may still be on their way.
    let mut ops_results = 0;
    while ops_results < 3 {
        let event = next_event(&mut socket).await;
        let at: chrono::DateTime<chrono::Utc> =
            serde_json::from_value(event.get("checked_at").or(event.get("at")).unwrap().clone())
                .unwrap();
        if at > changed_at {
            assert_ne!(event["monitor_id"], web["id"], "{event}");
        }
        if event["monitor_id"] == ops["id"] && event["event"] == "result" {
            ops_results += 1;
        }
    }
}

/// Regression: a push agent kept its connection after its credential was retired (the
/// instance switched to pull).
async fn a_push_connection_closes_when_its_instance_stops_accepting_it(backend: Backend) {
    let app = app!(backend);
    let admin = app.admin().await;
    let created = app
        .post(
            "/api/v1/instances",
            &admin,
            json!({ "name": "edge", "host": "edge-1", "connection": "push" }),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let id = created.data()["id"].as_str().unwrap().to_owned();
    let token = created.data()["enrollment_token"].as_str().unwrap();
    let mut request = app
        .url("/api/v1/agents/ws")
        .replace("http://", "ws://")
        .into_client_request()
        .unwrap();
    request
        .headers_mut()
        .insert("authorization", format!("Bearer {token}").parse().unwrap());
    let (mut agent, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    let welcome = agent.next().await.unwrap().unwrap();
    assert!(
        welcome.to_text().unwrap().contains("credential"),
        "{welcome}"
    );
    // The agent's first message proves it kept the credential.
    agent
        .send(Message::Text(
            json!({ "type": "batch", "records": [] }).to_string().into(),
        ))
        .await
        .unwrap();
    let switched = app
        .patch(
            &format!("/api/v1/instances/{id}"),
            &admin,
            json!({ "connection": "pull", "agent_auth": { "type": "api_key", "api_key": "agent-key-0123456789" } }),
        )
        .await;
    assert_eq!(switched.status, 200, "{}", switched.text);
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, agent.next()).await {
            Err(_) => panic!("the agent's connection was still open after 5 s"),
            Ok(None) | Ok(Some(Err(_))) | Ok(Some(Ok(Message::Close(_)))) => break,
            Ok(Some(Ok(_))) => {}
        }
    }
}

/// Regression: `traceroute` (a blocking thread per run) and `udp` were service types any
/// editor could create, and enough slow blocking work starved password hashing, so
/// sign-ins hung.
async fn agent_only_checks_are_no_services_and_blocking_work_cannot_starve_sign_ins(
    backend: Backend,
) {
    let app = app!(backend);
    let admin = app.admin().await;
    for check_type in ["traceroute", "udp"] {
        let r = app
            .post(
                "/api/v1/services",
                &admin,
                json!({ "name": check_type, "type": check_type, "config": { "host": "127.0.0.1", "port": 9 } }),
            )
            .await;
        assert_eq!(r.status, 400, "{}", r.text);
        assert!(
            r.error()["type"].as_str().unwrap().contains("agents only"),
            "{}",
            r.text
        );
    }
    let spec = app.get("/api/v1/openapi.json", &Auth::None).await.body;
    let types: Vec<&str> = spec["components"]["schemas"]["CreateService"]["oneOf"]
        .as_array()
        .expect("a service is a union tagged by type")
        .iter()
        .map(|variant| variant["properties"]["type"]["enum"][0].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        [
            "dns",
            "grpc",
            "heartbeat",
            "http",
            "mqtt",
            "ping",
            "tcp",
            "tls"
        ]
    );

    // Many slow checks at once, and every blocking thread of the runtime taken (what a
    // storm of hanging name lookups does): signing in must still be quick.
    let hanging = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hanging_url = format!("http://localhost:{}/", hanging.local_addr().unwrap().port());
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = hanging.accept().await {
            held.push(socket);
        }
    });
    for i in 0..200 {
        create_service(&app, &admin, json!({ "name": format!("slow {i}"), "type": "http", "interval_s": 1, "timeout_s": 30, "config": { "url": hanging_url } })).await;
    }
    let (release, released) = std::sync::mpsc::channel::<()>();
    let released = Arc::new(std::sync::Mutex::new(released));
    for _ in 0..600 {
        let released = released.clone();
        tokio::task::spawn_blocking(move || {
            let _ = released
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .recv_timeout(Duration::from_secs(60));
        });
    }
    let started = Instant::now();
    let session = app
        .login_pair(crate::helpers::ADMIN_EMAIL, crate::helpers::ADMIN_PASSWORD)
        .await;
    let took = started.elapsed();
    drop(release);
    assert_eq!(session.code(), 0, "{}", session.text);
    assert!(took < Duration::from_secs(1), "signing in took {took:?}");
}

/// Regression: after its retries the writer still answered "done", so running a check now
/// and heartbeat pings answered 200 for results that were dropped.
async fn results_that_cannot_be_stored_are_reported_and_counted(backend: Backend) {
    let app = app!(backend);
    let admin = app.admin().await;
    let target = HttpTarget::start().await;
    let service = create_service(&app, &admin, json!({ "name": "web", "type": "http", "interval_s": 3600, "config": { "url": target.url } })).await;
    let heartbeat = create_service(&app, &admin, json!({ "name": "cron", "type": "heartbeat", "interval_s": 3600, "config": { "schedule": { "every_s": 3600 } } })).await;
    let drop_results = match app.db.get_database_backend() {
        DbBackend::Postgres => "DROP TABLE check_results CASCADE",
        _ => "DROP TABLE check_results",
    };
    app.db.execute_unprepared(drop_results).await.unwrap();

    let checked = app
        .post(
            &format!("/api/v1/services/{}/check", service["id"].as_str().unwrap()),
            &admin,
            json!({}),
        )
        .await;
    assert_eq!(
        (checked.status, checked.code()),
        (503, 50301),
        "{}",
        checked.text
    );
    let ping_url = heartbeat["ping_url"].as_str().unwrap();
    let ping = app.client.get(ping_url).send().await.unwrap();
    assert_eq!(ping.status(), 503);
    let lost = metric(&app, "monitron_results_lost_total").await;
    assert!(lost >= 2.0, "{lost}");
}

/// Regression: a check that panicked never left its monitor's place among the running
/// checks, so the monitor was never checked again.
async fn a_panicking_check_frees_its_monitor_and_is_counted(backend: Backend) {
    let app = app!(backend);
    let admin = app.admin().await;
    let target = HttpTarget::start().await;
    let service = create_service(&app, &admin, json!({ "name": "fragile", "type": "http", "interval_s": 3600, "config": { "url": target.url } })).await;
    let id: uuid::Uuid = service["id"].as_str().unwrap().parse().unwrap();
    let calls = Arc::new(AtomicUsize::new(0));
    let counted = calls.clone();
    let worker = Worker::new(app.state.engine.clone(), 10).checking_with(Arc::new(move |_| {
        let call = counted.fetch_add(1, Ordering::SeqCst);
        async move {
            assert!(call > 0, "the probe exploded");
            Some(Outcome::up(1.0, "fine after all", Value::Null))
        }
        .boxed()
    }));
    let panics_before = app.state.metrics.engine.check_panics.get();
    let job = Job {
        monitor_id: id,
        slot: 1,
        due_at: chrono::Utc::now().timestamp_millis(),
        urgent: true,
    };
    let Handled::Started(first) = worker.handle_job(job).await else {
        panic!("the first job did not start");
    };
    first.await.expect("the panic stays inside the check");
    assert_eq!(
        app.state.metrics.engine.check_panics.get(),
        panics_before + 1
    );
    let Handled::Started(second) = worker.handle_job(Job { slot: 2, ..job }).await else {
        panic!("the monitor's next slot was skipped after the panic");
    };
    second.await.unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    wait_for(
        &app,
        &format!("/api/v1/services/{id}"),
        &admin,
        10,
        "the second check's result",
        |s| s["state"]["message"] == "fine after all",
    )
    .await;
}

/// Regression: the API had no request timeout; a request stuck on a lock held its
/// connection and its worker forever.
async fn slow_requests_are_answered_504_but_running_a_check_keeps_its_own_timeout(
    backend: Backend,
) {
    let app = app!(backend, Options::default().env("REQUEST_TIMEOUT", "1s"));
    let admin = app.admin().await;
    // Hold the write lock (SQLite) or a lock on the monitors table (PostgreSQL).
    let txn = monitron_server::db::begin_write(&app.db).await.unwrap();
    if app.db.get_database_backend() == DbBackend::Postgres {
        txn.execute_unprepared("LOCK TABLE monitors IN ACCESS EXCLUSIVE MODE")
            .await
            .unwrap();
    }
    let started = Instant::now();
    let stuck = app
        .post(
            "/api/v1/services",
            &admin,
            json!({ "name": "stuck", "type": "tcp", "config": { "host": "127.0.0.1", "port": 9 } }),
        )
        .await;
    let took = started.elapsed();
    txn.rollback().await.unwrap();
    assert_eq!((stuck.status, stuck.code()), (504, 50401), "{}", stuck.text);
    assert!(stuck.error()["_"]
        .as_str()
        .unwrap()
        .contains("REQUEST_TIMEOUT"));
    assert!(took < Duration::from_secs(3), "{took:?}");

    // A check may take longer than REQUEST_TIMEOUT: its own timeout bounds it.
    let slow = axum::Router::new().route(
        "/health",
        axum::routing::get(|| async {
            tokio::time::sleep(Duration::from_millis(2000)).await;
            "late but fine"
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/health", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, slow).await.unwrap() });
    let service = create_service(&app, &admin, json!({ "name": "slow", "type": "http", "interval_s": 3600, "timeout_s": 10, "config": { "url": url } })).await;
    let checked = app
        .post(
            &format!("/api/v1/services/{}/check", service["id"].as_str().unwrap()),
            &admin,
            json!({}),
        )
        .await;
    assert_eq!(checked.status, 200, "{}", checked.text);
    assert_eq!(checked.data()["status"], "up");
}

/// Regression: unique-constraint violations outside the users module answered 500 (two
/// administrators replacing one user's grants at the same moment).
async fn racing_writes_of_one_unique_value_are_conflicts_not_errors(backend: Backend) {
    let app = app!(backend);
    let admin = app.admin().await;
    let (uid, _) = app.create_user("granted", "viewer").await;
    let path = format!("/api/v1/users/{uid}/grants");
    let body = json!([{ "group": "web", "role": "viewer" }, { "group": "ops", "role": "viewer" }]);
    let answers = futures_util::future::join_all(
        (0..12).map(|_| app.call(Method::PUT, &path, &admin, Some(body.clone()))),
    )
    .await;
    for r in &answers {
        match r.status {
            200 => {}
            409 => assert!(
                r.error()["group"].as_str().is_some(),
                "a conflict names the field: {}",
                r.text
            ),
            other => panic!("{other}: {}", r.text),
        }
    }
    assert!(answers.iter().any(|r| r.status == 200));
}

/// Regression: a heartbeat's lateness was evaluated only every `interval_s`, so with
/// `interval_s` 60 it stayed up for up to a minute past its deadline.
async fn a_late_heartbeat_goes_down_within_a_second_of_its_deadline(backend: Backend) {
    let app = app!(backend);
    let admin = app.admin().await;
    let heartbeat = create_service(&app, &admin, json!({ "name": "every two seconds", "type": "heartbeat", "interval_s": 60, "config": { "schedule": { "every_s": 2 }, "grace_s": 1 } })).await;
    let path = format!("/api/v1/services/{}", heartbeat["id"].as_str().unwrap());
    let ping_url = heartbeat["ping_url"].as_str().unwrap().to_owned();
    let down_after = |from: Instant| {
        let (app, admin, path) = (&app, &admin, path.clone());
        async move {
            loop {
                let state = app.get(&path, admin).await.data()["state"]["status"].clone();
                if state == "down" {
                    return from.elapsed();
                }
                assert!(from.elapsed() < Duration::from_secs(30), "never went down");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    };
    // A success: the deadline is two seconds (the period) plus one (grace) later.
    let pinged = Instant::now();
    assert_eq!(
        app.client.get(&ping_url).send().await.unwrap().status(),
        200
    );
    let late = down_after(pinged).await;
    assert!(
        late >= Duration::from_millis(2900) && late < Duration::from_secs(4),
        "down {late:?} after the ping; the deadline was 3 s"
    );
    // Up again, then a `/start` without a success: that moves the deadline earlier, to
    // one second (grace) after the start.
    assert_eq!(
        app.client.get(&ping_url).send().await.unwrap().status(),
        200
    );
    let started = Instant::now();
    let start = app
        .client
        .get(format!("{ping_url}/start"))
        .send()
        .await
        .unwrap();
    assert_eq!(start.status(), 200);
    let stuck = down_after(started).await;
    assert!(
        stuck >= Duration::from_millis(900) && stuck < Duration::from_secs(2),
        "down {stuck:?} after /start; the deadline was 1 s"
    );
}

/// Regression: query parameters that did not parse were explained by the parser's words
/// (`step=raw`: "invalid digit found in string").
async fn bad_query_parameters_say_what_is_expected(backend: Backend) {
    let app = app!(backend);
    let admin = app.admin().await;
    let service = create_service(&app, &admin, json!({ "name": "x", "type": "tcp", "interval_s": 3600, "config": { "host": "127.0.0.1", "port": 9 } })).await;
    let r = app
        .get(
            &format!(
                "/api/v1/services/{}/series?step=raw",
                service["id"].as_str().unwrap()
            ),
            &admin,
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.text);
    assert_eq!(r.error()["step"], "expected a whole number");
}

on_both_databases!(
    a_masked_secret_is_refused_when_the_target_changes,
    a_live_socket_closes_when_its_credentials_are_revoked,
    grant_changes_apply_to_a_live_socket_from_the_next_event,
    a_push_connection_closes_when_its_instance_stops_accepting_it,
    agent_only_checks_are_no_services_and_blocking_work_cannot_starve_sign_ins,
    results_that_cannot_be_stored_are_reported_and_counted,
    a_panicking_check_frees_its_monitor_and_is_counted,
    slow_requests_are_answered_504_but_running_a_check_keeps_its_own_timeout,
    racing_writes_of_one_unique_value_are_conflicts_not_errors,
    a_late_heartbeat_goes_down_within_a_second_of_its_deadline,
    bad_query_parameters_say_what_is_expected,
);

/// Regression: a process running the scheduler without workers (or workers without the
/// scheduler) and no RabbitMQ was accepted; its check jobs piled up in memory or were
/// never produced.
#[tokio::test]
async fn split_roles_without_a_broker_are_refused_at_start_up() {
    use monitron_server::config::{Config, Roles, Vars};
    let dir = std::env::temp_dir().join(format!("monitron-roles-{}", uuid::Uuid::now_v7()));
    let url = format!("sqlite://{}/m.db?mode=rwc", dir.display());
    let dir_text = dir.display().to_string();
    for (roles, refused) in [
        ((false, true, false), true),
        ((false, false, true), true),
        ((true, true, false), true),
        ((true, false, false), false),
        ((false, true, true), false),
    ] {
        let mut config = Config::load(&Vars::from_pairs([
            ("PORT", "0"),
            ("BIND_ADDRESS", "127.0.0.1"),
            ("DATA_DIR", dir_text.as_str()),
            ("DATABASE_URL", url.as_str()),
            ("LOG_LEVEL", "warn"),
        ]))
        .unwrap();
        config.roles = Roles {
            api: roles.0,
            scheduler: roles.1,
            worker: roles.2,
        };
        let built = monitron_server::startup::Application::build(config).await;
        match (built, refused) {
            (Err(err), true) => {
                let text = format!("{err:#}");
                assert!(text.contains("RABBITMQ_URL"), "{text}");
            }
            (Ok(_), false) => {}
            (Err(err), false) => panic!("{roles:?} refused: {err:#}"),
            (Ok(_), true) => panic!("{roles:?} accepted without a broker"),
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}
