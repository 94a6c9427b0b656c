//! The scheduler: decides when each monitor is checked. [`plan`] holds every enabled
//! monitor's next due time in memory; the loop that pops due monitors and publishes check
//! jobs builds on it.

pub mod plan;
