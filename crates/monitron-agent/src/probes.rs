//! Reachability probes (`AgentConfig.probes`): each a `monitron-probe` check on its own
//! interval, its results going to [`CheckResults`] with source `probe`.
//!
//! Running one probe once ([`run_once`], or [`ProbeRunner::run`] with the limits below) is
//! separate from the schedule ([`run`]), which restarts every probe when the probe list
//! changes and leaves them alone otherwise. First runs are spread over the first seconds so
//! that many probes do not fire together.
//!
//! A traceroute holds a blocking thread for as long as it runs (up to its timeout), and the
//! agent's blocking pool is small: collection and buffer I/O need it too. So traceroutes run
//! one at a time ([`TRACEROUTES_AT_ONCE`]); the others wait their turn, and their timeout
//! starts when it comes.

use std::sync::Arc;
use std::time::Duration;

use monitron_probe::{CheckConfig, Outcome, Status};
use monitron_proto::config::ProbeSpec;
use monitron_proto::push::CheckResult;
use monitron_proto::AgentConfig;
use rand::Rng;
use tokio::sync::{watch, Semaphore};
use tokio_util::sync::CancellationToken;

use crate::checks::CheckResults;
use crate::local_config::probe_check;

/// Traceroutes running at once, at most (each holds a blocking thread throughout).
pub const TRACEROUTES_AT_ONCE: usize = 1;

fn result_of(spec: &ProbeSpec, outcome: Outcome) -> CheckResult {
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

/// Runs `check` (built from `spec`) once and reports it as a probe result.
pub async fn run_once(spec: &ProbeSpec, check: &CheckConfig) -> CheckResult {
    let outcome = check
        .run(Duration::from_secs(u64::from(spec.timeout_s)))
        .await;
    result_of(spec, outcome)
}

/// Runs probes within the agent's limits; clones share them.
#[derive(Debug, Clone)]
pub struct ProbeRunner {
    traceroutes: Arc<Semaphore>,
}

impl Default for ProbeRunner {
    fn default() -> Self {
        Self {
            traceroutes: Arc::new(Semaphore::new(TRACEROUTES_AT_ONCE)),
        }
    }
}

impl ProbeRunner {
    /// Runs `check` (built from `spec`) once, waiting for a turn if it is a traceroute.
    pub async fn run(&self, spec: &ProbeSpec, check: &CheckConfig) -> CheckResult {
        if !matches!(check, CheckConfig::Traceroute(_)) {
            return run_once(spec, check).await;
        }
        let permit = self
            .traceroutes
            .clone()
            .acquire_owned()
            .await
            .expect("the semaphore is never closed");
        // The run is a task of its own that keeps the permit until it is over: when the
        // schedule is aborted (the probe list changed), the blocking thread is still busy
        // until the traceroute's deadline, and the next traceroute must wait for it.
        let run = tokio::spawn({
            let (spec, check) = (spec.clone(), check.clone());
            async move {
                let _permit = permit;
                run_once(&spec, &check).await
            }
        });
        match run.await {
            Ok(result) => result,
            Err(err) => result_of(
                spec,
                Outcome::down(None, format!("the probe failed: {err}"), ()),
            ),
        }
    }
}

async fn schedule(
    spec: ProbeSpec,
    check: CheckConfig,
    runner: ProbeRunner,
    results: Arc<CheckResults>,
) {
    let interval = Duration::from_secs(u64::from(spec.interval_s.max(1)));
    let spread = interval.min(Duration::from_secs(5));
    let delay = rand::thread_rng().gen_range(Duration::ZERO..=spread);
    tokio::time::sleep(delay).await;
    let mut ticks = tokio::time::interval(interval);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        results.record(runner.run(&spec, &check).await);
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
    // One runner for every schedule, across changes: limits count runs still finishing.
    let runner = ProbeRunner::default();
    loop {
        let probes = config.borrow_and_update().probes.clone();
        if running.as_ref() != Some(&probes) {
            tasks.abort_all();
            for spec in &probes {
                match probe_check(spec) {
                    Ok(check) => {
                        tasks.spawn(schedule(
                            spec.clone(),
                            check,
                            runner.clone(),
                            results.clone(),
                        ));
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

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use super::*;

    fn probe(name: &str, check_type: &str, config: serde_json::Value) -> (ProbeSpec, CheckConfig) {
        let spec: ProbeSpec = serde_json::from_value(serde_json::json!({
            "name": name, "type": check_type, "config": config, "timeout_s": 5
        }))
        .unwrap();
        let check = probe_check(&spec).unwrap();
        (spec, check)
    }

    /// A traceroute to a loopback port where a UDP socket takes datagrams and never
    /// answers: its one hop waits out `hop_timeout_ms`.
    fn silent_traceroute(name: &str, port: u16) -> (ProbeSpec, CheckConfig) {
        probe(
            name,
            "traceroute",
            serde_json::json!({ "host": "127.0.0.1", "port": port, "max_hops": 1, "hop_timeout_ms": 400 }),
        )
    }

    /// Regression: every traceroute held a blocking thread for its whole run, and with
    /// several at once the agent's four blocking threads were all taken, leaving none for
    /// collection or the buffer.
    #[tokio::test]
    async fn traceroutes_run_one_at_a_time_and_other_probes_do_not_wait() {
        let silent = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let port = silent.local_addr().unwrap().port();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let tcp_port = listener.local_addr().unwrap().port();
        let runner = ProbeRunner::default();
        let (a, a_check) = silent_traceroute("a", port);
        let (b, b_check) = silent_traceroute("b", port);
        let (tcp, tcp_check) = probe(
            "tcp",
            "tcp",
            serde_json::json!({ "host": "127.0.0.1", "port": tcp_port }),
        );

        let started = Instant::now();
        let (ra, rb, rtcp) =
            tokio::join!(runner.run(&a, &a_check), runner.run(&b, &b_check), async {
                let result = runner.run(&tcp, &tcp_check).await;
                (result, started.elapsed())
            },);
        let elapsed = started.elapsed();

        assert!(!ra.up && !rb.up, "{ra:?} {rb:?}");
        assert!(
            elapsed >= Duration::from_millis(700),
            "two 400 ms traceroutes overlapped: {elapsed:?}"
        );
        let (rtcp, tcp_took) = rtcp;
        assert!(rtcp.up, "{rtcp:?}");
        assert!(
            tcp_took < Duration::from_millis(300),
            "the tcp probe waited for the traceroutes: {tcp_took:?}"
        );
    }

    #[tokio::test]
    async fn an_aborted_traceroute_keeps_its_turn_until_it_is_over() {
        let silent = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let port = silent.local_addr().unwrap().port();
        let runner = ProbeRunner::default();
        let (a, a_check) = silent_traceroute("a", port);
        let started = Instant::now();
        let first = tokio::spawn({
            let runner = runner.clone();
            async move { runner.run(&a, &a_check).await }
        });
        tokio::time::sleep(Duration::from_millis(50)).await;
        // The probe list changed: the schedule is aborted while the traceroute runs.
        first.abort();
        let (b, b_check) = silent_traceroute("b", port);
        let result = runner.run(&b, &b_check).await;
        assert!(!result.up);
        assert!(
            started.elapsed() >= Duration::from_millis(700),
            "the second traceroute started while the first still held its thread: {:?}",
            started.elapsed()
        );
    }
}
