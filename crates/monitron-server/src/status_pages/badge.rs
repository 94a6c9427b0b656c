//! SVG badges of a component: its status, and its uptime over 1, 7, 30 or 90 days, in
//! the flat two-part style READMEs use. Text is escaped; widths come from a table of
//! Verdana 11 px advances, so no font is needed to lay them out.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{DatabaseConnection, DbErr};
use uuid::Uuid;

use super::snapshot::{latency_firing, state_of, states_of};
use super::ComponentState;
use crate::db::entities::status_component;
use crate::engine::Engine;
use crate::history::query::totals;

/// The periods an uptime badge may cover, in days.
pub const UPTIME_DAYS: [u32; 4] = [1, 7, 30, 90];

/// What a component's badges show.
#[derive(Debug, Clone, PartialEq)]
pub struct BadgeData {
    /// The monitor behind the component.
    pub target_id: Uuid,
    /// The component's display name.
    pub name: String,
    /// Its state (None: paused or its monitor is gone).
    pub state: Option<ComponentState>,
    /// Uptime over each of [`UPTIME_DAYS`].
    pub uptime: [Option<f64>; 4],
}

/// Reads what a component's badges show.
pub async fn load(
    db: &DatabaseConnection,
    engine: &Engine,
    component: &status_component::Model,
    now: DateTime<Utc>,
) -> Result<BadgeData, DbErr> {
    let mut data = BadgeData {
        target_id: component.target_id,
        name: component.display_name.clone(),
        state: None,
        uptime: [None; 4],
    };
    let Some(monitor) = engine.catalog().get(component.target_id) else {
        return Ok(data);
    };
    let ids = [monitor.id];
    let states = states_of(db, &ids).await?;
    let slow = latency_firing(db, engine.alerting(), &ids).await?;
    let in_maintenance = engine.alerting().maintenance_of(&monitor, now).is_some();
    data.state = state_of(
        &monitor,
        states.get(&monitor.id),
        slow.contains(&monitor.id),
        in_maintenance,
    );
    for (slot, days) in data.uptime.iter_mut().zip(UPTIME_DAYS) {
        let window = Duration::days(i64::from(days));
        *slot = totals(
            db,
            monitor.series_id,
            (now - window).timestamp_millis(),
            window.num_milliseconds(),
        )
        .await?
        .uptime_pct();
    }
    Ok(data)
}

/// The advance of one character of Verdana at 11 px, in tenths of a pixel.
fn advance(c: char) -> u32 {
    match c {
        'i' | 'l' | '.' | ',' | ':' | ';' | '\'' | '|' | '!' => 31,
        'f' | 'j' | 'r' | 't' | ' ' | '(' | ')' | '[' | ']' | '-' => 43,
        'I' => 42,
        'm' | 'w' | 'M' | 'W' | '%' | '@' => 99,
        'A'..='Z' | '#' | '&' => 75,
        '0'..='9' => 70,
        _ if c.is_ascii() => 62,
        _ => 80,
    }
}

/// The width of `text` in whole pixels.
pub fn text_width(text: &str) -> u32 {
    text.chars().map(advance).sum::<u32>().div_ceil(10)
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// A two-part badge: `label` on grey, `value` on `colour`.
pub fn svg(label: &str, value: &str, colour: &str) -> String {
    let (lw, vw) = (text_width(label) + 10, text_width(value) + 10);
    let width = lw + vw;
    let (label, value) = (escape(label), escape(value));
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"20\" role=\"img\" aria-label=\"{label}: {value}\">\
<title>{label}: {value}</title>\
<linearGradient id=\"s\" x2=\"0\" y2=\"100%\"><stop offset=\"0\" stop-color=\"#bbb\" stop-opacity=\".1\"/><stop offset=\"1\" stop-opacity=\".1\"/></linearGradient>\
<clipPath id=\"r\"><rect width=\"{width}\" height=\"20\" rx=\"3\" fill=\"#fff\"/></clipPath>\
<g clip-path=\"url(#r)\"><rect width=\"{lw}\" height=\"20\" fill=\"#555\"/><rect x=\"{lw}\" width=\"{vw}\" height=\"20\" fill=\"{colour}\"/><rect width=\"{width}\" height=\"20\" fill=\"url(#s)\"/></g>\
<g fill=\"#fff\" text-anchor=\"middle\" font-family=\"Verdana,Geneva,DejaVu Sans,sans-serif\" font-size=\"11\">\
<text x=\"{lx}\" y=\"15\" fill=\"#010101\" fill-opacity=\".3\">{label}</text><text x=\"{lx}\" y=\"14\">{label}</text>\
<text x=\"{vx}\" y=\"15\" fill=\"#010101\" fill-opacity=\".3\">{value}</text><text x=\"{vx}\" y=\"14\">{value}</text></g></svg>",
        lx = f64::from(lw) / 2.0,
        vx = f64::from(lw) + f64::from(vw) / 2.0,
    )
}

/// The colour of a state.
pub fn state_colour(state: Option<ComponentState>) -> &'static str {
    match state {
        Some(ComponentState::Operational) => "#2e7d32",
        Some(ComponentState::DegradedPerformance) => "#b7791f",
        Some(ComponentState::PartialOutage) => "#c05621",
        Some(ComponentState::MajorOutage) => "#c62828",
        Some(ComponentState::UnderMaintenance) => "#1f5fbf",
        None => "#6b7280",
    }
}

/// The status badge.
pub fn status_svg(data: &BadgeData) -> String {
    let value = data.state.map_or("paused", |s| s.label());
    svg(&data.name, &value.to_lowercase(), state_colour(data.state))
}

/// The uptime badge over `days` (one of [`UPTIME_DAYS`]).
pub fn uptime_svg(data: &BadgeData, days: u32) -> Option<String> {
    let index = UPTIME_DAYS.iter().position(|d| *d == days)?;
    let pct = data.uptime[index];
    let value = pct.map_or_else(|| "no data".to_owned(), format_pct);
    let colour = match pct {
        None => "#6b7280",
        Some(p) if p >= 99.9 => "#2e7d32",
        Some(p) if p >= 99.0 => "#5a8f1c",
        Some(p) if p >= 95.0 => "#b7791f",
        Some(_) => "#c62828",
    };
    let label = if days == 1 {
        "uptime 24h".to_owned()
    } else {
        format!("uptime {days}d")
    };
    Some(svg(&label, &value, colour))
}

/// A percentage as people read uptime: 100%, 99.95%, 87.3%.
pub fn format_pct(pct: f64) -> String {
    if pct >= 99.995 {
        "100%".into()
    } else if pct >= 99.0 {
        format!("{:.2}%", (pct * 100.0).floor() / 100.0)
    } else {
        format!("{:.1}%", (pct * 10.0).floor() / 10.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(state: Option<ComponentState>) -> BadgeData {
        BadgeData {
            target_id: Uuid::now_v7(),
            name: "API <b>".into(),
            state,
            uptime: [Some(100.0), Some(99.954), None, Some(87.36)],
        }
    }

    #[test]
    fn badges_escape_their_text_and_size_to_it() {
        let svg = status_svg(&data(Some(ComponentState::MajorOutage)));
        assert!(svg.contains("API &lt;b&gt;"), "{svg}");
        assert!(!svg.contains("<b>"));
        assert!(svg.contains("major outage"));
        assert!(svg.contains("#c62828"));
        assert!(text_width("major outage") > text_width("up"));
    }

    #[test]
    fn uptime_badges_cover_the_allowed_periods_only() {
        let d = data(None);
        assert!(uptime_svg(&d, 1).unwrap().contains("100%"));
        assert!(uptime_svg(&d, 7).unwrap().contains("99.95%"));
        assert!(uptime_svg(&d, 30).unwrap().contains("no data"));
        assert!(uptime_svg(&d, 90).unwrap().contains("87.3%"));
        assert!(uptime_svg(&d, 14).is_none());
    }
}
