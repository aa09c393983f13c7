//! The HTTP surface: the Realtime WebSocket, client secrets, health and metrics, and a
//! shutdown that lets live calls finish.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::serve::ListenerExt as _;
use serde::Deserialize;
use serde_json::{Value, json};
use switchboard_wire as wire;
use tokio::net::TcpListener;
use tokio::sync::{Notify, watch};
use tokio::task::JoinHandle;

use crate::auth::{self, Admitted, Refusal, Secrets};
use crate::config::{AgentEntry, GatewayConfig};
use crate::driver::{self, Call};
use crate::executor::SharedExecutor;
use crate::metrics::Metrics;

/// Bytes read from a WebSocket at a time. tungstenite zeroes this much before each read, so
/// its 128 KiB default cost more than the relay itself; audio frames are a few KiB.
pub(crate) const WS_READ_BUFFER: usize = 8 * 1024;

/// What every session and handler shares: configuration, secrets, metrics, shutdown state.
pub(crate) struct Shared {
    pub(crate) config: GatewayConfig,
    agents: BTreeMap<String, AgentEntry>,
    pub(crate) secrets: Secrets,
    pub(crate) metrics: Metrics,
    pub(crate) executor: SharedExecutor,
    draining: AtomicBool,
    /// Flipped to `true` when live calls must close now.
    pub(crate) closing: watch::Sender<bool>,
    idle: Notify,
    /// How `/twilio/*` answers; replaced by [`Gateway::set_twilio`].
    twilio: std::sync::RwLock<Arc<crate::twilio::TwilioSettings>>,
    /// Where the gateway listens: phone calls reach their agent through it.
    pub(crate) addr: SocketAddr,
    /// Twilio call SIDs whose agent escalated: `/twilio/after` transfers them, once.
    transfers: std::sync::Mutex<std::collections::BTreeSet<String>>,
}

impl Shared {
    /// A driver has ended its call.
    pub(crate) fn session_finished(&self) {
        self.idle.notify_waiters();
    }

    fn active(&self) -> i64 {
        self.metrics.active_sessions.load(Ordering::Relaxed)
    }

    /// Whether a caller with `credential` may reach `agent` (or the default), now.
    fn admit(&self, credential: Option<&str>, agent: Option<&str>) -> Result<Admitted, Refusal> {
        auth::admit(
            credential,
            agent,
            &self.config.keys,
            &self.secrets,
            self.default_agent(),
            |name| self.agents.contains_key(name),
            unix_now(),
        )
    }

    /// The phone call `call_sid` was escalated: transfer it when its stream ends.
    pub(crate) fn mark_transfer(&self, call_sid: &str) {
        self.transfers
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(call_sid.to_owned());
    }

    /// Whether `call_sid` was escalated (forgotten once asked: Twilio asks once per call).
    pub(crate) fn take_transfer(&self, call_sid: &str) -> bool {
        self.transfers
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(call_sid)
    }

    /// The Twilio settings now in force.
    pub(crate) fn twilio(&self) -> Arc<crate::twilio::TwilioSettings> {
        self.twilio
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// The agent a phone call reaches: the one asked for if it exists, else the default.
    pub(crate) fn phone_agent(&self, asked: Option<&str>) -> Option<String> {
        match asked {
            Some(name) => self.agents.contains_key(name).then(|| name.to_owned()),
            None => self.default_agent().map(str::to_owned),
        }
    }

    fn default_agent(&self) -> Option<&str> {
        self.config.default_agent.as_deref().or_else(|| {
            (self.agents.len() == 1)
                .then(|| self.agents.keys().next().map(String::as_str))
                .flatten()
        })
    }
}

/// A running gateway.
pub struct Gateway {
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    server: JoinHandle<std::io::Result<()>>,
}

impl Gateway {
    /// Binds `listen` and starts serving `config`'s agents, with `executor` running tools and
    /// supervisor questions.
    pub async fn start(
        listen: &str,
        config: GatewayConfig,
        executor: SharedExecutor,
    ) -> std::io::Result<Gateway> {
        let listener = TcpListener::bind(listen).await?;
        let addr = listener.local_addr()?;
        let agents = config
            .agents
            .iter()
            .map(|a| (a.name().to_owned(), a.clone()))
            .collect();
        let shared = Arc::new(Shared {
            config,
            agents,
            secrets: Secrets::default(),
            metrics: Metrics::default(),
            executor,
            draining: AtomicBool::new(false),
            closing: watch::Sender::new(false),
            idle: Notify::new(),
            twilio: std::sync::RwLock::default(),
            addr,
            transfers: std::sync::Mutex::default(),
        });
        let app = router(shared.clone());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(async move {
            // Frames are small and latency matters: no Nagle delay on any call.
            let listener = listener.tap_io(|tcp| {
                let _ = tcp.set_nodelay(true);
            });
            axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await
        });
        Ok(Gateway {
            addr,
            shared,
            stop: Some(stop),
            server,
        })
    }

    /// Where it listens.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Sets how phone calls through Twilio are answered (`/twilio/voice`, `/twilio/media`).
    pub fn set_twilio(&self, settings: crate::twilio::TwilioSettings) {
        *self
            .shared
            .twilio
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Arc::new(settings);
    }

    /// Calls in progress.
    pub fn active_sessions(&self) -> usize {
        usize::try_from(self.shared.active()).unwrap_or(0)
    }

    /// Waits until no call is live, for at most `within`; whether none is. For an operator's
    /// drain script and for tests, which then wait on the calls and not on a guessed time.
    pub async fn calls_ended(&self, within: Duration) -> bool {
        self.wait_for_calls(tokio::time::Instant::now() + within)
            .await;
        self.shared.active() == 0
    }

    /// Stops taking calls, lets live calls go on for the drain timeout, then closes the rest
    /// with WebSocket code 1001 and returns.
    pub async fn shutdown(mut self) -> std::io::Result<()> {
        self.shared.draining.store(true, Ordering::Relaxed);
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let deadline = tokio::time::Instant::now() + self.shared.config.drain_timeout;
        self.wait_for_calls(deadline).await;
        if self.shared.active() > 0 {
            tracing::info!(calls = self.shared.active(), "closing the calls still live");
            self.shared.closing.send_replace(true);
            let grace = tokio::time::Instant::now() + Duration::from_secs(2);
            self.wait_for_calls(grace).await;
        }
        match self.server.await {
            Ok(result) => result,
            Err(e) => Err(std::io::Error::other(e)),
        }
    }

    /// Waits until no call is live, or `deadline`.
    async fn wait_for_calls(&self, deadline: tokio::time::Instant) {
        while self.shared.active() > 0 {
            let idle = self.shared.idle.notified();
            tokio::pin!(idle);
            // Registered before the check, so a call ending in between still wakes us.
            idle.as_mut().enable();
            if self.shared.active() == 0 {
                break;
            }
            if tokio::time::timeout_at(deadline, idle).await.is_err() {
                break;
            }
        }
    }
}

fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/v1/realtime", get(realtime))
        .route("/v1/realtime/client_secrets", post(client_secrets))
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .route("/twilio/voice", post(crate::twilio::voice))
        .route("/twilio/after", post(crate::twilio::after))
        .route("/twilio/voice/{agent}", post(crate::twilio::voice_for))
        .route("/twilio/media", get(crate::twilio_media::media))
        .merge(crate::console::routes())
        .with_state(shared)
}

/// Query parameters of `/v1/realtime` and `/v1/realtime/client_secrets`.
#[derive(Debug, Deserialize)]
struct Params {
    /// The agent to reach.
    agent: Option<String>,
    /// The model the client asked for; the agent decides the model, so it is only logged.
    model: Option<String>,
    /// Whether the caller wants the gateway's observation events (`crate::observe`).
    #[serde(default)]
    observe: bool,
    /// Set by the gateway's phone bridge for its own calls, with a one-off secret.
    #[serde(default)]
    phone_bridge: bool,
}

/// An OpenAI-style error response.
fn error_response(status: u16, kind: &str, code: &str, message: &str) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
    let body = json!({"error": {"message": message, "type": kind, "code": code, "param": null}});
    (status, axum::Json(body)).into_response()
}

fn refusal(r: &Refusal) -> Response {
    let (status, code) = r.status_and_code();
    error_response(status, "invalid_request_error", code, &r.message())
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn random_id() -> String {
    let bytes: [u8; 12] = rand::random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

async fn realtime(
    State(shared): State<Arc<Shared>>,
    Query(params): Query<Params>,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Response {
    if shared.draining.load(Ordering::Relaxed) {
        return error_response(
            503,
            "server_error",
            "shutting_down",
            "The gateway is shutting down.",
        );
    }
    let credential = auth::credential(&headers);
    let admitted = match shared.admit(credential.as_deref(), params.agent.as_deref()) {
        Ok(admitted) => admitted,
        Err(r) => {
            tracing::info!(reason = ?r, "caller refused");
            return refusal(&r);
        }
    };
    let Some(agent) = shared.agents.get(&admitted.agent).cloned() else {
        return refusal(&Refusal::UnknownAgent(Some(admitted.agent)));
    };
    if let Some(model) = &params.model
        && model != &agent.agent.file().model
    {
        tracing::debug!(asked = %model, agent = agent.name(), "the agent's model is used");
    }
    // The bridge comes in with a secret only it is issued: neither a key nor a caller's
    // client secret can claim to be it.
    let phone_bridge = params.phone_bridge && admitted.phone_bridge;
    let call = Call {
        dialect: auth::dialect(&headers),
        agent,
        admitted,
        session_id: format!("sess_{}", random_id()),
        observe: params.observe,
        phone_bridge,
    };
    // Browsers abort unless the server picks `realtime` when they offer it.
    ws.protocols(["realtime"])
        // Large enough that an oversized append gets a clear error event, not a dropped socket.
        .max_message_size(32 * 1024 * 1024)
        .max_frame_size(32 * 1024 * 1024)
        // The default 128 KiB is zeroed before every read; frames are ~1–2 KiB.
        .read_buffer_size(WS_READ_BUFFER)
        .on_upgrade(move |socket| driver::run(shared, socket, call))
}

/// The body of `POST /v1/realtime/client_secrets` (GA).
#[derive(Debug, Default, Deserialize)]
struct SecretRequest {
    #[serde(default)]
    expires_after: Option<ExpiresAfter>,
    #[serde(default)]
    session: Option<Value>,
}

#[derive(Debug, Deserialize)]
struct ExpiresAfter {
    #[serde(default)]
    anchor: Option<String>,
    #[serde(default)]
    seconds: Option<u64>,
}

async fn client_secrets(
    State(shared): State<Arc<Shared>>,
    Query(params): Query<Params>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let invalid = |message: String, param: &str| {
        let body = json!({"error": {"message": message, "type": "invalid_request_error", "code": "invalid_value", "param": param}});
        (StatusCode::BAD_REQUEST, axum::Json(body)).into_response()
    };
    // Secrets are minted with a gateway key, never with another secret.
    let credential = auth::credential(&headers).filter(|c| !c.starts_with("ek_"));
    if credential.is_none() && !shared.config.keys.is_empty() {
        return refusal(&Refusal::Missing);
    }
    let admitted = match shared.admit(credential.as_deref(), params.agent.as_deref()) {
        Ok(admitted) => admitted,
        Err(r) => return refusal(&r),
    };
    let request: SecretRequest = if body.is_empty() {
        SecretRequest::default()
    } else {
        match serde_json::from_slice(&body) {
            Ok(request) => request,
            Err(e) => return invalid(format!("The body is not a valid request: {e}"), ""),
        }
    };
    let ttl = request
        .expires_after
        .as_ref()
        .and_then(|e| e.seconds)
        .unwrap_or(600);
    if !(10..=7200).contains(&ttl) {
        return invalid(
            format!("expires_after.seconds must be between 10 and 7200, not {ttl}."),
            "expires_after.seconds",
        );
    }
    if let Some(anchor) = request
        .expires_after
        .as_ref()
        .and_then(|e| e.anchor.as_deref())
        && anchor != "created_at"
    {
        return invalid(
            format!("expires_after.anchor must be `created_at`, not `{anchor}`."),
            "expires_after.anchor",
        );
    }
    let session = match request.session {
        Some(value) => match serde_json::from_value::<wire::Session>(value) {
            Ok(session) => Some(session),
            Err(e) => return invalid(format!("Invalid session: {e}"), "session"),
        },
        None => None,
    };
    let Some(agent) = shared.agents.get(&admitted.agent) else {
        return refusal(&Refusal::UnknownAgent(Some(admitted.agent)));
    };
    let now = unix_now();
    let expires_at = now + ttl;
    let value = shared.secrets.issue(
        auth::Holder::Caller,
        random_id(),
        agent.name(),
        expires_at,
        session,
        now,
    );
    let mut effective = agent.agent.initial_session().clone();
    effective.object = Some("realtime.session".to_owned());
    effective.id = Some(format!("sess_{}", random_id()));
    effective.expires_at = Some(i64::try_from(expires_at).unwrap_or(i64::MAX));
    let body = json!({"value": value, "expires_at": expires_at, "session": effective});
    (StatusCode::OK, axum::Json(body)).into_response()
}

async fn healthz(State(shared): State<Arc<Shared>>) -> Response {
    if shared.draining.load(Ordering::Relaxed) {
        return (StatusCode::SERVICE_UNAVAILABLE, "draining\n").into_response();
    }
    (StatusCode::OK, "ok\n").into_response()
}

async fn metrics(State(shared): State<Arc<Shared>>) -> Response {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        shared.metrics.render(),
    )
        .into_response()
}
