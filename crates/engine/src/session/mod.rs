//! The per-call state machine. `mod.rs` holds the session's state and routes inputs; each
//! sub-state's behaviour lives in its own module, read top to bottom.

mod batch;
mod caller;
mod consent;
mod escalation;
mod flow;
mod mcp;
mod model;
mod playback;
mod readback;
mod rollover;
mod thinker;
mod timers;
mod tools;
mod update;

pub(crate) use consent::mcp_name;
use playback::base64_len;
use rollover::lost_response;
pub use timers::Timer;

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use switchboard_agent::model::{Behaviour, Builtin, CallerField, Fixture, Run, SlotSource};
use switchboard_agent::render::STATE_TOOL;
use switchboard_wire as wire;
use switchboard_wire::{CallId, ClientEvent, EventId, ItemId, ServerEvent};

use crate::affirm::Lexicon;
use crate::compiled::{CompiledAgent, Route};
use crate::io::{
    CallSummary, Escalation, Input, Output, Record, RolloverPlan, Speaker, Stamped, ToolRun,
};
use crate::vocabulary::{
    CalledBy, GuardDecision, HangUpReason, LatencyKind, ToolError, ToolOutcome,
};

/// Settings a driver may tune per session.
#[derive(Debug, Clone)]
pub struct SessionConfig {
    /// Identifies the session in idempotency keys and records.
    pub id: String,
    /// How long a tool may run when the agent sets no `timeout_ms`.
    pub default_tool_timeout: Duration,
    /// How long a preamble tool may run silently before the engine has the model speak one
    /// of its preamble phrases.
    pub preamble_delay: Duration,
    /// The upstream's maximum session length (60 minutes for the GA Realtime API).
    pub max_upstream: Duration,
    /// How long before that limit the call moves to a new upstream session.
    pub rollover_margin: Duration,
    /// How many recent turns a rollover replays word for word; older ones are summarised.
    pub replay_turns: usize,
    /// Most characters of the summary of older turns.
    pub summary_budget: usize,
    /// Whether an escalated call is handed over by ending it once the agent's turn is done
    /// (a phone call with a transfer target: the telephony side then puts it through).
    pub transfer_on_escalation: bool,
    /// The wall-clock time the session started, which business rules read as `now` (plus the
    /// engine time since). The IO shell gives it; without it a rule using `now` refuses.
    pub wall_clock_at_start: Option<std::time::SystemTime>,
    /// Who called, as business rules read it (`caller`): the gateway gives the name of the
    /// key the call was admitted with.
    pub caller: Option<String>,
}

impl SessionConfig {
    /// Defaults for session `id`.
    pub fn new(id: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            default_tool_timeout: Duration::from_secs(10),
            preamble_delay: Duration::from_millis(700),
            max_upstream: Duration::from_secs(60 * 60),
            rollover_margin: Duration::from_secs(5 * 60),
            replay_turns: 12,
            summary_budget: 2_000,
            transfer_on_escalation: false,
            wall_clock_at_start: None,
            caller: None,
        }
    }
}

/// One call: takes inputs and the current time, yields [`Output`]s. No IO, no clock.
///
/// ```text
/// session.handle_input(input, now);
/// while let Some(out) = session.poll_output() { dispatch(out) }
/// sleep_until(session.poll_timeout()); session.handle_timeout(now);
/// ```
pub struct Session {
    agent: Arc<CompiledAgent>,
    config: SessionConfig,
    started: Instant,
    /// The time of the input being handled.
    now: Instant,
    lexicon: Lexicon,
    outputs: VecDeque<Output>,
    next_event: u64,

    // Configuration.
    /// The flow's state, as the model last confirmed it.
    state: Option<String>,
    /// The caller's settings and tools the model has confirmed (`update.rs`).
    caller_session: wire::Session,
    caller_tools: Vec<wire::Tool>,
    /// The `session.update` the model has not answered, and those waiting for it.
    updates: update::Updates,
    /// The output audio format, as the model last reported it: what agent audio durations
    /// are computed in.
    output_format: wire::AudioFormat,

    // Tools.
    handled_calls: BTreeSet<CallId>,
    hidden_items: BTreeSet<ItemId>,
    passthrough_calls: BTreeSet<CallId>,
    running: BTreeMap<CallId, Running>,
    /// When each MCP call of the agent's servers began, for its record (`mcp.rs`).
    mcp_started: BTreeMap<ItemId, Instant>,
    /// Pending confirmation-first calls, the questions the caller heard, their answers
    /// (`consent.rs`).
    consents: consent::Consents,
    slots: BTreeMap<String, Value>,
    /// The last successful result of each tool, and the calls that succeeded with their
    /// arguments: what business rules see (`policy.rs`).
    results: BTreeMap<String, Value>,
    /// Every call recorded, with its arguments and outcome, in order (shared with the rules'
    /// facts without copying).
    past_calls: Arc<Vec<crate::policy::PastCall>>,
    /// The values the tools' `captures` kept, by name (`policy.rs`).
    captured: BTreeMap<String, crate::policy::Captured>,
    tools_run: Vec<(String, ToolOutcome)>,
    /// Supervisor exchanges in progress (`thinker.rs`).
    thinking: thinker::Thinking,
    /// What was said so far, for the supervisor (agent lines: only what was heard).
    history: Vec<(Speaker, String)>,

    // Responses and turns.
    /// Responses in which the model has said something: started audio, or written text
    /// (text output shows whole at once). A call from one of them needs no preamble.
    audio_responses: BTreeSet<wire::ResponseId>,
    /// Responses written outside the conversation (preambles, fillers, a caller's own
    /// out-of-band requests): their records say so.
    out_of_band_responses: BTreeSet<wire::ResponseId>,
    /// The response that made the call being handled.
    calling_response: Option<wire::ResponseId>,
    /// Index of the next preamble phrase, per tool, so none repeats twice in a row.
    preamble_turn: BTreeMap<String, usize>,
    response_active: bool,
    /// The in-band response the model has started and not finished, as the caller knows it.
    open_response: Option<wire::ResponseId>,
    response_wanted: bool,
    /// The calls of each in-band response, answered before the model goes on (`batch.rs`).
    batches: batch::Batches,
    /// A caller's `response.create` that came while calls of a response had no output yet:
    /// sent once they all have.
    held_response_create: Option<wire::ResponseCreate>,
    caller_turns: u64,
    intent: Option<String>,
    /// Agent audio items in play order: the first is playing, the rest are queued.
    playback: VecDeque<Playback>,
    /// Transcript text of audio items whose first audio has not arrived yet: a model may
    /// send an item's transcript ahead of its audio, and those words belong to the item.
    early_transcripts: Vec<(ItemId, String)>,
    /// Responses the caller spoke over: what more comes of them is not played (a newer model
    /// may start another message of the response before it hears it was cancelled).
    spoken_over: BTreeSet<wire::ResponseId>,
    /// Agent items cut at barge-in (or never played): later audio of them is dropped.
    cut_items: BTreeSet<ItemId>,
    speech_stopped_at: Option<Instant>,

    // Escalation and ending.
    /// Failed attempts per tool since its last success (`escalation.rs`).
    failures: BTreeMap<String, u32>,
    no_input: u32,
    no_match: u32,
    /// The threshold reached, if one was: from then on only the escalation tool runs.
    past_threshold: Option<String>,
    /// Calls that ran, per tool, for `limits.max_calls`.
    calls_run: BTreeMap<String, u32>,
    /// When the model's grace to escalate by itself ends, and why it must.
    escalation_due: Option<(Instant, String)>,
    escalated: bool,
    /// The escalated call was handed over (`SessionConfig::transfer_on_escalation`).
    transferred: bool,
    hangup: Hangup,

    // Rollover.
    /// When the current upstream session started.
    upstream_since: Instant,
    /// The upstream limit is near: roll over at the next gap between turns.
    rollover_due: bool,
    /// Where a move to a new upstream connection stands.
    rollover: rollover::Rollover,
    /// The caller is speaking (between speech started and stopped).
    caller_speaking: bool,
}

#[derive(Debug)]
struct Running {
    name: String,
    arguments: Value,
    started: Instant,
    deadline: Instant,
    /// A fixture's reply, delivered by the engine itself at `deadline`.
    fixture: Option<Result<Value, ToolError>>,
    /// When to speak a preamble phrase if the tool is still running then.
    preamble_at: Option<Instant>,
}

#[derive(Debug)]
struct Playback {
    item_id: ItemId,
    /// The response that produced it.
    response_id: wire::ResponseId,
    /// When it starts playing: its first audio, or the end of the item before it.
    plays_from: Instant,
    bytes: usize,
    transcript: String,
    played: Option<Duration>,
    start: Duration,
    /// The response that produced it is done: no more audio will come.
    complete: bool,
}

#[derive(Debug, PartialEq)]
enum Hangup {
    No,
    /// `finish_session` came silently: the goodbye is the response after this one.
    GoodbyeNext,
    /// The response now playing (or the next to end) says goodbye: hang up when it has
    /// played out.
    AfterGoodbye,
    At(Instant),
    Done,
}

impl Session {
    /// Starts a session: the model gets the agent's `session.update`, the caller a
    /// `session.created` with the same configuration.
    pub fn new(agent: Arc<CompiledAgent>, config: SessionConfig, now: Instant) -> Self {
        // Every capture name is known from the start, so a rule reading one before anything
        // was kept is told which lookup is missing.
        let captured = agent
            .file
            .tools
            .iter()
            .flat_map(|t| t.captures.iter())
            .map(|c| (c.name.clone(), crate::policy::Captured::new(c)))
            .collect();
        let lexicon = Lexicon::new(
            &agent.file.affirmations,
            &agent.file.denials,
            &agent.file.hedges,
        );
        let state = agent.initial_state().map(str::to_owned);
        let mut session = Self {
            agent,
            config,
            started: now,
            now,
            lexicon,
            outputs: VecDeque::new(),
            next_event: 0,
            state,
            caller_session: wire::Session::default(),
            caller_tools: Vec::new(),
            updates: update::Updates::default(),
            output_format: wire::AudioFormat::pcm24k(),
            handled_calls: BTreeSet::new(),
            hidden_items: BTreeSet::new(),
            passthrough_calls: BTreeSet::new(),
            running: BTreeMap::new(),
            mcp_started: BTreeMap::new(),
            consents: consent::Consents::default(),
            slots: BTreeMap::new(),
            results: BTreeMap::new(),
            past_calls: Arc::new(Vec::new()),
            captured,
            tools_run: Vec::new(),
            thinking: thinker::Thinking::default(),
            history: Vec::new(),
            audio_responses: BTreeSet::new(),
            out_of_band_responses: BTreeSet::new(),
            calling_response: None,
            preamble_turn: BTreeMap::new(),
            response_active: false,
            open_response: None,
            response_wanted: false,
            batches: batch::Batches::default(),
            held_response_create: None,
            caller_turns: 0,
            intent: None,
            playback: VecDeque::new(),
            early_transcripts: Vec::new(),
            spoken_over: BTreeSet::new(),
            cut_items: BTreeSet::new(),
            speech_stopped_at: None,
            failures: BTreeMap::new(),
            no_input: 0,
            no_match: 0,
            past_threshold: None,
            calls_run: BTreeMap::new(),
            escalation_due: None,
            escalated: false,
            transferred: false,
            hangup: Hangup::No,
            upstream_since: now,
            rollover_due: false,
            rollover: rollover::Rollover::Idle,
            caller_speaking: false,
        };
        let effective = session.effective_session();
        if let Some(format) = effective.output_format() {
            session.output_format = format;
        }
        session.ask_model(update::Request::Initial);
        let mut created = effective;
        created.object = Some("realtime.session".to_owned());
        created.id = Some(session.config.id.clone());
        let event_id = session.event_id();
        session.send_to_caller(ServerEvent::SessionCreated(wire::SessionEvent {
            event_id,
            session: created,
            extra: wire::Extra::new(),
        }));
        session
    }

    /// The current state of the dynamic flow.
    pub fn state(&self) -> Option<&str> {
        self.state.as_deref()
    }

    /// Values captured so far.
    pub fn slots(&self) -> &BTreeMap<String, Value> {
        &self.slots
    }

    /// Whether the engine has asked for a new model connection ([`Output::Rollover`]) and
    /// waits for [`Input::ModelConnected`].
    pub fn awaits_model_connection(&self) -> bool {
        matches!(self.rollover, rollover::Rollover::Connecting { .. })
    }

    /// Whether the agent's turn is still going: a response is being generated or is wanted,
    /// a tool call or supervisor question has not been answered yet (its answer starts
    /// another response), or the agent hangs up or has hung up (the call ends instead).
    pub fn turn_in_progress(&self) -> bool {
        self.response_active
            || self.response_wanted
            || !self.running.is_empty()
            || self.thinking.busy()
            || self.updates.changes_state()
            || !matches!(self.hangup, Hangup::No)
    }

    /// Handles one input at time `now`.
    pub fn handle_input(&mut self, input: Input, now: Instant) {
        self.handle(input, now);
        self.between_turns();
    }

    /// What waits for a gap between turns, which any input or timer may open: a due rollover,
    /// and the hand-over of an escalated call.
    fn between_turns(&mut self) {
        self.maybe_roll_over();
        if self.config.transfer_on_escalation
            && self.escalated
            && !self.transferred
            && !self.turn_in_progress()
        {
            self.transferred = true;
            self.outputs.push_back(Output::HangUp {
                reason: HangUpReason::Transferred,
            });
        }
    }

    fn handle(&mut self, input: Input, now: Instant) {
        self.now = now;
        match input {
            // While the model's side moves to a new connection, the caller's events wait, so
            // they reach the model after the replayed conversation, as they would have.
            Input::Caller(event) if self.rolling_over() => self.defer_caller(event),
            Input::Caller(event) => self.handle_caller(event, now),
            Input::CallerMalformed(error) => {
                let event_id = self.event_id();
                self.send_to_caller(ServerEvent::error(event_id, error.to_error_object()));
            }
            Input::Model(event) if self.replaying() => self.replay_event(event, now),
            Input::Model(event) => self.handle_model(event, now),
            Input::ModelMalformed(error) => {
                self.guard(
                    GuardDecision::ModelEventMalformed,
                    format!("a model event did not parse: {error}"),
                );
            }
            Input::ToolResult { call_id, outcome } => self.finish_tool(&call_id, outcome, now),
            Input::SupervisorChunk { id, bytes } => self.supervisor_bytes(&id, &bytes, now),
            Input::SupervisorStreamEnded { id, result } => {
                self.supervisor_stream_ended(&id, result, now);
            }
            Input::ModelConnected => self.replay_into_new_connection(now),
            Input::UpstreamLost => {
                // Nothing more will come of the old connection's response or VAD state. A
                // caller waiting on that response is told it failed, as every
                // `response.created` gets its `response.done`.
                if let Some(id) = self.open_response.take() {
                    let event_id = self.event_id();
                    self.send_to_caller(ServerEvent::ResponseDone(wire::ResponseEvent {
                        event_id,
                        response: lost_response(id),
                        extra: wire::Extra::new(),
                    }));
                }
                self.response_active = false;
                self.response_wanted = false;
                self.batches.all_ended();
                self.caller_speaking = false;
                self.rollover_due = false;
                let plan = self.rollover_plan();
                self.guard(
                    GuardDecision::UpstreamLost,
                    format!(
                        "the model connection closed; replaying {} items into a new one",
                        plan.items.len()
                    ),
                );
                self.start_rollover(plan);
                self.updates_lost();
                // The lost response will not end by itself: a move waiting for it is judged.
                self.judge_deferred_move(now);
            }
            Input::CallEnded => {
                for p in std::mem::take(&mut self.playback) {
                    let played = self.heard_so_far(&p, now);
                    self.record_agent_utterance(p, played);
                }
            }
            Input::Played { item_id, until } => {
                if let Some(p) = self.playback.iter_mut().find(|p| p.item_id == item_id) {
                    p.played = Some(until);
                }
            }
        }
    }

    /// The next thing to do, until `None`.
    #[must_use]
    pub fn poll_output(&mut self) -> Option<Output> {
        self.outputs.pop_front()
    }

    /// Adds a system message to the conversation (instructions the caller does not hear).
    fn system_message(&mut self, text: String) {
        self.send_to_model(ClientEvent::ConversationItemCreate(
            wire::ConversationItemCreate::text_message(wire::Role::System, text),
        ));
    }

    /// Asks the model to go on, as soon as no response is going and every call of the last
    /// ones has its output (`batch.rs`).
    fn request_response(&mut self) {
        self.response_wanted = true;
        self.go_on_when_ready();
    }

    /// Sends the response wanted (or the caller's, held) once nothing is outstanding.
    fn go_on_when_ready(&mut self) {
        if self.response_active || self.batches.waiting() {
            return;
        }
        let finished = self.batches.take_finished();
        if let Some(create) = self.held_response_create.take() {
            // The caller's own request stands for the one the engine wanted.
            self.response_wanted = false;
            self.response_active = true;
            self.send_to_model(ClientEvent::ResponseCreate(create));
        } else if finished.client_goes_on {
            // The client answers its calls and asks for the response itself, as it would
            // talking to the model directly; asking too would make two.
            self.response_wanted = false;
        } else if self.response_wanted {
            self.request_response_now();
        }
    }

    fn request_response_now(&mut self) {
        self.response_wanted = false;
        self.response_active = true;
        self.send_to_model(ClientEvent::ResponseCreate(wire::ResponseCreate::default()));
    }

    fn event_id(&mut self) -> EventId {
        self.next_event += 1;
        EventId::new(format!("event_sb{}", self.next_event))
    }

    fn send_to_model(&mut self, event: ClientEvent) {
        self.outputs.push_back(Output::ToModel(event));
    }

    fn send_to_caller(&mut self, event: ServerEvent) {
        self.outputs.push_back(Output::ToCaller(event));
    }

    /// Records `record` as part of the response being handled, if any.
    fn record(&mut self, record: Record) {
        let response_id = self.calling_response.clone();
        self.record_for(record, response_id);
    }

    /// Records `record` as part of `response_id`, stamped with engine time.
    fn record_for(&mut self, record: Record, response_id: Option<wire::ResponseId>) {
        let out_of_band = response_id
            .as_ref()
            .is_some_and(|r| self.out_of_band_responses.contains(r));
        self.outputs.push_back(Output::Record(Stamped {
            at: self.now.saturating_duration_since(self.started),
            response_id,
            out_of_band,
            record,
        }));
    }

    fn guard(&mut self, decision: GuardDecision, detail: String) {
        self.record(Record::Guard {
            decision,
            tool: None,
            detail,
        });
    }

    /// Records a guard's decision about a call of `tool`.
    fn guard_tool(&mut self, decision: GuardDecision, tool: &str, detail: String) {
        self.record(Record::Guard {
            decision,
            tool: Some(tool.to_owned()),
            detail,
        });
    }
}

/// A response written outside the conversation (`conversation: "none"`).
fn is_out_of_band(response: &wire::Response) -> bool {
    matches!(response.conversation_id, wire::Nullable::Null)
        || response
            .metadata
            .as_value()
            .is_some_and(|m| m.contains_key("switchboard"))
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("id", &self.config.id)
            .field("state", &self.state)
            .finish_non_exhaustive()
    }
}
