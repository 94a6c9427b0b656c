//! Monitors: the things Monitron watches (services of every check type, domains, and
//! instances),
//! their settings as the API accepts them, and how secrets inside settings are kept.
//!
//! The API modules translate requests into these types; the engine turns stored monitors
//! into runnable checks. Validation lives here so both agree on what a valid monitor is.

pub mod check;
pub mod domain;
pub mod view;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api::envelope::FieldErrors;

pub use check::Check;

/// What kind of thing a monitor watches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// A service checked by a probe or by heartbeat pings.
    Service,
    /// A domain's registration and TLS certificate.
    Domain,
    /// A host watched through the Monitron agent.
    Instance,
}

impl Kind {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Service => "service",
            Self::Domain => "domain",
            Self::Instance => "instance",
        }
    }

    /// Parses a stored name.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "service" => Some(Self::Service),
            "domain" => Some(Self::Domain),
            "instance" => Some(Self::Instance),
            _ => None,
        }
    }

    /// The word used in "not found" errors.
    pub fn noun(self) -> &'static str {
        self.as_str()
    }
}

/// Labels: short keys to short values.
pub type Labels = BTreeMap<String, String>;

/// Most labels on one monitor.
pub const MAX_LABELS: usize = 50;
/// Shortest and longest check interval for services, in seconds.
pub const SERVICE_INTERVAL_S: (u32, u32) = (1, 86_400);
/// Shortest and longest check interval for domains, in seconds.
pub const DOMAIN_INTERVAL_S: (u32, u32) = (14_400, 30 * 86_400);
/// Longest check timeout, in seconds.
pub const MAX_TIMEOUT_S: u32 = 300;
/// Highest failure/success threshold.
pub const MAX_THRESHOLD: u32 = 100;

/// A monitor's name: 1-200 characters, no control characters.
pub fn validate_name(raw: &str) -> Result<String, String> {
    let name = raw.trim();
    if name.is_empty() {
        return Err("must not be empty".into());
    }
    if name.chars().count() > 200 {
        return Err("must be at most 200 characters".into());
    }
    if name.chars().any(char::is_control) {
        return Err("must not contain control characters".into());
    }
    Ok(name.to_owned())
}

/// A description: at most 2,000 characters; empty clears it.
pub fn validate_description(raw: &str) -> Result<Option<String>, String> {
    let text = raw.trim();
    if text.chars().count() > 2000 {
        return Err("must be at most 2000 characters".into());
    }
    Ok((!text.is_empty()).then(|| text.to_owned()))
}

/// A group name: 1-100 characters, no control characters; empty means ungrouped.
pub fn validate_group(raw: &str) -> Result<Option<String>, String> {
    let group = raw.trim();
    if group.chars().count() > 100 {
        return Err("must be at most 100 characters".into());
    }
    if group.chars().any(char::is_control) {
        return Err("must not contain control characters".into());
    }
    Ok((!group.is_empty()).then(|| group.to_owned()))
}

/// Labels: at most 50; keys 1-63 characters of letters, digits, `_`, `-`, `.`, `/`;
/// values at most 200 characters.
pub fn validate_labels(labels: &Labels, errors: &mut FieldErrors) {
    if labels.len() > MAX_LABELS {
        errors.insert("labels".into(), format!("at most {MAX_LABELS} labels"));
        return;
    }
    for (key, value) in labels {
        let key_ok = (1..=63).contains(&key.len())
            && key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '/'));
        if !key_ok {
            errors.insert(
                format!("labels.{key}"),
                "keys are 1-63 letters, digits, _, -, . or /".into(),
            );
        } else if value.chars().count() > 200 || value.chars().any(char::is_control) {
            errors.insert(
                format!("labels.{key}"),
                "values are at most 200 characters, without control characters".into(),
            );
        }
    }
}

/// Records an error unless `value` lies in `range`.
pub fn check_range(errors: &mut FieldErrors, field: &str, value: u32, (low, high): (u32, u32)) {
    if !(low..=high).contains(&value) {
        errors.insert(field.into(), format!("must be between {low} and {high}"));
    }
}

/// Parses a `label=key:value` filter.
pub fn parse_label_filter(raw: &str) -> Result<(String, String), String> {
    match raw.split_once(':') {
        Some((key, value)) if !key.is_empty() => Ok((key.to_owned(), value.to_owned())),
        _ => Err("must be key:value".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_groups_and_descriptions() {
        assert_eq!(validate_name("  api  ").unwrap(), "api");
        assert!(validate_name(" ").is_err());
        assert!(validate_name(&"x".repeat(201)).is_err());
        assert!(validate_name("a\u{0}b").is_err());
        assert_eq!(validate_group("").unwrap(), None);
        assert_eq!(validate_group("prod").unwrap().as_deref(), Some("prod"));
        assert!(validate_group(&"g".repeat(101)).is_err());
        assert_eq!(validate_description("  ").unwrap(), None);
    }

    #[test]
    fn labels_are_bounded() {
        let mut errors = FieldErrors::new();
        let labels: Labels = [
            ("env".into(), "prod".into()),
            ("bad key".into(), "x".into()),
        ]
        .into_iter()
        .collect();
        validate_labels(&labels, &mut errors);
        assert_eq!(errors.keys().collect::<Vec<_>>(), ["labels.bad key"]);
        let many: Labels = (0..51).map(|i| (format!("k{i}"), String::new())).collect();
        let mut errors = FieldErrors::new();
        validate_labels(&many, &mut errors);
        assert!(errors.contains_key("labels"));
    }

    #[test]
    fn label_filters() {
        assert_eq!(
            parse_label_filter("env:prod").unwrap(),
            ("env".into(), "prod".into())
        );
        assert_eq!(
            parse_label_filter("url:http://x").unwrap(),
            ("url".into(), "http://x".into())
        );
        assert!(parse_label_filter("env").is_err());
        assert!(parse_label_filter(":x").is_err());
    }
}
