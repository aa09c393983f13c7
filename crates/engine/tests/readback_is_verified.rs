//! When the model reads back a slot marked for readback, the engine compares it character by
//! character with the captured value and has the model correct itself on a mismatch.

mod common;

use std::time::Duration;
use switchboard_engine::GuardDecision;

use common::*;
use serde_json::json;
use switchboard_engine::{Output, Record};
use switchboard_wire::{ClientEvent, ContentPart, Item, Role};

/// A model response that says `transcript`; the correction's `response.create` waits for its
/// `response.done`, as the protocol requires.
fn said(h: &mut Harness, transcript: &str) -> Vec<Output> {
    let mut out = h.model(
        json!({"type":"response.output_audio_transcript.done","event_id":"e","response_id":"r",
        "item_id":"i","output_index":0,"content_index":0,"transcript":transcript}),
    );
    out.extend(h.model(
        json!({"type":"response.done","event_id":"e","response":{"id":"r","status":"completed"}}),
    ));
    out
}

fn corrections(out: &[Output]) -> Vec<String> {
    out.iter()
        .filter_map(|o| match o {
            Output::ToModel(ClientEvent::ConversationItemCreate(c)) => match &c.item {
                Item::Message(m) if m.role == Role::System => {
                    m.content.iter().find_map(|p| match p {
                        ContentPart::InputText { text, .. } => Some(text.clone()),
                        _ => None,
                    })
                }
                _ => None,
            },
            _ => None,
        })
        .collect()
}

fn captured() -> Harness {
    let mut h = Harness::agent();
    h.model_calls(
        "call_1",
        "lookup_account",
        json!({"email_or_phone": "4155551234"}),
    );
    h.advance(Duration::from_millis(1));
    assert_eq!(h.session.slots().get("account_id"), Some(&json!("A-100")));
    h
}

#[test]
fn a_wrong_readback_makes_the_model_correct_itself() {
    let mut h = captured();
    let out = said(&mut h, "I have your account as A-1-0-1, is that right?");
    let fixes = corrections(&out);
    assert_eq!(fixes.len(), 1, "{out:?}");
    assert!(
        fixes[0].contains("character 4") && fixes[0].contains("A, 1-0-0"),
        "{}",
        fixes[0]
    );
    assert!(to_model_types(&out).contains(&"response.create"));
    assert!(
        records(&out).iter().any(
            |r| matches!(r, Record::Guard { decision, .. } if *decision == GuardDecision::ReadbackMismatch)
        )
    );
}

#[test]
fn a_correct_readback_is_recorded_as_verified() {
    let mut h = captured();
    let out = said(
        &mut h,
        "That's account A as in Alpha, one, zero, zero. Correct?",
    );
    assert!(corrections(&out).is_empty());
    assert!(
        records(&out).iter().any(
            |r| matches!(r, Record::Guard { decision, .. } if *decision == GuardDecision::ReadbackVerified)
        )
    );
}

#[test]
fn other_numbers_in_a_sentence_are_not_mistaken_for_a_readback() {
    let mut h = captured();
    let out = said(&mut h, "Your technician window is 2 to 4 ET.");
    assert!(corrections(&out).is_empty());
}
