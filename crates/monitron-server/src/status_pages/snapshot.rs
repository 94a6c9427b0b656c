//! Everything a status page shows, read in one go from the engine's catalog and the
//! database: the rendered page, its JSON and its feed are all made from a [`PageData`], so
//! they never disagree and a view costs no query.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use super::{component_ids, sections_of, ComponentState, Impact};
use crate::alerting::rules::Condition;
use crate::alerting::Alerting;
use crate::db::entities::{
    alert, incident, monitor_state, status_component, status_page, status_page_incident,
    status_page_incident_update,
};
use crate::engine::Engine;
use crate::history::query::{daily, totals};
use crate::monitors::domain::DomainStatus;
use crate::monitors::view::MonitorStatus;
use crate::monitors::{Kind, Runnable};

/// How far ahead upcoming maintenance is shown.
const MAINTENANCE_AHEAD_DAYS: i64 = 14;
/// Resolved page incidents shown at most.
const PAST_INCIDENTS: usize = 20;

/// A page, ready to render.
#[derive(Debug, Clone)]
pub struct PageData {
    /// The page's settings.
    pub page: status_page::Model,
    /// Sections with their shown components.
    pub sections: Vec<SectionData>,
    /// The page's state: the worst of its components (all out: major outage; some out:
    /// partial outage).
    pub overall: ComponentState,
    /// Statuspage's `status.indicator`.
    pub indicator: Impact,
    /// Uptime over the last 30 days, all components together.
    pub uptime_pct: Option<f64>,
    /// Incidents in the last 30 days: the components' own and the page's.
    pub incidents_total: i64,
    /// Mean response time over the last 30 days.
    pub avg_ms: Option<f64>,
    /// Open page incidents, newest first.
    pub active_incidents: Vec<IncidentData>,
    /// Resolved page incidents within the history window, newest first.
    pub past_incidents: Vec<IncidentData>,
    /// Maintenance in progress or starting within two weeks.
    pub maintenance: Vec<MaintenanceData>,
    /// When this was read.
    pub generated_at: DateTime<Utc>,
    /// The monitors shown (to invalidate on their changes).
    pub monitor_ids: HashSet<Uuid>,
    /// The groups of every monitor on the page, shown or paused: a private page needs a
    /// role on each.
    pub groups: Vec<Option<String>>,
}

impl PageData {
    /// Every shown component, in display order.
    pub fn components(&self) -> impl Iterator<Item = &ComponentData> {
        self.sections.iter().flat_map(|s| s.components.iter())
    }
}

/// A section.
#[derive(Debug, Clone)]
pub struct SectionData {
    /// Heading.
    pub name: Option<String>,
    /// Shown components (paused ones and those whose monitor is gone are left out).
    pub components: Vec<ComponentData>,
}

/// A component as shown.
#[derive(Debug, Clone)]
pub struct ComponentData {
    /// Component id.
    pub id: Uuid,
    /// Display name.
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// State now.
    pub state: ComponentState,
    /// Last check.
    pub last_checked: Option<DateTime<Utc>>,
    /// Mean response time over the last 30 days.
    pub avg_ms: Option<f64>,
    /// Uptime over the history window.
    pub uptime_pct: Option<f64>,
    /// One entry per day of the history window, oldest first.
    pub days: Vec<Day>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed (settings or state).
    pub updated_at: DateTime<Utc>,
}

/// One day of a component.
#[derive(Debug, Clone, PartialEq)]
pub struct Day {
    /// The day (UTC).
    pub date: NaiveDate,
    /// Uptime (None without results).
    pub uptime_pct: Option<f64>,
    /// Seconds down (from the monitor's incidents).
    pub down_s: i64,
    /// Incidents that started that day.
    pub incidents: i64,
    /// A maintenance window was open on the component that day.
    pub maintenance: bool,
}

impl Day {
    /// The bar's colour: `none`, `up`, `minor`, `major` or `maintenance`.
    pub fn level(&self) -> &'static str {
        match self.uptime_pct {
            None if self.maintenance => "maintenance",
            None => "none",
            Some(pct) if pct >= 99.95 && self.down_s < 60 => {
                if self.maintenance {
                    "maintenance"
                } else {
                    "up"
                }
            }
            Some(pct) if pct >= 95.0 => "minor",
            Some(_) => "major",
        }
    }
}

/// A page incident with its updates.
#[derive(Debug, Clone)]
pub struct IncidentData {
    /// The incident.
    pub incident: status_page_incident::Model,
    /// Its updates, newest first.
    pub updates: Vec<status_page_incident_update::Model>,
    /// Display names of the affected components on this page.
    pub component_names: Vec<String>,
}

/// Maintenance that touches the page.
#[derive(Debug, Clone)]
pub struct MaintenanceData {
    /// The window.
    pub window_id: Uuid,
    /// Its name.
    pub name: String,
    /// This occurrence.
    pub start: DateTime<Utc>,
    /// Its end.
    pub end: DateTime<Utc>,
    /// Open now.
    pub in_progress: bool,
    /// The components it covers.
    pub component_ids: Vec<Uuid>,
    /// Their display names.
    pub component_names: Vec<String>,
}

/// What a monitor's state publishes as; `None` for a paused monitor (left out).
pub fn state_of(
    monitor: &Runnable,
    row: Option<&monitor_state::Model>,
    latency_firing: bool,
    in_maintenance: bool,
) -> Option<ComponentState> {
    if !monitor.enabled {
        return None;
    }
    let status = row.map_or(MonitorStatus::Pending, |r| MonitorStatus::parse(&r.status));
    if in_maintenance || status == MonitorStatus::Maintenance {
        return Some(ComponentState::UnderMaintenance);
    }
    if status == MonitorStatus::Paused {
        return None;
    }
    if monitor.kind == Kind::Domain {
        let domain = row
            .and_then(|r| r.details.as_ref())
            .and_then(|d| serde_json::from_value::<DomainStatus>(d["status"].clone()).ok());
        return Some(match domain {
            None | Some(DomainStatus::Ok | DomainStatus::Warning) => ComponentState::Operational,
            Some(DomainStatus::Critical) => ComponentState::DegradedPerformance,
            Some(DomainStatus::Expired | DomainStatus::Error) => ComponentState::MajorOutage,
        });
    }
    Some(match status {
        MonitorStatus::Down => ComponentState::MajorOutage,
        _ if latency_firing => ComponentState::DegradedPerformance,
        _ => ComponentState::Operational,
    })
}

/// The page's state from its components' states.
pub fn overall_of(states: &[ComponentState]) -> (ComponentState, Impact) {
    if states.is_empty() {
        return (ComponentState::Operational, Impact::None);
    }
    let out = states
        .iter()
        .filter(|s| **s == ComponentState::MajorOutage)
        .count();
    if out == states.len() {
        return (ComponentState::MajorOutage, Impact::Critical);
    }
    if out > 0 {
        return (ComponentState::PartialOutage, Impact::Major);
    }
    if states.contains(&ComponentState::DegradedPerformance) {
        return (ComponentState::DegradedPerformance, Impact::Minor);
    }
    if states.contains(&ComponentState::UnderMaintenance) {
        return (ComponentState::UnderMaintenance, Impact::None);
    }
    (ComponentState::Operational, Impact::None)
}

/// The monitors with a firing latency alert, among `ids`.
pub async fn latency_firing(
    db: &DatabaseConnection,
    alerting: &Alerting,
    ids: &[Uuid],
) -> Result<HashSet<Uuid>, DbErr> {
    let rules: HashSet<Uuid> = alerting
        .rules()
        .iter()
        .filter(|r| matches!(r.condition, Condition::Latency { .. }))
        .map(|r| r.id)
        .collect();
    if rules.is_empty() || ids.is_empty() {
        return Ok(HashSet::new());
    }
    let rows = alert::Entity::find()
        .filter(alert::Column::TargetId.is_in(ids.iter().copied()))
        .filter(alert::Column::Status.eq("firing"))
        .filter(alert::Column::RuleId.is_in(rules))
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|a| a.target_id).collect())
}

/// The state rows of `ids`.
pub async fn states_of(
    db: &DatabaseConnection,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, monitor_state::Model>, DbErr> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(monitor_state::Entity::find()
        .filter(monitor_state::Column::MonitorId.is_in(ids.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.monitor_id, s))
        .collect())
}

fn day_start(date: NaiveDate) -> DateTime<Utc> {
    Utc.from_utc_datetime(&date.and_hms_opt(0, 0, 0).expect("midnight exists"))
}

/// Seconds of `[start, end)` within `date`.
fn overlap_s(start: DateTime<Utc>, end: DateTime<Utc>, date: NaiveDate) -> i64 {
    let from = day_start(date);
    let to = from + Duration::days(1);
    (end.min(to) - start.max(from)).num_seconds().max(0)
}

/// Reads a page.
pub async fn load(
    db: &DatabaseConnection,
    engine: &Engine,
    page: status_page::Model,
    now: DateTime<Utc>,
) -> Result<PageData, DbErr> {
    let sections = sections_of(&page.sections);
    let ids = component_ids(&sections);
    let components: HashMap<Uuid, status_component::Model> = if ids.is_empty() {
        HashMap::new()
    } else {
        status_component::Entity::find()
            .filter(status_component::Column::Id.is_in(ids.iter().copied()))
            .all(db)
            .await?
            .into_iter()
            .map(|c| (c.id, c))
            .collect()
    };
    let catalog = engine.catalog();
    let alerting = engine.alerting();
    let targets: HashMap<Uuid, std::sync::Arc<Runnable>> = components
        .values()
        .filter_map(|c| catalog.get(c.target_id).map(|m| (c.target_id, m)))
        .collect();
    let target_ids: Vec<Uuid> = targets.keys().copied().collect();
    let states = states_of(db, &target_ids).await?;
    let slow = latency_firing(db, alerting, &target_ids).await?;

    let history_days = i64::from(page.history_days.clamp(1, 90));
    let today = now.date_naive();
    let first_day = today - Duration::days(history_days - 1);
    let since = day_start(first_day).min(now - Duration::days(30));
    let monitor_incidents = if target_ids.is_empty() {
        Vec::new()
    } else {
        incident::Entity::find()
            .filter(incident::Column::MonitorId.is_in(target_ids.iter().copied()))
            .filter(
                incident::Column::ResolvedAt
                    .is_null()
                    .or(incident::Column::ResolvedAt.gte(since)),
            )
            .all(db)
            .await?
    };
    let mut incidents_by_monitor: HashMap<Uuid, Vec<&incident::Model>> = HashMap::new();
    for i in &monitor_incidents {
        incidents_by_monitor
            .entry(i.monitor_id)
            .or_default()
            .push(i);
    }

    let windows = alerting.windows();
    let mut shown = Vec::new();
    let mut month_checks = 0i64;
    let mut month_up = 0i64;
    let mut month_ms = (0.0f64, 0i64);
    let mut incidents_total = 0i64;
    let mut out_sections = Vec::new();
    for section in &sections {
        let mut out = Vec::new();
        for entry in &section.components {
            let Some(component) = components.get(&entry.component_id) else {
                continue;
            };
            let Some(monitor) = targets.get(&component.target_id) else {
                continue;
            };
            let row = states.get(&monitor.id);
            let covering: Vec<_> = windows
                .iter()
                .filter(|w| {
                    w.covers(
                        monitor.id,
                        monitor.kind,
                        monitor.group.as_deref(),
                        &monitor.labels,
                    )
                })
                .collect();
            let in_maintenance = covering.iter().any(|w| w.open_at(now).is_some());
            let Some(state) = state_of(monitor, row, slow.contains(&monitor.id), in_maintenance)
            else {
                continue;
            };
            let mine = incidents_by_monitor
                .get(&monitor.id)
                .map(Vec::as_slice)
                .unwrap_or_default();
            let starts: Vec<DateTime<Utc>> = mine.iter().map(|i| i.started_at).collect();
            let buckets = daily(db, monitor.series_id, history_days, now, &starts).await?;
            let month = totals(
                db,
                monitor.series_id,
                (now - Duration::days(30)).timestamp_millis(),
                30 * 86_400_000,
            )
            .await?;
            month_checks += month.checks;
            month_up += month.up;
            if let Some(avg) = month.avg_ms {
                month_ms.0 += avg * month.checks as f64;
                month_ms.1 += month.checks;
            }
            incidents_total += mine
                .iter()
                .filter(|i| i.started_at >= now - Duration::days(30))
                .count() as i64;
            let (mut window_checks, mut window_up) = (0i64, 0f64);
            let days: Vec<Day> = buckets
                .iter()
                .map(|b| {
                    window_checks += b.checks;
                    window_up += b.uptime_pct.unwrap_or(0.0) * b.checks as f64 / 100.0;
                    let from = day_start(b.date);
                    let to = from + Duration::days(1);
                    Day {
                        date: b.date,
                        uptime_pct: b.uptime_pct,
                        down_s: mine
                            .iter()
                            .map(|i| overlap_s(i.started_at, i.resolved_at.unwrap_or(now), b.date))
                            .sum(),
                        incidents: b.incidents,
                        // Only what a window covered once it existed.
                        maintenance: covering.iter().any(|w| {
                            let from = from.max(w.created_at);
                            from < to.min(now)
                                && !w.schedule.occurrences(w.tz, from, to.min(now)).is_empty()
                        }),
                    }
                })
                .collect();
            shown.push(state);
            out.push(ComponentData {
                id: component.id,
                name: component.display_name.clone(),
                description: component.description.clone(),
                state,
                last_checked: row.and_then(|r| r.last_checked_at),
                avg_ms: month.avg_ms,
                uptime_pct: (window_checks > 0).then(|| window_up * 100.0 / window_checks as f64),
                days,
                created_at: component.created_at,
                updated_at: row
                    .and_then(|r| r.status_since)
                    .map_or(component.updated_at, |s| s.max(component.updated_at)),
            });
        }
        out_sections.push(SectionData {
            name: section.name.clone(),
            components: out,
        });
    }

    // The page's own incidents and announcements.
    let page_incidents = status_page_incident::Entity::find()
        .filter(status_page_incident::Column::PageId.eq(page.id))
        .filter(
            status_page_incident::Column::ResolvedAt
                .is_null()
                .or(status_page_incident::Column::ResolvedAt.gte(day_start(first_day))),
        )
        .order_by_desc(status_page_incident::Column::CreatedAt)
        .all(db)
        .await?;
    let mut updates: HashMap<Uuid, Vec<status_page_incident_update::Model>> = HashMap::new();
    if !page_incidents.is_empty() {
        for u in status_page_incident_update::Entity::find()
            .filter(
                status_page_incident_update::Column::IncidentId
                    .is_in(page_incidents.iter().map(|i| i.id)),
            )
            .order_by_desc(status_page_incident_update::Column::CreatedAt)
            .all(db)
            .await?
        {
            updates.entry(u.incident_id).or_default().push(u);
        }
    }
    let name_of = |id: &Uuid| components.get(id).map(|c| c.display_name.clone());
    let mut active_incidents = Vec::new();
    let mut past_incidents = Vec::new();
    let mut indicator_from_incidents = Impact::None;
    for i in page_incidents {
        if i.created_at >= now - Duration::days(30) {
            incidents_total += 1;
        }
        let affected: Vec<Uuid> = serde_json::from_value(i.components.clone()).unwrap_or_default();
        let data = IncidentData {
            updates: updates.remove(&i.id).unwrap_or_default(),
            component_names: affected.iter().filter_map(name_of).collect(),
            incident: i,
        };
        if data.incident.resolved_at.is_none() {
            indicator_from_incidents =
                indicator_from_incidents.max(Impact::parse(&data.incident.impact));
            active_incidents.push(data);
        } else if past_incidents.len() < PAST_INCIDENTS {
            past_incidents.push(data);
        }
    }

    // Maintenance in progress or coming, for the shown monitors.
    let mut maintenance = Vec::new();
    for w in windows.iter() {
        let covered: Vec<&ComponentData> = out_sections
            .iter()
            .flat_map(|s| s.components.iter())
            .filter(|c| {
                components
                    .get(&c.id)
                    .and_then(|comp| targets.get(&comp.target_id))
                    .is_some_and(|m| w.covers(m.id, m.kind, m.group.as_deref(), &m.labels))
            })
            .collect();
        if covered.is_empty() {
            continue;
        }
        let next = w
            .schedule
            .occurrences(
                w.tz,
                now - Duration::days(7),
                now + Duration::days(MAINTENANCE_AHEAD_DAYS),
            )
            .into_iter()
            .find(|(_, end)| *end > now);
        if let Some((start, end)) = next {
            maintenance.push(MaintenanceData {
                window_id: w.id,
                name: w.name.clone(),
                start,
                end,
                in_progress: start <= now,
                component_ids: covered.iter().map(|c| c.id).collect(),
                component_names: covered.iter().map(|c| c.name.clone()).collect(),
            });
        }
    }
    maintenance.sort_by_key(|m| m.start);

    let (overall, mut indicator) = overall_of(&shown);
    indicator = indicator.max(indicator_from_incidents);
    Ok(PageData {
        monitor_ids: targets.keys().copied().collect(),
        groups: targets.values().map(|m| m.group.clone()).collect(),
        page,
        sections: out_sections,
        overall,
        indicator,
        uptime_pct: (month_checks > 0).then(|| month_up as f64 * 100.0 / month_checks as f64),
        incidents_total,
        avg_ms: (month_ms.1 > 0).then(|| month_ms.0 / month_ms.1 as f64),
        active_incidents,
        past_incidents,
        maintenance,
        generated_at: now,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_state_is_the_worst_of_its_components() {
        use ComponentState::*;
        assert_eq!(overall_of(&[]), (Operational, Impact::None));
        assert_eq!(
            overall_of(&[Operational, UnderMaintenance]),
            (UnderMaintenance, Impact::None)
        );
        assert_eq!(
            overall_of(&[Operational, DegradedPerformance]),
            (DegradedPerformance, Impact::Minor)
        );
        assert_eq!(
            overall_of(&[Operational, MajorOutage]),
            (PartialOutage, Impact::Major)
        );
        assert_eq!(
            overall_of(&[MajorOutage, MajorOutage]),
            (MajorOutage, Impact::Critical)
        );
    }

    #[test]
    fn day_bars_take_their_colour_from_uptime_and_maintenance() {
        let day = |pct: Option<f64>, down_s: i64, maintenance: bool| Day {
            date: NaiveDate::from_ymd_opt(2026, 11, 30).unwrap(),
            uptime_pct: pct,
            down_s,
            incidents: 0,
            maintenance,
        };
        assert_eq!(day(None, 0, false).level(), "none");
        assert_eq!(day(None, 0, true).level(), "maintenance");
        assert_eq!(day(Some(100.0), 0, false).level(), "up");
        assert_eq!(day(Some(100.0), 0, true).level(), "maintenance");
        assert_eq!(day(Some(99.0), 600, false).level(), "minor");
        assert_eq!(day(Some(50.0), 40_000, true).level(), "major");
    }

    #[test]
    fn downtime_is_cut_to_the_day() {
        let date = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
        let at = |h: u32| Utc.with_ymd_and_hms(2026, 11, 30, h, 0, 0).unwrap();
        assert_eq!(overlap_s(at(10), at(11), date), 3600);
        assert_eq!(overlap_s(at(0) - Duration::hours(2), at(1), date), 3600);
        assert_eq!(overlap_s(at(23), at(23) + Duration::hours(5), date), 3600);
        assert_eq!(
            overlap_s(at(0) - Duration::days(2), at(0) - Duration::days(1), date),
            0
        );
    }
}
