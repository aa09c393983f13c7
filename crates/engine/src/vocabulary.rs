//! The engine's typed vocabulary: how tool calls end, which guard acted, what a latency mark
//! measures, why a call was hung up, why a tool failed.
//!
//! Each enum is stored and shown by its stable snake_case name (`as_str`), the same strings
//! records have always used, so stored calls need no migration. Readers of stored records
//! (`switchboard sessions`, the scenario checks, exports) parse the names back with `FromStr`
//! and match on variants: no string lists are copied between crates.

/// Defines a string-backed vocabulary: the enum, `as_str`, `ALL`, `Display` and `FromStr`.
macro_rules! vocabulary {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $text:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stable name, as stored in records.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $( $name::$variant => $text, )+
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = UnknownName;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $( $text => Ok($name::$variant), )+
                    _ => Err(UnknownName { kind: stringify!($name), name: s.to_owned() }),
                }
            }
        }
    };
}

/// A stored name that no value of the vocabulary has (a record from a newer version).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownName {
    /// The vocabulary asked.
    pub kind: &'static str,
    /// The name that was not found.
    pub name: String,
}

impl std::fmt::Display for UnknownName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "`{}` is not a known {}", self.name, self.kind)
    }
}

impl std::error::Error for UnknownName {}

vocabulary! {
    /// How a tool call ended.
    pub enum ToolOutcome {
        /// It ran and succeeded.
        Ok = "ok",
        /// It ran and failed (an error from the tool).
        Failed = "failed",
        /// It ran out of time.
        Timeout = "timeout",
        /// Its arguments were refused before it ran (schema, limits, not a JSON object).
        Invalid = "invalid",
        /// A guard refused it before it ran (state, `max_calls`, an escalation threshold).
        Refused = "refused",
        /// A tool only the caller declared: the caller runs it.
        PassedThrough = "passed_through",
        /// A confirmation-first call held until the caller agrees to it.
        HeldForConfirmation = "held_for_confirmation",
    }
}

impl ToolOutcome {
    /// Whether the tool itself ran (or was handed to the caller to run).
    pub fn ran(self) -> bool {
        matches!(
            self,
            Self::Ok | Self::Failed | Self::Timeout | Self::PassedThrough
        )
    }

    /// Whether the call is a failed attempt, counted towards the agent's
    /// `failed_tool_attempts`: the tool failed or timed out, or the model sent arguments it
    /// refused. A guard's refusal (a state, `max_calls`, a threshold) is the model calling
    /// the wrong tool, not a failed attempt at the task, and a held call has not failed.
    pub fn counts_as_failed_attempt(self) -> bool {
        matches!(self, Self::Failed | Self::Timeout | Self::Invalid)
    }
}

vocabulary! {
    /// Which guard acted, in a [`Record::Guard`](crate::Record::Guard).
    pub enum GuardDecision {
        /// A model event did not parse; the call went on.
        ModelEventMalformed = "model_event_malformed",
        /// The call moved to a new upstream session: the model acknowledged the replay.
        RolledOver = "rolled_over",
        /// The model refused part of a replayed conversation; the call went on without it.
        ReplayItemRefused = "replay_item_refused",
        /// The upstream connection closed mid-call.
        UpstreamLost = "upstream_lost",
        /// A rollover plan was handed out.
        RolloverPlanned = "rollover_planned",
        /// The caller redefined agent tools; the agent's stayed.
        CallerToolIgnored = "caller_tool_ignored",
        /// The caller tried to replace locked instructions.
        CallerInstructionsIgnored = "caller_instructions_ignored",
        /// The caller tried to change locked turn detection.
        CallerTurnDetectionIgnored = "caller_turn_detection_ignored",
        /// A caller's request was refused (an `error` went back with its event id).
        CallerRequestRefused = "caller_request_refused",
        /// The model refused a `session.update`; the engine's view stayed as it was.
        SessionUpdateRefused = "session_update_refused",
        /// The model acknowledged a `session.update` with what was asked.
        SessionUpdateConfirmed = "session_update_confirmed",
        /// A tool only the caller declared went to the caller.
        ToolPassedThrough = "tool_passed_through",
        /// A call id was seen again and not run twice.
        DuplicateCallIgnored = "duplicate_call_ignored",
        /// A confirmation-first call was held as a pending action.
        ConfirmationRequested = "confirmation_requested",
        /// The agent asked the confirmation question of a pending action.
        ConfirmationAsked = "confirmation_asked",
        /// The caller's answer to a confirmation question was an explicit yes.
        ConsentGiven = "consent_given",
        /// The caller's answer was not consent (a no, a question, a hedge, a wait).
        ConsentNotGiven = "consent_not_given",
        /// A held call came back without consent for exactly its arguments.
        ConsentMissing = "consent_missing",
        /// A tool was called more often than its `max_calls`.
        MaxCallsReached = "max_calls_reached",
        /// The model called a tool that speaks with a preamble in a response that spoke.
        PreambleByModel = "preamble_by_model",
        /// The engine had the model speak a preamble phrase for a silent slow tool.
        PreambleSpoken = "preamble_spoken",
        /// The engine filled the silence while the supervisor thought.
        SupervisorFiller = "supervisor_filler",
        /// A tool result arrived for a call that is not running.
        UnknownToolResult = "unknown_tool_result",
        /// A supervisor reply arrived for a question not waiting.
        UnknownSupervisorReply = "unknown_supervisor_reply",
        /// The supervisor called a tool: the `ToolCall` record that follows is its call, run
        /// through the same guards as the responder's.
        SupervisorToolCall = "supervisor_tool_call",
        /// The supervisor called a confirmation-first tool, which only the caller can agree
        /// to: it was held and did not run.
        SupervisorNeedsConsent = "supervisor_needs_consent",
        /// A readback matched the captured value.
        ReadbackVerified = "readback_verified",
        /// A readback did not match; the model was told to correct itself.
        ReadbackMismatch = "readback_mismatch",
        /// A transition was refused (not an allowed edge, or requirements missing).
        TransitionRefused = "transition_refused",
        /// The caller said nothing through the idle timeout.
        NoInput = "no_input",
        /// The caller's audio could not be understood.
        NoMatch = "no_match",
        /// An escalation threshold was reached.
        EscalationThreshold = "escalation_threshold",
        /// A call of a counted tool after its escalation threshold was refused.
        PastThreshold = "past_threshold",
        /// The engine cancelled a response the caller spoke over.
        BargeInCancel = "barge_in_cancel",
        /// Agent audio was truncated where the caller stopped hearing it.
        BargeIn = "barge_in",
        /// A business rule of the agent (a tool's `guards`) refused a call.
        PolicyRefused = "policy_refused",
        /// A tool's successful result does not match its `output_schema`: the model still
        /// gets it, but business rules do not read it (no `results`, no captures).
        ResultOutsideSchema = "result_outside_schema",
        /// A `set_conversation_state` call waits for the other calls of its response to be
        /// answered before it is judged (what they capture may be what the state requires).
        TransitionDeferred = "transition_deferred",
        /// The engine approved the provider's request to run a confirmation-first MCP tool:
        /// the caller agreed to exactly that call.
        McpApproved = "mcp_approved",
        /// The engine denied the provider's request to run an MCP tool (no consent for
        /// exactly that call, or past an escalation threshold).
        McpDenied = "mcp_denied",
    }
}

vocabulary! {
    /// Who made a tool call, in a [`Record::ToolCall`](crate::Record::ToolCall).
    pub enum CalledBy {
        /// The speaking model (the responder).
        Model = "model",
        /// The supervisor (thinker), while answering the responder's question.
        Supervisor = "supervisor",
        /// The model, through a tool of an MCP server the provider called (`mcp.rs`).
        Provider = "provider",
    }
}

vocabulary! {
    /// What a [`Record::Latency`](crate::Record::Latency) measures.
    pub enum LatencyKind {
        /// From the end of the caller's speech to the agent's first audio.
        SpeechStoppedToFirstAudio = "speech_stopped_to_first_audio",
        /// From a tool call to its result.
        ToolCallToResult = "tool_call_to_result",
        /// From a supervisor question to its answer.
        SupervisorQuestionToAnswer = "supervisor_question_to_answer",
    }
}

vocabulary! {
    /// Why the engine ends a call ([`Output::HangUp`](crate::Output::HangUp)).
    pub enum HangUpReason {
        /// `finish_session` was called and the goodbye has been heard.
        GoodbyeHeard = "goodbye_heard",
        /// The call was escalated and is handed to a person after the agent's turn.
        Transferred = "transferred",
        /// A new model connection did not take the replayed conversation in time.
        UpstreamUnavailable = "upstream_unavailable",
    }
}

/// Why a tool run did not produce a result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ToolError {
    /// It did not answer before its deadline.
    Timeout,
    /// It answered with an error, or could not be reached.
    Failed(String),
}

impl ToolError {
    /// The outcome a call that ended this way is recorded with.
    pub fn outcome(&self) -> ToolOutcome {
        match self {
            Self::Timeout => ToolOutcome::Timeout,
            Self::Failed(_) => ToolOutcome::Failed,
        }
    }
}

impl std::fmt::Display for ToolError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Timeout => f.write_str("the tool did not answer in time"),
            Self::Failed(why) => f.write_str(why),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_parses_back_and_names_are_unique() {
        let mut seen = std::collections::BTreeSet::new();
        for d in GuardDecision::ALL {
            assert_eq!(d.as_str().parse::<GuardDecision>(), Ok(*d));
            assert!(seen.insert(d.as_str()), "{d} twice");
        }
        for o in ToolOutcome::ALL {
            assert_eq!(o.as_str().parse::<ToolOutcome>(), Ok(*o));
        }
        assert!("no_such_thing".parse::<LatencyKind>().is_err());
    }
}
