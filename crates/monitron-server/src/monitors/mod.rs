//! Monitors: the things Monitron watches (services of every check type, domains, and
//! instances), their settings as the API accepts them, how secrets inside settings are
//! kept, and the one path that creates, changes and deletes them ([`service`]).
//!
//! Services, domains and instances share every field but their check: the values that
//! matter are validated newtypes here ([`Name`], [`Group`], [`Labels`], [`Timing`]), so an
//! invalid one cannot reach storage, and the API handlers only map requests to them.

pub mod agent;
pub mod check;
pub mod dependencies;
pub mod domain;
pub mod runnable;
pub mod service;
pub mod stats;
pub mod view;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::db::entities::monitor;
use crate::error::FieldErrors;

pub use check::Check;
pub use runnable::Runnable;

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

    /// Shortest and longest check interval, in seconds: registration data changes slowly
    /// and registries limit how often they may be asked.
    pub fn interval_bounds(self) -> (u32, u32) {
        match self {
            Self::Service | Self::Instance => SERVICE_INTERVAL_S,
            Self::Domain => DOMAIN_INTERVAL_S,
        }
    }

    /// The timing of a new monitor of this kind when the request names none.
    pub fn default_timing(self) -> Timing {
        Timing {
            interval_s: match self {
                Self::Service | Self::Instance => 10,
                Self::Domain => 86_400,
            },
            timeout_s: 30,
            failure_threshold: 1,
            success_threshold: 1,
        }
    }
}

/// Labels as requests and views carry them: short keys to short values.
pub type LabelMap = BTreeMap<String, String>;

/// Most monitors one monitor depends on.
pub const MAX_DEPENDENCIES: usize = 50;

/// Most labels on one monitor.
pub const MAX_LABELS: usize = 50;
/// Shortest and longest check interval for services and instances, in seconds.
pub const SERVICE_INTERVAL_S: (u32, u32) = (1, 86_400);
/// Shortest and longest check interval for domains, in seconds.
pub const DOMAIN_INTERVAL_S: (u32, u32) = (14_400, 30 * 86_400);
/// Longest check timeout, in seconds.
pub const MAX_TIMEOUT_S: u32 = 300;
/// Highest failure/success threshold.
pub const MAX_THRESHOLD: u32 = 100;

/// A monitor's name: 1-200 characters, no control characters, trimmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Name(String);

impl Name {
    /// Validates a name.
    pub fn parse(raw: &str) -> Result<Self, String> {
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
        Ok(Self(name.to_owned()))
    }

    /// The name.
    pub fn into_inner(self) -> String {
        self.0
    }
}

/// A description: at most 2,000 characters; empty clears it.
pub fn parse_description(raw: &str) -> Result<Option<String>, String> {
    let text = raw.trim();
    if text.chars().count() > 2000 {
        return Err("must be at most 2000 characters".into());
    }
    Ok((!text.is_empty()).then(|| text.to_owned()))
}

/// A group: 1-100 characters, no control characters. Grants apply per group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group(String);

impl Group {
    /// Validates a group name; empty means ungrouped (`None`).
    pub fn parse(raw: &str) -> Result<Option<Self>, String> {
        let group = raw.trim();
        if group.chars().count() > 100 {
            return Err("must be at most 100 characters".into());
        }
        if group.chars().any(char::is_control) {
            return Err("must not contain control characters".into());
        }
        Ok((!group.is_empty()).then(|| Self(group.to_owned())))
    }

    /// The group name.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The group name.
    pub fn into_inner(self) -> String {
        self.0
    }
}

/// Labels: at most 50; keys 1-63 characters of letters, digits, `_`, `-`, `.`, `/`;
/// values at most 200 characters without control characters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Labels(LabelMap);

impl Labels {
    /// Validates labels, naming each bad one (`labels.<key>`).
    pub fn parse(labels: LabelMap) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        if labels.len() > MAX_LABELS {
            errors.insert("labels".into(), format!("at most {MAX_LABELS} labels"));
            return Err(errors);
        }
        for (key, value) in &labels {
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
        crate::error::verdict(errors).map(|()| Self(labels))
    }

    /// As stored (a JSON object).
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(&self.0).unwrap_or_default()
    }
}

/// How often a monitor is checked, how long a check may take, and how many results in a
/// row change its status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timing {
    /// Seconds between checks.
    pub interval_s: u32,
    /// Seconds a check may take.
    pub timeout_s: u32,
    /// Consecutive failures before the monitor is down.
    pub failure_threshold: u32,
    /// Consecutive successes before it is up again.
    pub success_threshold: u32,
}

impl Timing {
    /// The timing stored on a monitor.
    pub fn of(row: &monitor::Model) -> Self {
        let positive = |v: i32| u32::try_from(v).unwrap_or(1).max(1);
        Self {
            interval_s: positive(row.interval_s),
            timeout_s: positive(row.timeout_s),
            failure_threshold: positive(row.failure_threshold),
            success_threshold: positive(row.success_threshold),
        }
    }

    /// This timing with the values a request gives instead.
    pub fn with(self, fields: &Fields) -> Self {
        Self {
            interval_s: fields.interval_s.unwrap_or(self.interval_s),
            timeout_s: fields.timeout_s.unwrap_or(self.timeout_s),
            failure_threshold: fields.failure_threshold.unwrap_or(self.failure_threshold),
            success_threshold: fields.success_threshold.unwrap_or(self.success_threshold),
        }
    }

    /// Checks every value against the bounds for `kind`, naming each bad field.
    pub fn validate(self, kind: Kind) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        for (field, value, (low, high)) in [
            ("interval_s", self.interval_s, kind.interval_bounds()),
            ("timeout_s", self.timeout_s, (1, MAX_TIMEOUT_S)),
            (
                "failure_threshold",
                self.failure_threshold,
                (1, MAX_THRESHOLD),
            ),
            (
                "success_threshold",
                self.success_threshold,
                (1, MAX_THRESHOLD),
            ),
        ] {
            if !(low..=high).contains(&value) {
                errors.insert(field.into(), format!("must be between {low} and {high}"));
            }
        }
        crate::error::verdict(errors).map(|()| self)
    }
}

/// The fields every monitor has, as a create or update request gives them: absent ones
/// take their default (create) or stay as they are (update).
#[derive(Debug, Clone, Default)]
pub struct Fields {
    /// Name (required on create).
    pub name: Option<String>,
    /// Description; empty clears it.
    pub description: Option<String>,
    /// Group; empty removes it.
    pub group: Option<String>,
    /// Labels (replace all).
    pub labels: Option<LabelMap>,
    /// False pauses the monitor.
    pub enabled: Option<bool>,
    /// Seconds between checks.
    pub interval_s: Option<u32>,
    /// Seconds a check may take.
    pub timeout_s: Option<u32>,
    /// Consecutive failures before down.
    pub failure_threshold: Option<u32>,
    /// Consecutive successes before up.
    pub success_threshold: Option<u32>,
    /// The monitors this one depends on (replace all).
    pub depends_on: Option<Vec<Uuid>>,
}

/// [`Fields`], validated.
#[derive(Debug, Clone)]
pub struct Valid {
    /// New name.
    pub name: Option<Name>,
    /// New description (`Some(None)` clears it).
    pub description: Option<Option<String>>,
    /// New group (`Some(None)` removes it).
    pub group: Option<Option<Group>>,
    /// New labels.
    pub labels: Option<Labels>,
    /// Paused when false.
    pub enabled: Option<bool>,
    /// The whole timing after the change.
    pub timing: Timing,
    /// New dependencies (checked against the stored monitors by the service layer).
    pub depends_on: Option<Vec<Uuid>>,
}

impl Fields {
    /// Validates every field, naming each bad one; `base` is the timing the given values
    /// change (the kind's defaults on create, the stored timing on update).
    pub fn validate(self, kind: Kind, base: Timing) -> Result<Valid, FieldErrors> {
        let mut errors = FieldErrors::new();
        let name = self
            .name
            .as_deref()
            .and_then(|n| keep(&mut errors, "name", Name::parse(n)));
        let description = self
            .description
            .as_deref()
            .and_then(|d| keep(&mut errors, "description", parse_description(d)));
        let group = self
            .group
            .as_deref()
            .and_then(|g| keep(&mut errors, "group", Group::parse(g)));
        let timing = base.with(&self).validate(kind).unwrap_or_else(|e| {
            errors.extend(e);
            base
        });
        let labels = match self.labels.map(Labels::parse).transpose() {
            Ok(labels) => labels,
            Err(e) => {
                errors.extend(e);
                None
            }
        };
        let depends_on = self.depends_on.map(|mut ids| {
            ids.dedup();
            if ids.len() > MAX_DEPENDENCIES {
                errors.insert(
                    "depends_on".into(),
                    format!("at most {MAX_DEPENDENCIES} monitors"),
                );
            }
            ids
        });
        crate::error::verdict(errors).map(|()| Valid {
            name,
            description,
            group,
            labels,
            enabled: self.enabled,
            timing,
            depends_on,
        })
    }
}

/// The value, or `None` with the reason recorded under `field`.
fn keep<T>(errors: &mut FieldErrors, field: &str, result: Result<T, String>) -> Option<T> {
    result
        .map_err(|reason| {
            errors.insert(field.to_owned(), reason);
        })
        .ok()
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
        assert_eq!(Name::parse("  api  ").unwrap().into_inner(), "api");
        assert!(Name::parse(" ").is_err());
        assert!(Name::parse(&"x".repeat(201)).is_err());
        assert!(Name::parse("a\u{0}b").is_err());
        assert_eq!(Group::parse("").unwrap(), None);
        assert_eq!(Group::parse("prod").unwrap().unwrap().as_str(), "prod");
        assert!(Group::parse(&"g".repeat(101)).is_err());
        assert_eq!(parse_description("  ").unwrap(), None);
    }

    #[test]
    fn labels_are_bounded() {
        let labels: LabelMap = [
            ("env".into(), "prod".into()),
            ("bad key".into(), "x".into()),
        ]
        .into_iter()
        .collect();
        let errors = Labels::parse(labels).unwrap_err();
        assert_eq!(errors.keys().collect::<Vec<_>>(), ["labels.bad key"]);
        let many: LabelMap = (0..51).map(|i| (format!("k{i}"), String::new())).collect();
        assert!(Labels::parse(many).unwrap_err().contains_key("labels"));
    }

    #[test]
    fn timing_follows_the_kind_and_names_each_field() {
        let fields = Fields {
            interval_s: Some(60),
            timeout_s: Some(0),
            failure_threshold: Some(101),
            ..Fields::default()
        };
        let errors = fields
            .clone()
            .validate(Kind::Service, Kind::Service.default_timing())
            .unwrap_err();
        assert_eq!(
            errors.keys().collect::<Vec<_>>(),
            ["failure_threshold", "timeout_s"]
        );
        let errors = fields
            .validate(Kind::Domain, Kind::Domain.default_timing())
            .unwrap_err();
        assert!(errors["interval_s"].contains("14400"), "{errors:?}");
        let valid = Fields {
            name: Some(" api ".into()),
            group: Some(String::new()),
            ..Fields::default()
        }
        .validate(Kind::Service, Kind::Service.default_timing())
        .unwrap();
        assert_eq!(valid.name.unwrap().into_inner(), "api");
        assert_eq!(valid.group, Some(None));
        assert_eq!(valid.timing, Kind::Service.default_timing());
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
