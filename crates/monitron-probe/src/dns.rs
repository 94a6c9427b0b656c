//! `dns`: resolve a name for one record type, through a chosen resolver or the system's,
//! and optionally require given answers. Nothing is cached between checks, so every check
//! asks the server afresh.

use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use hickory_resolver::config::{NameServerConfig, ResolveHosts, ResolverConfig};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::proto::rr::{Name, RData, RecordType};
use hickory_resolver::Resolver;
use serde::{Deserialize, Serialize};

use crate::{millis, FieldErrors, Outcome, Probe, Scope};

/// Settings of a DNS check.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = DnsCheck))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Domain name to resolve (internationalised names accepted).
    pub name: String,
    /// Record type to ask for.
    #[serde(default)]
    pub record_type: RecordKind,
    /// Resolver as `ip` or `ip:port`; the system's resolvers when absent.
    #[serde(default)]
    pub resolver: Option<String>,
    /// Answers that must all be present (names compare without case or trailing dot).
    #[serde(default)]
    pub expected: Option<Vec<String>>,
}

/// The record types a DNS check can ask for.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = DnsRecordType))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum RecordKind {
    /// IPv4 address.
    #[default]
    A,
    /// IPv6 address.
    Aaaa,
    /// Alias.
    Cname,
    /// Mail exchanger, answered as `preference exchange`.
    Mx,
    /// Text, the strings of one record joined.
    Txt,
    /// Name server.
    Ns,
    /// Start of authority, answered as `mname rname serial`.
    Soa,
}

impl RecordKind {
    fn record_type(self) -> RecordType {
        match self {
            Self::A => RecordType::A,
            Self::Aaaa => RecordType::AAAA,
            Self::Cname => RecordType::CNAME,
            Self::Mx => RecordType::MX,
            Self::Txt => RecordType::TXT,
            Self::Ns => RecordType::NS,
            Self::Soa => RecordType::SOA,
        }
    }
}

/// What a DNS check found.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Details {
    /// The answers, in the server's order.
    pub answers: Vec<String>,
    /// Lowest TTL among the answers, in seconds.
    pub ttl_s: Option<u32>,
    /// The resolver asked (`system` for the system's).
    pub resolver: String,
}

/// Parses `ip` or `ip:port` (`[v6]:port` for IPv6 with a port).
fn parse_resolver(text: &str) -> Option<SocketAddr> {
    let text = text.trim();
    text.parse::<SocketAddr>().ok().or_else(|| {
        text.trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
            .ok()
            .map(|ip| SocketAddr::new(ip, 53))
    })
}

fn fqdn(name: &str) -> Result<Name, String> {
    let mut name =
        Name::from_utf8(name.trim()).map_err(|e| format!("is not a valid domain name: {e}"))?;
    name.set_fqdn(true);
    Ok(name)
}

/// How answers compare: names without case or trailing dot, text as given.
fn normalise(answer: &str) -> String {
    answer.trim().trim_end_matches('.').to_lowercase()
}

fn name_text(name: &Name) -> String {
    normalise(&name.to_utf8())
}

fn answer_text(data: &RData) -> Option<String> {
    Some(match data {
        RData::A(a) => a.0.to_string(),
        RData::AAAA(a) => a.0.to_string(),
        RData::CNAME(c) => name_text(&c.0),
        RData::NS(n) => name_text(&n.0),
        RData::MX(mx) => format!("{} {}", mx.preference, name_text(&mx.exchange)),
        RData::TXT(txt) => txt
            .txt_data
            .iter()
            .map(|part| String::from_utf8_lossy(part).into_owned())
            .collect::<String>(),
        RData::SOA(soa) => format!(
            "{} {} {}",
            name_text(&soa.mname),
            name_text(&soa.rname),
            soa.serial
        ),
        _ => return None,
    })
}

impl Probe for Config {
    const SCOPE: Scope = Scope::Both;

    fn validate(&mut self) -> Result<(), FieldErrors> {
        let mut errors = FieldErrors::new();
        match fqdn(&self.name) {
            Ok(_) => self.name = self.name.trim().to_owned(),
            Err(reason) => {
                errors.insert("name".into(), reason);
            }
        }
        if let Some(resolver) = &self.resolver {
            if parse_resolver(resolver).is_none() {
                errors.insert(
                    "resolver".into(),
                    "must be an IP address, optionally with :port".into(),
                );
            }
        }
        if let Some(expected) = &self.expected {
            if expected.iter().any(|e| e.trim().is_empty()) {
                errors.insert("expected".into(), "must not contain empty answers".into());
            }
        }
        crate::verdict(errors)
    }

    async fn run(&self, timeout: Duration) -> Outcome {
        let mut details = Details {
            resolver: self.resolver.clone().unwrap_or_else(|| "system".into()),
            ..Details::default()
        };
        let name = match fqdn(&self.name) {
            Ok(n) => n,
            Err(reason) => return Outcome::down(None, format!("name {reason}"), details),
        };
        let resolver = match self.build_resolver(timeout) {
            Ok(r) => r,
            Err(reason) => return Outcome::down(None, reason, details),
        };
        let record_type = self.record_type.record_type();
        let started = Instant::now();
        let lookup =
            match tokio::time::timeout(timeout, resolver.lookup(name.clone(), record_type)).await {
                Ok(Ok(lookup)) => lookup,
                Ok(Err(err)) => {
                    return Outcome::down(
                        None,
                        format!("no {record_type} answer for {}: {err}", self.name),
                        details,
                    )
                }
                Err(_) => {
                    return Outcome::down(
                        None,
                        format!("timed out after {} s", timeout.as_secs_f64()),
                        details,
                    )
                }
            };
        let elapsed = millis(started.elapsed());
        let records: Vec<_> = lookup
            .answers()
            .iter()
            .filter(|r| r.record_type() == record_type)
            .collect();
        details.answers = records
            .iter()
            .filter_map(|r| answer_text(&r.data))
            .collect();
        details.ttl_s = records.iter().map(|r| r.ttl).min();
        if details.answers.is_empty() {
            return Outcome::down(
                Some(elapsed),
                format!("no {record_type} records for {}", self.name),
                details,
            );
        }
        if let Some(expected) = &self.expected {
            let have: Vec<String> = details.answers.iter().map(|a| normalise(a)).collect();
            let missing: Vec<&String> = expected
                .iter()
                .filter(|e| !have.contains(&normalise(e)))
                .collect();
            if !missing.is_empty() {
                let message = format!(
                    "expected {} not among the answers ({})",
                    missing
                        .iter()
                        .map(|m| m.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                    details.answers.join(", ")
                );
                return Outcome::down(Some(elapsed), message, details);
            }
        }
        let message = format!(
            "{} {record_type} answer(s): {}",
            details.answers.len(),
            details.answers.join(", ")
        );
        Outcome::up(elapsed, message, details)
    }
}

impl Config {
    fn build_resolver(&self, timeout: Duration) -> Result<Resolver<TokioRuntimeProvider>, String> {
        let mut builder = match self.resolver.as_deref().and_then(parse_resolver) {
            Some(address) => {
                let mut server = NameServerConfig::udp_and_tcp(address.ip());
                for connection in &mut server.connections {
                    connection.port = address.port();
                }
                let config = ResolverConfig::from_parts(None, Vec::new(), vec![server]);
                Resolver::builder_with_config(config, TokioRuntimeProvider::default())
            }
            None => Resolver::builder_tokio()
                .map_err(|e| format!("cannot read the system resolver configuration: {e}"))?,
        };
        let options = builder.options_mut();
        // A DNS check asks DNS: never answer from /etc/hosts or a cache.
        options.use_hosts_file = ResolveHosts::Never;
        options.cache_size = 0;
        options.timeout = timeout;
        options.attempts = 1;
        builder
            .build()
            .map_err(|e| format!("cannot set up the resolver: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolvers_parse_with_and_without_port() {
        assert_eq!(
            parse_resolver("9.9.9.9"),
            Some("9.9.9.9:53".parse().unwrap())
        );
        assert_eq!(
            parse_resolver("127.0.0.1:5353"),
            Some("127.0.0.1:5353".parse().unwrap())
        );
        assert_eq!(
            parse_resolver("[::1]:5353"),
            Some("[::1]:5353".parse().unwrap())
        );
        assert_eq!(parse_resolver("::1"), Some("[::1]:53".parse().unwrap()));
        assert_eq!(parse_resolver("dns.google"), None);
    }

    #[test]
    fn validation_names_fields_and_defaults_to_a() {
        let c: Config =
            serde_json::from_value(serde_json::json!({ "name": "example.com" })).unwrap();
        assert_eq!(c.record_type, RecordKind::A);
        let kinds: Vec<RecordKind> = serde_json::from_value(serde_json::json!([
            "A", "AAAA", "CNAME", "MX", "TXT", "NS", "SOA"
        ]))
        .unwrap();
        assert_eq!(kinds.len(), 7);
        assert!(serde_json::from_value::<RecordKind>(serde_json::json!("SRV")).is_err());
        let mut bad = Config {
            name: "bad name with spaces..".into(),
            record_type: RecordKind::A,
            resolver: Some("dns.google".into()),
            expected: Some(vec![" ".into()]),
        };
        let errors = bad.validate().unwrap_err();
        for field in ["name", "resolver", "expected"] {
            assert!(errors.contains_key(field), "{field}: {errors:?}");
        }
        let mut idn = Config {
            name: "bücher.example".into(),
            record_type: RecordKind::A,
            resolver: None,
            expected: None,
        };
        idn.validate().unwrap();
    }
}
