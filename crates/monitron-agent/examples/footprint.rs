//! Measures the agent's footprint against its budget (under 10 MB RSS, under 0.5 % of one
//! core at 1 s collection): starts the built `monitron-agent` next to this example, scrapes
//! `/v1/metrics` once a second for the given number of seconds (default 60), and prints
//! resident memory and CPU time from `/proc`. With `--node-exporter <path>` it measures
//! Prometheus node_exporter the same way (scraping `/metrics`), for comparison.
//!
//! `cargo build --profile agent-release -p monitron-agent --bins --examples && target/agent-release/examples/footprint 60`

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Sample {
    rss_kb: u64,
    cpu_ticks: u64,
}

fn sample(pid: u32) -> Sample {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let rss_kb = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0);
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    // Fields after the command name (which may contain spaces): utime is the 14th field.
    let after = &stat[stat.rfind(')').unwrap() + 2..];
    let fields: Vec<&str> = after.split_whitespace().collect();
    let utime: u64 = fields[11].parse().unwrap();
    let stime: u64 = fields[12].parse().unwrap();
    Sample {
        rss_kb,
        cpu_ticks: utime + stime,
    }
}

fn ticks_per_second() -> u64 {
    // SAFETY: sysconf only reads a system constant.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    u64::try_from(ticks).unwrap_or(100).max(1)
}

async fn measure(name: &str, child: &mut Child, url: &str, headers: &[(&str, &str)], seconds: u64) {
    let client = reqwest::Client::new();
    let pid = child.id();
    // Warm up: the first collections and connections.
    for _ in 0..3 {
        let mut request = client.get(url);
        for (k, v) in headers {
            request = request.header(*k, *v);
        }
        let _ = request.send().await.and_then(|r| r.error_for_status());
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    let start = sample(pid);
    let started = Instant::now();
    let mut peak_rss = start.rss_kb;
    let mut scrapes = 0;
    let mut bytes = 0;
    while started.elapsed() < Duration::from_secs(seconds) {
        let mut request = client.get(url);
        for (k, v) in headers {
            request = request.header(*k, *v);
        }
        let response = request
            .send()
            .await
            .expect("scrape")
            .error_for_status()
            .expect("status");
        bytes += response.bytes().await.unwrap().len();
        scrapes += 1;
        peak_rss = peak_rss.max(sample(pid).rss_kb);
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    let end = sample(pid);
    let elapsed = started.elapsed().as_secs_f64();
    let cpu_s = (end.cpu_ticks - start.cpu_ticks) as f64 / ticks_per_second() as f64;
    println!(
        "{name}: {scrapes} scrapes in {elapsed:.0} s ({} bytes each): RSS {:.1} MB (peak {:.1} MB), CPU {:.3} s = {:.3} % of one core ({:.2} ms per second)",
        bytes / scrapes.max(1),
        end.rss_kb as f64 / 1024.0,
        peak_rss as f64 / 1024.0,
        cpu_s,
        cpu_s / elapsed * 100.0,
        cpu_s / elapsed * 1000.0,
    );
    let _ = child.kill();
    let _ = child.wait();
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let seconds: u64 = args.first().and_then(|s| s.parse().ok()).unwrap_or(60);
    let exe = std::env::current_exe().unwrap();
    let agent_path = exe
        .parent()
        .unwrap()
        .parent()
        .unwrap()
        .join("monitron-agent");
    let data = std::env::temp_dir().join(format!("monitron-footprint-{}", std::process::id()));
    let port = free_port();
    let mut agent = Command::new(&agent_path)
        .env("MONITRON_AGENT_LISTEN", format!("127.0.0.1:{port}"))
        .env("MONITRON_AGENT_AUTH", "api_key")
        .env("MONITRON_AGENT_API_KEY", "footprint-key-0123456789")
        .env("MONITRON_AGENT_DATA_DIR", &data)
        .env("MONITRON_AGENT_LOG", "warn")
        .stdout(Stdio::null())
        .spawn()
        .unwrap_or_else(|err| panic!("cannot start {}: {err}", agent_path.display()));
    tokio::time::sleep(Duration::from_millis(500)).await;
    measure(
        "monitron-agent",
        &mut agent,
        &format!("http://127.0.0.1:{port}/v1/metrics"),
        &[("x-api-key", "footprint-key-0123456789")],
        seconds,
    )
    .await;
    let _ = std::fs::remove_dir_all(&data);

    if let Some(i) = args.iter().position(|a| a == "--node-exporter") {
        let path = args.get(i + 1).expect("--node-exporter needs a path");
        let port = free_port();
        let mut exporter = Command::new(path)
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("node_exporter starts");
        tokio::time::sleep(Duration::from_millis(500)).await;
        measure(
            "node_exporter",
            &mut exporter,
            &format!("http://127.0.0.1:{port}/metrics"),
            &[],
            seconds,
        )
        .await;
    }
}
