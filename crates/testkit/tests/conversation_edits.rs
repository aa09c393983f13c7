//! Truncate, delete, retrieve, insert at a place, and cancel: what they answer, and the errors
//! the real service gives when the client gets them wrong.

mod common;

use common::*;
use serde_json::{Value, json};

const SCRIPT: &str =
    "responses:\n  - say: One two three four five six seven eight nine ten eleven twelve.\n";

fn assistant_reply(h: &mut Harness) -> (String, u64) {
    let reply = h.send(json!({"type": "response.create"}));
    let id = json(only(&reply, "response.output_item.added"))["item"]["id"]
        .as_str()
        .expect("an item id")
        .to_owned();
    let bytes: usize = reply
        .iter()
        .filter(|e| e.event_type() == "response.output_audio.delta")
        .map(|e| {
            switchboard_audio::decode_base64(json(e)["delta"].as_str().expect("a delta"))
                .expect("base64 audio")
                .len()
        })
        .sum();
    (id, (bytes / 48) as u64)
}

#[test]
fn truncate_cuts_the_audio_and_the_unheard_transcript() {
    let mut h = Harness::new(SCRIPT);
    let (id, length) = assistant_reply(&mut h);
    let truncated = h.send(json!({"type": "conversation.item.truncate", "item_id": id,
        "content_index": 0, "audio_end_ms": length / 2}));
    let event = json(only(&truncated, "conversation.item.truncated"));
    assert_eq!(event["item_id"], id.as_str());
    assert_eq!(event["audio_end_ms"], length / 2);
    assert_eq!(event["content_index"], 0);

    let retrieved = h.send(json!({"type": "conversation.item.retrieve", "item_id": id}));
    let item = &json(only(&retrieved, "conversation.item.retrieved"))["item"];
    let transcript = item["content"][0]["transcript"].as_str().unwrap();
    assert!(transcript.starts_with("One two three"), "{transcript}");
    assert!(
        !transcript.contains("twelve"),
        "the unheard half is gone: {transcript}"
    );
    let audio =
        switchboard_audio::decode_base64(item["content"][0]["audio"].as_str().unwrap()).unwrap();
    assert_eq!(audio.len() as u64, length / 2 * 48);

    // Longer than what is left now.
    let refused = h.send(json!({"type": "conversation.item.truncate", "item_id": id,
        "content_index": 0, "audio_end_ms": length / 2 + 100}));
    assert_eq!(
        json(only(&refused, "error"))["error"]["param"],
        "audio_end_ms"
    );
}

#[test]
fn truncating_an_unknown_item_is_an_error_naming_the_item() {
    let mut h = Harness::new(SCRIPT);
    let refused = h.send(
        json!({"type": "conversation.item.truncate", "event_id": "evt_7",
        "item_id": "item_nope", "content_index": 0, "audio_end_ms": 10}),
    );
    let error = &json(only(&refused, "error"))["error"];
    assert_eq!(error["type"], "invalid_request_error");
    assert_eq!(error["code"], "item_truncate_invalid_item_id");
    assert_eq!(error["param"], "item_id");
    assert_eq!(error["event_id"], "evt_7");

    // A user item has no assistant audio to cut.
    let added = h.send(user_text("hi"));
    let user = json(&added[0])["item"]["id"].as_str().unwrap().to_owned();
    let refused = h.send(
        json!({"type": "conversation.item.truncate", "item_id": user,
        "content_index": 0, "audio_end_ms": 0}),
    );
    assert_eq!(
        json(only(&refused, "error"))["error"]["param"],
        "content_index"
    );
}

#[test]
fn cancel_with_nothing_active_is_a_harmless_error() {
    let mut h = Harness::new(SCRIPT);
    let refused = h.send(json!({"type": "response.cancel", "event_id": "evt_c"}));
    let error = &json(only(&refused, "error"))["error"];
    assert_eq!(error["code"], "response_cancel_not_active");
    assert_eq!(error["event_id"], "evt_c");
    // The session carries on.
    let reply = h.send(json!({"type": "response.create"}));
    assert!(types(&reply).contains(&"response.done"));
}

#[test]
fn a_second_response_while_one_is_active_is_refused() {
    let script = switchboard_testkit::Script::from_text(SCRIPT, "s.yaml")
        .unwrap()
        .with_pace(switchboard_testkit::Pace::Realtime);
    let mut h = Harness::with_script(script);
    let first = h.send(json!({"type": "response.create"}));
    let id = json(&first[0])["response"]["id"].clone();
    let refused = h.send(json!({"type": "response.create"}));
    let error = &json(only(&refused, "error"))["error"];
    assert_eq!(error["code"], "conversation_already_has_active_response");
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains(id.as_str().unwrap())
    );
    // Out of band may run beside it.
    let oob = h.send(json!({"type": "response.create", "response": {"conversation": "none", "instructions": "Say \"Hold on.\""}}));
    assert_eq!(types(&oob)[0], "response.created");
    let cancelled = h.send(json!({"type": "response.cancel", "response_id": id}));
    let done = json(only(&cancelled, "response.done"));
    assert_eq!(done["response"]["id"], id);
    assert_eq!(done["response"]["status"], "cancelled");
    assert_eq!(
        done["response"]["status_details"]["reason"],
        "client_cancelled"
    );
}

#[test]
fn items_go_where_previous_item_id_says_and_can_be_deleted() {
    let mut h = Harness::new(SCRIPT);
    let a = h.send(user_text("first"));
    let a_id = json(&a[0])["item"]["id"].as_str().unwrap().to_owned();
    let b = h.send(
        json!({"type": "conversation.item.create", "previous_item_id": "root",
        "item": {"id": "item_mine", "type": "message", "role": "system",
                 "content": [{"type": "input_text", "text": "be kind"}]}}),
    );
    assert_eq!(json(&b[0])["previous_item_id"], Value::Null);
    assert_eq!(json(&b[0])["item"]["id"], "item_mine");
    let c = h.send(json!({"type": "conversation.item.create", "previous_item_id": "item_mine",
        "item": {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "middle"}]}}));
    assert_eq!(json(&c[0])["previous_item_id"], "item_mine");

    let unknown = h.send(json!({"type": "conversation.item.create", "previous_item_id": "item_gone",
        "item": {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "x"}]}}));
    assert_eq!(
        json(only(&unknown, "error"))["error"]["param"],
        "previous_item_id"
    );
    let duplicate = h.send(json!({"type": "conversation.item.create",
        "item": {"id": "item_mine", "type": "message", "role": "user", "content": [{"type": "input_text", "text": "x"}]}}));
    assert_eq!(types(&duplicate), ["error"]);

    let deleted = h.send(json!({"type": "conversation.item.delete", "item_id": a_id}));
    assert_eq!(
        json(only(&deleted, "conversation.item.deleted"))["item_id"],
        a_id.as_str()
    );
    let again = h.send(json!({"type": "conversation.item.delete", "item_id": a_id}));
    assert_eq!(
        json(only(&again, "error"))["error"]["code"],
        "item_delete_invalid_item_id"
    );
}

#[test]
fn a_function_call_output_must_answer_a_call_in_the_conversation() {
    let mut h = Harness::new(SCRIPT);
    let refused = h.send(json!({"type": "conversation.item.create",
        "item": {"type": "function_call_output", "call_id": "call_unknown", "output": "{}"}}));
    assert_eq!(
        json(only(&refused, "error"))["error"]["param"],
        "item.call_id"
    );
}
