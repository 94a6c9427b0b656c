//! Alerting benchmark, in three parts, against one server process:
//!
//! 1. Rule cost: N HTTP monitors at interval I against a local target, measured in five
//!    rounds of D seconds, alternately with every rule disabled and with three rules over
//!    all of them (down, down_count, latency p95): CPU per check in each, and what the
//!    rules add (mean of the rounds with them less the mean of those without).
//! 2. Latency: 100 more monitors whose target starts failing; from each failing result
//!    (the alert's `started_at`) to a local webhook receiving it, p50 and p99.
//! 3. Storm: 1,000 heartbeats whose deadlines pass at the same instant (a cron
//!    schedule): messages reaching a channel with `group_wait_s: 10`, and deliveries per
//!    second to a plain webhook, with lost and duplicate counts.
//!
//! Run it through `scripts/bench-alerting.sh N I D` (it builds the release binaries).

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::routing::{get, post};
use axum::Router;
use serde_json::{json, Value};

#[allow(dead_code)]
mod bench_support;
use bench_support::cpu_seconds;

type Inbox = Arc<Mutex<Vec<(chrono::DateTime<chrono::Utc>, Value)>>>;

/// A webhook receiver keeping every body with its arrival time.
async fn receiver() -> (String, Inbox) {
    let inbox: Inbox = Arc::default();
    let keep = inbox.clone();
    let router = Router::new().route(
        "/hook",
        post(move |body: axum::Json<Value>| {
            let keep = keep.clone();
            async move {
                keep.lock().unwrap().push((chrono::Utc::now(), body.0));
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await });
    (url, inbox)
}

struct Api {
    client: reqwest::Client,
    base: String,
    token: String,
}

impl Api {
    async fn call(&self, method: reqwest::Method, path: &str, body: Value) -> Value {
        let r = self
            .client
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = r.status();
        let v: Value = r.json().await.unwrap_or(Value::Null);
        assert!(status.is_success(), "{path}: {status} {v}");
        v["data"].clone()
    }

    async fn post(&self, path: &str, body: Value) -> Value {
        self.call(reqwest::Method::POST, path, body).await
    }

    async fn patch(&self, path: &str, body: Value) -> Value {
        self.call(reqwest::Method::PATCH, path, body).await
    }

    async fn get(&self, path: &str) -> Value {
        let r = self
            .client
            .get(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap();
        r.json::<Value>().await.unwrap()["data"].clone()
    }

    async fn checks(&self) -> f64 {
        let text = self
            .client
            .get(format!("{}/metrics", self.base))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        text.lines()
            .filter(|l| l.starts_with("monitron_checks_total{"))
            .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
            .sum()
    }

    /// Creates `n` monitors from `body(i)`, four at a time; returns their ids.
    async fn create_many(&self, n: usize, body: impl Fn(usize) -> Value) -> Vec<Value> {
        let mut out = Vec::with_capacity(n);
        for chunk in (0..n).collect::<Vec<_>>().chunks(4) {
            let created = futures_util::future::join_all(
                chunk
                    .iter()
                    .map(|i| self.post("/api/v1/services", body(*i))),
            )
            .await;
            out.extend(created);
        }
        out
    }
}

fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((sorted.len() as f64) * q).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args()
        .skip(1)
        .map(|a| a.parse::<u64>().expect("numbers: N I D"));
    let monitors = args.next().unwrap_or(10_000) as usize;
    let interval = args.next().unwrap_or(10);
    let duration = args.next().unwrap_or(60);

    // A target that answers 200, or 500 once told to fail.
    let failing = Arc::new(AtomicBool::new(false));
    let flag = failing.clone();
    let target = Router::new()
        .route("/health", get(|| async { "ok" }))
        .route(
            "/flaky",
            get(move || {
                let flag = flag.clone();
                async move {
                    if flag.load(Ordering::Relaxed) {
                        (axum::http::StatusCode::INTERNAL_SERVER_ERROR, "down")
                    } else {
                        (axum::http::StatusCode::OK, "ok")
                    }
                }
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let target_base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, target).await.unwrap() });

    let client = reqwest::Client::builder()
        .no_proxy()
        .pool_max_idle_per_host(8)
        .build()
        .unwrap();
    let server = bench_support::start_server("monitron-bench-alerting", &client).await;
    let pid = server.process.id();
    let api = Api {
        client: client.clone(),
        base: server.base.clone(),
        token: server.token.clone(),
    };

    // --- 1. rule cost ---------------------------------------------------------------
    let seeded: Vec<String> = api.get("/api/v1/alert-rules").await["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect();
    for id in &seeded {
        api.patch(
            &format!("/api/v1/alert-rules/{id}"),
            json!({ "enabled": false }),
        )
        .await;
    }
    let url = format!("{target_base}/health");
    let started = Instant::now();
    api.create_many(monitors, |i| json!({ "name": format!("bench {i}"), "type": "http", "interval_s": interval, "timeout_s": 10, "config": { "url": url } }))
        .await;
    eprintln!(
        "created {monitors} monitors in {:.0} s; warming up",
        started.elapsed().as_secs_f64()
    );
    tokio::time::sleep(Duration::from_secs(2 * interval)).await;
    let measure = |api: &Api| {
        let api = Api {
            client: api.client.clone(),
            base: api.base.clone(),
            token: api.token.clone(),
        };
        async move {
            let (c0, cpu0, t0) = (api.checks().await, cpu_seconds(pid), Instant::now());
            tokio::time::sleep(Duration::from_secs(duration)).await;
            let (c1, cpu1) = (api.checks().await, cpu_seconds(pid));
            let checks = c1 - c0;
            (
                checks / t0.elapsed().as_secs_f64(),
                (cpu1 - cpu0) * 1000.0 / checks,
            )
        }
    };
    api.post("/api/v1/alert-rules", json!({ "name": "Flapping", "condition": { "type": "down_count", "failures": 3, "window_s": 60 } })).await;
    api.post("/api/v1/alert-rules", json!({ "name": "Slow", "condition": { "type": "latency", "stat": "p95", "above_ms": 1000, "window_s": 300 } })).await;
    // The three rules: the seeded down rule and the two just made.
    let three: Vec<String> = api.get("/api/v1/alert-rules?per_page=100").await["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["enabled"] == true || r["condition"]["type"] == "down")
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(three.len(), 3);
    let switch = |on: bool| {
        let (api, three) = (&api, &three);
        async move {
            for id in three {
                api.patch(
                    &format!("/api/v1/alert-rules/{id}"),
                    json!({ "enabled": on }),
                )
                .await;
            }
        }
    };
    // Without, with, without, with, without: the cost per check drifts as the history
    // grows, and alternating rounds cancel a steady drift (both sets are centred on the
    // same moment).
    let (mut without, mut with) = (Vec::new(), Vec::new());
    for round in 0..5 {
        let on = round % 2 == 1;
        switch(on).await;
        tokio::time::sleep(Duration::from_secs(interval)).await;
        let (rate, cost) = measure(&api).await;
        eprintln!(
            "round {}: {} rules, {cost:.4} ms per check ({rate:.0} checks/s)",
            round + 1,
            if on { "three" } else { "no" }
        );
        let set = if on { &mut with } else { &mut without };
        set.push((rate, cost));
    }
    switch(true).await;
    let mean =
        |v: &[(f64, f64)], f: fn(&(f64, f64)) -> f64| v.iter().map(f).sum::<f64>() / v.len() as f64;
    let (rate_without, cost_without) = (mean(&without, |r| r.0), mean(&without, |r| r.1));
    let (rate_with, cost_with) = (mean(&with, |r| r.0), mean(&with, |r| r.1));
    let rounds = |v: &[(f64, f64)]| {
        v.iter()
            .map(|r| format!("{:.4}", r.1))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let (rounds_without, rounds_with) = (rounds(&without), rounds(&with));

    // --- 2. latency: failing result to webhook ----------------------------------------
    let (latency_url, latency_inbox) = receiver().await;
    let channel = api
        .post(
            "/api/v1/notification-channels",
            json!({ "name": "latency", "type": "webhook", "config": { "url": latency_url } }),
        )
        .await;
    let channel = channel["id"].as_str().unwrap().to_owned();
    api.post(
        "/api/v1/alert-rules",
        json!({ "name": "Latency probe down", "targets": { "kind": "service", "group": "latency" },
        "condition": { "type": "down" }, "channels": [channel] }),
    )
    .await;
    let flaky = format!("{target_base}/flaky");
    api.create_many(100, |i| json!({ "name": format!("latency {i}"), "group": "latency", "type": "http", "interval_s": interval, "timeout_s": 5, "config": { "url": flaky } }))
        .await;
    tokio::time::sleep(Duration::from_secs(2 * interval)).await;
    failing.store(true, Ordering::Relaxed);
    let deadline = Instant::now() + Duration::from_secs(4 * interval);
    while latency_inbox.lock().unwrap().len() < 100 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let mut latencies: Vec<f64> = latency_inbox
        .lock()
        .unwrap()
        .iter()
        .filter(|(_, b)| b["type"] == "alert.firing")
        .filter_map(|(at, b)| {
            let started =
                chrono::DateTime::parse_from_rfc3339(b["alert"]["started_at"].as_str()?).ok()?;
            Some((*at - started.with_timezone(&chrono::Utc)).num_microseconds()? as f64 / 1e6)
        })
        .collect();
    latencies.sort_by(f64::total_cmp);

    // --- 3. storm: 1,000 heartbeats late in the same second ----------------------------
    let (grouped_url, grouped_inbox) = receiver().await;
    let (plain_url, plain_inbox) = receiver().await;
    api.post("/api/v1/notification-channels", json!({ "name": "grouped", "type": "webhook", "config": { "url": grouped_url }, "default": true, "group_wait_s": 10 })).await;
    api.post("/api/v1/notification-channels", json!({ "name": "plain", "type": "webhook", "config": { "url": plain_url }, "default": true })).await;
    // A cron schedule (every minute, no grace) gives every heartbeat pinged within one
    // minute the same deadline: the next minute's start, however long the pings took.
    let beats = api
        .create_many(1000, |i| json!({ "name": format!("storm {i}"), "group": "storm", "type": "heartbeat", "config": { "schedule": { "cron": "* * * * *" }, "grace_s": 0 } }))
        .await;
    let pings: Vec<String> = beats
        .iter()
        .map(|b| b["ping_url"].as_str().unwrap().to_owned())
        .collect();
    // Pinged early in a minute, so that all pings land before its end.
    let second = chrono::Timelike::second(&chrono::Utc::now());
    if second > 20 {
        tokio::time::sleep(Duration::from_secs(u64::from(62 - second))).await;
    }
    let ping_started = chrono::Utc::now();
    for chunk in pings.chunks(250) {
        futures_util::future::join_all(chunk.iter().map(|p| client.get(p).send())).await;
    }
    let pinged = chrono::Utc::now();
    assert_eq!(
        chrono::Timelike::minute(&ping_started),
        chrono::Timelike::minute(&pinged),
        "the pings took past the minute's end; the deadlines would differ"
    );
    let late_in = 60 - chrono::Timelike::second(&pinged);
    let pinged_at = Instant::now();
    eprintln!(
        "1,000 heartbeats pinged in {:.1} s; they are late in {late_in} s",
        (pinged - ping_started).num_milliseconds() as f64 / 1000.0
    );
    let storm = |inbox: &Inbox| -> Vec<(chrono::DateTime<chrono::Utc>, Value)> {
        inbox
            .lock()
            .unwrap()
            .iter()
            .filter(|(_, b)| b.to_string().contains("storm "))
            .cloned()
            .collect()
    };
    // The storm is the 1,000 down alerts of the seeded "down" rule. The heartbeats stay
    // down and are evaluated every 10 s, so the down_count rule fires on them too, 10 to
    // 20 s later: those are counted apart, not as part of the storm.
    let down_rule = api.get("/api/v1/alert-rules?per_page=100").await["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["condition"]["type"] == "down" && r["enabled"] == true)
        .map(|r| r["name"].clone())
        .expect("the seeded down rule is enabled");
    let is_down = |b: &Value| b["rule"]["name"] == down_rule;
    let deadline = pinged_at + Duration::from_secs(u64::from(late_in) + 120);
    loop {
        let plain = storm(&plain_inbox)
            .iter()
            .filter(|(_, b)| b["type"] == "alert.firing" && is_down(b))
            .count();
        let grouped: usize = storm(&grouped_inbox)
            .iter()
            .filter_map(|(_, b)| b["alerts"].as_array())
            .flatten()
            .filter(|a| is_down(a))
            .count();
        if (plain >= 1000 && grouped >= 1000) || Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    let plain: Vec<_> = storm(&plain_inbox)
        .into_iter()
        .filter(|(_, b)| b["type"] == "alert.firing" && is_down(b))
        .collect();
    let mut plain_ids: HashMap<String, usize> = HashMap::new();
    for (_, b) in &plain {
        *plain_ids
            .entry(b["alert"]["id"].as_str().unwrap_or("").to_owned())
            .or_default() += 1;
    }
    let fired_at = |b: &Value| {
        chrono::DateTime::parse_from_rfc3339(b["alert"]["fired_at"].as_str()?)
            .ok()
            .map(|t| t.with_timezone(&chrono::Utc))
    };
    let span = |times: &mut dyn Iterator<Item = chrono::DateTime<chrono::Utc>>| {
        let times: Vec<_> = times.collect();
        match (times.iter().min(), times.iter().max()) {
            (Some(a), Some(b)) => (*b - *a).num_milliseconds() as f64 / 1000.0,
            _ => f64::NAN,
        }
    };
    // How long the alerts took to fire: deliveries cannot outpace that.
    let fired_span = span(&mut plain.iter().filter_map(|(_, b)| fired_at(b)));
    let plain_span = span(&mut plain.iter().map(|(t, _)| *t));
    // From the deadline passing (the first alert firing) to the last delivery.
    let first_fired = plain.iter().filter_map(|(_, b)| fired_at(b)).min();
    let last_received = plain.iter().map(|(t, _)| *t).max();
    let overall = match (first_fired, last_received) {
        (Some(a), Some(b)) => (b - a).num_milliseconds() as f64 / 1000.0,
        _ => f64::NAN,
    };
    let grouped = storm(&grouped_inbox);
    let mut grouped_ids: Vec<String> = Vec::new();
    let mut storm_messages = 0;
    for (_, b) in &grouped {
        let alerts: Vec<&Value> = match b["alerts"].as_array() {
            Some(list) => list.iter().collect(),
            None => vec![b],
        };
        if alerts.iter().any(|a| is_down(a)) {
            storm_messages += 1;
        }
        grouped_ids.extend(
            alerts
                .iter()
                .filter(|a| is_down(a))
                .filter_map(|a| a["alert"]["id"].as_str().map(str::to_owned)),
        );
    }
    let grouped_unique: HashSet<&String> = grouped_ids.iter().collect();
    // The other rules' alerts on the same monitors, which came later.
    let mut later: std::collections::BTreeMap<String, Vec<chrono::DateTime<chrono::Utc>>> =
        Default::default();
    for (_, b) in storm(&plain_inbox) {
        if b["type"] == "alert.firing" && !is_down(&b) {
            later
                .entry(b["rule"]["name"].as_str().unwrap_or("?").to_owned())
                .or_default()
                .extend(fired_at(&b));
        }
    }
    let later: Vec<String> = later
        .into_iter()
        .map(|(rule, fired)| {
            let first = fired.iter().min().zip(first_fired);
            format!(
                "{rule:?} {} alerts, fired from {:.1} s after the storm over {:.1} s",
                fired.len(),
                first.map_or(f64::NAN, |(a, b)| (*a - b).num_milliseconds() as f64
                    / 1000.0),
                span(&mut fired.iter().copied())
            )
        })
        .collect();

    let mut process = server.process;
    let _ = process.kill();
    let _ = process.wait();
    let _ = std::fs::remove_dir_all(&server.work);

    println!("Monitron alerting benchmark ({}, {monitors} monitors, every {interval} s, {duration} s measured per part)", server.backend);
    println!(
        "  rule cost: without rules     {:>8.4} ms CPU per check ({rate_without:.0} checks/s; mean of rounds 1, 3, 5: {rounds_without})",
        cost_without
    );
    println!(
        "  rule cost: with three rules  {:>8.4} ms CPU per check ({rate_with:.0} checks/s; mean of rounds 2, 4: {rounds_with})",
        cost_with
    );
    println!(
        "  rule evaluation adds         {:>8.4} ms per check (budget 0.03)",
        cost_with - cost_without
    );
    println!(
        "  failing result to webhook    p50 {:.3} s, p99 {:.3} s over {} alerts (budget p99 < 1 s)",
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.99),
        latencies.len()
    );
    println!(
        "  storm, group_wait_s 10       {storm_messages} messages carrying the storm's {} alerts ({} distinct), {} messages in all (budget at most 5 messages)",
        grouped_ids.len(),
        grouped_unique.len(),
        grouped.len()
    );
    println!(
        "  storm, plain webhook         {} deliveries in {:.1} s = {:.0}/s (the alerts fired over {:.1} s; first fired to last delivered {:.1} s = {:.0}/s); lost {}, twice {} (budget 200/s, none lost or twice)",
        plain.len(),
        plain_span,
        plain.len() as f64 / plain_span.max(0.001),
        fired_span,
        overall,
        plain.len() as f64 / overall.max(0.001),
        1000usize.saturating_sub(plain_ids.len()),
        plain_ids.values().filter(|n| **n > 1).count()
    );
    for line in later {
        println!("  then, on the same monitors   {line}");
    }
}
