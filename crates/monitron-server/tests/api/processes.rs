//! `monitron serve` as child processes sharing one database: for tests of what happens
//! across processes and restarts (failover, split roles, agents reconnecting).

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;

pub const ADMIN: (&str, &str) = ("failover@example.com", "failover-password-1");

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub struct Server {
    pub child: Child,
    pub port: u16,
}

impl Server {
    /// SIGKILL: the process gets no chance to finish anything.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM, then waits for a clean exit (the scheduler lease is released).
    pub fn stop(mut self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let deadline = Instant::now() + Duration::from_secs(20);
        while self.child.try_wait().unwrap().is_none() {
            assert!(Instant::now() < deadline, "the server did not stop");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn start(env: &[(String, String)], dir: &std::path::Path) -> Server {
    start_with_roles(env, dir, &[])
}

pub fn start_with_roles(env: &[(String, String)], dir: &std::path::Path, roles: &[&str]) -> Server {
    start_on(env, dir, roles, free_port())
}

/// Starts `monitron serve` on a given port (a restart at the same address).
fn log(dir: &std::path::Path, port: u16) -> Stdio {
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join(format!("server-{port}.log")))
        .map_or_else(|_| Stdio::null(), Stdio::from)
}

pub fn start_on(
    env: &[(String, String)],
    dir: &std::path::Path,
    roles: &[&str],
    port: u16,
) -> Server {
    let child = Command::new(env!("CARGO_BIN_EXE_monitron"))
        .arg("serve")
        .args(roles.iter().flat_map(|r| ["--role", r]))
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .env("PORT", port.to_string())
        // The log is kept beside the data, to read when a test fails.
        .stdout(log(dir, port))
        .stderr(log(dir, port))
        .spawn()
        .unwrap();
    Server { child, port }
}

pub async fn wait_ready(client: &reqwest::Client, port: u16) {
    let started = Instant::now();
    while client
        .get(format!("http://127.0.0.1:{port}/readyz"))
        .send()
        .await
        .map(|r| r.status() != 200)
        .unwrap_or(true)
    {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "server on {port} did not start"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A fresh folder, and the environment every process of one test shares (without the
/// database, which each test chooses).
pub fn cluster(name: &str) -> (std::path::PathBuf, Vec<(String, String)>) {
    let dir =
        std::env::temp_dir().join(format!("monitron-{name}-{}", uuid::Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let env = vec![
        ("BIND_ADDRESS".into(), "127.0.0.1".into()),
        ("DATA_DIR".into(), dir.join("data").display().to_string()),
        (
            "JWT_SECRET".into(),
            "cluster-jwt-secret-that-is-long-enough-42".into(),
        ),
        (
            "ENCRYPTION_KEY".into(),
            "0123456789abcdef0123456789abcdef".into(),
        ),
        ("INITIAL_ADMIN_EMAIL".into(), ADMIN.0.into()),
        ("INITIAL_ADMIN_PASSWORD".into(), ADMIN.1.into()),
        ("LOG_LEVEL".into(), "warn".into()),
    ];
    (dir, env)
}

/// Signs the administrator in on the server at `port`.
pub async fn admin_token(client: &reqwest::Client, port: u16) -> String {
    let login: serde_json::Value = client
        .post(format!("http://127.0.0.1:{port}/api/v1/auth/login"))
        .json(&json!({ "login": ADMIN.0, "password": ADMIN.1 }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    login["data"]["access_token"].as_str().unwrap().to_owned()
}

/// POSTs `body` as JSON with `token`; answers the status code and the decoded envelope.
pub async fn post_json(
    client: &reqwest::Client,
    token: &str,
    url: &str,
    body: serde_json::Value,
) -> (u16, serde_json::Value) {
    let r = client
        .post(url)
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

/// Creates a default webhook channel named `hook` sending to `url`, through the API at
/// `api` (`http://host:port/api/v1`).
pub async fn default_webhook(client: &reqwest::Client, token: &str, api: &str, url: &str) {
    let (status, created) = post_json(
        client,
        token,
        &format!("{api}/notification-channels"),
        json!({ "name": "hook", "type": "webhook", "config": { "url": url }, "default": true }),
    )
    .await;
    assert_eq!(status, 201, "{created}");
}

/// A database for processes of one test: a SQLite file in `dir`, or a fresh PostgreSQL
/// database (with its name, to drop afterwards). `None` when PostgreSQL is absent and
/// skipping is allowed.
pub async fn database(
    backend: crate::helpers::Backend,
    dir: &std::path::Path,
) -> Option<(String, Option<String>)> {
    use sea_orm::{ConnectionTrait, Database};
    match backend {
        crate::helpers::Backend::Sqlite => Some((
            format!("sqlite://{}/shared.db?mode=rwc", dir.display()),
            None,
        )),
        crate::helpers::Backend::Postgres => {
            let admin_url = std::env::var("MONITRON_TEST_POSTGRES_URL")
                .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
            let Ok(admin) = Database::connect(&admin_url).await else {
                if std::env::var("MONITRON_SKIP_SERVICES").as_deref() == Ok("1") {
                    eprintln!("SKIPPED: PostgreSQL unreachable");
                    return None;
                }
                panic!("PostgreSQL is needed at {admin_url}");
            };
            let name = format!("monitron_proc_{}", uuid::Uuid::now_v7().simple());
            admin
                .execute_unprepared(&format!("CREATE DATABASE {name}"))
                .await
                .unwrap();
            Some((
                format!("{}/{name}", admin_url.rsplit_once('/').unwrap().0),
                Some(name),
            ))
        }
    }
}

/// Drops a database made by [`database`] for PostgreSQL (a SQLite file goes with its
/// folder).
pub async fn drop_database(name: Option<String>) {
    use sea_orm::{ConnectionTrait, Database};
    let Some(name) = name else { return };
    let admin_url = std::env::var("MONITRON_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    if let Ok(admin) = Database::connect(&admin_url).await {
        let _ = admin
            .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .await;
        admin.close().await.ok();
    }
}
