//! Remote actions on the agent and its host: restart the agent, reboot, shut down.
//!
//! Reachable over the HTTP API and, in push mode, from the server. Power actions are refused
//! unless the host's own environment allows them (`MONITRON_AGENT_ALLOW_POWER=1`); the server
//! cannot change that. The power commands are run directly (split on whitespace, no shell)
//! and only started here: the answer goes out while the host winds down.

use monitron_proto::agent_api::Action;

use crate::lifecycle::Lifecycle;

/// Why an action was not taken.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ActionError {
    /// Power actions are off on this host.
    #[error("power actions are not allowed on this agent (MONITRON_AGENT_ALLOW_POWER is not 1)")]
    PowerNotAllowed,
    /// The configured command could not be started.
    #[error("cannot run {variable} `{command}`: {source}")]
    CannotRun {
        /// The variable that configures the command.
        variable: &'static str,
        /// The command.
        command: String,
        /// Why it did not start.
        source: std::io::Error,
    },
}

/// Performs actions.
#[derive(Debug, Clone)]
pub struct HostActions {
    allow_power: bool,
    reboot_command: Vec<String>,
    shutdown_command: Vec<String>,
    lifecycle: Lifecycle,
}

impl HostActions {
    /// Actions as the environment allows them.
    pub fn new(
        allow_power: bool,
        reboot_command: Vec<String>,
        shutdown_command: Vec<String>,
        lifecycle: Lifecycle,
    ) -> Self {
        Self {
            allow_power,
            reboot_command,
            shutdown_command,
            lifecycle,
        }
    }

    /// Starts `action`; the message says what happens next.
    pub fn perform(&self, action: Action) -> Result<String, ActionError> {
        let (variable, command) = match action {
            Action::RestartAgent => {
                tracing::info!(action = action.as_str(), "Restart requested.");
                self.lifecycle.request_restart();
                return Ok("the agent restarts after finishing in-flight work".into());
            }
            Action::Reboot => ("MONITRON_AGENT_REBOOT_COMMAND", &self.reboot_command),
            Action::Shutdown => ("MONITRON_AGENT_SHUTDOWN_COMMAND", &self.shutdown_command),
        };
        if !self.allow_power {
            tracing::warn!(action = action.as_str(), "Power action refused.");
            return Err(ActionError::PowerNotAllowed);
        }
        let cannot_run = |source| ActionError::CannotRun {
            variable,
            command: command.join(" "),
            source,
        };
        let (program, args) = command
            .split_first()
            .ok_or_else(|| cannot_run(std::io::Error::other("the command is empty")))?;
        let child = tokio::process::Command::new(program)
            .args(args)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .map_err(cannot_run)?;
        tracing::warn!(action = action.as_str(), command = %command.join(" "), "Power action started.");
        let name = action.as_str();
        tokio::spawn(async move {
            match child.wait_with_output().await {
                Ok(output) if output.status.success() => {
                    tracing::info!(action = name, "Power command finished.");
                }
                Ok(output) => tracing::error!(
                    action = name,
                    status = %output.status,
                    stderr = %String::from_utf8_lossy(&output.stderr).trim(),
                    "Power command failed."
                ),
                Err(err) => tracing::error!(action = name, error = %err, "Power command failed."),
            }
        });
        Ok(format!("{name} started"))
    }
}
