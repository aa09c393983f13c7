//! Frames that are not valid events get an `error` event, and the session carries on.

mod common;

use common::*;
use serde_json::json;

fn still_answers(h: &mut Harness) {
    let reply = h.send(json!({"type": "response.create"}));
    assert!(
        types(&reply).contains(&"response.done"),
        "{:?}",
        types(&reply)
    );
}

#[test]
fn each_bad_frame_gets_one_error_and_the_session_continues() {
    let mut h = Harness::new("responses:\n  - say: a\n  - say: b\n");
    let cases: [(&str, &str); 5] = [
        ("this is not json", "invalid_json"),
        ("[1, 2, 3]", "invalid_event"),
        (r#"{"type":"no.such.event"}"#, "invalid_value"),
        (
            r#"{"type":"conversation.item.truncate","item_id":"item_1"}"#,
            "missing_required_parameter",
        ),
        (
            r#"{"type":"input_audio_buffer.append","event_id":"evt_b64","audio":"%%% not base64"}"#,
            "invalid_value",
        ),
    ];
    for (frame, code) in cases {
        let answer = h.send_text(frame);
        assert_eq!(types(&answer), ["error"], "{frame}");
        assert_eq!(json(&answer[0])["error"]["code"], code, "{frame}");
    }
    let answer =
        h.send_text(r#"{"type":"input_audio_buffer.append","event_id":"evt_b64","audio":"%%%"}"#);
    assert_eq!(json(&answer[0])["error"]["param"], "audio");
    assert_eq!(json(&answer[0])["error"]["event_id"], "evt_b64");
    still_answers(&mut h);

    h.session.handle_binary(h.now);
    let answer = h.drain();
    assert_eq!(types(&answer), ["error"]);
    assert_eq!(json(&answer[0])["error"]["type"], "invalid_request_error");
    still_answers(&mut h);
}

#[test]
fn a_transcription_session_update_is_refused() {
    let mut h = Harness::new("responses: []\n");
    let answer = h.send(json!({"type": "session.update", "session": {"type": "transcription"}}));
    assert_eq!(
        json(only(&answer, "error"))["error"]["param"],
        "session.type"
    );
}
