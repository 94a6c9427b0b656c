//! Domain monitors against a local RDAP registry, a local DNS server and a local TLS
//! server: statuses from the thresholds, registration details, certificate details, and
//! the interval rules.

use std::net::Ipv4Addr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use chrono::{Duration as Days, Utc};
use serde_json::json;

use crate::alerting::{receiver, wait_for};
use crate::helpers::{Backend, Options};
use crate::{app, on_both_databases};

/// Days from now until each test domain expires; `renewing.test` is renewed (20 days
/// left, then 400) when the registry's switch is flipped.
fn expiry_days(domain: &str, renewed: bool) -> Option<i64> {
    match domain {
        "farfuture.test" | "certsite.test" => Some(400),
        "renewing.test" => Some(if renewed { 400 } else { 20 }),
        "soon.test" => Some(20),
        "urgent.test" => Some(3),
        "gone.test" => Some(-2),
        _ => None,
    }
}

#[derive(Clone)]
struct Registry {
    bootstrap: serde_json::Value,
    renewed: Arc<AtomicBool>,
}

async fn rdap_domain(State(registry): State<Registry>, Path(domain): Path<String>) -> Response {
    let Some(days) = expiry_days(&domain, registry.renewed.load(Ordering::SeqCst)) else {
        return (StatusCode::INTERNAL_SERVER_ERROR, "registry unavailable").into_response();
    };
    let expires = (Utc::now() + Days::days(days) + Days::hours(12)).to_rfc3339();
    Json(json!({
        "objectClassName": "domain", "ldhName": domain.to_uppercase(),
        "events": [
            { "eventAction": "registration", "eventDate": "2015-03-01T10:00:00Z" },
            { "eventAction": "expiration", "eventDate": expires }
        ],
        "entities": [{ "objectClassName": "entity", "roles": ["registrar"],
            "vcardArray": ["vcard", [["version", {}, "text", "4.0"], ["fn", {}, "text", "Test Registrar AG"]]] }],
        "nameservers": [{ "objectClassName": "nameserver", "ldhName": "NS1.EXAMPLE-DNS.TEST" }]
    }))
    .into_response()
}

/// An RDAP registry for `.test` with its IANA-style bootstrap file; returns the bootstrap
/// URL and the switch that renews `renewing.test`.
async fn rdap_registry() -> (String, Arc<AtomicBool>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let renewed = Arc::new(AtomicBool::new(false));
    let registry = Registry {
        bootstrap: json!({ "version": "1.0", "services": [[["test"], [format!("{base}/rdap/")]]] }),
        renewed: renewed.clone(),
    };
    let app = Router::new()
        .route(
            "/dns.json",
            get(|State(r): State<Registry>| async move { Json(r.bootstrap) }),
        )
        .route("/rdap/domain/{domain}", get(rdap_domain))
        .with_state(registry);
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("{base}/dns.json"), renewed)
}

/// A TLS server on 127.0.0.1 presenting a self-signed certificate for `certsite.test`
/// that expires in 5 days; returns its port.
async fn tls_site() -> u16 {
    let acceptor = monitron_testkit::pki::leaf(None, &["certsite.test"], -1, 5).acceptor();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let _ = acceptor.accept(stream).await;
            });
        }
    });
    port
}

async fn domains_report_registration_certificate_and_status(backend: Backend) {
    let (bootstrap, _) = rdap_registry().await;
    let dns = monitron_testkit::dns::serve_zone(
        "farfuture.test.",
        vec![
            monitron_testkit::dns::a("farfuture.test.", Ipv4Addr::new(192, 0, 2, 44), 300),
            monitron_testkit::dns::a("farfuture.test.", Ipv4Addr::new(192, 0, 2, 45), 300),
        ],
    )
    .await;
    let app = app!(
        backend,
        Options::default()
            .env("RDAP_BOOTSTRAP_URL", &bootstrap)
            .env("DOMAIN_DNS_RESOLVER", &dns)
    );
    let admin = app.admin().await;
    let tls_port = tls_site().await;

    let create = |domain: &str, extra: serde_json::Value| {
        let mut body = json!({ "domain": domain, "check_ssl": false });
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        body
    };
    let mut ids = Vec::new();
    for (domain, extra) in [
        ("FarFuture.test.", json!({})),
        ("soon.test", json!({})),
        ("urgent.test", json!({})),
        ("gone.test", json!({})),
        ("broken.test", json!({})),
        (
            "certsite.test",
            json!({ "check_ssl": true, "ssl_host": "127.0.0.1", "ssl_port": tls_port }),
        ),
    ] {
        let r = app
            .post("/api/v1/domains", &admin, create(domain, extra))
            .await;
        assert_eq!(r.status, 201, "{domain}: {}", r.text);
        assert_eq!(r.data()["interval_s"], 86400);
        assert_eq!(r.data()["warning_threshold_days"], 30);
        assert_eq!(r.data()["expiry_threshold_days"], 7);
        ids.push(r.data()["id"].as_str().unwrap().to_owned());
    }
    let mut seen = Vec::new();
    for id in &ids {
        let checked = app
            .post(&format!("/api/v1/domains/{id}/check"), &admin, json!({}))
            .await;
        assert_eq!(checked.code(), 0, "{}", checked.text);
        let view = app.get(&format!("/api/v1/domains/{id}"), &admin).await;
        seen.push(view.data().clone());
    }
    let statuses: Vec<&str> = seen.iter().map(|d| d["status"].as_str().unwrap()).collect();
    assert_eq!(
        statuses,
        ["ok", "warning", "critical", "expired", "error", "critical"]
    );
    let states: Vec<&str> = seen
        .iter()
        .map(|d| d["state"]["status"].as_str().unwrap())
        .collect();
    assert_eq!(states, ["up", "up", "down", "down", "down", "down"]);

    let far = &seen[0];
    assert_eq!(far["domain"], "farfuture.test");
    assert_eq!(far["name"], "farfuture.test");
    let d = &far["details"];
    assert_eq!(d["registrar"], "Test Registrar AG");
    assert_eq!(d["days_left"], 400);
    assert_eq!(d["source"], "rdap");
    assert_eq!(d["nameservers"], json!(["ns1.example-dns.test"]));
    assert_eq!(d["resolved_ips"], json!(["192.0.2.44", "192.0.2.45"]));
    assert_eq!(d["registered_at"], "2015-03-01T10:00:00Z");
    assert!(d["ssl"].is_null());
    assert!(
        seen[4]["details"]["error"]
            .as_str()
            .unwrap()
            .contains("no registration data"),
        "{}",
        seen[4]
    );

    let ssl = &seen[5]["details"]["ssl"];
    assert_eq!(ssl["days_left"], 5, "{ssl}");
    assert_eq!(ssl["sans"], json!(["certsite.test"]));
    assert_eq!(ssl["chain_valid"], false, "self-signed");
    assert_eq!(ssl["hostname_match"], true);
    assert_eq!(ssl["resolved_ip"], "127.0.0.1");
    assert!(ssl["fingerprint_sha256"].as_str().unwrap().len() == 64);
    assert!(seen[5]["state"]["message"]
        .as_str()
        .unwrap()
        .contains("certificate expires in 5 days"));

    // Incidents open for domains too.
    let r = app
        .get("/api/v1/incidents?target_type=domain&status=open", &admin)
        .await;
    assert_eq!(r.data()["total"], 4, "{}", r.text);

    let metrics = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    // Expiry as a Unix timestamp: about 400 days (registration) and 5 days (certificate)
    // from now.
    let expiry = |family: &str, id: &str| -> f64 {
        metrics
            .lines()
            .find(|l| l.starts_with(&format!("{family}{{")) && l.contains(id))
            .and_then(|l| l.rsplit(' ').next()?.parse().ok())
            .unwrap_or_else(|| panic!("{family} for {id}:\n{metrics}"))
    };
    let now = chrono::Utc::now().timestamp() as f64;
    let days = |at: f64| (at - now) / 86_400.0;
    let registration = days(expiry("monitron_domain_expiry_timestamp_seconds", &ids[0]));
    assert!((399.0..=401.0).contains(&registration), "{registration}");
    let certificate = days(expiry(
        "monitron_certificate_expiry_timestamp_seconds",
        &ids[5],
    ));
    assert!((4.0..=6.0).contains(&certificate), "{certificate}");

    // Intervals: at least 4 hours.
    let r = app
        .post(
            "/api/v1/domains",
            &admin,
            json!({ "domain": "x.test", "interval_s": 3600 }),
        )
        .await;
    assert_eq!(r.code(), 40001);
    assert!(r.error()["interval_s"].as_str().unwrap().contains("14400"));
    let r = app
        .post(
            "/api/v1/domains",
            &admin,
            json!({ "domain": "x.test", "warning_threshold_days": 5, "expiry_threshold_days": 9 }),
        )
        .await;
    assert!(
        r.error().get("expiry_threshold_days").is_some(),
        "{}",
        r.text
    );
    let r = app
        .patch(
            &format!("/api/v1/domains/{}", ids[1]),
            &admin,
            json!({ "warning_threshold_days": 10 }),
        )
        .await;
    assert_eq!(r.code(), 0, "{}", r.text);
    let r = app
        .post(
            &format!("/api/v1/domains/{}/check", ids[1]),
            &admin,
            json!({}),
        )
        .await;
    assert_eq!(
        r.data()["details"]["status"],
        "ok",
        "20 days left is fine with a 10-day warning"
    );
}

/// A TLS server on 127.0.0.1 whose certificate can be replaced while it runs (a renewal);
/// returns its port and the slot to put the next certificate in.
async fn renewable_tls_site(
    leaf: monitron_testkit::pki::Leaf,
) -> (u16, Arc<Mutex<monitron_testkit::pki::TlsAcceptor>>) {
    let slot = Arc::new(Mutex::new(leaf.acceptor()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let serving = slot.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let acceptor = serving.lock().unwrap().clone();
            tokio::spawn(async move {
                let _ = acceptor.accept(stream).await;
            });
        }
    });
    (port, slot)
}

/// The seeded certificate and domain rules, judged from real checks: a domain whose
/// registration (RDAP) has 20 days left and whose site's certificate has 10, and a TLS
/// service on the same site. Each rule fires once per monitor, and all resolve when the
/// registration and the certificate are renewed.
async fn certificate_and_domain_rules_fire_and_resolve_on_renewal(backend: Backend) {
    let (bootstrap, renewed) = rdap_registry().await;
    let ca = monitron_testkit::pki::ca();
    let (tls_port, certificate) = renewable_tls_site(monitron_testkit::pki::leaf(
        Some(&ca),
        &["renewing.test"],
        -1,
        10,
    ))
    .await;
    let app = app!(
        backend,
        Options::default().env("RDAP_BOOTSTRAP_URL", &bootstrap)
    );
    let admin = app.admin().await;
    let (url, received) = receiver().await;
    let channel = app
        .post(
            "/api/v1/notification-channels",
            &admin,
            json!({ "name": "hook", "type": "webhook", "config": { "url": url }, "default": true }),
        )
        .await;
    assert_eq!(channel.status, 201, "{}", channel.text);
    let domain = app
        .post("/api/v1/domains", &admin, json!({ "domain": "renewing.test", "check_ssl": true, "ssl_host": "127.0.0.1", "ssl_port": tls_port }))
        .await;
    assert_eq!(domain.status, 201, "{}", domain.text);
    let service = app
        .post("/api/v1/services", &admin, json!({ "name": "shop certificate", "type": "tls", "interval_s": 3600,
            "config": { "host": "127.0.0.1", "port": tls_port, "server_name": "renewing.test", "ca_pem": ca.pem } }))
        .await;
    assert_eq!(service.status, 201, "{}", service.text);
    let checks = [
        format!(
            "/api/v1/domains/{}/check",
            domain.data()["id"].as_str().unwrap()
        ),
        format!(
            "/api/v1/services/{}/check",
            service.data()["id"].as_str().unwrap()
        ),
    ];
    let check_all = || async {
        for path in &checks {
            let r = app.post(path, &admin, json!({})).await;
            assert_eq!(r.code(), 0, "{}", r.text);
        }
    };
    // What the receiver got from the two seeded rules, as (event, rule, monitor, value).
    let told = |got: &[(axum::http::HeaderMap, serde_json::Value)]| {
        let mut told: Vec<(String, String, String, f64)> = got
            .iter()
            .map(|(_, b)| b)
            .filter(|b| b["rule"]["name"] != "Any monitor down")
            .map(|b| {
                (
                    b["type"].as_str().unwrap().to_owned(),
                    b["rule"]["name"].as_str().unwrap().to_owned(),
                    b["monitor"]["name"].as_str().unwrap().to_owned(),
                    b["alert"]["value"].as_f64().unwrap_or(f64::NAN),
                )
            })
            .collect();
        told.sort_by(|a, b| (&a.0, &a.1, &a.2).cmp(&(&b.0, &b.1, &b.2)));
        told
    };

    check_all().await;
    let expiring = |event: &str, rule: &str, monitor: &str, days: f64| {
        (event.to_owned(), rule.to_owned(), monitor.to_owned(), days)
    };
    // The receiver also hears the down rule (a certificate this close to expiry is down),
    // so the count of messages alone says nothing: wait for the expiry rules' own.
    let told_at_least = |n: usize| {
        let (received, told) = (&received, &told);
        async move {
            let mut got = Vec::new();
            for _ in 0..100 {
                got = told(&wait_for(received, 0).await);
                if got.len() >= n {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            got
        }
    };
    let got = told_at_least(3).await;
    assert_eq!(
        got,
        [
            expiring(
                "alert.firing",
                "Certificate expires within 14 days",
                "renewing.test",
                10.0
            ),
            expiring(
                "alert.firing",
                "Certificate expires within 14 days",
                "shop certificate",
                10.0
            ),
            expiring(
                "alert.firing",
                "Domain expires within 30 days",
                "renewing.test",
                20.0
            ),
        ]
    );
    let firing = app.get("/api/v1/alerts?status=firing", &admin).await;
    let messages: Vec<&str> = firing.data()["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| a["message"].as_str())
        .collect();
    assert!(
        messages
            .iter()
            .any(|m| m.contains("registration expires in 20 days")),
        "{}",
        firing.text
    );

    // Checked again before any renewal: still firing, nothing new is sent.
    check_all().await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(told(&wait_for(&received, 0).await).len(), 3);

    // Renewed: the registry answers 400 days and the site serves a new certificate.
    renewed.store(true, Ordering::SeqCst);
    *certificate.lock().unwrap() =
        monitron_testkit::pki::leaf(Some(&ca), &["renewing.test"], -1, 400).acceptor();
    check_all().await;
    let got = told_at_least(6).await;
    let resolved: Vec<(String, String)> = got
        .iter()
        .filter(|t| t.0 == "alert.resolved")
        .map(|t| (t.1.clone(), t.2.clone()))
        .collect();
    assert_eq!(
        resolved,
        [
            (
                "Certificate expires within 14 days".to_owned(),
                "renewing.test".to_owned()
            ),
            (
                "Certificate expires within 14 days".to_owned(),
                "shop certificate".to_owned()
            ),
            (
                "Domain expires within 30 days".to_owned(),
                "renewing.test".to_owned()
            ),
        ],
        "{got:?}"
    );
    assert_eq!(got.len(), 6, "{got:?}");
}

on_both_databases!(
    domains_report_registration_certificate_and_status,
    certificate_and_domain_rules_fire_and_resolve_on_renewal
);
