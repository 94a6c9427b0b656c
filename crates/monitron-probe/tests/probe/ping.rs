//! ICMP checks: 127.0.0.1 answers; a host that does not answer lives in a network namespace
//! created here (a veth pair whose far end stays down, so echo requests go unanswered).

use std::process::Command;
use std::time::{Duration, Instant};

use monitron_probe::ping::Config;
use monitron_probe::{Probe, Status};

async fn ping(host: &str, count: u16, timeout: Duration) -> monitron_probe::Outcome {
    let mut config = Config {
        host: host.into(),
        count,
        packet_size: 56,
    };
    config.validate().unwrap();
    config.run(timeout).await
}

#[tokio::test]
async fn loopback_answers_every_request() {
    let o = ping("127.0.0.1", 3, Duration::from_secs(5)).await;
    assert_eq!(o.status, Status::Up, "{o:?}");
    let d = &o.details;
    assert_eq!(
        (
            d["sent"].as_u64(),
            d["received"].as_u64(),
            d["loss_pct"].as_f64()
        ),
        (Some(3), Some(3), Some(0.0))
    );
    let (min, avg, max) = (
        d["rtt_min_ms"].as_f64().unwrap(),
        d["rtt_avg_ms"].as_f64().unwrap(),
        d["rtt_max_ms"].as_f64().unwrap(),
    );
    assert!(min <= avg && avg <= max && max < 100.0, "{d}");
    assert_eq!(o.response_ms, Some(avg));
}

/// A network namespace holding an address that never answers; removed on drop.
struct SilentHost {
    namespace: String,
    host_link: String,
    pub address: String,
}

impl SilentHost {
    fn create() -> Option<Self> {
        let id = std::process::id() % 10_000;
        let namespace = format!("monitron-ping-{id}");
        let host_link = format!("mtp{id}h");
        let peer_link = format!("mtp{id}p");
        let subnet = 4 * (id % 60);
        let address = format!("10.231.{}.{}", id % 250, subnet + 2);
        let run = |args: &[&str]| {
            Command::new("ip")
                .args(args)
                .status()
                .map(|s| s.success())
                .unwrap_or(false)
        };
        let _ = Command::new("ip")
            .args(["netns", "del", &namespace])
            .status();
        let made = run(&["netns", "add", &namespace])
            && run(&[
                "link", "add", &host_link, "type", "veth", "peer", "name", &peer_link, "netns",
                &namespace,
            ])
            && run(&[
                "addr",
                "add",
                &format!("10.231.{}.{}/30", id % 250, subnet + 1),
                "dev",
                &host_link,
            ])
            && run(&["link", "set", &host_link, "up"])
            && run(&[
                "-n",
                &namespace,
                "addr",
                "add",
                &format!("{address}/30"),
                "dev",
                &peer_link,
            ]);
        if !made {
            let _ = Command::new("ip")
                .args(["netns", "del", &namespace])
                .status();
            if std::env::var("MONITRON_SKIP_SERVICES").as_deref() == Ok("1") {
                eprintln!(
                    "SKIPPED: silent-host ping test (cannot create a network namespace here)"
                );
                return None;
            }
            panic!("creating a network namespace needs root and iproute2 (`ip`); set MONITRON_SKIP_SERVICES=1 to skip");
        }
        // The far end stays down: requests leave, nothing ever answers.
        Some(Self {
            namespace,
            host_link,
            address,
        })
    }
}

impl Drop for SilentHost {
    fn drop(&mut self) {
        let _ = Command::new("ip")
            .args(["link", "del", &self.host_link])
            .status();
        let _ = Command::new("ip")
            .args(["netns", "del", &self.namespace])
            .status();
    }
}

#[tokio::test]
async fn a_host_that_never_answers_is_down_within_the_timeout() {
    let Some(silent) = SilentHost::create() else {
        return;
    };
    let started = Instant::now();
    let o = ping(&silent.address, 2, Duration::from_millis(1500)).await;
    let took = started.elapsed();
    assert_eq!(o.status, Status::Down, "{o:?}");
    assert!(
        o.message
            .starts_with(&format!("no reply from {}", silent.address)),
        "{}",
        o.message
    );
    assert_eq!(o.details["received"], 0);
    assert_eq!(o.details["loss_pct"], 100.0);
    assert!(
        took >= Duration::from_millis(1200) && took < Duration::from_millis(2500),
        "{took:?}"
    );
}

#[tokio::test]
async fn an_unresolvable_host_is_down() {
    let o = ping("nowhere.invalid", 1, Duration::from_secs(2)).await;
    assert_eq!(o.status, Status::Down);
    assert!(o.message.starts_with("cannot resolve"), "{}", o.message);
}
