//! Invalid arguments never reach a tool: they get a clear error and count as a failed attempt.

mod common;

use common::*;
use serde_json::json;
use switchboard_engine::Output;

#[test]
fn a_schema_violation_is_answered_with_the_reason() {
    let mut h = Harness::agent();
    let out = h.model_calls("call_1", "lookup_account", json!({"email_or_phone": 12}));
    let (_, output) = &tool_outputs(&out)[0];
    assert_eq!(output["status"], "error");
    assert!(
        output["error"]
            .as_str()
            .expect("text")
            .contains("email_or_phone"),
        "{output}"
    );
    assert!(executed(&out).is_empty());
}

#[test]
fn a_declared_limit_is_enforced_beyond_the_schema() {
    let mut h = Harness::agent();
    h.model_calls(
        "c1",
        "lookup_account",
        json!({"email_or_phone": "4155551234"}),
    );
    h.advance(std::time::Duration::from_millis(1));
    h.model_calls(
        "c2",
        "set_conversation_state",
        json!({"next_state": "resolve"}),
    );
    let out = h.model_calls(
        "c3",
        "refund_credit",
        json!({"account_id": "A-100", "minutes": 600}),
    );
    let (_, output) = &tool_outputs(&out)[0];
    assert!(
        output["error"].as_str().expect("text").contains("minutes"),
        "{output}"
    );
    assert!(!out.iter().any(|o| matches!(o, Output::RunTool(_))));
}

#[test]
fn arguments_that_are_not_json_are_an_error_not_a_crash() {
    let mut h = Harness::agent();
    let out = h.model(json!({"type":"response.function_call_arguments.done","event_id":"e","response_id":"r","item_id":"i",
        "output_index":0,"call_id":"call_x","name":"lookup_account","arguments":"{not json"}));
    assert_eq!(tool_outputs(&out)[0].1["status"], "error");
}

#[test]
fn a_tool_not_offered_in_the_current_state_is_refused() {
    let mut h = Harness::agent();
    let out = h.model_calls(
        "call_1",
        "refund_credit",
        json!({"account_id": "A-100", "minutes": 10}),
    );
    let (_, output) = &tool_outputs(&out)[0];
    assert!(
        output["error"]
            .as_str()
            .expect("text")
            .contains("not available in state `verify`"),
        "{output}"
    );
}
