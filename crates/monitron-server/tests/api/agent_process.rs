//! The real `monitron-agent` binary as a child process, for end-to-end tests of
//! instances. The binary is built by `cargo test --workspace` (the agent crate has
//! integration tests, so cargo builds its binary); it lives beside this test binary.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// The agent binary in the same target directory as this test.
pub fn binary() -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    // target/<profile>/deps/api-xxxx -> target/<profile>/monitron-agent
    let path = exe
        .parent()
        .and_then(Path::parent)
        .expect("target directory")
        .join("monitron-agent");
    assert!(
        path.exists(),
        "{} is missing: run `cargo build -p monitron-agent` (or `cargo test --workspace`) first",
        path.display()
    );
    path
}

/// A running agent.
pub struct AgentProcess {
    child: Option<Child>,
    /// Its API port on 127.0.0.1.
    pub port: u16,
    /// Its data directory (buffer, credential, local config).
    pub data_dir: PathBuf,
    env: Vec<(String, String)>,
}

impl AgentProcess {
    /// Starts an agent on 127.0.0.1 with a fresh data directory and `env`.
    pub async fn start(env: &[(&str, &str)]) -> Self {
        let data_dir =
            std::env::temp_dir().join(format!("monitron-agent-{}", uuid::Uuid::now_v7().simple()));
        std::fs::create_dir_all(&data_dir).unwrap();
        let env = env
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        let mut agent = Self {
            child: None,
            port: 0,
            data_dir,
            env,
        };
        agent.spawn().await;
        agent
    }

    async fn spawn(&mut self) {
        let addr_file = self.data_dir.join("addr");
        let _ = std::fs::remove_file(&addr_file);
        let mut command = Command::new(binary());
        command
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("MONITRON_AGENT_LISTEN", "127.0.0.1:0")
            .env("MONITRON_AGENT_DATA_DIR", &self.data_dir)
            .env("MONITRON_AGENT_ADDR_FILE", &addr_file)
            .env("MONITRON_AGENT_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit());
        for (k, v) in &self.env {
            command.env(k, v);
        }
        self.child = Some(command.spawn().expect("start monitron-agent"));
        for _ in 0..200 {
            if let Ok(text) = std::fs::read_to_string(&addr_file) {
                if let Some(port) = text.trim().rsplit(':').next().and_then(|p| p.parse().ok()) {
                    self.port = port;
                    return;
                }
            }
            if let Some(status) = self
                .child
                .as_mut()
                .and_then(|c| c.try_wait().ok().flatten())
            {
                panic!("monitron-agent exited at start-up: {status}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("monitron-agent did not report its address within 10 s");
    }

    /// Kills the agent with SIGKILL (no chance to flush anything).
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts it again on the same data directory (a new port).
    pub async fn restart(&mut self) {
        self.kill();
        self.spawn().await;
    }
}

impl Drop for AgentProcess {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.data_dir);
    }
}
