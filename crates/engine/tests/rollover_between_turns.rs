//! Before the upstream's session limit, the call moves to a new upstream session between
//! turns, replaying the conversation so the caller notices nothing.

mod common;

use std::time::Duration;
use switchboard_engine::GuardDecision;

use common::*;
use serde_json::json;
use switchboard_engine::{Input, Output, RolloverPlan};
use switchboard_wire::{ClientEvent, ContentPart, Item, Role};

fn plans(out: &[Output]) -> Vec<&RolloverPlan> {
    out.iter()
        .filter_map(|o| {
            if let Output::Rollover(p) = o {
                Some(p)
            } else {
                None
            }
        })
        .collect()
}

/// The driver opened the new connection: the engine replays into it and the model
/// acknowledges every replayed event.
fn switch_over(h: &mut Harness) -> Vec<Output> {
    h.session.handle_input(Input::ModelConnected, h.now);
    let replay = h.drain();
    let mut out = Vec::new();
    for o in &replay {
        match o {
            Output::ToModel(ClientEvent::SessionUpdate(_)) => {
                out.extend(h.model(json!({"type":"session.updated","event_id":"e_u","session":{"type":"realtime"}})));
            }
            Output::ToModel(ClientEvent::ConversationItemCreate(_)) => {
                out.extend(h.model(json!({"type":"conversation.item.done","event_id":"e_d","item":{"type":"message","role":"system","content":[]}})));
            }
            _ => {}
        }
    }
    out
}

fn texts(plan: &RolloverPlan) -> Vec<(Role, String)> {
    plan.items
        .iter()
        .filter_map(|i| match i {
            Item::Message(m) => m
                .content
                .first()
                .and_then(ContentPart::text)
                .map(|t| (m.role, t.to_owned())),
            _ => None,
        })
        .collect()
}

#[test]
fn the_plan_waits_for_a_gap_and_replays_state_slots_and_turns() {
    let mut h = Harness::agent();
    h.caller_says("My internet keeps dropping.");
    h.model_calls(
        "call_1",
        "lookup_account",
        json!({"email_or_phone": "4155551234"}),
    );
    h.advance(Duration::from_millis(1));
    // The lookup's follow-up response is being written when the limit comes near.
    h.model(json!({"type":"response.created","event_id":"e","response":{"id":"resp_1"}}));
    let out = h.advance(Duration::from_secs(55 * 60 + 1));
    assert!(
        plans(&out).is_empty(),
        "not while a response is being written"
    );
    let out = h.model(json!({"type":"response.done","event_id":"e","response":{"id":"resp_1","status":"completed"}}));
    let plan = plans(&out)[0];
    let items = texts(plan);
    assert!(
        items.iter().any(|(r, t)| *r == Role::System
            && t.contains("state `verify`")
            && t.contains("account_id = \"A-100\"")),
        "{items:?}"
    );
    assert!(
        items.contains(&(Role::User, "My internet keeps dropping.".to_owned())),
        "{items:?}"
    );
    assert!(
        plan.session
            .instructions
            .as_deref()
            .expect("instructions")
            .contains("# Conversation (verify)")
    );
}

#[test]
fn older_turns_are_summarised_within_the_budget_and_recent_ones_kept() {
    let mut h = Harness::agent();
    for i in 0..40 {
        h.caller_says(&format!(
            "Caller line number {i} with some detail about the problem."
        ));
    }
    let out = h.advance(Duration::from_secs(55 * 60 + 1));
    let plan = plans(&out)[0];
    let items = texts(plan);
    let summary = &items[0];
    assert_eq!(summary.0, Role::System);
    assert!(
        summary.1.starts_with("Earlier in this call:"),
        "{}",
        summary.1
    );
    assert!(
        summary.1.len() <= 2_100,
        "the summary keeps to its budget: {}",
        summary.1.len()
    );
    assert!(
        summary.1.contains("line number 27"),
        "the most recent older turns are kept"
    );
    let verbatim: Vec<&String> = items
        .iter()
        .filter(|(r, _)| *r == Role::User)
        .map(|(_, t)| t)
        .collect();
    assert_eq!(verbatim.len(), 12);
    assert!(verbatim[11].contains("line number 39"));
}

#[test]
fn after_the_switch_the_next_rollover_is_a_full_session_later() {
    let mut h = Harness::agent();
    let out = h.advance(Duration::from_secs(55 * 60 + 1));
    assert_eq!(plans(&out).len(), 1);
    assert!(
        plans(&h.advance(Duration::from_secs(30 * 60))).is_empty(),
        "one plan at a time"
    );
    switch_over(&mut h);
    assert!(plans(&h.advance(Duration::from_secs(54 * 60))).is_empty());
    assert_eq!(plans(&h.advance(Duration::from_secs(2 * 60))).len(), 1);
}

#[test]
fn a_lost_upstream_gets_a_plan_at_once_even_mid_response() {
    let mut h = Harness::agent();
    h.caller_says("My internet keeps dropping.");
    h.model(json!({"type":"response.created","event_id":"e","response":{"id":"resp_1"}}));
    h.session.handle_input(Input::UpstreamLost, h.now);
    let out = h.drain();
    // The caller waiting on resp_1 learns it failed.
    let failed = out
        .iter()
        .find_map(|o| match o {
            Output::ToCaller(switchboard_wire::ServerEvent::ResponseDone(d)) => Some(&d.response),
            _ => None,
        })
        .expect("response.done for the lost response");
    assert_eq!(failed.id.as_ref().map(|id| id.as_str()), Some("resp_1"));
    assert_eq!(
        failed.status,
        Some(switchboard_wire::ResponseStatus::Failed)
    );
    let plan = plans(&out)[0];
    assert!(
        texts(plan).contains(&(Role::User, "My internet keeps dropping.".to_owned())),
        "the conversation is replayed"
    );
    assert!(
        records(&out)
            .iter()
            .any(|r| matches!(r, switchboard_engine::Record::Guard { decision, .. } if *decision == GuardDecision::UpstreamLost))
    );
    // The lost response no longer blocks: once switched, the caller's next turn gets an answer.
    switch_over(&mut h);
    let out = h.caller(json!({"type":"response.create"}));
    assert!(to_model_types(&out).contains(&"response.create"));
}

#[test]
fn text_replies_are_part_of_the_replayed_conversation() {
    let mut h = Harness::agent();
    h.caller_says("What are your hours?");
    h.model(json!({"type":"response.output_text.done","event_id":"e","response_id":"resp_1","item_id":"item_a","output_index":0,"content_index":0,"text":"We are open around the clock."}));
    h.session.handle_input(Input::UpstreamLost, h.now);
    let out = h.drain();
    assert!(
        texts(plans(&out)[0])
            .contains(&(Role::Assistant, "We are open around the clock.".to_owned()))
    );
}
