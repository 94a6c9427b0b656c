//! DNS checks against a real DNS server (hickory-server) on a loopback port, serving a zone
//! this test writes.

use std::net::{Ipv4Addr, Ipv6Addr};
use std::time::{Duration, Instant};

use hickory_server::proto::rr::rdata::{A, AAAA, CNAME, MX, NS, SOA, TXT};
use hickory_server::proto::rr::{Name, RData, Record};
use monitron_probe::dns::{Config, RecordKind};
use monitron_probe::{Outcome, Probe, Status};

fn name(text: &str) -> Name {
    Name::from_ascii(text).unwrap()
}

/// Serves `monitron.test.` on 127.0.0.1 (UDP and TCP, one port); returns `ip:port`.
async fn dns_server() -> String {
    let origin = name("monitron.test.");
    let records = vec![
        Record::from_rdata(
            origin.clone(),
            3600,
            RData::SOA(SOA::new(
                name("ns1.monitron.test."),
                name("hostmaster.monitron.test."),
                2026112101,
                3600,
                600,
                86400,
                60,
            )),
        ),
        Record::from_rdata(
            origin.clone(),
            3600,
            RData::NS(NS(name("ns1.monitron.test."))),
        ),
        Record::from_rdata(
            name("www.monitron.test."),
            300,
            RData::A(A(Ipv4Addr::new(192, 0, 2, 10))),
        ),
        Record::from_rdata(
            name("www.monitron.test."),
            120,
            RData::A(A(Ipv4Addr::new(192, 0, 2, 11))),
        ),
        Record::from_rdata(
            name("www.monitron.test."),
            300,
            RData::AAAA(AAAA(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 10))),
        ),
        Record::from_rdata(
            name("status.monitron.test."),
            300,
            RData::CNAME(CNAME(name("www.monitron.test."))),
        ),
        Record::from_rdata(
            origin.clone(),
            300,
            RData::MX(MX::new(10, name("mail.monitron.test."))),
        ),
        Record::from_rdata(
            origin.clone(),
            300,
            RData::TXT(TXT::new(vec!["v=spf1 ".into(), "-all".into()])),
        ),
    ];
    monitron_testkit::dns::serve_zone(&origin.to_string(), records).await
}

async fn check(
    resolver: &str,
    name: &str,
    record_type: RecordKind,
    expected: Option<&[&str]>,
) -> Outcome {
    let mut config = Config {
        name: name.into(),
        record_type,
        resolver: Some(resolver.into()),
        expected: expected.map(|e| e.iter().map(|s| (*s).to_owned()).collect()),
    };
    config.validate().unwrap();
    config.run(Duration::from_secs(3)).await
}

#[tokio::test]
async fn every_record_type_is_answered() {
    let server = dns_server().await;
    let cases: [(&str, RecordKind, serde_json::Value); 7] = [
        (
            "www.monitron.test",
            RecordKind::A,
            serde_json::json!(["192.0.2.10", "192.0.2.11"]),
        ),
        (
            "www.monitron.test",
            RecordKind::Aaaa,
            serde_json::json!(["2001:db8::a"]),
        ),
        (
            "status.monitron.test",
            RecordKind::Cname,
            serde_json::json!(["www.monitron.test"]),
        ),
        (
            "monitron.test",
            RecordKind::Mx,
            serde_json::json!(["10 mail.monitron.test"]),
        ),
        (
            "monitron.test",
            RecordKind::Txt,
            serde_json::json!(["v=spf1 -all"]),
        ),
        (
            "monitron.test",
            RecordKind::Ns,
            serde_json::json!(["ns1.monitron.test"]),
        ),
        (
            "monitron.test",
            RecordKind::Soa,
            serde_json::json!(["ns1.monitron.test hostmaster.monitron.test 2026112101"]),
        ),
    ];
    for (name, kind, answers) in cases {
        let o = check(&server, name, kind, None).await;
        assert_eq!(o.status, Status::Up, "{name} {kind:?}: {o:?}");
        let mut got: Vec<String> = serde_json::from_value(o.details["answers"].clone()).unwrap();
        got.sort();
        assert_eq!(serde_json::json!(got), answers, "{name} {kind:?}");
        assert_eq!(o.details["resolver"], server);
        assert!(o.response_ms.unwrap() >= 0.0);
    }
    let a = check(&server, "www.monitron.test", RecordKind::A, None).await;
    assert_eq!(a.details["ttl_s"], 120, "the lowest TTL");
}

#[tokio::test]
async fn expected_answers_must_all_be_present() {
    let server = dns_server().await;
    let up = check(
        &server,
        "www.monitron.test",
        RecordKind::A,
        Some(&["192.0.2.11"]),
    )
    .await;
    assert_eq!(up.status, Status::Up);
    let both = check(
        &server,
        "www.monitron.test",
        RecordKind::A,
        Some(&["192.0.2.10", "192.0.2.11"]),
    )
    .await;
    assert_eq!(both.status, Status::Up);
    let case_and_dot = check(
        &server,
        "status.monitron.test",
        RecordKind::Cname,
        Some(&["WWW.Monitron.Test."]),
    )
    .await;
    assert_eq!(case_and_dot.status, Status::Up, "{case_and_dot:?}");
    let moved = check(
        &server,
        "www.monitron.test",
        RecordKind::A,
        Some(&["192.0.2.10", "198.51.100.1"]),
    )
    .await;
    assert_eq!(moved.status, Status::Down);
    assert!(
        moved
            .message
            .starts_with("expected 198.51.100.1 not among the answers"),
        "{}",
        moved.message
    );
}

#[tokio::test]
async fn missing_names_and_types_are_down() {
    let server = dns_server().await;
    let nx = check(&server, "nope.monitron.test", RecordKind::A, None).await;
    assert_eq!(nx.status, Status::Down);
    assert!(nx.message.contains("nope.monitron.test"), "{}", nx.message);
    let no_type = check(&server, "status.monitron.test", RecordKind::Mx, None).await;
    assert_eq!(no_type.status, Status::Down, "{no_type:?}");
}

#[tokio::test]
async fn an_unanswering_resolver_is_down_within_the_timeout() {
    // A bound UDP socket that never answers.
    let silent = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let address = silent.local_addr().unwrap().to_string();
    let mut config = Config {
        name: "www.monitron.test".into(),
        record_type: RecordKind::A,
        resolver: Some(address),
        expected: None,
    };
    config.validate().unwrap();
    let started = Instant::now();
    let o = config.run(Duration::from_millis(700)).await;
    assert_eq!(o.status, Status::Down, "{o:?}");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    drop(silent);
}
