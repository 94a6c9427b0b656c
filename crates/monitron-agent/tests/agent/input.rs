//! Bad input to every endpoint gets the envelope with the right code and a field name.

use reqwest::Method;

use crate::helpers::{agent, Mode};

/// Endpoints that take a body, with a valid one.
fn bodies() -> Vec<(&'static str, &'static str, &'static str)> {
    vec![
        (
            "POST",
            "/v1/auth/login",
            r#"{"username": "monitron", "password": "x"}"#,
        ),
        ("POST", "/v1/auth/refresh", r#"{"refresh_token": "x"}"#),
        ("PUT", "/v1/config", r#"{"report_interval_s": 10}"#),
    ]
}

#[tokio::test]
async fn malformed_json_wrong_types_and_unknown_fields_name_the_field() {
    let mut agent = agent(Mode::Jwt).spawn().await;
    let cases: Vec<(&str, &str, &str, &str)> = vec![
        ("POST", "/v1/auth/login", "{\"username\": ", "body"),
        ("POST", "/v1/auth/login", "[]", "body"),
        (
            "POST",
            "/v1/auth/login",
            r#"{"username": 5, "password": "x"}"#,
            "username",
        ),
        ("POST", "/v1/auth/login", r#"{"username": "a"}"#, "password"),
        (
            "POST",
            "/v1/auth/login",
            r#"{"username": "a", "password": "b", "otp": 1}"#,
            "otp",
        ),
        ("POST", "/v1/auth/refresh", "", "body"),
        (
            "POST",
            "/v1/auth/refresh",
            r#"{"refresh_token": null}"#,
            "refresh_token",
        ),
        ("PUT", "/v1/config", "{not json}", "body"),
        (
            "PUT",
            "/v1/config",
            r#"{"report_interval_s": "ten"}"#,
            "report_interval_s",
        ),
        (
            "PUT",
            "/v1/config",
            r#"{"report_interval_s": 0}"#,
            "report_interval_s",
        ),
        (
            "PUT",
            "/v1/config",
            r#"{"buffer": {"max_bytes": -1}}"#,
            "buffer.max_bytes",
        ),
        (
            "PUT",
            "/v1/config",
            r#"{"plugin_dir": "/tmp"}"#,
            "plugin_dir",
        ),
        (
            "PUT",
            "/v1/config",
            r#"{"plugins": {"every": 5}}"#,
            "plugins.every",
        ),
        (
            "PUT",
            "/v1/config",
            r#"{"probes": [{"name": "a", "type": "tcp", "config": {"host": "x", "port": 1}, "interval_s": 0}]}"#,
            "probes[0].interval_s",
        ),
        (
            "PUT",
            "/v1/config",
            r#"{"probes": [{"name": "a", "type": "tcp", "config": {"host": "x", "port": 70000}}]}"#,
            "probes[0].config.port",
        ),
        (
            "PUT",
            "/v1/config",
            r#"{"probes": [{"name": "a", "type": "smtp", "config": {}}]}"#,
            "probes[0].type",
        ),
    ];
    for (method, path, body, field) in cases {
        let method: Method = method.parse().unwrap();
        let request = agent
            .client
            .request(method.clone(), agent.url(path))
            .header("content-type", "application/json")
            .body(body.to_owned());
        let request = if path == "/v1/config" {
            agent
                .authorize(&method, path, body.as_bytes(), request)
                .await
        } else {
            request
        };
        let answer = agent.raw(request).await;
        answer.expect(40001);
        assert_eq!(answer.error_keys(), [field], "{path} {body}: {answer:?}");
    }
}

#[tokio::test]
async fn content_type_and_size_are_enforced_everywhere() {
    for mode in [Mode::Jwt, Mode::Hmac] {
        let mut agent = agent(mode).spawn().await;
        let huge = format!(
            r#"{{"username": "{}", "password": "x"}}"#,
            "a".repeat(1024 * 1024 + 10)
        );
        for (method, path, body) in bodies() {
            let method: Method = method.parse().unwrap();
            let open = path != "/v1/config";
            for (content_type, body, code, field) in [
                (Some("text/plain"), body.to_owned(), 41501, "Content-Type"),
                (None, body.to_owned(), 41501, "Content-Type"),
                (Some("application/json"), huge.clone(), 41301, "body"),
            ] {
                // Signed requests that differ only in unsigned headers are replays; a nonce
                // in the query keeps them apart.
                let path = format!("{path}?nonce={}", rand::random::<u32>());
                let path = path.as_str();
                let mut request = agent
                    .client
                    .request(method.clone(), agent.url(path))
                    .body(body.clone());
                if let Some(ct) = content_type {
                    request = request.header("content-type", ct);
                }
                let request = if open {
                    request
                } else {
                    agent
                        .authorize(&method, path, body.as_bytes(), request)
                        .await
                };
                let answer = agent.raw(request).await;
                answer.expect(code);
                assert_eq!(answer.error_keys(), [field], "{mode:?} {path}: {answer:?}");
            }
        }
        // A body that is streamed without a length is cut off at the limit too.
        let stream = futures_stream(vec![b'x'; 2 * 1024 * 1024]);
        let answer = agent
            .raw(
                agent
                    .client
                    .post(agent.url("/v1/auth/login"))
                    .header("content-type", "application/json")
                    .body(reqwest::Body::wrap_stream(stream)),
            )
            .await;
        answer.expect(41301);
    }
}

fn futures_stream(
    bytes: Vec<u8>,
) -> impl futures_util::Stream<Item = Result<Vec<u8>, std::io::Error>> + Send + 'static {
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        bytes.chunks(64 * 1024).map(|c| Ok(c.to_vec())).collect();
    futures_util::stream::iter(chunks)
}

#[tokio::test]
async fn unknown_paths_and_wrong_methods_answer_in_the_envelope() {
    let agent = agent(Mode::ApiKey).spawn().await;
    for path in ["/", "/v1", "/v1/metric", "/v2/metrics", "/v1/metrics/extra"] {
        let answer = agent.raw(agent.client.get(agent.url(path))).await;
        answer.expect(40401);
        assert_eq!(answer.error_keys(), ["_"]);
    }
    for (method, path) in [
        ("POST", "/v1/metrics"),
        ("DELETE", "/v1/config"),
        ("GET", "/v1/auth/login"),
        ("GET", "/v1/agent/restart"),
        ("PUT", "/v1/host/reboot"),
    ] {
        let answer = agent
            .raw(
                agent
                    .client
                    .request(method.parse().unwrap(), agent.url(path)),
            )
            .await;
        answer.expect(40501);
    }
}
