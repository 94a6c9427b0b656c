//! An authoritative DNS server (hickory-server) on 127.0.0.1, UDP and TCP on one port.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use hickory_server::net::runtime::TokioRuntimeProvider;
use hickory_server::proto::rr::rdata::{A, NS, SOA};
use hickory_server::proto::rr::{LowerName, Name, RData, Record};
use hickory_server::store::in_memory::InMemoryZoneHandler;
use hickory_server::zone_handler::{AxfrPolicy, Catalog, ZoneType};
use hickory_server::Server;

pub use hickory_server::proto::rr;

/// A name from text (`www.example.test.`).
pub fn name(text: &str) -> Name {
    Name::from_ascii(text).unwrap()
}

/// An A record.
pub fn a(owner: &str, ip: Ipv4Addr, ttl: u32) -> Record {
    Record::from_rdata(name(owner), ttl, RData::A(A(ip)))
}

/// Serves the zone `origin` (with a SOA and NS added) holding `records`; returns
/// `127.0.0.1:port`.
pub async fn serve_zone(origin: &str, records: Vec<Record>) -> String {
    let origin = name(origin);
    let mut zone = InMemoryZoneHandler::<TokioRuntimeProvider>::empty(
        origin.clone(),
        ZoneType::Primary,
        AxfrPolicy::Deny,
    );
    let ns = name(&format!("ns1.{origin}"));
    let soa = Record::from_rdata(
        origin.clone(),
        3600,
        RData::SOA(SOA::new(
            ns.clone(),
            name(&format!("hostmaster.{origin}")),
            2026112101,
            3600,
            600,
            86400,
            60,
        )),
    );
    let ns_record = Record::from_rdata(origin.clone(), 3600, RData::NS(NS(ns)));
    for record in [soa, ns_record].into_iter().chain(records) {
        zone.upsert_mut(record, 2026112101);
    }
    let mut catalog = Catalog::new();
    catalog.upsert(LowerName::new(&origin), vec![Arc::new(zone)]);
    let mut server = Server::new(catalog);
    let udp = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let port = udp.local_addr().unwrap().port();
    let tcp = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], port)))
        .await
        .unwrap();
    server.register_socket(udp);
    server.register_listener(tcp, Duration::from_secs(5), 4096);
    tokio::spawn(async move {
        let _ = server.block_until_done().await;
    });
    format!("127.0.0.1:{port}")
}
