//! How results move a monitor between pending, up and down: down after
//! `failure_threshold` consecutive failures, up again after `success_threshold`
//! consecutive successes. Pure, so every edge is unit-tested.

use chrono::{DateTime, Utc};

use crate::monitors::view::MonitorStatus;

/// What the engine tracks per monitor between results.
#[derive(Debug, Clone, PartialEq)]
pub struct Tracked {
    /// Current status (pending, up or down).
    pub status: MonitorStatus,
    /// Since when.
    pub since: Option<DateTime<Utc>>,
    /// Consecutive failures.
    pub failures: u32,
    /// Consecutive successes.
    pub successes: u32,
}

impl Default for Tracked {
    fn default() -> Self {
        Self {
            status: MonitorStatus::Pending,
            since: None,
            failures: 0,
            successes: 0,
        }
    }
}

/// What a result did to the monitor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// Nothing beyond the counters.
    None,
    /// First status: up (from pending).
    FirstUp,
    /// Went down: an incident opens.
    WentDown,
    /// Recovered: the open incident resolves.
    Recovered,
}

impl Tracked {
    /// Applies one result.
    pub fn apply(
        &mut self,
        up: bool,
        at: DateTime<Utc>,
        failure_threshold: u32,
        success_threshold: u32,
    ) -> Change {
        if up {
            self.successes = self.successes.saturating_add(1);
            self.failures = 0;
        } else {
            self.failures = self.failures.saturating_add(1);
            self.successes = 0;
        }
        let change = match self.status {
            MonitorStatus::Down if up && self.successes >= success_threshold.max(1) => {
                Change::Recovered
            }
            MonitorStatus::Down => Change::None,
            _ if !up && self.failures >= failure_threshold.max(1) => Change::WentDown,
            MonitorStatus::Up => Change::None,
            _ if up => Change::FirstUp,
            _ => Change::None,
        };
        match change {
            Change::WentDown => self.status = MonitorStatus::Down,
            Change::Recovered | Change::FirstUp => self.status = MonitorStatus::Up,
            Change::None => {}
        }
        if change != Change::None {
            self.since = Some(at);
        }
        change
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(results: &[bool], failure: u32, success: u32) -> (Tracked, Vec<Change>) {
        let mut t = Tracked::default();
        let changes = results
            .iter()
            .map(|up| t.apply(*up, Utc::now(), failure, success))
            .collect();
        (t, changes)
    }

    #[test]
    fn default_thresholds_flip_on_each_change() {
        let (t, changes) = run(&[true, false, true], 1, 1);
        assert_eq!(
            changes,
            [Change::FirstUp, Change::WentDown, Change::Recovered]
        );
        assert_eq!(t.status, MonitorStatus::Up);
    }

    #[test]
    fn failure_threshold_needs_consecutive_failures() {
        let (t, changes) = run(&[true, false, false, true, false, false, false], 3, 1);
        assert_eq!(
            changes,
            [
                Change::FirstUp,
                Change::None,
                Change::None,
                Change::None,
                Change::None,
                Change::None,
                Change::WentDown
            ]
        );
        assert_eq!(t.status, MonitorStatus::Down);
        assert_eq!(t.failures, 3);
    }

    #[test]
    fn success_threshold_needs_consecutive_successes() {
        let (t, changes) = run(&[false, true, false, true, true], 1, 2);
        assert_eq!(
            changes,
            [
                Change::WentDown,
                Change::None,
                Change::None,
                Change::None,
                Change::Recovered
            ]
        );
        assert_eq!(t.status, MonitorStatus::Up);
    }

    #[test]
    fn pending_monitors_wait_for_the_threshold_before_going_down() {
        let (t, changes) = run(&[false, false], 3, 1);
        assert_eq!(changes, [Change::None, Change::None]);
        assert_eq!(t.status, MonitorStatus::Pending);
    }
}
