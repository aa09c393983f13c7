//! The engine's `session.update`s go to the model one at a time, each answered before the
//! next is sent (so every answer is known to be for the update in flight). A caller's events
//! after its own waiting update wait with it and keep their order; an update the model leaves
//! unanswered counts as refused after ten seconds, so nothing waits for ever.

mod common;

use std::time::Duration;

use common::*;
use serde_json::json;
use switchboard_engine::{GuardDecision, Output};
use switchboard_wire::ClientEvent;

fn updated(session: &switchboard_wire::Session) -> serde_json::Value {
    json!({"type":"session.updated","event_id":"event_model_u","session":session})
}

#[test]
fn a_callers_events_wait_behind_its_update_and_keep_their_order() {
    let mut h = Harness::agent();
    h.confirms_sessions = false;
    let out = h.caller(json!({"type":"session.update","event_id":"evt_1","session":{"type":"realtime","output_modalities":["text"]}}));
    let (_, first) = session_updates(&out).pop().expect("sent at once");
    // The first is unanswered: the second waits, and so does what the caller sends after it.
    let mut waiting = h.caller(json!({"type":"session.update","event_id":"evt_2","session":{"type":"realtime","audio":{"output":{"voice":"cedar"}}}}));
    waiting.extend(h.caller(json!({"type":"conversation.item.create","item":{"type":"message","role":"user","content":[{"type":"input_text","text":"Hi"}]}})));
    waiting.extend(h.caller(json!({"type":"response.create"})));
    assert!(
        to_model_types(&waiting).is_empty(),
        "{:?}",
        to_model_types(&waiting)
    );

    let out = h.model(updated(&first));
    assert_eq!(
        to_model_types(&out),
        [
            "session.update",
            "conversation.item.create",
            "response.create"
        ]
    );
    let (_, second) = session_updates(&out).pop().expect("the second update");
    assert_eq!(
        second.output_modalities,
        Some(vec![switchboard_wire::Modality::Text]),
        "built on the first, now confirmed"
    );
}

#[test]
fn events_after_an_update_sent_at_once_are_not_held() {
    let mut h = Harness::agent();
    h.confirms_sessions = false;
    h.caller(
        json!({"type":"session.update","session":{"type":"realtime","output_modalities":["text"]}}),
    );
    let out = h.caller(json!({"type":"response.create"}));
    assert_eq!(to_model_types(&out), ["response.create"]);
}

#[test]
fn an_unanswered_caller_update_is_refused_after_ten_seconds() {
    let mut h = Harness::agent();
    h.confirms_sessions = false;
    let out = h.caller(json!({"type":"session.update","event_id":"evt_1","session":{"type":"realtime","audio":{"output":{"voice":"cedar"}}}}));
    let (id, _) = session_updates(&out).pop().expect("sent");
    h.caller(json!({"type":"session.update","event_id":"evt_2","session":{"type":"realtime","output_modalities":["text"]}}));
    let out = h.caller(json!({"type":"response.create"}));
    assert!(to_model_types(&out).is_empty(), "held");

    let out = h.advance(Duration::from_millis(9_999));
    assert!(out.is_empty(), "{out:?}");
    let out = h.advance(Duration::from_millis(2));
    let errors = caller_errors(&out);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].code.as_deref(), Some("session_update_unanswered"));
    assert_eq!(
        errors[0].event_id.as_ref().map(|id| id.as_str()),
        Some("evt_1")
    );
    assert!(guards(&out).contains(&GuardDecision::SessionUpdateRefused));
    // The next goes, then what waited behind it.
    assert_eq!(to_model_types(&out), ["session.update", "response.create"]);
    let (_, second) = session_updates(&out).pop().expect("the second");
    assert_eq!(
        second
            .audio
            .as_ref()
            .and_then(|a| a.output.as_ref())
            .and_then(|o| o.voice.clone()),
        Some(switchboard_wire::Voice::Named("marin".into())),
        "the unanswered change was not applied"
    );

    // A refusal of the abandoned update, coming late, changes nothing and is not passed on.
    let out = h.model(json!({"type":"error","event_id":"event_model_e","error":{"type":"invalid_request_error",
        "code":"cannot_update_voice","message":"No.","param":"session.audio.output.voice","event_id":id.expect("an id")}}));
    assert!(caller_errors(&out).is_empty(), "{out:?}");
}

#[test]
fn an_unanswered_state_change_is_refused_after_ten_seconds() {
    let mut h = Harness::agent();
    h.model_calls(
        "call_1",
        "lookup_account",
        json!({"email_or_phone": "4155551234"}),
    );
    h.advance(Duration::from_millis(1));
    h.confirms_sessions = false;
    h.model_calls(
        "call_2",
        "set_conversation_state",
        json!({"next_state": "resolve"}),
    );
    assert!(h.session.turn_in_progress());
    let out = h.advance(Duration::from_secs(11));
    assert_eq!(h.session.state(), Some("verify"));
    let (_, answer) = tool_outputs(&out).pop().expect("the call is answered");
    assert_eq!(answer["status"], "error", "{answer}");
    assert!(
        answer["error"]
            .as_str()
            .is_some_and(|e| e.contains("no answer from the model")),
        "{answer}"
    );
    assert!(
        out.iter()
            .any(|o| matches!(o, Output::ToModel(ClientEvent::ResponseCreate(_))))
    );
}
