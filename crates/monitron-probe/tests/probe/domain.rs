//! Registration lookups against local RDAP and WHOIS servers serving realistic answers:
//! a bootstrap file, an RDAP registry, and a chain of WHOIS servers (IANA-like -> registry
//! -> registrar) joined by referrals.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use monitron_probe::domain::{LookupError, Registry, RegistryConfig, Source};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

struct Rdap {
    base: String,
    bootstrap_fetches: Arc<AtomicUsize>,
}

async fn rdap_domain(Path(domain): Path<String>) -> Response {
    let registrar = serde_json::json!({
        "objectClassName": "entity", "roles": ["registrar"], "handle": "1234",
        "vcardArray": ["vcard", [["version", {}, "text", "4.0"], ["fn", {}, "text", "Example Registrar, Inc."]]]
    });
    match domain.as_str() {
        "monitron.test" => Json(serde_json::json!({
            "objectClassName": "domain", "ldhName": "MONITRON.TEST",
            "events": [
                { "eventAction": "registration", "eventDate": "2019-08-13T04:00:00Z" },
                { "eventAction": "expiration", "eventDate": "2027-08-13T04:00:00Z" },
                { "eventAction": "last update of RDAP database", "eventDate": "2026-11-21T06:00:00Z" }
            ],
            "entities": [registrar],
            "nameservers": [{ "objectClassName": "nameserver", "ldhName": "NS1.MONITRON.TEST" }, { "objectClassName": "nameserver", "ldhName": "ns2.monitron.test." }]
        }))
        .into_response(),
        "noexpiry.test" => Json(serde_json::json!({ "objectClassName": "domain", "ldhName": "noexpiry.test", "events": [{ "eventAction": "registration", "eventDate": "2020-01-01T00:00:00Z" }], "entities": [registrar] })).into_response(),
        "override.special" => Json(serde_json::json!({ "events": [{ "eventAction": "expiration", "eventDate": "2030-01-01T00:00:00Z" }] })).into_response(),
        "failing.test" => (StatusCode::INTERNAL_SERVER_ERROR, "registry database unavailable").into_response(),
        _ => (StatusCode::NOT_FOUND, Json(serde_json::json!({ "errorCode": 404, "title": "Not Found" }))).into_response(),
    }
}

async fn rdap_server() -> Rdap {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let fetches = Arc::new(AtomicUsize::new(0));
    let bootstrap = serde_json::json!({
        "version": "1.0", "publication": "2026-11-20T18:00:01Z",
        "services": [[["test", "example"], [format!("{base}/rdap/")]]]
    });
    let app = Router::new()
        .route("/rdap/dns.json", get(|State((fetches, bootstrap)): State<(Arc<AtomicUsize>, serde_json::Value)>| async move {
            fetches.fetch_add(1, Ordering::SeqCst);
            Json(bootstrap)
        }))
        .route("/rdap/domain/{domain}", get(rdap_domain))
        .with_state((fetches.clone(), bootstrap));
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    Rdap {
        base,
        bootstrap_fetches: fetches,
    }
}

/// A WHOIS server answering each query with `answer(query)`.
async fn whois_server(answer: impl Fn(&str) -> String + Send + Sync + 'static) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap().to_string();
    let answer = Arc::new(answer);
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let answer = answer.clone();
            tokio::spawn(async move {
                let mut buf = vec![0u8; 512];
                let n = stream.read(&mut buf).await.unwrap_or(0);
                let query = String::from_utf8_lossy(&buf[..n]).trim().to_owned();
                let _ = stream.write_all(answer(&query).as_bytes()).await;
            });
        }
    });
    address
}

/// IANA-like -> registry -> registrar, as on the real internet.
async fn whois_chain() -> String {
    let registrar = whois_server(|query| match query {
        "failing.test" => "Domain Name: failing.test\r\nRegistrar: Example Registrar, Inc.\r\nRegistrar Registration Expiration Date: 2028-02-29T00:00:00Z\r\nCreation Date: 2018-02-28T12:00:00Z\r\nName Server: ns.failing.test\r\n".into(),
        _ => "No match for domain.\r\n".into(),
    })
    .await;
    let registry = whois_server(move |query| match query {
        "failing.test" => format!("   Domain Name: FAILING.TEST\r\n   Registrar WHOIS Server: {registrar}\r\n   Registrar: Example Registrar, Inc.\r\n"),
        "shop.whoisonly" => "% WHOIS server for .whoisonly\r\ndomain: shop.whoisonly\r\nregistrar: Onlywhois Registrar\r\ncreated: 2015-06-01\r\npaid-till: 2027-06-01\r\nnserver: ns1.shop.whoisonly.\r\nnserver: ns2.shop.whoisonly.\r\n".into(),
        "noexpiry.test" => "Domain Name: noexpiry.test\r\nRegistrar: Example Registrar, Inc.\r\n".into(),
        _ => "No match\r\n".into(),
    })
    .await;
    whois_server(move |_| {
        format!("% IANA WHOIS server\r\n\r\nrefer:        {registry}\r\n\r\ndomain:       TLD\r\n")
    })
    .await
}

fn registry(rdap: &Rdap, whois: String, overrides: BTreeMap<String, String>) -> Registry {
    Registry::new(RegistryConfig {
        rdap_bootstrap_url: format!("{}/rdap/dns.json", rdap.base),
        rdap_overrides: overrides,
        whois_server: whois,
        bootstrap_ttl: Duration::from_secs(3600),
        whois_referral_any_port: true,
    })
}

const T: Duration = Duration::from_secs(5);

#[tokio::test]
async fn rdap_answers_for_the_registrable_domain() {
    let rdap = rdap_server().await;
    let r = registry(&rdap, whois_chain().await, BTreeMap::new());
    let found = r.lookup("www.shop.monitron.test", T).await.unwrap();
    assert_eq!(found.domain, "monitron.test");
    assert_eq!(found.source, Source::Rdap);
    assert_eq!(found.registrar.as_deref(), Some("Example Registrar, Inc."));
    assert_eq!(found.expires_at.to_rfc3339(), "2027-08-13T04:00:00+00:00");
    assert_eq!(
        found.registered_at.unwrap().to_rfc3339(),
        "2019-08-13T04:00:00+00:00"
    );
    assert_eq!(
        found.nameservers,
        vec!["ns1.monitron.test", "ns2.monitron.test"]
    );
    r.lookup("monitron.test", T).await.unwrap();
    assert_eq!(
        rdap.bootstrap_fetches.load(Ordering::SeqCst),
        1,
        "the bootstrap file is cached"
    );
}

#[tokio::test]
async fn a_failing_rdap_service_falls_back_to_whois_with_referrals() {
    let rdap = rdap_server().await;
    let r = registry(&rdap, whois_chain().await, BTreeMap::new());
    let found = r.lookup("failing.test", T).await.unwrap();
    assert_eq!(found.source, Source::Whois);
    assert_eq!(
        found.expires_at.to_rfc3339(),
        "2028-02-29T00:00:00+00:00",
        "from the registrar, two referrals away"
    );
    assert_eq!(found.nameservers, vec!["ns.failing.test"]);
}

#[tokio::test]
async fn tlds_without_rdap_use_whois() {
    let rdap = rdap_server().await;
    let r = registry(&rdap, whois_chain().await, BTreeMap::new());
    let found = r.lookup("shop.whoisonly", T).await.unwrap();
    assert_eq!(
        (found.source, found.registrar.as_deref()),
        (Source::Whois, Some("Onlywhois Registrar"))
    );
    assert_eq!(found.expires_at.to_rfc3339(), "2027-06-01T00:00:00+00:00");
    assert_eq!(
        found.registered_at.unwrap().to_rfc3339(),
        "2015-06-01T00:00:00+00:00"
    );
    assert_eq!(
        found.nameservers,
        vec!["ns1.shop.whoisonly", "ns2.shop.whoisonly"]
    );
}

#[tokio::test]
async fn a_tld_that_publishes_no_expiry_is_a_clear_error() {
    let rdap = rdap_server().await;
    let r = registry(&rdap, whois_chain().await, BTreeMap::new());
    let err = r.lookup("noexpiry.test", T).await.unwrap_err();
    assert!(
        matches!(err, LookupError::NoExpiry { ref tld, .. } if tld == "test"),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .starts_with("the registry for .test publishes no expiry date"),
        "{err}"
    );
}

#[tokio::test]
async fn per_tld_overrides_take_precedence() {
    let rdap = rdap_server().await;
    let overrides = BTreeMap::from([("special".to_owned(), format!("{}/rdap/", rdap.base))]);
    let r = registry(&rdap, whois_chain().await, overrides);
    let found = r.lookup("override.special", T).await.unwrap();
    assert_eq!(
        (found.source, found.expires_at.to_rfc3339()),
        (Source::Rdap, "2030-01-01T00:00:00+00:00".to_owned())
    );
    assert_eq!(
        rdap.bootstrap_fetches.load(Ordering::SeqCst),
        0,
        "an override needs no bootstrap"
    );
}

#[tokio::test]
async fn unreachable_sources_are_reported() {
    let rdap = rdap_server().await;
    let closed = format!("127.0.0.1:{}", crate::target::closed_port());
    let r = registry(&rdap, closed, BTreeMap::new());
    let err = r.lookup("shop.whoisonly", T).await.unwrap_err();
    assert!(
        matches!(
            err,
            LookupError::Unavailable(_) | LookupError::NoExpiry { .. }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("WHOIS"), "{err}");
    assert!(matches!(
        r.lookup("co.uk", T).await,
        Err(LookupError::NotRegistrable(_))
    ));
}

/// WHOIS referrals are chosen by remote servers: by default only port 43 is followed.
#[tokio::test]
async fn referrals_to_other_ports_are_not_followed_by_default() {
    let rdap = rdap_server().await;
    let mut config = RegistryConfig {
        rdap_bootstrap_url: format!("{}/rdap/dns.json", rdap.base),
        rdap_overrides: BTreeMap::new(),
        whois_server: whois_chain().await,
        bootstrap_ttl: Duration::from_secs(3600),
        whois_referral_any_port: false,
    };
    let err = Registry::new(config.clone())
        .lookup("shop.whoisonly", T)
        .await
        .unwrap_err();
    assert!(
        matches!(err, LookupError::NoExpiry { .. }),
        "the IANA-like server's referral (a local port) is not followed: {err:?}"
    );
    config.whois_referral_any_port = true;
    assert!(Registry::new(config)
        .lookup("shop.whoisonly", T)
        .await
        .is_ok());
}
