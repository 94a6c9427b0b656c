//! CPU cost of HTTP checks, without persistence: runs N checks against a local target at a
//! bounded concurrency and prints checks/s and CPU milliseconds per check (user + system,
//! of this whole process, target server included, so the figure is an upper bound).
//!
//!     cargo run --release -p monitron-probe --example http_cost -- [checks] [concurrency]

use std::sync::Arc;
use std::time::{Duration, Instant};

use monitron_probe::http::Config;
use monitron_probe::Probe;

fn cpu_seconds() -> f64 {
    // utime and stime (fields 14 and 15 of /proc/self/stat), in clock ticks.
    let stat = std::fs::read_to_string("/proc/self/stat").expect("Linux /proc");
    let after_name = &stat[stat.rfind(')').expect("stat format") + 2..];
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks: f64 = fields[11].parse::<f64>().unwrap() + fields[12].parse::<f64>().unwrap();
    ticks / 100.0
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let checks: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(20_000);
    let concurrency: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(64);

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let app = axum::Router::new().route("/health", axum::routing::get(|| async { "ok" }));
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let mut config: Config =
        serde_json::from_value(serde_json::json!({ "url": format!("http://{address}/health") }))
            .unwrap();
    config.validate().unwrap();
    let config = Arc::new(config);
    // Warm-up (client construction, first connections).
    for _ in 0..100 {
        config.run(Duration::from_secs(5)).await;
    }

    let permits = Arc::new(tokio::sync::Semaphore::new(concurrency));
    let cpu_before = cpu_seconds();
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..checks {
        let permit = permits.clone().acquire_owned().await.unwrap();
        let config = config.clone();
        tasks.spawn(async move {
            let outcome = config.run(Duration::from_secs(5)).await;
            drop(permit);
            outcome.status
        });
    }
    let mut up = 0;
    while let Some(status) = tasks.join_next().await {
        if status.unwrap() == monitron_probe::Status::Up {
            up += 1;
        }
    }
    let wall = started.elapsed().as_secs_f64();
    let cpu = cpu_seconds() - cpu_before;
    println!(
        "http checks: {checks} ({up} up), concurrency {concurrency}: {:.0} checks/s, {:.3} ms CPU per check (process incl. target), wall {wall:.2} s",
        checks as f64 / wall,
        cpu * 1000.0 / checks as f64
    );
}
