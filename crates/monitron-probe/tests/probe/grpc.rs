//! gRPC health checks against real tonic health servers: plaintext, with an authentication
//! interceptor, and over TLS with a generated certificate.

use std::collections::BTreeMap;
use std::time::Duration;

use monitron_probe::grpc::Config;
use monitron_probe::{Outcome, Probe, Status};
use tokio_stream::wrappers::TcpListenerStream;
use tonic::transport::{Identity, Server, ServerTlsConfig};
use tonic_health::server::HealthReporter;
use tonic_health::ServingStatus;

use crate::target::closed_port;
use monitron_testkit::pki::{ca, leaf};

/// Starts a health server; `token` makes it demand `authorization: Bearer <token>`.
async fn health_server(
    tls: Option<ServerTlsConfig>,
    token: Option<&'static str>,
) -> (HealthReporter, u16) {
    // tonic builds its TLS configuration from rustls's process default.
    monitron_probe::install_crypto_provider();
    let (reporter, service) = tonic_health::server::health_reporter();
    reporter
        .set_service_status("monitron.Orders", ServingStatus::Serving)
        .await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let mut builder = Server::builder();
    if let Some(tls) = tls {
        builder = builder.tls_config(tls).unwrap();
    }
    let check = move |request: tonic::Request<()>| match token {
        None => Ok(request),
        Some(token) => match request
            .metadata()
            .get("authorization")
            .and_then(|v| v.to_str().ok())
        {
            Some(value) if value == format!("Bearer {token}") => Ok(request),
            _ => Err(tonic::Status::unauthenticated("bad token")),
        },
    };
    let service = tonic::service::interceptor::InterceptedService::new(service, check);
    tokio::spawn(
        builder
            .add_service(service)
            .serve_with_incoming(TcpListenerStream::new(listener)),
    );
    (reporter, port)
}

fn config(port: u16, service: &str) -> Config {
    Config {
        host: "127.0.0.1".into(),
        port,
        service: service.into(),
        tls: false,
        ca_pem: None,
        server_name: None,
        metadata: BTreeMap::new(),
    }
}

async fn run(mut config: Config) -> Outcome {
    config.validate().unwrap();
    config.run(Duration::from_secs(5)).await
}

#[tokio::test]
async fn serving_and_not_serving_are_told_apart() {
    let (reporter, port) = health_server(None, None).await;
    let whole = run(config(port, "")).await;
    assert_eq!(
        (whole.status, whole.message.as_str()),
        (Status::Up, "the server is SERVING"),
        "{whole:?}"
    );
    assert_eq!(whole.details["serving_status"], "SERVING");
    assert!(whole.details["connect_ms"].as_f64().is_some());

    assert_eq!(
        run(config(port, "monitron.Orders")).await.status,
        Status::Up
    );
    reporter
        .set_service_status("monitron.Orders", ServingStatus::NotServing)
        .await;
    let down = run(config(port, "monitron.Orders")).await;
    assert_eq!(
        (down.status, down.message.as_str()),
        (Status::Down, "service monitron.Orders is NOT_SERVING")
    );
    reporter
        .set_service_status("monitron.Orders", ServingStatus::Serving)
        .await;
    assert_eq!(
        run(config(port, "monitron.Orders")).await.status,
        Status::Up,
        "and back"
    );

    reporter
        .set_service_status("", ServingStatus::NotServing)
        .await;
    assert_eq!(
        run(config(port, "")).await.message,
        "the server is NOT_SERVING"
    );

    let unknown = run(config(port, "monitron.Nope")).await;
    assert_eq!(
        (unknown.status, unknown.message.as_str()),
        (
            Status::Down,
            "the server does not know service monitron.Nope"
        )
    );
    assert_eq!(unknown.details["grpc_code"], "NotFound");
}

#[tokio::test]
async fn metadata_is_sent() {
    let (_reporter, port) = health_server(None, Some("s3cret")).await;
    let mut with = config(port, "");
    with.metadata
        .insert("authorization".into(), "Bearer s3cret".into());
    assert_eq!(run(with).await.status, Status::Up);
    let without = run(config(port, "")).await;
    assert_eq!(without.status, Status::Down);
    assert_eq!(
        without.details["grpc_code"], "Unauthenticated",
        "{without:?}"
    );
}

#[tokio::test]
async fn tls_is_used_and_verified() {
    let ca = ca();
    let cert = leaf(Some(&ca), &["localhost"], -1, 30);
    let identity = Identity::from_pem(cert.chain_pem.clone(), cert.key_pem.clone());
    let (_reporter, port) =
        health_server(Some(ServerTlsConfig::new().identity(identity)), None).await;
    let mut trusted = config(port, "");
    trusted.host = "localhost".into();
    trusted.tls = true;
    trusted.ca_pem = Some(ca.pem.clone());
    let o = run(trusted.clone()).await;
    assert_eq!(o.status, Status::Up, "{o:?}");
    let mut untrusted = trusted.clone();
    untrusted.ca_pem = None;
    let o = run(untrusted).await;
    assert_eq!(
        o.status,
        Status::Down,
        "a private CA is not in the system roots: {o:?}"
    );
    let mut plaintext = trusted;
    plaintext.tls = false;
    plaintext.ca_pem = None;
    assert_eq!(
        run(plaintext).await.status,
        Status::Down,
        "plaintext to a TLS port fails"
    );
}

#[tokio::test]
async fn a_closed_port_is_down() {
    let o = run(config(closed_port(), "")).await;
    assert_eq!(o.status, Status::Down);
    assert!(o.message.starts_with("connection failed"), "{}", o.message);
}
