//! Heartbeat (cron job) monitors, with Healthchecks semantics: the job pings Monitron; the
//! monitor is down when no success arrives within the schedule plus a grace period, when a
//! started run does not finish within the grace period, or when the job reports failure.
//!
//! Evaluation is a pure function of the pings received and the current time, so it is
//! exact to test (including across daylight-saving changes) and the scheduler knows when a
//! verdict would next change without polling.

use std::str::FromStr;

use chrono::{DateTime, Duration, Utc};
use croner::Cron;
use serde::{Deserialize, Serialize};

use crate::error::FieldErrors;

/// Longest period between pings: one year.
pub const MAX_PERIOD_S: u32 = 366 * 86_400;
/// Longest grace period: 30 days.
pub const MAX_GRACE_S: u32 = 30 * 86_400;

/// When pings are expected.
#[derive(utoipa::ToSchema, Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
#[schema(as = HeartbeatSchedule)]
pub enum Schedule {
    /// Every `every_s` seconds after the previous success.
    Every {
        /// Period in seconds.
        every_s: u32,
    },
    /// At the times of a cron expression, in a time zone.
    Cron {
        /// Five- or six-field cron expression (`0 2 * * *`).
        cron: String,
        /// IANA time zone (`Europe/Berlin`); UTC when absent.
        #[serde(default = "utc")]
        timezone: String,
    },
}

fn utc() -> String {
    "UTC".into()
}

/// Settings of a heartbeat monitor.
#[derive(utoipa::ToSchema, Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[schema(as = HeartbeatCheck)]
pub struct Config {
    /// When pings are expected.
    pub schedule: Schedule,
    /// How late a ping may be, and how long a started run may take, in seconds.
    #[serde(default = "default_grace")]
    pub grace_s: u32,
}

fn default_grace() -> u32 {
    3600
}

/// The last pings of each kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pings {
    /// Last success (plain ping, or exit code 0).
    pub success: Option<DateTime<Utc>>,
    /// Last reported failure (`/fail` or a non-zero exit code).
    pub failure: Option<DateTime<Utc>>,
    /// Last `/start`.
    pub start: Option<DateTime<Utc>>,
}

/// A heartbeat's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// No ping yet.
    Pending,
    /// Pinging on time (or running within its grace period).
    Up,
    /// Late, stuck or failed.
    Down,
}

/// What the pings say at a given time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evaluation {
    /// The state.
    pub status: Status,
    /// Why, in a sentence.
    pub message: String,
    /// When the state changes if no ping arrives first (None: only a ping can change it).
    pub changes_at: Option<DateTime<Utc>>,
}

impl Config {
    /// Checks the settings, naming each bad field.
    pub fn validate(&self) -> Result<(), FieldErrors> {
        let mut errors = FieldErrors::new();
        match &self.schedule {
            Schedule::Every { every_s } => {
                if !(1..=MAX_PERIOD_S).contains(every_s) {
                    errors.insert(
                        "schedule.every_s".into(),
                        format!("must be between 1 and {MAX_PERIOD_S}"),
                    );
                }
            }
            Schedule::Cron { cron, timezone } => {
                if let Err(err) = Cron::from_str(cron) {
                    errors.insert(
                        "schedule.cron".into(),
                        format!("is not a valid cron expression: {err}"),
                    );
                }
                if chrono_tz::Tz::from_str(timezone).is_err() {
                    errors.insert(
                        "schedule.timezone".into(),
                        "is not an IANA time zone such as Europe/Berlin".into(),
                    );
                }
            }
        }
        if self.grace_s > MAX_GRACE_S {
            errors.insert("grace_s".into(), format!("must be at most {MAX_GRACE_S}"));
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    /// The first time a ping is expected after `after` (None for an invalid schedule or
    /// a cron expression that never fires again).
    pub fn next_due(&self, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        match &self.schedule {
            Schedule::Every { every_s } => Some(after + Duration::seconds(i64::from(*every_s))),
            Schedule::Cron { cron, timezone } => {
                let cron = Cron::from_str(cron).ok()?;
                let tz = chrono_tz::Tz::from_str(timezone).ok()?;
                let next = cron
                    .find_next_occurrence(&after.with_timezone(&tz), false)
                    .ok()?;
                Some(next.with_timezone(&Utc))
            }
        }
    }

    fn grace(&self) -> Duration {
        Duration::seconds(i64::from(self.grace_s))
    }

    /// The state at `now` given the last pings.
    pub fn evaluate(&self, pings: &Pings, now: DateTime<Utc>) -> Evaluation {
        let latest = [pings.success, pings.failure, pings.start]
            .into_iter()
            .flatten()
            .max();
        let Some(latest) = latest else {
            return Evaluation {
                status: Status::Pending,
                message: "waiting for the first ping".into(),
                changes_at: None,
            };
        };
        if pings.failure == Some(latest) {
            return Evaluation {
                status: Status::Down,
                message: format!("the job reported a failure at {}", rfc3339(latest)),
                changes_at: None,
            };
        }
        if pings.start == Some(latest) && pings.success != Some(latest) {
            let deadline = latest + self.grace();
            return if now >= deadline {
                Evaluation {
                    status: Status::Down,
                    message: format!(
                        "started at {} and not finished within {} s",
                        rfc3339(latest),
                        self.grace_s
                    ),
                    changes_at: None,
                }
            } else {
                Evaluation {
                    status: Status::Up,
                    message: format!("running since {}", rfc3339(latest)),
                    changes_at: Some(deadline),
                }
            };
        }
        let Some(due) = self.next_due(latest) else {
            return Evaluation {
                status: Status::Up,
                message: "no further ping is scheduled".into(),
                changes_at: None,
            };
        };
        let deadline = due + self.grace();
        if now >= deadline {
            Evaluation {
                status: Status::Down,
                message: format!(
                    "no ping since {} (expected by {}, grace {} s)",
                    rfc3339(latest),
                    rfc3339(due),
                    self.grace_s
                ),
                changes_at: None,
            }
        } else {
            Evaluation {
                status: Status::Up,
                message: format!("next ping expected by {}", rfc3339(due)),
                changes_at: Some(deadline),
            }
        }
    }
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    fn every(every_s: u32, grace_s: u32) -> Config {
        Config {
            schedule: Schedule::Every { every_s },
            grace_s,
        }
    }

    fn cron(expr: &str, tz: &str, grace_s: u32) -> Config {
        Config {
            schedule: Schedule::Cron {
                cron: expr.into(),
                timezone: tz.into(),
            },
            grace_s,
        }
    }

    #[test]
    fn a_period_plus_grace_decides_lateness() {
        let c = every(3600, 300);
        let pinged = at("2026-11-21T10:00:00Z");
        let pings = Pings {
            success: Some(pinged),
            ..Pings::default()
        };
        let on_time = c.evaluate(&pings, at("2026-11-21T11:04:59Z"));
        assert_eq!(
            (on_time.status, on_time.changes_at),
            (Status::Up, Some(at("2026-11-21T11:05:00Z")))
        );
        let late = c.evaluate(&pings, at("2026-11-21T11:05:00Z"));
        assert_eq!(late.status, Status::Down);
        assert_eq!(
            late.message,
            "no ping since 2026-11-21T10:00:00Z (expected by 2026-11-21T11:00:00Z, grace 300 s)"
        );
    }

    #[test]
    fn no_ping_yet_is_pending() {
        assert_eq!(
            every(60, 60)
                .evaluate(&Pings::default(), at("2026-11-21T10:00:00Z"))
                .status,
            Status::Pending
        );
    }

    #[test]
    fn reported_failures_are_down_until_the_next_success() {
        let c = every(3600, 300);
        let mut pings = Pings {
            success: Some(at("2026-11-21T09:00:00Z")),
            failure: Some(at("2026-11-21T10:00:00Z")),
            start: None,
        };
        let failed = c.evaluate(&pings, at("2026-11-21T10:00:01Z"));
        assert_eq!(
            (failed.status, failed.message.as_str()),
            (
                Status::Down,
                "the job reported a failure at 2026-11-21T10:00:00Z"
            )
        );
        pings.success = Some(at("2026-11-21T10:30:00Z"));
        assert_eq!(
            c.evaluate(&pings, at("2026-11-21T10:30:01Z")).status,
            Status::Up
        );
    }

    #[test]
    fn a_start_without_success_within_grace_is_down() {
        let c = every(86_400, 600);
        let mut pings = Pings {
            success: Some(at("2026-11-20T02:00:00Z")),
            failure: None,
            start: Some(at("2026-11-21T02:00:00Z")),
        };
        let running = c.evaluate(&pings, at("2026-11-21T02:09:59Z"));
        assert_eq!(
            (running.status, running.changes_at),
            (Status::Up, Some(at("2026-11-21T02:10:00Z")))
        );
        let stuck = c.evaluate(&pings, at("2026-11-21T02:10:00Z"));
        assert_eq!(stuck.status, Status::Down);
        assert!(stuck
            .message
            .starts_with("started at 2026-11-21T02:00:00Z and not finished"));
        pings.success = Some(at("2026-11-21T02:12:00Z"));
        assert_eq!(
            c.evaluate(&pings, at("2026-11-21T02:12:01Z")).status,
            Status::Up,
            "finishing late recovers"
        );
    }

    #[test]
    fn cron_schedules_follow_their_time_zone() {
        let pings = Pings {
            success: Some(at("2026-11-21T14:00:05Z")),
            ..Pings::default()
        };
        // 09:00 in New York is 14:00 UTC in November.
        let ny =
            cron("0 9 * * *", "America/New_York", 600).evaluate(&pings, at("2026-11-21T15:00:00Z"));
        assert_eq!(ny.changes_at, Some(at("2026-11-22T14:10:00Z")));
        let in_utc = cron("0 9 * * *", "UTC", 600).evaluate(&pings, at("2026-11-21T15:00:00Z"));
        assert_eq!(in_utc.changes_at, Some(at("2026-11-22T09:10:00Z")));
    }

    #[test]
    fn a_job_scheduled_in_the_spring_forward_gap_is_due_right_after_it() {
        // Berlin skips 02:00-03:00 on 2026-03-29; a 02:30 job runs at 03:00 CEST (01:00 UTC).
        let c = cron("30 2 * * *", "Europe/Berlin", 600);
        let pings = Pings {
            success: Some(at("2026-03-28T01:30:10Z")),
            ..Pings::default()
        };
        let e = c.evaluate(&pings, at("2026-03-29T01:05:00Z"));
        assert_eq!(
            (e.status, e.changes_at),
            (Status::Up, Some(at("2026-03-29T01:10:00Z"))),
            "{e:?}"
        );
        assert_eq!(
            c.evaluate(&pings, at("2026-03-29T01:10:00Z")).status,
            Status::Down
        );
    }

    #[test]
    fn a_job_in_the_repeated_fall_back_hour_is_due_once() {
        // Berlin repeats 02:00-03:00 on 2026-10-25. After the 02:30 CEST run (00:30 UTC), the
        // next run is the next day's 02:30 CET (01:30 UTC), not the repeated 02:30 an hour later.
        let c = cron("30 2 * * *", "Europe/Berlin", 600);
        let pings = Pings {
            success: Some(at("2026-10-25T00:30:05Z")),
            ..Pings::default()
        };
        let e = c.evaluate(&pings, at("2026-10-25T01:45:00Z"));
        assert_eq!(
            (e.status, e.changes_at),
            (Status::Up, Some(at("2026-10-26T01:40:00Z"))),
            "{e:?}"
        );
    }

    #[test]
    fn validation_names_fields() {
        let bad = Config {
            schedule: Schedule::Cron {
                cron: "61 * * * *".into(),
                timezone: "Mars/Olympus".into(),
            },
            grace_s: MAX_GRACE_S + 1,
        };
        let errors = bad.validate().unwrap_err();
        for field in ["schedule.cron", "schedule.timezone", "grace_s"] {
            assert!(errors.contains_key(field), "{field}: {errors:?}");
        }
        assert!(every(0, 0)
            .validate()
            .unwrap_err()
            .contains_key("schedule.every_s"));
        let parsed: Config =
            serde_json::from_value(serde_json::json!({ "schedule": { "cron": "*/5 * * * *" } }))
                .unwrap();
        assert_eq!(
            parsed.schedule,
            Schedule::Cron {
                cron: "*/5 * * * *".into(),
                timezone: "UTC".into()
            }
        );
        assert_eq!(parsed.grace_s, 3600);
        let parsed: Config = serde_json::from_value(
            serde_json::json!({ "schedule": { "every_s": 300 }, "grace_s": 60 }),
        )
        .unwrap();
        parsed.validate().unwrap();
    }
}
