//! Status pages end to end: components and pages through the API, the public page parsed
//! as HTML, its JSON in Statuspage's shape, the Atom feed read by a real feed parser,
//! badges read as SVG, the cache following a monitor's state, visitor reports and their
//! limits, private pages, subscribers through a real SMTP server, and maintenance.

use std::time::{Duration, Instant};

use reqwest::header;
use scraper::{Html, Selector};
use serde_json::{json, Value};

use crate::alerting::receiver;
use crate::helpers::{Auth, Backend, Options, SmtpServer, TestApp};
use crate::targets::{create_service, wait_for, HttpTarget};
use crate::{app, on_both_databases};

/// A plain GET with extra headers: status, headers, body text.
async fn fetch(
    app: &TestApp,
    path: &str,
    headers: &[(&str, &str)],
) -> (u16, header::HeaderMap, String) {
    let mut request = app.client.get(app.url(path));
    for (k, v) in headers {
        request = request.header(*k, *v);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    (status, headers, response.text().await.unwrap())
}

fn select<'a>(doc: &'a Html, css: &str) -> Vec<scraper::ElementRef<'a>> {
    doc.select(&Selector::parse(css).unwrap()).collect()
}

fn text(e: &scraper::ElementRef<'_>) -> String {
    e.text().collect::<String>().trim().to_owned()
}

/// Runs a Python snippet on `input` (stdin) with the test tools' Python (feedparser);
/// its stdout parsed as JSON.
fn python(script: &str, input: &str) -> Value {
    use std::io::Write;
    let python = std::env::var("MONITRON_TEST_PYTHON").unwrap_or_else(|_| "python3".into());
    let mut child = std::process::Command::new(&python)
        .args(["-c", script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|err| panic!("{python} is needed ({err}); run scripts/test.sh, or pip install feedparser and set MONITRON_TEST_PYTHON"));
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{python} failed (feedparser is installed by scripts/test.sh): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

const FEED: &str = "import sys, json, feedparser
d = feedparser.parse(sys.stdin.read())
print(json.dumps({'bozo': bool(d.bozo), 'title': d.feed.get('title'), 'version': d.version,
  'entries': [{'title': e.title, 'id': e.id, 'link': e.link, 'summary': e.get('summary', '')} for e in d.entries]}))";

const SVG: &str = "import sys, json, xml.etree.ElementTree as ET
root = ET.fromstring(sys.stdin.read())
ns = '{http://www.w3.org/2000/svg}'
print(json.dumps({'tag': root.tag, 'width': root.get('width'),
  'texts': [t.text for t in root.iter(ns + 'text')]}))";

async fn component(app: &TestApp, auth: &Auth, name: &str, kind: &str, target: &Value) -> String {
    let r = app
        .post(
            "/api/v1/components",
            auth,
            json!({ "display_name": name, "target_type": kind, "target_id": target["id"],
                    "description": format!("{name}, as customers see it") }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    r.data()["id"].as_str().unwrap().to_owned()
}

async fn page(app: &TestApp, auth: &Auth, body: Value) -> Value {
    let r = app.post("/api/v1/status-pages", auth, body).await;
    assert_eq!(r.status, 201, "{}", r.text);
    r.data().clone()
}

async fn wait_status(app: &TestApp, auth: &Auth, service: &Value, status: &str) {
    let path = format!("/api/v1/services/{}", service["id"].as_str().unwrap());
    wait_for(app, &path, auth, 20, status, |s| {
        s["state"]["status"] == status
    })
    .await;
}

async fn a_public_page_publishes_display_names_status_and_history(backend: Backend) {
    let app = app!(backend);
    let admin = app.admin().await;
    let healthy = HttpTarget::start().await;
    let failing = HttpTarget::start().await;
    failing.answer(503);
    let api = create_service(&app, &admin, json!({ "name": "internal-api-svc", "type": "http", "config": { "url": healthy.url }, "interval_s": 1 })).await;
    let billing = create_service(&app, &admin, json!({ "name": "billing-backend", "type": "http", "config": { "url": failing.url }, "interval_s": 1 })).await;
    wait_status(&app, &admin, &api, "up").await;
    wait_status(&app, &admin, &billing, "down").await;
    let c_api = component(&app, &admin, "Public API", "service", &api).await;
    let c_billing = component(
        &app,
        &admin,
        "<script>alert(1)</script> Billing",
        "service",
        &billing,
    )
    .await;
    let created = page(
        &app,
        &admin,
        json!({
            "slug": "acme", "title": "Acme status", "theme": "dark", "history_days": 30,
            "description": "Everything <b>Acme</b> runs",
            "sections": [{ "name": "Core", "components": [
                { "component_id": c_billing, "order": 2 }, { "component_id": c_api, "order": 1 }
            ] }],
        }),
    )
    .await;
    let public_url = app.state.config.public_url.clone();
    assert_eq!(created["url"], format!("{public_url}/status/acme"));
    let incident = app
        .post(
            &format!(
                "/api/v1/status-pages/{}/incidents",
                created["id"].as_str().unwrap()
            ),
            &admin,
            json!({ "title": "Payments failing", "impact": "major", "components": [c_billing],
                    "message": "We are looking into failed payments." }),
        )
        .await;
    assert_eq!(incident.status, 201, "{}", incident.text);

    // The page: complete HTML in its theme, display names only, one bar per day.
    let (status, headers, body) = fetch(&app, "/status/acme", &[]).await;
    assert_eq!(status, 200, "{body}");
    assert!(headers[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let csp = headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
    assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"));
    let doc = Html::parse_document(&body);
    assert_eq!(
        select(&doc, "html")[0].value().attr("data-theme"),
        Some("dark")
    );
    let names: Vec<String> = select(&doc, ".component-name").iter().map(text).collect();
    assert_eq!(names, ["Public API", "<script>alert(1)</script> Billing"]);
    let pills: Vec<String> = select(&doc, ".component .pill").iter().map(text).collect();
    assert_eq!(pills, ["Operational", "Major outage"]);
    for c in select(&doc, ".component") {
        assert_eq!(
            c.select(&Selector::parse("li.bar").unwrap()).count(),
            30,
            "one bar per day"
        );
    }
    let today = select(&doc, ".component")[0]
        .select(&Selector::parse("li.bar").unwrap())
        .last()
        .unwrap()
        .value()
        .attr("title")
        .unwrap()
        .to_owned();
    assert!(today.contains("uptime"), "{today}");
    assert_eq!(select(&doc, ".banner.status-partial_outage").len(), 1);
    assert_eq!(
        text(&select(&doc, "#active-heading")[0]),
        "Active incidents"
    );
    assert!(body.contains("We are looking into failed payments."));
    assert!(select(&doc, "form[method=post][action='/status/acme/reports']").len() == 1);
    assert!(!body.contains("<script>alert(1)"), "names are escaped");
    assert!(!body.contains("<b>Acme</b>"), "descriptions are escaped");
    for secret in [
        "internal-api-svc",
        "billing-backend",
        healthy.url.as_str(),
        failing.url.as_str(),
    ] {
        assert!(!body.contains(secret), "the page leaks {secret}");
    }

    // Unchanged: 304 to its validator; compressed for who asks.
    let etag = headers[header::ETAG].to_str().unwrap().to_owned();
    let (status, _, _) = fetch(&app, "/status/acme", &[("if-none-match", &etag)]).await;
    assert_eq!(status, 304);
    let raw = app
        .client
        .get(app.url("/status/acme"))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(raw.headers()[header::CONTENT_ENCODING], "gzip");

    // summary.json in Statuspage's shape.
    let (status, _, json_text) = fetch(&app, "/status/acme.json", &[]).await;
    assert_eq!(status, 200, "{json_text}");
    let summary: Value = serde_json::from_str(&json_text).unwrap();
    assert_eq!(summary["page"]["name"], "Acme status");
    assert_eq!(summary["page"]["url"], format!("{public_url}/status/acme"));
    for key in ["id", "time_zone", "updated_at"] {
        assert!(summary["page"][key].is_string(), "page.{key}");
    }
    let components = summary["components"].as_array().unwrap();
    let group = &components[0];
    assert_eq!(
        (group["name"].clone(), group["group"].clone()),
        (json!("Core"), json!(true))
    );
    assert_eq!(group["status"], "major_outage");
    let leaves: Vec<(&str, &str)> = components[1..]
        .iter()
        .map(|c| (c["name"].as_str().unwrap(), c["status"].as_str().unwrap()))
        .collect();
    assert_eq!(
        leaves,
        [
            ("Public API", "operational"),
            ("<script>alert(1)</script> Billing", "major_outage")
        ]
    );
    for c in &components[1..] {
        assert_eq!(c["group_id"], group["id"]);
        for key in ["id", "created_at", "updated_at", "page_id"] {
            assert!(c[key].is_string(), "component.{key}");
        }
        assert!(c["position"].is_number() && c["only_show_if_degraded"] == false);
    }
    assert_eq!(summary["status"]["indicator"], "major");
    assert_eq!(summary["status"]["description"], "Partial System Outage");
    let incidents = summary["incidents"].as_array().unwrap();
    assert_eq!(incidents.len(), 1);
    assert_eq!(incidents[0]["name"], "Payments failing");
    assert_eq!(incidents[0]["status"], "investigating");
    assert_eq!(incidents[0]["impact"], "major");
    assert_eq!(
        incidents[0]["incident_updates"][0]["body"],
        "We are looking into failed payments."
    );
    assert_eq!(incidents[0]["components"][0]["id"], c_billing.as_str());
    assert_eq!(summary["scheduled_maintenances"], json!([]));
    assert!(!json_text.contains("internal-api-svc") && !json_text.contains(&healthy.url));

    // The Atom feed, read by feedparser.
    let (status, headers, atom) = fetch(&app, "/status/acme/feed.atom", &[]).await;
    assert_eq!(status, 200);
    assert!(headers[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("application/atom+xml"));
    let feed = python(FEED, &atom);
    assert_eq!(feed["bozo"], false, "{atom}");
    assert_eq!(feed["version"], "atom10");
    assert_eq!(feed["title"], "Acme status");
    assert_eq!(
        feed["entries"][0]["title"],
        "Payments failing [Investigating]"
    );
    assert!(feed["entries"][0]["summary"]
        .as_str()
        .unwrap()
        .contains("failed payments"));

    // Badges, read as SVG.
    let (status, headers, svg) = fetch(&app, &format!("/badge/{c_api}/status.svg"), &[]).await;
    assert_eq!(status, 200);
    assert!(headers[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("image/svg+xml"));
    let parsed = python(SVG, &svg);
    assert_eq!(parsed["tag"], "{http://www.w3.org/2000/svg}svg");
    assert!(
        parsed["texts"]
            .as_array()
            .unwrap()
            .contains(&json!("operational")),
        "{svg}"
    );
    let (_, _, svg) = fetch(&app, &format!("/badge/{c_billing}/status.svg"), &[]).await;
    let parsed = python(SVG, &svg);
    assert!(parsed["texts"]
        .as_array()
        .unwrap()
        .contains(&json!("<script>alert(1)</script> Billing")));
    assert!(parsed["texts"]
        .as_array()
        .unwrap()
        .contains(&json!("major outage")));
    let (status, _, svg) = fetch(&app, &format!("/badge/{c_api}/uptime.svg?days=7"), &[]).await;
    assert_eq!(status, 200);
    let parsed = python(SVG, &svg);
    assert!(parsed["texts"]
        .as_array()
        .unwrap()
        .contains(&json!("uptime 7d")));
    assert!(
        parsed["texts"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t.as_str().unwrap().ends_with('%')),
        "{svg}"
    );
    let (status, _, body) = fetch(&app, &format!("/badge/{c_api}/uptime.svg?days=14"), &[]).await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("days"));

    // A component on no public page has no public badge; unknown pages are 404.
    let hidden = component(&app, &admin, "Hidden", "service", &api).await;
    assert_eq!(
        fetch(&app, &format!("/badge/{hidden}/status.svg"), &[])
            .await
            .0,
        404
    );
    assert_eq!(fetch(&app, "/status/nope", &[]).await.0, 404);
    assert_eq!(fetch(&app, "/status/nope.json", &[]).await.0, 404);

    // A custom domain serves the page at `/`.
    let changed = app
        .patch(
            &format!("/api/v1/status-pages/{}", created["id"].as_str().unwrap()),
            &admin,
            json!({ "custom_domain": "Status.Acme.test" }),
        )
        .await;
    assert_eq!(changed.status, 200, "{}", changed.text);
    assert_eq!(changed.data()["custom_domain"], "status.acme.test");
    let (status, _, body) = fetch(&app, "/", &[("host", "status.acme.test:3000")]).await;
    assert_eq!(status, 200);
    assert!(body.contains("Acme status") && body.contains("Public API"));
    let (_, _, ui) = fetch(&app, "/", &[]).await;
    assert!(!ui.contains("Public API"), "other hosts get the web UI");
}

async fn bad_input_names_the_field(backend: Backend) {
    let app = app!(backend);
    let admin = app.admin().await;
    let target = HttpTarget::start().await;
    let service = create_service(&app, &admin, json!({ "name": "site", "type": "http", "config": { "url": target.url }, "enabled": false })).await;
    let cases = [
        (
            json!({ "display_name": "X", "target_type": "service", "target_id": uuid::Uuid::now_v7() }),
            "target_id",
        ),
        (
            json!({ "display_name": "X", "target_type": "domain", "target_id": service["id"] }),
            "target_id",
        ),
        (
            json!({ "display_name": "X", "target_type": "printer", "target_id": service["id"] }),
            "target_type",
        ),
        (
            json!({ "display_name": "", "target_type": "service", "target_id": service["id"] }),
            "display_name",
        ),
    ];
    for (body, field) in cases {
        let r = app.post("/api/v1/components", &admin, body.clone()).await;
        assert_eq!((r.status, r.code()), (400, 40001), "{body}: {}", r.text);
        assert!(r.error()[field].is_string(), "{body}: {}", r.text);
    }
    let c = component(&app, &admin, "Site", "service", &service).await;
    let other = component(&app, &admin, "Other", "service", &service).await;
    // The display name or the monitor's own name matches, in any case.
    let found = app.get("/api/v1/components?q=OTHE", &admin).await;
    assert_eq!(found.data()["total"], 1, "{}", found.text);
    assert_eq!(found.data()["items"][0]["id"], other.as_str());
    assert_eq!(
        app.get("/api/v1/components?q=sit", &admin).await.data()["total"],
        2
    );
    let found = app
        .get(&format!("/api/v1/components?ids={c}"), &admin)
        .await;
    assert_eq!(found.data()["total"], 1, "{}", found.text);
    let bad = app.get("/api/v1/components?ids=nonsense", &admin).await;
    assert_eq!(
        (bad.status, bad.error()["ids"].is_string()),
        (400, true),
        "{}",
        bad.text
    );
    page(&app, &admin, json!({ "slug": "acme", "title": "Acme" })).await;
    let cases = [
        (json!({ "slug": "acme", "title": "Again" }), 409, "slug"),
        (json!({ "slug": "status", "title": "X" }), 400, "slug"),
        (json!({ "slug": "Bad Slug", "title": "X" }), 400, "slug"),
        (json!({ "slug": "x", "title": "X" }), 400, "slug"),
        (
            json!({ "slug": "ok-slug", "title": "X", "history_days": 45 }),
            400,
            "history_days",
        ),
        (
            json!({ "slug": "ok-slug", "title": "X", "logo_url": "javascript:alert(1)" }),
            400,
            "logo_url",
        ),
        (
            json!({ "slug": "ok-slug", "title": "X", "custom_domain": "not a host" }),
            400,
            "custom_domain",
        ),
        (
            json!({ "slug": "ok-slug", "title": "X", "report_channel_id": uuid::Uuid::now_v7() }),
            400,
            "report_channel_id",
        ),
        (
            json!({ "slug": "ok-slug", "title": "X", "sections": [{ "components": [{ "component_id": uuid::Uuid::now_v7() }] }] }),
            400,
            "sections[0].components[0].component_id",
        ),
        (
            json!({ "slug": "ok-slug", "title": "X", "sections": [{ "components": [{ "component_id": c }, { "component_id": c }] }] }),
            400,
            "sections[0].components[1].component_id",
        ),
        (
            json!({ "slug": "ok-slug", "title": "X", "visibility": "secret" }),
            400,
            "visibility",
        ),
    ];
    for (body, status, field) in cases {
        let r = app.post("/api/v1/status-pages", &admin, body.clone()).await;
        assert_eq!(r.status, status, "{body}: {}", r.text);
        assert!(r.error()[field].is_string(), "{body}: {}", r.text);
    }
    assert_eq!(
        app.get("/api/v1/status-pages", &admin).await.data()["total"],
        1,
        "nothing half-created"
    );
}

async fn a_status_change_reaches_the_page_json_and_badge_within_two_seconds(backend: Backend) {
    let app = app!(backend);
    let admin = app.admin().await;
    let target = HttpTarget::start().await;
    let service = create_service(
        &app,
        &admin,
        json!({ "name": "site", "type": "http", "config": { "url": target.url }, "interval_s": 1 }),
    )
    .await;
    wait_status(&app, &admin, &service, "up").await;
    let c = component(&app, &admin, "Website", "service", &service).await;
    page(&app, &admin, json!({ "slug": "live", "title": "Live", "sections": [{ "components": [{ "component_id": c }] }] })).await;
    let (_, headers, body) = fetch(&app, "/status/live", &[]).await;
    assert!(body.contains("status-operational"));
    let etag = headers[header::ETAG].to_str().unwrap().to_owned();
    assert!(fetch(&app, "/status/live.json", &[])
        .await
        .2
        .contains("\"operational\""));
    assert!(fetch(&app, &format!("/badge/{c}/status.svg"), &[])
        .await
        .2
        .contains("operational"));

    target.answer(503);
    wait_status(&app, &admin, &service, "down").await;
    let down_at = Instant::now();
    let mut seen = (false, false, false);
    while down_at.elapsed() < Duration::from_secs(2) && seen != (true, true, true) {
        if !seen.0 {
            let (status, _, body) = fetch(&app, "/status/live", &[("if-none-match", &etag)]).await;
            seen.0 = status == 200
                && select(&Html::parse_document(&body), ".pill.status-major_outage").len() == 1;
        }
        if !seen.1 {
            let summary: Value =
                serde_json::from_str(&fetch(&app, "/status/live.json", &[]).await.2).unwrap();
            seen.1 = summary["components"][0]["status"] == "major_outage"
                && summary["status"]["indicator"] == "critical";
        }
        if !seen.2 {
            seen.2 = fetch(&app, &format!("/badge/{c}/status.svg"), &[])
                .await
                .2
                .contains("major outage");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        seen,
        (true, true, true),
        "page, JSON and badge within 2 s of the change"
    );
}

async fn post_form(
    app: &TestApp,
    path: &str,
    form: &[(&str, &str)],
    ip: Option<&str>,
) -> (u16, header::HeaderMap, String) {
    let mut request = app.client.post(app.url(path)).form(form);
    if let Some(ip) = ip {
        request = request.header("x-forwarded-for", ip);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    (status, headers, response.text().await.unwrap())
}

async fn post_json(
    app: &TestApp,
    path: &str,
    body: Value,
    ip: &str,
) -> (u16, header::HeaderMap, Value) {
    let response = app
        .client
        .post(app.url(path))
        .header("x-forwarded-for", ip)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    (
        status,
        headers,
        response.json().await.unwrap_or(Value::Null),
    )
}

async fn visitor_reports_are_checked_limited_and_notified(backend: Backend) {
    let app = app!(
        backend,
        Options::default().env("TRUSTED_PROXIES", "127.0.0.0/8")
    );
    let admin = app.admin().await;
    let target = HttpTarget::start().await;
    let service = create_service(&app, &admin, json!({ "name": "site", "type": "http", "config": { "url": target.url }, "enabled": false })).await;
    let other = create_service(&app, &admin, json!({ "name": "other", "type": "http", "config": { "url": target.url }, "enabled": false })).await;
    let c = component(&app, &admin, "Website", "service", &service).await;
    let elsewhere = component(&app, &admin, "Elsewhere", "service", &other).await;
    let (hook, received) = receiver().await;
    let channel = app
        .post(
            "/api/v1/notification-channels",
            &admin,
            json!({ "name": "reports", "type": "webhook", "config": { "url": hook } }),
        )
        .await;
    assert_eq!(channel.status, 201, "{}", channel.text);
    let created = page(&app, &admin, json!({ "slug": "acme", "title": "Acme", "report_channel_id": channel.data()["id"], "sections": [{ "components": [{ "component_id": c }] }] })).await;
    let pid = created["id"].as_str().unwrap();

    // Bad reports name the field.
    let long = "x".repeat(501);
    for (body, field) in [
        (json!({ "component_id": c, "reason": "bored" }), "reason"),
        (
            json!({ "component_id": c, "reason": "down", "message": long }),
            "message",
        ),
        (
            json!({ "component_id": elsewhere, "reason": "down" }),
            "component_id",
        ),
        (json!({ "reason": "down" }), "component_id"),
    ] {
        let (status, _, r) =
            post_json(&app, "/status/acme/reports", body.clone(), "198.51.100.9").await;
        assert_eq!(
            (status, r["code"].as_i64()),
            (400, Some(40001)),
            "{body}: {r}"
        );
        assert!(r["error"][field].is_string(), "{body}: {r}");
    }

    // A plain form post, as the page sends it without JavaScript.
    let (status, _, body) = post_form(
        &app,
        "/status/acme/reports",
        &[
            ("component_id", &c),
            ("reason", "slow"),
            ("message", "checkout <b>hangs</b>"),
        ],
        Some("198.51.100.1"),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("Thank you"));
    // The channel hears of it.
    let got = crate::alerting::wait_for(&received, 1).await;
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].1["type"], "status.report");
    assert_eq!(got[0].1["monitor"]["name"], "Website");
    assert_eq!(got[0].1["report"]["reason"], "slow");
    assert_eq!(got[0].1["report"]["message"], "checkout <b>hangs</b>");

    // Ten a day from one address; the eleventh is refused until tomorrow.
    for i in 1..10 {
        let (status, _, r) = post_json(
            &app,
            "/status/acme/reports",
            json!({ "component_id": c, "reason": "down" }),
            "198.51.100.1",
        )
        .await;
        assert_eq!(status, 201, "report {i}: {r}");
    }
    let (status, headers, r) = post_json(
        &app,
        "/status/acme/reports",
        json!({ "component_id": c, "reason": "down" }),
        "198.51.100.1",
    )
    .await;
    assert_eq!((status, r["code"].as_i64()), (429, Some(42901)), "{r}");
    let retry: u64 = headers[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=86_400).contains(&retry));
    let (status, _, body) = post_form(
        &app,
        "/status/acme/reports",
        &[("component_id", &c), ("reason", "down")],
        Some("198.51.100.1"),
    )
    .await;
    assert_eq!(status, 429);
    assert!(body.contains("Try again tomorrow"), "{body}");

    // A thousand a day for the page, whatever the addresses.
    for i in 10..1000 {
        let ip = format!("10.{}.{}.{}", i / 65_536, (i / 256) % 256, i % 256);
        let (status, _, r) = post_json(
            &app,
            "/status/acme/reports",
            json!({ "component_id": c, "reason": "errors" }),
            &ip,
        )
        .await;
        assert_eq!(status, 201, "report {i}: {r}");
    }
    let (status, _, r) = post_json(
        &app,
        "/status/acme/reports",
        json!({ "component_id": c, "reason": "errors" }),
        "192.0.2.77",
    )
    .await;
    assert_eq!((status, r["code"].as_i64()), (429, Some(42901)), "{r}");

    // Listed for editors: on the page and across pages.
    let listed = app
        .get(
            &format!("/api/v1/status-pages/{pid}/reports?per_page=1"),
            &admin,
        )
        .await;
    assert_eq!(listed.data()["total"], 1000, "{}", listed.text);
    assert_eq!(listed.data()["items"][0]["component_name"], "Website");
    let all = app.get("/api/v1/status-reports", &admin).await;
    assert_eq!(all.data()["total"], 1000);

    // The next day both limits start again.
    app.state
        .status_pages
        .clock()
        .advance(chrono::Duration::days(1));
    let (status, _, r) = post_json(
        &app,
        "/status/acme/reports",
        json!({ "component_id": c, "reason": "down" }),
        "198.51.100.1",
    )
    .await;
    assert_eq!(status, 201, "{r}");
    let since = (chrono::Utc::now() + chrono::Duration::hours(12)).to_rfc3339();
    let today = app
        .client
        .get(app.url("/api/v1/status-reports"))
        .query(&[("since", since.as_str())])
        .bearer_auth(match &admin {
            Auth::Bearer(t) => t.as_str(),
            _ => unreachable!(),
        })
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(today["data"]["total"], 1, "{today}");
}

async fn private_pages_answer_only_to_people_with_grants(backend: Backend) {
    let app = app!(backend);
    let admin = app.admin().await;
    let target = HttpTarget::start().await;
    let service = create_service(&app, &admin, json!({ "name": "site", "type": "http", "config": { "url": target.url }, "enabled": false, "group": "web" })).await;
    let c = component(&app, &admin, "Website", "service", &service).await;
    let created = page(&app, &admin, json!({ "slug": "internal", "title": "Internal", "visibility": "private", "sections": [{ "components": [{ "component_id": c }] }] })).await;
    let pid = created["id"].as_str().unwrap();

    let no_redirects = reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let anonymous = no_redirects
        .get(app.url("/status/internal"))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 303);
    assert_eq!(
        anonymous.headers()[header::LOCATION],
        "/login?next=%2Fstatus%2Finternal"
    );
    assert_eq!(fetch(&app, "/status/internal.json", &[]).await.0, 401);
    assert_eq!(fetch(&app, "/status/internal/feed.atom", &[]).await.0, 401);
    let (status, _, _) = post_json(
        &app,
        "/status/internal/reports",
        json!({ "component_id": c, "reason": "down" }),
        "198.51.100.1",
    )
    .await;
    assert_eq!(status, 404, "visitors cannot report on a private page");

    // A viewer whose grant covers `web` opens it through the signed view link.
    let (uid, _, viewer) = app.user_with_token("web-viewer", "viewer").await;
    let grant = |group: &'static str| json!([{ "group": group, "role": "viewer" }]);
    let r = app
        .call(
            reqwest::Method::PUT,
            &format!("/api/v1/users/{uid}/grants"),
            &admin,
            Some(grant("web")),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let link = app
        .post(
            &format!("/api/v1/status-pages/{pid}/view"),
            &viewer,
            json!({}),
        )
        .await;
    assert_eq!(link.status, 200, "{}", link.text);
    let url = link.data()["url"].as_str().unwrap();
    let opened = no_redirects.get(app.url(url)).send().await.unwrap();
    assert_eq!(opened.status(), 303);
    assert_eq!(opened.headers()[header::LOCATION], "/status/internal");
    let cookie = opened.headers()[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("Path=/status/internal"),
        "{cookie}"
    );
    let pair = cookie.split(';').next().unwrap();
    let shown = no_redirects
        .get(app.url("/status/internal"))
        .header(header::COOKIE, pair)
        .send()
        .await
        .unwrap();
    assert_eq!(shown.status(), 200);
    assert!(shown.headers()[header::CACHE_CONTROL]
        .to_str()
        .unwrap()
        .starts_with("private"));
    let html = shown.text().await.unwrap();
    assert!(html.contains("<h1 class=\"page-title\">Internal</h1>"));
    assert!(
        !html.contains("/status/internal/reports"),
        "no report form on a private page"
    );
    let json = app.get("/status/internal.json", &viewer).await;
    assert_eq!(json.status, 200, "scripts read it with their credentials");

    // Signing out ends the cookie's power.
    let out = app.post("/api/v1/auth/logout", &viewer, json!({})).await;
    assert_eq!(out.status, 200, "{}", out.text);
    let after = no_redirects
        .get(app.url("/status/internal"))
        .header(header::COOKIE, pair)
        .send()
        .await
        .unwrap();
    assert_eq!(after.status(), 303);

    // A viewer narrowed to another group neither gets a link nor the page.
    let (uid, _, narrowed) = app.user_with_token("db-viewer", "viewer").await;
    let r = app
        .call(
            reqwest::Method::PUT,
            &format!("/api/v1/users/{uid}/grants"),
            &admin,
            Some(grant("db")),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        app.post(
            &format!("/api/v1/status-pages/{pid}/view"),
            &narrowed,
            json!({})
        )
        .await
        .status,
        404
    );
    assert_eq!(
        app.get("/status/internal.json", &narrowed).await.status,
        401
    );
    // A forged or foreign link opens nothing.
    let forged = no_redirects
        .get(app.url("/status/internal?view=AAAA"))
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 303);
    assert!(forged.headers()[header::LOCATION]
        .to_str()
        .unwrap()
        .starts_with("/login"));
}

fn link_in(mail: &str, marker: &str) -> String {
    // Quoted-printable may fold long lines: unfold soft breaks first.
    let unfolded = mail
        .replace("=\r\n", "")
        .replace("=\n", "")
        .replace("=3D", "=");
    let start = unfolded
        .find(marker)
        .unwrap_or_else(|| panic!("no {marker} link in {unfolded}"));
    let rest = &unfolded[start..];
    let end = rest.find(|c: char| c.is_whitespace()).unwrap_or(rest.len());
    rest[..end].to_owned()
}

async fn subscribers_confirm_receive_incidents_and_unsubscribe(backend: Backend) {
    let smtp = SmtpServer::start();
    let app = app!(
        backend,
        Options::default()
            .env("EMAIL_HOST", "127.0.0.1")
            .env("EMAIL_PORT", &smtp.port.to_string())
            .env("EMAIL_TLS", "none")
            .env("EMAIL_FROM", "Status <status@example.com>")
            .env("TRUSTED_PROXIES", "127.0.0.0/8")
    );
    let admin = app.admin().await;
    let target = HttpTarget::start().await;
    let service = create_service(&app, &admin, json!({ "name": "site", "type": "http", "config": { "url": target.url }, "enabled": false })).await;
    let c = component(&app, &admin, "Website", "service", &service).await;
    let created = page(&app, &admin, json!({ "slug": "acme", "title": "Acme", "sections": [{ "components": [{ "component_id": c }] }] })).await;
    let pid = created["id"].as_str().unwrap();
    assert_eq!(
        select(
            &Html::parse_document(&fetch(&app, "/status/acme", &[]).await.2),
            "form#subscribe"
        )
        .len(),
        1
    );

    let (status, _, r) = post_json(
        &app,
        "/status/acme/subscribe",
        json!({ "email": "not-an-address" }),
        "198.51.100.1",
    )
    .await;
    assert_eq!(
        (status, r["error"]["email"].is_string()),
        (400, true),
        "{r}"
    );
    let (status, _, body) = post_form(
        &app,
        "/status/acme/subscribe",
        &[("email", "Reader@Example.com")],
        Some("198.51.100.1"),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("Check your inbox"));
    let mails = smtp.wait_for(1, 10).await;
    assert!(mails[0].contains("reader@example.com") || mails[0].contains("Reader@Example.com"));
    let public_url = app.state.config.public_url.clone();
    let confirm = link_in(&mails[0], &format!("{public_url}/status/acme/confirm/"));
    // The same address again the same day: the same answer, no second mail.
    post_form(
        &app,
        "/status/acme/subscribe",
        &[("email", "reader@example.com")],
        Some("198.51.100.1"),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        smtp.messages().len(),
        1,
        "one confirmation mail a day per address"
    );

    // Unconfirmed addresses get nothing.
    let subs = app
        .get(&format!("/api/v1/status-pages/{pid}/subscribers"), &admin)
        .await;
    assert_eq!(subs.data()["total"], 1);
    assert!(subs.data()["items"][0]["confirmed_at"].is_null());
    let (status, _, body) = fetch(&app, &confirm.replace(&public_url, ""), &[]).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("You are subscribed"));
    let subs = app
        .get(&format!("/api/v1/status-pages/{pid}/subscribers"), &admin)
        .await;
    assert!(subs.data()["items"][0]["confirmed_at"].is_string());
    let (_, _, viewer) = app.user_with_token("viewer", "viewer").await;
    assert_eq!(
        app.get(&format!("/api/v1/status-pages/{pid}/subscribers"), &viewer)
            .await
            .status,
        403,
        "addresses are for editors"
    );

    // An incident and its update reach the subscriber, each with the unsubscribe link.
    let incident = app
        .post(&format!("/api/v1/status-pages/{pid}/incidents"), &admin, json!({ "title": "Checkout down", "impact": "critical", "components": [c], "message": "Payments fail at checkout." }))
        .await;
    assert_eq!(incident.status, 201, "{}", incident.text);
    let mails = smtp.wait_for(2, 10).await;
    assert!(
        mails[1].contains("Checkout down") && mails[1].contains("Payments fail at checkout."),
        "{}",
        mails[1]
    );
    let unsubscribe = link_in(&mails[1], &format!("{public_url}/status/acme/unsubscribe/"));
    let iid = incident.data()["id"].as_str().unwrap();
    let update = app
        .post(
            &format!("/api/v1/status-pages/{pid}/incidents/{iid}/updates"),
            &admin,
            json!({ "status": "resolved", "message": "Fixed; payments work again." }),
        )
        .await;
    assert_eq!(update.status, 201, "{}", update.text);
    assert!(update.data()["resolved_at"].is_string());
    let mails = smtp.wait_for(3, 10).await;
    assert!(mails[2].contains("Fixed; payments work again."));
    assert!(mails[2].contains("/status/acme/unsubscribe/"));

    // Maintenance planned on a component of the page reaches the subscriber too.
    let start = chrono::Utc::now() + chrono::Duration::days(2);
    let window = app
        .post("/api/v1/maintenance-windows", &admin, json!({
            "name": "Database upgrade", "description": "Expect a few minutes of downtime.",
            "targets": { "kind": "service", "ids": [service["id"]] },
            "schedule": { "type": "once", "start": start.to_rfc3339(), "end": (start + chrono::Duration::hours(1)).to_rfc3339() },
        }))
        .await;
    assert_eq!(window.status, 201, "{}", window.text);
    let mails = smtp.wait_for(4, 10).await;
    assert!(
        mails[3].contains("Scheduled maintenance: Database upgrade"),
        "{}",
        mails[3]
    );
    assert!(
        mails[3].contains("Expect a few minutes of downtime.")
            && mails[3].contains("Affected: Website")
    );
    assert!(mails[3].contains("/status/acme/unsubscribe/"));

    // One click unsubscribes; the link then says it is spent.
    let (status, _, body) = fetch(&app, &unsubscribe.replace(&public_url, ""), &[]).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("You are unsubscribed"));
    assert_eq!(
        app.get(&format!("/api/v1/status-pages/{pid}/subscribers"), &admin)
            .await
            .data()["total"],
        0
    );
    assert_eq!(
        fetch(&app, &unsubscribe.replace(&public_url, ""), &[])
            .await
            .0,
        404
    );
    let (status, _, _) = fetch(&app, "/status/acme/confirm/forged-token", &[]).await;
    assert_eq!(status, 404);

    // Five subscriptions a day from one address.
    for i in 0..5 {
        let (status, _, r) = post_json(
            &app,
            "/status/acme/subscribe",
            json!({ "email": format!("s{i}@example.com") }),
            "198.51.100.2",
        )
        .await;
        assert_eq!(status, 200, "{r}");
    }
    let (status, _, r) = post_json(
        &app,
        "/status/acme/subscribe",
        json!({ "email": "s9@example.com" }),
        "198.51.100.2",
    )
    .await;
    assert_eq!((status, r["code"].as_i64()), (429, Some(42901)), "{r}");
}

async fn maintenance_shows_as_maintenance_not_down(backend: Backend) {
    let app = app!(backend);
    let admin = app.admin().await;
    let target = HttpTarget::start().await;
    target.answer(503);
    let service = create_service(
        &app,
        &admin,
        json!({ "name": "site", "type": "http", "config": { "url": target.url }, "interval_s": 1 }),
    )
    .await;
    let now = chrono::Utc::now();
    let window = app
        .post("/api/v1/maintenance-windows", &admin, json!({
            "name": "Database upgrade", "targets": { "kind": "service", "ids": [service["id"]] },
            "schedule": { "type": "once", "start": (now - chrono::Duration::minutes(5)).to_rfc3339(), "end": (now + chrono::Duration::hours(1)).to_rfc3339() },
        }))
        .await;
    assert_eq!(window.status, 201, "{}", window.text);
    wait_status(&app, &admin, &service, "maintenance").await;
    let c = component(&app, &admin, "Website", "service", &service).await;
    page(&app, &admin, json!({ "slug": "acme", "title": "Acme", "sections": [{ "components": [{ "component_id": c }] }] })).await;
    tokio::time::sleep(Duration::from_secs(2)).await;

    let (_, _, body) = fetch(&app, "/status/acme", &[]).await;
    let doc = Html::parse_document(&body);
    assert_eq!(
        text(&select(&doc, ".component .pill")[0]),
        "Under maintenance"
    );
    let today = select(&doc, ".component li.bar")
        .last()
        .unwrap()
        .value()
        .classes()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(today.contains("bar-maintenance"), "today's bar: {today}");
    assert!(
        select(&doc, ".component li.bar-major, .component li.bar-minor").is_empty(),
        "no red for maintenance"
    );
    assert!(body.contains("Database upgrade") && body.contains("In progress"));
    let summary: Value =
        serde_json::from_str(&fetch(&app, "/status/acme.json", &[]).await.2).unwrap();
    assert_eq!(summary["components"][0]["status"], "under_maintenance");
    assert_eq!(summary["status"]["indicator"], "none");
    assert_eq!(
        summary["scheduled_maintenances"][0]["name"],
        "Database upgrade"
    );
    assert_eq!(
        summary["scheduled_maintenances"][0]["status"],
        "in_progress"
    );
}

on_both_databases!(
    a_public_page_publishes_display_names_status_and_history,
    bad_input_names_the_field,
    private_pages_answer_only_to_people_with_grants,
);

mod sqlite_only {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_status_change_reaches_the_page_json_and_badge_within_two_seconds() {
        super::a_status_change_reaches_the_page_json_and_badge_within_two_seconds(Backend::Sqlite)
            .await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn visitor_reports_are_checked_limited_and_notified() {
        super::visitor_reports_are_checked_limited_and_notified(Backend::Sqlite).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn subscribers_confirm_receive_incidents_and_unsubscribe() {
        super::subscribers_confirm_receive_incidents_and_unsubscribe(Backend::Sqlite).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn maintenance_shows_as_maintenance_not_down() {
        super::maintenance_shows_as_maintenance_not_down(Backend::Sqlite).await;
    }
}
