//! SeaORM entities for configuration data. Time-series data never goes through these.

pub mod alert;
pub mod alert_rule;
pub mod api_key;
pub mod audit_log;
pub mod escalation_policy;
pub mod incident;
pub mod instance_action;
pub mod instance_agent;
pub mod instance_probe;
pub mod live_ticket;
pub mod maintenance_window;
pub mod monitor;
pub mod monitor_state;
pub mod notification;
pub mod notification_channel;
pub mod outbox;
pub mod password_reset;
pub mod refresh_token;
pub mod role;
pub mod series;
pub mod session;
pub mod setting;
pub mod user;
pub mod user_grant;
