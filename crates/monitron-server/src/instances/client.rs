//! The server's client for the agent's HTTP API (pull mode): metrics, device information,
//! configuration delivery and actions, with each of the agent's auth modes.
//!
//! In JWT mode the access and refresh tokens are kept per instance; an expired or
//! refused access token is renewed with the refresh token, and failing that by logging
//! in again, once per call.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use monitron_proto::agent_api::{Action, Envelope, LoginRequest, RefreshRequest, Tokens};
use monitron_proto::push::CheckResult;
use monitron_proto::signing::{self, SignedParts};
use monitron_proto::{AgentConfig, DeviceInfo, Snapshot};
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use uuid::Uuid;

use crate::monitors::agent::{AuthType, InstanceSettings};

/// Why a call to an agent failed, in words fit for a monitor's message.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CallError {
    /// The agent could not be reached or did not answer in time.
    #[error("{0}")]
    Unreachable(String),
    /// The agent refused the credentials.
    #[error("the agent refused the credentials: {0}")]
    Unauthorized(String),
    /// The agent answered with an error.
    #[error("the agent answered {code}: {message}")]
    Refused {
        /// The agent's error code.
        code: u32,
        /// Its message.
        message: String,
    },
    /// The answer was not what the protocol says.
    #[error("the agent's answer could not be read: {0}")]
    BadAnswer(String),
}

struct JwtTokens {
    access: String,
    access_until: Instant,
    refresh: Option<String>,
}

/// Calls agents. Cheap to share; one per process.
pub struct AgentClient {
    verifying: reqwest::Client,
    trusting: reqwest::Client,
    tokens: Mutex<HashMap<Uuid, JwtTokens>>,
}

impl Default for AgentClient {
    fn default() -> Self {
        Self::new()
    }
}

fn build(skip_verify: bool) -> reqwest::Client {
    reqwest::Client::builder()
        .user_agent(concat!("monitron/", env!("CARGO_PKG_VERSION")))
        .danger_accept_invalid_certs(skip_verify)
        // Credentials go to the configured address only.
        .redirect(reqwest::redirect::Policy::none())
        .pool_idle_timeout(Duration::from_secs(30))
        .build()
        .unwrap_or_default()
}

impl AgentClient {
    /// A client with connection pools for verified and unverified TLS.
    pub fn new() -> Self {
        Self {
            verifying: build(false),
            trusting: build(true),
            tokens: Mutex::new(HashMap::new()),
        }
    }

    /// Forgets the tokens of an instance (its settings changed).
    pub fn forget(&self, id: Uuid) {
        self.tokens.lock().expect("token lock").remove(&id);
    }

    /// `GET /v1/metrics`, with the time the call took in milliseconds.
    pub async fn metrics(
        &self,
        id: Uuid,
        settings: &InstanceSettings,
        timeout: Duration,
    ) -> Result<(Snapshot, f64), CallError> {
        let started = Instant::now();
        let snapshot = self
            .call(id, settings, Method::GET, "/v1/metrics", None, timeout)
            .await?;
        Ok((snapshot, started.elapsed().as_secs_f64() * 1000.0))
    }

    /// `GET /v1/device`.
    pub async fn device(
        &self,
        id: Uuid,
        settings: &InstanceSettings,
        timeout: Duration,
    ) -> Result<DeviceInfo, CallError> {
        self.call(id, settings, Method::GET, "/v1/device", None, timeout)
            .await
    }

    /// `GET /v1/checks`: the latest result of each probe and plugin check.
    pub async fn checks(
        &self,
        id: Uuid,
        settings: &InstanceSettings,
        timeout: Duration,
    ) -> Result<Vec<CheckResult>, CallError> {
        self.call(id, settings, Method::GET, "/v1/checks", None, timeout)
            .await
    }

    /// `PUT /v1/config`.
    pub async fn put_config(
        &self,
        id: Uuid,
        settings: &InstanceSettings,
        config: &AgentConfig,
        timeout: Duration,
    ) -> Result<AgentConfig, CallError> {
        let body = serde_json::to_vec(config).map_err(|e| CallError::BadAnswer(e.to_string()))?;
        self.call(id, settings, Method::PUT, "/v1/config", Some(body), timeout)
            .await
    }

    /// Asks the agent to perform an action; answers the agent's message.
    pub async fn action(
        &self,
        id: Uuid,
        settings: &InstanceSettings,
        action: Action,
        timeout: Duration,
    ) -> Result<serde_json::Value, CallError> {
        self.call(
            id,
            settings,
            Method::POST,
            action.path(),
            Some(b"{}".to_vec()),
            timeout,
        )
        .await
    }

    async fn call<T: DeserializeOwned>(
        &self,
        id: Uuid,
        settings: &InstanceSettings,
        method: Method,
        path: &str,
        body: Option<Vec<u8>>,
        timeout: Duration,
    ) -> Result<T, CallError> {
        let deadline = Instant::now() + timeout;
        let mut renewed = false;
        loop {
            let remaining = deadline.saturating_duration_since(Instant::now());
            if remaining.is_zero() {
                return Err(CallError::Unreachable(format!(
                    "no answer within {} s",
                    timeout.as_secs()
                )));
            }
            let request = self
                .authorized(
                    id,
                    settings,
                    method.clone(),
                    path,
                    body.as_deref(),
                    remaining,
                )
                .await?;
            let (status, envelope) = send::<T>(request, remaining).await?;
            if status == StatusCode::UNAUTHORIZED
                && settings.auth.auth_type == AuthType::Jwt
                && !renewed
            {
                // The agent restarted (its signing key is per process) or the token
                // expired early: log in afresh once.
                self.forget(id);
                renewed = true;
                continue;
            }
            return unwrap(status, envelope);
        }
    }

    async fn authorized(
        &self,
        id: Uuid,
        settings: &InstanceSettings,
        method: Method,
        path: &str,
        body: Option<&[u8]>,
        timeout: Duration,
    ) -> Result<reqwest::RequestBuilder, CallError> {
        let client = if settings.tls_skip_verify {
            &self.trusting
        } else {
            &self.verifying
        };
        let url = format!("{}{path}", settings.base_url());
        let mut request = client.request(method.clone(), url).timeout(timeout);
        if let Some(body) = body {
            request = request
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(body.to_vec());
        }
        let auth = &settings.auth;
        Ok(match auth.auth_type {
            AuthType::Basic => request.basic_auth(&auth.username, Some(&auth.password)),
            AuthType::ApiKey => request.header("X-API-Key", &auth.api_key),
            AuthType::Hmac => {
                let timestamp = chrono::Utc::now().timestamp().to_string();
                let signature = signing::sign(
                    auth.secret.as_bytes(),
                    &SignedParts {
                        timestamp: &timestamp,
                        method: method.as_str(),
                        path,
                        body: body.unwrap_or_default(),
                    },
                );
                request
                    .header(signing::TIMESTAMP_HEADER, timestamp)
                    .header(signing::SIGNATURE_HEADER, signature)
            }
            AuthType::Jwt => {
                let token = self.access_token(id, settings, timeout).await?;
                request.bearer_auth(token)
            }
        })
    }

    /// A valid access token: cached, refreshed, or from a fresh login.
    async fn access_token(
        &self,
        id: Uuid,
        settings: &InstanceSettings,
        timeout: Duration,
    ) -> Result<String, CallError> {
        let refresh = {
            let tokens = self.tokens.lock().expect("token lock");
            match tokens.get(&id) {
                Some(t) if t.access_until > Instant::now() => return Ok(t.access.clone()),
                Some(t) => t.refresh.clone(),
                None => None,
            }
        };
        let client = if settings.tls_skip_verify {
            &self.trusting
        } else {
            &self.verifying
        };
        let base = settings.base_url();
        let mut fresh = None;
        if let Some(refresh_token) = refresh {
            let request = client
                .post(format!("{base}/v1/auth/refresh"))
                .timeout(timeout)
                .json(&RefreshRequest { refresh_token });
            if let Ok((status, envelope)) = send::<Tokens>(request, timeout).await {
                fresh = unwrap(status, envelope).ok();
            }
        }
        let tokens = match fresh {
            Some(t) => t,
            None => {
                let request = client
                    .post(format!("{base}/v1/auth/login"))
                    .timeout(timeout)
                    .json(&LoginRequest {
                        username: settings.auth.username.clone(),
                        password: settings.auth.password.clone(),
                    });
                let (status, envelope) = send::<Tokens>(request, timeout).await?;
                unwrap(status, envelope)?
            }
        };
        let Some(access) = tokens.access_token else {
            return Err(CallError::BadAnswer(
                "login gave no access token; is the agent in JWT mode?".into(),
            ));
        };
        // Renew a little early so a token never expires in flight.
        let lifetime = Duration::from_secs(tokens.expires_in.unwrap_or(60).saturating_sub(5));
        self.tokens.lock().expect("token lock").insert(
            id,
            JwtTokens {
                access: access.clone(),
                access_until: Instant::now() + lifetime,
                refresh: tokens.refresh_token,
            },
        );
        Ok(access)
    }
}

async fn send<T: DeserializeOwned>(
    request: reqwest::RequestBuilder,
    timeout: Duration,
) -> Result<(StatusCode, Envelope<T>), CallError> {
    let response = tokio::time::timeout(timeout, request.send())
        .await
        .map_err(|_| CallError::Unreachable(format!("no answer within {} s", timeout.as_secs())))?
        .map_err(|e| CallError::Unreachable(describe(&e)))?;
    let status = response.status();
    let bytes = tokio::time::timeout(timeout, read_capped(response))
        .await
        .map_err(|_| CallError::Unreachable("the answer did not arrive in time".into()))??;
    let envelope: Envelope<T> = serde_json::from_slice(&bytes)
        .map_err(|e| CallError::BadAnswer(format!("HTTP {}: {e}", status.as_u16())))?;
    Ok((status, envelope))
}

/// Most bytes read from one agent answer: a snapshot of a large host is tens of KB.
const MAX_ANSWER_BYTES: usize = 4 * 1024 * 1024;

/// Reads an answer body, refusing one larger than [`MAX_ANSWER_BYTES`].
async fn read_capped(mut response: reqwest::Response) -> Result<Vec<u8>, CallError> {
    let too_large = || {
        CallError::BadAnswer(format!(
            "the answer is larger than {} MiB",
            MAX_ANSWER_BYTES / 1024 / 1024
        ))
    };
    if response
        .content_length()
        .is_some_and(|n| n > MAX_ANSWER_BYTES as u64)
    {
        return Err(too_large());
    }
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| CallError::Unreachable(describe(&e)))?
    {
        if body.len() + chunk.len() > MAX_ANSWER_BYTES {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

fn unwrap<T>(status: StatusCode, envelope: Envelope<T>) -> Result<T, CallError> {
    if status == StatusCode::UNAUTHORIZED {
        return Err(CallError::Unauthorized(envelope.message));
    }
    match (envelope.code, envelope.data) {
        (0, Some(data)) => Ok(data),
        (0, None) => Err(CallError::BadAnswer("no data".into())),
        (code, _) => Err(CallError::Refused {
            code,
            message: envelope.message,
        }),
    }
}

/// The innermost cause, which is the useful part of a reqwest error.
fn describe(err: &reqwest::Error) -> String {
    let mut source: &dyn std::error::Error = err;
    while let Some(next) = source.source() {
        source = next;
    }
    if err.is_timeout() {
        "timed out".into()
    } else {
        source.to_string()
    }
}
