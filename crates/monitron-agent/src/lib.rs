//! The Monitron host agent: collects a host's metrics every interval into a short-lived
//! cache, serves them (and the host's description, its own health and configuration) over
//! an authenticated HTTP API, and in push mode sends them to the server through an offline
//! buffer on disk. It also runs reachability probes and plugins.
//!
//! The binary (`main.rs`) only reads [`settings::Settings`], starts logging and a
//! single-threaded runtime, and hands over to [`startup::Application`]; everything else is
//! here so that tests can drive it.

pub mod actions;
pub mod allocator;
pub mod api;
pub mod atomic_file;
pub mod auth;
pub mod buffer;
pub mod buffer_writer;
pub mod cache;
pub mod checks;
pub mod collect;
pub mod device;
pub mod lifecycle;
pub mod local_config;
pub mod plugins;
pub mod probes;
pub mod push;
pub mod settings;
pub mod startup;
pub mod status;
pub mod tls;

pub use lifecycle::Exit;
pub use settings::Settings;
pub use startup::Application;
