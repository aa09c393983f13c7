//! Issue 13, item 3: only explicit agreement is consent. Asked the confirmation question, a
//! caller who asks back, hedges, sets a condition, asks to wait or to have it explained, or says
//! no has not agreed, whatever polite words ("please") the answer holds.

mod common;
mod consent;

use common::*;
use consent::*;
use switchboard_engine::GuardDecision;

fn answer(agent: &str, caller: &str) -> (usize, Harness) {
    let mut h = Harness::new(agent);
    h.model_calls("call_1", "refund_credit", credit(60));
    says(
        &mut h,
        "item_q",
        &format!("{PHRASE} That's sixty minutes of service."),
    );
    h.caller_says(caller);
    let out = h.model_calls("call_2", "refund_credit", credit(60));
    (runs(&out, "refund_credit"), h)
}

#[test]
fn explain_first_is_not_consent() {
    for agent in both_agents() {
        let (ran, h) = answer(
            &agent,
            "What would that mean for my bill? Please explain first.",
        );
        assert_eq!(ran, 0, "a question and a request to explain are not a yes");
        let not = guard_details(&h.out, GuardDecision::ConsentNotGiven);
        assert_eq!(not.len(), 1, "{:#?}", h.out);
        assert!(
            not[0].contains("What would that mean for my bill?"),
            "{not:?}"
        );
        assert!(guard_details(&h.out, GuardDecision::ConsentGiven).is_empty());
    }
}

#[test]
fn questions_hedges_conditions_waits_and_noes_are_not_consent() {
    for caller in [
        "Please.",
        "Please explain first.",
        "Sure, but how long until it shows up on my bill?",
        "How long does it take",
        "Can you tell me more",
        "Maybe.",
        "I guess so.",
        "I'm not sure.",
        "If it's free, then yes.",
        "Only if it's on this bill.",
        "Wait, let me check with my partner first.",
        "Hold on.",
        "No, please don't do that.",
        "Nope.",
        "yes, no wait",
        "Thanks!",
        "",
    ] {
        let (ran, _) = answer(NORTHLOOP, caller);
        assert_eq!(ran, 0, "{caller:?} is not consent");
    }
}

#[test]
fn an_explicit_yes_is_consent() {
    for caller in [
        "Yes, please go ahead.",
        "Yes please.",
        "yeah go ahead",
        "Sure, do it.",
        "Okay.",
        "Yes, sixty is fine.",
        "Absolutely.",
        "Oui, d'accord.",
        "Sí, claro.",
        "Ja, gerne.",
    ] {
        let (ran, h) = answer(NORTHLOOP, caller);
        assert_eq!(ran, 1, "{caller:?} is consent");
        let given = guard_details(&h.out, GuardDecision::ConsentGiven);
        assert_eq!(given.len(), 1, "{caller:?}");
    }
}
