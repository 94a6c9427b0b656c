//! Probe tests against real local targets.

mod dns;
mod http;
mod mqtt;
mod target;
mod tcp;
mod tls;
