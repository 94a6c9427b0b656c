//! Turns a [`PageData`] into what visitors get: the HTML page (minijinja templates with
//! HTML escaping), `summary.json` in Statuspage's shape, and the Atom feed.

use chrono::{DateTime, Utc};
use minijinja::{context, AutoEscape, Environment, Value};
use serde_json::json;

use super::badge::format_pct;
use super::snapshot::{ComponentData, IncidentData, PageData};
use super::{ComponentState, Impact, IncidentStatus, Reason};

/// The stylesheet of every page.
pub const CSS: &str = include_str!("templates/status.css");
/// The script that refreshes a page in place.
pub const JS: &str = include_str!("templates/status.js");

/// A short hash of an asset, so its URL changes with it and it can be cached forever.
fn version(text: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(text.as_bytes()))[..12].to_owned()
}

/// The templates.
pub struct Renderer {
    env: Environment<'static>,
    assets: Value,
}

impl std::fmt::Debug for Renderer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Renderer")
    }
}

impl Default for Renderer {
    fn default() -> Self {
        Self::new()
    }
}

/// A time as the page prints it before the script turns it into local time.
fn when(t: DateTime<Utc>) -> String {
    t.format("%-d %b %Y %H:%M UTC").to_string()
}

fn ms(avg: Option<f64>) -> String {
    avg.map_or_else(|| "No data".into(), |ms| format!("{ms:.0} ms"))
}

fn duration_words(seconds: i64) -> String {
    match seconds {
        s if s < 60 => format!("{s} s"),
        s if s < 3600 => format!("{} min", s / 60),
        s => format!("{} h {} min", s / 3600, (s % 3600) / 60),
    }
}

impl Renderer {
    /// Loads the templates (compiled into the binary).
    pub fn new() -> Self {
        let mut env = Environment::new();
        env.set_auto_escape_callback(|_| AutoEscape::Html);
        env.add_template("page.html", include_str!("templates/page.html"))
            .expect("the status page template parses");
        env.add_template("message.html", include_str!("templates/message.html"))
            .expect("the message template parses");
        env.add_template("feed.xml", include_str!("templates/feed.xml"))
            .expect("the feed template parses");
        let assets = Value::from_serialize(json!({
            "css": format!("/status/assets/status.css?v={}", version(CSS)),
            "js": format!("/status/assets/status.js?v={}", version(JS)),
        }));
        Self { env, assets }
    }

    fn page_context(data: &PageData) -> serde_json::Value {
        let page = &data.page;
        let base = format!("/status/{}", page.slug);
        json!({
            "title": page.title,
            "description": page.description,
            "logo_url": page.logo_url,
            "footer": page.footer,
            "theme": page.theme,
            "slug": page.slug,
            "history_days": page.history_days,
            "base_path": base,
            "feed_url": format!("{base}/feed.atom"),
            "generated_at": data.generated_at.to_rfc3339(),
            "generated_at_text": when(data.generated_at),
        })
    }

    fn component(c: &ComponentData) -> serde_json::Value {
        let days: Vec<serde_json::Value> = c
            .days
            .iter()
            .map(|d| {
                let mut title = d.date.format("%-d %b %Y").to_string();
                match d.uptime_pct {
                    Some(pct) => title.push_str(&format!(": {} uptime", format_pct(pct))),
                    None => title.push_str(": no data"),
                }
                if d.down_s > 0 {
                    title.push_str(&format!(", {} down", duration_words(d.down_s)));
                }
                if d.incidents > 0 {
                    title.push_str(&format!(
                        ", {} incident{}",
                        d.incidents,
                        if d.incidents == 1 { "" } else { "s" }
                    ));
                }
                if d.maintenance {
                    title.push_str(", maintenance");
                }
                json!({ "date": d.date.to_string(), "level": d.level(), "title": title })
            })
            .collect();
        json!({
            "id": c.id,
            "name": c.name,
            "description": c.description,
            "status": c.state.as_str(),
            "status_text": c.state.label(),
            "uptime_text": c.uptime_pct.map_or_else(|| "No data".into(), format_pct),
            "last_checked": c.last_checked.map(|t| t.to_rfc3339()),
            "last_checked_text": c.last_checked.map_or_else(|| "not yet".into(), when),
            "avg_response_text": ms(c.avg_ms),
            "days": days,
        })
    }

    fn incident(i: &IncidentData) -> serde_json::Value {
        let status = IncidentStatus::parse(&i.incident.status);
        let impact = Impact::parse(&i.incident.impact);
        json!({
            "id": i.incident.id,
            "title": i.incident.title,
            "status": status.as_str(),
            "status_text": status.label(),
            "impact": impact.as_str(),
            "impact_text": impact.label(),
            "started_at": i.incident.created_at.to_rfc3339(),
            "started_at_text": when(i.incident.created_at),
            "resolved_at": i.incident.resolved_at.map(|t| t.to_rfc3339()),
            "resolved_at_text": i.incident.resolved_at.map(when),
            "components": i.component_names,
            "updates": i.updates.iter().map(|u| json!({
                "status_text": IncidentStatus::parse(&u.status).label(),
                "message": u.message,
                "at": u.created_at.to_rfc3339(),
                "at_text": when(u.created_at),
            })).collect::<Vec<_>>(),
        })
    }

    /// The public page.
    pub fn page_html(&self, data: &PageData, subscriptions: bool) -> String {
        let overall_text = match data.overall {
            ComponentState::Operational => "All systems operational",
            ComponentState::UnderMaintenance => "Maintenance in progress",
            ComponentState::DegradedPerformance => "Degraded performance",
            ComponentState::PartialOutage => "Partial outage",
            ComponentState::MajorOutage => "Major outage",
        };
        let base = format!("/status/{}", data.page.slug);
        // Visitors report and subscribe on public pages only.
        let public = super::Visibility::parse(&data.page.visibility) == super::Visibility::Public;
        let components: Vec<serde_json::Value> = data
            .components()
            .filter(|_| public)
            .map(|c| json!({ "id": c.id, "name": c.name }))
            .collect();
        let ctx = json!({
            "page": Self::page_context(data),
            "overall": { "status": data.overall.as_str(), "text": overall_text },
            "stats": {
                "uptime_text": data.uptime_pct.map_or_else(|| "No data".into(), format_pct),
                "incidents_total": data.incidents_total,
                "avg_response_text": ms(data.avg_ms),
            },
            "sections": data.sections.iter().filter(|s| !s.components.is_empty()).map(|s| json!({
                "name": s.name,
                "components": s.components.iter().map(Self::component).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
            "active_incidents": data.active_incidents.iter().map(Self::incident).collect::<Vec<_>>(),
            "past_incidents": data.past_incidents.iter().map(Self::incident).collect::<Vec<_>>(),
            "maintenance": data.maintenance.iter().map(|m| json!({
                "name": m.name,
                "description": null,
                "start": m.start.to_rfc3339(),
                "start_text": when(m.start),
                "end": m.end.to_rfc3339(),
                "end_text": when(m.end),
                "in_progress": m.in_progress,
                "components": m.component_names,
            })).collect::<Vec<_>>(),
            "report": {
                "action": format!("{base}/reports"),
                "open": false,
                "components": components,
                "reasons": Reason::ALL.iter().map(|r| json!({ "value": r.as_str(), "label": r.label() })).collect::<Vec<_>>(),
            },
            "subscribe": { "enabled": subscriptions && public, "action": format!("{base}/subscribe") },
        });
        self.render(
            "page.html",
            context! { assets => self.assets.clone(), ..Value::from_serialize(&ctx) },
        )
    }

    /// A short page answering a form post or a link.
    pub fn message_html(
        &self,
        page: &crate::db::entities::status_page::Model,
        heading: &str,
        text: &str,
        ok: bool,
    ) -> String {
        self.render(
            "message.html",
            context! {
                assets => self.assets.clone(),
                page => Value::from_serialize(json!({
                    "title": page.title,
                    "theme": page.theme,
                    "base_path": format!("/status/{}", page.slug),
                })),
                heading => heading,
                text => text,
                ok => ok,
            },
        )
    }

    fn render(&self, name: &str, ctx: Value) -> String {
        match self.env.get_template(name).and_then(|t| t.render(ctx)) {
            Ok(html) => html,
            Err(err) => {
                tracing::error!(error = %err, template = name, "A status page template failed.");
                String::from(
                    "<!doctype html><title>Status</title><p>This page could not be shown.</p>",
                )
            }
        }
    }

    /// `summary.json` in the shape of Atlassian Statuspage's.
    pub fn summary_json(&self, data: &PageData, public_url: &str) -> Vec<u8> {
        let page = &data.page;
        let page_id = page.id.to_string();
        let mut components = Vec::new();
        let mut position = 0;
        for section in data.sections.iter().filter(|s| !s.components.is_empty()) {
            // A named section is a group component, as Statuspage has them.
            let group_id = section.name.as_ref().map(|name| {
                position += 1;
                let id = uuid::Uuid::new_v5(&page.id, name.as_bytes()).to_string();
                let worst = section
                    .components
                    .iter()
                    .map(|c| c.state)
                    .max()
                    .unwrap_or(ComponentState::Operational);
                components.push(json!({
                    "id": id, "name": name, "status": worst.as_str(),
                    "created_at": page.created_at, "updated_at": page.updated_at,
                    "position": position, "description": null, "showcase": false,
                    "start_date": null, "group_id": null, "page_id": page_id,
                    "group": true, "only_show_if_degraded": false,
                    "components": section.components.iter().map(|c| c.id).collect::<Vec<_>>(),
                }));
                id
            });
            for c in &section.components {
                position += 1;
                components.push(json!({
                    "id": c.id, "name": c.name, "status": c.state.as_str(),
                    "created_at": c.created_at, "updated_at": c.updated_at,
                    "position": position, "description": c.description, "showcase": true,
                    "start_date": c.created_at.date_naive(), "group_id": group_id,
                    "page_id": page_id, "group": false, "only_show_if_degraded": false,
                }));
            }
        }
        let incident = |i: &IncidentData| {
            let affected: Vec<uuid::Uuid> =
                serde_json::from_value(i.incident.components.clone()).unwrap_or_default();
            let affected: Vec<serde_json::Value> = data
                .components()
                .filter(|c| affected.contains(&c.id))
                .map(|c| json!({ "id": c.id, "name": c.name, "status": c.state.as_str() }))
                .collect();
            let monitoring_at = i
                .updates
                .iter()
                .filter(|u| u.status == "monitoring")
                .map(|u| u.created_at)
                .min();
            json!({
                "id": i.incident.id,
                "name": i.incident.title,
                "status": i.incident.status,
                "impact": i.incident.impact,
                "created_at": i.incident.created_at,
                "updated_at": i.incident.updated_at,
                "started_at": i.incident.created_at,
                "monitoring_at": monitoring_at,
                "resolved_at": i.incident.resolved_at,
                "shortlink": format!("{public_url}/status/{}#incident-{}", page.slug, i.incident.id),
                "page_id": page_id,
                "components": affected,
                "incident_updates": i.updates.iter().map(|u| json!({
                    "id": u.id, "status": u.status, "body": u.message,
                    "incident_id": u.incident_id, "created_at": u.created_at,
                    "updated_at": u.created_at, "display_at": u.created_at,
                    "affected_components": null,
                })).collect::<Vec<_>>(),
            })
        };
        let maintenances: Vec<serde_json::Value> = data
            .maintenance
            .iter()
            .map(|m| {
                let id = uuid::Uuid::new_v5(&m.window_id, m.start.to_rfc3339().as_bytes());
                json!({
                    "id": id,
                    "name": m.name,
                    "status": if m.in_progress { "in_progress" } else { "scheduled" },
                    "impact": "maintenance",
                    "created_at": m.start, "updated_at": m.start,
                    "started_at": m.start, "monitoring_at": null, "resolved_at": null,
                    "scheduled_for": m.start, "scheduled_until": m.end,
                    "shortlink": format!("{public_url}/status/{}", page.slug),
                    "page_id": page_id,
                    "components": data.components().filter(|c| m.component_ids.contains(&c.id))
                        .map(|c| json!({ "id": c.id, "name": c.name, "status": c.state.as_str() }))
                        .collect::<Vec<_>>(),
                    "incident_updates": [],
                })
            })
            .collect();
        let description = match data.indicator {
            Impact::None if data.overall == ComponentState::UnderMaintenance => {
                "Service Under Maintenance"
            }
            Impact::None => "All Systems Operational",
            Impact::Minor => "Minor Service Outage",
            Impact::Major => "Partial System Outage",
            Impact::Critical => "Major System Outage",
        };
        let updated_at = data
            .components()
            .map(|c| c.updated_at)
            .chain(data.active_incidents.iter().map(|i| i.incident.updated_at))
            .fold(page.updated_at, DateTime::max);
        let body = json!({
            "page": {
                "id": page_id,
                "name": page.title,
                "url": format!("{public_url}/status/{}", page.slug),
                "time_zone": "Etc/UTC",
                "updated_at": updated_at,
            },
            "components": components,
            "incidents": data.active_incidents.iter().map(incident).collect::<Vec<_>>(),
            "scheduled_maintenances": maintenances,
            "status": { "indicator": data.indicator.as_str(), "description": description },
        });
        serde_json::to_vec(&body).expect("a summary serializes")
    }

    /// The Atom feed: the page's incidents and announcements, newest first.
    pub fn atom(&self, data: &PageData, public_url: &str) -> String {
        let page = &data.page;
        let link = format!("{public_url}/status/{}", page.slug);
        let entries: Vec<serde_json::Value> = data
            .active_incidents
            .iter()
            .chain(data.past_incidents.iter())
            .map(|i| {
                let status = IncidentStatus::parse(&i.incident.status);
                let mut content = String::new();
                for u in &i.updates {
                    content.push_str(&format!(
                        "{} ({}): {}\n",
                        IncidentStatus::parse(&u.status).label(),
                        when(u.created_at),
                        u.message
                    ));
                }
                if !i.component_names.is_empty() {
                    content.push_str(&format!("Affected: {}\n", i.component_names.join(", ")));
                }
                json!({
                    "id": format!("urn:uuid:{}", i.incident.id),
                    "title": format!("{} [{}]", i.incident.title, status.label()),
                    "link": format!("{link}#incident-{}", i.incident.id),
                    "published": i.incident.created_at.to_rfc3339(),
                    "updated": i.incident.updated_at.to_rfc3339(),
                    "content": content.trim_end(),
                })
            })
            .collect();
        let updated = data
            .active_incidents
            .iter()
            .chain(data.past_incidents.iter())
            .map(|i| i.incident.updated_at)
            .fold(page.updated_at, DateTime::max);
        self.render(
            "feed.xml",
            Value::from_serialize(json!({
                "id": format!("urn:uuid:{}", page.id),
                "title": page.title,
                "subtitle": page.description,
                "link": link,
                "self_link": format!("{link}/feed.atom"),
                "updated": updated.to_rfc3339(),
                "entries": entries,
            })),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_naturally() {
        assert_eq!(duration_words(42), "42 s");
        assert_eq!(duration_words(600), "10 min");
        assert_eq!(duration_words(3 * 3600 + 120), "3 h 2 min");
    }

    #[test]
    fn the_templates_load() {
        let renderer = Renderer::new();
        assert!(renderer.assets.get_attr("css").is_ok());
    }
}
