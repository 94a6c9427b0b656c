//! Engine benchmark: N HTTP monitors at interval I against a local target for D seconds,
//! measured from outside the server process; then Prometheus blackbox_exporter probing
//! the same target, for comparison. Prints one block of figures.
//!
//! Run it through `scripts/bench-engine.sh N I D` (it builds the release binaries);
//! `DATABASE_URL=postgres://...` benchmarks PostgreSQL instead of SQLite.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::routing::get;
use axum::Router;
use sea_orm::{ConnectionTrait, Database, DbBackend, Statement};

// Shared by the benchmarks; each uses part of it.
#[allow(dead_code)]
mod bench_support;
use bench_support::{cpu_seconds, free_port, memory_mib};
use serde_json::json;

struct Args {
    monitors: usize,
    interval_s: u64,
    duration_s: u64,
}

fn args() -> Args {
    let mut values = std::env::args()
        .skip(1)
        .map(|a| a.parse::<u64>().expect("numbers: N I D"));
    Args {
        monitors: values.next().unwrap_or(1000) as usize,
        interval_s: values.next().unwrap_or(10),
        duration_s: values.next().unwrap_or(60),
    }
}

/// Sum of a metric's samples whose line starts with `name` (any labels).
fn metric_sum(text: &str, name: &str) -> f64 {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter(|l| l.starts_with(name) && l[name.len()..].starts_with([' ', '{']))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

/// Cumulative histogram buckets `(le, count)` of `name`.
fn buckets(text: &str, name: &str) -> Vec<(f64, f64)> {
    let prefix = format!("{name}_bucket{{le=\"");
    text.lines()
        .filter_map(|l| {
            let rest = l.strip_prefix(&prefix)?;
            let (le, value) = rest.split_once("\"} ")?;
            let le = if le == "+Inf" {
                f64::INFINITY
            } else {
                le.parse().ok()?
            };
            Some((le, value.parse().ok()?))
        })
        .collect()
}

/// The bucket bound under which `q` of the observations between two snapshots fall.
fn quantile(before: &[(f64, f64)], after: &[(f64, f64)], q: f64) -> f64 {
    let deltas: Vec<(f64, f64)> = after
        .iter()
        .zip(before)
        .map(|((le, a), (_, b))| (*le, a - b))
        .collect();
    let total = deltas.last().map_or(0.0, |d| d.1);
    deltas
        .iter()
        .find(|(_, c)| *c >= q * total)
        .map_or(f64::NAN, |d| d.0)
}

async fn database_bytes(url: &str, data_dir: &std::path::Path) -> u64 {
    let db = Database::connect(url).await.unwrap();
    let bytes = if db.get_database_backend() == DbBackend::Postgres {
        db.query_one(Statement::from_string(
            DbBackend::Postgres,
            "SELECT CAST(pg_database_size(current_database()) AS BIGINT) AS n",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get::<i64>("", "n")
        .unwrap() as u64
    } else {
        db.execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)")
            .await
            .ok();
        ["monitron.db", "monitron.db-wal"]
            .iter()
            .filter_map(|f| std::fs::metadata(data_dir.join(f)).ok())
            .map(|m| m.len())
            .sum()
    };
    db.close().await.ok();
    bytes
}

#[tokio::main]
async fn main() {
    let args = args();
    let rate = args.monitors as f64 / args.interval_s as f64;

    // The target: answers every check with a small 200.
    let hits = Arc::new(AtomicU64::new(0));
    let counter = hits.clone();
    let target = Router::new().route(
        "/health",
        get(move || {
            counter.fetch_add(1, Ordering::Relaxed);
            async { "ok" }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let target_url = format!("http://{}/health", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, target).await.unwrap() });

    // The server, in its own process so its CPU and memory are its own.
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let bench_support::Server {
        work,
        database_url,
        backend,
        process: mut server,
        base,
        token,
    } = bench_support::start_server("monitron-bench", &client).await;
    let pid = server.id();

    let created = Instant::now();
    let next = Arc::new(AtomicU64::new(0));
    let mut creators = Vec::new();
    for _ in 0..4 {
        let (client, base, token, url, next) = (
            client.clone(),
            base.clone(),
            token.clone(),
            target_url.clone(),
            next.clone(),
        );
        let (n, interval) = (args.monitors as u64, args.interval_s);
        creators.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= n {
                    break;
                }
                let r = client
                    .post(format!("{base}/api/v1/services"))
                    .bearer_auth(&token)
                    .json(&json!({ "name": format!("bench {i}"), "type": "http", "interval_s": interval,
                                   "timeout_s": 10, "config": { "url": url } }))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status(), 201, "{}", r.text().await.unwrap_or_default());
            }
        }));
    }
    for c in creators {
        c.await.unwrap();
    }
    eprintln!(
        "created {} monitors in {:.1} s; warming up for {} s",
        args.monitors,
        created.elapsed().as_secs_f64(),
        2 * args.interval_s
    );
    tokio::time::sleep(Duration::from_secs(2 * args.interval_s)).await;

    let metrics = |client: reqwest::Client, base: String| async move {
        client
            .get(format!("{base}/metrics"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    };
    let rss_after_setup = memory_mib(pid, "VmRSS:");
    let m0 = metrics(client.clone(), base.clone()).await;
    let bytes0 = database_bytes(&database_url, &work.join("data")).await;
    let cpu0 = cpu_seconds(pid);
    let t0 = Instant::now();
    tokio::time::sleep(Duration::from_secs(args.duration_s)).await;
    let cpu1 = cpu_seconds(pid);
    let elapsed = t0.elapsed().as_secs_f64();
    let m1 = metrics(client.clone(), base.clone()).await;
    let bytes1 = database_bytes(&database_url, &work.join("data")).await;
    let rss = memory_mib(pid, "VmHWM:");
    let rss_now = memory_mib(pid, "VmRSS:");

    let checks =
        metric_sum(&m1, "monitron_checks_total") - metric_sum(&m0, "monitron_checks_total");
    let stored = metric_sum(&m1, "monitron_writer_batch_size_sum")
        - metric_sum(&m0, "monitron_writer_batch_size_sum");
    let skipped = metric_sum(&m1, "monitron_checks_skipped_total")
        - metric_sum(&m0, "monitron_checks_skipped_total");
    let lag0 = buckets(&m0, "monitron_schedule_lag_seconds");
    let lag1 = buckets(&m1, "monitron_schedule_lag_seconds");
    let cpu = cpu1 - cpu0;
    let _ = server.kill();
    let _ = server.wait();

    println!(
        "Monitron engine benchmark ({backend}, {} monitors, every {} s, {} s measured)",
        args.monitors, args.interval_s, args.duration_s
    );
    println!(
        "  checks/s                      {:>10.1}  (expected {rate:.1})",
        checks / elapsed
    );
    println!("  results stored/s              {:>10.1}", stored / elapsed);
    println!("  skipped slots                 {:>10.0}", skipped);
    println!(
        "  schedule lag p50 / p99 (le)   {:>10} / {} s",
        quantile(&lag0, &lag1, 0.5),
        quantile(&lag0, &lag1, 0.99)
    );
    println!(
        "  CPU-seconds per 1,000 checks  {:>10.3}  ({:.3} ms per check, persistence included)",
        cpu * 1000.0 / checks,
        cpu * 1000.0 / checks
    );
    println!(
        "  server CPU use                {:>10.1} % of one core",
        cpu * 100.0 / elapsed
    );
    println!(
        "  peak RSS                      {:>10.1} MiB ({:.1} KiB per monitor)",
        rss,
        rss * 1024.0 / args.monitors as f64
    );
    println!(
        "  RSS after set-up / at the end {:>10.1} / {:.1} MiB",
        rss_after_setup, rss_now
    );
    println!("  database growth / 1,000 results {:>8.1} KiB ({:.1} bytes per result, rollups and state included)",
        (bytes1 as f64 - bytes0 as f64) / 1024.0 * 1000.0 / stored.max(1.0),
        (bytes1 as f64 - bytes0 as f64) / stored.max(1.0));

    // blackbox_exporter probing the same target. It cannot keep 1,000 probes/s on two
    // cores, so it runs at a rate it sustains; its cost per probe is what is compared.
    let Ok(exporter_bin) = which("prometheus-blackbox-exporter") else {
        println!(
            "  blackbox_exporter: not installed (apt-get install prometheus-blackbox-exporter)"
        );
        let _ = std::fs::remove_dir_all(&work);
        return;
    };
    let config = work.join("blackbox.yml");
    std::fs::write(&config, "modules:\n  http_2xx:\n    prober: http\n    timeout: 5s\n    http:\n      preferred_ip_protocol: ip4\n").unwrap();
    let bb_port = free_port();
    let mut exporter = std::process::Command::new(exporter_bin)
        .arg(format!("--config.file={}", config.display()))
        .arg(format!("--web.listen-address=127.0.0.1:{bb_port}"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let bb = format!("http://127.0.0.1:{bb_port}");
    while client.get(format!("{bb}/-/healthy")).send().await.is_err() {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let bb_rate = rate.min(200.0);
    let bb_seconds = args.duration_s.min(30);
    let probe_url = format!("{bb}/probe?module=http_2xx&target={}", target_url);
    let bb_cpu0 = cpu_seconds(exporter.id());
    let probes = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / bb_rate));
    let mut inflight = Vec::new();
    while started.elapsed() < Duration::from_secs(bb_seconds) {
        tick.tick().await;
        let (client, url, probes) = (client.clone(), probe_url.clone(), probes.clone());
        inflight.push(tokio::spawn(async move {
            if let Ok(r) = client.get(url).send().await {
                let body = r.text().await.unwrap_or_default();
                if body.contains("probe_success 1") {
                    probes.fetch_add(1, Ordering::Relaxed);
                }
            }
        }));
    }
    for p in inflight {
        let _ = p.await;
    }
    let bb_cpu = cpu_seconds(exporter.id()) - bb_cpu0;
    let bb_probes = probes.load(Ordering::Relaxed) as f64;
    let _ = exporter.kill();
    let _ = exporter.wait();
    let ours = cpu * 1000.0 / checks;
    let theirs = bb_cpu * 1000.0 / bb_probes;
    println!(
        "  blackbox_exporter             {:>10.1} successful probes/s",
        bb_probes / bb_seconds as f64
    );
    println!(
        "  blackbox CPU-s / 1,000 probes {:>10.3}  ({:.3} ms per probe)",
        theirs, theirs
    );
    println!("  ratio (blackbox / Monitron)   {:>10.1}x", theirs / ours);
    let _ = std::fs::remove_dir_all(&work);
}

fn which(name: &str) -> Result<std::path::PathBuf, ()> {
    std::env::var("PATH")
        .unwrap_or_default()
        .split(':')
        .map(|d| std::path::Path::new(d).join(name))
        .find(|p| p.is_file())
        .ok_or(())
}
