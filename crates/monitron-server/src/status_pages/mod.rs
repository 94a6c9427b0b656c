//! Status pages: components that publish monitors under display names, pages that arrange
//! them in sections, and everything a visitor sees: the server-rendered page, its JSON in
//! the shape of Atlassian Statuspage's `summary.json`, an Atom feed and SVG badges.
//!
//! Views never touch the database: [`StatusPages`] keeps each page rendered in memory and
//! rebuilds it in the background when a shown monitor changes state, when the page or one
//! of its incidents changes, and at most every 10 s for the times and response times.

pub mod badge;
pub mod cache;
pub mod limits;
pub mod links;
pub mod render;
pub mod snapshot;
pub mod subscribers;

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

pub use cache::StatusPages;

/// Who may open a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
#[schema(as = PageVisibility)]
pub enum Visibility {
    /// Anyone.
    Public,
    /// Signed-in users with a role on every shown component's group.
    Private,
}

impl Visibility {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Public => "public",
            Self::Private => "private",
        }
    }

    /// Parses a stored name (unknown names read as private, the safe side).
    pub fn parse(name: &str) -> Self {
        if name == "public" {
            Self::Public
        } else {
            Self::Private
        }
    }
}

/// The page's colours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
#[schema(as = PageTheme)]
pub enum Theme {
    /// Light.
    Light,
    /// Dark.
    Dark,
    /// The visitor's system setting.
    Auto,
}

impl Theme {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Light => "light",
            Self::Dark => "dark",
            Self::Auto => "auto",
        }
    }

    /// Parses a stored name.
    pub fn parse(name: &str) -> Self {
        match name {
            "light" => Self::Light,
            "dark" => Self::Dark,
            _ => Self::Auto,
        }
    }
}

/// A section of a page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = PageSection)]
pub struct Section {
    /// Heading (none: the components are shown without one).
    #[serde(default)]
    pub name: Option<String>,
    /// The section's components, shown by ascending `order`.
    #[serde(default)]
    pub components: Vec<SectionComponent>,
}

/// A component's place in a section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = PageSectionComponent)]
pub struct SectionComponent {
    /// The component.
    pub component_id: Uuid,
    /// Position within the section (default: as listed).
    #[serde(default)]
    pub order: i32,
}

/// Reads stored sections, each section's components sorted by `order`.
pub fn sections_of(json: &serde_json::Value) -> Vec<Section> {
    let mut sections: Vec<Section> = serde_json::from_value(json.clone()).unwrap_or_default();
    for s in &mut sections {
        s.components.sort_by_key(|c| c.order);
    }
    sections
}

/// The ids of every component on a page, in display order.
pub fn component_ids(sections: &[Section]) -> Vec<Uuid> {
    sections
        .iter()
        .flat_map(|s| s.components.iter().map(|c| c.component_id))
        .collect()
}

/// Words a slug may not be: they name the server's own routes.
pub const RESERVED_SLUGS: [&str; 18] = [
    "api", "admin", "assets", "static", "new", "login", "logout", "status", "badge", "docs",
    "graphql", "metrics", "healthz", "readyz", "ack", "settings", "feed", "reports",
];

/// Checks a slug: lowercase letters, digits and hyphens, 2-64 characters, not reserved.
pub fn validate_slug(slug: &str) -> Result<(), String> {
    if !(2..=64).contains(&slug.len()) {
        return Err("must be 2 to 64 characters".into());
    }
    if !slug
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return Err("may hold only lowercase letters, digits and hyphens".into());
    }
    if slug.starts_with('-') || slug.ends_with('-') {
        return Err("must not start or end with a hyphen".into());
    }
    if RESERVED_SLUGS.contains(&slug) {
        return Err(format!("\"{slug}\" is reserved; choose another"));
    }
    Ok(())
}

/// Checks a custom domain: a host name such as `status.example.com`, stored lowercase.
pub fn parse_custom_domain(raw: &str) -> Result<Option<String>, String> {
    let host = raw.trim().trim_end_matches('.').to_ascii_lowercase();
    if host.is_empty() {
        return Ok(None);
    }
    let valid_label = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    if host.len() > 253 || !host.contains('.') || !host.split('.').all(valid_label) {
        return Err("must be a host name such as status.example.com".into());
    }
    Ok(Some(host))
}

/// A component's state as published (the values of Statuspage's `summary.json`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ComponentState {
    /// Working.
    Operational,
    /// In a maintenance window.
    UnderMaintenance,
    /// Slow, or a domain close to expiry.
    DegradedPerformance,
    /// Part of the page is out (only for the page as a whole).
    PartialOutage,
    /// Out.
    MajorOutage,
}

impl ComponentState {
    /// The JSON name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Operational => "operational",
            Self::UnderMaintenance => "under_maintenance",
            Self::DegradedPerformance => "degraded_performance",
            Self::PartialOutage => "partial_outage",
            Self::MajorOutage => "major_outage",
        }
    }

    /// Words for people.
    pub fn label(self) -> &'static str {
        match self {
            Self::Operational => "Operational",
            Self::UnderMaintenance => "Under maintenance",
            Self::DegradedPerformance => "Degraded performance",
            Self::PartialOutage => "Partial outage",
            Self::MajorOutage => "Major outage",
        }
    }
}

/// Where a status-page incident stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
#[schema(as = PageIncidentStatus)]
pub enum IncidentStatus {
    /// Looking into it.
    Investigating,
    /// The cause is known.
    Identified,
    /// A fix is in; watching.
    Monitoring,
    /// Over.
    Resolved,
}

impl IncidentStatus {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Investigating => "investigating",
            Self::Identified => "identified",
            Self::Monitoring => "monitoring",
            Self::Resolved => "resolved",
        }
    }

    /// Parses a stored name.
    pub fn parse(name: &str) -> Self {
        match name {
            "identified" => Self::Identified,
            "monitoring" => Self::Monitoring,
            "resolved" => Self::Resolved,
            _ => Self::Investigating,
        }
    }

    /// Words for people.
    pub fn label(self) -> &'static str {
        match self {
            Self::Investigating => "Investigating",
            Self::Identified => "Identified",
            Self::Monitoring => "Monitoring",
            Self::Resolved => "Resolved",
        }
    }
}

/// How bad a status-page incident is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
#[schema(as = PageIncidentImpact)]
pub enum Impact {
    /// An announcement.
    None,
    /// Minor.
    Minor,
    /// Major.
    Major,
    /// Critical.
    Critical,
}

impl Impact {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Minor => "minor",
            Self::Major => "major",
            Self::Critical => "critical",
        }
    }

    /// Parses a stored name.
    pub fn parse(name: &str) -> Self {
        match name {
            "minor" => Self::Minor,
            "major" => Self::Major,
            "critical" => Self::Critical,
            _ => Self::None,
        }
    }

    /// Words for people.
    pub fn label(self) -> &'static str {
        match self {
            Self::None => "Announcement",
            Self::Minor => "Minor impact",
            Self::Major => "Major impact",
            Self::Critical => "Critical impact",
        }
    }
}

/// Why a visitor reports a problem.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// It does not answer.
    Down,
    /// It is slow.
    Slow,
    /// It answers with errors.
    Errors,
    /// Signing in fails.
    CannotLogin,
    /// Something else.
    Other,
}

impl Reason {
    /// Every reason, in the order the form lists them.
    pub const ALL: [Reason; 5] = [
        Self::Down,
        Self::Slow,
        Self::Errors,
        Self::CannotLogin,
        Self::Other,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Down => "down",
            Self::Slow => "slow",
            Self::Errors => "errors",
            Self::CannotLogin => "cannot_login",
            Self::Other => "other",
        }
    }

    /// Parses a name.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == name)
    }

    /// Words for people.
    pub fn label(self) -> &'static str {
        match self {
            Self::Down => "It is down or does not load",
            Self::Slow => "It is slow",
            Self::Errors => "It shows errors",
            Self::CannotLogin => "I cannot sign in",
            Self::Other => "Something else",
        }
    }
}

/// The data a visitor report is notified with: shaped like an alert's, so every channel
/// template renders it (the title names the component and the page).
pub fn report_context(
    page: &crate::db::entities::status_page::Model,
    component: &str,
    reason: Reason,
    message: Option<&str>,
    public_url: &str,
    now: DateTime<Utc>,
) -> serde_json::Value {
    let url = format!("{public_url}/status/{}", page.slug);
    let text = match message {
        Some(m) => format!("A visitor reports: {}. \"{m}\"", reason.label()),
        None => format!("A visitor reports: {}.", reason.label()),
    };
    serde_json::json!({
        "type": crate::notify::Event::Report.webhook_type(),
        "alert": { "id": null, "status": "report", "severity": "warning", "value": null,
                   "message": text, "started_at": now, "fired_at": now,
                   "resolved_at": null, "acknowledged_at": null },
        "rule": { "id": null, "name": page.title },
        "monitor": { "id": null, "name": component, "type": "status page component",
                     "group": null, "labels": {}, "target": url, "url": url },
        "report": { "page": page.slug, "component": component, "reason": reason.as_str(),
                    "message": message },
        "ack_url": null,
    })
}

/// The time status pages go by: the system clock, which tests can move forward.
#[derive(Debug, Clone, Default)]
pub struct Clock {
    offset_ms: Arc<AtomicI64>,
}

impl Clock {
    /// Now.
    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + Duration::milliseconds(self.offset_ms.load(Ordering::Relaxed))
    }

    /// Moves this clock by `by` (tests of daily limits).
    pub fn advance(&self, by: Duration) {
        self.offset_ms
            .fetch_add(by.num_milliseconds(), Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_follow_the_rules() {
        assert!(validate_slug("acme-status").is_ok());
        assert!(validate_slug("a1").is_ok());
        assert!(validate_slug("a").is_err());
        assert!(validate_slug(&"a".repeat(65)).is_err());
        assert!(validate_slug("Acme").is_err());
        assert!(validate_slug("acme_status").is_err());
        assert!(validate_slug("-acme").is_err());
        for word in ["api", "admin", "status", "badge", "settings"] {
            assert!(
                validate_slug(word).unwrap_err().contains("reserved"),
                "{word}"
            );
        }
    }

    #[test]
    fn custom_domains_are_host_names() {
        assert_eq!(
            parse_custom_domain(" Status.Example.com. ")
                .unwrap()
                .as_deref(),
            Some("status.example.com")
        );
        assert_eq!(parse_custom_domain("").unwrap(), None);
        assert!(parse_custom_domain("localhost").is_err());
        assert!(parse_custom_domain("http://x.com").is_err());
        assert!(parse_custom_domain("-a.example.com").is_err());
    }

    #[test]
    fn sections_sort_their_components() {
        let a = Uuid::now_v7();
        let b = Uuid::now_v7();
        let json = serde_json::json!([{ "name": "Web", "components": [
            { "component_id": a, "order": 2 }, { "component_id": b, "order": 1 }
        ] }]);
        let sections = sections_of(&json);
        assert_eq!(component_ids(&sections), vec![b, a]);
    }
}
