//! A consent is used once, by the model's next call of its tool, and never carries over to
//! another tool; a later "no" withdraws a yes not used yet.

mod common;
mod consent;

use common::*;
use consent::*;
use serde_json::json;
use switchboard_engine::{GuardDecision, Output, ToolOutcome};

fn agreed(h: &mut Harness) {
    h.model_calls("call_1", "refund_credit", credit(60));
    says(h, "item_q", &format!("{PHRASE} That's sixty minutes."));
    h.caller_says("Yes, go ahead.");
}

#[test]
fn two_calls_on_one_yes_run_one() {
    let mut h = Harness::new(NORTHLOOP);
    agreed(&mut h);
    let mut out: Vec<Output> = h.model_calls("call_2", "refund_credit", credit(60));
    out.extend(h.model_calls("call_3", "refund_credit", credit(60)));
    assert_eq!(runs(&out, "refund_credit"), 1);
    assert_eq!(
        outcome(&out, "call_3"),
        Some(ToolOutcome::HeldForConfirmation)
    );
}

#[test]
fn a_used_consent_does_not_run_a_later_call() {
    let mut h = Harness::new(NORTHLOOP);
    agreed(&mut h);
    let out = h.model_calls("call_2", "refund_credit", credit(60));
    assert_eq!(runs(&out, "refund_credit"), 1);
    h.tool_result("call_2", Ok(json!({"status": "applied"})));
    h.caller_says("Thanks!");
    let out = h.model_calls("call_3", "refund_credit", credit(60));
    assert_eq!(runs(&out, "refund_credit"), 0);
    assert_eq!(guard_details(&out, GuardDecision::ConsentMissing).len(), 1);
}

#[test]
fn a_yes_never_carries_over_to_another_tool() {
    let mut h = Harness::new(NORTHLOOP);
    agreed(&mut h);
    let booking = json!({"account_id": "NL-10482", "window": "10am–12pm ET"});
    let out = h.model_calls("call_2", "schedule_technician", booking);
    assert_eq!(runs(&out, "schedule_technician"), 0);
    assert_eq!(
        outcome(&out, "call_2"),
        Some(ToolOutcome::HeldForConfirmation)
    );
    // The credit's own consent is still there for the credit.
    let out = h.model_calls("call_3", "refund_credit", credit(60));
    assert_eq!(runs(&out, "refund_credit"), 1);
}

#[test]
fn a_no_after_the_yes_withdraws_it() {
    let mut h = Harness::new(NORTHLOOP);
    agreed(&mut h);
    h.caller_says("Actually no, don't.");
    let out = h.model_calls("call_2", "refund_credit", credit(60));
    assert_eq!(runs(&out, "refund_credit"), 0);
    let withdrawn = guard_details(&h.out, GuardDecision::ConsentNotGiven);
    assert!(
        withdrawn.iter().any(|d| d.contains("withdrawn")),
        "{withdrawn:?}"
    );
}

#[test]
fn a_new_question_replaces_an_unused_yes() {
    let mut h = Harness::new(NORTHLOOP);
    agreed(&mut h);
    says(
        &mut h,
        "item_q2",
        &format!("Just to be sure: {PHRASE} Sixty minutes."),
    );
    h.caller_says("Hmm, let me think.");
    let out = h.model_calls("call_2", "refund_credit", credit(60));
    assert_eq!(
        runs(&out, "refund_credit"),
        0,
        "the last answer was not a yes"
    );
}
