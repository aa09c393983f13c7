//! Each step of consent is a guard record that says what was held, what was asked, what the
//! caller said and what it meant; the held call's answer tells the model what to ask.

mod common;
mod consent;

use common::*;
use consent::*;
use switchboard_engine::{GuardDecision, Output, Record};

#[test]
fn the_records_say_what_was_held_asked_and_answered() {
    let mut h = Harness::new(NORTHLOOP);
    let out = h.model_calls("call_1", "refund_credit", credit(60));
    let held = "held: `refund_credit`(account_id=\"NL-10482\", minutes=60)";
    let requested = guard_details(&out, GuardDecision::ConfirmationRequested);
    assert_eq!(requested.len(), 1);
    assert!(requested[0].starts_with(held), "{requested:?}");
    assert!(requested[0].contains(PHRASE), "{requested:?}");
    assert!(
        requested[0].contains("minutes=60 (“sixty”)"),
        "{requested:?}"
    );

    let question = format!("{PHRASE} That's sixty minutes.");
    let out = says(&mut h, "item_q", &question);
    let asked = guard_details(&out, GuardDecision::ConfirmationAsked);
    assert_eq!(asked, vec![format!("{held}; asked: “{question}”")]);
    // Stamped with the response that spoke the question.
    let stamped = out.iter().find_map(|o| match o {
        Output::Record(r)
            if matches!(
                r.record,
                Record::Guard {
                    decision: GuardDecision::ConfirmationAsked,
                    ..
                }
            ) =>
        {
            r.response_id.as_ref().map(|id| id.as_str().to_owned())
        }
        _ => None,
    });
    assert_eq!(stamped.as_deref(), Some("resp_item_q"));

    let out = h.caller_says("Yes please.");
    let given = guard_details(&out, GuardDecision::ConsentGiven);
    assert_eq!(
        given,
        vec![format!(
            "{held}; asked: “{question}”; caller: “Yes please.” → consent"
        )]
    );
}

#[test]
fn a_refusal_is_recorded_with_why() {
    let mut h = Harness::new(NORTHLOOP);
    h.model_calls("call_1", "refund_credit", credit(60));
    says(&mut h, "item_q", &format!("{PHRASE} Sixty minutes."));
    let out = h.caller_says("If it's free, then yes.");
    let not = guard_details(&out, GuardDecision::ConsentNotGiven);
    assert_eq!(not.len(), 1);
    assert!(
        not[0].ends_with("caller: “If it's free, then yes.” → not consent (a condition)"),
        "{not:?}"
    );
}

#[test]
fn the_held_answer_says_what_to_ask() {
    let mut h = Harness::new(NORTHLOOP);
    let out = h.model_calls("call_1", "refund_credit", credit(60));
    let (_, output) = &tool_outputs(&out)[0];
    assert_eq!(output["status"], "confirmation_required");
    assert_eq!(output["ask"], PHRASE);
    assert_eq!(output["name_in_question"]["minutes"], 60);
    let message = output["message"].as_str().expect("a message");
    assert!(message.contains(PHRASE), "{message}");
    assert!(message.contains("sixty"), "{message}");
    assert!(message.contains("exactly the same arguments"), "{message}");
}
