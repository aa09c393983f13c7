//! A preamble tool that runs silently has the model speak one of its phrases out of band,
//! never the same one twice in a row.

mod common;

use std::time::Duration;

use common::*;
use serde_json::json;
use switchboard_engine::Output;
use switchboard_wire::{ClientEvent, ConversationMode, ResponseConversation};

/// Out-of-band `response.create` instructions sent to the model.
fn preambles(out: &[Output]) -> Vec<String> {
    out.iter()
        .filter_map(|o| match o {
            Output::ToModel(ClientEvent::ResponseCreate(c)) => c.response.as_ref(),
            _ => None,
        })
        .filter(|r| r.conversation == Some(ResponseConversation::Mode(ConversationMode::None)))
        .map(|r| r.instructions.clone().unwrap_or_default())
        .collect()
}

#[test]
fn a_silent_slow_tool_gets_a_preamble_out_of_band() {
    let mut h = Harness::agent();
    h.model_calls(
        "call_1",
        "check_outage",
        json!({"address": "12 Oak Street"}),
    );
    assert!(preambles(&h.out).is_empty(), "not before the delay");
    let out = h.advance(Duration::from_millis(800));
    assert_eq!(
        preambles(&out),
        ["Say exactly this, and nothing else: “Let me check 12 Oak Street now.”"]
    );
}

#[test]
fn phrases_rotate_so_none_repeats_twice_in_a_row() {
    let mut h = Harness::agent();
    h.model_calls(
        "call_1",
        "check_outage",
        json!({"address": "12 Oak Street"}),
    );
    h.advance(Duration::from_millis(2_000));
    h.model_calls(
        "call_2",
        "check_outage",
        json!({"address": "12 Oak Street"}),
    );
    h.advance(Duration::from_millis(2_000));
    let said = preambles(&h.out);
    assert_eq!(said.len(), 2);
    assert_ne!(said[0], said[1]);
}

#[test]
fn a_phrase_whose_placeholder_cannot_be_filled_is_skipped() {
    let mut h = Harness::agent();
    h.model_calls("call_1", "check_outage", json!({}));
    let out = h.advance(Duration::from_millis(800));
    assert_eq!(
        preambles(&out),
        ["Say exactly this, and nothing else: “One sec—checking the network status.”"]
    );
}

#[test]
fn no_preamble_when_the_model_already_spoke_while_calling() {
    let mut h = Harness::agent();
    // The model speaks and calls in the same response.
    h.model(json!({"type":"response.created","event_id":"e1","response":{"id":"resp_x","status":"in_progress"}}));
    h.model(json!({"type":"response.output_audio.delta","event_id":"e2","response_id":"resp_x","item_id":"item_a",
        "output_index":0,"content_index":0,"delta":"AAAA"}));
    h.model(json!({"type":"response.function_call_arguments.done","event_id":"e3","response_id":"resp_x","item_id":"item_f",
        "output_index":1,"call_id":"call_1","name":"check_outage","arguments":"{\"address\":\"12 Oak Street\"}"}));
    h.model(json!({"type":"response.done","event_id":"e4","response":{"id":"resp_x","status":"completed"}}));
    h.advance(Duration::from_millis(2_000));
    assert!(preambles(&h.out).is_empty());
}

#[test]
fn a_fast_tool_needs_no_preamble_and_preambles_do_not_block_the_conversation() {
    let mut h = Harness::agent();
    h.model_calls(
        "call_1",
        "lookup_account",
        json!({"email_or_phone": "4155551234"}),
    );
    h.advance(Duration::from_millis(2_000));
    assert!(
        preambles(&h.out).is_empty(),
        "lookup_account is proactive and instant"
    );
    // An out-of-band response does not hold back the conversation's own response.create.
    h.model_calls("call_2", "check_outage", json!({"address": "1 Main St"}));
    h.advance(Duration::from_millis(800));
    h.model(json!({"type":"response.created","event_id":"p1","response":{"id":"resp_p","status":"in_progress","conversation_id":null}}));
    let out = h.advance(Duration::from_millis(1_000));
    assert!(
        to_model_types(&out).contains(&"response.create"),
        "the tool result still gets its response"
    );
}
