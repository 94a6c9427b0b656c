//! `grpc`: the standard gRPC health protocol (`grpc.health.v1.Health/Check`), for the whole
//! server (empty service name) or one service, in plaintext or TLS, with optional metadata
//! (authentication headers). Every check opens its own connection.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use tonic::metadata::{AsciiMetadataKey, AsciiMetadataValue};
use tonic::transport::{Certificate, ClientTlsConfig, Endpoint};
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;
use tonic_health::pb::HealthCheckRequest;

use crate::tcp::validate_host;
use crate::{millis, FieldErrors, Outcome, Probe, Scope, Secret};

/// Settings of a gRPC health check.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = GrpcCheck))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Server host.
    pub host: String,
    /// Server port.
    pub port: u16,
    /// Service to ask about; empty asks about the server as a whole.
    #[serde(default)]
    pub service: String,
    /// Use TLS.
    #[serde(default)]
    pub tls: bool,
    /// PEM of the CA(s) to trust instead of the system roots (with `tls`).
    #[serde(default)]
    pub ca_pem: Option<String>,
    /// Name the server's certificate must match, when it differs from `host` (with `tls`).
    #[serde(default)]
    pub server_name: Option<String>,
    /// Request metadata, e.g. `authorization: Bearer ...`.
    #[serde(default)]
    pub metadata: BTreeMap<String, String>,
}

/// What a gRPC health check found.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Details {
    /// `SERVING`, `NOT_SERVING`, `UNKNOWN` or `SERVICE_UNKNOWN`.
    pub serving_status: Option<String>,
    /// gRPC status code of a failed call (`NotFound`, `Unimplemented`, ...).
    pub grpc_code: Option<String>,
    /// Time to establish the connection, in milliseconds.
    pub connect_ms: Option<f64>,
}

impl Probe for Config {
    const SCOPE: Scope = Scope::Both;

    fn secrets_mut(&mut self) -> Vec<Secret<'_>> {
        self.metadata
            .iter_mut()
            .filter(|(name, _)| crate::is_secret_header(name))
            .map(|(name, value)| Secret::new(format!("metadata.{name}"), value))
            .collect()
    }

    fn destination(&self) -> Option<String> {
        if !self.tls {
            return Some(crate::endpoint("http", &self.host, self.port));
        }
        let endpoint = crate::endpoint("https", &self.host, self.port);
        Some(crate::trusting(
            endpoint,
            true,
            self.ca_pem.as_deref(),
            self.server_name.as_deref(),
        ))
    }

    fn validate(&mut self) -> Result<(), FieldErrors> {
        let mut errors = FieldErrors::new();
        validate_host(&mut self.host, &mut errors);
        crate::check_port(self.port, &mut errors);
        for (key, value) in &self.metadata {
            if key.parse::<AsciiMetadataKey>().is_err() || key.ends_with("-bin") {
                errors.insert(
                    format!("metadata.{key}"),
                    "is not a valid ASCII metadata key".into(),
                );
            } else if value.parse::<AsciiMetadataValue>().is_err() {
                errors.insert(
                    format!("metadata.{key}"),
                    "is not a valid ASCII metadata value".into(),
                );
            }
        }
        if !self.tls && (self.ca_pem.is_some() || self.server_name.is_some()) {
            errors.insert(
                "tls".into(),
                "must be true to use ca_pem or server_name".into(),
            );
        }
        if let Some(pem) = &self.ca_pem {
            if !pem.contains("-----BEGIN CERTIFICATE-----") {
                errors.insert("ca_pem".into(), "must hold PEM certificates".into());
            }
        }
        crate::verdict(errors)
    }

    async fn run(&self, timeout: Duration) -> Outcome {
        let mut details = Details::default();
        match tokio::time::timeout(timeout, self.ask(&mut details, timeout)).await {
            Ok(Ok((elapsed, message))) => Outcome::up(elapsed, message, details),
            Ok(Err((elapsed, message))) => Outcome::down(elapsed, message, details),
            Err(_) => Outcome::down(
                None,
                format!("timed out after {} s", timeout.as_secs_f64()),
                details,
            ),
        }
    }
}

type Answer = Result<(f64, String), (Option<f64>, String)>;

impl Config {
    async fn ask(&self, details: &mut Details, timeout: Duration) -> Answer {
        crate::install_crypto_provider();
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        let scheme = if self.tls { "https" } else { "http" };
        let mut endpoint = Endpoint::from_shared(format!("{scheme}://{host}:{}", self.port))
            .map_err(|e| (None, format!("invalid address: {e}")))?
            .connect_timeout(timeout)
            .timeout(timeout);
        if self.tls {
            let mut tls = ClientTlsConfig::new().domain_name(
                self.server_name
                    .clone()
                    .unwrap_or_else(|| self.host.clone()),
            );
            tls = match &self.ca_pem {
                Some(pem) => tls.ca_certificate(Certificate::from_pem(pem)),
                None => tls.ca_certificates(SYSTEM_CERTIFICATES.iter().cloned()),
            };
            endpoint = endpoint
                .tls_config(tls)
                .map_err(|e| (None, format!("TLS configuration failed: {e}")))?;
        }
        let started = Instant::now();
        let channel = endpoint
            .connect()
            .await
            .map_err(|e| (None, format!("connection failed: {}", root_cause(&e))))?;
        details.connect_ms = Some(millis(started.elapsed()));
        let mut request = tonic::Request::new(HealthCheckRequest {
            service: self.service.clone(),
        });
        for (key, value) in &self.metadata {
            if let (Ok(k), Ok(v)) = (
                key.parse::<AsciiMetadataKey>(),
                value.parse::<AsciiMetadataValue>(),
            ) {
                request.metadata_mut().insert(k, v);
            }
        }
        let target = if self.service.is_empty() {
            "the server".to_owned()
        } else {
            format!("service {}", self.service)
        };
        let response = HealthClient::new(channel).check(request).await;
        let elapsed = millis(started.elapsed());
        match response {
            Ok(answer) => {
                let status = ServingStatus::try_from(answer.into_inner().status)
                    .unwrap_or(ServingStatus::Unknown);
                details.serving_status = Some(status.as_str_name().to_owned());
                if status == ServingStatus::Serving {
                    Ok((elapsed, format!("{target} is SERVING")))
                } else {
                    Err((
                        Some(elapsed),
                        format!("{target} is {}", status.as_str_name()),
                    ))
                }
            }
            Err(status) => {
                details.grpc_code = Some(format!("{:?}", status.code()));
                let reason = match status.code() {
                    tonic::Code::NotFound => format!("the server does not know {target}"),
                    tonic::Code::Unimplemented => {
                        "the server does not implement grpc.health.v1".to_owned()
                    }
                    code => format!("health check failed: {code:?}: {}", status.message()),
                };
                Err((Some(elapsed), reason))
            }
        }
    }
}

/// The system's trusted certificates, read once: tonic's `with_native_roots` would read and
/// parse the whole bundle on every check.
static SYSTEM_CERTIFICATES: std::sync::LazyLock<Vec<Certificate>> =
    std::sync::LazyLock::new(|| {
        rustls_native_certs::load_native_certs()
            .certs
            .into_iter()
            .map(|der| Certificate::from_pem(pem_of(der.as_ref())))
            .collect()
    });

fn pem_of(der: &[u8]) -> String {
    use base64::Engine;
    let body = base64::engine::general_purpose::STANDARD.encode(der);
    let lines: Vec<&str> = body
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap_or_default())
        .collect();
    format!(
        "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
        lines.join("\n")
    )
}

fn root_cause(err: &dyn std::error::Error) -> String {
    let mut root = err;
    while let Some(source) = root.source() {
        root = source;
    }
    root.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn certificates_are_wrapped_as_pem_that_parses_back() {
        use rustls_pki_types::pem::PemObject;
        let der: Vec<u8> = (0..=255u8).cycle().take(1000).collect();
        let pem = pem_of(&der);
        assert!(pem.lines().all(|l| l.len() <= 64 || l.starts_with("-----")));
        let parsed = rustls_pki_types::CertificateDer::from_pem_slice(pem.as_bytes()).unwrap();
        assert_eq!(parsed.as_ref(), der.as_slice());
    }

    #[test]
    fn validation_names_fields() {
        let mut c = Config {
            host: "".into(),
            port: 0,
            service: String::new(),
            tls: false,
            ca_pem: Some("nope".into()),
            server_name: None,
            metadata: BTreeMap::from([
                ("Bad Key".into(), "v".into()),
                ("x-ok".into(), "tab\there\u{7f}".into()),
            ]),
        };
        let errors = c.validate().unwrap_err();
        for field in [
            "host",
            "port",
            "tls",
            "ca_pem",
            "metadata.Bad Key",
            "metadata.x-ok",
        ] {
            assert!(errors.contains_key(field), "{field}: {errors:?}");
        }
    }
}
