//! Agent tools run server-side and stay hidden from the caller; caller tools pass through;
//! a call id runs at most once.

mod common;

use std::time::Duration;
use switchboard_engine::GuardDecision;

use common::*;
use serde_json::json;

#[test]
fn an_agent_tool_runs_here_and_the_caller_never_sees_the_call() {
    let mut h = Harness::agent();
    let out = h.model_calls(
        "call_1",
        "lookup_account",
        json!({"email_or_phone": "4155551234"}),
    );
    let caller = to_caller_types(&out);
    assert!(
        !caller.iter().any(|t| t.contains("function_call")),
        "{caller:?}"
    );
    // Nor in the finished response's list of output items, arguments and all.
    let done = out
        .iter()
        .find_map(|o| match o {
            switchboard_engine::Output::ToCaller(switchboard_wire::ServerEvent::ResponseDone(
                d,
            )) => Some(d),
            _ => None,
        })
        .expect("the caller still gets response.done");
    assert_eq!(done.response.output.as_ref().map(Vec::len), Some(0));
    assert!(!out.iter().any(|o| matches!(
        o,
        switchboard_engine::Output::ToCaller(
            switchboard_wire::ServerEvent::ResponseOutputItemAdded(_)
        )
    )));
    // The fixture answers; the model gets the result and a response is requested.
    let out = h.advance(Duration::from_millis(1));
    let outputs = tool_outputs(&out);
    assert_eq!(
        outputs,
        [(
            "call_1".to_owned(),
            json!({"account_id": "A-100", "plan": "fiber"})
        )]
    );
    assert!(to_model_types(&out).contains(&"response.create"));
    assert_eq!(h.session.slots().get("account_id"), Some(&json!("A-100")));
}

#[test]
fn a_tool_only_the_caller_declared_passes_through_both_ways() {
    let mut h = Harness::agent();
    h.caller(json!({"type":"session.update","session":{"type":"realtime","tools":[
        {"type":"function","name":"show_map","description":"Show a map.","parameters":{"type":"object","properties":{}}}]}}));
    let out = h.model_calls("call_9", "show_map", json!({}));
    assert!(to_caller_types(&out).contains(&"response.function_call_arguments.done"));
    assert!(
        tool_outputs(&out).is_empty(),
        "the engine does not answer it"
    );
    let out = h.caller(json!({"type":"conversation.item.create","item":{"type":"function_call_output","call_id":"call_9","output":"{\"shown\":true}"}}));
    assert_eq!(
        tool_outputs(&out),
        [("call_9".to_owned(), json!({"shown": true}))]
    );
}

#[test]
fn a_repeated_call_id_runs_once() {
    let mut h = Harness::agent();
    h.model_calls(
        "call_1",
        "lookup_account",
        json!({"email_or_phone": "4155551234"}),
    );
    h.model_calls(
        "call_1",
        "lookup_account",
        json!({"email_or_phone": "4155551234"}),
    );
    h.advance(Duration::from_millis(5));
    let runs: Vec<_> = executed(&h.out)
        .into_iter()
        .filter(|(id, _)| id == "call_1")
        .collect();
    assert_eq!(runs.len(), 1);
    assert!(records(&h.out).iter().any(|r| matches!(r, switchboard_engine::Record::Guard { decision, .. } if *decision == GuardDecision::DuplicateCallIgnored)));
}

#[test]
fn a_webhook_tool_that_never_answers_times_out_as_a_failure() {
    let mut h = Harness::agent();
    h.model_calls(
        "c1",
        "lookup_account",
        json!({"email_or_phone": "4155551234"}),
    );
    h.advance(Duration::from_millis(5));
    h.model_calls(
        "c2",
        "set_conversation_state",
        json!({"next_state": "resolve"}),
    );
    h.model_calls(
        "c3",
        "refund_credit",
        json!({"account_id": "A-100", "minutes": 10}),
    );
    // Held: the caller hears the confirmation question and agrees.
    h.model_speaks(
        "item_ask",
        "I can issue a credit for this outage—would you like me to go ahead?",
        48_000,
    );
    h.advance(Duration::from_secs(2));
    h.caller_says("yes");
    let out = h.model_calls(
        "c4",
        "refund_credit",
        json!({"account_id": "A-100", "minutes": 10}),
    );
    assert!(
        out.iter()
            .any(|o| matches!(o, switchboard_engine::Output::RunTool(_)))
    );
    let out = h.advance(Duration::from_millis(2_001));
    let (_, output) = &tool_outputs(&out)[0];
    assert_eq!(output["status"], "error");
    assert!(output["error"].as_str().expect("text").contains("in time"));
}
