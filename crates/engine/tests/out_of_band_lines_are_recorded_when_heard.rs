//! An out-of-band response's audio (a preamble, a filler, a caller's own `conversation:
//! "none"` request) is recorded once it has been heard, like any agent line: its
//! `response.done` says no more audio will come, so it need not wait for the conversation's
//! next response, a barge-in or the end of the call.

mod common;

use std::time::Duration;

use common::*;
use serde_json::json;
use switchboard_engine::{Output, Record, Speaker};

fn agent_lines(out: &[Output]) -> Vec<(String, bool)> {
    out.iter()
        .filter_map(|o| match o {
            Output::Record(s) => match &s.record {
                Record::Utterance {
                    speaker: Speaker::Agent,
                    text,
                    ..
                } => Some((text.clone(), s.out_of_band)),
                _ => None,
            },
            _ => None,
        })
        .collect()
}

#[test]
fn an_out_of_band_line_is_recorded_once_it_has_played() {
    let mut h = Harness::agent();
    // One second of PCM16 at 24 kHz.
    let chunk = "A".repeat(48_000 / 3 * 4);
    for event in [
        json!({"type":"response.created","event_id":"e1","response":{"id":"resp_oob","conversation_id":null,"status":"in_progress"}}),
        json!({"type":"response.output_audio.delta","event_id":"e2","response_id":"resp_oob","item_id":"item_oob",
            "output_index":0,"content_index":0,"delta":chunk}),
        json!({"type":"response.output_audio_transcript.delta","event_id":"e3","response_id":"resp_oob","item_id":"item_oob",
            "output_index":0,"content_index":0,"delta":"One moment while I check."}),
        json!({"type":"response.done","event_id":"e4","response":{"id":"resp_oob","conversation_id":null,"status":"completed"}}),
    ] {
        h.model(event);
    }
    let out = h.advance(Duration::from_millis(1_100));
    assert_eq!(
        agent_lines(&out),
        [("One moment while I check.".to_owned(), true)],
        "recorded when heard, as out of band"
    );
}
