//! Domain registration data: registrar, creation and expiry dates, name servers.
//!
//! RDAP first: the registry's RDAP service is found through the IANA bootstrap file (fetched
//! once and cached), unless a per-TLD override names it. When a TLD has no RDAP service, or
//! it fails, WHOIS on port 43 is asked, starting at the IANA WHOIS server and following
//! `refer:` / `Registrar WHOIS Server:` referrals. The domain asked about is always the
//! registrable one (`www.example.co.uk` -> `example.co.uk`, by the Public Suffix List).
//!
//! Domains are monitors of their own, not service checks, so this is a [`Registry`] the
//! server keeps (it holds the bootstrap cache) rather than a [`crate::Probe`].

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::RwLock;

/// Where registration data is looked up.
#[derive(Debug, Clone)]
pub struct RegistryConfig {
    /// URL of the IANA RDAP bootstrap file for DNS.
    pub rdap_bootstrap_url: String,
    /// RDAP base URL per TLD, taking precedence over the bootstrap (`"io" -> "https://..."`).
    pub rdap_overrides: BTreeMap<String, String>,
    /// First WHOIS server to ask, `host:port`.
    pub whois_server: String,
    /// How long the bootstrap file is trusted.
    pub bootstrap_ttl: Duration,
    /// Follow WHOIS referrals to ports other than 43 (test set-ups only: a referral is
    /// chosen by a remote server and must not point the checker at arbitrary services).
    pub whois_referral_any_port: bool,
}

impl Default for RegistryConfig {
    fn default() -> Self {
        Self {
            rdap_bootstrap_url: "https://data.iana.org/rdap/dns.json".into(),
            rdap_overrides: BTreeMap::new(),
            whois_server: "whois.iana.org:43".into(),
            bootstrap_ttl: Duration::from_secs(24 * 3600),
            whois_referral_any_port: false,
        }
    }
}

/// Which protocol answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// Registration Data Access Protocol.
    Rdap,
    /// WHOIS (port 43).
    Whois,
}

/// Registration facts about a domain.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Registration {
    /// The registrable domain that was looked up.
    pub domain: String,
    /// Registrar name.
    pub registrar: Option<String>,
    /// When the domain was registered.
    pub registered_at: Option<DateTime<Utc>>,
    /// When the registration expires.
    pub expires_at: DateTime<Utc>,
    /// Authoritative name servers, lower case.
    pub nameservers: Vec<String>,
    /// Which protocol answered.
    pub source: Source,
}

/// Why registration data could not be had.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LookupError {
    /// The name is not under a public suffix (or is one).
    #[error("{0} is not a registrable domain")]
    NotRegistrable(String),
    /// The registry answered but publishes no expiry date for this TLD.
    #[error("the registry for .{tld} publishes no expiry date ({source_tried})")]
    NoExpiry {
        /// The TLD.
        tld: String,
        /// What was tried.
        source_tried: String,
    },
    /// Neither RDAP nor WHOIS gave an answer.
    #[error("no registration data: {0}")]
    Unavailable(String),
}

#[derive(Debug, Deserialize)]
struct Bootstrap {
    services: Vec<(Vec<String>, Vec<String>)>,
}

/// Looks up domain registrations; keep one per process (it caches the RDAP bootstrap).
pub struct Registry {
    config: RegistryConfig,
    http: reqwest::Client,
    bootstrap: RwLock<Option<(Instant, BTreeMap<String, String>)>>,
}

impl Registry {
    /// A registry client with `config`.
    pub fn new(config: RegistryConfig) -> Self {
        let http = reqwest::Client::builder()
            .use_rustls_tls()
            .user_agent(concat!("Monitron/", env!("CARGO_PKG_VERSION")))
            .build()
            .expect("the HTTP client configuration is valid");
        Self {
            config,
            http,
            bootstrap: RwLock::new(None),
        }
    }

    /// Finds the registration of the domain `name` belongs to, within `timeout`.
    pub async fn lookup(&self, name: &str, timeout: Duration) -> Result<Registration, LookupError> {
        let domain = registrable(name)?;
        let tld = domain.rsplit('.').next().unwrap_or_default().to_owned();
        match tokio::time::timeout(timeout, self.lookup_registrable(&domain, &tld, timeout)).await {
            Ok(result) => result,
            Err(_) => Err(LookupError::Unavailable(format!(
                "timed out after {} s",
                timeout.as_secs_f64()
            ))),
        }
    }

    async fn lookup_registrable(
        &self,
        domain: &str,
        tld: &str,
        timeout: Duration,
    ) -> Result<Registration, LookupError> {
        // "No expiry" is only claimed when every source answered without one; a source that
        // failed might have had it.
        let mut tried = Vec::new();
        let mut failed = false;
        // RDAP gets half the time at most, so a hanging RDAP service leaves WHOIS its turn.
        let rdap = async {
            match self.rdap_base(tld).await {
                Ok(Some(base)) => self.rdap(&base, domain).await.map(|found| (true, found)),
                Ok(None) => Ok((false, None)),
                Err(reason) => Err(format!("bootstrap: {reason}")),
            }
        };
        let half = timeout / 2;
        match tokio::time::timeout(half, rdap).await {
            Ok(Ok((_, Some(registration)))) => return Ok(registration),
            Ok(Ok((true, None))) => tried.push("RDAP: no expiry".to_owned()),
            Ok(Ok((false, _))) => tried.push(format!("RDAP: no service for .{tld}")),
            Ok(Err(reason)) => {
                failed = true;
                tried.push(format!("RDAP: {reason}"));
            }
            Err(_) => {
                failed = true;
                tried.push(format!(
                    "RDAP: no answer within {:.1} s",
                    half.as_secs_f64()
                ));
            }
        }
        match self.whois(domain).await {
            Ok(Some(registration)) => return Ok(registration),
            Ok(None) => tried.push("WHOIS: no expiry".to_owned()),
            Err(reason) => {
                failed = true;
                tried.push(format!("WHOIS: {reason}"));
            }
        }
        let source_tried = tried.join("; ");
        if failed {
            Err(LookupError::Unavailable(source_tried))
        } else {
            Err(LookupError::NoExpiry {
                tld: tld.to_owned(),
                source_tried,
            })
        }
    }

    /// The RDAP base URL for a TLD: override, else the (cached) bootstrap. When refreshing
    /// the bootstrap fails, the previous copy is used rather than nothing.
    async fn rdap_base(&self, tld: &str) -> Result<Option<String>, String> {
        if let Some(url) = self.config.rdap_overrides.get(tld) {
            return Ok(Some(url.clone()));
        }
        if let Some((fetched, map)) = self.bootstrap.read().await.as_ref() {
            if fetched.elapsed() < self.config.bootstrap_ttl {
                return Ok(map.get(tld).cloned());
            }
        }
        match self.fetch_bootstrap().await {
            Ok(map) => {
                let found = map.get(tld).cloned();
                *self.bootstrap.write().await = Some((Instant::now(), map));
                Ok(found)
            }
            Err(reason) => match self.bootstrap.read().await.as_ref() {
                Some((_, stale)) => Ok(stale.get(tld).cloned()),
                None => Err(reason),
            },
        }
    }

    async fn fetch_bootstrap(&self) -> Result<BTreeMap<String, String>, String> {
        let response = self
            .http
            .get(&self.config.rdap_bootstrap_url)
            .send()
            .await
            .map_err(|e| e.to_string())?;
        if !response.status().is_success() {
            return Err(format!(
                "{} answered {}",
                self.config.rdap_bootstrap_url,
                response.status()
            ));
        }
        let body = read_capped(response, MAX_BOOTSTRAP_BYTES).await?;
        let bootstrap: Bootstrap =
            serde_json::from_slice(&body).map_err(|e| format!("unreadable bootstrap file: {e}"))?;
        let mut map = BTreeMap::new();
        for (tlds, urls) in bootstrap.services {
            // Prefer HTTPS when a registry lists several URLs.
            let Some(url) = urls
                .iter()
                .find(|u| u.starts_with("https://"))
                .or_else(|| urls.first())
            else {
                continue;
            };
            for t in tlds {
                map.insert(t.to_lowercase(), url.clone());
            }
        }
        Ok(map)
    }

    async fn rdap(&self, base: &str, domain: &str) -> Result<Option<Registration>, String> {
        let url = format!("{}/domain/{domain}", base.trim_end_matches('/'));
        let response = self
            .http
            .get(&url)
            .header("Accept", "application/rdap+json, application/json")
            .send()
            .await
            .map_err(|e| e.to_string())?;
        if !response.status().is_success() {
            return Err(format!("{url} answered {}", response.status()));
        }
        let body = read_capped(response, MAX_RDAP_BYTES).await?;
        let body: serde_json::Value =
            serde_json::from_slice(&body).map_err(|e| format!("unreadable answer: {e}"))?;
        Ok(parse_rdap(domain, &body))
    }

    async fn whois(&self, domain: &str) -> Result<Option<Registration>, String> {
        let mut server = self.config.whois_server.clone();
        let mut last_answer = None;
        // IANA -> registry -> registrar at most.
        for _ in 0..3 {
            let answer = whois_query(&server, domain).await?;
            let fields = whois_fields(&answer);
            let referral = ["refer", "whois", "registrar whois server"]
                .iter()
                .find_map(|k| fields.get(*k))
                .map(|s| {
                    s.trim_start_matches("whois://")
                        .trim_end_matches('/')
                        .to_owned()
                })
                .map(|s| {
                    if s.contains(':') {
                        s
                    } else {
                        format!("{s}:43")
                    }
                })
                .filter(|s| self.config.whois_referral_any_port || s.ends_with(":43"));
            let registration = parse_whois(domain, &fields);
            if registration.is_some() {
                return Ok(registration);
            }
            last_answer = Some(answer);
            match referral {
                Some(next) if next != server => server = next,
                _ => break,
            }
        }
        match last_answer {
            Some(_) => Ok(None),
            None => Err("no answer".into()),
        }
    }
}

/// The registrable domain of `name`, lower case and in ASCII (punycode for internationalised
/// names), by the Public Suffix List.
pub fn registrable(name: &str) -> Result<String, LookupError> {
    let name = name.trim().trim_end_matches('.').to_lowercase();
    let ascii = match url::Host::parse(&name) {
        Ok(url::Host::Domain(ascii)) => ascii,
        _ => return Err(LookupError::NotRegistrable(name)),
    };
    psl::domain_str(&ascii)
        .map(str::to_owned)
        .ok_or(LookupError::NotRegistrable(name))
}

const MAX_BOOTSTRAP_BYTES: usize = 4 * 1024 * 1024;
const MAX_RDAP_BYTES: usize = 1024 * 1024;

/// Reads a response body, refusing more than `limit` bytes.
async fn read_capped(mut response: reqwest::Response, limit: usize) -> Result<Vec<u8>, String> {
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| e.to_string())? {
        if body.len() + chunk.len() > limit {
            return Err(format!("answer larger than {limit} bytes"));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

fn parse_rdap(domain: &str, body: &serde_json::Value) -> Option<Registration> {
    let event = |action: &str| {
        body["events"]
            .as_array()?
            .iter()
            .find(|e| e["eventAction"] == action)
            .and_then(|e| e["eventDate"].as_str())
            .and_then(parse_date)
    };
    let expires_at = event("expiration")?;
    let registrar = body["entities"].as_array().and_then(|entities| {
        entities
            .iter()
            .find(|e| {
                e["roles"]
                    .as_array()
                    .is_some_and(|r| r.iter().any(|r| r == "registrar"))
            })
            .and_then(|e| {
                e["vcardArray"][1]
                    .as_array()?
                    .iter()
                    .find(|f| f[0] == "fn")
                    .and_then(|f| f[3].as_str())
                    .map(str::to_owned)
            })
    });
    let nameservers = body["nameservers"]
        .as_array()
        .map(|ns| {
            ns.iter()
                .filter_map(|n| n["ldhName"].as_str())
                .map(|n| n.trim_end_matches('.').to_lowercase())
                .collect()
        })
        .unwrap_or_default();
    Some(Registration {
        domain: domain.to_owned(),
        registrar,
        registered_at: event("registration"),
        expires_at,
        nameservers,
        source: Source::Rdap,
    })
}

async fn whois_query(server: &str, domain: &str) -> Result<String, String> {
    let mut stream = tokio::net::TcpStream::connect(server)
        .await
        .map_err(|e| format!("{server}: {e}"))?;
    stream
        .write_all(format!("{domain}\r\n").as_bytes())
        .await
        .map_err(|e| format!("{server}: {e}"))?;
    let mut answer = Vec::new();
    // Servers close the connection when done; cap what a broken one can make us read.
    stream
        .take(256 * 1024)
        .read_to_end(&mut answer)
        .await
        .map_err(|e| format!("{server}: {e}"))?;
    Ok(String::from_utf8_lossy(&answer).into_owned())
}

/// `key: value` lines, keys lower case; repeated keys keep the first value, except name
/// servers, gathered under `name server`.
fn whois_fields(answer: &str) -> BTreeMap<String, String> {
    let mut fields = BTreeMap::new();
    let mut nameservers = Vec::new();
    for line in answer.lines() {
        let line = line.trim();
        if line.starts_with('%') || line.starts_with('#') || line.starts_with(">>>") {
            continue;
        }
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        let (key, value) = (key.trim().to_lowercase(), value.trim());
        if value.is_empty() {
            continue;
        }
        if matches!(
            key.as_str(),
            "name server" | "nserver" | "nameserver" | "name servers"
        ) {
            nameservers.push(
                value
                    .split_whitespace()
                    .next()
                    .unwrap_or(value)
                    .trim_end_matches('.')
                    .to_lowercase(),
            );
        } else {
            fields.entry(key).or_insert_with(|| value.to_owned());
        }
    }
    if !nameservers.is_empty() {
        fields.insert("name server".into(), nameservers.join(" "));
    }
    fields
}

fn parse_whois(domain: &str, fields: &BTreeMap<String, String>) -> Option<Registration> {
    const EXPIRY: &[&str] = &[
        "registry expiry date",
        "registrar registration expiration date",
        "expiration date",
        "expiry date",
        "expires",
        "expires on",
        "paid-till",
        "expire",
        "expire date",
        "expiration time",
        "renewal date",
    ];
    const CREATED: &[&str] = &[
        "creation date",
        "created",
        "registered",
        "registered on",
        "created on",
    ];
    let date = |keys: &[&str]| {
        keys.iter()
            .find_map(|k| fields.get(*k))
            .and_then(|v| parse_date(v))
    };
    let expires_at = date(EXPIRY)?;
    Some(Registration {
        domain: domain.to_owned(),
        registrar: fields.get("registrar").cloned(),
        registered_at: date(CREATED),
        expires_at,
        nameservers: fields
            .get("name server")
            .map(|n| n.split(' ').map(str::to_owned).collect())
            .unwrap_or_default(),
        source: Source::Whois,
    })
}

/// Parses the date formats registries use (RFC 3339, ISO dates, `2026-11-21 10:00:00`,
/// `21-Nov-2026`, `2026.11.21`).
fn parse_date(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim().trim_end_matches(" UTC").trim();
    if let Ok(dt) = DateTime::parse_from_rfc3339(text) {
        return Some(dt.with_timezone(&Utc));
    }
    for format in [
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M:%S%.f",
    ] {
        if let Ok(dt) = NaiveDateTime::parse_from_str(text, format) {
            return Some(dt.and_utc());
        }
    }
    for format in [
        "%Y-%m-%d", "%d-%b-%Y", "%Y.%m.%d", "%d.%m.%Y", "%Y/%m/%d", "%Y%m%d",
    ] {
        if let Ok(d) = NaiveDate::parse_from_str(text, format) {
            return d.and_hms_opt(0, 0, 0).map(|dt| dt.and_utc());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registrable_domains_follow_the_public_suffix_list() {
        assert_eq!(registrable("www.Example.co.uk.").unwrap(), "example.co.uk");
        assert_eq!(registrable("a.b.example.com").unwrap(), "example.com");
        assert!(matches!(
            registrable("co.uk"),
            Err(LookupError::NotRegistrable(_))
        ));
    }

    #[test]
    fn registry_date_formats_parse() {
        for (text, expected) in [
            ("2027-03-14T04:00:00Z", "2027-03-14T04:00:00+00:00"),
            ("2027-03-14T04:00:00.000Z", "2027-03-14T04:00:00+00:00"),
            ("2027-03-14 04:00:00 UTC", "2027-03-14T04:00:00+00:00"),
            ("2027-03-14", "2027-03-14T00:00:00+00:00"),
            ("14-Mar-2027", "2027-03-14T00:00:00+00:00"),
            ("2027.03.14", "2027-03-14T00:00:00+00:00"),
        ] {
            assert_eq!(
                parse_date(text).map(|d| d.to_rfc3339()),
                Some(expected.to_owned()),
                "{text}"
            );
        }
        assert_eq!(parse_date("soon"), None);
    }

    #[test]
    fn whois_fields_gather_name_servers_and_skip_comments() {
        let answer = "% comment\nDomain Name: EXAMPLE.COM\nRegistrar: Example Registrar, Inc.\nName Server: NS1.EXAMPLE.COM\nName Server: ns2.example.com.\nRegistry Expiry Date: 2027-08-13T04:00:00Z\n>>> Last update <<<\n";
        let r = parse_whois("example.com", &whois_fields(answer)).unwrap();
        assert_eq!(r.registrar.as_deref(), Some("Example Registrar, Inc."));
        assert_eq!(r.nameservers, vec!["ns1.example.com", "ns2.example.com"]);
        assert_eq!(r.expires_at.to_rfc3339(), "2027-08-13T04:00:00+00:00");
    }
}
