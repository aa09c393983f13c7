//! Observation events: what the gateway does server-side (tool calls, guard decisions, state
//! transitions, escalations, latency), sent as extra server events to a caller of
//! `/v1/realtime` that asked for them with `?observe=true`.
//!
//! Only callers that opt in see them, so ordinary Realtime clients never meet an event type
//! they do not know. The caller that opts in is the call's own participant: tool arguments
//! and results (which may hold the caller's phone number) are theirs to see. docs/gateway.md
//! describes every field.

use serde_json::{Value, json};
use switchboard_engine::Record;

/// The query parameter of `/v1/realtime` that turns observation events on (`observe=true`).
pub const QUERY_PARAMETER: &str = "observe";

/// A tool call ended: `call_id`, `name`, `arguments`, `outcome`, `result`, `duration_ms`.
pub const TOOL_CALL: &str = "switchboard.tool_call";
/// A guard acted: `decision` (a short stable name) and `detail`.
pub const GUARD: &str = "switchboard.guard";
/// The dynamic flow moved: `from`, `to`.
pub const TRANSITION: &str = "switchboard.transition";
/// The call was escalated: `reason`.
pub const ESCALATION: &str = "switchboard.escalation";
/// A latency measurement: `kind`, `duration_ms`.
pub const LATENCY: &str = "switchboard.latency";
/// The agent's turn is over: no response is being generated or wanted, and no tool call or
/// supervisor question is pending. Sent once each time a turn ends, after its last
/// `response.done`; a client that waits for the agent to finish before the caller speaks
/// again waits for this (one caller message may take several responses when tools run).
pub const TURN_ENDED: &str = "switchboard.turn_ended";

/// The observation event for `record`, or `None` for records the caller sees already
/// (utterances are in the conversation's own events).
pub(crate) fn record_event(event_id: &str, record: &Record) -> Option<Value> {
    let event = match record {
        Record::Utterance { .. } => return None,
        Record::ToolCall {
            call_id,
            name,
            arguments,
            outcome,
            called_by,
            result,
            duration,
        } => json!({
            "event_id": event_id,
            "type": TOOL_CALL,
            "call_id": call_id.as_str(),
            "name": name,
            "arguments": arguments,
            "outcome": outcome,
            "called_by": called_by,
            "result": result,
            "duration_ms": millis(*duration),
        }),
        Record::Guard {
            decision,
            tool,
            detail,
        } => json!({
            "event_id": event_id,
            "type": GUARD,
            "decision": decision,
            "tool": tool,
            "detail": detail,
        }),
        Record::Transition { from, to } => json!({
            "event_id": event_id,
            "type": TRANSITION,
            "from": from,
            "to": to,
        }),
        Record::Escalated { reason } => json!({
            "event_id": event_id,
            "type": ESCALATION,
            "reason": reason,
        }),
        Record::Latency { kind, duration } => json!({
            "event_id": event_id,
            "type": LATENCY,
            "kind": kind,
            "duration_ms": millis(*duration),
        }),
    };
    Some(event)
}

/// The event saying the agent's turn is over.
pub(crate) fn turn_ended(event_id: &str) -> Value {
    json!({"event_id": event_id, "type": TURN_ENDED})
}

/// Milliseconds, to the microsecond.
fn millis(duration: std::time::Duration) -> f64 {
    (duration.as_secs_f64() * 1_000_000.0).round() / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;
    use switchboard_engine::{GuardDecision, LatencyKind};

    #[test]
    fn utterances_are_not_observed() {
        let record = Record::Utterance {
            speaker: switchboard_engine::Speaker::Caller,
            text: "hello".to_owned(),
            start: Duration::ZERO,
            end: Duration::from_secs(1),
        };
        assert_eq!(record_event("e1", &record), None);
    }

    #[test]
    fn a_guard_record_keeps_its_fields() {
        let record = Record::Guard {
            tool: None,
            decision: GuardDecision::ConfirmationRequested,
            detail: "asked first".to_owned(),
        };
        let event = record_event("e7", &record).expect("observed");
        assert_eq!(event["type"], GUARD);
        assert_eq!(event["event_id"], "e7");
        assert_eq!(event["decision"], "confirmation_requested");
        assert_eq!(event["detail"], "asked first");
    }

    #[test]
    fn latency_is_in_milliseconds() {
        let record = Record::Latency {
            kind: LatencyKind::ToolCallToResult,
            duration: Duration::from_micros(1500),
        };
        let event = record_event("e2", &record).expect("observed");
        assert_eq!(event["duration_ms"], 1.5);
    }
}
