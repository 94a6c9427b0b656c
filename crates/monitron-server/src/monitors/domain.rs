//! Domain monitors: settings, the status thresholds, and one check (registration by
//! RDAP/WHOIS plus, optionally, the TLS certificate served on the domain).

use std::time::Duration;

use monitron_probe::dns::{self, RecordKind};
use monitron_probe::domain::{LookupError, Registry};
use monitron_probe::{tls, CheckConfig, Outcome, Status};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::FieldErrors;

/// Records an error unless `value` lies in `low..=high`.
fn check_range(errors: &mut FieldErrors, field: &str, value: u32, (low, high): (u32, u32)) {
    if !(low..=high).contains(&value) {
        errors.insert(field.into(), format!("must be between {low} and {high}"));
    }
}

/// Settings of a domain monitor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DomainSettings {
    /// The domain (lower case, ASCII).
    pub domain: String,
    /// Days before expiry at which the status becomes `warning`.
    pub warning_threshold_days: u32,
    /// Days before expiry at which the status becomes `critical`.
    pub expiry_threshold_days: u32,
    /// Also check the TLS certificate served on the domain.
    pub check_ssl: bool,
    /// Port of the TLS check.
    pub ssl_port: u16,
    /// Host or address to fetch the certificate from, when it is not the domain itself
    /// (a load balancer's address, say); the certificate must still match the domain.
    #[serde(default)]
    pub ssl_host: Option<String>,
}

/// Default `warning_threshold_days`.
pub const DEFAULT_WARNING_DAYS: u32 = 30;
/// Default `expiry_threshold_days`.
pub const DEFAULT_EXPIRY_DAYS: u32 = 7;

/// A domain's health, from registration and certificate, ordered from best to worst.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum DomainStatus {
    /// Far from expiry.
    Ok,
    /// Within the warning threshold.
    Warning,
    /// Within the expiry threshold, or the certificate is not valid.
    Critical,
    /// Past expiry.
    Expired,
    /// Registration data or the certificate could not be read.
    Error,
}

impl DomainStatus {
    /// The status for `days_left` under the thresholds.
    pub fn for_days_left(days_left: i64, settings: &DomainSettings) -> Self {
        if days_left < 0 {
            Self::Expired
        } else if days_left <= i64::from(settings.expiry_threshold_days) {
            Self::Critical
        } else if days_left <= i64::from(settings.warning_threshold_days) {
            Self::Warning
        } else {
            Self::Ok
        }
    }

    /// Whether the monitor counts as up.
    pub fn is_up(self) -> bool {
        matches!(self, Self::Ok | Self::Warning)
    }
}

impl DomainSettings {
    /// Validates and normalises the settings.
    pub fn validate(&mut self) -> Result<(), FieldErrors> {
        let mut errors = FieldErrors::new();
        let name = self.domain.trim().trim_end_matches('.').to_lowercase();
        match url::Host::parse(&name) {
            Ok(url::Host::Domain(ascii)) if ascii.contains('.') => {
                match monitron_probe::domain::registrable(&ascii) {
                    Ok(_) => self.domain = ascii,
                    Err(LookupError::NotRegistrable(_)) | Err(_) => {
                        errors.insert(
                            "domain".into(),
                            "is not under a public suffix (e.g. example.com)".into(),
                        );
                    }
                }
            }
            _ => {
                errors.insert(
                    "domain".into(),
                    "must be a domain name such as example.com".into(),
                );
            }
        }
        check_range(
            &mut errors,
            "warning_threshold_days",
            self.warning_threshold_days,
            (1, 365),
        );
        check_range(
            &mut errors,
            "expiry_threshold_days",
            self.expiry_threshold_days,
            (0, 365),
        );
        if self.expiry_threshold_days > self.warning_threshold_days {
            errors.insert(
                "expiry_threshold_days".into(),
                "must not exceed warning_threshold_days".into(),
            );
        }
        if let Some(host) = &self.ssl_host {
            let host = host.trim();
            if host.is_empty() {
                self.ssl_host = None;
            } else if url::Host::parse(host).is_err() || host.len() > 253 {
                errors.insert(
                    "ssl_host".into(),
                    "must be a host name or IP address".into(),
                );
            }
        }
        if self.ssl_port == 0 {
            errors.insert("ssl_port".into(), "must be between 1 and 65535".into());
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

/// Checks a domain once: registration, resolved addresses (from `resolver`, `ip:port`, or
/// the system's) and (with `check_ssl`) the certificate. `details` carries `status`, the
/// registration fields and `ssl`.
pub async fn check(
    registry: &Registry,
    resolver: Option<&str>,
    settings: &DomainSettings,
    timeout: Duration,
) -> Outcome {
    let started = std::time::Instant::now();
    let lookup = registry.lookup(&settings.domain, timeout);
    let ssl = async {
        if !settings.check_ssl {
            return None;
        }
        let check = CheckConfig::Tls(tls::Config {
            host: settings
                .ssl_host
                .clone()
                .unwrap_or_else(|| settings.domain.clone()),
            port: settings.ssl_port,
            server_name: Some(settings.domain.clone()),
            ca_pem: None,
        });
        Some(check.run(timeout).await)
    };
    let resolved = async {
        let mut ips = Vec::new();
        for record_type in [RecordKind::A, RecordKind::Aaaa] {
            let check = CheckConfig::Dns(dns::Config {
                name: settings.domain.clone(),
                record_type,
                resolver: resolver.map(str::to_owned),
                expected: None,
            });
            let outcome = check.run(timeout.min(Duration::from_secs(5))).await;
            if let Some(answers) = outcome.details["answers"].as_array() {
                ips.extend(answers.iter().filter_map(|a| a.as_str().map(str::to_owned)));
            }
        }
        ips
    };
    let (registration, ssl, resolved_ips) = tokio::join!(lookup, ssl, resolved);
    let elapsed = started.elapsed().as_secs_f64() * 1000.0;

    let mut problems = Vec::new();
    let mut status = DomainStatus::Ok;
    let mut worsen = |s: DomainStatus| status = status.max(s);
    let now = chrono::Utc::now();
    let mut details = serde_json::json!({ "resolved_ips": resolved_ips });
    match &registration {
        Ok(r) => {
            let days_left = (r.expires_at - now).num_days();
            let s = DomainStatus::for_days_left(days_left, settings);
            worsen(s);
            if s != DomainStatus::Ok {
                problems.push(if days_left < 0 {
                    format!("registration expired {} days ago", -days_left)
                } else {
                    format!("registration expires in {days_left} days")
                });
            }
            details["registrar"] = serde_json::json!(r.registrar);
            details["registered_at"] = serde_json::json!(r.registered_at);
            details["expires_at"] = serde_json::json!(r.expires_at);
            details["days_left"] = serde_json::json!(days_left);
            details["nameservers"] = serde_json::json!(r.nameservers);
            details["source"] = serde_json::json!(r.source);
        }
        Err(err) => {
            worsen(DomainStatus::Error);
            problems.push(err.to_string());
            details["error"] = serde_json::json!(err.to_string());
        }
    }
    if let Some(ssl) = &ssl {
        let mut info = ssl.details.clone();
        if !info.is_object() {
            info = serde_json::json!({});
        }
        let days_left = info["days_left"].as_i64();
        let valid = info["chain_valid"].as_bool() == Some(true)
            && info["hostname_match"].as_bool() == Some(true);
        match days_left {
            None => {
                worsen(DomainStatus::Error);
                problems.push(format!("certificate: {}", ssl.message));
                info["error"] = serde_json::json!(ssl.message);
            }
            Some(days) => {
                let s = DomainStatus::for_days_left(days, settings);
                worsen(s);
                if s != DomainStatus::Ok {
                    problems.push(if days < 0 {
                        format!("certificate expired {} days ago", -days)
                    } else {
                        format!("certificate expires in {days} days")
                    });
                }
                if !valid && days >= 0 {
                    worsen(DomainStatus::Critical);
                    problems.push(format!("certificate: {}", ssl.message));
                }
            }
        }
        details["ssl"] = info;
    }
    details["status"] = serde_json::json!(status);
    let message = if problems.is_empty() {
        match &registration {
            Ok(r) => format!("expires in {} days", (r.expires_at - now).num_days()),
            Err(_) => "ok".into(),
        }
    } else {
        problems.join("; ")
    };
    Outcome {
        status: if status.is_up() {
            Status::Up
        } else {
            Status::Down
        },
        response_ms: Some(elapsed),
        message,
        details,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(domain: &str) -> DomainSettings {
        DomainSettings {
            domain: domain.into(),
            warning_threshold_days: 30,
            expiry_threshold_days: 7,
            check_ssl: true,
            ssl_port: 443,
            ssl_host: None,
        }
    }

    #[test]
    fn status_follows_the_thresholds() {
        let s = settings("example.com");
        assert_eq!(DomainStatus::for_days_left(200, &s), DomainStatus::Ok);
        assert_eq!(DomainStatus::for_days_left(30, &s), DomainStatus::Warning);
        assert_eq!(DomainStatus::for_days_left(7, &s), DomainStatus::Critical);
        assert_eq!(DomainStatus::for_days_left(0, &s), DomainStatus::Critical);
        assert_eq!(DomainStatus::for_days_left(-1, &s), DomainStatus::Expired);
    }

    #[test]
    fn domains_are_normalised_and_checked() {
        let mut s = settings(" Example.COM. ");
        s.validate().unwrap();
        assert_eq!(s.domain, "example.com");
        let mut s = settings("bücher.de");
        s.validate().unwrap();
        assert_eq!(s.domain, "xn--bcher-kva.de");
        for bad in ["localhost", "com", "not a domain", ""] {
            let errors = settings(bad).validate().unwrap_err();
            assert!(errors.contains_key("domain"), "{bad}: {errors:?}");
        }
        let mut s = settings("example.com");
        s.expiry_threshold_days = 40;
        assert!(s
            .validate()
            .unwrap_err()
            .contains_key("expiry_threshold_days"));
    }
}
