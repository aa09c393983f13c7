//! Observation events: what the gateway does server-side (tool calls, guard decisions, state
//! transitions, escalations, latency), sent as extra server events to a caller of
//! `/v1/realtime` that asked for them with `?observe=true`.
//!
//! Only callers that opt in see them, so ordinary Realtime clients never meet an event type
//! they do not know. The caller that opts in is the call's own participant: tool arguments
//! and results (which may hold the caller's phone number) are theirs to see. docs/gateway.md
//! describes every field; their types are `switchboard_wire::observe`'s.

use switchboard_engine::Record;
use switchboard_wire::observe::{
    EscalationObserved, GuardObserved, LatencyObserved, ObservationEvent, ToolCallObserved,
    TransitionObserved,
};
use switchboard_wire::{EventId, EventOnly, Extra};

pub use switchboard_wire::observe::QUERY_PARAMETER;

/// The observation event for `record`, or `None` for records the caller sees already
/// (utterances are in the conversation's own events).
pub(crate) fn record_event(event_id: EventId, record: &Record) -> Option<ObservationEvent> {
    let extra = Extra::new();
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
        } => ObservationEvent::ToolCall(ToolCallObserved {
            event_id,
            call_id: call_id.clone(),
            name: name.clone(),
            arguments: arguments.clone(),
            outcome: outcome.as_str().to_owned(),
            called_by: called_by.as_str().to_owned(),
            result: result.clone(),
            duration_ms: millis(*duration),
            extra,
        }),
        Record::Guard {
            decision,
            tool,
            detail,
        } => ObservationEvent::Guard(GuardObserved {
            event_id,
            decision: decision.as_str().to_owned(),
            tool: tool.clone(),
            detail: detail.clone(),
            extra,
        }),
        Record::Transition { from, to } => ObservationEvent::Transition(TransitionObserved {
            event_id,
            from: from.clone(),
            to: to.clone(),
            extra,
        }),
        Record::Escalated { reason } => ObservationEvent::Escalation(EscalationObserved {
            event_id,
            reason: reason.clone(),
            extra,
        }),
        Record::Latency { kind, duration } => ObservationEvent::Latency(LatencyObserved {
            event_id,
            kind: kind.as_str().to_owned(),
            duration_ms: millis(*duration),
            extra,
        }),
    };
    Some(event)
}

/// The event saying the agent's turn is over.
pub(crate) fn turn_ended(event_id: EventId) -> ObservationEvent {
    ObservationEvent::TurnEnded(EventOnly {
        event_id,
        extra: Extra::new(),
    })
}

/// Milliseconds, to the microsecond.
fn millis(duration: std::time::Duration) -> f64 {
    (duration.as_secs_f64() * 1_000_000.0).round() / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::time::Duration;
    use switchboard_engine::{CalledBy, GuardDecision, LatencyKind, ToolOutcome};
    use switchboard_wire::CallId;

    fn id(n: u32) -> EventId {
        EventId::new(format!("e{n}"))
    }

    #[test]
    fn utterances_are_not_observed() {
        let record = Record::Utterance {
            speaker: switchboard_engine::Speaker::Caller,
            text: "hello".to_owned(),
            start: Duration::ZERO,
            end: Duration::from_secs(1),
        };
        assert_eq!(record_event(id(1), &record), None);
    }

    /// The JSON of every kind is what the console and stored reports have always read.
    #[test]
    fn every_record_becomes_the_json_the_console_reads() {
        let cases = [
            (
                Record::ToolCall {
                    call_id: CallId::new("call_4"),
                    name: "lookup_account".to_owned(),
                    arguments: json!({"email_or_phone": "4155550123"}),
                    outcome: ToolOutcome::Ok,
                    called_by: CalledBy::Model,
                    result: json!({"account_id": "NL-10482"}),
                    duration: Duration::from_micros(1500),
                },
                json!({"event_id": "e1", "type": "switchboard.tool_call", "call_id": "call_4",
                       "name": "lookup_account", "arguments": {"email_or_phone": "4155550123"},
                       "outcome": "ok", "called_by": "model",
                       "result": {"account_id": "NL-10482"}, "duration_ms": 1.5}),
            ),
            (
                Record::Guard {
                    tool: None,
                    decision: GuardDecision::ConfirmationRequested,
                    detail: "asked first".to_owned(),
                },
                json!({"event_id": "e1", "type": "switchboard.guard",
                       "decision": "confirmation_requested", "tool": null,
                       "detail": "asked first"}),
            ),
            (
                Record::Transition {
                    from: "verify".to_owned(),
                    to: "resolve".to_owned(),
                },
                json!({"event_id": "e1", "type": "switchboard.transition",
                       "from": "verify", "to": "resolve"}),
            ),
            (
                Record::Escalated {
                    reason: "too many failures".to_owned(),
                },
                json!({"event_id": "e1", "type": "switchboard.escalation",
                       "reason": "too many failures"}),
            ),
            (
                Record::Latency {
                    kind: LatencyKind::ToolCallToResult,
                    duration: Duration::from_micros(1500),
                },
                json!({"event_id": "e1", "type": "switchboard.latency",
                       "kind": "tool_call_to_result", "duration_ms": 1.5}),
            ),
        ];
        for (record, expected) in cases {
            let event = record_event(id(1), &record).expect("observed");
            assert_eq!(event.to_value(), expected, "{record:?}");
        }
        assert_eq!(
            turn_ended(id(2)).to_value(),
            json!({"event_id": "e2", "type": "switchboard.turn_ended"})
        );
    }

    #[test]
    fn latency_is_in_milliseconds_to_the_microsecond() {
        let record = Record::Latency {
            kind: LatencyKind::SpeechStoppedToFirstAudio,
            duration: Duration::from_nanos(1_234_567),
        };
        let Some(ObservationEvent::Latency(latency)) = record_event(id(2), &record) else {
            panic!("a latency event");
        };
        assert_eq!(latency.duration_ms, 1.235);
    }
}
