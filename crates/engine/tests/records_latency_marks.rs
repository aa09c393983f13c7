//! Latency marks are recorded: caller speech stopped → first agent audio, and tool call →
//! result.

mod common;

use std::time::Duration;

use common::*;
use serde_json::json;
use switchboard_engine::Record;

fn latencies(h: &Harness, kind: &str) -> Vec<Duration> {
    records(&h.out)
        .into_iter()
        .filter_map(|r| match r {
            Record::Latency { kind: k, duration } if k.as_str() == kind => Some(*duration),
            _ => None,
        })
        .collect()
}

#[test]
fn speech_stopped_to_first_audio_is_measured() {
    let mut h = Harness::agent();
    h.model(json!({"type":"input_audio_buffer.speech_stopped","event_id":"e","item_id":"u","audio_end_ms":2000}));
    h.advance(Duration::from_millis(640));
    h.model_speaks("item_a", "Hello there.", 4_800);
    assert_eq!(
        latencies(&h, "speech_stopped_to_first_audio"),
        [Duration::from_millis(640)]
    );
}

#[test]
fn tool_call_to_result_is_measured() {
    let mut h = Harness::agent();
    h.model_calls("call_1", "check_outage", json!({"address": "1 Main St"}));
    h.advance(Duration::from_secs(2));
    // The fixture takes 1.5 s.
    assert_eq!(
        latencies(&h, "tool_call_to_result"),
        [Duration::from_millis(1_500)]
    );
}
