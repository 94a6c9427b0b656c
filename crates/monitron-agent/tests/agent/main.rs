//! Tests of the real `monitron-agent` binary: each starts its own agent on 127.0.0.1 port 0
//! with a fresh data directory and talks HTTP to it.

mod actions;
mod auth;
mod config;
mod helpers;
mod input;
mod metrics;
mod plugins;
mod probes;
mod push;
mod push_server;
mod startup;
mod tls;
