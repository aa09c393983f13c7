//! When the caller speaks over the agent, the agent's item is cut where playback stopped and
//! the transcript keeps only what was heard.

mod common;

use std::time::Duration;

use common::*;
use serde_json::json;
use switchboard_engine::{Input, Output, Record, Speaker};
use switchboard_wire::ClientEvent;

fn truncation(out: &[Output]) -> Option<u64> {
    out.iter().find_map(|o| match o {
        Output::ToModel(ClientEvent::ConversationItemTruncate(t)) => Some(t.audio_end_ms),
        _ => None,
    })
}

fn agent_utterance(out: &[Output]) -> Option<(String, Duration)> {
    records(out).into_iter().find_map(|r| match r {
        Record::Utterance {
            speaker: Speaker::Agent,
            text,
            start,
            end,
        } => Some((text.clone(), *end - *start)),
        _ => None,
    })
}

#[test]
fn elapsed_time_sets_the_cut_when_the_transport_has_no_marks() {
    let mut h = Harness::agent();
    // Four seconds of PCM16 at 24 kHz.
    h.model_speaks(
        "item_a",
        "Your account is active and your next bill is due on the first of the month.",
        192_000,
    );
    h.advance(Duration::from_millis(1_500));
    let out = h.model(json!({"type":"input_audio_buffer.speech_started","event_id":"e","item_id":"item_u","audio_start_ms":1500}));
    assert_eq!(truncation(&out), Some(1_500));
    let (text, heard) = agent_utterance(&h.out).expect("an agent utterance");
    assert_eq!(heard, Duration::from_millis(1_500));
    assert!(
        text.len() < 40 && "Your account is active and your next bill".starts_with(&text),
        "{text:?}"
    );
}

#[test]
fn marks_from_the_transport_take_precedence() {
    let mut h = Harness::agent();
    h.model_speaks("item_a", "One two three four five six seven eight.", 96_000);
    h.session.handle_input(
        Input::Played {
            item_id: "item_a".into(),
            until: Duration::from_millis(400),
        },
        h.now,
    );
    h.advance(Duration::from_millis(1_000));
    let out = h.model(json!({"type":"input_audio_buffer.speech_started","event_id":"e","item_id":"u","audio_start_ms":0}));
    assert_eq!(truncation(&out), Some(400));
}

#[test]
fn audio_that_finished_playing_is_not_truncated() {
    let mut h = Harness::agent();
    h.model_speaks("item_a", "Done.", 48_000);
    h.advance(Duration::from_secs(3));
    let out = h.model(json!({"type":"input_audio_buffer.speech_started","event_id":"e","item_id":"u","audio_start_ms":0}));
    assert_eq!(truncation(&out), None);
    assert_eq!(
        agent_utterance(&h.out).map(|(t, _)| t),
        Some("Done.".to_owned())
    );
}

/// Regression: two items sent back to back; the caller speaks during the first. The first is
/// cut where it was, the second (queued, never played) is cut at zero, and neither is
/// recorded as heard beyond that.
#[test]
fn a_barge_in_during_the_first_of_two_queued_items_cuts_both() {
    let mut h = Harness::agent();
    h.model_speaks("item_1", "First sentence of the answer.", 48_000); // one second
    h.model_speaks("item_2", "Second sentence that never played.", 48_000);
    h.advance(Duration::from_millis(300));
    let out = h.model(json!({"type":"input_audio_buffer.speech_started","event_id":"e","item_id":"u","audio_start_ms":0}));
    let cuts: Vec<(String, u64)> = out
        .iter()
        .filter_map(|o| match o {
            Output::ToModel(ClientEvent::ConversationItemTruncate(t)) => {
                Some((t.item_id.to_string(), t.audio_end_ms))
            }
            _ => None,
        })
        .collect();
    assert_eq!(cuts, [("item_1".to_owned(), 300), ("item_2".to_owned(), 0)]);
    let heard: Vec<Duration> = records(&h.out)
        .into_iter()
        .filter_map(|r| match r {
            Record::Utterance {
                speaker: Speaker::Agent,
                start,
                end,
                ..
            } => Some(*end - *start),
            _ => None,
        })
        .collect();
    assert_eq!(heard, [Duration::from_millis(300)]);
}

/// When the caller's own turn detection does not interrupt responses, the engine cancels the
/// response the caller spoke over.
#[test]
fn without_interrupt_response_the_engine_cancels_the_response() {
    let mut h = Harness::new("name: a\nrole: r\n");
    h.caller(
        json!({"type":"session.update","session":{"type":"realtime","audio":{"input":{
        "turn_detection":{"type":"server_vad","interrupt_response":false}}}}}),
    );
    h.model(json!({"type":"response.created","event_id":"e","response":{"id":"resp_1"}}));
    let out = h.model(json!({"type":"input_audio_buffer.speech_started","event_id":"e","item_id":"u","audio_start_ms":0}));
    assert!(
        to_model_types(&out).contains(&"response.cancel"),
        "{:?}",
        to_model_types(&out)
    );
    // With the default (interrupting) detection, the server cancels by itself.
    let mut h = Harness::new("name: a\nrole: r\n");
    h.model(json!({"type":"response.created","event_id":"e","response":{"id":"resp_1"}}));
    let out = h.model(json!({"type":"input_audio_buffer.speech_started","event_id":"e","item_id":"u","audio_start_ms":0}));
    assert!(!to_model_types(&out).contains(&"response.cancel"));
}

#[test]
fn words_sent_before_the_first_audio_belong_to_the_item() {
    let mut h = Harness::agent();
    h.model(json!({"type":"response.created","event_id":"e1","response":{"id":"resp_t","status":"in_progress"}}));
    // The transcript's first words arrive before any audio of the item.
    h.model(json!({"type":"response.output_audio_transcript.delta","event_id":"e2","response_id":"resp_t","item_id":"item_t",
        "output_index":0,"content_index":0,"delta":"I'll check "}));
    h.model(json!({"type":"response.output_audio.delta","event_id":"e3","response_id":"resp_t","item_id":"item_t",
        "output_index":0,"content_index":0,"delta":"A".repeat(48_000 / 3 * 4)}));
    h.model(json!({"type":"response.output_audio_transcript.delta","event_id":"e4","response_id":"resp_t","item_id":"item_t",
        "output_index":0,"content_index":0,"delta":"for outages."}));
    h.model(json!({"type":"response.done","event_id":"e5","response":{"id":"resp_t","status":"completed"}}));
    h.advance(Duration::from_secs(3));
    assert_eq!(
        agent_utterance(&h.out).map(|(t, _)| t),
        Some("I'll check for outages.".to_owned())
    );
}

#[test]
fn audio_playing_when_the_call_ends_is_recorded_as_far_as_it_was_heard() {
    let mut h = Harness::agent();
    // Four seconds of audio; the call ends one second in.
    h.model_speaks(
        "item_a",
        "Your account is active and your next bill is due on the first of the month.",
        192_000,
    );
    h.advance(Duration::from_secs(1));
    assert_eq!(agent_utterance(&h.out), None);
    h.session.handle_input(Input::CallEnded, h.now);
    h.drain();
    let (text, heard) = agent_utterance(&h.out).expect("an agent utterance");
    assert_eq!(heard, Duration::from_secs(1));
    assert!(
        !text.is_empty() && "Your account is active and your next bill".starts_with(&text),
        "{text:?}"
    );
}
