//! `finish_session` ends the call once the goodbye has been played, not before.

mod common;

use std::time::Duration;

use common::*;
use serde_json::json;
use switchboard_engine::Output;

fn hung_up(out: &[Output]) -> bool {
    out.iter().any(|o| matches!(o, Output::HangUp { .. }))
}

/// A silent call: the model is asked for the goodbye, and the call ends once that has played.
#[test]
fn finish_session_hangs_up_after_the_goodbye_has_played() {
    let mut h = Harness::agent();
    let out = h.model_calls("call_bye", "finish_session", json!({}));
    assert!(
        to_model_types(&out).contains(&"response.create"),
        "asks for the goodbye"
    );
    assert!(
        !hung_up(&h.advance(Duration::from_millis(500))),
        "not before the goodbye"
    );
    h.model_speaks("item_bye", "Thanks for calling, goodbye!", 96_000); // two seconds
    assert!(
        !hung_up(&h.advance(Duration::from_millis(1_500))),
        "not while it plays"
    );
    assert!(hung_up(&h.advance(Duration::from_millis(600))));
}

/// The goodbye came in the same response as the call: no further response is asked for, and
/// the call ends when that goodbye has played.
#[test]
fn a_goodbye_said_with_the_call_is_the_last_thing_heard() {
    let mut h = Harness::agent();
    let resp = "resp_bye";
    let mut sent = Vec::new();
    for event in [
        json!({"type":"response.created","event_id":"e1","response":{"id":resp,"status":"in_progress","output":[]}}),
        json!({"type":"response.output_audio.delta","event_id":"e2","response_id":resp,"item_id":"item_bye",
            "output_index":0,"content_index":0,"delta":"A".repeat(96_000 / 3 * 4)}),
        json!({"type":"response.output_audio_transcript.delta","event_id":"e3","response_id":resp,"item_id":"item_bye",
            "output_index":0,"content_index":0,"delta":"Thanks for calling, goodbye!"}),
        json!({"type":"response.output_item.added","event_id":"e4","response_id":resp,"output_index":1,
            "item":{"type":"function_call","id":"item_call","call_id":"call_bye","name":"finish_session","arguments":"","status":"in_progress"}}),
        json!({"type":"response.function_call_arguments.done","event_id":"e5","response_id":resp,"item_id":"item_call",
            "output_index":1,"call_id":"call_bye","name":"finish_session","arguments":"{}"}),
        json!({"type":"response.done","event_id":"e6","response":{"id":resp,"status":"completed"}}),
    ] {
        sent.extend(to_model_types(&h.model(event)));
    }
    assert!(sent.contains(&"conversation.item.create"), "{sent:?}");
    assert!(!sent.contains(&"response.create"), "{sent:?}");
    assert!(
        !hung_up(&h.advance(Duration::from_millis(1_500))),
        "not while it plays"
    );
    assert!(hung_up(&h.advance(Duration::from_millis(600))));
}
