//! `tls`: handshake with a TLS server and describe its certificate: subject, SANs, issuer,
//! serial, validity and days left, SHA-256 fingerprint, whether the chain is trusted (system
//! roots, or a CA given in the settings), whether it matches the host name, the protocol
//! version and the address reached.
//!
//! The handshake always completes: verification is recorded rather than enforced, so an
//! expired, self-signed or misnamed certificate is still read and reported in full.

use std::sync::{Arc, LazyLock, Mutex};
use std::time::{Duration, Instant};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::ring;
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::tcp::validate_host;
use crate::{millis, FieldErrors, Outcome, Probe, Scope};

/// Settings of a TLS certificate check.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = TlsCheck))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Host to connect to; also the name the certificate must match unless `server_name`.
    pub host: String,
    /// Port, 443 by default.
    #[serde(default = "default_port")]
    pub port: u16,
    /// Name to send (SNI) and to match, when it differs from `host`.
    #[serde(default)]
    pub server_name: Option<String>,
    /// PEM of the CA(s) to trust instead of the system roots (private PKI).
    #[serde(default)]
    pub ca_pem: Option<String>,
}

fn default_port() -> u16 {
    443
}

/// What a TLS check found.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Details {
    /// Subject distinguished name of the leaf certificate.
    pub subject: Option<String>,
    /// DNS names and IP addresses the certificate is valid for.
    pub sans: Vec<String>,
    /// Issuer distinguished name.
    pub issuer: Option<String>,
    /// Serial number, hex.
    pub serial: Option<String>,
    /// Start of validity (RFC 3339).
    pub valid_from: Option<String>,
    /// End of validity (RFC 3339).
    pub valid_to: Option<String>,
    /// Whole days until expiry; negative once expired.
    pub days_left: Option<i64>,
    /// SHA-256 of the leaf certificate (DER), hex.
    pub fingerprint_sha256: Option<String>,
    /// The chain leads to a trusted root and every certificate is within its validity.
    pub chain_valid: Option<bool>,
    /// The certificate is valid for the checked name.
    pub hostname_match: Option<bool>,
    /// Certificates the server sent.
    pub chain_length: usize,
    /// Negotiated protocol version.
    pub tls_version: Option<String>,
    /// Address connected to.
    pub resolved_ip: Option<String>,
    /// Why verification failed, if it did.
    pub error: Option<String>,
}

impl Config {
    fn name(&self) -> &str {
        self.server_name.as_deref().unwrap_or(&self.host)
    }
}

impl Probe for Config {
    const SCOPE: Scope = Scope::Both;

    fn validate(&mut self) -> Result<(), FieldErrors> {
        let mut errors = FieldErrors::new();
        validate_host(&mut self.host, &mut errors);
        crate::check_port(self.port, &mut errors);
        if let Some(name) = &self.server_name {
            if ServerName::try_from(name.as_str()).is_err() {
                errors.insert(
                    "server_name".into(),
                    "is not a valid DNS name or IP address".into(),
                );
            }
        } else if !errors.contains_key("host") && ServerName::try_from(self.host.as_str()).is_err()
        {
            errors.insert(
                "host".into(),
                "is not a valid DNS name or IP address".into(),
            );
        }
        if let Some(pem) = &self.ca_pem {
            match roots_from_pem(pem) {
                Ok(store) if !store.is_empty() => {}
                Ok(_) => {
                    errors.insert("ca_pem".into(), "contains no certificate".into());
                }
                Err(reason) => {
                    errors.insert("ca_pem".into(), reason);
                }
            }
        }
        crate::verdict(errors)
    }

    async fn run(&self, timeout: Duration) -> Outcome {
        match tokio::time::timeout(timeout, self.inspect(Instant::now() + timeout)).await {
            Ok(outcome) => outcome,
            Err(_) => Outcome::down(
                None,
                format!("timed out after {} s", timeout.as_secs_f64()),
                Details::default(),
            ),
        }
    }
}

impl Config {
    async fn inspect(&self, deadline: Instant) -> Outcome {
        let mut details = Details::default();
        let Ok(server_name) = ServerName::try_from(self.name().to_owned()) else {
            return Outcome::down(
                None,
                format!("{} is not a valid server name", self.name()),
                details,
            );
        };
        let roots = match &self.ca_pem {
            Some(pem) => match roots_from_pem(pem) {
                Ok(store) => Arc::new(store),
                Err(reason) => return Outcome::down(None, reason, details),
            },
            None => SYSTEM_ROOTS.clone(),
        };
        let provider = Arc::new(ring::default_provider());
        let verifier =
            match WebPkiServerVerifier::builder_with_provider(roots, provider.clone()).build() {
                Ok(v) => v,
                Err(err) => {
                    return Outcome::down(None, format!("no usable trust roots: {err}"), details)
                }
            };
        let recorder = Arc::new(Recorder {
            inner: verifier,
            verdict: Mutex::new(None),
        });
        let config = match ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
        {
            Ok(builder) => builder
                .dangerous()
                .with_custom_certificate_verifier(recorder.clone())
                .with_no_client_auth(),
            Err(err) => {
                return Outcome::down(None, format!("TLS configuration failed: {err}"), details)
            }
        };
        let started = Instant::now();
        let mut reached = crate::tcp::Details::default();
        let stream = match crate::tcp::connect(&self.host, self.port, deadline, &mut reached).await
        {
            Ok((stream, _)) => stream,
            Err(reason) => return Outcome::down(None, reason, details),
        };
        details.resolved_ip = reached.resolved_ip;
        let tls = match tokio_rustls::TlsConnector::from(Arc::new(config))
            .connect(server_name.clone(), stream)
            .await
        {
            Ok(tls) => tls,
            Err(err) => {
                return Outcome::down(None, format!("TLS handshake failed: {err}"), details)
            }
        };
        let elapsed = millis(started.elapsed());
        let connection = tls.get_ref().1;
        details.tls_version = connection.protocol_version().map(|v| format!("{v:?}"));
        let chain: Vec<CertificateDer<'static>> = connection
            .peer_certificates()
            .unwrap_or_default()
            .iter()
            .map(|c| c.clone().into_owned())
            .collect();
        details.chain_length = chain.len();
        let Some(leaf) = chain.first() else {
            return Outcome::down(Some(elapsed), "the server sent no certificate", details);
        };
        let expires_at = describe_leaf(leaf, &mut details);
        details.hostname_match = Some(
            webpki::EndEntityCert::try_from(leaf)
                .map(|cert| cert.verify_is_valid_for_subject_name(&server_name).is_ok())
                .unwrap_or(false),
        );
        let verdict = recorder
            .verdict
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        let chain_error = match verdict {
            Some(Ok(())) => None,
            Some(Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            ))) => None,
            Some(Err(err)) => Some(err.to_string()),
            None => Some("the certificate was not verified".to_owned()),
        };
        details.chain_valid = Some(chain_error.is_none());
        let days = details.days_left.unwrap_or(0);
        let expired = expires_at.is_some_and(|at| at <= chrono::Utc::now().timestamp());
        let failure = if expired && days == 0 {
            Some("certificate expired less than a day ago".to_owned())
        } else if expired {
            Some(format!("certificate expired {} day(s) ago", -days))
        } else if let Some(err) = &chain_error {
            Some(format!("certificate is not trusted: {err}"))
        } else if details.hostname_match == Some(false) {
            Some(format!("certificate does not match {}", self.name()))
        } else {
            None
        };
        match failure {
            Some(message) => {
                details.error = Some(message.clone());
                Outcome::down(Some(elapsed), message, details)
            }
            None => Outcome::up(
                elapsed,
                format!("certificate valid for {days} more day(s)"),
                details,
            ),
        }
    }
}

/// Fills in what the leaf certificate says; returns its expiry (Unix seconds).
fn describe_leaf(der: &CertificateDer<'_>, details: &mut Details) -> Option<i64> {
    details.fingerprint_sha256 = Some(hex::encode(Sha256::digest(der.as_ref())));
    let Ok((_, cert)) = x509_parser::parse_x509_certificate(der.as_ref()) else {
        details.error = Some("the certificate could not be parsed".into());
        return None;
    };
    details.subject = Some(cert.subject().to_string());
    details.issuer = Some(cert.issuer().to_string());
    details.serial = Some(cert.tbs_certificate.raw_serial_as_string().replace(':', ""));
    let rfc3339 = |ts: i64| {
        chrono::DateTime::from_timestamp(ts, 0)
            .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
    };
    let not_after = cert.validity().not_after.timestamp();
    details.valid_from = rfc3339(cert.validity().not_before.timestamp());
    details.valid_to = rfc3339(not_after);
    // Whole days, towards zero: 1.5 days left is 1; expired 2.5 days ago is -2.
    details.days_left = Some((not_after - chrono::Utc::now().timestamp()) / 86_400);
    if let Ok(Some(san)) = cert.subject_alternative_name() {
        for name in &san.value.general_names {
            match name {
                x509_parser::extensions::GeneralName::DNSName(dns) => {
                    details.sans.push((*dns).to_owned())
                }
                x509_parser::extensions::GeneralName::IPAddress(bytes) => {
                    let ip = match bytes.len() {
                        4 => <[u8; 4]>::try_from(*bytes)
                            .ok()
                            .map(|b| std::net::IpAddr::from(b).to_string()),
                        16 => <[u8; 16]>::try_from(*bytes)
                            .ok()
                            .map(|b| std::net::IpAddr::from(b).to_string()),
                        _ => None,
                    };
                    details.sans.extend(ip);
                }
                _ => {}
            }
        }
    }
    Some(not_after)
}

pub(crate) fn roots_from_pem(pem: &str) -> Result<RootCertStore, String> {
    let mut store = RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(pem.as_bytes()) {
        let cert = cert.map_err(|e| format!("is not valid PEM: {e}"))?;
        store
            .add(cert)
            .map_err(|e| format!("holds an unusable certificate: {e}"))?;
    }
    Ok(store)
}

/// The operating system's trusted roots, read once.
pub(crate) static SYSTEM_ROOTS: LazyLock<Arc<RootCertStore>> = LazyLock::new(|| {
    let mut store = RootCertStore::empty();
    store.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
    Arc::new(store)
});

/// Verifies like a browser would, but records the verdict instead of failing the handshake.
#[derive(Debug)]
struct Recorder {
    inner: Arc<WebPkiServerVerifier>,
    verdict: Mutex<Option<Result<(), rustls::Error>>>,
}

impl ServerCertVerifier for Recorder {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let verdict = self
            .inner
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
            .map(|_| ());
        *self.verdict.lock().unwrap_or_else(|e| e.into_inner()) = Some(verdict);
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}
