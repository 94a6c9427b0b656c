//! Bodies of the agent's HTTP API (port 7773): the envelope every answer comes in, the
//! login and refresh exchange of JWT mode, the agent's own health, and power actions.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::config::FieldErrors;

/// Every answer of the agent, success or error, as the server's API envelope:
/// `code` 0 on success, otherwise HTTP status * 100 + a reason number.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Envelope<T> {
    /// 0, or the error code.
    pub code: u32,
    /// Short human text.
    pub message: String,
    /// The answer; `null` on errors.
    pub data: Option<T>,
    /// Field errors on validation failures, else `null`.
    pub error: Option<FieldErrors>,
}

/// `POST /v1/auth/login`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    /// The agent's configured user name.
    pub username: String,
    /// Its password.
    pub password: String,
}

/// `POST /v1/auth/refresh`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    /// A refresh token from login or a previous refresh.
    pub refresh_token: String,
}

/// Tokens of JWT mode. In Basic mode login answers without tokens: it only confirms the
/// credentials, which are then sent on every request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tokens {
    /// Short-lived bearer token.
    pub access_token: Option<String>,
    /// Exchanged for a new pair on `/v1/auth/refresh`; kept by the agent for 24 h.
    pub refresh_token: Option<String>,
    /// `Bearer` or `Basic`.
    pub token_type: String,
    /// Seconds until the access token expires.
    pub expires_in: Option<u64>,
}

/// `GET /v1/health`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Health {
    /// The agent's version.
    pub version: String,
    /// Seconds since the agent started.
    pub uptime_s: u64,
    /// When metrics were last collected.
    pub last_collection_at: Option<DateTime<Utc>>,
    /// The offline buffer.
    pub buffer: BufferHealth,
    /// The link to the server.
    pub server: ServerLink,
    /// Revision of the configuration in use.
    pub config_revision: u64,
}

/// The offline buffer's state.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BufferHealth {
    /// Records waiting for the server.
    pub depth: u64,
    /// Their size on disk.
    pub bytes: u64,
    /// Records dropped because the buffer was full or they were too old.
    pub dropped: u64,
}

/// How the agent reaches the server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServerLink {
    /// `pull` (the server calls the agent) or `push`.
    pub mode: String,
    /// `connected`, `connecting`, or `none` in pull mode.
    pub state: String,
    /// When the server last acknowledged anything.
    pub last_contact_at: Option<DateTime<Utc>>,
}

/// What the server may ask an agent to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Finish in-flight work, flush the buffer and start again.
    RestartAgent,
    /// Reboot the host (refused unless the agent allows power actions).
    Reboot,
    /// Power the host off (refused unless the agent allows power actions).
    Shutdown,
}

impl Action {
    /// The agent API path that performs it.
    pub fn path(self) -> &'static str {
        match self {
            Self::RestartAgent => "/v1/agent/restart",
            Self::Reboot => "/v1/host/reboot",
            Self::Shutdown => "/v1/host/shutdown",
        }
    }

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::RestartAgent => "restart_agent",
            Self::Reboot => "reboot",
            Self::Shutdown => "shutdown",
        }
    }
}
