//! Ingest benchmark: simulated push agents streaming snapshots to a real server over the
//! agent WebSocket, at increasing agent counts. Each agent sends batches of snapshots as
//! fast as the server acknowledges them (what a reconnecting agent replaying its buffer
//! does), so the figure is what the server sustains with every snapshot stored.
//!
//! Run it through `scripts/bench-ingest.sh [COUNTS] [SECONDS] [BATCH]` (it builds the
//! release binaries); `DATABASE_URL=postgres://...` benchmarks PostgreSQL instead of
//! SQLite.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use serde_json::json;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

// Shared by the benchmarks; each uses part of it.
#[allow(dead_code)]
mod bench_support;
use bench_support::{cpu_seconds, memory_mib};

/// A snapshot of a small server (2 cores, 2 disks, 2 interfaces), with `@TS@` for its time.
const SNAPSHOT: &str = r#"{"seq":@SEQ@,"kind":"snapshot","timestamp":"@TS@","uptime_s":86400,
"cpu":{"usage_pct":12.5,"per_core_pct":[10.0,15.0],"load":[0.4,0.3,0.2]},
"memory":{"total_bytes":8589934592,"used_bytes":2147483648,"used_pct":25.0,"swap_total_bytes":0,"swap_used_bytes":0},
"disks":[{"mount":"/","device":"/dev/vda1","fs":"ext4","total_bytes":107374182400,"used_bytes":53687091200,"used_pct":50.0,"read_bytes_per_s":1024.0,"write_bytes_per_s":4096.0},
{"mount":"/data","device":"/dev/vdb1","fs":"xfs","total_bytes":536870912000,"used_bytes":107374182400,"used_pct":20.0,"read_bytes_per_s":0.0,"write_bytes_per_s":512.0}],
"networks":[{"name":"eth0","rx_bytes":123456789,"tx_bytes":98765432,"rx_bytes_per_s":2048.0,"tx_bytes_per_s":1024.0,"speed_mbps":1000,"rx_pct":0.0016,"tx_pct":0.0008},
{"name":"eth1","rx_bytes":1234,"tx_bytes":5678,"rx_bytes_per_s":0.0,"tx_bytes_per_s":0.0,"speed_mbps":null,"rx_pct":null,"tx_pct":null}],
"gpus":[]}"#;

fn batch(seq: &mut u64, ts_ms: &mut i64, size: usize) -> String {
    let mut out = String::with_capacity(size * 1200 + 40);
    out.push_str(r#"{"type":"batch","records":["#);
    for i in 0..size {
        if i > 0 {
            out.push(',');
        }
        *seq += 1;
        *ts_ms += 1000;
        let ts = chrono::DateTime::from_timestamp_millis(*ts_ms)
            .unwrap()
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        out.push_str(
            &SNAPSHOT
                .replace("@SEQ@", &seq.to_string())
                .replace("@TS@", &ts)
                .replace('\n', ""),
        );
    }
    out.push_str("]}");
    out
}

async fn agent(
    ws_url: String,
    credential: String,
    start_ms: i64,
    batch_size: usize,
    until: Instant,
    stored: Arc<AtomicU64>,
) {
    let mut request = ws_url.into_client_request().unwrap();
    request.headers_mut().insert(
        "Authorization",
        format!("Bearer {credential}").parse().unwrap(),
    );
    let (mut socket, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    let _welcome = socket.next().await;
    let (mut seq, mut ts) = (0u64, start_ms);
    while Instant::now() < until {
        let text = batch(&mut seq, &mut ts, batch_size);
        socket.send(Message::Text(text.into())).await.unwrap();
        loop {
            match socket.next().await {
                Some(Ok(Message::Text(reply))) if reply.contains(r#""type":"ack""#) => break,
                Some(Ok(_)) => continue,
                other => panic!("the server closed the agent connection: {other:?}"),
            }
        }
        stored.fetch_add(batch_size as u64, Ordering::Relaxed);
    }
    let _ = socket.close(None).await;
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let counts: Vec<usize> = args
        .next()
        .unwrap_or_else(|| "10,100,1000".into())
        .split(',')
        .map(|c| c.parse().expect("agent counts: 10,100,1000"))
        .collect();
    let seconds: u64 = args.next().map_or(20, |s| s.parse().unwrap());
    let batch_size: usize = args.next().map_or(50, |s| s.parse().unwrap());
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let bench_support::Server {
        work,
        backend,
        process: mut server,
        base,
        token,
        ..
    } = bench_support::start_server("monitron-ingest", &client).await;
    let pid = server.id();

    println!("Ingest into {backend}: batches of {batch_size} snapshots, {seconds} s per step");
    println!(
        "{:>7} {:>14} {:>12} {:>10}",
        "agents", "snapshots/s", "server CPU", "peak RSS"
    );
    let mut credentials: Vec<String> = Vec::new();
    // Every agent's snapshots start six days back (inside raw retention) and advance one
    // second each, so no two are stamped alike.
    let start_ms = chrono::Utc::now().timestamp_millis() - 6 * 86_400_000;
    for (step, &count) in counts.iter().enumerate() {
        while credentials.len() < count {
            let created: serde_json::Value = client
                .post(format!("{base}/api/v1/instances"))
                .bearer_auth(&token)
                .json(
                    &json!({ "name": format!("agent-{}", credentials.len()), "host": "127.0.0.1",
                               "connection": "push", "interval_s": 3600 }),
                )
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let enrollment = created["data"]["enrollment_token"].as_str().unwrap();
            let welcome: serde_json::Value = client
                .post(format!("{base}/api/v1/agents/enroll"))
                .bearer_auth(enrollment)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            credentials.push(welcome["data"]["credential"].as_str().unwrap().to_owned());
        }
        let stored = Arc::new(AtomicU64::new(0));
        let cpu_before = cpu_seconds(pid);
        let started = Instant::now();
        let until = started + Duration::from_secs(seconds);
        let step_start = start_ms + step as i64 * 86_400_000 / counts.len() as i64;
        let tasks: Vec<_> = credentials[..count]
            .iter()
            .map(|c| {
                tokio::spawn(agent(
                    format!("{}/api/v1/agents/ws", base.replacen("http", "ws", 1)),
                    c.clone(),
                    step_start,
                    batch_size,
                    until,
                    stored.clone(),
                ))
            })
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
        let elapsed = started.elapsed().as_secs_f64();
        let cpu = (cpu_seconds(pid) - cpu_before) / elapsed * 100.0;
        println!(
            "{count:>7} {:>14.0} {:>11.0}% {:>8.0} MiB",
            stored.load(Ordering::Relaxed) as f64 / elapsed,
            cpu,
            memory_mib(pid, "VmHWM:")
        );
    }
    let _ = server.kill();
    let _ = server.wait();
    let _ = std::fs::remove_dir_all(&work);
}
