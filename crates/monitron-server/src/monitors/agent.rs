//! How the server reaches an instance's agent: the `config` of an instance monitor
//! (pull or push, host and port, TLS, and the credentials for the agent's API).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use monitron_probe::Secret;

use crate::error::FieldErrors;

/// The stored check type of instances.
pub const AGENT: &str = "agent";
/// Default port of the agent's HTTP API.
pub const DEFAULT_AGENT_PORT: u16 = 7773;

/// How the server and the agent reach each other.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Connection {
    /// The server calls the agent over HTTP.
    #[default]
    Pull,
    /// The agent connects to the server over WebSocket, or posts over HTTP.
    Push,
}

/// How the server authenticates to the agent's API (pull mode).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AuthType {
    /// Log in with user name and password, then bearer tokens (the agent's default).
    #[default]
    Jwt,
    /// User name and password on every request.
    Basic,
    /// `X-API-Key` header.
    ApiKey,
    /// HMAC-SHA256 signed requests with a shared secret.
    Hmac,
}

/// Credentials for the agent's API. Secrets are sealed at rest and masked when shown.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AgentAuth {
    /// The agent's auth mode.
    #[serde(rename = "type", default)]
    pub auth_type: AuthType,
    /// User name (jwt, basic).
    #[serde(
        default,
        deserialize_with = "null_as_empty",
        skip_serializing_if = "String::is_empty"
    )]
    pub username: String,
    /// Password (jwt, basic); secret.
    #[serde(
        default,
        deserialize_with = "null_as_empty",
        skip_serializing_if = "String::is_empty"
    )]
    pub password: String,
    /// API key (api_key); secret.
    #[serde(
        default,
        deserialize_with = "null_as_empty",
        skip_serializing_if = "String::is_empty"
    )]
    pub api_key: String,
    /// Shared secret (hmac); secret.
    #[serde(
        default,
        deserialize_with = "null_as_empty",
        skip_serializing_if = "String::is_empty"
    )]
    pub secret: String,
}

impl AgentAuth {
    /// The same credentials with every secret that is set shown as the mask: what a
    /// change that does not mention them means ("keep them"), so that keeping them is
    /// judged like sending the mask back (allowed only for the same agent address).
    pub fn masked(&self) -> Self {
        let mask = |s: &String| {
            if s.is_empty() {
                String::new()
            } else {
                crate::cipher::MASK.to_owned()
            }
        };
        Self {
            auth_type: self.auth_type,
            username: self.username.clone(),
            password: mask(&self.password),
            api_key: mask(&self.api_key),
            secret: mask(&self.secret),
        }
    }
}

/// `null` reads as empty, so a view (which shows unset fields as `null`) can be sent back.
fn null_as_empty<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(Option::<String>::deserialize(d)?.unwrap_or_default())
}

/// How to reach an instance's agent: the `config` of an instance monitor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InstanceSettings {
    /// Pull or push.
    pub connection: Connection,
    /// Host name or address of the agent (pull), or of the host (push, informative).
    pub host: String,
    /// Port of the agent's API.
    pub agent_port: u16,
    /// Call the agent over HTTPS.
    #[serde(default)]
    pub tls: bool,
    /// Accept any certificate from the agent (self-signed agents).
    #[serde(default)]
    pub tls_skip_verify: bool,
    /// Credentials for the agent's API.
    #[serde(default)]
    pub auth: AgentAuth,
}

impl InstanceSettings {
    /// Validates and normalises; errors are keyed by API field (`host`, `agent_auth.password`).
    pub fn validate(&mut self) -> Result<(), FieldErrors> {
        let mut errors = FieldErrors::new();
        let host = self
            .host
            .trim()
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_owned();
        if host.is_empty() {
            errors.insert("host".into(), "is required".into());
        } else if host.parse::<std::net::IpAddr>().is_err()
            && (host.contains('/') || host.contains(':') || url::Host::parse(&host).is_err())
        {
            errors.insert(
                "host".into(),
                "must be a host name or IP address, without scheme, port or path".into(),
            );
        } else {
            self.host = host;
        }
        if self.agent_port == 0 {
            errors.insert("agent_port".into(), "must be between 1 and 65535".into());
        }
        if self.connection == Connection::Pull {
            let auth = &self.auth;
            let mut require = |field: &str, value: &str| {
                if value.is_empty() {
                    errors.insert(
                        format!("agent_auth.{field}"),
                        format!(
                            "is required for {} authentication in pull mode",
                            serde_json::to_value(auth.auth_type)
                                .ok()
                                .and_then(|v| v.as_str().map(str::to_owned))
                                .unwrap_or_default()
                        ),
                    );
                }
            };
            match auth.auth_type {
                AuthType::Jwt | AuthType::Basic => {
                    require("username", &auth.username);
                    require("password", &auth.password);
                }
                AuthType::ApiKey => require("api_key", &auth.api_key),
                AuthType::Hmac => require("secret", &auth.secret),
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    /// The secrets with their API field names, for sealing, masking and opening.
    pub fn secrets_mut(&mut self) -> Vec<Secret<'_>> {
        vec![
            Secret::new("agent_auth.password", &mut self.auth.password),
            Secret::new("agent_auth.api_key", &mut self.auth.api_key),
            Secret::new("agent_auth.secret", &mut self.auth.secret),
        ]
    }

    /// Where the credentials are sent: the agent's API, and whether its certificate is
    /// verified (skipping that lets anyone in between take the credentials).
    pub fn destination(&self) -> String {
        if self.tls && self.tls_skip_verify {
            format!("{} (any certificate)", self.base_url())
        } else {
            self.base_url()
        }
    }

    /// Base URL of the agent's API.
    pub fn base_url(&self) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        if self.host.contains(':') {
            format!("{scheme}://[{}]:{}", self.host, self.agent_port)
        } else {
            format!("{scheme}://{}:{}", self.host, self.agent_port)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pull(host: &str, auth: AgentAuth) -> InstanceSettings {
        InstanceSettings {
            connection: Connection::Pull,
            host: host.into(),
            agent_port: DEFAULT_AGENT_PORT,
            tls: false,
            tls_skip_verify: false,
            auth,
        }
    }

    #[test]
    fn hosts_and_credentials_are_checked() {
        let jwt = AgentAuth {
            username: "monitron".into(),
            password: "secret".into(),
            ..AgentAuth::default()
        };
        let mut ok = pull(" [::1] ", jwt.clone());
        ok.validate().unwrap();
        assert_eq!(ok.base_url(), "http://[::1]:7773");
        for bad in ["", "http://x", "x/y", "a b", "x:80"] {
            let errors = pull(bad, jwt.clone()).validate().unwrap_err();
            assert!(errors.contains_key("host"), "{bad}: {errors:?}");
        }
        let errors = pull("db1", AgentAuth::default()).validate().unwrap_err();
        assert_eq!(
            errors.keys().collect::<Vec<_>>(),
            ["agent_auth.password", "agent_auth.username"]
        );
        let hmac = AgentAuth {
            auth_type: AuthType::Hmac,
            ..AgentAuth::default()
        };
        let errors = pull("db1", hmac.clone()).validate().unwrap_err();
        assert!(errors.contains_key("agent_auth.secret"));
        // Push agents bring their own credential.
        let mut push = pull("db1", hmac);
        push.connection = Connection::Push;
        push.validate().unwrap();
    }
}
