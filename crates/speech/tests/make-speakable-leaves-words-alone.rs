//! Text without digits is never changed by `make_speakable`: only numbers are rewritten.

use proptest::prelude::*;
use switchboard_speech::make_speakable;

#[test]
fn words_that_look_like_numbers_or_dates() {
    for text in [
        "May I help you? March on, Dr. Smith.",
        "I am at the ET office around noon, a.m. or p.m.",
        "Thanks for waiting—I've got that pulled up now.",
        "USD and EUR rates, $ and € signs, percent % alone.",
        "COVID, Wi-Fi, e.g. and i.e. stay.",
        "",
        "   \n\t ",
    ] {
        assert_eq!(make_speakable(text), text, "{text:?}");
    }
}

proptest! {
    #[test]
    fn text_without_ascii_digits_is_unchanged(text in "[^0-9]*") {
        prop_assert_eq!(make_speakable(&text), text);
    }

    #[test]
    fn words_around_numbers_are_kept(
        before in "[A-Za-z ,]{0,20}",
        after in "[A-Za-z ,]{0,20}",
        n in 0u32..100_000,
    ) {
        // A unit right after a number is spoken out on purpose ("0 kB" → "zero kilobytes"),
        // so the words after it start with one that is not a unit.
        let text = format!("{before} {n} then {after}");
        let said = make_speakable(&text);
        prop_assert!(said.starts_with(before.as_str()), "{said:?}");
        let kept = format!(" then {after}");
        prop_assert!(said.ends_with(kept.as_str()), "{said:?}");
        prop_assert!(!said.contains(|c: char| c.is_ascii_digit()), "{said:?}");
    }
}
