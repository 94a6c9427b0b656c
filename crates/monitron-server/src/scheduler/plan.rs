//! The plan of due checks: every enabled monitor's next due time, in a heap.
//!
//! Due times are slots on a fixed grid per monitor: `phase + k * interval` milliseconds
//! since the Unix epoch, where the phase comes from the monitor's id. So:
//! - monitors with the same interval are spread evenly instead of firing together;
//! - checks keep a fixed rate (no drift), and a scheduler that fell behind skips the
//!   missed slots instead of firing a burst;
//! - every scheduler instance computes the same slot numbers, so a job can carry its slot
//!   and a check is never run twice for the same slot, even across a failover.
//!
//! Changing or removing a monitor does not search the heap: entries carry a generation,
//! and stale ones are dropped when they surface.

use std::cmp::Reverse;
use std::collections::hash_map::DefaultHasher;
use std::collections::{BinaryHeap, HashMap};
use std::hash::{Hash, Hasher};

use uuid::Uuid;

/// Milliseconds since the Unix epoch.
pub type Millis = i64;

/// A check to run now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Due {
    /// The monitor.
    pub monitor_id: Uuid,
    /// The slot number (unique per monitor and interval).
    pub slot: i64,
    /// When the slot was due; `now - due_at` is the schedule lag.
    pub due_at: Millis,
    /// Slots skipped because the scheduler fell behind.
    pub skipped: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Entry {
    due_at: Millis,
    monitor_id: Uuid,
    generation: u64,
    /// A start-up catch-up check, off the monitor's slot grid.
    catch_up: bool,
}

#[derive(Debug, Clone, Copy)]
struct Slotting {
    interval_ms: i64,
    phase_ms: i64,
    generation: u64,
}

impl Slotting {
    fn slot_at(&self, t: Millis) -> i64 {
        (t - self.phase_ms).div_euclid(self.interval_ms)
    }

    fn time_of(&self, slot: i64) -> Millis {
        self.phase_ms + slot * self.interval_ms
    }

    /// The first slot at or after `t`.
    fn first_slot_from(&self, t: Millis) -> i64 {
        let slot = self.slot_at(t);
        if self.time_of(slot) < t {
            slot + 1
        } else {
            slot
        }
    }
}

/// Every enabled monitor's next due time.
#[derive(Debug, Default)]
pub struct Plan {
    heap: BinaryHeap<Reverse<Entry>>,
    monitors: HashMap<Uuid, Slotting>,
    /// Catch-up checks at start-up are spread over this window (ms).
    catch_up_window_ms: i64,
    next_generation: u64,
}

/// A stable phase in `[0, interval)` derived from the monitor id.
fn phase_of(monitor_id: Uuid, interval_ms: i64) -> i64 {
    let mut hasher = DefaultHasher::new();
    monitor_id.hash(&mut hasher);
    (hasher.finish() % interval_ms as u64) as i64
}

impl Plan {
    /// An empty plan that spreads start-up catch-up checks over `catch_up_window_ms`.
    pub fn new(catch_up_window_ms: i64) -> Self {
        Self {
            catch_up_window_ms: catch_up_window_ms.max(1),
            ..Self::default()
        }
    }

    /// Monitors in the plan.
    pub fn len(&self) -> usize {
        self.monitors.len()
    }

    /// True when no monitor is planned.
    pub fn is_empty(&self) -> bool {
        self.monitors.is_empty()
    }

    /// Adds or reschedules a monitor. `last_checked` is when it was last checked (if ever):
    /// a monitor whose last check is older than its interval is due promptly, within the
    /// catch-up window; otherwise it is due at its next slot after the last check.
    pub fn upsert(
        &mut self,
        monitor_id: Uuid,
        interval_ms: i64,
        last_checked: Option<Millis>,
        now: Millis,
    ) {
        let interval_ms = interval_ms.max(1);
        self.next_generation += 1;
        let slotting = Slotting {
            interval_ms,
            phase_ms: phase_of(monitor_id, interval_ms),
            generation: self.next_generation,
        };
        let overdue = last_checked.is_none_or(|t| now - t >= interval_ms);
        let next_slot = slotting.time_of(slotting.first_slot_from(now));
        let (due_at, catch_up) = if overdue && next_slot - now > self.catch_up_window_ms {
            // The next slot is too far off: check within the catch-up window, spread by
            // the same stable hash, so a restart with 10,000 overdue monitors does not fire
            // them in the same millisecond.
            (
                now + phase_of(monitor_id, self.catch_up_window_ms.min(interval_ms)),
                true,
            )
        } else if overdue {
            // The slot grid itself comes soon enough (and is already spread by phase).
            (next_slot, false)
        } else {
            let after_last = last_checked.unwrap_or(now) + 1;
            (
                slotting.time_of(slotting.first_slot_from(after_last.max(now))),
                false,
            )
        };
        self.monitors.insert(monitor_id, slotting);
        self.heap.push(Reverse(Entry {
            due_at,
            monitor_id,
            generation: slotting.generation,
            catch_up,
        }));
    }

    /// Removes a monitor (paused, disabled or deleted).
    pub fn remove(&mut self, monitor_id: Uuid) {
        self.monitors.remove(&monitor_id);
    }

    /// When the next check is due, if any.
    pub fn next_due_at(&mut self) -> Option<Millis> {
        self.drop_stale();
        self.heap.peek().map(|Reverse(e)| e.due_at)
    }

    fn drop_stale(&mut self) {
        while let Some(Reverse(top)) = self.heap.peek() {
            let live = self
                .monitors
                .get(&top.monitor_id)
                .is_some_and(|s| s.generation == top.generation);
            if live {
                break;
            }
            self.heap.pop();
        }
    }

    /// Takes every check due at `now` and schedules each monitor's next slot.
    pub fn pop_due(&mut self, now: Millis) -> Vec<Due> {
        let mut due = Vec::new();
        loop {
            self.drop_stale();
            let Some(Reverse(entry)) = self.heap.peek().copied() else {
                break;
            };
            if entry.due_at > now {
                break;
            }
            self.heap.pop();
            let slotting = self.monitors[&entry.monitor_id];
            let slot = slotting.slot_at(entry.due_at);
            // The next slot strictly in the future: slots missed while behind are skipped.
            // After an off-grid catch-up check, the next regular one comes at least half
            // an interval later, so no two checks crowd into one interval.
            let mut next_slot = slotting.first_slot_from(now + 1).max(slot + 1);
            if entry.catch_up {
                next_slot = next_slot
                    .max(slotting.first_slot_from(entry.due_at + slotting.interval_ms / 2));
            }
            due.push(Due {
                monitor_id: entry.monitor_id,
                slot,
                due_at: entry.due_at,
                skipped: if entry.catch_up {
                    0
                } else {
                    next_slot - slot - 1
                },
            });
            self.heap.push(Reverse(Entry {
                due_at: slotting.time_of(next_slot),
                monitor_id: entry.monitor_id,
                generation: slotting.generation,
                catch_up: false,
            }));
        }
        due
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: Millis = 1_795_000_000_000;

    fn ids(n: usize) -> Vec<Uuid> {
        (0..n)
            .map(|i| Uuid::from_u128(0x0193_0000_0000_7000_8000_0000_0000_0000 + i as u128 * 7919))
            .collect()
    }

    #[test]
    fn ten_thousand_monitors_with_one_interval_are_spread_evenly() {
        let mut plan = Plan::new(30_000);
        for id in ids(10_000) {
            plan.upsert(id, 10_000, Some(NOW - 1), NOW);
        }
        // Over one interval, every monitor is due exactly once, and no 100 ms bucket holds
        // more than three times its fair share (100 per bucket).
        let mut per_bucket = vec![0u32; 100];
        let mut seen = 0;
        for step in 1..=100 {
            let now = NOW + step * 100;
            for d in plan.pop_due(now) {
                per_bucket[((d.due_at - NOW - 1).max(0) / 100) as usize % 100] += 1;
                seen += 1;
            }
        }
        assert_eq!(seen, 10_000);
        let max = *per_bucket.iter().max().unwrap();
        assert!(max < 300, "busiest 100 ms bucket has {max} checks");
    }

    #[test]
    fn checks_keep_a_fixed_rate_on_consecutive_slots() {
        let mut plan = Plan::new(1_000);
        let id = ids(1)[0];
        plan.upsert(id, 10_000, Some(NOW - 1), NOW);
        let first = plan.next_due_at().unwrap();
        assert!(first > NOW && first <= NOW + 10_000);
        let mut slots = Vec::new();
        for k in 0..5 {
            let due = plan.pop_due(first + k * 10_000);
            assert_eq!(due.len(), 1);
            assert_eq!(due[0].due_at, first + k * 10_000, "no drift");
            assert_eq!(due[0].skipped, 0);
            slots.push(due[0].slot);
        }
        assert!(slots.windows(2).all(|w| w[1] == w[0] + 1), "{slots:?}");
    }

    #[test]
    fn a_scheduler_that_fell_behind_skips_missed_slots_instead_of_bursting() {
        let mut plan = Plan::new(1_000);
        let id = ids(1)[0];
        plan.upsert(id, 10_000, Some(NOW - 1), NOW);
        let first = plan.next_due_at().unwrap();
        let late = first + 35_000;
        let due = plan.pop_due(late);
        assert_eq!(due.len(), 1, "one check, not four");
        assert_eq!(due[0].skipped, 3);
        let next = plan.next_due_at().unwrap();
        assert_eq!(next, first + 40_000);
        assert!(plan.pop_due(late).is_empty());
    }

    #[test]
    fn overdue_monitors_are_caught_up_promptly_and_spread() {
        let mut plan = Plan::new(5_000);
        let monitors = ids(1_000);
        for id in &monitors {
            plan.upsert(*id, 60_000, Some(NOW - 3_600_000), NOW);
        }
        let due = plan.pop_due(NOW + 5_000);
        assert_eq!(
            due.len(),
            1_000,
            "all overdue monitors run within the catch-up window"
        );
        let distinct: std::collections::HashSet<Millis> = due.iter().map(|d| d.due_at).collect();
        assert!(
            distinct.len() > 500,
            "spread over the window, not one instant"
        );
        // A recently checked monitor waits for its next slot (within one interval), not
        // the catch-up window.
        let mut fresh = Plan::new(5_000);
        fresh.upsert(monitors[0], 60_000, Some(NOW - 1_000), NOW);
        let due_at = fresh.next_due_at().unwrap();
        assert!(
            due_at > NOW && due_at <= NOW - 1_000 + 60_000,
            "{}",
            due_at - NOW
        );
    }

    #[test]
    fn a_catch_up_check_is_never_followed_within_half_an_interval() {
        for id in ids(200) {
            // Long interval: off-grid catch-up, then the grid at least 30 s later.
            let mut plan = Plan::new(5_000);
            plan.upsert(id, 60_000, Some(NOW - 3_600_000), NOW);
            let first = plan.pop_due(NOW + 5_000);
            assert_eq!(first.len(), 1);
            let next = plan.next_due_at().unwrap();
            assert!(
                next - first[0].due_at >= 30_000,
                "{}",
                next - first[0].due_at
            );
            // Short interval: the grid itself, so checks stay one interval apart.
            let mut plan = Plan::new(5_000);
            plan.upsert(id, 1_000, Some(NOW - 60_000), NOW);
            let a = plan.pop_due(NOW + 1_000);
            let b = plan.pop_due(NOW + 2_000);
            assert_eq!(b[0].due_at - a[0].due_at, 1_000);
        }
    }

    #[test]
    fn removed_and_changed_monitors_leave_no_stale_checks() {
        let mut plan = Plan::new(1_000);
        let [a, b] = ids(2)[..] else { unreachable!() };
        plan.upsert(a, 10_000, None, NOW);
        plan.upsert(b, 10_000, None, NOW);
        plan.remove(a);
        plan.upsert(b, 30_000, Some(NOW - 1), NOW);
        let due = plan.pop_due(NOW + 60_000);
        assert!(due.iter().all(|d| d.monitor_id == b), "{due:?}");
        assert_eq!(due.len(), 1, "b's old 10 s entry is gone");
        assert_eq!(plan.len(), 1);
    }

    #[test]
    fn every_instance_computes_the_same_slots() {
        let mut one = Plan::new(1_000);
        let mut two = Plan::new(1_000);
        for id in ids(50) {
            one.upsert(id, 10_000, Some(NOW - 1), NOW);
            two.upsert(id, 10_000, Some(NOW + 2_500), NOW + 3_000);
        }
        let mut a: Vec<(Uuid, i64, Millis)> = one
            .pop_due(NOW + 20_000)
            .into_iter()
            .map(|d| (d.monitor_id, d.slot, d.due_at))
            .collect();
        let b: Vec<(Uuid, i64, Millis)> = two
            .pop_due(NOW + 20_000)
            .into_iter()
            .map(|d| (d.monitor_id, d.slot, d.due_at))
            .collect();
        a.retain(|x| b.iter().any(|y| y.0 == x.0 && y.1 == x.1));
        assert!(!a.is_empty());
        for (id, slot, due_at) in &a {
            assert!(
                b.contains(&(*id, *slot, *due_at)),
                "same slot, same time on both instances"
            );
        }
    }
}
