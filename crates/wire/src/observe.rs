//! Observation events: what Switchboard's gateway did for a call server-side (tool calls,
//! guard decisions, flow transitions, escalations, latency, the end of the agent's turn),
//! sent as extra server events to a caller that asked for them with `?observe=true`.
//!
//! They are not Realtime events, so they are not in [`ServerEvent`](crate::ServerEvent): an
//! ordinary Realtime client never meets them. Like server events, fields these types do not
//! name are kept (a newer gateway may add some); an unknown kind is an error naming `type`,
//! which a reader may ignore. The console reads the same JSON in JavaScript, so the shapes
//! here are fixed: `tests/observation_events_keep_their_json.rs` pins them.
//!
//! Names from the engine's vocabulary (`outcome`, `decision`, `kind`, `called_by`) are kept
//! as strings: the engine is built on this crate, not the other way round, and a reader must
//! not fail on a name a newer engine adds.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::events::event_enum;
use crate::{CallId, EventId, EventOnly, Extra};

/// The query parameter of `/v1/realtime` that turns observation events on (`observe=true`).
pub const QUERY_PARAMETER: &str = "observe";

/// What every observation event's `type` starts with.
pub const PREFIX: &str = "switchboard.";

/// Whether an event `type` is an observation's (known or not) rather than a Realtime one.
pub fn is_observation_type(ty: &str) -> bool {
    ty.starts_with(PREFIX)
}

event_enum! {
    /// An observation event, from the gateway to a caller that asked for them.
    pub enum ObservationEvent (unknown fields: Keep) {
        /// A tool call the gateway answered has ended.
        ToolCall(ToolCallObserved) = "switchboard.tool_call",
        /// A guard acted.
        Guard(GuardObserved) = "switchboard.guard",
        /// The dynamic flow moved to another state.
        Transition(TransitionObserved) = "switchboard.transition",
        /// The call was escalated.
        Escalation(EscalationObserved) = "switchboard.escalation",
        /// A latency was measured.
        Latency(LatencyObserved) = "switchboard.latency",
        /// The agent's turn is over: no response is running or wanted, no tool call or
        /// supervisor question is pending. Sent once per turn, after its last `response.done`;
        /// a client that lets the caller speak only after the agent waits for this.
        TurnEnded(EventOnly) = "switchboard.turn_ended",
    }
}

impl ObservationEvent {
    /// The event's id, unique within the call.
    pub fn event_id(&self) -> &EventId {
        match self {
            Self::ToolCall(e) => &e.event_id,
            Self::Guard(e) => &e.event_id,
            Self::Transition(e) => &e.event_id,
            Self::Escalation(e) => &e.event_id,
            Self::Latency(e) => &e.event_id,
            Self::TurnEnded(e) => &e.event_id,
        }
    }

    /// No frame shape is common enough to deserve a fast path.
    pub(crate) fn fast_path(_json: &str) -> Option<Self> {
        None
    }
}

/// `switchboard.tool_call`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolCallObserved {
    /// Gateway-chosen id.
    pub event_id: EventId,
    /// The model's call id.
    pub call_id: CallId,
    /// The tool.
    pub name: String,
    /// Its arguments, as the model sent them.
    pub arguments: Value,
    /// How it ended (`ok`, `failed`, `refused`, `held_for_confirmation`, …).
    pub outcome: String,
    /// Who made the call: `model` or `supervisor`.
    pub called_by: String,
    /// The result or error sent to the model.
    pub result: Value,
    /// How long it took, in milliseconds to the microsecond.
    pub duration_ms: f64,
    /// Fields this type does not name, kept as the gateway sent them (see [`Extra`]).
    #[serde(flatten)]
    pub extra: Extra,
}

/// `switchboard.guard`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GuardObserved {
    /// Gateway-chosen id.
    pub event_id: EventId,
    /// Which guard acted, by its stable name (`confirmation_asked`, `transition_refused`, …).
    pub decision: String,
    /// The tool it acted on; written as `null` when none.
    #[serde(default)]
    pub tool: Option<String>,
    /// What happened, for a person.
    pub detail: String,
    /// Fields this type does not name, kept as the gateway sent them (see [`Extra`]).
    #[serde(flatten)]
    pub extra: Extra,
}

/// `switchboard.transition`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransitionObserved {
    /// Gateway-chosen id.
    pub event_id: EventId,
    /// The state left.
    pub from: String,
    /// The state entered.
    pub to: String,
    /// Fields this type does not name, kept as the gateway sent them (see [`Extra`]).
    #[serde(flatten)]
    pub extra: Extra,
}

/// `switchboard.escalation`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EscalationObserved {
    /// Gateway-chosen id.
    pub event_id: EventId,
    /// Why.
    pub reason: String,
    /// Fields this type does not name, kept as the gateway sent them (see [`Extra`]).
    #[serde(flatten)]
    pub extra: Extra,
}

/// `switchboard.latency`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LatencyObserved {
    /// Gateway-chosen id.
    pub event_id: EventId,
    /// What was measured (`speech_stopped_to_first_audio`, `tool_call_to_result`, …).
    pub kind: String,
    /// How long, in milliseconds to the microsecond.
    pub duration_ms: f64,
    /// Fields this type does not name, kept as the gateway sent them (see [`Extra`]).
    #[serde(flatten)]
    pub extra: Extra,
}
