//! Health, readiness, metrics, OpenAPI and docs.

use crate::helpers::{Auth, Backend, Options};
use crate::{app, on_both_databases};

async fn health_and_readiness(backend: Backend) {
    let app = app!(backend);
    let h = app.get("/healthz", &Auth::None).await;
    assert_eq!((h.code(), h.data()["status"].as_str()), (0, Some("ok")));
    let r = app.get("/readyz", &Auth::None).await;
    assert_eq!(r.code(), 0, "{}", r.text);
    assert_eq!(
        r.data(),
        &serde_json::json!({ "database": "ok", "queue": "ok", "queue_transport": "in-process" })
    );
}

async fn readiness_covers_rabbitmq_when_configured(backend: Backend) {
    let url = std::env::var("MONITRON_TEST_RABBITMQ_URL")
        .unwrap_or_else(|_| "amqp://guest:guest@127.0.0.1:5672/%2f".into());
    if std::net::TcpStream::connect("127.0.0.1:5672").is_err()
        && std::env::var("MONITRON_SKIP_SERVICES").as_deref() == Ok("1")
    {
        eprintln!("SKIPPED: RabbitMQ readiness test (MONITRON_SKIP_SERVICES=1)");
        return;
    }
    let prefix = format!("monitron-test-{}", uuid::Uuid::now_v7().simple());
    let app = app!(
        backend,
        Options::default()
            .env("RABBITMQ_URL", &url)
            .env("QUEUE_PREFIX", &prefix)
    );
    let r = app.get("/readyz", &Auth::None).await;
    assert_eq!(r.data()["queue_transport"], "rabbitmq", "{}", r.text);
    assert_eq!(r.data()["queue"], "ok");
    let cleanup = monitron_server::queue::RabbitMq::connect(&url, &prefix)
        .await
        .unwrap();
    let queue = monitron_server::queue::Queue::RabbitMq(cleanup.clone());
    assert_eq!(
        queue
            .depth(monitron_server::queue::WorkKind::Check)
            .await
            .unwrap(),
        0,
        "the server declared its queues under the prefix"
    );
    cleanup.delete_queues().await.unwrap();
    cleanup.close().await.unwrap();
}

async fn metrics_use_route_templates_not_raw_paths(backend: Backend) {
    let app = app!(backend);
    let admin = app.admin().await;
    let id = uuid::Uuid::now_v7();
    app.get(&format!("/api/v1/users/{id}"), &admin).await;
    app.get("/api/v1/nowhere/at/all", &admin).await;
    let text = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(text.contains(r#"monitron_http_requests_total{method="GET",route="/api/v1/users/{id}",status="404"} 1"#), "{text}");
    assert!(
        !text.contains(&id.to_string()),
        "raw ids never become labels"
    );
    assert!(text.contains(r#"route="unmatched""#));
    assert!(text.contains("monitron_http_request_duration_seconds_bucket"));
    assert!(text.contains("process_resident_memory_bytes"));
    assert!(text.contains("monitron_build_info"));
}

async fn metrics_can_require_a_token(backend: Backend) {
    let app = app!(
        backend,
        Options::default().env("METRICS_TOKEN", "scrape-secret")
    );
    assert_eq!(app.get("/metrics", &Auth::None).await.code(), 40101);
    assert_eq!(
        app.get("/metrics", &Auth::Bearer("wrong".into()))
            .await
            .code(),
        40102
    );
    let ok = app
        .get("/metrics", &Auth::Bearer("scrape-secret".into()))
        .await;
    assert_eq!(ok.status, 200);
    assert!(ok.text.contains("monitron_http_requests_total"));
}

async fn openapi_documents_every_route_and_docs_are_served(backend: Backend) {
    let app = app!(backend);
    let spec = app.get("/api/v1/openapi.json", &Auth::None).await;
    assert_eq!(spec.body["openapi"], "3.1.0");
    let paths = spec.body["paths"].as_object().unwrap();
    for p in [
        "/api/v1/auth/login",
        "/api/v1/users/{id}",
        "/api/v1/me/api-keys/{id}",
        "/api/v1/audit-logs",
        "/healthz",
        "/metrics",
    ] {
        assert!(paths.contains_key(p), "{p} missing");
    }
    let login = &paths["/api/v1/auth/login"]["post"];
    assert_eq!(
        login["security"],
        serde_json::json!([{}]),
        "public operations need no credentials"
    );
    for code in ["200", "400", "401", "413", "415", "429", "500"] {
        assert!(login["responses"][code].is_object(), "login lacks {code}");
    }
    assert!(spec.body["components"]["securitySchemes"]["api_key"].is_object());
    assert!(
        spec.text.contains("42901") && spec.text.contains("50301"),
        "error codes are documented"
    );
    let docs = app.client.get(app.url("/docs/")).send().await.unwrap();
    assert_eq!(docs.status(), 200);
    let html = docs.text().await.unwrap();
    assert!(
        html.contains("swagger-ui") && !html.contains("cdn."),
        "served from the binary"
    );
}

async fn server_errors_carry_the_request_id_and_no_internals(backend: Backend) {
    let app = app!(backend);
    let admin = app.admin().await;
    // Pull the database away from under the running server.
    app.db.clone().close().await.unwrap();
    let r = app.get("/api/v1/me", &admin).await;
    assert_eq!((r.status, r.code()), (500, 50001), "{}", r.text);
    let id = r.headers["x-request-id"].to_str().unwrap();
    assert_eq!(
        r.error()["request_id"],
        id,
        "the body names the request, as the logs do"
    );
    let lower = r.text.to_lowercase();
    for internal in ["sqlx", "pool", "sqlite", "postgres", "closed", "panicked"] {
        assert!(!lower.contains(internal), "{internal} leaked: {}", r.text);
    }
    let ready = app.get("/readyz", &Auth::None).await;
    assert_eq!((ready.status, ready.code()), (503, 50301), "{}", ready.text);
    assert!(ready.error()["request_id"].is_string());
    assert_eq!(
        app.get("/healthz", &Auth::None).await.code(),
        0,
        "alive, though not ready"
    );
}

on_both_databases!(
    readiness_covers_rabbitmq_when_configured,
    server_errors_carry_the_request_id_and_no_internals,
    health_and_readiness,
    metrics_use_route_templates_not_raw_paths,
    metrics_can_require_a_token,
    openapi_documents_every_route_and_docs_are_served,
);
