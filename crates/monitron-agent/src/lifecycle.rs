//! Starting, stopping and restarting the agent process.
//!
//! A stop (SIGTERM, SIGINT) or a restart request cancels one token; every task watches it,
//! finishes what it is doing and returns, and the HTTP server stops accepting and drains its
//! in-flight requests. A restart then replaces the process image with a fresh copy of the
//! agent (same pid, arguments and environment), so a service manager sees no exit and the
//! new image re-reads its configuration and binary from disk.

use std::os::unix::process::CommandExt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use tokio_util::sync::CancellationToken;

/// How the agent ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Asked to stop.
    Stopped,
    /// Asked to restart: the caller re-executes the binary.
    Restart,
}

/// The shared stop switch.
#[derive(Debug, Clone, Default)]
pub struct Lifecycle {
    stop: CancellationToken,
    restart: Arc<AtomicBool>,
}

impl Lifecycle {
    /// A running lifecycle.
    pub fn new() -> Self {
        Self::default()
    }

    /// Cancelled when the agent must wind down.
    pub fn stopping(&self) -> CancellationToken {
        self.stop.clone()
    }

    /// Asks every task to finish.
    pub fn request_stop(&self) {
        self.stop.cancel();
    }

    /// Asks every task to finish, then for a re-execution.
    pub fn request_restart(&self) {
        self.restart.store(true, Ordering::SeqCst);
        self.stop.cancel();
    }

    /// What was asked.
    pub fn exit(&self) -> Exit {
        if self.restart.load(Ordering::SeqCst) {
            Exit::Restart
        } else {
            Exit::Stopped
        }
    }
}

/// Resolves on SIGTERM or SIGINT.
pub async fn termination_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    let (Ok(mut term), Ok(mut int)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) else {
        tracing::warn!("Cannot listen for termination signals.");
        return std::future::pending().await;
    };
    tokio::select! {
        _ = term.recv() => tracing::info!(signal = "SIGTERM", "Stopping."),
        _ = int.recv() => tracing::info!(signal = "SIGINT", "Stopping."),
    }
}

/// Replaces this process with a fresh start of the same binary, arguments and environment.
/// Returns only when that fails.
pub fn reexec() -> std::io::Error {
    let exe = match std::env::current_exe() {
        Ok(exe) => exe,
        Err(err) => return err,
    };
    // After a package upgrade the running binary's file is gone and the kernel names it
    // "<path> (deleted)": the new binary at the same path is the one to run.
    let exe = match exe.to_str().and_then(|p| p.strip_suffix(" (deleted)")) {
        Some(path) => std::path::PathBuf::from(path),
        None => exe,
    };
    tracing::info!(exe = %exe.display(), "Restarting.");
    std::process::Command::new(&exe)
        .args(std::env::args_os().skip(1))
        .exec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_restart_request_stops_and_says_restart() {
        let lifecycle = Lifecycle::new();
        assert_eq!(lifecycle.exit(), Exit::Stopped);
        assert!(!lifecycle.stopping().is_cancelled());
        lifecycle.request_restart();
        assert!(lifecycle.stopping().is_cancelled());
        assert_eq!(lifecycle.exit(), Exit::Restart);
    }
}
