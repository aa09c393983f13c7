//! Two ways of writing one sentence compare equal: Unicode compatibility forms (NFKC: full-width
//! letters, ligatures, non-breaking spaces), typographic quotes, apostrophes and dashes, case,
//! punctuation and runs of whitespace do not make a sentence new (issue 13, item 6).

use proptest::prelude::*;
use switchboard_speech::{normalise_text, sentence_key};

#[track_caller]
fn same(a: &str, b: &str) {
    assert_eq!(sentence_key(a), sentence_key(b), "{a:?} vs {b:?}");
    assert!(!sentence_key(a).is_empty(), "{a:?} has words");
}

#[test]
fn curly_and_straight_apostrophes() {
    same("That’s frustrating.", "That's frustrating.");
    same("That‘s frustrating", "That's frustrating");
    same("Thatʼs frustrating", "That's frustrating");
    same("That＇s frustrating", "That's frustrating");
    assert_eq!(sentence_key("That’s frustrating."), "that's frustrating");
}

#[test]
fn typographic_and_straight_quotes() {
    same(
        "“That’s frustrating,” she said.",
        "\"That's frustrating,\" she said.",
    );
    same("„That’s frustrating“", "\"That's frustrating\"");
    same("«That’s frustrating»", "'That's frustrating'");
    // Quotes around a sentence are not part of its words.
    assert_eq!(sentence_key("'That's frustrating'"), "that's frustrating");
}

#[test]
fn dashes_and_hyphens() {
    same("Got it — let me check.", "Got it - let me check.");
    same("Got it – let me check.", "Got it -- let me check.");
    same("a check‐in", "a check-in");
    same("a check‑in", "a check-in");
    same("minus − five", "minus - five");
}

#[test]
fn full_width_letters_and_ligatures() {
    same("Ｔｈａｔ’ｓ ｆｒｕｓｔｒａｔｉｎｇ", "That's frustrating");
    same("Let me ﬁnd the ﬂoor plan.", "Let me find the floor plan.");
    same("Café", "Cafe\u{301}");
}

#[test]
fn case_punctuation_and_whitespace() {
    same("THAT'S FRUSTRATING!", "that's frustrating");
    same("That's frustrating...", "That's frustrating?!");
    same("That's frustrating…", "That's frustrating");
    same("  That's \t\n frustrating  ", "That's frustrating");
    same("That's\u{a0}frustrating", "That's frustrating");
    same("That's\u{200b} frustrating", "That's frustrating");
    same("That's, well, frustrating", "That's well frustrating");
}

#[test]
fn different_words_stay_different() {
    assert_ne!(
        sentence_key("That's frustrating"),
        sentence_key("That is frustrating")
    );
    assert_ne!(sentence_key("I have 4-1-5"), sentence_key("I have 415"));
    assert_eq!(sentence_key("I have 4-1-5."), "i have 4 1 5");
    assert_eq!(sentence_key("?!…"), "");
}

#[test]
fn normalised_text_keeps_punctuation() {
    assert_eq!(
        normalise_text("  “That’s  frustrating — I’m sorry.”  "),
        "\"that's frustrating - i'm sorry.\""
    );
    assert_eq!(normalise_text("4‐1‐5"), "4-1-5");
    assert_eq!(normalise_text("Ｉ ﬁxed it…"), "i fixed it...");
}

proptest! {
    #[test]
    fn normalising_twice_changes_nothing(text in any::<String>()) {
        let once = normalise_text(&text);
        prop_assert_eq!(normalise_text(&once), once.clone());
        let key = sentence_key(&text);
        prop_assert_eq!(sentence_key(&key), key.clone());
        prop_assert_eq!(sentence_key(&once), key);
    }

    #[test]
    fn typography_never_changes_the_key(words in proptest::collection::vec("[a-z]{1,8}", 1..6)) {
        let plain = words.join(" ");
        let fancy = words.join(" — ").replace('a', "ａ").to_uppercase();
        prop_assert_eq!(sentence_key(&plain), sentence_key(&fancy));
    }
}
