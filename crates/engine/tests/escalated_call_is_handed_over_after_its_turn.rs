//! A phone call with a transfer target is handed over by the engine: once escalated, the call
//! ends as soon as the agent's turn is done (the escalation line has been asked for and
//! written), never in the middle of it, and only when the driver says a transfer exists.

mod common;

use std::sync::Arc;

use common::*;
use serde_json::json;
use switchboard_engine::{CompiledAgent, HangUpReason, Output, Session, SessionConfig};

fn harness(transfer: bool) -> Harness {
    let mut h = Harness::agent();
    let file = switchboard_agent::load(AGENT).expect("loads").agent;
    let agent = Arc::new(CompiledAgent::new(file).expect("compiles"));
    let mut config = SessionConfig::new("sess_phone");
    config.transfer_on_escalation = transfer;
    h.session = Session::new(agent, config, h.now);
    h.drain();
    h
}

fn hang_ups(out: &[Output]) -> Vec<HangUpReason> {
    out.iter()
        .filter_map(|o| match o {
            Output::HangUp { reason } => Some(*reason),
            _ => None,
        })
        .collect()
}

#[test]
fn the_call_ends_after_the_escalation_turn_not_during_it() {
    let mut h = harness(true);
    h.caller_says("Just get me a person.");
    // The model calls the tool in a response; the engine answers it and asks for the line.
    let out = h.model_calls("call_e", "escalate_to_human", json!({}));
    assert!(out.iter().any(|o| matches!(o, Output::Escalate(_))));
    assert!(
        to_model_types(&out).contains(&"response.create"),
        "the escalation line is asked for"
    );
    assert!(hang_ups(&out).is_empty(), "not before the line is said");
    h.model(json!({"type":"response.created","event_id":"e3","response":{"id":"resp_2"}}));
    let out = h.model(json!({"type":"response.done","event_id":"e4","response":{"id":"resp_2","status":"completed"}}));
    assert_eq!(hang_ups(&out), [HangUpReason::Transferred]);
    // Once.
    let out = h.caller_says("Hello?");
    assert!(hang_ups(&out).is_empty());
}

#[test]
fn without_a_transfer_target_the_call_goes_on() {
    let mut h = harness(false);
    h.caller_says("Just get me a person.");
    h.model_calls("call_e", "escalate_to_human", json!({}));
    h.model(json!({"type":"response.created","event_id":"e3","response":{"id":"resp_2"}}));
    let out = h.model(json!({"type":"response.done","event_id":"e4","response":{"id":"resp_2","status":"completed"}}));
    assert!(hang_ups(&out).is_empty());
}
