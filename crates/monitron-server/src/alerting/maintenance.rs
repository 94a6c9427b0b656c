//! Maintenance windows: planned periods when targets are expected to fail. While a window
//! is open its monitors show `maintenance`; their checks still run and are stored, but they
//! open no incidents, fire no alerts and count for no uptime. When the window closes, a
//! monitor still failing goes down and alerts then.
//!
//! Schedules: `once` (two instants), `weekly` (weekdays at a local time), `monthly` (days
//! of the month, or `last`, at a local time) and `cron`, each recurring one lasting
//! `duration_s`, in an IANA time zone. Local times are resolved the way people mean them
//! across DST changes: a time that does not exist that day (skipped by a spring-forward)
//! starts at the first instant after the gap, and one that happens twice starts at the
//! first.

use std::str::FromStr;

use chrono::{
    DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc, Weekday,
};
use chrono_tz::Tz;
use croner::Cron;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::rules::Selector;
use crate::db::entities::maintenance_window;
use crate::error::FieldErrors;
use crate::monitors::Kind;

/// Longest recurring window: a week.
pub const MAX_DURATION_S: u32 = 7 * 86_400;
/// Most occurrences one listing returns.
pub const MAX_OCCURRENCES: usize = 1000;

/// A day of the month: a number, or the month's last day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum MonthDay {
    /// 1-31 (months without that day are skipped).
    Day(u32),
    /// `"last"`.
    Last(Last),
}

/// The word `last`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Last {
    /// The month's last day.
    Last,
}

/// When a window is open.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "type", rename_all = "lowercase", deny_unknown_fields)]
pub enum Schedule {
    /// Once, between two instants.
    Once {
        /// Start (RFC 3339).
        start: DateTime<Utc>,
        /// End (RFC 3339), after the start.
        end: DateTime<Utc>,
    },
    /// On these weekdays at a local time.
    Weekly {
        /// `mon` ... `sun`.
        #[schema(value_type = Vec<String>)]
        weekdays: Vec<Weekday>,
        /// Local `HH:MM`.
        start_time: String,
        /// Length in seconds.
        duration_s: u32,
    },
    /// On these days of the month at a local time.
    Monthly {
        /// 1-31 or `"last"`.
        days: Vec<MonthDay>,
        /// Local `HH:MM`.
        start_time: String,
        /// Length in seconds.
        duration_s: u32,
    },
    /// When a cron expression fires (local time), for `duration_s`.
    Cron {
        /// Five or six fields.
        cron: String,
        /// Length in seconds.
        duration_s: u32,
    },
}

fn parse_time(text: &str) -> Option<NaiveTime> {
    NaiveTime::parse_from_str(text, "%H:%M")
        .or_else(|_| NaiveTime::parse_from_str(text, "%H:%M:%S"))
        .ok()
}

impl Schedule {
    /// Checks the schedule; errors are keyed `schedule.<field>`.
    pub fn validate(&self, errors: &mut FieldErrors) {
        let mut duration = |d: u32| {
            if d == 0 || d > MAX_DURATION_S {
                errors.insert(
                    "schedule.duration_s".into(),
                    format!("must be between 1 and {MAX_DURATION_S}"),
                );
            }
        };
        match self {
            Self::Once { start, end } => {
                if end <= start {
                    errors.insert("schedule.end".into(), "must be after schedule.start".into());
                }
            }
            Self::Weekly {
                weekdays,
                start_time,
                duration_s,
            } => {
                duration(*duration_s);
                if weekdays.is_empty() {
                    errors.insert("schedule.weekdays".into(), "needs at least one day".into());
                }
                if parse_time(start_time).is_none() {
                    errors.insert(
                        "schedule.start_time".into(),
                        "must be a local time HH:MM".into(),
                    );
                }
            }
            Self::Monthly {
                days,
                start_time,
                duration_s,
            } => {
                duration(*duration_s);
                if days.is_empty() {
                    errors.insert("schedule.days".into(), "needs at least one day".into());
                }
                for (i, day) in days.iter().enumerate() {
                    if let MonthDay::Day(d) = day {
                        if !(1..=31).contains(d) {
                            errors.insert(
                                format!("schedule.days[{i}]"),
                                "must be 1-31 or \"last\"".into(),
                            );
                        }
                    }
                }
                if parse_time(start_time).is_none() {
                    errors.insert(
                        "schedule.start_time".into(),
                        "must be a local time HH:MM".into(),
                    );
                }
            }
            Self::Cron { cron, duration_s } => {
                duration(*duration_s);
                if let Err(err) = Cron::from_str(cron) {
                    errors.insert(
                        "schedule.cron".into(),
                        format!("is not a valid cron expression: {err}"),
                    );
                }
            }
        }
    }

    /// The longest an occurrence lasts.
    fn max_duration(&self) -> Duration {
        match self {
            Self::Once { start, end } => *end - *start,
            Self::Weekly { duration_s, .. }
            | Self::Monthly { duration_s, .. }
            | Self::Cron { duration_s, .. } => Duration::seconds(i64::from(*duration_s)),
        }
    }

    /// Occurrences overlapping `[from, to)`, in order, at most [`MAX_OCCURRENCES`].
    pub fn occurrences(
        &self,
        tz: Tz,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
        let mut out = Vec::new();
        if to <= from {
            return out;
        }
        let length = self.max_duration();
        // Occurrences that started before `from` may still be open at `from`.
        let scan_from = from - length;
        let push = |start: DateTime<Utc>, end: DateTime<Utc>, out: &mut Vec<_>| {
            if end > from && start < to && out.len() < MAX_OCCURRENCES {
                out.push((start, end));
            }
        };
        match self {
            Self::Once { start, end } => push(*start, *end, &mut out),
            Self::Weekly { start_time, .. } | Self::Monthly { start_time, .. } => {
                let Some(time) = parse_time(start_time) else {
                    return out;
                };
                let first = scan_from.with_timezone(&tz).date_naive() - Duration::days(1);
                let last = to.with_timezone(&tz).date_naive();
                let mut day = first;
                while day <= last && out.len() < MAX_OCCURRENCES {
                    if self.on(day) {
                        let start = resolve_local(tz, day.and_time(time));
                        push(start, start + length, &mut out);
                    }
                    day = day.succ_opt().expect("dates go on");
                }
            }
            Self::Cron { cron, .. } => {
                let Ok(cron) = Cron::from_str(cron) else {
                    return out;
                };
                let mut cursor = scan_from.with_timezone(&tz);
                while out.len() < MAX_OCCURRENCES {
                    let Ok(next) = cron.find_next_occurrence(&cursor, false) else {
                        break;
                    };
                    let start = next.with_timezone(&Utc);
                    if start >= to {
                        break;
                    }
                    push(start, start + length, &mut out);
                    cursor = next;
                }
            }
        }
        out
    }

    /// Whether a recurring schedule has an occurrence on this local date.
    fn on(&self, day: NaiveDate) -> bool {
        match self {
            Self::Weekly { weekdays, .. } => weekdays.contains(&day.weekday()),
            Self::Monthly { days, .. } => days.iter().any(|d| match d {
                MonthDay::Day(n) => day.day() == *n,
                MonthDay::Last(_) => day
                    .succ_opt()
                    .is_none_or(|next| next.month() != day.month()),
            }),
            Self::Once { .. } | Self::Cron { .. } => false,
        }
    }
}

/// The instant a local wall-clock time names: the first of two (a DST fall-back), or the
/// first instant after the gap for a time that was skipped (a spring-forward).
pub fn resolve_local(tz: Tz, local: NaiveDateTime) -> DateTime<Utc> {
    let mut probe = local;
    for _ in 0..(4 * 60) {
        match tz.from_local_datetime(&probe) {
            chrono::LocalResult::Single(t) => return t.with_timezone(&Utc),
            chrono::LocalResult::Ambiguous(first, _) => return first.with_timezone(&Utc),
            chrono::LocalResult::None => probe += Duration::minutes(1),
        }
    }
    Utc.from_utc_datetime(&local)
}

/// A window as the engine uses it.
#[derive(Debug, Clone, PartialEq)]
pub struct Window {
    /// Id.
    pub id: uuid::Uuid,
    /// Name.
    pub name: String,
    /// Which monitors.
    pub targets: Selector,
    /// When.
    pub schedule: Schedule,
    /// Where local times are read.
    pub tz: Tz,
    /// When the window was made (it covers nothing before).
    pub created_at: DateTime<Utc>,
}

impl Window {
    /// The engine's view of an active window; `None` if it does not parse.
    pub fn from_row(row: &maintenance_window::Model) -> Option<Self> {
        Some(Self {
            id: row.id,
            name: row.name.clone(),
            targets: serde_json::from_value(row.targets.clone()).ok()?,
            schedule: serde_json::from_value(row.schedule.clone()).ok()?,
            tz: Tz::from_str(&row.timezone).ok()?,
            created_at: row.created_at,
        })
    }

    /// The occurrence open at `now`, if any.
    pub fn open_at(&self, now: DateTime<Utc>) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        self.schedule
            .occurrences(self.tz, now, now + Duration::milliseconds(1))
            .into_iter()
            .find(|(start, end)| *start <= now && now < *end)
    }

    /// Whether the window covers a monitor.
    pub fn covers(
        &self,
        id: uuid::Uuid,
        kind: Kind,
        group: Option<&str>,
        labels: &std::collections::BTreeMap<String, String>,
    ) -> bool {
        self.targets.matches(id, kind, group, labels)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn schedule(v: serde_json::Value) -> Schedule {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn weekly_windows_follow_local_time_across_dst() {
        // Sundays 02:30 in Berlin: 2026-03-29 is the spring-forward day (02:00 -> 03:00),
        // so that day's window starts at 03:00 local (01:00 UTC); the week before at 01:30 UTC.
        let s = schedule(
            json!({ "type": "weekly", "weekdays": ["sun"], "start_time": "02:30", "duration_s": 3600 }),
        );
        let tz: Tz = "Europe/Berlin".parse().unwrap();
        let got = s.occurrences(tz, utc("2026-03-20T00:00:00Z"), utc("2026-04-06T00:00:00Z"));
        let starts: Vec<String> = got.iter().map(|(s, _)| s.to_rfc3339()).collect();
        assert_eq!(
            starts,
            [
                "2026-03-22T01:30:00+00:00",
                "2026-03-29T01:00:00+00:00",
                "2026-04-05T00:30:00+00:00"
            ]
        );
        // Fall back (2026-10-25, 03:00 -> 02:00): 02:30 happens twice; the first is used.
        let got = s.occurrences(tz, utc("2026-10-24T00:00:00Z"), utc("2026-10-26T00:00:00Z"));
        assert_eq!(got[0].0.to_rfc3339(), "2026-10-25T00:30:00+00:00");
        assert_eq!(got[0].1 - got[0].0, Duration::hours(1));
    }

    #[test]
    fn monthly_last_day_and_missing_days() {
        let s = schedule(
            json!({ "type": "monthly", "days": [31, "last"], "start_time": "23:00", "duration_s": 7200 }),
        );
        let got = s.occurrences(
            Tz::UTC,
            utc("2026-01-01T00:00:00Z"),
            utc("2026-05-01T00:00:00Z"),
        );
        let starts: Vec<String> = got
            .iter()
            .map(|(s, _)| s.format("%m-%d").to_string())
            .collect();
        // December's last window is still open when the span starts; January's 31st is
        // also its last day (one window); February has no 31st.
        assert_eq!(starts, ["12-31", "01-31", "02-28", "03-31", "04-30"]);
    }

    #[test]
    fn cron_windows_and_open_checks() {
        let s = schedule(json!({ "type": "cron", "cron": "0 3 * * *", "duration_s": 1800 }));
        let w = Window {
            id: uuid::Uuid::nil(),
            name: "n".into(),
            targets: Selector::any(),
            schedule: s,
            tz: "America/New_York".parse().unwrap(),
            created_at: utc("2026-01-01T00:00:00Z"),
        };
        // 03:00 New York in winter is 08:00 UTC.
        assert!(w.open_at(utc("2026-01-10T08:10:00Z")).is_some());
        assert!(w.open_at(utc("2026-01-10T08:30:00Z")).is_none());
        assert!(w.open_at(utc("2026-01-10T07:59:59Z")).is_none());
    }

    #[test]
    fn bad_schedules_name_their_fields() {
        let mut errors = FieldErrors::new();
        schedule(json!({ "type": "once", "start": "2026-01-02T00:00:00Z", "end": "2026-01-01T00:00:00Z" })).validate(&mut errors);
        assert!(errors.contains_key("schedule.end"));
        let mut errors = FieldErrors::new();
        schedule(json!({ "type": "cron", "cron": "61 * * * *", "duration_s": 60 }))
            .validate(&mut errors);
        assert!(errors.contains_key("schedule.cron"), "{errors:?}");
        let mut errors = FieldErrors::new();
        schedule(json!({ "type": "monthly", "days": [0], "start_time": "25:00", "duration_s": 0 }))
            .validate(&mut errors);
        assert!(
            errors.contains_key("schedule.days[0]")
                && errors.contains_key("schedule.start_time")
                && errors.contains_key("schedule.duration_s"),
            "{errors:?}"
        );
    }
}
