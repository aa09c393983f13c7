//! What goes into a [`Session`](crate::Session) and what comes out of it.

use std::time::{Duration, Instant};

use serde_json::Value;
use switchboard_wire::{CallId, ClientEvent, ItemId, ResponseId, ServerEvent, WireError};

use crate::vocabulary::{GuardDecision, HangUpReason, LatencyKind, ToolError, ToolOutcome};

/// Something that happened, for the session to handle.
#[derive(Debug, Clone)]
pub enum Input {
    /// An event from the caller, already parsed.
    Caller(ClientEvent),
    /// A frame from the caller that did not parse; the caller gets the Realtime error.
    CallerMalformed(WireError),
    /// An event from the model, already parsed.
    Model(ServerEvent),
    /// A frame from the model that did not parse; recorded, the call goes on.
    ModelMalformed(WireError),
    /// The result of a [`ToolRun`].
    ToolResult {
        /// The call it answers.
        call_id: CallId,
        /// The tool's JSON result, or why it failed.
        outcome: Result<Value, ToolError>,
    },
    /// The supervisor's answer to an [`Output::AskSupervisor`], or why it failed.
    SupervisorReply {
        /// The supervisor tool call it answers.
        call_id: CallId,
        /// The supervisor's text, or the error.
        outcome: Result<String, ToolError>,
    },
    /// The driver has moved the call to a new upstream session, following a
    /// [`Output::Rollover`] plan.
    RolledOver,
    /// The upstream connection closed in the middle of the call. The engine hands out a
    /// [`Output::Rollover`] plan at once, for the driver to replay into a new connection;
    /// whatever response the model was writing is lost.
    UpstreamLost,
    /// The caller's transport reports how much of an assistant item it has played (marks).
    Played {
        /// The assistant item.
        item_id: ItemId,
        /// Audio played from its start.
        until: Duration,
    },
    /// The call is over (either side hung up, or the gateway stopped): agent audio still
    /// playing was heard up to now, and is recorded as such.
    CallEnded,
}

/// Something the driver must do.
#[derive(Debug, Clone, PartialEq)]
pub enum Output {
    /// Send this event to the model.
    ToModel(ClientEvent),
    /// Send this event to the caller.
    ToCaller(ServerEvent),
    /// Run a tool and answer with [`Input::ToolResult`] before the deadline.
    RunTool(ToolRun),
    /// Ask the supervisor (thinker) model, and answer with [`Input::SupervisorReply`] before
    /// the deadline.
    AskSupervisor(SupervisorQuestion),
    /// Hand the call to a person.
    Escalate(Escalation),
    /// Open a new upstream session, replay this plan into it, switch the call over between
    /// turns, then report [`Input::RolledOver`].
    Rollover(RolloverPlan),
    /// End the call.
    HangUp {
        /// Why.
        reason: HangUpReason,
    },
    /// Store this record.
    Record(Stamped),
}

/// A tool for the driver to run.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolRun {
    /// The model's call id.
    pub call_id: CallId,
    /// The tool.
    pub name: String,
    /// Validated arguments.
    pub arguments: Value,
    /// Stable key for write tools: the same call never has two effects.
    pub idempotency_key: String,
    /// After this, the call counts as timed out.
    pub deadline: Instant,
}

/// A question for the supervisor: the responder's one-line context and the call so far.
#[derive(Debug, Clone, PartialEq)]
pub struct SupervisorQuestion {
    /// The session asking, for the tools the supervisor runs.
    pub session_id: String,
    /// The supervisor tool call this answers.
    pub call_id: CallId,
    /// The responder's summary of the latest user message.
    pub context: String,
    /// The conversation so far (agent lines hold only what the caller heard).
    pub transcript: Vec<(Speaker, String)>,
    /// The supervisor's instructions from the agent file.
    pub instructions: String,
    /// After this, the engine answers with the fallback line.
    pub deadline: Instant,
}

/// How to continue the call on a fresh upstream session before the old one hits its limit.
#[derive(Debug, Clone, PartialEq)]
pub struct RolloverPlan {
    /// The `session.update` for the new session: the current state's configuration.
    pub session: switchboard_wire::Session,
    /// Items to create, in order: a summary of older turns and the current state and slots
    /// (system messages), then the recent turns verbatim.
    pub items: Vec<switchboard_wire::Item>,
}

/// A hand-off to a person.
#[derive(Debug, Clone, PartialEq)]
pub struct Escalation {
    /// Why the call is escalated.
    pub reason: String,
    /// What happened so far, for the person who takes over.
    pub summary: CallSummary,
}

/// A summary of the call for a hand-off.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CallSummary {
    /// The caller's first words: what they called about.
    pub intent: Option<String>,
    /// Values captured so far.
    pub slots: Vec<(String, Value)>,
    /// Tools run, with how each ended.
    pub tools: Vec<(String, ToolOutcome)>,
    /// The dynamic state the call was in.
    pub state: Option<String>,
}

/// Who spoke.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Speaker {
    /// The person on the call.
    Caller,
    /// The voice agent.
    Agent,
}

/// A record with what places it in the call: when (engine time since the session started,
/// the one clock of every record), and the response it belongs to.
#[derive(Debug, Clone, PartialEq)]
pub struct Stamped {
    /// When, since the session started. An utterance's own `start` may be earlier (it is
    /// recorded once heard).
    pub at: Duration,
    /// The model response this record belongs to, when there is one: the response that spoke
    /// the words, made the call, or was being handled.
    pub response_id: Option<ResponseId>,
    /// Whether that response ran outside the conversation (`conversation: "none"`): preambles,
    /// fillers, a caller's out-of-band request.
    pub out_of_band: bool,
    /// What happened.
    pub record: Record,
}

/// What a session records for later review. Offsets are since the session started.
#[derive(Debug, Clone, PartialEq)]
pub enum Record {
    /// Something said. Agent utterances hold only what the caller heard.
    Utterance {
        /// Who.
        speaker: Speaker,
        /// What.
        text: String,
        /// When it started.
        start: Duration,
        /// When it ended.
        end: Duration,
    },
    /// A tool call and how it ended.
    ToolCall {
        /// The call.
        call_id: CallId,
        /// The tool.
        name: String,
        /// Its arguments.
        arguments: Value,
        /// How it ended.
        outcome: ToolOutcome,
        /// The result or error sent to the model.
        result: Value,
        /// How long it took.
        duration: Duration,
    },
    /// A guard acted: a call held for confirmation, a refused transition, a duplicate call…
    Guard {
        /// Which guard acted.
        decision: GuardDecision,
        /// What happened, for a person.
        detail: String,
    },
    /// The dynamic flow moved.
    Transition {
        /// From this state.
        from: String,
        /// To this state.
        to: String,
    },
    /// The call was escalated.
    Escalated {
        /// Why.
        reason: String,
    },
    /// A latency measurement.
    Latency {
        /// What was measured.
        kind: LatencyKind,
        /// How long.
        duration: Duration,
    },
}
