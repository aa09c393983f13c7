//! The newer Realtime models speak several assistant messages in one response: a preamble
//! ("Let me check that for you.") as one `message` item, then the answer as another. Each item
//! is relayed, queued after the one before it, cut on barge-in where playback stopped, and
//! recorded and checked on its own.

mod common;

use std::time::Duration;

use common::*;
use serde_json::json;
use switchboard_engine::{GuardDecision, Output, Record, Speaker};
use switchboard_wire::{ClientEvent, ServerEvent};

/// 24 kHz PCM16: 48 000 bytes a second.
const SECOND: usize = 48_000;

fn truncations(out: &[Output]) -> Vec<(String, u64)> {
    out.iter()
        .filter_map(|o| match o {
            Output::ToModel(ClientEvent::ConversationItemTruncate(t)) => {
                Some((t.item_id.to_string(), t.audio_end_ms))
            }
            _ => None,
        })
        .collect()
}

fn agent_lines(out: &[Output]) -> Vec<String> {
    records(out)
        .into_iter()
        .filter_map(|r| match r {
            Record::Utterance {
                speaker: Speaker::Agent,
                text,
                ..
            } => Some(text.clone()),
            _ => None,
        })
        .collect()
}

fn audio_deltas_to_caller(out: &[Output]) -> Vec<String> {
    out.iter()
        .filter_map(|o| match o {
            Output::ToCaller(ServerEvent::ResponseOutputAudioDelta(d)) => {
                Some(d.item_id.to_string())
            }
            _ => None,
        })
        .collect()
}

#[test]
fn both_messages_reach_the_caller_and_are_recorded_in_order() {
    let mut h = Harness::agent();
    let (resp, out) = h.model_response(
        &[
            Part::say("Let me check that for you.", SECOND),
            Part::say("Your account is active.", 2 * SECOND),
        ],
        true,
    );
    let first = format!("item_{resp}_0");
    let second = format!("item_{resp}_1");
    assert_eq!(audio_deltas_to_caller(&out), [first, second]);
    assert_eq!(
        to_caller_types(&out)
            .iter()
            .filter(|t| **t == "response.output_item.added")
            .count(),
        2
    );
    h.advance(Duration::from_secs(4));
    assert_eq!(
        agent_lines(&h.out),
        ["Let me check that for you.", "Your account is active."],
        "each message is its own line, in order"
    );
}

#[test]
fn barge_in_during_the_second_message_cuts_it_where_it_was_heard() {
    let mut h = Harness::agent();
    let (resp, _) = h.model_response(
        &[
            Part::say("Let me check that for you.", SECOND),
            Part::say(
                "Your account is active and your next bill is due on the first of the month.",
                4 * SECOND,
            ),
        ],
        true,
    );
    // The first message plays for a second, then the second for one and a half.
    h.advance(Duration::from_millis(2_500));
    let out = h.model(
        json!({"type":"input_audio_buffer.speech_started","event_id":"e_sp",
        "item_id":"item_user","audio_start_ms":2500}),
    );
    assert_eq!(
        truncations(&out),
        [(format!("item_{resp}_1"), 1_500)],
        "only the second message is cut, at what was heard of it"
    );
    let lines = agent_lines(&h.out);
    assert_eq!(lines[0], "Let me check that for you.", "heard whole");
    assert!(
        lines[1].len() < 40 && "Your account is active and your next bill".starts_with(&lines[1]),
        "the second keeps what was heard: {:?}",
        lines[1]
    );
}

#[test]
fn barge_in_during_the_first_message_cuts_the_queued_second_at_zero() {
    let mut h = Harness::agent();
    let (resp, _) = h.model_response(
        &[
            Part::say("Let me check that for you right now.", 2 * SECOND),
            Part::say("Your account is active.", 2 * SECOND),
        ],
        true,
    );
    h.advance(Duration::from_millis(500));
    let out = h.model(
        json!({"type":"input_audio_buffer.speech_started","event_id":"e_sp",
        "item_id":"item_user","audio_start_ms":500}),
    );
    assert_eq!(
        truncations(&out),
        [
            (format!("item_{resp}_0"), 500),
            (format!("item_{resp}_1"), 0)
        ],
        "the queued message was never heard"
    );
    assert_eq!(
        agent_lines(&h.out),
        ["Let me"],
        "a quarter of the first was heard"
    );
}

#[test]
fn a_message_the_model_starts_after_the_caller_spoke_over_it_is_not_played() {
    let mut h = Harness::agent();
    let (resp, _) = h.model_response(&[Part::say("Let me check that for you.", SECOND)], false);
    h.advance(Duration::from_millis(300));
    h.model(
        json!({"type":"input_audio_buffer.speech_started","event_id":"e_sp",
        "item_id":"item_user","audio_start_ms":300}),
    );
    // Events of the interrupted response still in flight: a second message.
    let late = format!("item_{resp}_late");
    let mut out = h.model(json!({"type":"response.output_item.added","event_id":"e1","response_id":resp,
        "output_index":1,"item":{"type":"message","id":late,"role":"assistant","status":"in_progress","content":[]}}));
    out.extend(h.model(
        json!({"type":"response.output_audio.delta","event_id":"e2","response_id":resp,
        "item_id":late,"output_index":1,"content_index":0,"delta":"A".repeat(6_400)}),
    ));
    out.extend(h.model(
        json!({"type":"response.output_audio_transcript.delta","event_id":"e3","response_id":resp,
        "item_id":late,"output_index":1,"content_index":0,"delta":"Your account is active."}),
    ));
    assert!(
        audio_deltas_to_caller(&out).is_empty(),
        "the caller does not hear a response it spoke over"
    );
    assert_eq!(
        truncations(&out),
        [(late.clone(), 0)],
        "the model is told none of it was heard"
    );
    out.extend(h.model(json!({"type":"response.done","event_id":"e4",
        "response":{"id":resp,"status":"cancelled","status_details":{"type":"cancelled","reason":"turn_detected"}}})));
    h.advance(Duration::from_secs(3));
    assert!(
        !agent_lines(&h.out).iter().any(|l| l.contains("account")),
        "{:?}",
        agent_lines(&h.out)
    );
    assert!(
        to_caller_types(&out).contains(&"response.done"),
        "the caller still sees the response end"
    );
}

#[test]
fn a_readback_in_the_second_message_is_checked_on_its_own() {
    let mut h = Harness::agent();
    h.model_calls(
        "call_1",
        "lookup_account",
        json!({"email_or_phone": "4155551234"}),
    );
    h.advance(Duration::from_millis(1));
    h.model_calls(
        "call_2",
        "set_conversation_state",
        json!({"next_state": "resolve"}),
    );
    let (_, out) = h.model_response(
        &[
            Part::say("Thanks for waiting.", SECOND),
            Part::say("I have your account as A-1-0-1. Is that right?", 2 * SECOND),
        ],
        true,
    );
    let mismatches = guard_details(&out, GuardDecision::ReadbackMismatch);
    assert_eq!(mismatches.len(), 1, "{:?}", guards(&out));
}

/// A message whose audio is all there (`response.output_audio.done`) is heard once it has
/// played, while the response goes on: its line is recorded then, and a question in it is
/// asked then, not when the whole response ends.
#[test]
fn a_message_that_played_out_is_heard_before_its_response_ends() {
    let mut h = Harness::agent();
    let (resp, _) = h.model_response(
        &[
            Part::say("Let me check that for you.", SECOND),
            Part::say("Your account is active and your bill is paid.", 2 * SECOND),
        ],
        false,
    );
    h.advance(Duration::from_millis(1_500));
    assert_eq!(
        agent_lines(&h.out),
        ["Let me check that for you."],
        "the first message was heard whole while the response is still open"
    );
    let out = h.model(
        json!({"type":"input_audio_buffer.speech_started","event_id":"e_sp",
        "item_id":"item_user","audio_start_ms":1500}),
    );
    assert_eq!(
        truncations(&out),
        [(format!("item_{resp}_1"), 500)],
        "the played-out first message is left alone"
    );
}
