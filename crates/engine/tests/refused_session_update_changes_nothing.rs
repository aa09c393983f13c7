//! A `session.update` the model refuses changes nothing. The caller gets the model's error
//! under its own event id, and the engine's copy of the session stays as it was, so the
//! updates the engine sends later (a state change among them) are not refused for the
//! caller's sake. A caller's change applies once the model has confirmed it.

mod common;

use std::time::Duration;

use common::*;
use serde_json::json;
use switchboard_engine::{GuardDecision, Output};
use switchboard_wire::{ClientEvent, Voice};

fn voice(session: &switchboard_wire::Session) -> Option<Voice> {
    session.audio.as_ref()?.output.as_ref()?.voice.clone()
}

/// The model refuses the update sent with `id` as the Realtime API refuses a voice change
/// once it has spoken.
fn cannot_update_voice(id: &str) -> serde_json::Value {
    json!({"type":"error","event_id":"event_model_1","error":{"type":"invalid_request_error",
        "code":"cannot_update_voice",
        "message":"Cannot update a conversation's voice if assistant audio is present.",
        "param":"session.audio.output.voice","event_id":id}})
}

/// The agent has spoken; the caller asks for another voice and the model refuses.
fn refused_voice_change(h: &mut Harness) -> Vec<Output> {
    h.model_speaks("item_1", "Hello, this is NorthLoop.", 4_800);
    h.confirms_sessions = false;
    let out = h.caller(json!({"type":"session.update","event_id":"evt_voice",
        "session":{"type":"realtime","audio":{"output":{"voice":"cedar"}}}}));
    let (id, asked) = session_updates(&out)
        .pop()
        .expect("the update goes on to the model");
    assert_eq!(voice(&asked), Some(Voice::Named("cedar".into())));
    let id = id.expect("every session.update the engine sends carries its own event id");
    let out = h.model(cannot_update_voice(&id));
    h.confirms_sessions = true;
    out
}

#[test]
fn the_caller_gets_the_refusal_under_its_own_event_id() {
    let mut h = Harness::agent();
    let out = refused_voice_change(&mut h);
    let errors = caller_errors(&out);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].code.as_deref(), Some("cannot_update_voice"));
    assert_eq!(
        errors[0].param.as_deref(),
        Some("session.audio.output.voice")
    );
    assert_eq!(
        errors[0].event_id.as_ref().map(|id| id.as_str()),
        Some("evt_voice")
    );
    assert!(guards(&out).contains(&GuardDecision::SessionUpdateRefused));
    assert!(
        !out.iter().any(|o| matches!(
            o,
            Output::ToCaller(switchboard_wire::ServerEvent::SessionUpdated(_))
        )),
        "nothing was updated"
    );
}

#[test]
fn a_later_state_change_keeps_the_voice_the_model_runs() {
    let mut h = Harness::agent();
    refused_voice_change(&mut h);
    h.model_calls(
        "call_1",
        "lookup_account",
        json!({"email_or_phone": "4155551234"}),
    );
    h.advance(Duration::from_millis(1));
    let out = h.model_calls(
        "call_2",
        "set_conversation_state",
        json!({"next_state": "resolve"}),
    );
    let (_, asked) = session_updates(&out)
        .pop()
        .expect("the state change's update");
    assert_eq!(
        voice(&asked),
        Some(Voice::Named("marin".into())),
        "the agent's voice"
    );
    assert_eq!(h.session.state(), Some("resolve"));
}

#[test]
fn a_confirmed_caller_change_stays_in_every_later_update() {
    let mut h = Harness::agent();
    // Before the agent has spoken, the model takes the voice (the harness confirms).
    h.caller(json!({"type":"session.update","event_id":"evt_voice",
        "session":{"type":"realtime","audio":{"output":{"voice":"cedar"}}}}));
    h.model_calls(
        "call_1",
        "lookup_account",
        json!({"email_or_phone": "4155551234"}),
    );
    h.advance(Duration::from_millis(1));
    let out = h.model_calls(
        "call_2",
        "set_conversation_state",
        json!({"next_state": "resolve"}),
    );
    let (_, asked) = session_updates(&out)
        .pop()
        .expect("the state change's update");
    assert_eq!(voice(&asked), Some(Voice::Named("cedar".into())));
}

#[test]
fn an_unanswered_caller_change_does_not_apply_yet() {
    let mut h = Harness::new("name: a\nrole: r\n");
    h.confirms_sessions = false;
    h.caller(
        json!({"type":"session.update","session":{"type":"realtime","audio":{"input":{
        "turn_detection":{"type":"server_vad","interrupt_response":false}}}}}),
    );
    h.model(json!({"type":"response.created","event_id":"e","response":{"id":"resp_1"}}));
    let out = h.model(json!({"type":"input_audio_buffer.speech_started","event_id":"e","item_id":"u","audio_start_ms":0}));
    assert!(
        !to_model_types(&out).contains(&"response.cancel"),
        "the model still interrupts by itself until it confirms the change"
    );
}

#[test]
fn every_update_to_the_model_has_an_event_id_of_its_own() {
    let mut h = Harness::agent();
    let first = session_updates(&h.out);
    let out =
        h.caller(json!({"type":"session.update","event_id":"evt_1","session":{"type":"realtime"}}));
    let ids: Vec<Option<String>> = first
        .into_iter()
        .chain(session_updates(&out))
        .map(|(id, _)| id)
        .collect();
    assert_eq!(ids.len(), 2);
    assert!(ids.iter().all(Option::is_some), "{ids:?}");
    assert_ne!(ids[0], ids[1]);
    assert_ne!(
        ids[1].as_deref(),
        Some("evt_1"),
        "the engine's own, not the caller's"
    );
    assert!(out.iter().all(
        |o| !matches!(o, Output::ToModel(ClientEvent::SessionUpdate(u)) if u.event_id.is_none())
    ));
}
