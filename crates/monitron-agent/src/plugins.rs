//! Plugins: executables in the plugins directory (`MONITRON_AGENT_PLUGINS_DIR`), each run
//! every `plugins.interval_s` and killed after `plugins.timeout_s`. What a plugin prints on
//! stdout is JSON:
//!
//! ```json
//! { "metrics": [ { "name": "queue_depth", "value": 12, "unit": "jobs" } ],
//!   "checks":  [ { "name": "db", "up": true, "message": "ok", "response_ms": 3.2 } ] }
//! ```
//!
//! Both lists are optional. Metrics join every snapshot's `custom` list (with the plugin's
//! name) until the plugin's next run; each check becomes a result named
//! `<plugin>/<check>` with source `plugin`. Every run also reports one result named after
//! the plugin itself: up when it ran cleanly, down with the reason when it exited non-zero,
//! hung, printed something that is not the schema, or printed too much.
//!
//! A plugin can never hold the agent: it runs in its own process group, which is killed as a
//! whole on timeout (so a shell script's children go too); output beyond [`MAX_STDOUT`] is
//! read and thrown away so the plugin cannot block on a full pipe. Files that are hidden, not
//! executable, or writable by group or others are not run (the last is reported: anyone who
//! can write such a file could run code as the agent). Plugins get the agent's environment
//! without its secrets (password, API key, HMAC secret, enrollment token).

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use monitron_proto::push::CheckResult;
use monitron_proto::snapshot::CustomMetric;
use monitron_proto::AgentConfig;
use serde::Deserialize;
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use crate::cache::MetricsCache;
use crate::checks::CheckResults;

/// Most bytes of stdout parsed.
pub const MAX_STDOUT: usize = 256 * 1024;
/// Most bytes of stderr kept for the failure message.
const MAX_STDERR: usize = 2 * 1024;
/// Most metrics and most checks one run may report.
pub const MAX_ITEMS: usize = 200;
/// Plugins run at the same time.
const CONCURRENCY: usize = 4;

/// What a plugin prints.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PluginOutput {
    /// Values for the snapshot's `custom` list.
    #[serde(default)]
    pub metrics: Vec<PluginMetric>,
    /// Check results.
    #[serde(default)]
    pub checks: Vec<PluginCheck>,
}

/// One value.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PluginMetric {
    /// Unique within the plugin.
    pub name: String,
    /// The value.
    pub value: f64,
    /// Free text (`ms`, `jobs`).
    #[serde(default)]
    pub unit: Option<String>,
}

/// One check result.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PluginCheck {
    /// Unique within the plugin.
    pub name: String,
    /// Whether it passed.
    pub up: bool,
    /// Short human text.
    #[serde(default)]
    pub message: String,
    /// Time taken.
    #[serde(default)]
    pub response_ms: Option<f64>,
    /// Anything else worth keeping.
    #[serde(default)]
    pub details: serde_json::Value,
}

/// What one run of a plugin produced.
#[derive(Debug)]
pub struct PluginRun {
    /// The plugin's file name.
    pub plugin: String,
    /// Its parsed output, or why there is none.
    pub output: Result<PluginOutput, String>,
    /// How long it ran.
    pub took: Duration,
}

fn valid_name(name: &str) -> bool {
    (1..=100).contains(&name.chars().count()) && !name.chars().any(char::is_control)
}

/// Parses and checks a plugin's stdout.
pub fn parse_output(stdout: &[u8]) -> Result<PluginOutput, String> {
    let output: PluginOutput = serde_json::from_slice(stdout)
        .map_err(|err| format!("output is not the plugin JSON schema: {err}"))?;
    if output.metrics.len() > MAX_ITEMS || output.checks.len() > MAX_ITEMS {
        return Err(format!("more than {MAX_ITEMS} metrics or checks"));
    }
    if let Some(bad) = output.metrics.iter().find(|m| !valid_name(&m.name)) {
        return Err(format!(
            "metric name {:?} must be 1-100 characters",
            bad.name
        ));
    }
    if let Some(bad) = output.metrics.iter().find(|m| !m.value.is_finite()) {
        return Err(format!("metric {} is not a finite number", bad.name));
    }
    if let Some(bad) = output.checks.iter().find(|c| !valid_name(&c.name)) {
        return Err(format!(
            "check name {:?} must be 1-100 characters",
            bad.name
        ));
    }
    Ok(output)
}

/// Reads at most `cap` bytes, then drains the rest. Says whether anything was cut.
async fn read_capped(mut from: impl AsyncRead + Unpin, cap: usize) -> (Vec<u8>, bool) {
    let mut kept = Vec::new();
    let mut chunk = [0u8; 8192];
    let mut cut = false;
    loop {
        match from.read(&mut chunk).await {
            Ok(0) | Err(_) => return (kept, cut),
            Ok(n) => {
                let room = cap.saturating_sub(kept.len());
                kept.extend_from_slice(&chunk[..n.min(room)]);
                cut |= n > room;
            }
        }
    }
}

fn kill_group(pid: Option<u32>) {
    if let Some(pid) = pid.and_then(|p| i32::try_from(p).ok()) {
        // SAFETY: kill only sends a signal; -pid addresses the plugin's own process group.
        unsafe {
            libc::kill(-pid, libc::SIGKILL);
        }
    }
}

/// Runs one plugin once.
pub async fn run_plugin(path: &Path, timeout: Duration) -> PluginRun {
    let plugin = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let started = Instant::now();
    let output = execute(path, timeout).await;
    PluginRun {
        plugin,
        output,
        took: started.elapsed(),
    }
}

/// The agent's secrets, kept from plugins' environment.
const SECRET_VARIABLES: &[&str] = &[
    "MONITRON_AGENT_PASSWORD",
    "MONITRON_AGENT_API_KEY",
    "MONITRON_AGENT_HMAC_SECRET",
    "MONITRON_AGENT_TOKEN",
];

async fn execute(path: &Path, timeout: Duration) -> Result<PluginOutput, String> {
    let mut command = tokio::process::Command::new(path);
    for variable in SECRET_VARIABLES {
        command.env_remove(variable);
    }
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(true)
        .spawn()
        .map_err(|err| format!("cannot start: {err}"))?;
    let pid = child.id();
    let stdout = child.stdout.take().expect("stdout piped");
    let stderr = child.stderr.take().expect("stderr piped");
    let finished = tokio::time::timeout(timeout, async {
        let (out, err, status) = tokio::join!(
            read_capped(stdout, MAX_STDOUT),
            read_capped(stderr, MAX_STDERR),
            child.wait()
        );
        (out, err, status)
    })
    .await;
    let ((stdout, cut), (stderr, _), status) = match finished {
        Ok(done) => done,
        Err(_) => {
            kill_group(pid);
            let _ = child.wait().await;
            return Err(format!(
                "timed out after {} s and was killed",
                timeout.as_secs_f64()
            ));
        }
    };
    let status = status.map_err(|err| format!("cannot wait for it: {err}"))?;
    if !status.success() {
        let stderr = String::from_utf8_lossy(&stderr);
        let stderr = stderr.trim();
        let code = status
            .code()
            .map_or_else(|| "a signal".to_owned(), |c| format!("status {c}"));
        return Err(if stderr.is_empty() {
            format!("exited with {code}")
        } else {
            format!("exited with {code}: {stderr}")
        });
    }
    if cut {
        return Err(format!("printed more than {MAX_STDOUT} bytes"));
    }
    parse_output(&stdout)
}

/// Plugin files in `dir`: regular, not hidden, executable. Those writable by group or
/// others are returned as refused.
pub fn discover(dir: &Path) -> (Vec<PathBuf>, Vec<(PathBuf, String)>) {
    let mut runnable = Vec::new();
    let mut refused = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return (runnable, refused);
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let hidden = entry.file_name().to_string_lossy().starts_with('.');
        let Ok(meta) = std::fs::metadata(&path) else {
            continue;
        };
        let mode = meta.permissions().mode();
        if hidden || !meta.is_file() || mode & 0o111 == 0 {
            continue;
        }
        if mode & 0o022 != 0 {
            refused.push((
                path,
                "refused: the file is writable by group or others".into(),
            ));
        } else {
            runnable.push(path);
        }
    }
    runnable.sort();
    refused.sort();
    (runnable, refused)
}

/// Turns a run into metrics (kept by `cache`) and results.
pub fn report(run: PluginRun, cache: &MetricsCache, results: &CheckResults) {
    let now = chrono::Utc::now();
    let took_ms = run.took.as_secs_f64() * 1000.0;
    let plugin_result = |up: bool, message: String| CheckResult {
        name: run.plugin.clone(),
        source: "plugin".into(),
        check_type: "plugin".into(),
        timestamp: now,
        up,
        response_ms: Some(took_ms),
        message,
        details: serde_json::Value::Null,
    };
    match run.output {
        Ok(output) => {
            let metrics = output
                .metrics
                .into_iter()
                .map(|m| CustomMetric {
                    plugin: run.plugin.clone(),
                    name: m.name,
                    value: m.value,
                    unit: m.unit,
                })
                .collect::<Vec<_>>();
            let summary = format!("{} metrics, {} checks", metrics.len(), output.checks.len());
            cache.set_custom(&run.plugin, metrics);
            for check in output.checks {
                results.record(CheckResult {
                    name: format!("{}/{}", run.plugin, check.name),
                    source: "plugin".into(),
                    check_type: "plugin".into(),
                    timestamp: now,
                    up: check.up,
                    response_ms: check.response_ms,
                    message: check.message,
                    details: check.details,
                });
            }
            results.record(plugin_result(true, summary));
        }
        Err(reason) => {
            tracing::warn!(plugin = %run.plugin, reason = %reason, "Plugin failed.");
            cache.set_custom(&run.plugin, Vec::new());
            results.record(plugin_result(false, reason));
        }
    }
}

/// Runs every plugin in `dir` once, a few at a time.
pub async fn run_all(dir: &Path, timeout: Duration, cache: &MetricsCache, results: &CheckResults) {
    let (runnable, refused) = discover(dir);
    for (path, reason) in refused {
        let plugin = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        report(
            PluginRun {
                plugin,
                output: Err(reason),
                took: Duration::ZERO,
            },
            cache,
            results,
        );
    }
    let limit = Arc::new(tokio::sync::Semaphore::new(CONCURRENCY));
    let mut runs = tokio::task::JoinSet::new();
    for path in runnable {
        let limit = limit.clone();
        runs.spawn(async move {
            let _permit = limit.acquire_owned().await;
            run_plugin(&path, timeout).await
        });
    }
    while let Some(run) = runs.join_next().await {
        if let Ok(run) = run {
            report(run, cache, results);
        }
    }
}

/// Runs the plugins every `plugins.interval_s` until `stop`.
pub async fn run(
    dir: PathBuf,
    config: watch::Receiver<Arc<AgentConfig>>,
    cache: Arc<MetricsCache>,
    results: Arc<CheckResults>,
    stop: CancellationToken,
) {
    loop {
        let settings = config.borrow().plugins.clone();
        let timeout = Duration::from_secs(u64::from(settings.timeout_s.max(1)));
        let interval = Duration::from_secs(u64::from(settings.interval_s.max(1)));
        let started = tokio::time::Instant::now();
        tokio::select! {
            _ = stop.cancelled() => return,
            () = run_all(&dir, timeout, &cache, &results) => {}
        }
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tokio::time::sleep_until(started + interval) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_follows_the_schema() {
        let ok = parse_output(
            br#"{"metrics":[{"name":"q","value":3,"unit":"jobs"}],"checks":[{"name":"db","up":false,"message":"down"}]}"#,
        )
        .unwrap();
        assert_eq!(ok.metrics[0].value, 3.0);
        assert!(!ok.checks[0].up);
        parse_output(b"{}").unwrap();
        for bad in [
            &b"hello"[..],
            br#"{"metrics":[{"name":"q"}]}"#,
            br#"{"metrics":[{"name":"","value":1}]}"#,
            br#"{"gauges":[]}"#,
            br#"{"checks":[{"name":"x","up":"yes"}]}"#,
        ] {
            assert!(
                parse_output(bad).is_err(),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[tokio::test]
    async fn output_beyond_the_cap_is_drained_not_kept() {
        let data = vec![b'x'; MAX_STDOUT + 10_000];
        let (kept, cut) = read_capped(&data[..], MAX_STDOUT).await;
        assert_eq!(kept.len(), MAX_STDOUT);
        assert!(cut);
        let (kept, cut) = read_capped(&b"small"[..], MAX_STDOUT).await;
        assert_eq!((kept.as_slice(), cut), (&b"small"[..], false));
    }
}
