//! Check history: raw results and their rollup tiers (1 minute, 1 hour, 1 day).
//!
//! Results never go through the ORM row by row. The engine's writer hands batches to
//! [`store`], which writes raw rows with one multi-row INSERT (COPY on PostgreSQL) and
//! folds the batch into every rollup tier with one additive upsert per tier, so uptime,
//! averages and charts over any window are read from the right tier without scanning raw
//! rows ([`query`]). [`retention`] keeps each tier to its configured age: on PostgreSQL
//! raw results live in daily partitions that are dropped whole.
//!
//! Every tier table is `(series_id, time in epoch ms, values...)` keyed by
//! `(series_id, time)`. TimescaleDB can take over as is: make `check_results` a
//! hypertable on `ts` (integer time, chunk interval one day) instead of a partitioned
//! table, and replace the writer's tier upserts with continuous aggregates over it.

pub mod host_metrics;
pub mod query;
pub mod retention;
pub mod store;

use std::time::Duration;

pub use crate::config::Retention;

/// A rollup tier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tier {
    /// One row per result.
    Raw,
    /// One row per minute.
    Minute,
    /// One row per hour.
    Hour,
    /// One row per UTC day.
    Day,
}

impl Tier {
    /// The rollup tiers, finest first.
    pub const ROLLUPS: [Tier; 3] = [Tier::Minute, Tier::Hour, Tier::Day];

    /// The table holding this tier.
    pub fn table(self) -> &'static str {
        match self {
            Self::Raw => "check_results",
            Self::Minute => "check_rollups_1m",
            Self::Hour => "check_rollups_1h",
            Self::Day => "check_rollups_1d",
        }
    }

    /// Bucket width in milliseconds (raw: 1).
    pub fn bucket_ms(self) -> i64 {
        match self {
            Self::Raw => 1,
            Self::Minute => 60_000,
            Self::Hour => 3_600_000,
            Self::Day => 86_400_000,
        }
    }

    /// The bucket containing `ts`.
    pub fn bucket_of(self, ts: i64) -> i64 {
        ts - ts.rem_euclid(self.bucket_ms())
    }
}

impl Tier {
    /// How long this tier is kept (`None`: as long as the monitor exists).
    pub fn kept(self, retention: &Retention) -> Option<Duration> {
        match self {
            Self::Raw => Some(retention.raw),
            Self::Minute => Some(retention.minute),
            Self::Hour => Some(retention.hour),
            Self::Day => None,
        }
    }
}

/// One check result as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct ResultRow {
    /// The monitor's series key.
    pub series_id: i64,
    /// When the check finished, epoch milliseconds.
    pub ts: i64,
    /// Whether it passed.
    pub up: bool,
    /// Response time in microseconds.
    pub response_us: Option<i32>,
    /// The message, kept for failures only (successes say the same thing every time).
    pub message: Option<String>,
    /// Taken during a maintenance window: stored, left out of uptime and incidents.
    pub maintenance: bool,
}

/// `text` cut to at most `max_chars` characters, for stored messages.
pub fn truncate(text: &str, max_chars: usize) -> String {
    match text.char_indices().nth(max_chars) {
        Some((end, _)) => text[..end].to_owned(),
        None => text.to_owned(),
    }
}

/// Microseconds from milliseconds, saturating.
pub fn micros(ms: Option<f64>) -> Option<i32> {
    ms.filter(|v| v.is_finite() && *v >= 0.0)
        .map(|v| (v * 1000.0).round().min(f64::from(i32::MAX)) as i32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_align_to_tier_boundaries() {
        let ts = 1_700_000_123_456;
        assert_eq!(Tier::Minute.bucket_of(ts), 1_700_000_100_000);
        assert_eq!(Tier::Hour.bucket_of(ts), 1_699_999_200_000);
        assert_eq!(Tier::Day.bucket_of(ts) % 86_400_000, 0);
        assert_eq!(Tier::Raw.bucket_of(ts), ts);
    }

    #[test]
    fn microseconds_are_bounded() {
        assert_eq!(micros(Some(1.5)), Some(1500));
        assert_eq!(micros(None), None);
        assert_eq!(micros(Some(f64::NAN)), None);
        assert_eq!(micros(Some(-1.0)), None);
        assert_eq!(micros(Some(1e12)), Some(i32::MAX));
    }
}
