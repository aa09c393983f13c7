//! How long agent audio lasts depends on the session's output format as the model confirmed
//! it, not on the agent file's: a caller that switches a PCM16 agent to µ-law gets barge-in
//! cut points and heard transcripts in µ-law time (8 bytes per millisecond, not 48).

mod common;

use std::time::Duration;

use common::*;
use serde_json::json;
use switchboard_engine::{Output, Record, Speaker};
use switchboard_wire::ClientEvent;

fn truncation(out: &[Output]) -> Option<u64> {
    out.iter().find_map(|o| match o {
        Output::ToModel(ClientEvent::ConversationItemTruncate(t)) => Some(t.audio_end_ms),
        _ => None,
    })
}

fn heard(out: &[Output]) -> Option<(String, Duration)> {
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

const PCMU: &str = r#"{"type":"session.update","event_id":"evt_fmt","session":{"type":"realtime",
    "audio":{"output":{"format":{"type":"audio/pcmu"}}}}}"#;

#[test]
fn a_barge_in_cuts_mulaw_audio_in_mulaw_time() {
    let mut h = Harness::agent();
    h.caller(serde_json::from_str(PCMU).expect("json"));
    // Two seconds of µ-law at 8 kHz (bytes in whole base64 groups).
    h.model_speaks("item_a", "One two three four five six seven eight.", 15_999);
    h.advance(Duration::from_millis(1_000));
    let out = h.model(json!({"type":"input_audio_buffer.speech_started","event_id":"e","item_id":"u","audio_start_ms":0}));
    assert_eq!(truncation(&out), Some(1_000));
    let (text, played) = heard(&h.out).expect("what was heard");
    assert_eq!(played, Duration::from_millis(1_000));
    assert_eq!(text, "One two three four");
}

#[test]
fn mulaw_audio_that_played_out_is_recorded_whole_at_its_end() {
    let mut h = Harness::agent();
    h.caller(serde_json::from_str(PCMU).expect("json"));
    h.model_speaks("item_a", "All done.", 12_000); // a second and a half
    h.advance(Duration::from_millis(1_499));
    assert_eq!(heard(&h.out), None, "still playing");
    h.advance(Duration::from_millis(2));
    assert_eq!(
        heard(&h.out),
        Some(("All done.".to_owned(), Duration::from_millis(1_500)))
    );
}

#[test]
fn a_format_the_model_did_not_confirm_is_not_used() {
    let mut h = Harness::agent();
    h.confirms_sessions = false;
    h.caller(serde_json::from_str(PCMU).expect("json"));
    // Still PCM16 upstream: 96 000 bytes are two seconds.
    h.model_speaks("item_a", "One two three four five six seven eight.", 96_000);
    h.advance(Duration::from_millis(1_000));
    let out = h.model(json!({"type":"input_audio_buffer.speech_started","event_id":"e","item_id":"u","audio_start_ms":0}));
    assert_eq!(truncation(&out), Some(1_000));
}
