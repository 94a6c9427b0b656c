//! `spawn_app()`: the real server on port 0 with its own database (a fresh SQLite file, or
//! a fresh PostgreSQL database dropped afterwards), and a small HTTP client for it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use monitron_server::config::{Config, Vars};
use monitron_server::startup::Application;
use reqwest::Method;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use serde_json::{json, Value};

pub const ADMIN_EMAIL: &str = "admin@example.com";
pub const ADMIN_PASSWORD: &str = "admin-password-123";

/// Which database engine a test runs against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

fn postgres_admin_url() -> String {
    std::env::var("MONITRON_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

pub struct TestApp {
    pub address: String,
    pub db: DatabaseConnection,
    /// The server's shared state (its engine, metrics and queue), for tests that drive
    /// a unit of work directly.
    pub state: monitron_server::state::AppState,
    pub client: reqwest::Client,
    pub setup_token: Option<String>,
    pub data_dir: std::path::PathBuf,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
    pg_database: Option<String>,
}

/// A response, parsed.
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
    pub text: String,
}

impl Resp {
    pub fn code(&self) -> i64 {
        self.body["code"].as_i64().unwrap_or(-1)
    }

    pub fn data(&self) -> &Value {
        &self.body["data"]
    }

    pub fn error(&self) -> &Value {
        &self.body["error"]
    }
}

/// Credentials to send.
#[derive(Debug, Clone)]
pub enum Auth {
    None,
    Bearer(String),
    ApiKey(String),
    Basic(String, String),
}

/// Options for a test server.
pub struct Options {
    pub env: Vec<(String, String)>,
    pub initial_admin: bool,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            env: Vec::new(),
            initial_admin: true,
        }
    }
}

impl Options {
    pub fn env(mut self, key: &str, value: &str) -> Self {
        self.env.push((key.into(), value.into()));
        self
    }

    pub fn without_initial_admin(mut self) -> Self {
        self.initial_admin = false;
        self
    }
}

pub async fn spawn_app(backend: Backend) -> Option<TestApp> {
    spawn_app_with(backend, Options::default()).await
}

/// Starts a server; `None` when the backend's service is absent and skipping is allowed.
pub async fn spawn_app_with(backend: Backend, options: Options) -> Option<TestApp> {
    let data_dir =
        std::env::temp_dir().join(format!("monitron-test-{}", uuid::Uuid::now_v7().simple()));
    std::fs::create_dir_all(&data_dir).unwrap();
    let mut pg_database = None;
    let database_url = match backend {
        Backend::Sqlite => format!("sqlite://{}/monitron.db?mode=rwc", data_dir.display()),
        Backend::Postgres => {
            let admin_url = postgres_admin_url();
            let admin = match Database::connect(&admin_url).await {
                Ok(db) => db,
                Err(err) => {
                    if std::env::var("MONITRON_SKIP_SERVICES").as_deref() == Ok("1") {
                        eprintln!("SKIPPED: PostgreSQL test (MONITRON_SKIP_SERVICES=1; {admin_url} unreachable: {err})");
                        return None;
                    }
                    panic!(
                        "PostgreSQL is needed at {admin_url} ({err}). Start it with \
                         `pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`, \
                         point MONITRON_TEST_POSTGRES_URL at another server, or set MONITRON_SKIP_SERVICES=1 to skip."
                    );
                }
            };
            let name = format!("monitron_test_{}", uuid::Uuid::now_v7().simple());
            admin
                .execute_unprepared(&format!("CREATE DATABASE {name}"))
                .await
                .expect("create test database");
            admin.close().await.ok();
            let base = admin_url
                .rsplit_once('/')
                .map_or(admin_url.as_str(), |(b, _)| b)
                .to_owned();
            pg_database = Some(name.clone());
            format!("{base}/{name}")
        }
    };
    let mut env: HashMap<String, String> = HashMap::from([
        ("PORT".into(), "0".into()),
        ("BIND_ADDRESS".into(), "127.0.0.1".into()),
        ("DATA_DIR".into(), data_dir.display().to_string()),
        ("DATABASE_URL".into(), database_url),
        ("DATABASE_MAX_CONNECTIONS".into(), "5".into()),
        (
            "JWT_SECRET".into(),
            "test-jwt-secret-that-is-long-enough-0123456789".into(),
        ),
        (
            "ENCRYPTION_KEY".into(),
            "0123456789abcdef0123456789abcdef".into(),
        ),
        ("LOG_LEVEL".into(), "warn".into()),
        ("SHUTDOWN_TIMEOUT".into(), "2s".into()),
        // Generous limits so ordinary tests never trip them; rate-limit tests lower them.
        ("RATE_LIMIT_LOGIN_PER_IP".into(), "10000/1m".into()),
        ("RATE_LIMIT_LOGIN_PER_ACCOUNT".into(), "10000/1m".into()),
        ("RATE_LIMIT_FORGOT_PER_IP".into(), "10000/1m".into()),
        ("RATE_LIMIT_FORGOT_PER_EMAIL".into(), "10000/1m".into()),
        ("RATE_LIMIT_REGISTER_PER_IP".into(), "10000/1m".into()),
        ("RATE_LIMIT_PING_PER_TOKEN".into(), "10000/1m".into()),
        // Domain lookups never leave the machine: closed loopback ports unless a test
        // starts its own RDAP, WHOIS and DNS servers.
        (
            "RDAP_BOOTSTRAP_URL".into(),
            "http://127.0.0.1:9/dns.json".into(),
        ),
        ("WHOIS_SERVER".into(), "127.0.0.1:9".into()),
        ("DOMAIN_DNS_RESOLVER".into(), "127.0.0.1:9".into()),
    ]);
    if options.initial_admin {
        env.insert("INITIAL_ADMIN_EMAIL".into(), ADMIN_EMAIL.into());
        env.insert("INITIAL_ADMIN_PASSWORD".into(), ADMIN_PASSWORD.into());
    }
    for (k, v) in options.env {
        env.insert(k, v);
    }
    let config = Config::load(&Vars::from_pairs(
        env.iter().map(|(k, v)| (k.as_str(), v.as_str())),
    ))
    .expect("valid test config");
    let app = Application::build(config).await.expect("server builds");
    let port = app.port();
    let state = app.state().clone();
    let db = state.db.clone();
    let setup_token = match app.bootstrap() {
        monitron_server::bootstrap::Bootstrap::SetupToken(t) => Some(t.clone()),
        _ => None,
    };
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until(async move {
        let _ = rx.await;
    }));
    Some(TestApp {
        address: format!("http://127.0.0.1:{port}"),
        db,
        state,
        client: reqwest::Client::builder().no_proxy().build().unwrap(),
        setup_token,
        data_dir,
        shutdown: Some(tx),
        server: Some(server),
        pg_database,
    })
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(server) = self.server.take() {
            server.abort();
        }
        let _ = std::fs::remove_dir_all(&self.data_dir);
        if let Some(name) = self.pg_database.take() {
            // Dropping needs async I/O, and Drop is sync: do it on a short-lived runtime.
            std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                rt.block_on(async move {
                    if let Ok(admin) = Database::connect(&postgres_admin_url()).await {
                        let _ = admin
                            .execute_unprepared(&format!(
                                "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                            ))
                            .await;
                        admin.close().await.ok();
                    }
                });
            })
            .join()
            .ok();
        }
    }
}

impl TestApp {
    /// Starts a graceful shutdown; the handle completes when the server has stopped.
    pub fn begin_shutdown(&mut self) -> tokio::task::JoinHandle<anyhow::Result<()>> {
        let _ = self.shutdown.take().expect("running").send(());
        self.server.take().expect("running")
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    /// Sends a request, with a JSON body when given.
    pub async fn call(&self, method: Method, path: &str, auth: &Auth, body: Option<Value>) -> Resp {
        let mut req = self.client.request(method, self.url(path));
        req = match auth {
            Auth::None => req,
            Auth::Bearer(t) => req.bearer_auth(t),
            Auth::ApiKey(k) => req.header("X-API-Key", k),
            Auth::Basic(u, p) => req.basic_auth(u, Some(p)),
        };
        if let Some(body) = body {
            req = req.json(&body);
        }
        let resp = req.send().await.expect("request sent");
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let text = resp.text().await.unwrap_or_default();
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Resp {
            status,
            headers,
            body,
            text,
        }
    }

    pub async fn get(&self, path: &str, auth: &Auth) -> Resp {
        self.call(Method::GET, path, auth, None).await
    }

    pub async fn post(&self, path: &str, auth: &Auth, body: Value) -> Resp {
        self.call(Method::POST, path, auth, Some(body)).await
    }

    pub async fn patch(&self, path: &str, auth: &Auth, body: Value) -> Resp {
        self.call(Method::PATCH, path, auth, Some(body)).await
    }

    /// Signs in and returns the whole token pair.
    pub async fn login_pair(&self, login: &str, password: &str) -> Resp {
        self.post(
            "/api/v1/auth/login",
            &Auth::None,
            json!({ "login": login, "password": password }),
        )
        .await
    }

    /// Signs in; panics unless it works.
    pub async fn login(&self, login: &str, password: &str) -> Auth {
        let r = self.login_pair(login, password).await;
        assert_eq!(r.code(), 0, "login {login}: {}", r.text);
        Auth::Bearer(r.data()["access_token"].as_str().unwrap().to_owned())
    }

    pub async fn admin(&self) -> Auth {
        self.login(ADMIN_EMAIL, ADMIN_PASSWORD).await
    }

    /// An administrator credential that survives session revocations: a fresh admin API key.
    pub async fn admin_from_key(&self) -> Auth {
        let r = self
            .post(
                "/api/v1/me/api-keys",
                &self.admin().await,
                json!({ "name": "test admin key" }),
            )
            .await;
        Auth::ApiKey(r.data()["key"].as_str().unwrap().to_owned())
    }

    /// Creates a user with `role` through the API; returns (id, password).
    pub async fn create_user(&self, username: &str, role: &str) -> (String, String) {
        let password = format!("{username}-secret-pw-1");
        let r = self
            .post("/api/v1/users", &self.admin().await, json!({ "username": username, "email": format!("{username}@example.com"), "password": password, "role": role }))
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
        (r.data()["id"].as_str().unwrap().to_owned(), password)
    }

    /// Creates a user and signs them in.
    pub async fn user_with_token(&self, username: &str, role: &str) -> (String, String, Auth) {
        let (id, password) = self.create_user(username, role).await;
        let auth = self.login(username, &password).await;
        (id, password, auth)
    }

    /// Audit records with `action`, newest first.
    pub async fn audit(&self, action: &str) -> Vec<Value> {
        let r = self
            .get(
                &format!("/api/v1/audit-logs?action={action}&per_page=500"),
                &self.admin().await,
            )
            .await;
        assert_eq!(r.code(), 0, "{}", r.text);
        r.data()["items"].as_array().unwrap().clone()
    }
}

/// A real SMTP server (mailin) on a loopback port, collecting every message it receives.
pub struct SmtpServer {
    pub port: u16,
    messages: Arc<Mutex<Vec<String>>>,
}

#[derive(Clone)]
struct Collector {
    current: Vec<u8>,
    messages: Arc<Mutex<Vec<String>>>,
}

impl mailin_embedded::Handler for Collector {
    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.current.extend_from_slice(buf);
        Ok(())
    }

    fn data_end(&mut self) -> mailin_embedded::Response {
        let message = String::from_utf8_lossy(&std::mem::take(&mut self.current)).into_owned();
        self.messages.lock().unwrap().push(message);
        mailin_embedded::response::OK
    }
}

impl SmtpServer {
    pub fn start() -> Self {
        Self::start_on(0)
    }

    /// Starts on `port` (0 picks one): a mail server that comes up where Monitron was
    /// told to find it.
    pub fn start_on(port: u16) -> Self {
        let listener = std::net::TcpListener::bind(("127.0.0.1", port)).unwrap();
        let port = listener.local_addr().unwrap().port();
        let messages = Arc::new(Mutex::new(Vec::new()));
        let handler = Collector {
            current: Vec::new(),
            messages: messages.clone(),
        };
        let mut server = mailin_embedded::Server::new(handler);
        server.with_name("smtp.test").with_tcp_listener(listener);
        std::thread::spawn(move || {
            let _ = server.serve();
        });
        Self { port, messages }
    }

    pub fn messages(&self) -> Vec<String> {
        self.messages.lock().unwrap().clone()
    }

    /// Waits up to `secs` for the `n`th message.
    pub async fn wait_for(&self, n: usize, secs: u64) -> Vec<String> {
        for _ in 0..secs * 20 {
            let m = self.messages();
            if m.len() >= n {
                return m;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!(
            "expected {n} e-mail(s) within {secs}s, got {}",
            self.messages().len()
        );
    }
}

/// Generates `#[tokio::test]` wrappers running each named `async fn(Backend)` against SQLite
/// and PostgreSQL.
#[macro_export]
macro_rules! on_both_databases {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::helpers::Backend::Sqlite).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::helpers::Backend::Postgres).await;
                }
            )*
        }
    };
}

/// `let Some(app) = app!(backend)` that returns from the test when the service is skipped.
#[macro_export]
macro_rules! app {
    ($backend:expr) => {
        match $crate::helpers::spawn_app($backend).await {
            Some(app) => app,
            None => return,
        }
    };
    ($backend:expr, $options:expr) => {
        match $crate::helpers::spawn_app_with($backend, $options).await {
            Some(app) => app,
            None => return,
        }
    };
}
