//! Reachability probes (`AgentConfig.probes`): each a `monitron-probe` check on its own
//! interval, its results going to [`CheckResults`] with source `probe`.
//!
//! Running one probe once ([`run_once`]) is separate from the schedule ([`run`]), which
//! restarts every probe when the probe list changes and leaves them alone otherwise. First
//! runs are spread over the first seconds so that many probes do not fire together.

use std::sync::Arc;
use std::time::Duration;

use monitron_probe::{CheckConfig, Status};
use monitron_proto::config::ProbeSpec;
use monitron_proto::push::CheckResult;
use monitron_proto::AgentConfig;
use rand::Rng;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use crate::checks::CheckResults;
use crate::local_config::probe_check;

/// Runs `check` (built from `spec`) once and reports it as a probe result.
pub async fn run_once(spec: &ProbeSpec, check: &CheckConfig) -> CheckResult {
    let outcome = check
        .run(Duration::from_secs(u64::from(spec.timeout_s)))
        .await;
    CheckResult {
        name: spec.name.clone(),
        source: "probe".into(),
        check_type: spec.check_type.clone(),
        timestamp: chrono::Utc::now(),
        up: outcome.status == Status::Up,
        response_ms: outcome.response_ms,
        message: outcome.message,
        details: outcome.details,
    }
}

async fn schedule(spec: ProbeSpec, check: CheckConfig, results: Arc<CheckResults>) {
    let interval = Duration::from_secs(u64::from(spec.interval_s.max(1)));
    let spread = interval.min(Duration::from_secs(5));
    let delay = rand::thread_rng().gen_range(Duration::ZERO..=spread);
    tokio::time::sleep(delay).await;
    let mut ticks = tokio::time::interval(interval);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        results.record(run_once(&spec, &check).await);
    }
}

/// Runs the configured probes until `stop`, following configuration changes.
pub async fn run(
    mut config: watch::Receiver<Arc<AgentConfig>>,
    results: Arc<CheckResults>,
    stop: CancellationToken,
) {
    let mut running: Option<Vec<ProbeSpec>> = None;
    let mut tasks = tokio::task::JoinSet::new();
    loop {
        let probes = config.borrow_and_update().probes.clone();
        if running.as_ref() != Some(&probes) {
            tasks.abort_all();
            for spec in &probes {
                match probe_check(spec) {
                    Ok(check) => {
                        tasks.spawn(schedule(spec.clone(), check, results.clone()));
                    }
                    // The configuration was validated before it was taken; a probe type this
                    // agent does not know is the only way here.
                    Err(errors) => {
                        tracing::warn!(probe = %spec.name, errors = ?errors, "Probe skipped.")
                    }
                }
            }
            let names: Vec<String> = probes.iter().map(|p| p.name.clone()).collect();
            results.retain("probe", |name| names.iter().any(|n| n == name));
            tracing::info!(probes = probes.len(), "Probes scheduled.");
            running = Some(probes);
        }
        tokio::select! {
            _ = stop.cancelled() => break,
            changed = config.changed() => if changed.is_err() { break },
        }
    }
    tasks.abort_all();
}
