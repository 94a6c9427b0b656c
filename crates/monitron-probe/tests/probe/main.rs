//! Probe tests against real local targets.

mod http;
mod target;
mod tcp;
mod tls;
