//! Escalation: who else hears about an alert that nobody acknowledges.
//!
//! A policy is a list of steps `{delay_s, channels, users}`; `delay_s` counts from when
//! the alert fired. Step 1 goes out when the alert fires, each later step when the alert
//! is still unacknowledged and unresolved at its delay. With `repeat: N` the steps run N
//! more times; a run starts after the previous one's last step plus the gap between the
//! first two steps (five minutes for a one-step policy). The policy is copied into the
//! alert when it fires, so editing it never changes an escalation already running.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// One step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// Seconds after the alert fired.
    pub delay_s: u32,
    /// Channels to notify.
    #[serde(default)]
    pub channels: Vec<Uuid>,
    /// Users to e-mail at their address.
    #[serde(default)]
    pub users: Vec<Uuid>,
}

/// A policy as copied into an alert, with how far it has gone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Running {
    /// The policy.
    pub policy_id: Uuid,
    /// Its name.
    pub name: String,
    /// Its steps.
    pub steps: Vec<Step>,
    /// Extra runs.
    pub repeat: u32,
    /// The run the next step belongs to (0 first).
    pub round: u32,
    /// The next step's index.
    pub next: usize,
}

/// Gap before a one-step policy runs again.
const ONE_STEP_GAP_S: i64 = 300;

impl Running {
    /// Seconds one run lasts before the next starts.
    fn round_length(&self) -> i64 {
        let last = i64::from(self.steps.last().map_or(0, |s| s.delay_s));
        let gap = match self.steps.as_slice() {
            [first, second, ..] => i64::from(second.delay_s) - i64::from(first.delay_s),
            _ => ONE_STEP_GAP_S,
        };
        last + gap.max(60)
    }

    /// When the next step is due, if any remains.
    pub fn next_at(&self, fired_at: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let step = self.steps.get(self.next)?;
        if self.round > self.repeat {
            return None;
        }
        Some(
            fired_at
                + Duration::seconds(
                    i64::from(self.round) * self.round_length() + i64::from(step.delay_s),
                ),
        )
    }

    /// Takes the next step: returns it and moves on.
    pub fn advance(&mut self) -> Option<Step> {
        if self.round > self.repeat {
            return None;
        }
        let step = self.steps.get(self.next)?.clone();
        self.next += 1;
        if self.next >= self.steps.len() {
            self.next = 0;
            self.round += 1;
        }
        Some(step)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(delays: &[u32], repeat: u32) -> Running {
        Running {
            policy_id: Uuid::nil(),
            name: "p".into(),
            steps: delays
                .iter()
                .map(|d| Step {
                    delay_s: *d,
                    channels: vec![],
                    users: vec![],
                })
                .collect(),
            repeat,
            round: 0,
            next: 0,
        }
    }

    #[test]
    fn steps_follow_their_delays_and_repeat() {
        let fired = Utc::now();
        let mut p = policy(&[0, 300, 900], 1);
        let mut times = Vec::new();
        while let Some(at) = p.next_at(fired) {
            times.push((at - fired).num_seconds());
            p.advance();
        }
        // A run lasts 900 s plus the 300 s gap between the first two steps.
        assert_eq!(times, [0, 300, 900, 1200, 1500, 2100]);
        let mut single = policy(&[0], 0);
        assert!(single.advance().is_some());
        assert_eq!(single.next_at(fired), None);
    }
}
