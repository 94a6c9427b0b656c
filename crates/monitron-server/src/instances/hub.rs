//! Push agents connected to this process over WebSocket: where to send a configuration
//! or an action now, and who waits for an action's answer.
//!
//! An agent connected to another process is reached through the database instead: one
//! loop per process ([`crate::instances::session::follow_connected`]) reads, every
//! [`POLL_EVERY`], what changed for all of its connected agents at once (raised
//! configuration revisions, pending actions, renamed or deleted instances) and hands it
//! to their connections.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use monitron_proto::push::ServerMessage;
use tokio::sync::{mpsc, oneshot};
use uuid::Uuid;

use crate::db::entities::{instance_agent, monitor};

/// How often connected agents' instances are read again for work left by other processes.
pub const POLL_EVERY: Duration = Duration::from_secs(3);

/// An agent's answer to an action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionAnswer {
    /// Whether it accepted.
    pub ok: bool,
    /// What it said.
    pub message: String,
}

/// What a connection is handed.
#[derive(Debug)]
pub enum Outgoing {
    /// A message for the agent.
    Message(ServerMessage),
    /// The instance as stored now (name and group for events).
    Instance(Box<monitor::Model>),
    /// The agent record as stored now (configuration revision, credential).
    Agent(Box<instance_agent::Model>),
    /// The instance was deleted or the agent's credential revoked: close.
    Gone,
}

struct Connected {
    /// Distinguishes a reconnection from the connection it replaced.
    session: Uuid,
    tx: mpsc::Sender<Outgoing>,
}

/// The connections of this process.
#[derive(Default)]
pub struct Hub {
    agents: Mutex<HashMap<Uuid, Connected>>,
    /// Keyed by (instance, action): an agent answers only its own instance's actions.
    waiting: Mutex<HashMap<(Uuid, Uuid), oneshot::Sender<ActionAnswer>>>,
}

impl Hub {
    /// Registers a connection; a previous one of the same instance is replaced.
    pub fn connect(&self, monitor_id: Uuid, session: Uuid, tx: mpsc::Sender<Outgoing>) {
        self.agents
            .lock()
            .expect("hub lock")
            .insert(monitor_id, Connected { session, tx });
    }

    /// Forgets a connection unless a newer one replaced it.
    pub fn disconnect(&self, monitor_id: Uuid, session: Uuid) {
        let mut agents = self.agents.lock().expect("hub lock");
        if agents
            .get(&monitor_id)
            .is_some_and(|c| c.session == session)
        {
            agents.remove(&monitor_id);
        }
    }

    /// Whether the instance's agent is connected here.
    pub fn is_connected(&self, monitor_id: Uuid) -> bool {
        self.agents
            .lock()
            .expect("hub lock")
            .contains_key(&monitor_id)
    }

    /// The instances whose agents are connected here.
    pub fn connected(&self) -> Vec<Uuid> {
        self.agents
            .lock()
            .expect("hub lock")
            .keys()
            .copied()
            .collect()
    }

    /// Hands something to a connection; false when it is not connected here.
    pub fn deliver(&self, monitor_id: Uuid, outgoing: Outgoing) -> bool {
        let tx = self
            .agents
            .lock()
            .expect("hub lock")
            .get(&monitor_id)
            .map(|c| c.tx.clone());
        tx.is_some_and(|tx| tx.try_send(outgoing).is_ok())
    }

    /// Sends a message to a connected agent; false when it is not connected here.
    pub fn send(&self, monitor_id: Uuid, message: ServerMessage) -> bool {
        self.deliver(monitor_id, Outgoing::Message(message))
    }

    /// Waits for the answer to action `action` of instance `monitor_id`, sent by
    /// [`Hub::send`].
    pub fn expect_answer(&self, monitor_id: Uuid, action: Uuid) -> oneshot::Receiver<ActionAnswer> {
        let (tx, rx) = oneshot::channel();
        self.waiting
            .lock()
            .expect("hub lock")
            .insert((monitor_id, action), tx);
        rx
    }

    /// Stops waiting for an answer (timed out).
    pub fn forget_answer(&self, monitor_id: Uuid, action: Uuid) {
        self.waiting
            .lock()
            .expect("hub lock")
            .remove(&(monitor_id, action));
    }

    /// Hands an agent's answer to whoever waits for it.
    pub fn answer(&self, monitor_id: Uuid, action: Uuid, answer: ActionAnswer) {
        if let Some(tx) = self
            .waiting
            .lock()
            .expect("hub lock")
            .remove(&(monitor_id, action))
        {
            let _ = tx.send(answer);
        }
    }
}
