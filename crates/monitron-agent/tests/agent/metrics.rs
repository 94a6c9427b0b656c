//! Metrics and device information checked against what /proc says on this machine, and the
//! cache's behaviour.

use std::io::Write;
use std::path::Path;
use std::time::Duration;

use serde_json::Value;

use crate::helpers::{agent, Mode};

fn meminfo_kb(field: &str) -> u64 {
    std::fs::read_to_string("/proc/meminfo")
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{field}:")))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

fn cpu_lines_in_proc_stat() -> usize {
    std::fs::read_to_string("/proc/stat")
        .unwrap()
        .lines()
        .filter(|l| l.starts_with("cpu") && l.as_bytes().get(3).is_some_and(u8::is_ascii_digit))
        .count()
}

#[tokio::test]
async fn memory_cpu_and_load_match_proc() {
    let mut agent = agent(Mode::ApiKey).spawn().await;
    let m = agent.metrics().await;

    assert_eq!(m["memory"]["total_bytes"], meminfo_kb("MemTotal") * 1024);
    let used = m["memory"]["used_bytes"].as_u64().unwrap();
    let expected_used = (meminfo_kb("MemTotal") - meminfo_kb("MemAvailable")) * 1024;
    assert!(
        used.abs_diff(expected_used) < 200 * 1024 * 1024,
        "{used} vs {expected_used}"
    );
    assert_eq!(
        m["memory"]["swap_total_bytes"],
        meminfo_kb("SwapTotal") * 1024
    );

    let per_core = m["cpu"]["per_core_pct"].as_array().unwrap();
    assert_eq!(per_core.len(), cpu_lines_in_proc_stat());
    for pct in per_core.iter().chain([&m["cpu"]["usage_pct"]]) {
        let pct = pct.as_f64().unwrap();
        assert!((0.0..=100.0).contains(&pct), "{pct}");
    }

    let loadavg: Vec<f64> = std::fs::read_to_string("/proc/loadavg")
        .unwrap()
        .split_whitespace()
        .take(3)
        .map(|v| v.parse().unwrap())
        .collect();
    let load: Vec<f64> = m["cpu"]["load"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    for (got, want) in load.iter().zip(&loadavg) {
        assert!(
            (got - want).abs() < 1.0 + want * 0.5,
            "{load:?} vs {loadavg:?}"
        );
    }

    let uptime: f64 = std::fs::read_to_string("/proc/uptime")
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!((m["uptime_s"].as_f64().unwrap() - uptime).abs() < 10.0);
}

#[tokio::test]
async fn networks_are_those_of_proc_net_dev_without_loopback() {
    let mut agent = agent(Mode::ApiKey).spawn().await;
    let m = agent.metrics().await;
    let mut want: Vec<String> = std::fs::read_to_string("/proc/net/dev")
        .unwrap()
        .lines()
        .skip(2)
        .filter_map(|l| l.split(':').next().map(|n| n.trim().to_owned()))
        .filter(|n| n != "lo" && !n.starts_with("veth"))
        .collect();
    want.sort();
    let got: Vec<String> = m["networks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(got, want);
    for n in m["networks"].as_array().unwrap() {
        assert!(n["rx_bytes_per_s"].as_f64().unwrap() >= 0.0);
        match n["speed_mbps"].as_u64() {
            Some(_) => assert!(n["rx_pct"].is_f64()),
            None => assert!(n["rx_pct"].is_null()),
        }
    }
}

/// The reported filesystem holding `path`: the longest mount point that is a prefix of it.
fn disk_for<'a>(metrics: &'a Value, path: &Path) -> &'a Value {
    metrics["disks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| path.starts_with(d["mount"].as_str().unwrap()))
        .max_by_key(|d| d["mount"].as_str().unwrap().len())
        .unwrap_or_else(|| panic!("no reported disk holds {}: {metrics}", path.display()))
}

#[tokio::test]
async fn writing_a_file_moves_its_filesystems_used_bytes() {
    let mut agent = agent(Mode::ApiKey)
        .env("MONITRON_AGENT_COLLECT_INTERVAL", "200ms")
        .env("MONITRON_AGENT_CACHE_TTL", "1s")
        .spawn()
        .await;
    // The target directory is on a real disk (a temporary directory may be tmpfs).
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let dir_path = std::fs::canonicalize(dir.path()).unwrap();
    const SIZE: u64 = 50 * 1024 * 1024;
    // Other processes write to the same disk; a few tries keep their noise out.
    let mut outcomes = Vec::new();
    for _ in 0..3 {
        let before_snapshot = agent.metrics().await;
        let before = disk_for(&before_snapshot, &dir_path)["used_bytes"]
            .as_u64()
            .unwrap();
        let file_path = dir_path.join("fill");
        let mut file = std::fs::File::create(&file_path).unwrap();
        let chunk: Vec<u8> = (0..1024 * 1024).map(|i| (i * 7 + 13) as u8).collect();
        for _ in 0..SIZE / chunk.len() as u64 {
            file.write_all(&chunk).unwrap();
        }
        file.sync_all().unwrap();
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        let mut after = None;
        while after.is_none() && std::time::Instant::now() < deadline {
            let m = agent.metrics().await;
            let used = disk_for(&m, &dir_path)["used_bytes"].as_u64().unwrap();
            after = (used >= before + SIZE * 8 / 10).then_some(used);
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        std::fs::remove_file(&file_path).unwrap();
        outcomes.push((before, after));
        if after.is_some() {
            return;
        }
    }
    panic!("used_bytes did not grow by ~50 MB: {outcomes:?}");
}

#[tokio::test]
async fn disk_io_rates_and_pseudo_filesystems() {
    let mut agent = agent(Mode::ApiKey).spawn().await;
    let m = agent.metrics().await;
    let disks = m["disks"].as_array().unwrap();
    assert!(!disks.is_empty(), "{m}");
    for d in disks {
        let fs = d["fs"].as_str().unwrap();
        assert!(
            !["tmpfs", "proc", "sysfs", "overlay", "devtmpfs", "squashfs", "cgroup2"].contains(&fs),
            "{d}"
        );
        assert!(d["used_bytes"].as_u64().unwrap() <= d["total_bytes"].as_u64().unwrap());
        assert!(d["read_bytes_per_s"].as_f64().unwrap() >= 0.0);
        assert!((0.0..=100.0).contains(&d["used_pct"].as_f64().unwrap()));
    }
}

#[tokio::test]
async fn the_cache_serves_one_snapshot_until_it_is_renewed() {
    let mut agent = agent(Mode::ApiKey)
        .env("MONITRON_AGENT_COLLECT_INTERVAL", "5s")
        .env("MONITRON_AGENT_CACHE_TTL", "10s")
        .spawn()
        .await;
    let first = agent.metrics().await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let second = agent.metrics().await;
    assert_eq!(first["timestamp"], second["timestamp"]);
    let health = agent.get("/v1/health").await;
    assert_eq!(health.data()["last_collection_at"], first["timestamp"]);
}

#[tokio::test]
async fn timestamps_strictly_increase() {
    let mut agent = agent(Mode::ApiKey)
        .env("MONITRON_AGENT_COLLECT_INTERVAL", "100ms")
        .env("MONITRON_AGENT_CACHE_TTL", "150ms")
        .spawn()
        .await;
    let mut seen: Vec<chrono::DateTime<chrono::Utc>> = Vec::new();
    for _ in 0..15 {
        let m = agent.metrics().await;
        seen.push(m["timestamp"].as_str().unwrap().parse().unwrap());
        tokio::time::sleep(Duration::from_millis(60)).await;
    }
    assert!(seen.windows(2).all(|w| w[0] <= w[1]), "{seen:?}");
    seen.dedup();
    assert!(seen.len() >= 5, "the cache was renewed: {seen:?}");
}

#[tokio::test]
async fn the_device_is_described() {
    let mut agent = agent(Mode::Basic).spawn().await;
    let answer = agent.get("/v1/device").await;
    answer.expect(0);
    let d = answer.data();
    assert_eq!(
        d["hostname"],
        std::fs::read_to_string("/proc/sys/kernel/hostname")
            .unwrap()
            .trim()
    );
    assert_eq!(
        d["kernel"],
        std::fs::read_to_string("/proc/sys/kernel/osrelease")
            .unwrap()
            .trim()
    );
    assert_eq!(d["os"], "linux");
    assert_eq!(d["arch"], std::env::consts::ARCH);
    assert_eq!(d["memory_total_bytes"], meminfo_kb("MemTotal") * 1024);
    let processors = std::fs::read_to_string("/proc/cpuinfo")
        .unwrap()
        .lines()
        .filter(|l| l.starts_with("processor"))
        .count();
    assert_eq!(d["cpu"]["threads"], processors);
    assert!(d["cpu"]["cores"].as_u64().unwrap() >= 1);
    assert!(!d["storages"].as_array().unwrap().is_empty());
    assert_eq!(d["agent_version"], env!("CARGO_PKG_VERSION"));
    // Every interface with an IPv4 address lists it with its prefix length.
    for n in d["networks"].as_array().unwrap() {
        for a in n["addresses"].as_array().unwrap() {
            let a = a.as_str().unwrap();
            let (ip, prefix) = a.split_once('/').unwrap();
            ip.parse::<std::net::IpAddr>().unwrap();
            assert!(prefix.parse::<u8>().unwrap() <= 128, "{a}");
        }
    }
}
