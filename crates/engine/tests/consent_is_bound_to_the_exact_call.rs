//! Issue 13, item 2: consent covers exactly the arguments asked about. The model calls
//! `refund_credit` with 30 minutes (held), asks with the agent's phrase naming thirty minutes,
//! the caller agrees to thirty, and the model calls with 60: the 60-minute credit must not run;
//! it is a new pending action that needs its own question and answer.

mod common;
mod consent;

use common::*;
use consent::*;
use switchboard_engine::{GuardDecision, ToolOutcome};

#[test]
fn a_yes_to_thirty_minutes_does_not_run_sixty() {
    for agent in both_agents() {
        let mut h = Harness::new(&agent);
        h.model_calls("call_1", "refund_credit", credit(30));
        says(
            &mut h,
            "item_q",
            &format!("{PHRASE} It would be thirty minutes of service."),
        );
        h.caller_says("Yes, thirty is fine.");
        let out = h.model_calls("call_2", "refund_credit", credit(60));
        assert_eq!(runs(&out, "refund_credit"), 0, "sixty was never agreed to");
        assert_eq!(
            outcome(&out, "call_2"),
            Some(ToolOutcome::HeldForConfirmation)
        );
        let missing = guard_details(&out, GuardDecision::ConsentMissing);
        assert_eq!(missing.len(), 1, "{out:#?}");
        assert!(
            missing[0].contains("\"minutes\": 60") || missing[0].contains("minutes=60"),
            "{missing:?}"
        );

        // The consent was used up by that call: going back to thirty needs a new question.
        let out = h.model_calls("call_3", "refund_credit", credit(30));
        assert_eq!(runs(&out, "refund_credit"), 0, "a consent is used once");

        // Asked about the thirty held now, agreed, called with thirty: it runs, once.
        says(
            &mut h,
            "item_q2",
            &format!("{PHRASE} That's thirty minutes."),
        );
        h.caller_says("Yes, go ahead.");
        let out = h.model_calls("call_4", "refund_credit", credit(30));
        assert_eq!(runs_with(&out, "refund_credit"), vec![credit(30)]);
    }
}

#[test]
fn any_other_argument_changed_is_a_new_action_too() {
    for agent in both_agents() {
        let mut h = Harness::new(&agent);
        h.model_calls("call_1", "refund_credit", credit(60));
        says(&mut h, "item_q", &format!("{PHRASE} Sixty minutes."));
        h.caller_says("Yes.");
        let mut other = credit(60);
        other["account_id"] = "NL-99999".into();
        let out = h.model_calls("call_2", "refund_credit", other);
        assert_eq!(
            runs(&out, "refund_credit"),
            0,
            "another account was not asked about"
        );
    }
}
