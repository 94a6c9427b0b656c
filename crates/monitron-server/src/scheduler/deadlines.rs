//! Heartbeat deadlines: when each heartbeat's status changes if no ping arrives first (the
//! last success plus its period and grace, or a `/start` plus grace), so the scheduler can
//! have it evaluated within a second of that moment instead of at its next interval.
//!
//! Pings may arrive at any API process, so the lease holder reads the states of heartbeat
//! monitors that changed since its last look, once a second (primary-key reads, and none
//! at all without heartbeats), and keeps the resulting deadlines in a heap.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

use chrono::{DateTime, Duration as ChronoDuration, Utc};
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::db::entities::monitor_state;
use crate::heartbeat::Pings;
use crate::monitors::view::MonitorStatus;
use crate::monitors::{Check, Runnable};
use crate::scheduler::plan::Millis;

/// States are read again this far back, so a write committed late is not missed.
const OVERLAP_MS: i64 = 3000;

/// Every enabled heartbeat's next deadline.
#[derive(Debug, Default)]
pub struct Deadlines {
    heap: BinaryHeap<Reverse<(Millis, Uuid)>>,
    at: HashMap<Uuid, Millis>,
    since: Option<DateTime<Utc>>,
}

impl Deadlines {
    /// Reads the states of `heartbeats` changed since the last refresh (all of them the
    /// first time) and plans each one's next deadline.
    pub async fn refresh(
        &mut self,
        db: &DatabaseConnection,
        heartbeats: &[std::sync::Arc<Runnable>],
        now: DateTime<Utc>,
    ) -> Result<(), DbErr> {
        if heartbeats.is_empty() {
            self.at.clear();
            self.heap.clear();
            return Ok(());
        }
        let by_id: HashMap<Uuid, &Runnable> =
            heartbeats.iter().map(|m| (m.id, m.as_ref())).collect();
        self.at.retain(|id, _| by_id.contains_key(id));
        let ids: Vec<Uuid> = by_id.keys().copied().collect();
        for chunk in crate::history::store::shaped_chunks(&ids, 256) {
            let mut query = monitor_state::Entity::find()
                .filter(monitor_state::Column::MonitorId.is_in(chunk.iter().copied()));
            if let Some(since) = self.since {
                query = query.filter(
                    monitor_state::Column::UpdatedAt
                        .gte(since - ChronoDuration::milliseconds(OVERLAP_MS)),
                );
            }
            for state in query.all(db).await? {
                if let Some(monitor) = by_id.get(&state.monitor_id) {
                    self.plan(monitor, &state, now);
                }
            }
        }
        self.since = Some(now);
        Ok(())
    }

    fn plan(&mut self, monitor: &Runnable, state: &monitor_state::Model, now: DateTime<Utc>) {
        let Check::Heartbeat(config) = &monitor.check else {
            return;
        };
        let pings = Pings {
            success: state.last_success_at,
            failure: state.last_failure_at,
            start: state.last_start_at,
        };
        let evaluation = config.evaluate(&pings, now);
        // Already past the deadline but not yet evaluated as such (a ping that moved it
        // earlier, or a deadline that passed while no process held the lease): evaluate
        // now, once. Further failures toward a threshold above one come at the interval.
        let due = match evaluation.changes_at {
            Some(at) => Some(at),
            None if evaluation.status == crate::heartbeat::Status::Down
                && MonitorStatus::parse(&state.status) != MonitorStatus::Down
                && state.consecutive_failures == 0 =>
            {
                Some(now)
            }
            None => None,
        };
        match due {
            Some(at) => {
                let at = at.timestamp_millis();
                if self.at.insert(monitor.id, at) != Some(at) {
                    self.heap.push(Reverse((at, monitor.id)));
                }
            }
            None => {
                self.at.remove(&monitor.id);
            }
        }
    }

    /// Reads every heartbeat's state at the next refresh, not only those changed since the
    /// last: after a catalog change a resumed or rescheduled heartbeat's deadline moves
    /// although its state did not.
    pub fn reload(&mut self) {
        self.since = None;
    }

    /// The earliest deadline.
    pub fn next_at(&mut self) -> Option<Millis> {
        while let Some(Reverse((at, id))) = self.heap.peek().copied() {
            if self.at.get(&id) == Some(&at) {
                return Some(at);
            }
            self.heap.pop();
        }
        None
    }

    /// The heartbeats whose deadline has come.
    pub fn pop_due(&mut self, now: Millis) -> Vec<Uuid> {
        let mut due = Vec::new();
        while let Some(at) = self.next_at() {
            if at > now {
                break;
            }
            if let Some(Reverse((_, id))) = self.heap.pop() {
                self.at.remove(&id);
                due.push(id);
            }
        }
        due
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn heartbeat(failure_threshold: u32) -> Runnable {
        Runnable {
            labels: Default::default(),
            depends_on: Vec::new(),
            id: Uuid::now_v7(),
            series_id: 1,
            kind: crate::monitors::Kind::Service,
            name: "nightly backup".into(),
            group: None,
            check: Check::Heartbeat(crate::heartbeat::Config {
                schedule: crate::heartbeat::Schedule::Every { every_s: 60 },
                grace_s: 30,
            }),
            enabled: true,
            interval_s: 60,
            timeout_s: 10,
            failure_threshold,
            success_threshold: 1,
            updated_at: Utc::now(),
        }
    }

    fn state(monitor: &Runnable, now: DateTime<Utc>, failures: i32) -> monitor_state::Model {
        monitor_state::Model {
            monitor_id: monitor.id,
            status: "up".into(),
            status_since: None,
            last_checked_at: None,
            last_response_ms: None,
            message: None,
            consecutive_failures: failures,
            consecutive_successes: if failures == 0 { 1 } else { 0 },
            details: None,
            last_start_at: None,
            last_success_at: Some(now - ChronoDuration::seconds(600)),
            last_failure_at: None,
            updated_at: now,
        }
    }

    #[test]
    fn an_overdue_heartbeat_is_evaluated_once_not_every_second() {
        let now = Utc::now();
        let monitor = heartbeat(3);
        let mut d = Deadlines::default();
        d.plan(&monitor, &state(&monitor, now, 0), now);
        assert_eq!(d.pop_due(now.timestamp_millis()), vec![monitor.id]);
        // The evaluation counted one failure; with a threshold of three the status stays
        // up, and the next failures come at the monitor's interval, not at each read.
        d.plan(&monitor, &state(&monitor, now, 1), now);
        assert_eq!(d.next_at(), None);
    }

    #[test]
    fn moved_deadlines_leave_no_stale_entries() {
        let mut d = Deadlines::default();
        let a = Uuid::now_v7();
        let b = Uuid::now_v7();
        for (id, at) in [(a, 5_000), (b, 3_000), (a, 2_000)] {
            d.at.insert(id, at);
            d.heap.push(Reverse((at, id)));
        }
        assert_eq!(d.next_at(), Some(2_000));
        assert_eq!(d.pop_due(2_500), vec![a]);
        assert_eq!(d.pop_due(4_000), vec![b]);
        assert_eq!(d.next_at(), None, "a's old 5 s entry was replaced");
    }
}
