//! A confirmation-first tool never runs until the caller, asked its confirmation question,
//! affirms the same arguments. (The consent rules in detail have their own files:
//! `consent_*.rs`.)

mod common;

use common::*;
use serde_json::json;
use switchboard_engine::Output;

fn enter_resolve(h: &mut Harness) {
    h.model_calls(
        "call_lookup",
        "lookup_account",
        json!({"email_or_phone": "4155551234"}),
    );
    h.advance(std::time::Duration::from_millis(10));
    h.model_calls(
        "call_state",
        "set_conversation_state",
        json!({"next_state": "resolve"}),
    );
    assert_eq!(h.session.state(), Some("resolve"));
}

fn runs(out: &[Output]) -> usize {
    out.iter()
        .filter(|o| matches!(o, Output::RunTool(r) if r.name == "refund_credit"))
        .count()
}

#[test]
fn the_first_call_only_asks_with_the_confirmation_phrase() {
    let mut h = Harness::agent();
    enter_resolve(&mut h);
    let out = h.model_calls(
        "call_1",
        "refund_credit",
        json!({"account_id": "A-100", "minutes": 60}),
    );
    assert_eq!(runs(&out), 0);
    let (_, output) = &tool_outputs(&out)[0];
    assert_eq!(output["status"], "confirmation_required");
    assert!(
        output["message"]
            .as_str()
            .expect("text")
            .contains("would you like me to go ahead?")
    );
    assert!(
        to_model_types(&out).contains(&"response.create"),
        "a response is requested"
    );
}

#[test]
fn a_yes_then_the_same_call_runs_it_once() {
    let mut h = Harness::agent();
    enter_resolve(&mut h);
    h.model_calls(
        "call_1",
        "refund_credit",
        json!({"account_id": "A-100", "minutes": 60}),
    );
    // Held, the model asks the confirmation question; the caller hears it and agrees.
    model_asks(
        &mut h,
        "I can issue a credit for this outage—would you like me to go ahead?",
    );
    h.caller_says("Yes, please go ahead.");
    let out = h.model_calls(
        "call_2",
        "refund_credit",
        json!({"account_id": "A-100", "minutes": 60}),
    );
    assert_eq!(runs(&out), 1);
    let Some(Output::RunTool(run)) = out.iter().find(|o| matches!(o, Output::RunTool(_))) else {
        panic!("runs")
    };
    assert_eq!(run.idempotency_key, "sess_test:call_2");
    // The confirmation is spent: a third call needs a new one.
    let out = h.model_calls(
        "call_3",
        "refund_credit",
        json!({"account_id": "A-100", "minutes": 60}),
    );
    assert_eq!(runs(&out), 0);
}

#[test]
fn changed_arguments_need_a_new_confirmation() {
    let mut h = Harness::agent();
    enter_resolve(&mut h);
    h.model_calls(
        "call_1",
        "refund_credit",
        json!({"account_id": "A-100", "minutes": 30}),
    );
    model_asks(
        &mut h,
        "I can issue a credit for this outage—would you like me to go ahead?",
    );
    h.caller_says("yeah sure");
    let out = h.model_calls(
        "call_2",
        "refund_credit",
        json!({"account_id": "A-100", "minutes": 60}),
    );
    assert_eq!(runs(&out), 0);
    assert_eq!(tool_outputs(&out)[0].1["status"], "confirmation_required");
}

#[test]
fn a_refusal_or_a_question_is_not_a_yes() {
    for answer in [
        "No, don't do that.",
        "What would that cost?",
        "yes, no wait",
    ] {
        let mut h = Harness::agent();
        enter_resolve(&mut h);
        h.model_calls(
            "call_1",
            "refund_credit",
            json!({"account_id": "A-100", "minutes": 60}),
        );
        model_asks(
            &mut h,
            "I can issue a credit for this outage—would you like me to go ahead?",
        );
        h.caller_says(answer);
        let out = h.model_calls(
            "call_2",
            "refund_credit",
            json!({"account_id": "A-100", "minutes": 60}),
        );
        assert_eq!(runs(&out), 0, "{answer}");
    }
}

#[test]
fn a_yes_before_the_request_does_not_count() {
    let mut h = Harness::agent();
    enter_resolve(&mut h);
    h.caller_says("Yes!");
    let out = h.model_calls(
        "call_1",
        "refund_credit",
        json!({"account_id": "A-100", "minutes": 60}),
    );
    assert_eq!(runs(&out), 0);
}

/// The model speaks `text` (one second of audio) and the caller hears all of it.
fn model_asks(h: &mut Harness, text: &str) {
    h.model_speaks("item_ask", text, 48_000);
    h.advance(std::time::Duration::from_secs(2));
}

#[test]
fn a_question_the_model_asked_itself_counts_once_the_caller_agrees() {
    let mut h = Harness::agent();
    enter_resolve(&mut h);
    model_asks(
        &mut h,
        "There was an outage. I can issue a credit for this outage - would you like me to go ahead?",
    );
    h.caller_says("Yes, please.");
    let out = h.model_calls(
        "call_1",
        "refund_credit",
        json!({"account_id": "A-100", "minutes": 60}),
    );
    assert_eq!(runs(&out), 1, "asked, agreed, run");
}

#[test]
fn a_question_the_model_asked_itself_is_no_yes_without_the_callers() {
    let mut h = Harness::agent();
    enter_resolve(&mut h);
    model_asks(
        &mut h,
        "I can issue a credit for this outage—would you like me to go ahead?",
    );
    h.caller_says("Hmm, what does that mean for my bill?");
    let out = h.model_calls(
        "call_1",
        "refund_credit",
        json!({"account_id": "A-100", "minutes": 60}),
    );
    assert_eq!(runs(&out), 0);
    // Another sentence, not the tool's question, asks nothing.
    let mut h = Harness::agent();
    enter_resolve(&mut h);
    model_asks(&mut h, "Would you like anything else?");
    h.caller_says("Yes.");
    let out = h.model_calls(
        "call_1",
        "refund_credit",
        json!({"account_id": "A-100", "minutes": 60}),
    );
    assert_eq!(runs(&out), 0);
}
