//! The per-call state machine.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use switchboard_agent::model::{
    AudioEncoding, Behaviour, Builtin, CallerField, Fixture, Run, SlotSource,
};
use switchboard_agent::render::STATE_TOOL;
use switchboard_wire as wire;
use switchboard_wire::{CallId, ClientEvent, EventId, ItemId, ServerEvent};

use crate::affirm::Lexicon;
use crate::compiled::CompiledAgent;
use crate::io::{
    CallSummary, Escalation, Input, Output, Record, RolloverPlan, Speaker, SupervisorQuestion,
    ToolRun,
};

/// Settings a driver may tune per session.
#[derive(Debug, Clone)]
pub struct SessionConfig {
    /// Identifies the session in idempotency keys and records.
    pub id: String,
    /// How long a tool may run when the agent sets no `timeout_ms`.
    pub default_tool_timeout: Duration,
    /// How long the model has to call the escalation tool once told to, before the engine
    /// escalates by itself.
    pub escalation_grace: Duration,
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
}

impl SessionConfig {
    /// Defaults for session `id`.
    pub fn new(id: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            default_tool_timeout: Duration::from_secs(10),
            escalation_grace: Duration::from_secs(8),
            preamble_delay: Duration::from_millis(700),
            max_upstream: Duration::from_secs(60 * 60),
            rollover_margin: Duration::from_secs(5 * 60),
            replay_turns: 12,
            summary_budget: 2_000,
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
    state: Option<String>,
    caller_session: wire::Session,
    caller_tools: Vec<wire::Tool>,

    // Tools.
    handled_calls: BTreeSet<CallId>,
    hidden_items: BTreeSet<ItemId>,
    passthrough_calls: BTreeSet<CallId>,
    running: BTreeMap<CallId, Running>,
    confirmations: BTreeMap<String, Confirmation>,
    slots: BTreeMap<String, Value>,
    tools_run: Vec<(String, String)>,
    /// Supervisor questions waiting for an answer: deadline and when they were asked.
    asking: BTreeMap<CallId, (Instant, Instant)>,
    /// What was said so far, for the supervisor (agent lines: only what was heard).
    history: Vec<(Speaker, String)>,

    // Responses and turns.
    /// Responses in which the model has said something: started audio, or written text
    /// (text output shows whole at once). A call from one of them needs no preamble.
    audio_responses: BTreeSet<wire::ResponseId>,
    /// The response that made the call being handled.
    calling_response: Option<wire::ResponseId>,
    /// Index of the next preamble phrase, per tool, so none repeats twice in a row.
    preamble_turn: BTreeMap<String, usize>,
    response_active: bool,
    /// The in-band response the model has started and not finished, as the caller knows it.
    open_response: Option<wire::ResponseId>,
    response_wanted: bool,
    caller_turns: u64,
    intent: Option<String>,
    /// Agent audio items in play order: the first is playing, the rest are queued.
    playback: VecDeque<Playback>,
    /// Transcript text of audio items whose first audio has not arrived yet: a model may
    /// send an item's transcript ahead of its audio, and those words belong to the item.
    early_transcripts: Vec<(ItemId, String)>,
    speech_stopped_at: Option<Instant>,

    // Escalation and ending.
    failures: BTreeMap<String, u32>,
    no_input: u32,
    no_match: u32,
    escalation_due: Option<(Instant, String)>,
    escalated: bool,
    hangup: Hangup,

    // Rollover.
    /// When the current upstream session started.
    upstream_since: Instant,
    /// The upstream limit is near: roll over at the next gap between turns.
    rollover_due: bool,
    /// A plan was handed out; waiting for the driver to switch.
    rolling_over: bool,
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
    fixture: Option<Result<Value, String>>,
    /// When to speak a preamble phrase if the tool is still running then.
    preamble_at: Option<Instant>,
}

#[derive(Debug)]
struct Confirmation {
    arguments: Value,
    asked_at_turn: u64,
    affirmed: bool,
}

#[derive(Debug)]
struct Playback {
    item_id: ItemId,
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

/// Text sent to the model when a confirmation-first tool is called before the caller agreed.
fn confirmation_needed(phrase: &str) -> Value {
    json!({
        "status": "confirmation_required",
        "message": format!("Nothing was done. Ask the caller first, with: “{phrase}” Call the tool again with the same arguments only after the caller agrees."),
    })
}

impl Session {
    /// Starts a session: the model gets the agent's `session.update`, the caller a
    /// `session.created` with the same configuration.
    pub fn new(agent: Arc<CompiledAgent>, config: SessionConfig, now: Instant) -> Self {
        let lexicon = Lexicon::new(&agent.file.affirmations);
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
            handled_calls: BTreeSet::new(),
            hidden_items: BTreeSet::new(),
            passthrough_calls: BTreeSet::new(),
            running: BTreeMap::new(),
            confirmations: BTreeMap::new(),
            slots: BTreeMap::new(),
            tools_run: Vec::new(),
            asking: BTreeMap::new(),
            history: Vec::new(),
            audio_responses: BTreeSet::new(),
            calling_response: None,
            preamble_turn: BTreeMap::new(),
            response_active: false,
            open_response: None,
            response_wanted: false,
            caller_turns: 0,
            intent: None,
            playback: VecDeque::new(),
            early_transcripts: Vec::new(),
            speech_stopped_at: None,
            failures: BTreeMap::new(),
            no_input: 0,
            no_match: 0,
            escalation_due: None,
            escalated: false,
            hangup: Hangup::No,
            upstream_since: now,
            rollover_due: false,
            rolling_over: false,
            caller_speaking: false,
        };
        let effective = session.effective_session();
        session.send_to_model(ClientEvent::SessionUpdate(wire::SessionUpdate {
            event_id: None,
            session: effective.clone(),
        }));
        let mut created = effective;
        created.object = Some("realtime.session".to_owned());
        created.id = Some(session.config.id.clone());
        let event_id = session.event_id();
        session.send_to_caller(ServerEvent::SessionCreated(wire::SessionEvent {
            event_id,
            session: created,
        }));
        session
    }

    // ---- getters -------------------------------------------------------------------

    /// The current state of the dynamic flow.
    pub fn state(&self) -> Option<&str> {
        self.state.as_deref()
    }

    /// Values captured so far.
    pub fn slots(&self) -> &BTreeMap<String, Value> {
        &self.slots
    }

    /// Whether the agent's turn is still going: a response is being generated or is wanted,
    /// a tool call or supervisor question has not been answered yet (its answer starts
    /// another response), or the agent hangs up or has hung up (the call ends instead).
    pub fn turn_in_progress(&self) -> bool {
        self.response_active
            || self.response_wanted
            || !self.running.is_empty()
            || !self.asking.is_empty()
            || !matches!(self.hangup, Hangup::No)
    }

    // ---- handle_* ------------------------------------------------------------------

    /// Handles one input at time `now`.
    pub fn handle_input(&mut self, input: Input, now: Instant) {
        self.handle(input, now);
        // A due rollover waits for a gap between turns, which any input may open.
        self.maybe_roll_over();
    }

    fn handle(&mut self, input: Input, now: Instant) {
        self.now = now;
        match input {
            Input::Caller(event) => self.handle_caller(event, now),
            Input::CallerMalformed(error) => {
                let event_id = self.event_id();
                self.send_to_caller(ServerEvent::error(event_id, error.to_error_object()));
            }
            Input::Model(event) => self.handle_model(event, now),
            Input::ModelMalformed(error) => {
                self.guard(
                    "model_event_malformed",
                    format!("a model event did not parse: {error}"),
                );
            }
            Input::ToolResult { call_id, outcome } => self.finish_tool(&call_id, outcome, now),
            Input::SupervisorReply { call_id, outcome } => {
                self.supervisor_replied(&call_id, outcome, now);
            }
            Input::RolledOver => {
                self.rolling_over = false;
                self.upstream_since = now;
                self.record(Record::Guard {
                    decision: "rolled_over".to_owned(),
                    detail: "the call moved to a new upstream session".to_owned(),
                });
            }
            Input::UpstreamLost => {
                // Nothing more will come of the old connection's response or VAD state. A
                // caller waiting on that response is told it failed, as every
                // `response.created` gets its `response.done`.
                if let Some(id) = self.open_response.take() {
                    let event_id = self.event_id();
                    self.send_to_caller(ServerEvent::ResponseDone(wire::ResponseEvent {
                        event_id,
                        response: lost_response(id),
                    }));
                }
                self.response_active = false;
                self.response_wanted = false;
                self.caller_speaking = false;
                self.rollover_due = false;
                self.rolling_over = true;
                let plan = self.rollover_plan();
                self.guard(
                    "upstream_lost",
                    format!(
                        "the model connection closed; replaying {} items into a new one",
                        plan.items.len()
                    ),
                );
                self.outputs.push_back(Output::Rollover(plan));
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

    /// Handles deadlines that have passed by `now`.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.now = now;
        let preambles: Vec<CallId> = self
            .running
            .iter()
            .filter(|(_, r)| r.preamble_at.is_some_and(|at| at <= now))
            .map(|(id, _)| id.clone())
            .collect();
        for call_id in preambles {
            self.speak_preamble(&call_id);
        }
        let unanswered: Vec<CallId> = self
            .asking
            .iter()
            .filter(|(_, (due, _))| *due <= now)
            .map(|(id, _)| id.clone())
            .collect();
        for call_id in unanswered {
            let why = "the supervisor did not answer in time".to_owned();
            self.supervisor_replied(&call_id, Err(why), now);
        }
        let due: Vec<CallId> = self
            .running
            .iter()
            .filter(|(_, r)| r.deadline <= now)
            .map(|(id, _)| id.clone())
            .collect();
        for call_id in due {
            let outcome = match self
                .running
                .get_mut(&call_id)
                .and_then(|r| r.fixture.take())
            {
                Some(outcome) => outcome,
                None => Err("the tool did not answer in time".to_owned()),
            };
            self.finish_tool(&call_id, outcome, now);
        }
        if let Some((due, reason)) = self.escalation_due.clone()
            && due <= now
        {
            self.escalation_due = None;
            self.escalate(format!("{reason}; the model did not escalate in time"));
        }
        while self.playback_end().is_some_and(|end| end <= now) {
            if let Some(p) = self.playback.pop_front() {
                let total = self.audio_duration(p.bytes);
                self.record_agent_utterance(p, total);
            }
        }
        if !self.rolling_over && self.rollover_at() <= now {
            self.rollover_due = true;
        }
        self.maybe_roll_over();
        if let Hangup::At(at) = self.hangup
            && at <= now
        {
            self.hangup = Hangup::Done;
            self.outputs.push_back(Output::HangUp {
                reason: "finish_session: the goodbye has been heard".to_owned(),
            });
        }
    }

    // ---- poll_* --------------------------------------------------------------------

    /// The next thing to do, until `None`.
    #[must_use]
    pub fn poll_output(&mut self) -> Option<Output> {
        self.outputs.pop_front()
    }

    /// When [`handle_timeout`](Self::handle_timeout) must next be called.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        let tools = self
            .running
            .values()
            .flat_map(|r| [Some(r.deadline), r.preamble_at])
            .flatten();
        let escalation = self.escalation_due.as_ref().map(|(at, _)| *at);
        let asking = self.asking.values().map(|(due, _)| *due);
        let hangup = match self.hangup {
            Hangup::At(at) => Some(at),
            _ => None,
        };
        let rollover = (!self.rollover_due && !self.rolling_over).then(|| self.rollover_at());
        tools
            .chain(rollover)
            .chain(asking)
            .chain(escalation)
            .chain(hangup)
            .chain(self.playback_end())
            .min()
    }

    /// When the current agent item will have finished playing, once all its audio is known
    /// and its transcript not yet recorded.
    fn playback_end(&self) -> Option<Instant> {
        let p = self.playback.front().filter(|p| p.complete)?;
        Some(p.plays_from + self.audio_duration(p.bytes))
    }

    // ---- caller side ---------------------------------------------------------------

    fn handle_caller(&mut self, event: ClientEvent, now: Instant) {
        match event {
            ClientEvent::SessionUpdate(update) => self.merge_caller_session(update.session),
            ClientEvent::ConversationItemCreate(create) => match &create.item {
                wire::Item::FunctionCallOutput(output) => {
                    if self.passthrough_calls.remove(&output.call_id) {
                        self.send_to_model(ClientEvent::ConversationItemCreate(create));
                    } else {
                        let why = if self.handled_calls.contains(&output.call_id) {
                            "is answered by the agent, not by the client"
                        } else {
                            "does not match a function call the client was asked to run"
                        };
                        let error = wire::RealtimeError::invalid_request(
                            "invalid_value",
                            format!("Call '{}' {why}.", output.call_id),
                            Some("item.call_id".to_owned()),
                        )
                        .for_event(create.event_id.clone());
                        let event_id = self.event_id();
                        self.send_to_caller(ServerEvent::error(event_id, error));
                    }
                }
                wire::Item::Message(message) if message.role == wire::Role::User => {
                    let text: Vec<&str> = message
                        .content
                        .iter()
                        .filter_map(wire::ContentPart::text)
                        .collect();
                    let text = text.join(" ");
                    self.send_to_model(ClientEvent::ConversationItemCreate(create));
                    if !text.is_empty() {
                        self.caller_turn(&text, now, now);
                    }
                }
                _ => self.send_to_model(ClientEvent::ConversationItemCreate(create)),
            },
            ClientEvent::ResponseCreate(create) => {
                self.response_active = true;
                self.send_to_model(ClientEvent::ResponseCreate(create));
            }
            other => self.send_to_model(other),
        }
    }

    /// A caller's `session.update`: their fields apply, except those the agent owns.
    fn merge_caller_session(&mut self, update: wire::Session) {
        let mut patch = update;
        let tools_left = self.agent.file.leaves(CallerField::Tools);
        let declared: Vec<wire::Tool> = patch.tools.take().unwrap_or_default();
        let owned: Vec<String> = declared
            .iter()
            .filter_map(|t| match t {
                wire::Tool::Function(f) if !tools_left && self.agent.owns_tool(&f.name) => {
                    Some(f.name.clone())
                }
                _ => None,
            })
            .collect();
        if !owned.is_empty() {
            self.guard(
                "caller_tool_ignored",
                format!("the caller redefined agent tools {owned:?}; the agent's stay"),
            );
        }
        self.caller_tools = declared
            .into_iter()
            .filter(|t| {
                tools_left || !matches!(t, wire::Tool::Function(f) if self.agent.owns_tool(&f.name))
            })
            .collect();
        if self.agent.file.leaves(CallerField::Instructions) {
            if patch.instructions.is_some() {
                self.caller_session.instructions = patch.instructions.take();
            }
        } else if patch.instructions.take().is_some() {
            self.guard(
                "caller_instructions_ignored",
                "the agent's instructions stay in force".to_owned(),
            );
        }
        let locked = self.agent.file.audio.lock_turn_detection;
        let mut ignored_turn_detection = false;
        let c = &mut self.caller_session;
        macro_rules! take {
            ($($field:ident),*) => { $( if patch.$field.is_some() { c.$field = patch.$field.take(); } )* };
        }
        take!(
            output_modalities,
            tool_choice,
            max_output_tokens,
            truncation,
            reasoning,
            parallel_tool_calls
        );
        c.tracing.merge(std::mem::take(&mut patch.tracing));
        c.include.merge(std::mem::take(&mut patch.include));
        c.prompt.merge(std::mem::take(&mut patch.prompt));
        if let Some(audio) = patch.audio {
            let mine = c.audio.get_or_insert_with(Default::default);
            if let Some(input) = audio.input {
                let into = mine.input.get_or_insert_with(Default::default);
                if input.format.is_some() {
                    into.format = input.format;
                }
                into.transcription.merge(input.transcription);
                into.noise_reduction.merge(input.noise_reduction);
                if !input.turn_detection.is_absent() {
                    if locked {
                        ignored_turn_detection = true;
                    } else {
                        into.turn_detection = input.turn_detection;
                    }
                }
            }
            if let Some(output) = audio.output {
                let into = mine.output.get_or_insert_with(Default::default);
                if output.format.is_some() {
                    into.format = output.format;
                }
                if output.voice.is_some() {
                    into.voice = output.voice;
                }
                if output.speed.is_some() {
                    into.speed = output.speed;
                }
            }
        }
        if ignored_turn_detection {
            self.guard(
                "caller_turn_detection_ignored",
                "the agent locks turn detection".to_owned(),
            );
        }
        let session = self.effective_session();
        self.send_to_model(ClientEvent::SessionUpdate(wire::SessionUpdate {
            event_id: None,
            session,
        }));
    }

    /// The agent's session for the current state, with the caller's own settings on top.
    fn effective_session(&self) -> wire::Session {
        let mut s = self.agent.session_for(self.state.as_deref()).clone();
        let c = &self.caller_session;
        macro_rules! over {
            ($($field:ident),*) => { $( if c.$field.is_some() { s.$field = c.$field.clone(); } )* };
        }
        over!(
            output_modalities,
            tool_choice,
            max_output_tokens,
            truncation,
            reasoning,
            parallel_tool_calls
        );
        s.tracing.merge(c.tracing.clone());
        s.include.merge(c.include.clone());
        s.prompt.merge(c.prompt.clone());
        if let (Some(audio), Some(mine)) = (c.audio.as_ref(), s.audio.as_mut()) {
            if let (Some(from), Some(into)) = (audio.input.as_ref(), mine.input.as_mut()) {
                if from.format.is_some() {
                    into.format = from.format;
                }
                into.transcription.merge(from.transcription.clone());
                into.noise_reduction.merge(from.noise_reduction.clone());
                into.turn_detection.merge(from.turn_detection.clone());
            }
            if let (Some(from), Some(into)) = (audio.output.as_ref(), mine.output.as_mut()) {
                if from.format.is_some() {
                    into.format = from.format;
                }
                if from.voice.is_some() {
                    into.voice = from.voice.clone();
                }
                if from.speed.is_some() {
                    into.speed = from.speed;
                }
            }
        }
        if c.instructions.is_some() {
            // Only set when the agent leaves its instructions to the caller.
            s.instructions = c.instructions.clone();
        }
        if !self.caller_tools.is_empty() {
            let tools = s.tools.get_or_insert_with(Vec::new);
            // A caller's tool of the same name replaces the agent's, when the agent allows it.
            tools.retain(|t| !matches!(t, wire::Tool::Function(f) if self.caller_defines(&f.name)));
            tools.extend(self.caller_tools.iter().cloned());
        }
        s
    }

    /// Whether the caller declared a function tool called `name`.
    fn caller_defines(&self, name: &str) -> bool {
        self.caller_tools
            .iter()
            .any(|t| matches!(t, wire::Tool::Function(f) if f.name == name))
    }

    // ---- model side ----------------------------------------------------------------

    fn handle_model(&mut self, event: ServerEvent, now: Instant) {
        match &event {
            // The caller already has the agent's session from `new`.
            ServerEvent::SessionCreated(_) => return,
            // Out-of-band responses (preambles) run beside the conversation's own.
            ServerEvent::ResponseCreated(created) if !is_out_of_band(&created.response) => {
                self.response_active = true;
                self.open_response = created.response.id.clone();
            }
            ServerEvent::ResponseDone(done) if !is_out_of_band(&done.response) => {
                self.response_active = false;
                self.open_response = None;
                for p in &mut self.playback {
                    p.complete = true;
                }
                // Items still without audio now will never play.
                self.early_transcripts.clear();
                match self.hangup {
                    Hangup::AfterGoodbye => {
                        let end = self
                            .playback
                            .back()
                            .map_or(now, |p| p.plays_from + self.audio_duration(p.bytes));
                        self.hangup = Hangup::At(end.max(now));
                    }
                    Hangup::GoodbyeNext => self.hangup = Hangup::AfterGoodbye,
                    _ => {}
                }
                if self.response_wanted {
                    self.response_wanted = false;
                    self.forward_model(event);
                    self.request_response_now();
                    return;
                }
            }
            ServerEvent::ResponseOutputItemAdded(added) => {
                if let wire::Item::FunctionCall(call) = &added.item
                    && self.handled_here(&call.name)
                    && let Some(id) = &call.id
                {
                    self.hidden_items.insert(id.clone());
                }
            }
            ServerEvent::ResponseFunctionCallArgumentsDone(done) => {
                let done = done.clone();
                let hidden =
                    self.hidden_items.contains(&done.item_id) || self.handled_here(&done.name);
                if !hidden {
                    self.passthrough_calls.insert(done.call_id.clone());
                    self.guard(
                        "tool_passed_through",
                        format!("`{}` is run by the client", done.name),
                    );
                    self.forward_model(event);
                    return;
                }
                self.hidden_items.insert(done.item_id.clone());
                self.calling_response = Some(done.response_id.clone());
                self.handle_call(done.call_id, &done.name, &done.arguments, now);
                self.calling_response = None;
                return;
            }
            ServerEvent::ResponseOutputAudioDelta(delta) => {
                let bytes = base64_len(&delta.delta);
                // Checked first: this runs for every audio frame and must not allocate.
                if !self.audio_responses.contains(&delta.response_id) {
                    self.audio_responses.insert(delta.response_id.clone());
                }
                if self
                    .playback
                    .back()
                    .is_none_or(|p| p.item_id != delta.item_id)
                {
                    // A new item plays once the ones before it have finished.
                    let plays_from = self
                        .playback
                        .back()
                        .map_or(now, |p| p.plays_from + self.audio_duration(p.bytes))
                        .max(now);
                    let transcript = self
                        .early_transcripts
                        .iter()
                        .position(|(id, _)| *id == delta.item_id)
                        .map(|i| self.early_transcripts.swap_remove(i).1)
                        .unwrap_or_default();
                    self.playback.push_back(Playback {
                        item_id: delta.item_id.clone(),
                        plays_from,
                        bytes: 0,
                        transcript,
                        played: None,
                        start: plays_from.saturating_duration_since(self.started),
                        complete: false,
                    });
                    if let Some(stopped) = self.speech_stopped_at.take() {
                        self.record(Record::Latency {
                            kind: "speech_stopped_to_first_audio".to_owned(),
                            duration: now.saturating_duration_since(stopped),
                        });
                    }
                }
                if let Some(p) = self.playback.back_mut() {
                    p.bytes += bytes;
                }
            }
            ServerEvent::ResponseOutputAudioTranscriptDelta(delta) => {
                if let Some(p) = self
                    .playback
                    .iter_mut()
                    .find(|p| p.item_id == delta.item_id)
                {
                    p.transcript.push_str(&delta.delta);
                } else if let Some((_, text)) = self
                    .early_transcripts
                    .iter_mut()
                    .find(|(id, _)| *id == delta.item_id)
                {
                    text.push_str(&delta.delta);
                } else {
                    self.early_transcripts
                        .push((delta.item_id.clone(), delta.delta.clone()));
                }
            }
            ServerEvent::ResponseOutputAudioTranscriptDone(done) => {
                let text = done.transcript.clone();
                self.check_readback(&text);
                self.note_confirmation_question(&text);
            }
            ServerEvent::ResponseOutputTextDone(done) => {
                let text = done.text.clone();
                self.check_readback(&text);
                self.note_confirmation_question(&text);
                // Text is shown whole at once: all of it reached the caller.
                if !text.is_empty() {
                    self.audio_responses.insert(done.response_id.clone());
                    let at = now.saturating_duration_since(self.started);
                    self.history.push((Speaker::Agent, text.clone()));
                    self.record(Record::Utterance {
                        speaker: Speaker::Agent,
                        text,
                        start: at,
                        end: at,
                    });
                }
            }
            ServerEvent::InputAudioBufferSpeechStarted(_) => {
                self.caller_speaking = true;
                self.barge_in(now);
            }
            ServerEvent::InputAudioBufferSpeechStopped(_) => {
                self.caller_speaking = false;
                self.speech_stopped_at = Some(now);
            }
            ServerEvent::InputTranscriptionCompleted(done) => {
                let text = done.transcript.trim().to_owned();
                if text.is_empty() {
                    self.no_match_event(now);
                } else {
                    self.caller_turn(&text, now, now);
                }
            }
            ServerEvent::InputTranscriptionFailed(_) => self.no_match_event(now),
            ServerEvent::InputAudioBufferTimeoutTriggered(_) => {
                self.no_input += 1;
                // Recorded so a call's record shows each silent turn, not only the threshold.
                self.guard(
                    "no_input",
                    format!("the caller said nothing ({} in a row)", self.no_input),
                );
                self.check_silence_threshold();
            }
            _ => {}
        }
        self.forward_model(event);
    }

    /// Sends a model event on to the caller, unless it belongs to a call the agent handles.
    fn forward_model(&mut self, mut event: ServerEvent) {
        // A response lists its output items again when it ends: calls the engine answered
        // stay hidden there too (their arguments may hold what the caller said).
        if let ServerEvent::ResponseDone(e) | ServerEvent::ResponseCreated(e) = &mut event
            && let Some(output) = e.response.output.as_mut()
        {
            output.retain(|item| !self.is_hidden(item));
        }
        let hidden_item = match &event {
            ServerEvent::ResponseOutputItemAdded(e) | ServerEvent::ResponseOutputItemDone(e) => {
                e.item.id().cloned()
            }
            ServerEvent::ConversationItemAdded(e)
            | ServerEvent::ConversationItemDone(e)
            | ServerEvent::ConversationItemCreated(e) => match &e.item {
                wire::Item::FunctionCallOutput(o) if self.handled_calls.contains(&o.call_id) => {
                    return;
                }
                item => item.id().cloned(),
            },
            ServerEvent::ResponseFunctionCallArgumentsDelta(e) => Some(e.item_id.clone()),
            ServerEvent::ResponseFunctionCallArgumentsDone(e) => Some(e.item_id.clone()),
            _ => None,
        };
        if hidden_item.is_some_and(|id| self.hidden_items.contains(&id)) {
            return;
        }
        self.send_to_caller(event);
    }

    /// Whether `item` is a call the engine answered, or its output.
    fn is_hidden(&self, item: &wire::Item) -> bool {
        match item {
            wire::Item::FunctionCall(call) => {
                call.id
                    .as_ref()
                    .is_some_and(|id| self.hidden_items.contains(id))
                    || call
                        .call_id
                        .as_ref()
                        .is_some_and(|id| self.handled_calls.contains(id))
            }
            wire::Item::FunctionCallOutput(output) => self.handled_calls.contains(&output.call_id),
            _ => false,
        }
    }

    /// Whether the engine, not the client, answers calls to `name`.
    fn handled_here(&self, name: &str) -> bool {
        if self.caller_defines(name) && self.agent.file.leaves(CallerField::Tools) {
            return false;
        }
        if let Some(spec) = self.agent.tools.get(name) {
            return spec.tool.run != Run::Client;
        }
        name == STATE_TOOL
            || self.is_escalation_tool(name)
            || self.is_common(name)
            || self
                .agent
                .file
                .supervisor
                .as_ref()
                .is_some_and(|s| s.tool_name == name)
    }

    fn is_common(&self, name: &str) -> bool {
        self.agent
            .file
            .common_tools
            .iter()
            .any(|c| switchboard_agent::common_tool_name(*c) == name)
    }

    fn is_escalation_tool(&self, name: &str) -> bool {
        let configured = self
            .agent
            .file
            .escalation
            .as_ref()
            .map_or("escalate_to_human", |e| e.tool.as_str());
        name == configured
    }

    // ---- tool calls ----------------------------------------------------------------

    fn handle_call(&mut self, call_id: CallId, name: &str, arguments: &str, now: Instant) {
        if !self.handled_calls.insert(call_id.clone()) {
            self.guard(
                "duplicate_call_ignored",
                format!("call `{call_id}` of `{name}` was already handled"),
            );
            return;
        }
        let args: Value = match serde_json::from_str(arguments) {
            Ok(args @ Value::Object(_)) => args,
            Ok(_) | Err(_) => {
                let why = format!("the arguments of `{name}` are not a JSON object");
                return self.fail_call(call_id, name, Value::Null, "invalid", why, now);
            }
        };
        if name == STATE_TOOL {
            return self.change_state(call_id, &args, now);
        }
        if self.is_escalation_tool(name) && !self.agent.tools.contains_key(name) {
            self.answer(
                &call_id,
                name,
                args,
                "ok",
                json!({"status": "ok", "message": "A specialist is joining the call."}),
                Duration::ZERO,
            );
            self.escalate(self.escalation_reason());
            return;
        }
        if self
            .agent
            .file
            .supervisor
            .as_ref()
            .is_some_and(|s| s.tool_name == name)
        {
            return self.ask_supervisor(call_id, &args, now);
        }
        if self.is_common(name) && !self.agent.tools.contains_key(name) {
            return self.common_tool(call_id, name, args, now);
        }
        let Some(spec) = self.agent.tools.get(name) else {
            let why = format!("`{name}` is not a tool of this agent");
            return self.fail_call(call_id, name, args, "invalid", why, now);
        };
        if let Some(state) = self.state.as_deref()
            && let Some(flow) = &self.agent.file.dynamic
            && flow
                .states
                .iter()
                .any(|s| s.id == state && !s.tools.iter().any(|t| t == name))
        {
            let why = format!("`{name}` is not available in state `{state}`");
            return self.fail_call(call_id, name, args, "refused", why, now);
        }
        if let Err(why) = self.agent.check_arguments(spec, &args) {
            let why = format!("invalid arguments for `{name}`: {why}");
            return self.fail_call(call_id, name, args, "invalid", why, now);
        }
        let tool = spec.tool.clone();
        if tool.behaviour == Behaviour::ConfirmationFirst && !self.confirmed(name, &args) {
            let phrase = tool.confirmation_phrase.clone().unwrap_or_default();
            self.confirmations.insert(
                name.to_owned(),
                Confirmation {
                    arguments: args.clone(),
                    asked_at_turn: self.caller_turns,
                    affirmed: false,
                },
            );
            self.guard(
                "confirmation_requested",
                format!("`{name}` held until the caller agrees to {args}"),
            );
            self.answer(
                &call_id,
                name,
                args,
                "held_for_confirmation",
                confirmation_needed(&phrase),
                Duration::ZERO,
            );
            return;
        }
        self.confirmations.remove(name);
        let timeout = tool
            .limits
            .timeout_ms
            .map_or(self.config.default_tool_timeout, Duration::from_millis);
        // A preamble is only needed when the model said nothing while calling.
        let silent = self
            .calling_response
            .as_ref()
            .is_none_or(|r| !self.audio_responses.contains(r));
        let preamble_at =
            (tool.behaviour == Behaviour::Preamble && silent && !tool.preamble_phrases.is_empty())
                .then(|| now + self.config.preamble_delay);
        if tool.behaviour == Behaviour::Preamble && !silent {
            // Spoken words are recorded once heard, after the call: this says they came with it.
            self.guard(
                "preamble_by_model",
                format!("`{name}` was called in a response that also spoke"),
            );
        }
        match &tool.run {
            Run::Fixtures(fixtures) => {
                let (outcome, delay) = fixture_reply(fixtures, &args);
                let deadline = now + delay.min(timeout);
                let outcome = if delay > timeout {
                    Err("the tool did not answer in time".to_owned())
                } else {
                    outcome
                };
                self.running.insert(
                    call_id,
                    Running {
                        name: name.to_owned(),
                        arguments: args,
                        started: now,
                        deadline,
                        fixture: Some(outcome),
                        preamble_at,
                    },
                );
            }
            Run::Webhook(_) => {
                let deadline = now + timeout;
                self.outputs.push_back(Output::RunTool(ToolRun {
                    call_id: call_id.clone(),
                    name: name.to_owned(),
                    arguments: args.clone(),
                    idempotency_key: format!("{}:{call_id}", self.config.id),
                    deadline,
                }));
                self.running.insert(
                    call_id,
                    Running {
                        name: name.to_owned(),
                        arguments: args,
                        started: now,
                        deadline,
                        fixture: None,
                        preamble_at,
                    },
                );
            }
            Run::Builtin(Builtin::EscalateToHuman) => {
                // The agent's own escalation tool, with its arguments checked above.
                let reason = args
                    .get("reason")
                    .and_then(Value::as_str)
                    .filter(|r| !r.trim().is_empty())
                    .map_or_else(|| self.escalation_reason(), str::to_owned);
                self.answer(
                    &call_id,
                    name,
                    args,
                    "ok",
                    json!({"status": "ok", "message": "A specialist is joining the call."}),
                    Duration::ZERO,
                );
                self.escalate(reason);
            }
            Run::Builtin(Builtin::FinishSession) => self.finish_session(call_id, name, args),
            Run::Builtin(Builtin::Answer) if self.agent.file.supervisor.is_some() => {
                self.ask_supervisor(call_id, &args, now);
            }
            Run::Builtin(Builtin::Answer) | Run::Client => {
                let why = format!("`{name}` cannot run here: no supervisor is configured");
                self.fail_call(call_id, name, args, "failed", why, now);
            }
        }
    }

    /// Whether the caller affirmed a request for exactly these arguments since it was made.
    fn confirmed(&self, name: &str, args: &Value) -> bool {
        // A question the model asked on its own names no arguments: the caller's yes covers
        // the call that follows it.
        self.confirmations
            .get(name)
            .is_some_and(|c| c.affirmed && (c.arguments.is_null() || &c.arguments == args))
    }

    /// The model asked a tool's confirmation question before calling it, as the prompt tells
    /// it to: the caller's next answer decides, as if the engine had asked.
    fn note_confirmation_question(&mut self, said: &str) {
        let said = normalise_phrase(said);
        let asked: Vec<String> = self
            .agent
            .tools
            .iter()
            .filter(|(_, spec)| spec.tool.behaviour == Behaviour::ConfirmationFirst)
            .filter(|(_, spec)| {
                spec.tool
                    .confirmation_phrase
                    .as_deref()
                    .map(normalise_phrase)
                    .is_some_and(|phrase| !phrase.is_empty() && said.contains(&phrase))
            })
            .map(|(name, _)| name.clone())
            .collect();
        for name in asked {
            self.guard(
                "confirmation_asked",
                format!("the model asked before calling `{name}`"),
            );
            self.confirmations.insert(
                name,
                Confirmation {
                    arguments: Value::Null,
                    asked_at_turn: self.caller_turns,
                    affirmed: false,
                },
            );
        }
    }

    fn common_tool(&mut self, call_id: CallId, name: &str, args: Value, now: Instant) {
        match name {
            "finish_session" => self.finish_session(call_id, name, args),
            _ => {
                let why = "no supervisor is configured to answer; offer to connect the caller with a specialist".to_owned();
                self.fail_call(call_id, name, args, "failed", why, now);
            }
        }
    }

    /// The caller is done: the model says goodbye, and the call ends once it has been heard.
    fn finish_session(&mut self, call_id: CallId, name: &str, args: Value) {
        let said_goodbye = self
            .calling_response
            .as_ref()
            .is_some_and(|r| self.audio_responses.contains(r));
        if said_goodbye {
            // The goodbye came with the call: another response would only talk over the
            // hang-up.
            let output = json!({"status": "ok", "message": "The call ends after your goodbye."});
            self.send_output(&call_id, &output);
            self.tool_record(&call_id, name, args, "ok", output, Duration::ZERO);
            self.hangup = Hangup::AfterGoodbye;
        } else {
            self.answer(
                &call_id,
                name,
                args,
                "ok",
                json!({"status": "ok", "message": "Say a short goodbye; the call ends after it."}),
                Duration::ZERO,
            );
            self.hangup = Hangup::GoodbyeNext;
        }
    }

    fn finish_tool(&mut self, call_id: &CallId, outcome: Result<Value, String>, now: Instant) {
        let Some(running) = self.running.remove(call_id) else {
            self.guard(
                "unknown_tool_result",
                format!("a result arrived for `{call_id}`, which is not running"),
            );
            return;
        };
        let duration = now.saturating_duration_since(running.started);
        self.record(Record::Latency {
            kind: "tool_call_to_result".to_owned(),
            duration,
        });
        match outcome {
            Ok(result) => {
                self.failures.remove(&running.name);
                self.capture_slots(&running.name, &running.arguments, &result);
                self.tools_run.push((running.name.clone(), "ok".to_owned()));
                self.answer(
                    call_id,
                    &running.name,
                    running.arguments,
                    "ok",
                    result,
                    duration,
                );
            }
            Err(why) => {
                let outcome = if why.contains("in time") {
                    "timeout"
                } else {
                    "failed"
                };
                self.fail_call_after(
                    call_id.clone(),
                    &running.name,
                    running.arguments,
                    outcome,
                    why,
                    duration,
                );
            }
        }
    }

    fn fail_call(
        &mut self,
        call_id: CallId,
        name: &str,
        args: Value,
        outcome: &str,
        why: String,
        _now: Instant,
    ) {
        self.fail_call_after(call_id, name, args, outcome, why, Duration::ZERO);
    }

    /// Answers a failed call with a clear error and counts it towards escalation.
    fn fail_call_after(
        &mut self,
        call_id: CallId,
        name: &str,
        args: Value,
        outcome: &str,
        why: String,
        duration: Duration,
    ) {
        let result = json!({"status": "error", "error": why});
        self.answer(&call_id, name, args, outcome, result, duration);
        self.tools_run.push((name.to_owned(), "failed".to_owned()));
        let count = self.failures.entry(name.to_owned()).or_insert(0);
        *count += 1;
        let count = *count;
        if let Some(e) = &self.agent.file.escalation
            && count >= e.thresholds.failed_tool_attempts
        {
            let reason = format!("{count} failed attempts with `{name}`");
            self.nudge_escalation(reason);
        }
    }

    /// Sends a tool's output to the model and asks for the spoken follow-up.
    fn reply(&mut self, call_id: &CallId, output: Value) {
        self.send_output(call_id, &output);
        self.request_response();
    }

    /// Gives the model a call's output without asking it to respond.
    fn send_output(&mut self, call_id: &CallId, output: &Value) {
        let item = wire::Item::FunctionCallOutput(wire::FunctionCallOutputItem {
            id: None,
            object: None,
            status: None,
            call_id: call_id.clone(),
            output: output.to_string(),
        });
        self.send_to_model(ClientEvent::ConversationItemCreate(
            wire::ConversationItemCreate {
                event_id: None,
                previous_item_id: None,
                item,
            },
        ));
    }

    /// Answers a call and records it with exactly the output the model got.
    fn answer(
        &mut self,
        call_id: &CallId,
        name: &str,
        arguments: Value,
        outcome: &str,
        output: Value,
        duration: Duration,
    ) {
        self.reply(call_id, output.clone());
        self.tool_record(call_id, name, arguments, outcome, output, duration);
    }

    fn capture_slots(&mut self, tool: &str, args: &Value, result: &Value) {
        let Some(flow) = &self.agent.file.dynamic else {
            return;
        };
        for slot in flow.slots.iter().filter(|s| s.tool == tool) {
            let value = match &slot.from {
                SlotSource::Argument(name) => args.get(name).cloned(),
                SlotSource::Result(path) => path
                    .split('.')
                    .try_fold(result, |v, key| v.get(key))
                    .cloned(),
            };
            if let Some(value) = value.filter(|v| !v.is_null()) {
                self.slots.insert(slot.name.clone(), value);
            }
        }
    }

    /// Has the model say one of the tool's preamble phrases out of band, while it runs.
    fn speak_preamble(&mut self, call_id: &CallId) {
        let Some(running) = self.running.get_mut(call_id) else {
            return;
        };
        running.preamble_at = None;
        let (name, args) = (running.name.clone(), running.arguments.clone());
        let Some(spec) = self.agent.tools.get(&name) else {
            return;
        };
        // Phrases whose placeholders the arguments can fill, in a fixed rotation.
        let phrases: Vec<String> = spec
            .tool
            .preamble_phrases
            .iter()
            .filter_map(|p| fill(p, &args))
            .collect();
        if phrases.is_empty() {
            return;
        }
        let phrase = self.next_phrase(&name, &phrases);
        self.guard(
            "preamble_spoken",
            format!("`{name}` is still running: “{phrase}”"),
        );
        self.say_out_of_band(&phrase);
    }

    /// The next of `phrases` in a fixed rotation kept under `key`, so none repeats twice in a
    /// row.
    fn next_phrase(&mut self, key: &str, phrases: &[String]) -> String {
        let turn = self.preamble_turn.entry(key.to_owned()).or_insert(0);
        let phrase = phrases[*turn % phrases.len()].clone();
        *turn += 1;
        phrase
    }

    /// Has the model speak `phrase` without adding it to the conversation.
    fn say_out_of_band(&mut self, phrase: &str) {
        self.send_to_model(ClientEvent::ResponseCreate(wire::ResponseCreate {
            event_id: None,
            response: Some(wire::ResponseParams {
                conversation: Some(wire::ResponseConversation::Mode(
                    wire::ConversationMode::None,
                )),
                input: Some(Vec::new()),
                instructions: Some(format!("Say exactly this, and nothing else: “{phrase}”")),
                tools: Some(Vec::new()),
                output_modalities: Some(vec![wire::Modality::Audio]),
                metadata: Some(BTreeMap::from([(
                    "switchboard".to_owned(),
                    "preamble".to_owned(),
                )])),
                ..Default::default()
            }),
        }));
    }

    // ---- supervisor ----------------------------------------------------------------

    /// The responder asked the supervisor: yield the question, and fill the silence.
    fn ask_supervisor(&mut self, call_id: CallId, args: &Value, now: Instant) {
        let Some(s) = self.agent.file.supervisor.clone() else {
            return;
        };
        let context = args
            .get("relevantContextFromLastUserMessage")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let deadline = now
            + s.timeout_ms
                .map_or(Duration::from_secs(8), Duration::from_millis);
        self.asking.insert(call_id.clone(), (deadline, now));
        self.outputs
            .push_back(Output::AskSupervisor(SupervisorQuestion {
                session_id: self.config.id.clone(),
                call_id,
                context: context.to_owned(),
                transcript: self.history.clone(),
                instructions: s.instructions.clone(),
                deadline,
            }));
        let silent = self
            .calling_response
            .as_ref()
            .is_none_or(|r| !self.audio_responses.contains(r));
        if silent && !s.fillers.is_empty() {
            let filler = self.next_phrase(&s.tool_name, &s.fillers);
            self.guard(
                "supervisor_filler",
                format!("the model said nothing while asking: “{filler}”"),
            );
            self.say_out_of_band(&filler);
        }
    }

    /// The supervisor answered (or did not): the responder gets speakable text to rephrase,
    /// or the fallback line.
    fn supervisor_replied(
        &mut self,
        call_id: &CallId,
        outcome: Result<String, String>,
        now: Instant,
    ) {
        let Some((_, asked)) = self.asking.remove(call_id) else {
            self.guard(
                "unknown_supervisor_reply",
                format!("a reply arrived for `{call_id}`, which is not waiting"),
            );
            return;
        };
        let Some(s) = self.agent.file.supervisor.clone() else {
            return;
        };
        let duration = now.saturating_duration_since(asked);
        self.record(Record::Latency {
            kind: "supervisor_question_to_answer".to_owned(),
            duration,
        });
        match outcome {
            Ok(text) => {
                let openers: Vec<String> = s
                    .rephrase
                    .openers
                    .iter()
                    .map(|o| format!("“{o}”"))
                    .collect();
                let result = json!({
                    "status": "ok",
                    "answer": switchboard_speech::make_speakable(&text),
                    "how_to_say_it": format!(
                        "Rephrase Supervisor: start with a brief opener ({}), then at most {} sentences.",
                        openers.join(", "),
                        s.rephrase.max_sentences
                    ),
                });
                self.failures.remove(&s.tool_name);
                self.tools_run.push((s.tool_name.clone(), "ok".to_owned()));
                self.answer(call_id, &s.tool_name, json!({}), "ok", result, duration);
            }
            Err(why) => {
                let fallback = s.fallback.clone().unwrap_or_else(|| {
                    "I’m sorry, I can’t get that information right now.".to_owned()
                });
                let outcome = if why.contains("in time") {
                    "timeout"
                } else {
                    "failed"
                };
                let why = format!("{why}. Say: “{fallback}”");
                self.fail_call_after(
                    call_id.clone(),
                    &s.tool_name,
                    json!({}),
                    outcome,
                    why,
                    duration,
                );
            }
        }
    }

    // ---- readback ------------------------------------------------------------------

    /// Compares what the model said with captured slots marked for readback; on a mismatch it
    /// has the model correct itself.
    fn check_readback(&mut self, said: &str) {
        let Some(flow) = &self.agent.file.dynamic else {
            return;
        };
        let marked: Vec<(String, String)> = flow
            .slots
            .iter()
            .filter(|s| s.readback)
            .filter_map(|s| {
                let value = match self.slots.get(&s.name)? {
                    Value::String(v) => v.clone(),
                    Value::Number(n) => n.to_string(),
                    _ => return None,
                };
                Some((s.name.clone(), value))
            })
            .collect();
        for (name, value) in marked {
            match switchboard_speech::readback_matches(said, &value) {
                switchboard_speech::Comparison::Match => {
                    self.guard(
                        "readback_verified",
                        format!("`{name}` was read back correctly"),
                    );
                }
                // A difference at the very first character means another number was spoken,
                // not this value, so only later differences count.
                switchboard_speech::Comparison::Mismatch {
                    index,
                    expected,
                    heard,
                } if index > 0 => {
                    let detail = format!(
                        "`{name}` read back wrong at character {}: said {}, the value has {}",
                        index + 1,
                        heard.map_or("nothing".to_owned(), |c| format!("“{c}”")),
                        expected.map_or("nothing more".to_owned(), |c| format!("“{c}”")),
                    );
                    self.guard("readback_mismatch", detail.clone());
                    let correct =
                        switchboard_speech::spell(&value, switchboard_speech::Style::HYPHENS);
                    let text = format!(
                        "Correction: you read the {name} back incorrectly ({detail}). Apologise briefly and read it again exactly: {correct}."
                    );
                    self.system_message(text);
                    self.request_response();
                }
                _ => {}
            }
        }
    }

    /// Adds a system message to the conversation (instructions the caller does not hear).
    fn system_message(&mut self, text: String) {
        self.send_to_model(ClientEvent::ConversationItemCreate(
            wire::ConversationItemCreate {
                event_id: None,
                previous_item_id: None,
                item: wire::Item::Message(wire::MessageItem {
                    id: None,
                    object: None,
                    status: None,
                    role: wire::Role::System,
                    content: vec![wire::ContentPart::InputText { text }],
                }),
            },
        ));
    }

    // ---- rollover ------------------------------------------------------------------

    /// When the call should move to a new upstream session.
    fn rollover_at(&self) -> Instant {
        self.upstream_since
            + self
                .config
                .max_upstream
                .saturating_sub(self.config.rollover_margin)
    }

    /// Hands out the rollover plan once it is due and the call is between turns: no response
    /// being written, the caller not speaking, no tool or supervisor pending.
    fn maybe_roll_over(&mut self) {
        if !self.rollover_due
            || self.rolling_over
            || self.response_active
            || self.caller_speaking
            || !self.running.is_empty()
            || !self.asking.is_empty()
        {
            return;
        }
        self.rollover_due = false;
        self.rolling_over = true;
        let plan = self.rollover_plan();
        self.guard(
            "rollover_planned",
            format!(
                "replaying {} items into a new upstream session",
                plan.items.len()
            ),
        );
        self.outputs.push_back(Output::Rollover(plan));
    }

    fn rollover_plan(&self) -> RolloverPlan {
        let text_item = |role: wire::Role, text: String| {
            let part = match role {
                wire::Role::Assistant => wire::ContentPart::OutputText { text },
                wire::Role::System | wire::Role::User => wire::ContentPart::InputText { text },
            };
            wire::Item::Message(wire::MessageItem {
                id: None,
                object: None,
                status: None,
                role,
                content: vec![part],
            })
        };
        let split = self.history.len().saturating_sub(self.config.replay_turns);
        let (older, recent) = self.history.split_at(split);
        let mut items = Vec::new();
        if !older.is_empty() {
            // The most recent of the older turns matter most: keep them, drop from the start.
            let mut lines: Vec<String> = Vec::new();
            let mut used = 0;
            for (speaker, text) in older.iter().rev() {
                let line = format!("- {}: {text}", speaker_name(*speaker));
                if used + line.len() > self.config.summary_budget {
                    lines.push("- …".to_owned());
                    break;
                }
                used += line.len();
                lines.push(line);
            }
            lines.reverse();
            let summary = format!("Earlier in this call:\n{}", lines.join("\n"));
            items.push(text_item(wire::Role::System, summary));
        }
        let mut facts = Vec::new();
        if let Some(state) = &self.state {
            facts.push(format!("The conversation is in state `{state}`."));
        }
        if !self.slots.is_empty() {
            let slots: Vec<String> = self
                .slots
                .iter()
                .map(|(k, v)| format!("{k} = {v}"))
                .collect();
            facts.push(format!("Captured so far: {}.", slots.join(", ")));
        }
        if !facts.is_empty() {
            items.push(text_item(wire::Role::System, facts.join(" ")));
        }
        for (speaker, text) in recent {
            let role = match speaker {
                Speaker::Caller => wire::Role::User,
                Speaker::Agent => wire::Role::Assistant,
            };
            items.push(text_item(role, text.clone()));
        }
        RolloverPlan {
            session: self.effective_session(),
            items,
        }
    }

    // ---- dynamic flow --------------------------------------------------------------

    fn change_state(&mut self, call_id: CallId, args: &Value, now: Instant) {
        let next = args
            .get("next_state")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let (Some(flow), Some(current)) = (&self.agent.file.dynamic, self.state.clone()) else {
            let why = "this agent has no conversation states".to_owned();
            return self.fail_call(call_id, STATE_TOOL, args.clone(), "refused", why, now);
        };
        let Some(state) = flow.states.iter().find(|s| s.id == current) else {
            return;
        };
        let refusal = if !state.transitions.contains(&next) {
            let allowed = if state.transitions.is_empty() {
                "none (this state is terminal)".to_owned()
            } else {
                state.transitions.join(", ")
            };
            Some(format!(
                "cannot switch from `{current}` to `{next}`; allowed: {allowed}"
            ))
        } else {
            let missing: Vec<&str> = state
                .requires
                .iter()
                .filter(|r| !self.slots.contains_key(*r))
                .map(String::as_str)
                .collect();
            (!missing.is_empty()).then(|| {
                format!(
                    "cannot leave `{current}` yet: missing {}",
                    missing.join(", ")
                )
            })
        };
        if let Some(why) = refusal {
            self.guard("transition_refused", why.clone());
            let result = json!({"status": "error", "error": why});
            self.answer(
                &call_id,
                STATE_TOOL,
                args.clone(),
                "refused",
                result,
                Duration::ZERO,
            );
            return;
        }
        self.state = Some(next.clone());
        self.record(Record::Transition {
            from: current,
            to: next.clone(),
        });
        let session = self.effective_session();
        self.send_to_model(ClientEvent::SessionUpdate(wire::SessionUpdate {
            event_id: None,
            session,
        }));
        let result = json!({"status": "ok", "state": next});
        self.answer(
            &call_id,
            STATE_TOOL,
            args.clone(),
            "ok",
            result,
            Duration::ZERO,
        );
    }

    // ---- turns, silence, escalation ------------------------------------------------

    fn caller_turn(&mut self, text: &str, start: Instant, end: Instant) {
        self.caller_turns += 1;
        self.no_input = 0;
        self.no_match = 0;
        if self.intent.is_none() {
            self.intent = Some(text.to_owned());
        }
        let affirms = self.lexicon.affirms(text);
        let turn = self.caller_turns;
        for confirmation in self.confirmations.values_mut() {
            if turn > confirmation.asked_at_turn {
                // The latest caller turn after the request decides.
                confirmation.affirmed = affirms;
            }
        }
        self.history.push((Speaker::Caller, text.to_owned()));
        self.record(Record::Utterance {
            speaker: Speaker::Caller,
            text: text.to_owned(),
            start: start.saturating_duration_since(self.started),
            end: end.saturating_duration_since(self.started),
        });
    }

    fn no_match_event(&mut self, _now: Instant) {
        self.no_match += 1;
        self.guard(
            "no_match",
            format!(
                "the caller's audio could not be understood ({} in a row)",
                self.no_match
            ),
        );
        self.check_silence_threshold();
    }

    fn check_silence_threshold(&mut self) {
        let Some(e) = &self.agent.file.escalation else {
            return;
        };
        let limit = e.thresholds.no_input_or_match;
        if self.no_input >= limit {
            // The model answers an idle timeout by itself when turn detection creates
            // responses: asking for one now would collide with it, so the escalation
            // response follows that one.
            if self.creates_responses_by_itself() && !self.response_active {
                self.response_wanted = true;
            }
            self.nudge_escalation(format!("{} consecutive no-input events", self.no_input));
        } else if self.no_match >= limit {
            self.nudge_escalation(format!("{} consecutive no-match events", self.no_match));
        }
    }

    /// Tells the model to say the escalation line and call the tool; escalates by itself if
    /// it does not.
    fn nudge_escalation(&mut self, reason: String) {
        if self.escalated || self.escalation_due.is_some() {
            return;
        }
        let Some(e) = self.agent.file.escalation.clone() else {
            return;
        };
        self.guard("escalation_threshold", reason.clone());
        let text = format!(
            "Escalation required ({reason}). Say: “{}” Then call `{}` now.",
            e.say, e.tool
        );
        self.system_message(text);
        if !self.response_wanted {
            self.request_response();
        }
        let due = self.now + self.config.escalation_grace;
        self.escalation_due = Some((due, reason));
    }

    fn escalation_reason(&self) -> String {
        self.escalation_due
            .as_ref()
            .map_or_else(|| "the model escalated".to_owned(), |(_, r)| r.clone())
    }

    fn escalate(&mut self, reason: String) {
        if self.escalated {
            return;
        }
        self.escalated = true;
        self.escalation_due = None;
        let summary = CallSummary {
            intent: self.intent.clone(),
            slots: self
                .slots
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            tools: self.tools_run.clone(),
            state: self.state.clone(),
        };
        self.record(Record::Escalated {
            reason: reason.clone(),
        });
        self.outputs
            .push_back(Output::Escalate(Escalation { reason, summary }));
    }

    // ---- barge-in ------------------------------------------------------------------

    /// The caller spoke over the agent: every item still playing or queued is cut where
    /// playback stopped (queued ones at zero), and only what was heard is recorded.
    fn barge_in(&mut self, now: Instant) {
        // With `interrupt_response: false` the model keeps talking unless told to stop.
        if self.response_active && !self.interrupts_by_itself() {
            self.send_to_model(ClientEvent::ResponseCancel(wire::ResponseCancel::default()));
            self.guard(
                "barge_in_cancel",
                "cancelled the response the caller spoke over".to_owned(),
            );
        }
        for p in std::mem::take(&mut self.playback) {
            let total = self.audio_duration(p.bytes);
            let played = self.heard_so_far(&p, now);
            if played < total {
                self.send_to_model(ClientEvent::ConversationItemTruncate(
                    wire::ConversationItemTruncate {
                        event_id: None,
                        item_id: p.item_id.clone(),
                        content_index: 0,
                        audio_end_ms: played.as_millis() as u64,
                    },
                ));
                self.guard(
                    "barge_in",
                    format!(
                        "truncated `{}` at {} ms of {} ms",
                        p.item_id,
                        played.as_millis(),
                        total.as_millis()
                    ),
                );
            }
            self.record_agent_utterance(p, played);
        }
    }

    /// Whether the effective turn detection starts a response when a turn ends (or the
    /// caller stays silent past the idle timeout).
    fn creates_responses_by_itself(&self) -> bool {
        self.vad_flags()
            .is_some_and(|(create_response, _)| create_response != Some(false))
    }

    /// Whether the effective turn detection cancels a response when the caller speaks.
    fn interrupts_by_itself(&self) -> bool {
        self.vad_flags()
            .is_some_and(|(_, interrupt_response)| interrupt_response != Some(false))
    }

    /// The effective voice activity detection's `create_response` and `interrupt_response`,
    /// or `None` when the model detects no turns.
    fn vad_flags(&self) -> Option<(Option<bool>, Option<bool>)> {
        let detection = self
            .effective_session()
            .audio
            .and_then(|a| a.input)
            .map(|i| i.turn_detection);
        match detection {
            Some(wire::Nullable::Value(wire::TurnDetection::ServerVad(v))) => {
                Some((v.create_response, v.interrupt_response))
            }
            Some(wire::Nullable::Value(wire::TurnDetection::SemanticVad(v))) => {
                Some((v.create_response, v.interrupt_response))
            }
            _ => None,
        }
    }

    /// How much of an item the caller has heard by `now`: what the transport's marks say,
    /// or else the time since it started playing, at most all of it.
    fn heard_so_far(&self, p: &Playback, now: Instant) -> Duration {
        p.played
            .unwrap_or_else(|| now.saturating_duration_since(p.plays_from))
            .min(self.audio_duration(p.bytes))
    }

    /// Records what the caller heard of an agent item: the words in proportion to the audio
    /// played, cut at a word boundary.
    fn record_agent_utterance(&mut self, p: Playback, heard: Duration) {
        let total = self.audio_duration(p.bytes);
        if p.transcript.is_empty() || heard.is_zero() {
            return;
        }
        let text = if heard >= total || total.is_zero() {
            p.transcript
        } else {
            let chars = p.transcript.chars().count();
            let keep = (chars as u128 * heard.as_micros() / total.as_micros()) as usize;
            let cut: String = p.transcript.chars().take(keep).collect();
            match cut.rfind(char::is_whitespace) {
                Some(i) if keep < chars => cut[..i].to_owned(),
                _ => cut,
            }
        };
        // Too little was heard for a whole word: nothing to record.
        if text.trim().is_empty() {
            return;
        }
        self.history.push((Speaker::Agent, text.clone()));
        self.record(Record::Utterance {
            speaker: Speaker::Agent,
            text,
            start: p.start,
            end: p.start + heard.min(total),
        });
    }

    fn audio_duration(&self, bytes: usize) -> Duration {
        let per_ms = match self.agent.file.audio.output_format {
            AudioEncoding::Pcm16 => 48,
            AudioEncoding::G711Ulaw | AudioEncoding::G711Alaw => 8,
        };
        Duration::from_micros(bytes as u64 * 1000 / per_ms)
    }

    // ---- helpers -------------------------------------------------------------------

    fn request_response(&mut self) {
        if self.response_active {
            self.response_wanted = true;
        } else {
            self.request_response_now();
        }
    }

    fn request_response_now(&mut self) {
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

    fn record(&mut self, record: Record) {
        self.outputs.push_back(Output::Record(record));
    }

    fn guard(&mut self, decision: &str, detail: String) {
        self.record(Record::Guard {
            decision: decision.to_owned(),
            detail,
        });
    }

    fn tool_record(
        &mut self,
        call_id: &CallId,
        name: &str,
        arguments: Value,
        outcome: &str,
        result: Value,
        duration: Duration,
    ) {
        self.record(Record::ToolCall {
            call_id: call_id.clone(),
            name: name.to_owned(),
            arguments,
            outcome: outcome.to_owned(),
            result,
            duration,
        });
    }
}

fn speaker_name(speaker: Speaker) -> &'static str {
    match speaker {
        Speaker::Caller => "Caller",
        Speaker::Agent => "Agent",
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

/// Fills `{name}` placeholders from the arguments; `None` when one cannot be filled.
fn fill(phrase: &str, args: &Value) -> Option<String> {
    let mut out = String::new();
    let mut rest = phrase;
    while let Some(open) = rest.find('{') {
        let close = rest[open..].find('}')? + open;
        let key = &rest[open + 1..close];
        let value = match args.get(key)? {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        out.push_str(&rest[..open]);
        out.push_str(&value);
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    Some(out)
}

/// The first fixture whose `when` matches, and how long it takes.
/// The canned reply of the first fixture whose `when` matches `args` (all fixtures without
/// `when` match), and how long it takes.
pub fn fixture_reply(fixtures: &[Fixture], args: &Value) -> (Result<Value, String>, Duration) {
    let hit = fixtures.iter().find(|f| {
        f.when
            .as_ref()
            .is_none_or(|when| when.iter().all(|(k, v)| args.get(k) == Some(v)))
    });
    match hit {
        Some(f) => {
            let delay = Duration::from_millis(f.delay_ms.unwrap_or(0));
            let outcome = match (&f.error, &f.result) {
                (Some(error), _) => Err(error.clone()),
                (None, Some(result)) => Ok(result.clone()),
                (None, None) => Ok(json!({"status": "ok"})),
            };
            (outcome, delay)
        }
        None => (
            Err("no canned response matches these arguments".to_owned()),
            Duration::ZERO,
        ),
    }
}

/// A response the model was writing when its connection closed.
fn lost_response(id: wire::ResponseId) -> wire::Response {
    wire::Response {
        id: Some(id),
        object: Some(wire::RESPONSE_OBJECT.to_owned()),
        status: Some(wire::ResponseStatus::Failed),
        status_details: wire::Nullable::Value(wire::StatusDetails {
            kind: Some(wire::ResponseStatus::Failed),
            reason: None,
            error: Some(wire::StatusError {
                kind: Some("server_error".to_owned()),
                code: Some("upstream_lost".to_owned()),
                message: Some(
                    "The model connection closed while this response was being written.".to_owned(),
                ),
            }),
        }),
        output: Some(Vec::new()),
        ..wire::Response::default()
    }
}

/// Lowercase words only, so punctuation and dashes don't hide a phrase the model said.
fn normalise_phrase(text: &str) -> String {
    text.split(|c: char| !c.is_alphanumeric() && c != '\'' && c != '’')
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

/// Bytes of audio in a base64 string, without decoding it.
fn base64_len(b64: &str) -> usize {
    let padding = b64.bytes().rev().take_while(|&b| b == b'=').count();
    (b64.len() / 4 * 3).saturating_sub(padding)
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("id", &self.config.id)
            .field("state", &self.state)
            .finish_non_exhaustive()
    }
}
