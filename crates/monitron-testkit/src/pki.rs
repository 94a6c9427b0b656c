//! Certificates generated for tests: a CA, and leaves signed by it or self-signed.

use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use time::{Duration as Days, OffsetDateTime};
pub use tokio_rustls::TlsAcceptor;

pub struct Ca {
    pub issuer: CertifiedIssuer<'static, KeyPair>,
    pub pem: String,
}

pub fn ca() -> Ca {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params
        .distinguished_name
        .push(DnType::CommonName, "Monitron Test CA");
    let issuer = CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap();
    let pem = issuer.pem();
    Ca { issuer, pem }
}

pub struct Leaf {
    pub chain: Vec<CertificateDer<'static>>,
    pub key: PrivateKeyDer<'static>,
    /// The chain as PEM, leaf first.
    pub chain_pem: String,
    /// The private key as PEM.
    pub key_pem: String,
}

/// A certificate for `names`, valid from `from_days` to `to_days` relative to now, signed by
/// `ca` or self-signed.
pub fn leaf(ca: Option<&Ca>, names: &[&str], from_days: i64, to_days: i64) -> Leaf {
    let mut params =
        CertificateParams::new(names.iter().map(|n| (*n).to_owned()).collect::<Vec<_>>()).unwrap();
    params.distinguished_name.push(DnType::CommonName, names[0]);
    let now = OffsetDateTime::now_utc();
    params.not_before = now + Days::days(from_days);
    params.not_after = now + Days::days(to_days) + Days::minutes(1);
    let key = KeyPair::generate().unwrap();
    let cert = match ca {
        Some(ca) => params.signed_by(&key, &ca.issuer).unwrap(),
        None => params.self_signed(&key).unwrap(),
    };
    let mut chain = vec![cert.der().clone()];
    let mut chain_pem = cert.pem();
    if let Some(ca) = ca {
        chain.push(ca.issuer.der().clone());
        chain_pem.push_str(&ca.pem);
    }
    Leaf {
        chain,
        key: PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
        chain_pem,
        key_pem: key.serialize_pem(),
    }
}

impl Leaf {
    /// A TLS acceptor serving this certificate (ring provider, safe default versions).
    pub fn acceptor(self) -> TlsAcceptor {
        let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(self.chain, self.key)
            .unwrap();
        TlsAcceptor::from(std::sync::Arc::new(config))
    }
}
