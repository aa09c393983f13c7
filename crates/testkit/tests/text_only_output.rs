//! A response asked for text only (by its own `output_modalities`, or by the session's when it
//! does not override them) gets `response.output_text.*` and no audio at all, in band and out
//! of band; a response asking for audio in a text session gets audio.

mod common;

use common::*;
use serde_json::json;
use switchboard_wire::ServerEvent;

const SCRIPT: &str = "model: gpt-realtime-2.1\nresponses:\n  - messages: [One moment., Here it is.]\n  - say: Anything else?\n";

fn no_audio(events: &[ServerEvent]) {
    let audio: Vec<&str> = types(events)
        .into_iter()
        .filter(|t| t.starts_with("response.output_audio"))
        .collect();
    assert!(audio.is_empty(), "{audio:?}");
    for event in events {
        let value = json(event);
        assert_ne!(value["part"]["type"], "audio", "{value}");
    }
}

fn texts(events: &[ServerEvent]) -> Vec<String> {
    events
        .iter()
        .filter(|e| e.event_type() == "response.output_text.done")
        .map(|e| json(e)["text"].as_str().expect("a text").to_owned())
        .collect()
}

fn out_of_band(modalities: Option<&[&str]>) -> serde_json::Value {
    let mut response = json!({
        "conversation": "none",
        "instructions": "Say exactly: “Please hold.”",
        "metadata": {"purpose": "hold"},
    });
    if let Some(modalities) = modalities {
        response["output_modalities"] = json!(modalities);
    }
    json!({"type": "response.create", "response": response})
}

#[test]
fn an_in_band_response_asking_for_text_gets_only_text() {
    let mut h = Harness::new(SCRIPT);
    let reply =
        h.send(json!({"type": "response.create", "response": {"output_modalities": ["text"]}}));
    no_audio(&reply);
    assert_eq!(texts(&reply), ["One moment.", "Here it is."]);
    let done = json(only(&reply, "response.done"));
    assert_eq!(done["response"]["output_modalities"], json!(["text"]));
    assert_eq!(
        done["response"]["output"][1]["content"][0],
        json!({"type": "output_text", "text": "Here it is."})
    );
    // The session is still audio: the next response without an override speaks.
    let spoken = h.send(json!({"type": "response.create"}));
    assert!(types(&spoken).contains(&"response.output_audio.delta"));
}

#[test]
fn an_out_of_band_response_asking_for_text_gets_only_text() {
    let mut h = Harness::new(SCRIPT);
    let reply = h.send(out_of_band(Some(&["text"])));
    no_audio(&reply);
    assert_eq!(texts(&reply), ["Please hold."]);
    let done = json(only(&reply, "response.done"));
    assert_eq!(done["response"]["conversation_id"], serde_json::Value::Null);
    assert_eq!(done["response"]["metadata"], json!({"purpose": "hold"}));
    assert_eq!(h.rehearsal.position(), 0, "out of band takes no entry");
}

#[test]
fn in_a_text_session_responses_without_an_override_are_text_in_and_out_of_band() {
    let mut h = Harness::new(SCRIPT);
    h.send(text_only());
    let oob = h.send(out_of_band(None));
    no_audio(&oob);
    assert_eq!(texts(&oob), ["Please hold."]);
    let in_band = h.send(json!({"type": "response.create"}));
    no_audio(&in_band);
    assert_eq!(texts(&in_band), ["One moment.", "Here it is."]);

    // A response may still ask for audio.
    let spoken = h.send(out_of_band(Some(&["audio"])));
    assert!(types(&spoken).contains(&"response.output_audio.delta"));
}
