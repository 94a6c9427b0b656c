//! Types and message signing shared by the Monitron server and the Monitron agent.
//!
//! This crate does no I/O: it holds what both ends of the agent protocol must agree on
//! byte for byte, so that the server and the agent cannot drift apart.

pub mod agent_api;
pub mod config;
pub mod device;
pub mod duration;
pub mod fields;
pub mod push;
pub mod signing;
pub mod snapshot;

pub use config::AgentConfig;
pub use device::DeviceInfo;
pub use fields::FieldErrors;
pub use snapshot::Snapshot;
