//! Traceroute to the loopback address: one hop, answered by the destination itself.

use std::time::Duration;

use monitron_probe::traceroute::Config;
use monitron_probe::{Probe, Status};

use crate::target::closed_port;

#[tokio::test]
async fn loopback_is_reached_in_one_hop() {
    let mut config = Config {
        host: "127.0.0.1".into(),
        max_hops: 5,
        hop_timeout_ms: 1000,
        port: closed_port(),
    };
    config.validate().unwrap();
    let o = config.run(Duration::from_secs(5)).await;
    assert_eq!(o.status, Status::Up, "{o:?}");
    assert_eq!(o.details["reached"], true);
    let hops = o.details["hops"].as_array().unwrap();
    assert_eq!(hops.len(), 1, "{hops:?}");
    assert_eq!(hops[0]["ttl"], 1);
    assert_eq!(hops[0]["address"], "127.0.0.1");
    let rtt = hops[0]["rtt_ms"].as_f64().unwrap();
    assert!(rtt < 100.0, "{rtt}");
    assert_eq!(o.response_ms, Some(rtt));
    assert_eq!(o.message, "reached 127.0.0.1 in 1 hop");
}

/// Regression: `poll` asked only for `POLLERR`, so a UDP service answering on the
/// destination's port went unseen; the hop timed out as `*` and the trace went on to the
/// next (closed) port.
#[tokio::test]
async fn a_udp_service_answering_at_the_destination_ends_the_trace() {
    let service = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let port = service.local_addr().unwrap().port();
    tokio::spawn(async move {
        let mut buf = [0u8; 512];
        while let Ok((n, peer)) = service.recv_from(&mut buf).await {
            let _ = service.send_to(&buf[..n], peer).await;
        }
    });
    let mut config = Config {
        host: "127.0.0.1".into(),
        max_hops: 3,
        hop_timeout_ms: 1000,
        port,
    };
    config.validate().unwrap();
    let o = config.run(Duration::from_secs(5)).await;
    assert_eq!(o.status, Status::Up, "{o:?}");
    let hops = o.details["hops"].as_array().unwrap();
    assert_eq!(hops.len(), 1, "{hops:?}");
    assert_eq!(hops[0]["address"], "127.0.0.1");
    assert!(hops[0]["rtt_ms"].as_f64().unwrap() < 100.0, "{hops:?}");
}

#[tokio::test]
async fn an_unresolvable_host_is_down() {
    let mut config: Config =
        serde_json::from_value(serde_json::json!({ "host": "nowhere.invalid" })).unwrap();
    config.validate().unwrap();
    let o = config.run(Duration::from_secs(3)).await;
    assert_eq!(o.status, Status::Down);
    assert!(o.message.starts_with("cannot resolve"), "{}", o.message);
}
