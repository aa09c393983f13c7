//! `finish_session` ends the call once the goodbye has been played, not before.

mod common;

use common::*;
use serde_json::json;
use switchboard_engine::Output;

#[test]
fn finish_session_hangs_up_after_the_goodbye_has_played() {
    let mut h = Harness::agent();
    h.model_calls("call_bye", "finish_session", json!({}));
    h.model_speaks("item_bye", "Thanks for calling, goodbye!", 96_000); // two seconds
    assert!(!h.out.iter().any(|o| matches!(o, Output::HangUp { .. })));
    let out = h.advance(std::time::Duration::from_millis(2_100));
    assert!(out.iter().any(|o| matches!(o, Output::HangUp { .. })));
}
