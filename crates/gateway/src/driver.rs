//! One task per call: the caller's socket and the model's socket around an engine `Session`.
//!
//! The loop takes one input at a time (a caller frame, a model frame, a finished tool, a
//! timer), hands it to the session, then carries out everything the session asks for. The
//! session decides; this file only moves bytes and waits.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant, SystemTime};

use axum::extract::ws::{CloseFrame, Message, WebSocket};
use base64::Engine as _;
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use switchboard_agent::model::Redact;
use switchboard_engine::{
    Input, LatencyKind, Output, Record, RolloverPlan, Session, SessionConfig, Stamped, ToolError,
};
use switchboard_store::{Recorder, Redaction, SessionStart};
use switchboard_wire as wire;
use switchboard_wire::observe::ObservationEvent;
use switchboard_wire::{CallId, ClientEvent, EventId, RealtimeError, ServerEvent};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message as ModelMessage;

use crate::auth::{Admitted, Dialect};
use crate::config::AgentEntry;
use crate::metrics::Flow;
use crate::observe;
use crate::server::Shared;
use crate::upstream::{self, ModelSocket, UpstreamError};

/// The most audio one `input_audio_buffer.append` may carry, as upstream.
const MAX_APPEND_BYTES: usize = 15 * 1024 * 1024;
/// Attempts at reaching the model again after it went away.
const RECONNECT_ATTEMPTS: u32 = 3;

/// What the caller reads first when the upstream is the rehearsal emulator.
pub(crate) const REHEARSAL_BANNER: &str = "[REHEARSAL MODE: this call is answered by Switchboard's scripted emulator playing the agent's rehearsal script, not by a live model.]";

/// A call the server has admitted.
pub(crate) struct Call {
    pub(crate) agent: AgentEntry,
    pub(crate) dialect: Dialect,
    pub(crate) admitted: Admitted,
    pub(crate) session_id: String,
    /// Whether the caller asked for observation events (`?observe=true`).
    pub(crate) observe: bool,
    /// Whether the caller is the gateway's own phone bridge, which reports how much of each
    /// agent item the phone played (`crate::twilio_media`).
    pub(crate) phone_bridge: bool,
}

type CallerTx = SplitSink<WebSocket, Message>;
type ModelTx = SplitSink<ModelSocket, ModelMessage>;
type ModelRx = SplitStream<ModelSocket>;

/// A finished piece of outside work.
enum Done {
    Tool(CallId, Result<Value, ToolError>),
    /// A piece of a supervisor reply, or its end, already an input for the session.
    Supervisor(Input),
}

/// Why a call ended, for metrics and logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ending {
    CallerLeft,
    HungUp,
    UpstreamRefused,
    UpstreamLost,
    Shutdown,
}

impl Ending {
    fn label(self) -> &'static str {
        match self {
            Ending::CallerLeft => "caller_left",
            Ending::HungUp => "hung_up",
            Ending::UpstreamRefused => "upstream_refused",
            Ending::UpstreamLost => "upstream_lost",
            Ending::Shutdown => "shutdown",
        }
    }
}

struct Driver<'r> {
    shared: Arc<Shared>,
    /// Where this call's records go.
    recorder: Option<&'r Recorder>,
    call: Call,
    caller: CallerTx,
    model: ModelTx,
    session: Session,
    done_tx: mpsc::UnboundedSender<Done>,
    next_event: u64,
    /// Scratch space to check appended audio without allocating per frame.
    audio_scratch: Vec<u8>,
    /// Set when the session asked to move to a new model connection.
    rollover: Option<RolloverPlan>,
    hang_up: Option<String>,
    /// Errors found at the edge, for the caller, before the session's own outputs.
    pending: Vec<ServerEvent>,
    /// The frame being handled, to relay as it came when the session passes its audio on
    /// unchanged: writing the JSON again cost more than the rest of the relay.
    verbatim: Option<Verbatim>,
    /// Whether the agent's turn was in progress after the last flush, to tell an observing
    /// caller when it ends.
    in_turn: bool,
}

/// A frame as it arrived, from either side.
enum Verbatim {
    Caller(axum::extract::ws::Utf8Bytes),
    Model(tokio_tungstenite::tungstenite::Utf8Bytes),
}

/// Runs a call to its end.
pub(crate) async fn run(shared: Arc<Shared>, socket: WebSocket, call: Call) {
    let agent_name = call.agent.name().to_owned();
    shared
        .metrics
        .active_sessions
        .fetch_add(1, Ordering::Relaxed);
    let recorder = shared.config.store.as_ref().map(|store| {
        let file = call.agent.agent.file();
        store.begin(SessionStart {
            id: call.session_id.clone(),
            agent: agent_name.clone(),
            model: file.model.clone(),
            agent_path: call.agent.path.clone(),
            started_at: SystemTime::now(),
            redaction: Redaction {
                phone_numbers: file.records.redacts(Redact::PhoneNumbers),
                card_numbers: file.records.redacts(Redact::CardNumbers),
                emails: file.records.redacts(Redact::Emails),
            },
        })
    });
    let ending = run_call(shared.clone(), socket, call, recorder.as_ref()).await;
    if let Some(recorder) = recorder {
        recorder.end(ending.label());
    }
    shared
        .metrics
        .active_sessions
        .fetch_sub(1, Ordering::Relaxed);
    shared.metrics.session_ended(&agent_name, ending.label());
    shared.session_finished();
}

async fn run_call(
    shared: Arc<Shared>,
    socket: WebSocket,
    call: Call,
    recorder: Option<&Recorder>,
) -> Ending {
    let (mut caller_tx, mut caller_rx) = socket.split();
    let model = call.agent.agent.file().model.clone();
    let socket = match upstream::connect(&call.agent.upstream, &model).await {
        Ok(socket) => {
            shared.metrics.upstream("connected");
            socket
        }
        Err(error) => {
            shared.metrics.upstream("refused");
            tracing::warn!(session = %call.session_id, %error, "the model refused the call");
            let event =
                ServerEvent::error(EventId::new("event_gw_upstream"), upstream_error(&error));
            let _ = send_caller(&mut caller_tx, call.dialect, &event).await;
            let _ = caller_tx
                .send(Message::Close(Some(CloseFrame {
                    code: 1011,
                    reason: "upstream unavailable".into(),
                })))
                .await;
            return Ending::UpstreamRefused;
        }
    };
    let (model_tx, mut model_rx) = socket.split();
    let (done_tx, mut done_rx) = mpsc::unbounded_channel();
    // The engine's clock starts with the record's, so the times it gives utterances and
    // the times the recorder gives everything else line up.
    let origin = recorder.map_or_else(Instant::now, Recorder::started);
    let mut config = SessionConfig::new(call.session_id.clone());
    // Business rules read the time of day (`now`); the engine itself never asks the clock.
    config.wall_clock_at_start = Some(std::time::SystemTime::now());
    // Rules may read who called (`caller`): the name of the key the call came in with.
    config.caller = Some(call.admitted.via.clone());
    // A phone call with a transfer target is handed over by ending its media stream once the
    // agent has finished its escalation turn; Twilio then puts it through.
    config.transfer_on_escalation = call.phone_bridge && shared.twilio().transfer().is_some();
    let session = Session::new(call.agent.agent.clone(), config, origin);
    tracing::info!(session = %call.session_id, agent = call.agent.name(), via = %call.admitted.via, "call started");
    let secret_session = call.admitted.session.clone();
    let mut closing = shared.closing.subscribe();
    let mut d = Driver {
        shared,
        recorder,
        call,
        caller: caller_tx,
        model: model_tx,
        session,
        done_tx,
        next_event: 0,
        audio_scratch: Vec::new(),
        rollover: None,
        hang_up: None,
        pending: Vec::new(),
        verbatim: None,
        in_turn: false,
    };
    if let Some(session) = secret_session {
        // Settings the client secret was issued with apply as the caller's first update.
        let update = ClientEvent::SessionUpdate(wire::SessionUpdate {
            event_id: None,
            session,
        });
        d.session
            .handle_input(Input::Caller(update), Instant::now());
    }
    d.flush(None).await;

    let timer = tokio::time::sleep_until(tokio::time::Instant::now());
    tokio::pin!(timer);
    let mut armed: Option<Instant> = None;
    let ending = loop {
        if let Some(reason) = d.hang_up.take() {
            d.close_caller(1000, &reason).await;
            let _ = d.model.send(ModelMessage::Close(None)).await;
            break Ending::HungUp;
        }
        if d.rollover.take().is_some() {
            match d.switch_model().await {
                Ok(rx) => model_rx = rx,
                Err(error) => {
                    d.shared.metrics.upstream("reconnect_failed");
                    let event = ServerEvent::error(d.event_id(), upstream_error(&error));
                    d.send_to_caller(&event).await;
                    d.close_caller(1011, "upstream unavailable").await;
                    break Ending::UpstreamLost;
                }
            }
            continue;
        }
        // One timer for the whole call, moved only when the session's deadline moves:
        // arming a new one for every frame showed up in the relay's profile.
        let deadline = d.session.poll_timeout();
        if deadline != armed {
            armed = deadline;
            if let Some(at) = deadline {
                timer.as_mut().reset(at.into());
            }
        }
        tokio::select! {
            frame = caller_rx.next() => {
                let received = Instant::now();
                match frame {
                    Some(Ok(Message::Text(text))) => {
                        d.caller_text(text.as_str(), received);
                        d.verbatim = Some(Verbatim::Caller(text));
                    }
                    Some(Ok(Message::Binary(_))) => {
                        let error = RealtimeError::invalid_request(
                            "invalid_frame",
                            "Binary frames are not supported: send each event as a JSON text frame.",
                            None,
                        );
                        let event = ServerEvent::error(d.event_id(), error);
                        d.send_to_caller(&event).await;
                    }
                    Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
                    Some(Ok(Message::Close(_)) | Err(_)) | None => {
                        let _ = d.model.send(ModelMessage::Close(None)).await;
                        break Ending::CallerLeft;
                    }
                }
                d.flush(Some(received)).await;
            }
            frame = model_rx.next() => {
                let received = Instant::now();
                match frame {
                    Some(Ok(ModelMessage::Text(text))) => {
                        d.model_text(text.as_str(), received);
                        d.verbatim = Some(Verbatim::Model(text));
                    }
                    Some(Ok(ModelMessage::Binary(_))) => {
                        // The Realtime API only sends text frames; count it and go on.
                        d.shared.metrics.event(Flow::FromModel, "binary");
                    }
                    Some(Ok(_)) => {}
                    Some(Err(_)) | None => {
                        tracing::warn!(session = %d.call.session_id, "the model connection closed mid-call; reconnecting");
                        d.shared.metrics.upstream("lost");
                        d.session.handle_input(Input::UpstreamLost, received);
                    }
                }
                d.flush(Some(received)).await;
            }
            Some(done) = done_rx.recv() => {
                let now = Instant::now();
                let input = match done {
                    Done::Tool(call_id, outcome) => Input::ToolResult { call_id, outcome },
                    Done::Supervisor(input) => input,
                };
                d.session.handle_input(input, now);
                d.flush(None).await;
            }
            () = &mut timer, if armed.is_some() => {
                // Fired: the next loop arms it again for the session's next deadline.
                armed = None;
                d.session.handle_timeout(Instant::now());
                d.flush(None).await;
            }
            _ = closing.changed() => {
                d.close_caller(1001, "the gateway is shutting down").await;
                let _ = d.model.send(ModelMessage::Close(None)).await;
                break Ending::Shutdown;
            }
        }
    };
    // Audio still playing when the call ends was heard up to now: the record keeps it.
    d.session.handle_input(Input::CallEnded, Instant::now());
    d.flush(None).await;
    ending
}

fn upstream_error(error: &UpstreamError) -> RealtimeError {
    let code = match error {
        UpstreamError::Refused { .. } => "upstream_refused",
        UpstreamError::Unreachable(_) => "upstream_unavailable",
    };
    RealtimeError::server_error(code, error.to_string())
}

impl Driver<'_> {
    fn event_id(&mut self) -> EventId {
        self.next_event += 1;
        EventId::new(format!("event_gw{}", self.next_event))
    }

    fn caller_text(&mut self, text: &str, now: Instant) {
        if self.call.phone_bridge
            && let Some((item_id, until)) = crate::twilio_media::played_report(text)
        {
            self.session
                .handle_input(Input::Played { item_id, until }, now);
            return;
        }
        let parsed = match self.call.dialect {
            Dialect::Ga => ClientEvent::from_json(text),
            Dialect::Beta => wire::beta::client_event_from_json(text).map(|t| t.event),
        };
        let input = match parsed {
            Ok(event) => {
                self.shared
                    .metrics
                    .event(Flow::FromCaller, event.event_type());
                match self.check_caller_event(&event) {
                    Ok(()) => Input::Caller(event),
                    Err(error) => {
                        let event_id = self.event_id();
                        let error_event = ServerEvent::error(event_id, *error);
                        // Checked at the edge: the session never sees it.
                        self.pending.push(error_event);
                        return;
                    }
                }
            }
            Err(error) => {
                self.shared.metrics.event(Flow::FromCaller, "malformed");
                Input::CallerMalformed(error)
            }
        };
        self.session.handle_input(input, now);
    }

    /// Checks what the wire types leave open: appended audio must be base64 and at most
    /// 15 MiB, as upstream requires. The error is boxed: it is rare, and the `Ok` path runs
    /// for every audio frame.
    fn check_caller_event(&mut self, event: &ClientEvent) -> Result<(), Box<RealtimeError>> {
        let ClientEvent::InputAudioBufferAppend(append) = event else {
            return Ok(());
        };
        let decoded_len = append.audio.len() / 4 * 3;
        if decoded_len > MAX_APPEND_BYTES + 3 {
            return Err(Box::new(
                RealtimeError::invalid_request(
                    "invalid_value",
                    format!(
                        "Audio chunk of about {} bytes exceeds the 15 MiB limit of one append.",
                        decoded_len
                    ),
                    Some("audio".to_owned()),
                )
                .for_event(append.event_id.clone()),
            ));
        }
        self.audio_scratch.resize(decoded_len + 3, 0);
        match base64::engine::general_purpose::STANDARD
            .decode_slice(append.audio.as_bytes(), &mut self.audio_scratch)
        {
            Ok(_) => Ok(()),
            Err(e) => Err(Box::new(
                RealtimeError::invalid_request(
                    "invalid_value",
                    format!("Invalid 'audio'. Expected base64-encoded audio bytes: {e}."),
                    Some("audio".to_owned()),
                )
                .for_event(append.event_id.clone()),
            )),
        }
    }

    fn model_text(&mut self, text: &str, now: Instant) {
        let input = match ServerEvent::from_json(text) {
            Ok(event) => {
                self.shared
                    .metrics
                    .event(Flow::FromModel, event.event_type());
                if let ServerEvent::RateLimitsUpdated(limits) = &event {
                    for limit in &limits.rate_limits {
                        if let (Some(name), Some(remaining)) = (&limit.name, limit.remaining) {
                            self.shared.metrics.rate_limit(name, remaining);
                        }
                    }
                }
                Input::Model(event)
            }
            Err(error) => {
                self.shared.metrics.event(Flow::FromModel, "malformed");
                tracing::debug!(session = %self.call.session_id, %error, "a model frame did not parse");
                Input::ModelMalformed(error)
            }
        };
        self.session.handle_input(input, now);
    }

    /// Carries out everything the session asked for. `received` is when the input that
    /// caused it arrived, to measure the gateway's own latency.
    async fn flush(&mut self, received: Option<Instant>) {
        for event in std::mem::take(&mut self.pending) {
            self.send_to_caller(&event).await;
        }
        let mut verbatim = self.verbatim.take();
        while let Some(output) = self.session.poll_output() {
            match output {
                Output::ToModel(mut event) => {
                    if let ClientEvent::SessionUpdate(update) = &mut event {
                        self.add_mcp_credentials(&mut update.session);
                    }
                    self.shared.metrics.event(Flow::ToModel, event.event_type());
                    let message = match (&event, verbatim.take(), self.call.dialect) {
                        // Audio the session passed on unchanged goes out as it came.
                        (
                            ClientEvent::InputAudioBufferAppend(_),
                            Some(Verbatim::Caller(frame)),
                            Dialect::Ga,
                        ) => model_frame(frame)
                            .unwrap_or_else(|| ModelMessage::text(event.to_json())),
                        (_, unused, _) => {
                            verbatim = unused;
                            ModelMessage::text(event.to_json())
                        }
                    };
                    // A failed send means the connection is gone; its read side reports it.
                    let _ = self.model.send(message).await;
                    self.observe_latency(received);
                }
                Output::ToCaller(mut event) => {
                    if let (
                        ServerEvent::ResponseOutputAudioDelta(_),
                        Some(Verbatim::Model(frame)),
                        Dialect::Ga,
                    ) = (&event, &verbatim, self.call.dialect)
                        && let Some(message) = caller_frame(frame.clone())
                    {
                        verbatim = None;
                        self.shared
                            .metrics
                            .event(Flow::ToCaller, event.event_type());
                        // A failed send means the caller left; the read side ends the call.
                        let _ = self.caller.send(message).await;
                        self.observe_latency(received);
                        continue;
                    }
                    if self.shared.config.rehearsal {
                        mark_rehearsal(&mut event);
                    }
                    self.send_to_caller(&event).await;
                    self.observe_latency(received);
                }
                Output::RunTool(run) => {
                    let tx = self.done_tx.clone();
                    let deadline = run.deadline;
                    let call_id = run.call_id.clone();
                    let work = self.shared.executor.run_tool(
                        &self.call.agent.agent,
                        &self.call.session_id,
                        run,
                    );
                    tokio::spawn(async move {
                        // Past the deadline the engine has answered for the tool already.
                        if let Ok(outcome) = tokio::time::timeout_at(deadline.into(), work).await {
                            let _ = tx.send(Done::Tool(call_id, outcome));
                        }
                    });
                }
                Output::SupervisorRequest(request) => {
                    let tx = self.done_tx.clone();
                    let deadline = request.deadline;
                    let mut replies = self.shared.executor.ask_supervisor(
                        &self.call.agent.agent,
                        self.call.agent.supervisor.as_ref(),
                        request,
                    );
                    tokio::spawn(async move {
                        // Past the deadline the engine has said the fallback line already.
                        let _ = tokio::time::timeout_at(deadline.into(), async move {
                            while let Some(input) = replies.next().await {
                                if tx.send(Done::Supervisor(input)).is_err() {
                                    break;
                                }
                            }
                        })
                        .await;
                    });
                }
                Output::Escalate(escalation) => {
                    self.shared.metrics.escalation(self.call.agent.name());
                    if self.call.phone_bridge {
                        crate::twilio::send_summary(
                            &self.shared,
                            &self.call.session_id,
                            &escalation,
                        );
                    }
                    if let Some(recorder) = self.recorder {
                        recorder.escalated(&escalation);
                    }
                    // The reason may quote the caller and the summary holds captured values
                    // (phone numbers…): both at debug level only.
                    tracing::info!(session = %self.call.session_id, "call escalated");
                    tracing::debug!(session = %self.call.session_id, reason = %escalation.reason, summary = ?escalation.summary, "escalation details");
                }
                Output::Rollover(plan) => self.rollover = Some(plan),
                Output::HangUp { reason } => self.hang_up = Some(reason.to_string()),
                Output::Record(stamped) => {
                    self.record(&stamped);
                    if self.call.observe {
                        let id = self.event_id();
                        if let Some(event) = observe::record_event(id, &stamped.record) {
                            self.send_observation(&event).await;
                        }
                    }
                }
            }
        }
        if self.call.observe {
            let in_turn = self.session.turn_in_progress();
            if self.in_turn && !in_turn {
                let id = self.event_id();
                self.send_observation(&observe::turn_ended(id)).await;
            }
            self.in_turn = in_turn;
        }
    }

    fn observe_latency(&self, received: Option<Instant>) {
        if let Some(received) = received {
            self.shared
                .metrics
                .added_latency
                .observe(received.elapsed());
        }
    }

    fn record(&self, stamped: &Stamped) {
        if let Some(recorder) = self.recorder {
            recorder.record_stamped(stamped);
        }
        let record = &stamped.record;
        let metrics = &self.shared.metrics;
        match record {
            Record::ToolCall { name, outcome, .. } => metrics.tool_call(name, outcome.as_str()),
            Record::Guard {
                decision, detail, ..
            } => {
                metrics.guard(decision.as_str());
                tracing::debug!(session = %self.call.session_id, %decision, %detail, "guard");
            }
            Record::Latency {
                kind: LatencyKind::SpeechStoppedToFirstAudio,
                duration,
            } => {
                metrics.first_audio.observe(*duration);
            }
            Record::Transition { from, to } => {
                tracing::info!(session = %self.call.session_id, %from, %to, "transition");
            }
            // Utterances carry what people said: never above debug.
            other => tracing::debug!(session = %self.call.session_id, record = ?other, "record"),
        }
    }

    async fn send_to_caller(&mut self, event: &ServerEvent) {
        self.shared
            .metrics
            .event(Flow::ToCaller, event.event_type());
        // A failed send means the caller left; the read side ends the call.
        let _ = send_caller(&mut self.caller, self.call.dialect, event).await;
    }

    /// Sends an observation event to the caller that asked for them. Its arguments and
    /// results may hold personal data: it is never logged.
    async fn send_observation(&mut self, event: &ObservationEvent) {
        self.shared
            .metrics
            .event(Flow::ToCaller, event.event_type());
        // A failed send means the caller left; the read side ends the call.
        let _ = self
            .caller
            .send(Message::Text(event.to_json().into()))
            .await;
    }

    async fn close_caller(&mut self, code: u16, reason: &str) {
        let _ = self
            .caller
            .send(Message::Close(Some(CloseFrame {
                code,
                reason: reason.into(),
            })))
            .await;
    }

    /// Opens a new model connection for the session's rollover and switches the model's side
    /// over to it. The session replays its plan into the new connection and takes the
    /// acknowledgements itself (`Input::ModelConnected`).
    async fn switch_model(&mut self) -> Result<ModelRx, UpstreamError> {
        let model = self.call.agent.agent.file().model.clone();
        let mut attempt = 0;
        let socket = loop {
            match upstream::connect(&self.call.agent.upstream, &model).await {
                Ok(socket) => break socket,
                Err(error) if attempt + 1 >= RECONNECT_ATTEMPTS => return Err(error),
                Err(error) => {
                    attempt += 1;
                    tracing::warn!(session = %self.call.session_id, %error, attempt, "reconnecting to the model");
                    tokio::time::sleep(Duration::from_millis(250 * 2u64.pow(attempt))).await;
                }
            }
        };
        let (tx, rx) = socket.split();
        let mut old = std::mem::replace(&mut self.model, tx);
        let _ = old.send(ModelMessage::Close(None)).await;
        self.shared.metrics.upstream("reconnected");
        self.session
            .handle_input(Input::ModelConnected, Instant::now());
        self.flush(None).await;
        Ok(rx)
    }
}

impl Driver<'_> {
    /// Gives the agent's MCP servers their credentials on the copy of a session about to go
    /// upstream, read from the environment each time (a rotated secret takes effect at the
    /// next session update). The engine, the caller and the record never see them.
    fn add_mcp_credentials(&self, session: &mut wire::Session) {
        let agent = self.call.agent.agent.file();
        if agent.mcp_servers.is_empty() {
            return;
        }
        if let Err(e) =
            switchboard_agent::with_mcp_credentials(agent, session, |var| std::env::var(var).ok())
        {
            tracing::warn!(session = %self.call.session_id, error = %e, "an MCP server goes without its credentials");
        }
    }
}

/// A caller's frame, relayed to the model without copying.
fn model_frame(frame: axum::extract::ws::Utf8Bytes) -> Option<ModelMessage> {
    let bytes = bytes::Bytes::from(frame);
    tokio_tungstenite::tungstenite::Utf8Bytes::try_from(bytes)
        .ok()
        .map(ModelMessage::Text)
}

/// A model's frame, relayed to the caller without copying.
fn caller_frame(frame: tokio_tungstenite::tungstenite::Utf8Bytes) -> Option<Message> {
    let bytes = bytes::Bytes::from(frame);
    axum::extract::ws::Utf8Bytes::try_from(bytes)
        .ok()
        .map(Message::Text)
}

/// Writes `event` for a caller of `dialect`. Events beta has no name for are not sent.
async fn send_caller(
    tx: &mut CallerTx,
    dialect: Dialect,
    event: &ServerEvent,
) -> Result<(), axum::Error> {
    let text = match dialect {
        Dialect::Ga => event.to_json(),
        Dialect::Beta => match wire::beta::server_event_to_json(event) {
            Some(text) => text,
            None => return Ok(()),
        },
    };
    tx.send(Message::Text(text.into())).await
}

/// Puts the rehearsal banner first in the instructions the caller sees.
fn mark_rehearsal(event: &mut ServerEvent) {
    if let ServerEvent::SessionCreated(e) | ServerEvent::SessionUpdated(e) = event {
        let instructions = e.session.instructions.get_or_insert_with(String::new);
        if !instructions.starts_with(REHEARSAL_BANNER) {
            instructions.insert_str(0, &format!("{REHEARSAL_BANNER}\n"));
        }
    }
}
