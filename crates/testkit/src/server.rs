//! The IO shell: an axum WebSocket server at `/v1/realtime` that runs one
//! [`EmulatedSession`] per connection, with the wall clock and tokio timers.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use axum::Router;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::serve::ListenerExt as _;
use futures_util::{SinkExt, StreamExt};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use switchboard_wire::{ClientEvent, RealtimeError};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::chat::Thinker;
use crate::rehearsal::Rehearsal;
use crate::script::Script;
use crate::session::{EmulatedSession, Output};
use crate::voice::Voice;

/// The model a connection gets when its URL names none.
const DEFAULT_MODEL: &str = "gpt-realtime";
/// The subprotocol browsers offer; the upgrade must choose it or they abort.
const SUBPROTOCOL: &str = "realtime";
/// Browsers pass their key as a subprotocol, having no way to set headers.
const KEY_SUBPROTOCOL_PREFIX: &str = "openai-insecure-api-key.";

/// Bytes read from a WebSocket at a time. tungstenite zeroes this much before every read, so
/// its 128 KiB default costs more than the frames themselves, which are a few KiB.
pub(crate) const WS_READ_BUFFER: usize = 8 * 1024;

/// Serves `app` on `listener` in the background, without Nagle delays, until `stopped` turns
/// true (or its sender is gone).
pub(crate) fn spawn_server(
    listener: TcpListener,
    app: Router,
    mut stopped: watch::Receiver<bool>,
    what: &'static str,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let shutdown = async move {
            let _ = stopped.wait_for(|stop| *stop).await;
        };
        let listener = listener.tap_io(|tcp| {
            let _ = tcp.set_nodelay(true);
        });
        if let Err(err) = axum::serve(listener, app)
            .with_graceful_shutdown(shutdown)
            .await
        {
            tracing::warn!(%err, "{what} stopped with an error");
        }
    })
}

/// How an [`Emulator`] behaves beyond its script.
#[derive(Debug, Default, Clone)]
pub struct EmulatorOptions {
    /// Refuse the upgrade with HTTP 401 and an OpenAI-style JSON error unless the client sends
    /// `Authorization: Bearer <key>` (or the browser subprotocol
    /// `openai-insecure-api-key.<key>`).
    pub require_key: Option<String>,
    /// Refuse the upgrade (and Chat Completions requests) the same way unless the client
    /// sends `api-key: <key>`, as Azure OpenAI's deployments authenticate. Set alone, an
    /// `Authorization` header does not pass; set with `require_key`, either header does.
    pub require_api_key: Option<String>,
    /// Play an Azure OpenAI deployment: every server event carries the session's id at the
    /// top level (`"session_id": "sess_…"`), as Azure adds it.
    pub azure: bool,
    /// Speak tone sequences even when espeak-ng is installed (faster, deterministic audio).
    pub tones_only: bool,
    /// Do not keep the log behind [`Emulator::received`]. A long-running emulator (rehearsal
    /// mode) sets this: the log holds every frame, audio included, for as long as it runs.
    pub forget_received: bool,
}

/// An emulated OpenAI Realtime API serving a script, for tests and rehearsals.
///
/// Each connection plays the script from the top; the one after a scripted `disconnect`
/// resumes where the lost one stopped.
#[derive(Debug)]
pub struct Emulator {
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

#[derive(Debug)]
struct Shared {
    rehearsal: Arc<Rehearsal>,
    options: EmulatorOptions,
    received: Mutex<Vec<Vec<Value>>>,
    /// Woken whenever a connection is accepted or a client event is logged, for
    /// [`Emulator::wait_until`].
    changed: tokio::sync::Notify,
    /// The supervisor's side: Chat Completions requests and the script's replies.
    thinker: Mutex<Thinker>,
}

impl Shared {
    fn new(rehearsal: Arc<Rehearsal>, options: EmulatorOptions) -> Shared {
        let thinker = Thinker::new(
            rehearsal.script().supervisor().to_vec(),
            !options.forget_received,
        );
        Shared {
            rehearsal,
            options,
            received: Mutex::new(Vec::new()),
            changed: tokio::sync::Notify::new(),
            thinker: Mutex::new(thinker),
        }
    }

    fn thinker(&self) -> std::sync::MutexGuard<'_, Thinker> {
        // A panic while holding the lock leaves the replies and the log whole.
        self.thinker.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn received(&self) -> std::sync::MutexGuard<'_, Vec<Vec<Value>>> {
        // A panic while holding the lock leaves a log that is still whole.
        self.received.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Emulator {
    /// Starts serving on `addr` (`127.0.0.1:0` for an ephemeral port). The script's speech is
    /// synthesized first (with espeak-ng when installed), then this returns while the server
    /// runs in the background.
    ///
    /// # Errors
    /// When the address cannot be bound.
    pub async fn start(
        addr: &str,
        script: Script,
        options: EmulatorOptions,
    ) -> std::io::Result<Emulator> {
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared::new(prepare(script, &options).await, options));
        let (stop, stopped) = watch::channel(false);
        let app = router(shared.clone(), stopped.clone());
        let task = spawn_server(listener, app, stopped, "emulator");
        Ok(Emulator {
            addr,
            shared,
            stop,
            task,
        })
    }

    /// The address the emulator listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The base URL, `ws://127.0.0.1:PORT/v1`; clients connect to `{url}/realtime?model=…`.
    pub fn url(&self) -> String {
        format!("ws://{}/v1", self.addr)
    }

    /// The base URL of the supervisor's Chat Completions endpoint, `http://127.0.0.1:PORT/v1`;
    /// clients post to `{url}/chat/completions`.
    pub fn chat_url(&self) -> String {
        format!("http://{}/v1", self.addr)
    }

    /// The body of every well-formed Chat Completions request, in order (empty with
    /// [`EmulatorOptions::forget_received`]).
    pub fn chat_requests(&self) -> Vec<Value> {
        self.shared.thinker().requests().to_vec()
    }

    /// The client events each connection sent, in order, one list per connection. Frames that
    /// were not JSON are kept as JSON strings.
    pub fn received(&self) -> Vec<Vec<Value>> {
        self.shared.received().clone()
    }

    /// How many WebSocket connections have been accepted.
    pub fn connections(&self) -> usize {
        self.shared.received().len()
    }

    /// Waits until `holds` is true of what the emulator has received (see
    /// [`Emulator::received`]), checked again on every connection and every client event, for
    /// at most `within`; whether it came to hold. Tests wait on what happened this way, not
    /// on a guessed time.
    pub async fn wait_until(
        &self,
        within: std::time::Duration,
        holds: impl Fn(&[Vec<Value>]) -> bool,
    ) -> bool {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let changed = self.shared.changed.notified();
            tokio::pin!(changed);
            // Registered before the check, so a change in between still wakes us.
            changed.as_mut().enable();
            if holds(&self.shared.received()) {
                return true;
            }
            if tokio::time::timeout_at(deadline, changed).await.is_err() {
                return holds(&self.shared.received());
            }
        }
    }

    /// How many script entries in-band responses have taken so far.
    pub fn entries_taken(&self) -> usize {
        self.shared.rehearsal.position()
    }

    /// Queues the transcript to report for the caller's next audio turn whose script entry
    /// has no `heard`: the emulator cannot recognise speech, so a client that knows what it is
    /// about to say tells it. Each committed audio turn takes one queued transcript (an empty
    /// one reports audio that could not be understood).
    pub fn hear(&self, transcript: impl Into<String>) {
        self.shared.rehearsal.hear(transcript);
    }

    /// Closes every connection and stops listening.
    pub async fn shutdown(self) {
        // No receiver left only means the server already stopped.
        let _ = self.stop.send(true);
        if let Err(err) = self.task.await {
            tracing::warn!(%err, "emulator task failed");
        }
    }
}

/// Serves the emulator on `listener` until `shutdown` completes; for a command that runs it
/// in the foreground (`switchboard emulate`).
///
/// # Errors
/// When the server fails to accept connections.
pub async fn serve(
    listener: TcpListener,
    script: Script,
    options: EmulatorOptions,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let shared = Arc::new(Shared::new(prepare(script, &options).await, options));
    let (stop, stopped) = watch::channel(false);
    let app = router(shared, stopped);
    axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            shutdown.await;
            // Connections end when told; no receiver left is fine.
            let _ = stop.send(true);
        })
        .await
}

/// The rehearsal with all the script's speech synthesized, off the async threads.
async fn prepare(script: Script, options: &EmulatorOptions) -> Arc<Rehearsal> {
    let voice = if options.tones_only {
        Voice::tones()
    } else {
        Voice::detect(script.voice_rate())
    };
    let rehearsal = Arc::new(Rehearsal::with_voice(script, voice));
    let warm = rehearsal.clone();
    let prepared = tokio::task::spawn_blocking(move || {
        for phrase in warm.script().phrases() {
            warm.voice.prepare(phrase);
        }
    })
    .await;
    if let Err(err) = prepared {
        tracing::warn!(%err, "speech synthesis failed; tones will be used");
    }
    rehearsal
}

fn router(shared: Arc<Shared>, stopped: watch::Receiver<bool>) -> Router {
    Router::new()
        .route("/v1/realtime", get(upgrade))
        .route("/v1/chat/completions", post(chat_completions))
        .with_state((shared, stopped))
}

#[derive(Debug, Deserialize)]
struct RealtimeQuery {
    #[serde(default)]
    model: Option<String>,
}

/// The body of an HTTP error, as the OpenAI API writes it.
#[derive(Serialize)]
struct ErrorBody {
    error: RealtimeError,
}

async fn upgrade(
    State((shared, stopped)): State<(Arc<Shared>, watch::Receiver<bool>)>,
    Query(query): Query<RealtimeQuery>,
    headers: HeaderMap,
    ws: Result<WebSocketUpgrade, axum::extract::ws::rejection::WebSocketUpgradeRejection>,
) -> Response {
    if let Some(refused) = refuse(&shared.options, &headers) {
        return refused;
    }
    let ws = match ws {
        Ok(ws) => ws,
        Err(rejection) => return rejection.into_response(),
    };
    let model = query.model.unwrap_or_else(|| DEFAULT_MODEL.to_owned());
    ws.protocols([SUBPROTOCOL])
        // The default 128 KiB is zeroed before every read; frames are a few KiB.
        .read_buffer_size(WS_READ_BUFFER)
        .on_upgrade(move |socket| connection(socket, shared, model, stopped))
}

/// The supervisor's endpoint: the next scripted reply, streamed as the real service does.
async fn chat_completions(
    State((shared, _)): State<(Arc<Shared>, watch::Receiver<bool>)>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    if let Some(refused) = refuse(&shared.options, &headers) {
        return refused;
    }
    let created = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let reply = shared.thinker().respond(&body, created);
    let status = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let pieces = futures_util::stream::iter(
        reply
            .body
            .into_iter()
            .map(|piece| Ok::<_, std::convert::Infallible>(piece.into_bytes())),
    );
    (
        status,
        [(header::CONTENT_TYPE, reply.content_type)],
        axum::body::Body::from_stream(pieces),
    )
        .into_response()
}

/// The 401 a request gets when the options require a key it did not send.
fn refuse(options: &EmulatorOptions, headers: &HeaderMap) -> Option<Response> {
    if options.require_key.is_none() && options.require_api_key.is_none() {
        return None;
    }
    let bearer = options
        .require_key
        .as_deref()
        .is_some_and(|key| authorized(headers, key));
    let api_key = options
        .require_api_key
        .as_deref()
        .is_some_and(|key| api_key_matches(headers, key));
    if bearer || api_key {
        return None;
    }
    let message = if options.require_key.is_none() && headers.contains_key(header::AUTHORIZATION) {
        "Access denied due to missing or invalid 'api-key' header. This endpoint takes the key \
         in an 'api-key' header, not in 'Authorization'."
    } else {
        "Incorrect API key provided. You can find your API key in the emulator's options."
    };
    let body = ErrorBody {
        error: RealtimeError::invalid_request("invalid_api_key", message, None),
    };
    Some((StatusCode::UNAUTHORIZED, axum::Json(body)).into_response())
}

/// Whether the `api-key` header (Azure OpenAI's) carries `key`.
fn api_key_matches(headers: &HeaderMap, key: &str) -> bool {
    headers
        .get("api-key")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|given| given.trim() == key)
}

fn authorized(headers: &HeaderMap, key: &str) -> bool {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .is_some_and(|given| given.trim() == key);
    let subprotocol = headers
        .get_all(header::SEC_WEBSOCKET_PROTOCOL)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|p| p.trim().strip_prefix(KEY_SUBPROTOCOL_PREFIX) == Some(key));
    bearer || subprotocol
}

/// One connection: frames in, the session's output out, its deadline on a tokio timer.
async fn connection(
    socket: WebSocket,
    shared: Arc<Shared>,
    model: String,
    mut stopped: watch::Receiver<bool>,
) {
    let index = {
        let mut received = shared.received();
        received.push(Vec::new());
        received.len() - 1
    };
    shared.changed.notify_waiters();
    tracing::debug!(connection = index, %model, "emulator connection");
    let mut session = EmulatedSession::new(shared.rehearsal.clone(), &model, Instant::now());
    let azure_id = shared
        .options
        .azure
        .then(|| session.session().id.clone())
        .flatten();
    let (mut sink, mut stream) = socket.split();
    loop {
        while let Some(output) = session.poll_output() {
            let frame = match output {
                Output::Event(event) => match &azure_id {
                    Some(id) => with_session_id(&event.to_json(), id),
                    None => event.to_json(),
                },
                Output::Raw(frame) => frame,
                // A scripted disconnect is an upstream lost mid-call: no close handshake.
                Output::Close => return,
            };
            if sink.send(Message::Text(frame.into())).await.is_err() {
                return;
            }
        }
        let deadline = session.poll_timeout();
        tokio::select! {
            message = stream.next() => {
                let now = Instant::now();
                match message {
                    Some(Ok(Message::Text(text))) => {
                        let text = text.as_str();
                        if !shared.options.forget_received {
                            let logged = serde_json::from_str::<Value>(text)
                                .unwrap_or_else(|_| Value::String(text.to_owned()));
                            if let Some(log) = shared.received().get_mut(index) {
                                log.push(logged);
                            }
                            shared.changed.notify_waiters();
                        }
                        match ClientEvent::from_json(text) {
                            Ok(event) => {
                                if let Some(phrase) = EmulatedSession::speech_for(&event)
                                    && shared.rehearsal.voice.needs_prepare(&phrase)
                                {
                                    let rehearsal = shared.rehearsal.clone();
                                    // A failed synthesis leaves the tone fallback in place.
                                    let _ = tokio::task::spawn_blocking(move || {
                                        rehearsal.voice.prepare(&phrase);
                                    })
                                    .await;
                                }
                                session.handle_event(event, Instant::now());
                            }
                            Err(_) => session.handle_frame(text, now),
                        }
                    }
                    Some(Ok(Message::Binary(_))) => session.handle_binary(now),
                    Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
                    Some(Ok(Message::Close(_)) | Err(_)) | None => return,
                }
            }
            () = sleep_until(deadline), if deadline.is_some() => {
                session.handle_timeout(Instant::now());
            }
            _ = stopped.changed() => {
                // Told to stop (or the server is gone). Best effort: the peer may already be gone.
                let _ = sink.send(Message::Close(None)).await;
                return;
            }
        }
    }
}

/// A server event as Azure OpenAI sends it: with the session's id at the top level.
fn with_session_id(frame: &str, session_id: &str) -> String {
    match serde_json::from_str::<Value>(frame) {
        Ok(Value::Object(mut event)) => {
            event.insert(
                "session_id".to_owned(),
                Value::String(session_id.to_owned()),
            );
            Value::Object(event).to_string()
        }
        // Events are always objects; anything else goes out as it is.
        _ => frame.to_owned(),
    }
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(at) => tokio::time::sleep_until(tokio::time::Instant::from_std(at)).await,
        None => std::future::pending().await,
    }
}
