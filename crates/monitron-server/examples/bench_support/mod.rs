//! What the benchmarks share: a release `monitron serve` in its own process (so its CPU
//! and memory are its own), signed in as an administrator, and readings of a process's
//! CPU time and memory from /proc.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::json;

/// CPU seconds (user + system) a process has used so far.
pub fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let after_name = &stat[stat.rfind(')').unwrap() + 2..];
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks: f64 = fields[11].parse::<f64>().unwrap() + fields[12].parse::<f64>().unwrap();
    ticks / 100.0
}

/// A memory figure of `/proc/<pid>/status` in MiB (`VmHWM:` peak resident, `VmRSS:` now).
pub fn memory_mib(pid: u32, field: &str) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with(field)).unwrap();
    line.split_whitespace()
        .nth(1)
        .unwrap()
        .parse::<f64>()
        .unwrap()
        / 1024.0
}

/// A free loopback port.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A running server.
pub struct Server {
    /// Its working folder (data in `data/`).
    pub work: std::path::PathBuf,
    /// Its database: `DATABASE_URL`, or a SQLite file in `data/`.
    pub database_url: String,
    /// `SQLite` or `PostgreSQL`.
    pub backend: &'static str,
    /// The process.
    pub process: Child,
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    /// An administrator's access token.
    pub token: String,
}

/// Starts the release `monitron` beside this example in a fresh folder named after the
/// benchmark, on `DATABASE_URL` or a SQLite file there, waits until it is ready and signs
/// in.
pub async fn start_server(name: &str, client: &reqwest::Client) -> Server {
    let work = std::env::temp_dir().join(format!("{name}-{}", std::process::id()));
    std::fs::create_dir_all(&work).unwrap();
    let database_url = std::env::var("DATABASE_URL").unwrap_or_else(|_| {
        format!(
            "sqlite://{}/monitron.db?mode=rwc",
            work.join("data").display()
        )
    });
    let backend = if database_url.starts_with("postgres") {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    let server_bin = std::env::current_exe()
        .unwrap()
        .parent()
        .unwrap()
        .parent()
        .unwrap()
        .join("monitron");
    let port = free_port();
    let process = Command::new(&server_bin)
        .arg("serve")
        .current_dir(&work)
        .env("PORT", port.to_string())
        .env("BIND_ADDRESS", "127.0.0.1")
        .env("DATA_DIR", work.join("data"))
        .env("DATABASE_URL", &database_url)
        .env("LOG_LEVEL", "warn")
        .env("INITIAL_ADMIN_EMAIL", "bench@example.com")
        .env("INITIAL_ADMIN_PASSWORD", "bench-admin-password")
        .stdout(Stdio::null())
        .spawn()
        .expect("the release monitron binary (the scripts/bench-*.sh build it)");
    let base = format!("http://127.0.0.1:{port}");
    while client.get(format!("{base}/readyz")).send().await.is_err() {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let login: serde_json::Value = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({ "login": "bench@example.com", "password": "bench-admin-password" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = login["data"]["access_token"].as_str().unwrap().to_owned();
    Server {
        work,
        database_url,
        backend,
        process,
        base,
        token,
    }
}
