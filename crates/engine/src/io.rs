//! What goes into a [`Session`](crate::Session) and what comes out of it.

use std::time::{Duration, Instant};

use serde_json::Value;
use switchboard_wire::{CallId, ClientEvent, ItemId, ResponseId, ServerEvent, WireError};

use crate::vocabulary::{
    CalledBy, GuardDecision, HangUpReason, LatencyKind, ToolError, ToolOutcome,
};

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
    /// More bytes of the reply to a [`Output::SupervisorRequest`], as they arrived.
    SupervisorChunk {
        /// The request they answer.
        id: SupervisorRequestId,
        /// The next bytes of the HTTP body, cut anywhere.
        bytes: Vec<u8>,
    },
    /// The reply to a [`Output::SupervisorRequest`] ended: its body is complete, or the
    /// request failed.
    SupervisorStreamEnded {
        /// The request it answers.
        id: SupervisorRequestId,
        /// `Ok` when the whole body has been handed over as [`Input::SupervisorChunk`]s.
        result: Result<(), SupervisorFailure>,
    },
    /// The driver has opened the new upstream connection a [`Output::Rollover`] asked for
    /// (and closed the old one): the engine replays the plan into it and takes the model's
    /// acknowledgements itself, so none of them reaches the caller.
    ModelConnected,
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
    /// Send this Chat Completions request to the supervisor's endpoint and hand its reply
    /// back, byte for byte, as [`Input::SupervisorChunk`]s and one
    /// [`Input::SupervisorStreamEnded`], until the deadline.
    SupervisorRequest(SupervisorRequest),
    /// Hand the call to a person.
    Escalate(Escalation),
    /// Open a new upstream connection (the call is between turns, or the old one is lost),
    /// switch the model's side over to it and report [`Input::ModelConnected`]. The engine then
    /// sends this plan to the new connection itself and waits for the model to acknowledge it;
    /// the plan is here for logs and tests.
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

/// One request of a supervisor exchange. The engine asks, reads the streamed reply, runs the
/// tools the supervisor calls (as ordinary tool calls, through the same guards as the
/// responder's) and asks again with their results, until the supervisor answers.
#[derive(Debug, Clone, PartialEq)]
pub struct SupervisorRequest {
    /// Which request this is; its reply's inputs name it.
    pub id: SupervisorRequestId,
    /// The body to POST to `{base_url}/chat/completions`, with `stream: true`. Its `model` is
    /// empty: the endpoint, its model and its key are the driver's, so the key never enters
    /// the engine.
    pub request: switchboard_wire::chat::Request,
    /// After this, the engine answers the responder with the fallback line and ignores the
    /// rest of the reply.
    pub deadline: Instant,
}

/// Names one request of a supervisor exchange: the responder's supervisor call it answers,
/// and the round (1 for the question, one more for each round of tool results). A reply's
/// leftovers can then never be mistaken for the next round's.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SupervisorRequestId {
    /// The responder's call of the supervisor tool.
    pub call_id: CallId,
    /// The round, from 1.
    pub round: u32,
}

impl std::fmt::Display for SupervisorRequestId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} (round {})", self.call_id, self.round)
    }
}

/// Why the driver could not hand over a supervisor reply. Each names what went wrong on the
/// way; the engine turns it into the reason the responder is given with the fallback line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SupervisorFailure {
    /// The request was not sent (no endpoint or no key configured), with why.
    NotSent(String),
    /// The endpoint could not be reached, with the transport's reason.
    Unreachable(String),
    /// The endpoint answered with an HTTP error: its status and the start of its body (with
    /// the key, if it echoed it, already scrubbed by the driver).
    Refused {
        /// The HTTP status.
        status: u16,
        /// The first few KiB of the body.
        body: Vec<u8>,
    },
    /// The connection broke while the body was being read, with the transport's reason.
    BrokeOff(String),
}

impl std::fmt::Display for SupervisorFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NotSent(why) => f.write_str(why),
            Self::Unreachable(why) => {
                write!(f, "the supervisor endpoint cannot be reached: {why}")
            }
            Self::Refused { status, body } => write!(
                f,
                "the supervisor endpoint answered HTTP {status}: {}",
                switchboard_wire::chat::refusal(body)
            ),
            Self::BrokeOff(why) => write!(f, "the supervisor endpoint broke off its reply: {why}"),
        }
    }
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
        /// Who made the call.
        called_by: CalledBy,
        /// The result or error sent to the model.
        result: Value,
        /// How long it took.
        duration: Duration,
    },
    /// A guard acted: a call held for confirmation, a refused transition, a duplicate call…
    Guard {
        /// Which guard acted.
        decision: GuardDecision,
        /// The tool it acted on, when it concerns one (a held call, a refused run, a preamble).
        tool: Option<String>,
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
