//! Issue 13, item 1: a yes to another question is not consent. The model calls `refund_credit`
//! unasked (held), asks an unrelated yes/no question, the caller says "yes please", and the
//! model repeats the held call: the credit must not run, and the record says why.

mod common;
mod consent;

use common::*;
use consent::*;
use switchboard_engine::{GuardDecision, ToolOutcome};

#[test]
fn a_yes_to_text_updates_does_not_run_the_held_credit() {
    for agent in both_agents() {
        let mut h = Harness::new(&agent);
        let out = h.model_calls("call_1", "refund_credit", credit(60));
        assert_eq!(
            outcome(&out, "call_1"),
            Some(ToolOutcome::HeldForConfirmation)
        );
        says(
            &mut h,
            "item_q",
            "While I look into that—would you like text updates about outages in your area?",
        );
        h.caller_says("Yes please.");
        let out = h.model_calls("call_2", "refund_credit", credit(60));
        assert_eq!(
            runs(&out, "refund_credit"),
            0,
            "the caller never agreed to a credit"
        );
        assert_eq!(
            outcome(&out, "call_2"),
            Some(ToolOutcome::HeldForConfirmation)
        );
        let missing = guard_details(&out, GuardDecision::ConsentMissing);
        assert_eq!(missing.len(), 1, "{out:#?}");
        assert!(missing[0].contains("refund_credit"), "{missing:?}");
        // The unrelated question was never taken for the credit's.
        assert!(guard_details(&h.out, GuardDecision::ConfirmationAsked).is_empty());
        assert!(guard_details(&h.out, GuardDecision::ConsentGiven).is_empty());
    }
}

#[test]
fn a_yes_when_nothing_was_asked_is_not_consent_either() {
    for agent in both_agents() {
        let mut h = Harness::new(&agent);
        h.model_calls("call_1", "refund_credit", credit(60));
        says(
            &mut h,
            "item_s",
            "All right, I've put that through for you.",
        );
        h.caller_says("Okay.");
        let out = h.model_calls("call_2", "refund_credit", credit(60));
        assert_eq!(runs(&out, "refund_credit"), 0);
    }
}
