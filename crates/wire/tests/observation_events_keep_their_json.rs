//! Observation events (`switchboard.*`, sent to a caller of `?observe=true`) are read into
//! their types and written back as the gateway has always written them: the web console's
//! JavaScript and stored reports read these exact fields.
//!
//! Values are compared as `serde_json::Value`s: every field, every `null` and every number
//! counts, key order does not.

use serde_json::{Value, json};
use switchboard_wire::observe::{self, ObservationEvent};
use switchboard_wire::{ErrorKind, ServerEvent};

/// One event of every kind, as the gateway writes it (docs/gateway.md).
fn every_kind() -> Vec<Value> {
    vec![
        json!({"event_id": "event_gw14", "type": "switchboard.tool_call", "call_id": "call_4",
               "name": "lookup_account", "arguments": {"email_or_phone": "4155550123"},
               "outcome": "ok", "called_by": "model",
               "result": {"account_id": "NL-10482", "first_name": "Alex"}, "duration_ms": 0.0}),
        json!({"event_id": "event_gw15", "type": "switchboard.tool_call", "call_id": "call_5",
               "name": "refund_credit", "arguments": null, "outcome": "held_for_confirmation",
               "called_by": "supervisor", "result": "held", "duration_ms": 12.345}),
        json!({"event_id": "event_gw21", "type": "switchboard.guard",
               "decision": "confirmation_asked", "tool": "refund_credit",
               "detail": "held: `refund_credit`(account_id=\"NL-10482\", minutes=60); asked: “…”"}),
        json!({"event_id": "event_gw22", "type": "switchboard.guard",
               "decision": "transition_refused", "tool": null, "detail": "not allowed"}),
        json!({"event_id": "event_gw30", "type": "switchboard.transition",
               "from": "verify", "to": "resolve"}),
        json!({"event_id": "event_gw31", "type": "switchboard.escalation",
               "reason": "three failed tool calls"}),
        json!({"event_id": "event_gw40", "type": "switchboard.latency",
               "kind": "tool_call_to_result", "duration_ms": 1.5}),
        json!({"event_id": "event_gw41", "type": "switchboard.turn_ended"}),
    ]
}

#[test]
fn every_kind_round_trips_to_the_same_json() {
    let mut kinds = Vec::new();
    for value in every_kind() {
        let text = value.to_string();
        let event = ObservationEvent::from_json(&text)
            .unwrap_or_else(|e| panic!("{text} does not parse: {e}"));
        assert_eq!(event.to_value(), value, "{text}");
        let again: Value = serde_json::from_str(&event.to_json()).expect("valid JSON");
        assert_eq!(again, value, "{text}");
        assert_eq!(
            ObservationEvent::from_value(value.clone()).expect("parses"),
            event
        );
        kinds.push(event.event_type());
    }
    kinds.dedup();
    assert_eq!(
        kinds,
        ObservationEvent::TYPES,
        "one fixture per kind, in order"
    );
}

#[test]
fn every_kind_is_named_under_the_prefix() {
    for kind in ObservationEvent::TYPES {
        assert!(kind.starts_with(observe::PREFIX), "{kind}");
        assert!(observe::is_observation_type(kind), "{kind}");
    }
    assert!(!observe::is_observation_type("response.done"));
}

#[test]
fn the_fields_are_typed() {
    let event = ObservationEvent::from_value(every_kind()[0].clone()).expect("parses");
    let ObservationEvent::ToolCall(call) = event else {
        panic!("a tool call: {event:?}");
    };
    assert_eq!(call.call_id.as_str(), "call_4");
    assert_eq!(call.name, "lookup_account");
    assert_eq!(call.outcome, "ok");
    assert_eq!(call.arguments["email_or_phone"], "4155550123");
    assert_eq!(call.duration_ms, 0.0);

    let event = ObservationEvent::from_value(every_kind()[3].clone()).expect("parses");
    let ObservationEvent::Guard(guard) = event else {
        panic!("a guard: {event:?}");
    };
    assert_eq!(guard.tool, None);
}

#[test]
fn fields_a_newer_gateway_adds_are_kept() {
    let value = json!({"event_id": "e1", "type": "switchboard.transition", "from": "a",
                       "to": "b", "slots": {"account_id": "NL-1"}});
    let event = ObservationEvent::from_value(value.clone()).expect("parses");
    assert_eq!(event.to_value(), value);
}

#[test]
fn an_unknown_kind_or_a_missing_field_is_a_precise_error() {
    let err = ObservationEvent::from_json(r#"{"type":"switchboard.future","event_id":"e9"}"#)
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidValue);
    assert_eq!(err.param(), Some("type"));
    assert_eq!(err.event_id().map(|id| id.as_str()), Some("e9"));

    let err = ObservationEvent::from_json(
        r#"{"type":"switchboard.transition","event_id":"e2","to":"b"}"#,
    )
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::MissingParameter);
    assert_eq!(err.param(), Some("from"));
}

#[test]
fn observation_events_are_not_realtime_server_events() {
    for value in every_kind() {
        assert!(ServerEvent::from_value(value).is_err());
    }
}
