//! Processor usage from `/proc/stat` deltas and load averages from `/proc/loadavg`.
//!
//! Usage is the busy share of the ticks that passed since the previous sample, so it is an
//! average over the collection interval, not an instantaneous value. Without a previous
//! sample (or when no tick passed) the average since boot is reported instead of a guess.

use monitron_proto::snapshot::Cpu;
use procfs::{Current, CurrentSI};

use super::round2;

/// Busy and total ticks of one processor (or of all together).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Ticks {
    /// Ticks spent doing anything but idling or waiting for I/O.
    pub busy: u64,
    /// All ticks.
    pub total: u64,
}

impl Ticks {
    fn of(t: &procfs::CpuTime) -> Self {
        let idle = t.idle + t.iowait.unwrap_or(0);
        // guest and guest_nice are already counted in user and nice.
        let total = t.user
            + t.nice
            + t.system
            + idle
            + t.irq.unwrap_or(0)
            + t.softirq.unwrap_or(0)
            + t.steal.unwrap_or(0);
        Self {
            busy: total.saturating_sub(idle),
            total,
        }
    }

    /// Busy share between `previous` and `self`, 0-100.
    pub(crate) fn usage_since(self, previous: Option<Self>) -> f64 {
        let (busy, total) = match previous {
            Some(p) if self.total > p.total => {
                (self.busy.saturating_sub(p.busy), self.total - p.total)
            }
            _ => (self.busy, self.total),
        };
        if total == 0 {
            return 0.0;
        }
        round2((busy as f64 * 100.0 / total as f64).clamp(0.0, 100.0))
    }
}

/// Keeps the previous `/proc/stat` sample for the next delta.
#[derive(Debug, Default)]
pub(crate) struct CpuSampler {
    total: Option<Ticks>,
    cores: Vec<Ticks>,
}

impl CpuSampler {
    /// Reads the counters and reports usage since the previous call.
    pub(crate) fn sample(&mut self) -> Cpu {
        let mut cpu = Cpu::default();
        match procfs::KernelStats::current() {
            Ok(stats) => {
                let total = Ticks::of(&stats.total);
                cpu.usage_pct = total.usage_since(self.total);
                self.total = Some(total);
                let cores: Vec<Ticks> = stats.cpu_time.iter().map(Ticks::of).collect();
                // A processor going on- or offline shifts the list: start over rather than
                // compare different processors.
                let same_cores = cores.len() == self.cores.len();
                cpu.per_core_pct = cores
                    .iter()
                    .enumerate()
                    .map(|(i, t)| t.usage_since(same_cores.then(|| self.cores[i])))
                    .collect();
                self.cores = cores;
            }
            Err(err) => tracing::warn!(error = %err, "Cannot read /proc/stat."),
        }
        match procfs::LoadAverage::current() {
            Ok(load) => {
                cpu.load = [load.one, load.five, load.fifteen].map(|l| round2(f64::from(l)));
            }
            Err(err) => tracing::warn!(error = %err, "Cannot read /proc/loadavg."),
        }
        cpu
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usage_is_the_busy_share_of_the_ticks_in_between() {
        let before = Ticks {
            busy: 100,
            total: 400,
        };
        let after = Ticks {
            busy: 150,
            total: 600,
        };
        assert_eq!(after.usage_since(Some(before)), 25.0);
        assert_eq!(after.usage_since(None), 25.0, "since boot");
        assert_eq!(before.usage_since(Some(before)), 25.0, "no tick passed");
        assert_eq!(Ticks::default().usage_since(None), 0.0);
    }

    #[test]
    fn a_live_sample_is_within_bounds() {
        let mut sampler = CpuSampler::default();
        sampler.sample();
        let cpu = sampler.sample();
        assert!((0.0..=100.0).contains(&cpu.usage_pct));
        assert!(!cpu.per_core_pct.is_empty());
        assert!(cpu.per_core_pct.iter().all(|p| (0.0..=100.0).contains(p)));
    }
}
