//! The agent file extends the consent lexicon per language: `affirmations` agree, `denials`
//! refuse, `hedges` make an answer unclear, and a denial or hedge wins over an agreement.

mod common;
mod consent;

use common::*;
use consent::*;

fn agent() -> String {
    format!(
        "{NORTHLOOP}affirmations:\n  en: [make it so]\ndenials:\n  en: [scrap that]\nhedges:\n  fr: [bof]\n"
    )
}

fn runs_after(caller: &str) -> usize {
    let mut h = Harness::new(&agent());
    h.model_calls("call_1", "refund_credit", credit(60));
    says(&mut h, "item_q", &format!("{PHRASE} Sixty minutes."));
    h.caller_says(caller);
    let out = h.model_calls("call_2", "refund_credit", credit(60));
    runs(&out, "refund_credit")
}

#[test]
fn the_agents_words_agree_refuse_and_hedge() {
    assert_eq!(runs_after("Make it so."), 1);
    assert_eq!(runs_after("Make it so. No, scrap that."), 0);
    assert_eq!(runs_after("Yes, scrap that."), 0);
    assert_eq!(runs_after("Oui… bof."), 0);
}

/// An agent whose tool cancels things says that "cancel it" agrees: the built-in negation
/// "cancel" inside the agent's own agreement does not refuse, and a negation elsewhere does.
#[test]
fn the_agents_agreement_overrides_a_negation_word_inside_it() {
    let runs_with = |caller: &str| {
        let agent = format!("{NORTHLOOP}affirmations:\n  en: [cancel it]\n");
        let mut h = Harness::new(&agent);
        h.model_calls("call_1", "refund_credit", credit(60));
        says(&mut h, "item_q", &format!("{PHRASE} Sixty minutes."));
        h.caller_says(caller);
        let out = h.model_calls("call_2", "refund_credit", credit(60));
        runs(&out, "refund_credit")
    };
    assert_eq!(runs_with("Yes, please cancel it."), 1);
    assert_eq!(runs_with("Cancel it."), 1);
    assert_eq!(runs_with("No, don't cancel it."), 0);
    // Without the agent's phrase, "cancel" still refuses.
    assert_eq!(runs_after("Yes, please cancel it."), 0);
}
