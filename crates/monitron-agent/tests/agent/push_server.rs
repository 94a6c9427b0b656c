//! A small stand-in for the Monitron server's agent endpoints, speaking
//! `monitron_proto::push` over WebSocket and HTTP and recording what the agent sent.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use monitron_proto::agent_api::Envelope;
use monitron_proto::push::{
    ActionResult, AgentMessage, PendingAction, PushReply, Record, ServerMessage, Welcome,
};
use monitron_proto::{AgentConfig, DeviceInfo};
use tokio::sync::mpsc;

pub const ENROLL_TOKEN: &str = "enroll-token-123";
pub const CREDENTIAL: &str = "agent-credential-456";

#[derive(Default)]
pub struct Seen {
    /// Authorization headers, in order.
    pub auths: Vec<String>,
    pub records: Vec<Record>,
    pub action_results: Vec<(String, bool, String)>,
    pub configs_applied: Vec<u64>,
    pub enrolled: bool,
    /// Device information received, over either transport.
    pub devices: Vec<DeviceInfo>,
    /// Kinds of the WebSocket messages received (`batch`, `device`, ...), in order.
    pub ws_messages: Vec<&'static str>,
    /// For each HTTP push, in order: whether it carried device information.
    pub http_pushes: Vec<bool>,
}

#[derive(Clone)]
struct ServerState {
    seen: Arc<Mutex<Seen>>,
    config: Arc<Mutex<AgentConfig>>,
    to_agent: Arc<tokio::sync::Mutex<Option<mpsc::UnboundedReceiver<ServerMessage>>>>,
    pending_http: Arc<Mutex<(Option<AgentConfig>, Vec<PendingAction>)>>,
}

pub struct PushServer {
    pub addr: SocketAddr,
    pub seen: Arc<Mutex<Seen>>,
    pub to_agent: mpsc::UnboundedSender<ServerMessage>,
    pending_http: Arc<Mutex<(Option<AgentConfig>, Vec<PendingAction>)>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for PushServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl PushServer {
    /// Starts on `addr` (port 0 for any) with `config` as the agent's configuration.
    pub async fn start(addr: SocketAddr, config: AgentConfig, seen: Arc<Mutex<Seen>>) -> Self {
        let (tx, rx) = mpsc::unbounded_channel();
        let pending_http = Arc::new(Mutex::new((None, Vec::new())));
        let state = ServerState {
            seen: seen.clone(),
            config: Arc::new(Mutex::new(config)),
            to_agent: Arc::new(tokio::sync::Mutex::new(Some(rx))),
            pending_http: pending_http.clone(),
        };
        let app = Router::new()
            .route("/api/v1/agents/ws", get(ws))
            .route("/api/v1/agents/enroll", post(enroll))
            .route("/api/v1/agents/push", post(push))
            .with_state(state);
        let listener = tokio::net::TcpListener::bind(addr).await.unwrap();
        let addr = listener.local_addr().unwrap();
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Self {
            addr,
            seen,
            to_agent: tx,
            pending_http,
            task,
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn seen(&self) -> std::sync::MutexGuard<'_, Seen> {
        self.seen.lock().unwrap()
    }

    /// Queues a configuration and actions for the next HTTP push reply.
    pub fn queue_http(&self, config: Option<AgentConfig>, actions: Vec<PendingAction>) {
        *self.pending_http.lock().unwrap() = (config, actions);
    }
}

fn auth(headers: &HeaderMap) -> String {
    headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// Decides what a bearer gets: a credential (enrollment), nothing new, or a refusal.
fn admit(state: &ServerState, header: &str) -> Result<Option<String>, StatusCode> {
    let mut seen = state.seen.lock().unwrap();
    seen.auths.push(header.to_owned());
    match header.strip_prefix("Bearer ") {
        Some(ENROLL_TOKEN) => {
            seen.enrolled = true;
            Ok(Some(CREDENTIAL.to_owned()))
        }
        Some(CREDENTIAL) => Ok(None),
        _ => Err(StatusCode::UNAUTHORIZED),
    }
}

fn welcome(state: &ServerState, credential: Option<String>) -> Welcome {
    Welcome {
        instance_id: "instance-1".into(),
        credential,
        config: state.config.lock().unwrap().clone(),
    }
}

async fn ws(
    State(state): State<ServerState>,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Response {
    let credential = match admit(&state, &auth(&headers)) {
        Ok(c) => c,
        Err(status) => return status.into_response(),
    };
    upgrade.on_upgrade(move |socket| session(state, socket, credential))
}

async fn session(state: ServerState, mut socket: WebSocket, credential: Option<String>) {
    let hello = ServerMessage::Welcome(welcome(&state, credential));
    if socket
        .send(Message::text(serde_json::to_string(&hello).unwrap()))
        .await
        .is_err()
    {
        return;
    }
    let mut to_agent = state.to_agent.lock().await.take();
    loop {
        let outgoing = async {
            match to_agent.as_mut() {
                Some(rx) => rx.recv().await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            message = outgoing => {
                let Some(message) = message else { break };
                if socket.send(Message::text(serde_json::to_string(&message).unwrap())).await.is_err() {
                    break;
                }
            }
            incoming = socket.recv() => {
                let Some(Ok(Message::Text(text))) = incoming else {
                    match incoming {
                        Some(Ok(_)) => continue,
                        _ => break,
                    }
                };
                let message: AgentMessage = serde_json::from_str(text.as_str()).unwrap();
                let kind = match &message {
                    AgentMessage::Batch { .. } => "batch",
                    AgentMessage::ActionResult { .. } => "action_result",
                    AgentMessage::ConfigApplied { .. } => "config_applied",
                    AgentMessage::Device { .. } => "device",
                };
                state.seen.lock().unwrap().ws_messages.push(kind);
                match message {
                    AgentMessage::Batch { records } => {
                        let last = records.last().map(|r| r.seq);
                        state.seen.lock().unwrap().records.extend(records);
                        if let Some(seq) = last {
                            let ack = ServerMessage::Ack { seq };
                            if socket.send(Message::text(serde_json::to_string(&ack).unwrap())).await.is_err() {
                                break;
                            }
                        }
                    }
                    AgentMessage::ActionResult { id, ok, message } => {
                        state.seen.lock().unwrap().action_results.push((id, ok, message));
                    }
                    AgentMessage::ConfigApplied { revision } => {
                        state.seen.lock().unwrap().configs_applied.push(revision);
                    }
                    AgentMessage::Device { device } => {
                        state.seen.lock().unwrap().devices.push(device);
                    }
                }
            }
        }
    }
    // Give the channel back for the next connection.
    *state.to_agent.lock().await = to_agent;
}

fn envelope<T: serde::Serialize>(data: T) -> Json<Envelope<T>> {
    Json(Envelope {
        code: 0,
        message: "OK".into(),
        data: Some(data),
        error: None,
    })
}

async fn enroll(State(state): State<ServerState>, headers: HeaderMap) -> Response {
    match admit(&state, &auth(&headers)) {
        Ok(credential) => envelope(welcome(&state, credential)).into_response(),
        Err(status) => status.into_response(),
    }
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct PushBody {
    records: Vec<Record>,
    #[serde(default)]
    action_results: Vec<ActionResult>,
    #[serde(default)]
    config_revision: Option<u64>,
    #[serde(default)]
    device: Option<DeviceInfo>,
}

async fn push(
    State(state): State<ServerState>,
    headers: HeaderMap,
    Json(body): Json<PushBody>,
) -> Response {
    if auth(&headers) != format!("Bearer {CREDENTIAL}") {
        state.seen.lock().unwrap().auths.push(auth(&headers));
        return StatusCode::UNAUTHORIZED.into_response();
    }
    let ack = body.records.last().map(|r| r.seq);
    {
        let mut seen = state.seen.lock().unwrap();
        seen.records.extend(body.records);
        seen.http_pushes.push(body.device.is_some());
        seen.devices.extend(body.device);
        seen.action_results.extend(
            body.action_results
                .into_iter()
                .map(|r| (r.id, r.ok, r.message)),
        );
        seen.configs_applied.extend(body.config_revision);
    }
    let (config, actions) = std::mem::take(&mut *state.pending_http.lock().unwrap());
    envelope(PushReply {
        ack,
        config,
        actions,
    })
    .into_response()
}
