//! Spawning the real `monitron-agent` binary on 127.0.0.1 with its own data directory, and
//! talking to it the way a server would.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use monitron_proto::agent_api::Envelope;
use monitron_proto::signing::{self, SignedParts};
use reqwest::{Method, StatusCode};
use serde_json::Value;

pub const USERNAME: &str = "monitron";
pub const PASSWORD: &str = "correct horse battery";
pub const API_KEY: &str = "test-api-key-0123456789";
pub const HMAC_SECRET: &str = "test-hmac-secret-0123456789";

/// How the test authenticates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Jwt,
    Basic,
    ApiKey,
    Hmac,
}

impl Mode {
    fn env(self) -> Vec<(&'static str, &'static str)> {
        match self {
            Mode::Jwt => vec![
                ("MONITRON_AGENT_AUTH", "jwt"),
                ("MONITRON_AGENT_USERNAME", USERNAME),
                ("MONITRON_AGENT_PASSWORD", PASSWORD),
            ],
            Mode::Basic => vec![
                ("MONITRON_AGENT_AUTH", "basic"),
                ("MONITRON_AGENT_USERNAME", USERNAME),
                ("MONITRON_AGENT_PASSWORD", PASSWORD),
            ],
            Mode::ApiKey => vec![
                ("MONITRON_AGENT_AUTH", "api_key"),
                ("MONITRON_AGENT_API_KEY", API_KEY),
            ],
            Mode::Hmac => vec![
                ("MONITRON_AGENT_AUTH", "hmac"),
                ("MONITRON_AGENT_HMAC_SECRET", HMAC_SECRET),
            ],
        }
    }
}

/// Settings for a test agent.
pub struct AgentBuilder {
    mode: Mode,
    env: Vec<(String, String)>,
    data_dir: Option<tempfile::TempDir>,
}

pub fn agent(mode: Mode) -> AgentBuilder {
    AgentBuilder {
        mode,
        env: Vec::new(),
        data_dir: None,
    }
}

impl AgentBuilder {
    pub fn env(mut self, key: &str, value: impl Into<String>) -> Self {
        self.env.push((key.to_owned(), value.into()));
        self
    }

    /// Reuses a data directory (to test what survives a restart).
    pub fn data_dir(mut self, dir: tempfile::TempDir) -> Self {
        self.data_dir = Some(dir);
        self
    }

    fn command(&self, data_dir: &Path, addr_file: &Path) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_monitron-agent"));
        command
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("MONITRON_AGENT_LISTEN", "127.0.0.1:0")
            .env("MONITRON_AGENT_DATA_DIR", data_dir)
            .env("MONITRON_AGENT_ADDR_FILE", addr_file)
            .env("MONITRON_AGENT_LOG", "debug");
        for (k, v) in self.mode.env() {
            command.env(k, v);
        }
        for (k, v) in &self.env {
            command.env(k, v);
        }
        command
    }

    /// Runs the agent expecting it to refuse to start; returns its exit code and stderr.
    pub fn start_fails(self) -> (i32, String) {
        let dir = tempfile::tempdir().unwrap();
        let output = self
            .command(&dir.path().join("data"), &dir.path().join("addr"))
            .output()
            .unwrap();
        assert!(!output.status.success(), "the agent started");
        (
            output.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    }

    pub async fn spawn(self) -> TestAgent {
        let data_dir = match self.data_dir {
            Some(ref dir) => dir.path().to_owned(),
            None => PathBuf::new(),
        };
        let holder = match self.data_dir {
            Some(_) => None,
            None => Some(tempfile::tempdir().unwrap()),
        };
        let data_dir = holder.as_ref().map_or(data_dir, |d| d.path().to_owned());
        let addr_file = data_dir.join("addr");
        let _ = std::fs::remove_file(&addr_file);
        let log_path = data_dir.join("agent.log");
        let log = std::fs::File::create(&log_path).unwrap();
        let child = self
            .command(&data_dir, &addr_file)
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap();
        let dir = match (self.data_dir, holder) {
            (Some(d), _) | (None, Some(d)) => d,
            (None, None) => unreachable!(),
        };
        let mut agent = TestAgent {
            child,
            addr: "0.0.0.0:0".parse().unwrap(),
            dir,
            addr_file,
            log_path,
            mode: self.mode,
            client: reqwest::Client::new(),
            scheme: "http",
            token: None,
        };
        agent.addr = agent.wait_for_addr(None).await;
        agent
    }
}

/// A running agent; killed on drop.
pub struct TestAgent {
    pub child: Child,
    pub addr: SocketAddr,
    pub dir: tempfile::TempDir,
    pub addr_file: PathBuf,
    pub log_path: PathBuf,
    pub mode: Mode,
    pub client: reqwest::Client,
    pub scheme: &'static str,
    token: Option<String>,
}

impl Drop for TestAgent {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An answer: status and envelope.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Envelope<Value>,
}

impl Answer {
    pub fn data(&self) -> &Value {
        self.body.data.as_ref().expect("data")
    }

    pub fn error_keys(&self) -> Vec<String> {
        self.body
            .error
            .as_ref()
            .map(|e| e.keys().cloned().collect())
            .unwrap_or_default()
    }

    /// Asserts the envelope code (and the HTTP status it implies).
    #[track_caller]
    pub fn expect(&self, code: u32) -> &Self {
        assert_eq!(self.body.code, code, "{self:?}");
        let status = if code == 0 {
            self.status.as_u16()
        } else {
            (code / 100) as u16
        };
        assert_eq!(self.status.as_u16(), status, "{self:?}");
        self
    }
}

impl TestAgent {
    pub fn url(&self, path: &str) -> String {
        format!("{}://{}{path}", self.scheme, self.addr)
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log_path).unwrap_or_default()
    }

    /// Waits until the address file names an address other than `old`.
    pub async fn wait_for_addr(&mut self, old: Option<SocketAddr>) -> SocketAddr {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(text) = std::fs::read_to_string(&self.addr_file) {
                if let Ok(addr) = text.trim().parse::<SocketAddr>() {
                    if Some(addr) != old {
                        return addr;
                    }
                }
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("the agent exited ({status}):\n{}", self.log());
            }
            assert!(
                Instant::now() < deadline,
                "the agent did not start:\n{}",
                self.log()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Sends a request without credentials.
    pub async fn raw(&self, request: reqwest::RequestBuilder) -> Answer {
        let response = request.send().await.expect("the agent answers");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.unwrap();
        let body = serde_json::from_slice(&bytes).unwrap_or_else(|err| {
            panic!(
                "not an envelope ({err}): {status} {}",
                String::from_utf8_lossy(&bytes)
            )
        });
        Answer {
            status,
            headers,
            body,
        }
    }

    pub async fn login(&self) -> Answer {
        self.raw(
            self.client
                .post(self.url("/v1/auth/login"))
                .json(&serde_json::json!({"username": USERNAME, "password": PASSWORD})),
        )
        .await
    }

    /// Adds this mode's credentials to a request for `method path` with `body`.
    pub async fn authorize(
        &mut self,
        method: &Method,
        path: &str,
        body: &[u8],
        request: reqwest::RequestBuilder,
    ) -> reqwest::RequestBuilder {
        match self.mode {
            Mode::Jwt => {
                if self.token.is_none() {
                    let login = self.login().await;
                    login.expect(0);
                    self.token = Some(login.data()["access_token"].as_str().unwrap().to_owned());
                }
                request.bearer_auth(self.token.as_ref().unwrap())
            }
            Mode::Basic => request.header(
                "authorization",
                format!(
                    "Basic {}",
                    base64::engine::general_purpose::STANDARD
                        .encode(format!("{USERNAME}:{PASSWORD}"))
                ),
            ),
            Mode::ApiKey => request.header("x-api-key", API_KEY),
            Mode::Hmac => {
                let ts = chrono::Utc::now().timestamp().to_string();
                let sig = sign(&ts, method.as_str(), path, body);
                request
                    .header(signing::TIMESTAMP_HEADER, ts)
                    .header(signing::SIGNATURE_HEADER, sig)
            }
        }
    }

    /// Forgets the cached access token (after a restart).
    pub fn forget_token(&mut self) {
        self.token = None;
    }

    /// An authorised request.
    pub async fn call(&mut self, method: Method, path: &str, body: Option<&Value>) -> Answer {
        let bytes = body
            .map(|b| serde_json::to_vec(b).unwrap())
            .unwrap_or_default();
        // Identical signed requests within one second are replays to the agent: a nonce in
        // the (signed) query string tells them apart, as the docs advise.
        let path = if self.mode == Mode::Hmac {
            let sep = if path.contains('?') { '&' } else { '?' };
            format!("{path}{sep}nonce={}", rand::random::<u64>())
        } else {
            path.to_owned()
        };
        let path = path.as_str();
        let mut request = self.client.request(method.clone(), self.url(path));
        if body.is_some() {
            request = request
                .header("content-type", "application/json")
                .body(bytes.clone());
        }
        let request = self.authorize(&method, path, &bytes, request).await;
        self.raw(request).await
    }

    pub async fn get(&mut self, path: &str) -> Answer {
        self.call(Method::GET, path, None).await
    }

    pub async fn metrics(&mut self) -> Value {
        let answer = self.get("/v1/metrics").await;
        answer.expect(0);
        answer.data().clone()
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

pub fn sign(ts: &str, method: &str, path: &str, body: &[u8]) -> String {
    signing::sign(
        HMAC_SECRET.as_bytes(),
        &SignedParts {
            timestamp: ts,
            method,
            path,
            body,
        },
    )
}

/// Polls `check` until it returns `Some`, for at most `timeout`.
pub async fn eventually<T, F, Fut>(timeout: Duration, mut check: F) -> Option<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(value) = check().await {
            return Some(value);
        }
        if Instant::now() >= deadline {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
