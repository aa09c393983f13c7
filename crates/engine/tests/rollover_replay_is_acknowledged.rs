//! The engine, not the driver, replays the conversation into a new model connection and takes
//! the model's acknowledgements: none reaches the caller, the caller's events wait until the
//! replay is in, and a connection that never acknowledges ends the call clearly.

mod common;

use std::time::Duration;

use common::*;
use serde_json::json;
use switchboard_engine::{GuardDecision, HangUpReason, Input, Output, Record};
use switchboard_wire::ClientEvent;

/// The replayed events the engine sent to the model, with their event ids.
fn replayed(out: &[Output]) -> Vec<(&'static str, String)> {
    out.iter()
        .filter_map(|o| match o {
            Output::ToModel(e @ ClientEvent::SessionUpdate(u)) => Some((
                e.event_type(),
                u.event_id
                    .as_ref()
                    .map(|i| i.to_string())
                    .unwrap_or_default(),
            )),
            Output::ToModel(e @ ClientEvent::ConversationItemCreate(c)) => Some((
                e.event_type(),
                c.event_id
                    .as_ref()
                    .map(|i| i.to_string())
                    .unwrap_or_default(),
            )),
            _ => None,
        })
        .collect()
}

fn lost_mid_call() -> Harness {
    let mut h = Harness::agent();
    h.caller_says("My internet keeps dropping.");
    h.session.handle_input(Input::UpstreamLost, h.now);
    let out = h.drain();
    assert!(out.iter().any(|o| matches!(o, Output::Rollover(_))));
    h
}

#[test]
fn the_engine_sends_the_replay_with_event_ids_and_hides_every_acknowledgement() {
    let mut h = lost_mid_call();
    h.session.handle_input(Input::ModelConnected, h.now);
    let out = h.drain();
    let sent = replayed(&out);
    assert_eq!(sent[0].0, "session.update", "the session first: {sent:?}");
    assert!(
        sent.len() >= 2,
        "the session and the conversation: {sent:?}"
    );
    assert!(
        sent.iter().all(|(_, id)| !id.is_empty()),
        "every replayed event carries an id, so a refusal names it: {sent:?}"
    );
    // The new connection greets and acknowledges; the caller sees none of it.
    let mut seen =
        h.model(json!({"type":"session.created","event_id":"m1","session":{"type":"realtime"}}));
    seen.extend(
        h.model(json!({"type":"session.updated","event_id":"m2","session":{"type":"realtime"}})),
    );
    for _ in 1..sent.len() {
        seen.extend(h.model(json!({"type":"conversation.item.added","event_id":"m3","item":{"type":"message","role":"user","content":[]}})));
        seen.extend(h.model(json!({"type":"conversation.item.done","event_id":"m4","item":{"type":"message","role":"user","content":[]}})));
    }
    assert!(
        to_caller_types(&seen).is_empty(),
        "{:?}",
        to_caller_types(&seen)
    );
    assert!(records(&seen).iter().any(
        |r| matches!(r, Record::Guard { decision, .. } if *decision == GuardDecision::RolledOver)
    ));
    // Afterwards the model's events reach the caller again.
    let out =
        h.model(json!({"type":"response.created","event_id":"m5","response":{"id":"resp_9"}}));
    assert_eq!(to_caller_types(&out), ["response.created"]);
}

#[test]
fn caller_events_wait_until_the_replay_is_in() {
    let mut h = lost_mid_call();
    // Before the new connection is even open, and while it takes the replay.
    let early = h.caller(json!({"type":"conversation.item.create","event_id":"c1","item":{"type":"message","role":"user","content":[{"type":"input_text","text":"Hello?"}]}}));
    assert!(
        to_model_types(&early).is_empty(),
        "{:?}",
        to_model_types(&early)
    );
    h.session.handle_input(Input::ModelConnected, h.now);
    let out = h.drain();
    let items = replayed(&out).len() - 1;
    let during = h.caller(json!({"type":"response.create","event_id":"c2"}));
    assert!(to_model_types(&during).is_empty());
    h.model(json!({"type":"session.updated","event_id":"m2","session":{"type":"realtime"}}));
    let mut last = Vec::new();
    for _ in 0..items {
        last = h.model(json!({"type":"conversation.item.done","event_id":"m4","item":{"type":"message","role":"user","content":[]}}));
    }
    // The last acknowledgement releases the caller's events, in the order they came.
    assert_eq!(
        to_model_types(&last),
        ["conversation.item.create", "response.create"]
    );
}

#[test]
fn a_refused_replay_item_is_recorded_and_the_call_goes_on() {
    let mut h = lost_mid_call();
    h.session.handle_input(Input::ModelConnected, h.now);
    let out = h.drain();
    let sent = replayed(&out);
    h.model(json!({"type":"session.updated","event_id":"m2","session":{"type":"realtime"}}));
    let mut seen = Vec::new();
    for (i, (_, id)) in sent.iter().enumerate().skip(1) {
        seen.extend(if i == 1 {
            h.model(json!({"type":"error","event_id":"m6","error":{"type":"invalid_request_error","code":"invalid_value","message":"no","event_id":id}}))
        } else {
            h.model(json!({"type":"conversation.item.done","event_id":"m4","item":{"type":"message","role":"user","content":[]}}))
        });
    }
    assert!(
        to_caller_types(&seen).is_empty(),
        "the refusal is not the caller's business"
    );
    let decisions: Vec<GuardDecision> = records(&seen)
        .iter()
        .filter_map(|r| match r {
            Record::Guard { decision, .. } => Some(*decision),
            _ => None,
        })
        .collect();
    assert!(
        decisions.contains(&GuardDecision::ReplayItemRefused),
        "{decisions:?}"
    );
    assert!(
        decisions.contains(&GuardDecision::RolledOver),
        "{decisions:?}"
    );
}

#[test]
fn a_connection_that_never_acknowledges_ends_the_call_with_an_error() {
    let mut h = lost_mid_call();
    h.session.handle_input(Input::ModelConnected, h.now);
    h.drain();
    let deadline = h.session.poll_timeout().expect("a replay deadline");
    assert!(deadline <= h.now + Duration::from_secs(10));
    let out = h.advance(Duration::from_secs(11));
    assert!(to_caller_types(&out).contains(&"error"));
    assert!(out.iter().any(|o| matches!(
        o,
        Output::HangUp {
            reason: HangUpReason::UpstreamUnavailable
        }
    )));
}
