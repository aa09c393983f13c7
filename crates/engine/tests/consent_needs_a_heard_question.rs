//! A yes counts only for a question the caller heard: words a barge-in cut off were not
//! asked, a text reply is heard whole, and a question asked before the call counts only for a
//! call whose key arguments it named.

mod common;
mod consent;

use std::time::Duration;

use common::*;
use consent::*;
use switchboard_engine::GuardDecision;

#[test]
fn a_question_cut_off_by_a_barge_in_was_not_asked() {
    for agent in both_agents() {
        let mut h = Harness::new(&agent);
        h.model_calls("call_1", "refund_credit", credit(60));
        // Four seconds of audio; the question is its last words. The caller speaks after one.
        speaks(
            &mut h,
            "item_q",
            &format!(
                "Before anything else, let me explain how outage credits work on your plan. {PHRASE} Sixty minutes."
            ),
            192_000,
        );
        h.advance(Duration::from_millis(1_000));
        barges_in(&mut h);
        h.caller_says("Yes, go ahead.");
        let out = h.model_calls("call_2", "refund_credit", credit(60));
        assert_eq!(
            runs(&out, "refund_credit"),
            0,
            "the question was never heard"
        );
        assert!(guard_details(&h.out, GuardDecision::ConfirmationAsked).is_empty());
    }
}

#[test]
fn a_question_still_playing_when_the_caller_answers_is_not_yet_asked() {
    let mut h = Harness::new(NORTHLOOP);
    h.model_calls("call_1", "refund_credit", credit(60));
    // Typed before the question has played: the caller cannot have heard it.
    speaks(
        &mut h,
        "item_q",
        &format!("{PHRASE} Sixty minutes."),
        48_000,
    );
    h.caller_says("Yes.");
    h.advance(Duration::from_secs(2));
    let out = h.model_calls("call_2", "refund_credit", credit(60));
    assert_eq!(runs(&out, "refund_credit"), 0);
    // Heard now, the next answer decides.
    h.caller_says("Yes, go ahead.");
    let out = h.model_calls("call_3", "refund_credit", credit(60));
    assert_eq!(runs(&out, "refund_credit"), 1);
}

#[test]
fn a_text_reply_is_heard_whole() {
    for agent in both_agents() {
        let mut h = Harness::new(&agent);
        h.model_calls("call_1", "refund_credit", credit(60));
        writes(&mut h, "item_q", &format!("{PHRASE} That's sixty minutes."));
        h.caller_says("Yes please.");
        let out = h.model_calls("call_2", "refund_credit", credit(60));
        assert_eq!(runs(&out, "refund_credit"), 1);
    }
}

#[test]
fn a_question_before_the_call_counts_for_the_arguments_it_named() {
    // Phrase and minutes first, the yes, then the call: it runs.
    let mut h = Harness::new(NORTHLOOP);
    says(
        &mut h,
        "item_q",
        &format!("{PHRASE} That's sixty minutes of service."),
    );
    h.caller_says("Yes, please.");
    let out = h.model_calls("call_1", "refund_credit", credit(60));
    assert_eq!(runs_with(&out, "refund_credit"), vec![credit(60)]);

    // The same question, then a call with other minutes: held.
    let mut h = Harness::new(NORTHLOOP);
    says(
        &mut h,
        "item_q",
        &format!("{PHRASE} That's sixty minutes of service."),
    );
    h.caller_says("Yes, please.");
    let out = h.model_calls("call_1", "refund_credit", credit(30));
    assert_eq!(runs(&out, "refund_credit"), 0);
    assert_eq!(guard_details(&out, GuardDecision::ConsentMissing).len(), 1);

    // The phrase alone names no minutes: when the agent requires them, it covers no call.
    let mut h = Harness::new(NORTHLOOP);
    says(&mut h, "item_q", PHRASE);
    h.caller_says("Yes, please.");
    let out = h.model_calls("call_1", "refund_credit", credit(60));
    assert_eq!(runs(&out, "refund_credit"), 0);

    // Without `confirm.arguments`, the phrase alone asks about the next call.
    let mut h = Harness::new(&phrase_only());
    says(&mut h, "item_q", PHRASE);
    h.caller_says("Yes, please.");
    let out = h.model_calls("call_1", "refund_credit", credit(60));
    assert_eq!(runs(&out, "refund_credit"), 1);
}

#[test]
fn the_question_and_the_call_in_one_response_count_once_the_question_is_heard() {
    let mut h = Harness::new(NORTHLOOP);
    // The model says the question and calls at once: the call comes before the caller has
    // heard anything, and is held.
    speaks(
        &mut h,
        "item_q",
        &format!("{PHRASE} Sixty minutes."),
        48_000,
    );
    let out = h.model_calls("call_1", "refund_credit", credit(60));
    assert_eq!(runs(&out, "refund_credit"), 0);
    h.advance(Duration::from_secs(2));
    h.caller_says("Yes.");
    let out = h.model_calls("call_2", "refund_credit", credit(60));
    assert_eq!(runs(&out, "refund_credit"), 1);
}

#[test]
fn a_question_naming_other_values_does_not_ask_about_the_held_call() {
    let mut h = Harness::new(NORTHLOOP);
    h.model_calls("call_1", "refund_credit", credit(60));
    says(
        &mut h,
        "item_q",
        "Shall I add a thirty-minute credit to your account?",
    );
    h.caller_says("Yes.");
    let out = h.model_calls("call_2", "refund_credit", credit(60));
    assert_eq!(runs(&out, "refund_credit"), 0);
    // A question (a `?`) naming the held minutes asks about it, phrase or not.
    says(
        &mut h,
        "item_q2",
        "Shall I add a sixty-minute credit to your account?",
    );
    h.caller_says("Yes.");
    let out = h.model_calls("call_3", "refund_credit", credit(60));
    assert_eq!(runs(&out, "refund_credit"), 1);
}
