//! Every provider-backed channel type against a local fake of its service: the fake checks
//! the request the provider documents (method, path, headers, body fields), answers the
//! first one with that service's rate-limit reply, and the retry waits as it was told.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::IntoResponse;
use serde_json::{json, Value};

use crate::helpers::Backend;
use crate::{app, on_both_databases};

#[derive(Debug, Clone)]
struct Seen {
    at: Instant,
    method: Method,
    path: String,
    query: String,
    headers: HeaderMap,
    body: Value,
}

type Log = Arc<Mutex<HashMap<String, Vec<Seen>>>>;

/// The rate-limit reply of each fake service, keyed by the first path segment.
fn limited(service: &str) -> axum::response::Response {
    let wait = "2";
    match service {
        "telegram" => (StatusCode::TOO_MANY_REQUESTS, axum::Json(json!({
            "ok": false, "error_code": 429, "description": "Too Many Requests: retry after 2", "parameters": { "retry_after": 2 } }))).into_response(),
        "discord" => (StatusCode::TOO_MANY_REQUESTS, [("retry-after", wait)], axum::Json(json!({
            "message": "You are being rate limited.", "retry_after": 2.0, "global": false }))).into_response(),
        "matrix" => (StatusCode::TOO_MANY_REQUESTS, axum::Json(json!({
            "errcode": "M_LIMIT_EXCEEDED", "error": "Too many requests", "retry_after_ms": 2000 }))).into_response(),
        "ntfy" => (StatusCode::TOO_MANY_REQUESTS, [("retry-after", wait)], axum::Json(json!({
            "code": 42901, "http": 429, "error": "limit reached: too many requests" }))).into_response(),
        "pagerduty" => (StatusCode::TOO_MANY_REQUESTS, [("retry-after", wait)], axum::Json(json!({
            "status": "throttle event", "message": "Requests for this service are arriving too quickly." }))).into_response(),
        "opsgenie" => (StatusCode::TOO_MANY_REQUESTS, [("retry-after", wait)], axum::Json(json!({
            "message": "You are making too many requests!", "took": 0.0, "requestId": "r" }))).into_response(),
        "google_chat" => (StatusCode::TOO_MANY_REQUESTS, [("retry-after", wait)], axum::Json(json!({
            "error": { "code": 429, "message": "Resource has been exhausted", "status": "RESOURCE_EXHAUSTED" } }))).into_response(),
        "pushover" => (StatusCode::TOO_MANY_REQUESTS, [("retry-after", wait)], axum::Json(json!({
            "status": 0, "errors": ["message limit reached"], "request": "r" }))).into_response(),
        // Slack, Teams and Gotify: a bare 429 with Retry-After.
        _ => (StatusCode::TOO_MANY_REQUESTS, [("retry-after", wait)], "rate_limited").into_response(),
    }
}

fn accepted(service: &str) -> axum::response::Response {
    match service {
        "telegram" => {
            axum::Json(json!({ "ok": true, "result": { "message_id": 1 } })).into_response()
        }
        "pagerduty" => (
            StatusCode::ACCEPTED,
            axum::Json(
                json!({ "status": "success", "message": "Event processed", "dedup_key": "k" }),
            ),
        )
            .into_response(),
        "opsgenie" => (
            StatusCode::ACCEPTED,
            axum::Json(
                json!({ "result": "Request will be processed", "took": 0.1, "requestId": "r" }),
            ),
        )
            .into_response(),
        "matrix" => axum::Json(json!({ "event_id": "$e" })).into_response(),
        "pushover" => axum::Json(json!({ "status": 1, "request": "r" })).into_response(),
        "discord" | "slack" | "teams" => StatusCode::NO_CONTENT.into_response(),
        _ => axum::Json(json!({ "id": 1 })).into_response(),
    }
}

async fn fake_services() -> (String, Log) {
    let log: Log = Arc::default();
    let keep = log.clone();
    let router = axum::Router::new().fallback(
        move |method: Method, uri: Uri, headers: HeaderMap, body: axum::body::Bytes| {
            let keep = keep.clone();
            async move {
                let path = uri.path().to_owned();
                let service = path
                    .trim_start_matches('/')
                    .split('/')
                    .next()
                    .unwrap_or("")
                    .to_owned();
                let seen = Seen {
                    at: Instant::now(),
                    method,
                    path: path.clone(),
                    query: uri.query().unwrap_or("").to_owned(),
                    headers,
                    body: serde_json::from_slice(&body).unwrap_or(Value::Null),
                };
                let mut log = keep.lock().unwrap();
                let list = log.entry(service.clone()).or_default();
                list.push(seen);
                if list.len() == 1 {
                    limited(&service)
                } else {
                    accepted(&service)
                }
            }
        },
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await });
    (base, log)
}

async fn every_provider_gets_its_documented_request_and_its_rate_limit_is_honoured(
    backend: Backend,
) {
    let app = app!(backend);
    let admin = app.admin().await;
    let (base, log) = fake_services().await;
    let channels = [
        (
            "telegram",
            json!({ "bot_token": "123:abc", "chat_id": "-100200", "message_thread_id": 7, "api_url": format!("{base}/telegram") }),
        ),
        (
            "discord",
            json!({ "webhook_url": format!("{base}/discord/api/webhooks/1/tok") }),
        ),
        (
            "slack",
            json!({ "webhook_url": format!("{base}/slack/services/T/B/X") }),
        ),
        (
            "teams",
            json!({ "webhook_url": format!("{base}/teams/webhookb2/x") }),
        ),
        (
            "ntfy",
            json!({ "server_url": format!("{base}/ntfy"), "topic": "ops-alerts", "token": "tk_secret" }),
        ),
        (
            "gotify",
            json!({ "server_url": format!("{base}/gotify"), "app_token": "AbCdEf" }),
        ),
        (
            "pushover",
            json!({ "user_key": "uQiRzpo4DXghDmr9QzzfQu27cmVRsG", "app_token": "azGDORePK8gMaC0QOYAMyEEuzJnyUi", "api_url": format!("{base}/pushover") }),
        ),
        (
            "pagerduty",
            json!({ "routing_key": "R0UT1NGKEY0123456789012345678901", "api_url": format!("{base}/pagerduty") }),
        ),
        (
            "opsgenie",
            json!({ "api_key": "eb243592-faa2-4ba2-a551q-1afdf565c889", "api_url": format!("{base}/opsgenie") }),
        ),
        (
            "matrix",
            json!({ "homeserver_url": format!("{base}/matrix"), "access_token": "syt_token", "room_id": "!ops:example.org" }),
        ),
        (
            "google_chat",
            json!({ "webhook_url": format!("{base}/google_chat/v1/spaces/AAA/messages?key=k&token=t") }),
        ),
    ];
    for (kind, config) in &channels {
        let created = app
            .post(
                "/api/v1/notification-channels",
                &admin,
                json!({ "name": kind, "type": kind, "config": config, "default": true }),
            )
            .await;
        assert_eq!(created.status, 201, "{kind}: {}", created.text);
    }
    let created = app
        .post("/api/v1/services", &admin, json!({ "name": "web_front (eu-1)", "type": "tcp", "config": { "host": "127.0.0.1", "port": 1 }, "interval_s": 3600 }))
        .await;
    let service_id = created.data()["id"].as_str().unwrap().to_owned();
    app.post(
        &format!("/api/v1/services/{service_id}/check"),
        &admin,
        json!({}),
    )
    .await;

    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let done = {
            let log = log.lock().unwrap();
            channels
                .iter()
                .all(|(kind, _)| log.get(*kind).is_some_and(|l| l.len() >= 2))
        };
        if done || Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let live = log.clone();
    let log = log.lock().unwrap().clone();
    for (kind, _) in &channels {
        let seen = log
            .get(*kind)
            .unwrap_or_else(|| panic!("{kind}: nothing arrived"));
        assert_eq!(
            seen.len(),
            2,
            "{kind}: one rate-limited try and one retry: {seen:?}"
        );
        let gap = seen[1].at - seen[0].at;
        assert!(
            gap >= Duration::from_millis(1900),
            "{kind}: retried after {gap:?}, before the 2 s it was told"
        );
        assert_eq!(
            seen[0].body, seen[1].body,
            "{kind}: the retry sends the same message"
        );
    }
    let one = |kind: &str| log[kind][1].clone();

    let t = one("telegram");
    assert_eq!(
        (t.method.as_str(), t.path.as_str()),
        ("POST", "/telegram/bot123:abc/sendMessage")
    );
    assert_eq!(t.body["chat_id"], "-100200");
    assert_eq!(t.body["message_thread_id"], 7);
    assert_eq!(t.body["parse_mode"], "MarkdownV2");
    let text = t.body["text"].as_str().unwrap();
    assert!(
        text.contains("web\\_front \\(eu\\-1\\)"),
        "MarkdownV2 escaped: {text}"
    );

    let d = one("discord");
    assert_eq!(
        (d.method.as_str(), d.path.as_str(), d.query.as_str()),
        ("POST", "/discord/api/webhooks/1/tok", "wait=true")
    );
    assert!(d.body["embeds"][0]["title"]
        .as_str()
        .unwrap()
        .contains("web_front (eu-1)"));
    assert_eq!(d.body["embeds"][0]["color"], 0xE5484D);

    let s = one("slack");
    assert_eq!(s.body["blocks"][0]["text"]["type"], "mrkdwn");
    assert!(s.body["text"].as_str().unwrap().contains("[FIRING]"));

    let m = one("teams");
    assert_eq!(m.body["type"], "message");
    assert_eq!(
        m.body["attachments"][0]["contentType"],
        "application/vnd.microsoft.card.adaptive"
    );
    assert_eq!(m.body["attachments"][0]["content"]["type"], "AdaptiveCard");
    assert_eq!(
        m.body["attachments"][0]["content"]["actions"][0]["title"],
        "Acknowledge"
    );

    let n = one("ntfy");
    assert_eq!((n.method.as_str(), n.path.as_str()), ("POST", "/ntfy"));
    assert_eq!(n.headers["authorization"], "Bearer tk_secret");
    assert_eq!(n.body["topic"], "ops-alerts");
    assert_eq!(n.body["priority"], 5);
    assert_eq!(n.body["actions"][0]["action"], "view");

    let g = one("gotify");
    assert_eq!(
        (g.method.as_str(), g.path.as_str()),
        ("POST", "/gotify/message")
    );
    assert_eq!(g.headers["x-gotify-key"], "AbCdEf");
    assert_eq!(
        g.body["extras"]["client::display"]["contentType"],
        "text/markdown"
    );
    assert_eq!(g.body["priority"], 8);

    let p = one("pushover");
    assert_eq!(
        (p.method.as_str(), p.path.as_str()),
        ("POST", "/pushover/1/messages.json")
    );
    assert_eq!(p.body["token"], "azGDORePK8gMaC0QOYAMyEEuzJnyUi");
    assert_eq!(p.body["user"], "uQiRzpo4DXghDmr9QzzfQu27cmVRsG");
    assert_eq!(p.body["url_title"], "Acknowledge");
    assert_eq!(p.body["priority"], 1);

    let alert_id = one("pagerduty").body["dedup_key"]
        .as_str()
        .unwrap()
        .to_owned();
    let pd = one("pagerduty");
    assert_eq!(
        (pd.method.as_str(), pd.path.as_str()),
        ("POST", "/pagerduty/v2/enqueue")
    );
    assert_eq!(pd.body["routing_key"], "R0UT1NGKEY0123456789012345678901");
    assert_eq!(pd.body["event_action"], "trigger");
    assert_eq!(pd.body["payload"]["severity"], "critical");
    assert_eq!(pd.body["payload"]["component"], "web_front (eu-1)");
    assert_eq!(
        log["pagerduty"][0].body["dedup_key"],
        alert_id.as_str(),
        "the same dedup_key on every try"
    );

    let o = one("opsgenie");
    assert_eq!(
        (o.method.as_str(), o.path.as_str()),
        ("POST", "/opsgenie/v2/alerts")
    );
    assert_eq!(
        o.headers["authorization"],
        "GenieKey eb243592-faa2-4ba2-a551q-1afdf565c889"
    );
    assert_eq!(o.body["alias"], alert_id.as_str());
    assert_eq!(o.body["priority"], "P1");
    assert!(o.body["message"].as_str().unwrap().chars().count() <= 130);

    let x = one("matrix");
    assert_eq!(x.method.as_str(), "PUT");
    assert!(
        x.path.starts_with(
            "/matrix/_matrix/client/v3/rooms/%21ops%3Aexample.org/send/m.room.message/"
        ),
        "{}",
        x.path
    );
    assert_eq!(
        x.path, log["matrix"][0].path,
        "the same transaction id on every try"
    );
    assert_eq!(x.headers["authorization"], "Bearer syt_token");
    assert_eq!(x.body["format"], "org.matrix.custom.html");

    let c = one("google_chat");
    assert_eq!(
        (c.path.as_str(), c.query.as_str()),
        ("/google_chat/v1/spaces/AAA/messages", "key=k&token=t")
    );
    assert!(c.body["text"]
        .as_str()
        .unwrap()
        .contains("web_front (eu-1)"));

    // The delivery log shows the retry and the provider's words (each logged once its
    // provider's answer is in, a moment after the request).
    let mut listed = app
        .get("/api/v1/notifications?status=sent&per_page=50", &admin)
        .await;
    for _ in 0..50 {
        if listed.data()["total"] == channels.len() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        listed = app
            .get("/api/v1/notifications?status=sent&per_page=50", &admin)
            .await;
    }
    assert_eq!(listed.data()["total"], channels.len(), "{}", listed.text);
    assert!(
        listed.data()["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|n| n["attempts"] == 2),
        "{}",
        listed.text
    );

    // Acknowledging in Monitron acknowledges the PagerDuty and Opsgenie alerts (by the
    // same key); chat channels hear nothing more.
    let acked = app
        .post(&format!("/api/v1/alerts/{alert_id}/ack"), &admin, json!({}))
        .await;
    assert_eq!(acked.status, 200, "{}", acked.text);
    let deadline = Instant::now() + Duration::from_secs(10);
    while ["pagerduty", "opsgenie"]
        .iter()
        .any(|k| live.lock().unwrap()[*k].len() < 3)
    {
        assert!(Instant::now() < deadline, "no acknowledgement arrived");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let log = live.lock().unwrap().clone();
    let pd = &log["pagerduty"][2];
    assert_eq!(
        (pd.method.as_str(), pd.path.as_str()),
        ("POST", "/pagerduty/v2/enqueue")
    );
    assert_eq!(
        pd.body,
        json!({ "routing_key": "R0UT1NGKEY0123456789012345678901", "event_action": "acknowledge", "dedup_key": alert_id })
    );
    let o = &log["opsgenie"][2];
    assert_eq!(
        (o.method.as_str(), o.path.as_str(), o.query.as_str()),
        (
            "POST",
            format!("/opsgenie/v2/alerts/{alert_id}/acknowledge").as_str(),
            "identifierType=alias"
        )
    );
    assert_eq!(
        o.headers["authorization"],
        "GenieKey eb243592-faa2-4ba2-a551q-1afdf565c889"
    );
    assert_eq!(o.body["source"], "Monitron");
    assert!(
        o.body["note"]
            .as_str()
            .unwrap()
            .starts_with("[ACKNOWLEDGED]"),
        "{}",
        o.body
    );
    for (kind, _) in &channels {
        let expected = if ["pagerduty", "opsgenie"].contains(kind) {
            3
        } else {
            2
        };
        assert_eq!(log[*kind].len(), expected, "{kind}: {:?}", log[*kind]);
    }
}

on_both_databases!(every_provider_gets_its_documented_request_and_its_rate_limit_is_honoured);
