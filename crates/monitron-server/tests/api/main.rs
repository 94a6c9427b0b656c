//! Integration tests: the real server on a loopback port with its own database, driven over
//! HTTP. Every test runs against SQLite and PostgreSQL.

mod agent_process;
mod alerting;
mod helpers;

mod api_keys;
mod auth;
mod bad_input;
mod binary;
mod browser;
mod channels;
mod check_types;
mod concurrency;
mod domains;
mod engine;
mod failover;
mod heartbeats;
mod instances;
mod layers;
mod live;
mod overview;
mod password_reset;
mod processes;
mod push_agents;
mod queue;
mod rate_limits;
mod registration;
mod regressions;
mod role_matrix;
mod services;
mod shutdown;
mod status_pages;
mod system;
mod targets;
mod users;
