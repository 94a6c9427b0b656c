//! The Monitron server as a library, so that integration tests drive exactly what the
//! `monitron` binary runs. `main.rs` only parses the command line and maps errors to an
//! exit code.

pub mod alerting;
pub mod api;
pub mod audit;
pub mod auth;
pub mod bootstrap;
pub mod cipher;
pub mod cli;
pub mod config;
pub mod db;
pub mod engine;
pub mod error;
pub mod events;
pub mod heartbeat;
pub mod history;
pub mod instances;
pub mod mail;
pub mod memory;
pub mod metrics;
pub mod monitor_gauges;
pub mod monitors;
pub mod notify;
pub mod overview;
pub mod queue;
pub mod rate_limit;
pub mod scheduler;
pub mod secrets;
pub mod settings;
pub mod startup;
pub mod state;
pub mod status_pages;
pub mod telemetry;
pub mod users;
