//! Probe tests against real local targets.

mod dns;
mod domain;
mod grpc;
mod http;
mod mqtt;
mod ping;
mod target;
mod tcp;
mod tls;
mod traceroute;
mod udp;
