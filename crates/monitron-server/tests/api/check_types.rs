//! Every service type created through the API and checked against a real target, up and
//! then down: TCP listener, ICMP to 127.0.0.1, an in-process DNS server, a tonic gRPC
//! health server, and Mosquitto on 127.0.0.1:1883.

use std::net::Ipv4Addr;

use serde_json::{json, Value};
use tokio_stream::wrappers::TcpListenerStream;
use tonic_health::ServingStatus;

use crate::helpers::{Auth, Backend, TestApp};
use crate::targets::create_service;
use crate::{app, on_both_databases};

async fn check(app: &TestApp, auth: &Auth, id: &str) -> Value {
    let r = app
        .post(&format!("/api/v1/services/{id}/check"), auth, json!({}))
        .await;
    assert_eq!(r.code(), 0, "{}", r.text);
    r.data().clone()
}

async fn create(app: &TestApp, auth: &Auth, name: &str, kind: &str, config: Value) -> String {
    let body =
        json!({ "name": name, "type": kind, "config": config, "interval_s": 3600, "timeout_s": 3 });
    create_service(app, auth, body).await["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn every_type_goes_up_and_down_against_real_targets(backend: Backend) {
    let app = app!(backend);
    let admin = app.admin().await;

    // TCP: a listener, then nothing.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let tcp = create(
        &app,
        &admin,
        "tcp",
        "tcp",
        json!({ "host": "127.0.0.1", "port": port }),
    )
    .await;
    assert_eq!(check(&app, &admin, &tcp).await["status"], "up");
    drop(listener);
    let down = check(&app, &admin, &tcp).await;
    assert_eq!(down["status"], "down");
    assert!(
        down["message"].as_str().unwrap().contains("refused"),
        "{down}"
    );

    // ICMP echo to loopback.
    let ping = create(
        &app,
        &admin,
        "ping",
        "ping",
        json!({ "host": "127.0.0.1", "count": 2 }),
    )
    .await;
    let up = check(&app, &admin, &ping).await;
    assert_eq!(up["status"], "up", "{up}");
    assert_eq!(up["details"]["received"], 2, "{up}");

    // DNS: the expected answer, then one the zone does not hold.
    let dns = monitron_testkit::dns::serve_zone(
        "monitron.test.",
        vec![monitron_testkit::dns::a(
            "www.monitron.test.",
            Ipv4Addr::new(192, 0, 2, 7),
            60,
        )],
    )
    .await;
    let config = json!({ "name": "www.monitron.test", "record_type": "A", "resolver": dns, "expected": ["192.0.2.7"] });
    let dns_id = create(&app, &admin, "dns", "dns", config.clone()).await;
    let up = check(&app, &admin, &dns_id).await;
    assert_eq!(up["status"], "up", "{up}");
    assert_eq!(up["details"]["answers"], json!(["192.0.2.7"]));
    let mut wrong = config;
    wrong["expected"] = json!(["192.0.2.8"]);
    let r = app
        .patch(
            &format!("/api/v1/services/{dns_id}"),
            &admin,
            json!({ "config": wrong }),
        )
        .await;
    assert_eq!(r.code(), 0, "{}", r.text);
    assert_eq!(check(&app, &admin, &dns_id).await["status"], "down");

    // gRPC health: SERVING, then NOT_SERVING.
    monitron_probe::install_crypto_provider();
    let (reporter, service) = tonic_health::server::health_reporter();
    reporter
        .set_service_status("shop.Orders", ServingStatus::Serving)
        .await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let grpc_port = listener.local_addr().unwrap().port();
    tokio::spawn(
        tonic::transport::Server::builder()
            .add_service(service)
            .serve_with_incoming(TcpListenerStream::new(listener)),
    );
    let grpc = create(
        &app,
        &admin,
        "grpc",
        "grpc",
        json!({ "host": "127.0.0.1", "port": grpc_port, "service": "shop.Orders" }),
    )
    .await;
    assert_eq!(check(&app, &admin, &grpc).await["status"], "up");
    reporter
        .set_service_status("shop.Orders", ServingStatus::NotServing)
        .await;
    let down = check(&app, &admin, &grpc).await;
    assert_eq!(down["status"], "down");
    assert!(
        down["message"].as_str().unwrap().contains("NOT_SERVING"),
        "{down}"
    );

    // MQTT round trip through Mosquitto, then a port nothing listens on.
    let mqtt = create(&app, &admin, "mqtt", "mqtt", json!({ "host": "127.0.0.1", "port": 1883, "topic": "monitron/test/api", "mode": "roundtrip", "qos": 1 })).await;
    let up = check(&app, &admin, &mqtt).await;
    assert_eq!(
        up["status"], "up",
        "Mosquitto must run on 127.0.0.1:1883: {up}"
    );
    let r = app
        .patch(
            &format!("/api/v1/services/{mqtt}"),
            &admin,
            json!({ "config": { "host": "127.0.0.1", "port": 9, "topic": "t" } }),
        )
        .await;
    assert_eq!(r.code(), 0, "{}", r.text);
    assert_eq!(check(&app, &admin, &mqtt).await["status"], "down");

    // The list shows each one's last state.
    let list = app
        .get("/api/v1/services?per_page=10&sort=name", &admin)
        .await;
    let states: Vec<(String, String)> = list.data()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["name"].as_str().unwrap().into(),
                s["state"]["status"].as_str().unwrap().into(),
            )
        })
        .collect();
    let expected = [
        ("dns", "down"),
        ("grpc", "down"),
        ("mqtt", "down"),
        ("ping", "up"),
        ("tcp", "down"),
    ];
    assert_eq!(states, expected.map(|(n, s)| (n.to_owned(), s.to_owned())),);
}

on_both_databases!(every_type_goes_up_and_down_against_real_targets);
