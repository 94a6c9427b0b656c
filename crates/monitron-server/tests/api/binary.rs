//! The `monitron` binary itself: configuration errors, `config check`, `migrate`, and
//! graceful shutdown on SIGTERM.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn monitron(dir: &std::path::Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_monitron"));
    cmd.current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATA_DIR", dir.join("data"))
        .env("LOG_FORMAT", "json");
    cmd
}

fn temp_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("monitron-bin-{}", uuid::Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn a_bad_variable_fails_fast_naming_it() {
    let dir = temp_dir();
    for (var, value) in [
        ("PORT", "eighty"),
        ("DATABASE_URL", "mysql://db/x"),
        ("LOG_FORMAT", "xml"),
        ("JWT_SECRET", "short"),
    ] {
        let out = monitron(&dir)
            .arg("serve")
            .env(var, value)
            .output()
            .unwrap();
        assert!(!out.status.success(), "{var}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(var), "{var}: {stderr}");
    }
    let out = monitron(&dir)
        .arg("serve")
        .env("MONITRON_ENV", "production")
        .env("PORT", "0")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("JWT_SECRET is required"),
        "production refuses to generate secrets"
    );
}

#[test]
fn config_check_prints_the_effective_configuration_with_secrets_masked() {
    let dir = temp_dir();
    let out = monitron(&dir)
        .args(["config", "check"])
        .env(
            "DATABASE_URL",
            "postgres://mon:db-password-42@db.internal:5432/monitron",
        )
        .env("JWT_SECRET", "a-jwt-secret-that-is-long-enough-xyz")
        .env("EMAIL_HOST", "smtp.example.com")
        .env("EMAIL_FROM", "ops@example.com")
        .env("EMAIL_PASSWORD", "mail-password-42")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(
        stdout.contains("postgres://mon:******@db.internal:5432/monitron"),
        "{stdout}"
    );
    for secret in ["db-password-42", "a-jwt-secret", "mail-password-42"] {
        assert!(!stdout.contains(secret), "{secret} leaked:\n{stdout}");
    }
    assert!(stdout.contains("EMAIL_HOST") && stdout.contains("smtp.example.com"));
}

#[test]
fn migrate_creates_the_sqlite_database() {
    let dir = temp_dir();
    let out = monitron(&dir).arg("migrate").output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(dir.join("data/monitron.db").exists());
    let again = monitron(&dir).arg("migrate").output().unwrap();
    assert!(again.status.success(), "migrating twice is harmless");
}

#[test]
fn sigterm_drains_and_exits_cleanly() {
    let dir = temp_dir();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = monitron(&dir)
        .arg("serve")
        .env("PORT", port.to_string())
        .env("BIND_ADDRESS", "127.0.0.1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    loop {
        if probe::healthz_ok(port) {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "server did not start"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(10);
    let exit = loop {
        if let Some(exit) = child.try_wait().unwrap() {
            break exit;
        }
        assert!(
            Instant::now() < deadline,
            "server did not stop within 10s of SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    let out = child.wait_with_output().unwrap();
    let log = String::from_utf8_lossy(&out.stdout);
    assert!(exit.success(), "exit {exit:?}\n{log}");
    assert!(log.contains("Monitron stopped."), "{log}");
    // JSON logs: one object per line.
    for line in log.lines().filter(|l| !l.trim().is_empty()) {
        serde_json::from_str::<serde_json::Value>(line)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
    }
}

mod probe {
    use std::io::{Read, Write};

    /// A tiny blocking `GET /healthz` (the async client needs a runtime this test lacks).
    pub fn healthz_ok(port: u16) -> bool {
        let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", port)) else {
            return false;
        };
        let _ = write!(
            stream,
            "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
        );
        let mut buf = String::new();
        let _ = stream.read_to_string(&mut buf);
        buf.starts_with("HTTP/1.1 200")
    }
}
