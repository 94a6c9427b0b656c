//! Probe tests against real local targets.

mod dns;
mod http;
mod target;
mod tcp;
mod tls;
