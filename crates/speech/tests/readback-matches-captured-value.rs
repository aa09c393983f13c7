//! A readback is checked against the captured value: match, first difference, or not a readback.

use switchboard_speech::{Comparison, readback_matches};

fn mismatch(index: usize, expected: Option<char>, heard: Option<char>) -> Comparison {
    Comparison::Mismatch {
        index,
        expected,
        heard,
    }
}

#[test]
fn comparisons() {
    for (spoken, value, comparison) in [
        ("You said 4-1-5, correct?", "415", Comparison::Match),
        (
            "You said 0-2-1-5-5-5-1-2-3-4, correct?",
            "(021) 555-1234",
            Comparison::Match,
        ),
        (
            "four one five, five five five, one two three four",
            "+1 415 555 1234",
            mismatch(0, Some('1'), Some('4')),
        ),
        ("plus one four one five", "+1 415", Comparison::Match),
        ("A as in Alpha, B as in Bravo, 7", "ab-7", Comparison::Match),
        ("double five one", "551", Comparison::Match),
        ("4-1-6", "415", mismatch(2, Some('5'), Some('6'))),
        ("4-1", "415", mismatch(2, Some('5'), None)),
        ("4-1-5-5", "415", mismatch(3, None, Some('5'))),
        ("Is that correct?", "415", Comparison::NotAReadback),
        ("", "415", Comparison::NotAReadback),
        ("4-1-5", "", mismatch(0, None, Some('4'))),
        // "oh" is always a digit.
        ("oh one", "O1", mismatch(0, Some('O'), Some('0'))),
        ("O-K", "ok", Comparison::Match),
    ] {
        assert_eq!(
            readback_matches(spoken, value),
            comparison,
            "{spoken:?} vs {value:?}"
        );
    }
}

/// The guide's before/after example reads back twelve digits for an eleven-digit number: the
/// comparison catches the extra "1" where it first goes wrong.
#[test]
fn the_guides_readback_does_not_match_its_number() {
    assert_eq!(
        readback_matches(
            "Sure! The number is: 5-5-1-1-1-9-7-6-5-4-2-3.",
            "55119765423"
        ),
        mismatch(4, Some('9'), Some('1'))
    );
}
