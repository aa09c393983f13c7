//! A caller that asked for text-only output gets text only, also from the responses the engine
//! asks for itself (a tool's preamble): they follow the session's output modalities.

mod common;

use std::time::Duration;

use common::*;
use serde_json::json;
use switchboard_wire::Modality;

fn preamble_modalities(h: &mut Harness) -> Vec<Option<Vec<Modality>>> {
    h.model_calls("call_1", "check_outage", json!({"address": "12 Main St"}));
    let out = h.advance(Duration::from_millis(800));
    response_creates(&out)
        .into_iter()
        .filter_map(|c| c.response.as_ref())
        .filter(|r| r.metadata.is_some())
        .map(|r| r.output_modalities.clone())
        .collect()
}

#[test]
fn a_text_only_caller_gets_its_preamble_as_text() {
    let mut h = Harness::agent();
    h.caller(json!({"type":"session.update","event_id":"evt_text",
        "session":{"type":"realtime","output_modalities":["text"]}}));
    assert_eq!(
        preamble_modalities(&mut h),
        [Some(vec![Modality::Text])],
        "the preamble is asked for as text"
    );
}

#[test]
fn an_audio_caller_gets_its_preamble_as_audio() {
    let mut h = Harness::agent();
    assert_eq!(preamble_modalities(&mut h), [Some(vec![Modality::Audio])]);
}
