//! HTTPS with a certificate and key from the environment.

use crate::helpers::{agent, Mode};

#[tokio::test]
async fn the_api_is_served_over_tls_when_a_certificate_is_given() {
    let ca = monitron_testkit::pki::ca();
    let leaf = monitron_testkit::pki::leaf(Some(&ca), &["localhost", "127.0.0.1"], -1, 30);
    let files = tempfile::tempdir().unwrap();
    let (cert, key) = (files.path().join("cert.pem"), files.path().join("key.pem"));
    std::fs::write(&cert, &leaf.chain_pem).unwrap();
    std::fs::write(&key, &leaf.key_pem).unwrap();
    let mut agent = agent(Mode::ApiKey)
        .env("MONITRON_AGENT_TLS_CERT", cert.to_str().unwrap())
        .env("MONITRON_AGENT_TLS_KEY", key.to_str().unwrap())
        .spawn()
        .await;
    agent.scheme = "https";
    agent.client = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(ca.pem.as_bytes()).unwrap())
        .build()
        .unwrap();
    agent.get("/v1/health").await.expect(0);
    agent.get("/v1/metrics").await.expect(0);

    // Plain HTTP to the TLS port gets no answer in the envelope.
    let plain = reqwest::Client::new()
        .get(format!("http://{}/v1/health", agent.addr))
        .send()
        .await;
    assert!(plain.is_err() || !plain.unwrap().status().is_success());
}

#[test]
fn a_bad_key_file_is_named() {
    let files = tempfile::tempdir().unwrap();
    let cert = files.path().join("cert.pem");
    let key = files.path().join("key.pem");
    let leaf = monitron_testkit::pki::leaf(None, &["localhost"], -1, 30);
    std::fs::write(&cert, &leaf.chain_pem).unwrap();
    std::fs::write(&key, b"not a key").unwrap();
    let (_, stderr) = agent(Mode::ApiKey)
        .env("MONITRON_AGENT_TLS_CERT", cert.to_str().unwrap())
        .env("MONITRON_AGENT_TLS_KEY", key.to_str().unwrap())
        .start_fails();
    assert!(stderr.contains("MONITRON_AGENT_TLS_KEY"), "{stderr}");
}
