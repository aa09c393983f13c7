//! What the model said, read back into the characters it spelled.

use proptest::prelude::*;
use switchboard_speech::{Style, parse_readback, spell, spell_phone};

#[test]
fn digits_in_every_spoken_form() {
    for (spoken, chars) in [
        ("five five one", "551"),
        ("5-5-1", "551"),
        ("5 5 1", "551"),
        ("551", "551"),
        ("double five one", "551"),
        ("double-five one", "551"),
        ("triple two", "222"),
        ("quadruple nine", "9999"),
        ("oh two one", "021"),
        ("zero two one", "021"),
        ("niner niner", "99"),
        (
            "four one five, five five five, one two three four",
            "4155551234",
        ),
        ("4-1-5, 5-5-5, 1-2-3-4", "4155551234"),
        ("four one five, uh, five five five", "415555"),
        ("twelve thirty-four", "1234"),
        ("twenty four", "24"),
        ("twenty", "20"),
        ("one eight hundred five five five", "1800555"),
        ("five hundred twelve", "512"),
        ("one one", "11"),
    ] {
        assert_eq!(parse_readback(spoken), chars, "{spoken:?}");
    }
}

#[test]
fn letters_and_the_phonetic_alphabet() {
    for (spoken, chars) in [
        ("A as in Alpha", "A"),
        ("A as in Alpha, B as in Bravo, four", "AB4"),
        ("b for bravo, c like charlie", "BC"),
        ("alpha bravo charlie", "ABC"),
        ("Alfa Juliett X-ray Yankee Zulu", "AJXYZ"),
        ("A-B-C", "ABC"),
        ("A B C", "ABC"),
        ("x y z 1", "XYZ1"),
        ("4a 5b", "4A5B"),
        ("ORD-8842-XK", "ORD8842XK"),
        ("O R D, eight eight four two, X K", "ORD8842XK"),
    ] {
        assert_eq!(parse_readback(spoken), chars, "{spoken:?}");
    }
}

#[test]
fn the_guides_readbacks_in_their_sentences() {
    for (spoken, chars) in [
        ("You said 0-2-1-5-5-5-1-2-3-4, correct?", "0215551234"),
        ("You said 4-5-6-7-8-9-0-1-2-3, correct?", "4567890123"),
        (
            "Sure! The number is: 5-5-1-1-1-9-7-6-5-4-2-3. Please let me know if you need anything else!",
            "551119765423",
        ),
        ("4-1-5… Is that correct?", "415"),
    ] {
        assert_eq!(parse_readback(spoken), chars, "{spoken:?}");
    }
}

#[test]
fn ordinary_words_are_not_characters() {
    for (spoken, chars) in [
        ("I said 4-1-5", "415"),
        ("a 4 1 5", "415"),
        ("Oh, one moment. You said 4-1-5", "415"),
        ("One moment please.", ""),
        ("Plan B is fine: 4 2", "42"),
        ("Your hotel is booked.", ""),
        ("Is that correct?", ""),
        ("A-4", "A4"),
        ("", ""),
    ] {
        assert_eq!(parse_readback(spoken), chars, "{spoken:?}");
    }
}

fn normalized(value: &str) -> String {
    value
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

proptest! {
    #[test]
    fn hyphenated_readbacks_round_trip(value in "[A-Za-z0-9]{2,24}") {
        prop_assert_eq!(parse_readback(&spell(&value, Style::HYPHENS)), normalized(&value));
    }

    #[test]
    fn grouped_digits_round_trip(value in "[0-9 ()+-]{0,24}") {
        let digits = normalized(&value);
        prop_assert_eq!(parse_readback(&spell(&value, Style::HYPHENS)), digits.clone());
        prop_assert_eq!(parse_readback(&spell_phone(&value, Style::HYPHENS)), digits.clone());
        if digits.len() > 1 {
            prop_assert_eq!(parse_readback(&spell_phone(&value, Style::WORDS)), digits);
        }
    }

    #[test]
    fn phonetic_readbacks_round_trip(value in "[A-Za-z0-9]{2,24}") {
        prop_assert_eq!(parse_readback(&spell(&value, Style::PHONETIC)), normalized(&value));
    }

    #[test]
    fn spoken_word_readbacks_round_trip(value in "[A-HJ-Za-hj-z0-9]{2,24}") {
        // "I" alone is the pronoun, so it needs the hyphens or the phonetic alphabet.
        prop_assert_eq!(parse_readback(&spell(&value, Style::WORDS)), normalized(&value));
    }
}

#[test]
fn contractions_are_words_not_spelled_letters() {
    for (spoken, chars) in [
        ("Thanks, that's 4-1-5-5, correct?", "4155"),
        ("I'll read it back: 0-2-1.", "021"),
        ("Don’t worry, it’s 5-5-1.", "551"),
    ] {
        assert_eq!(parse_readback(spoken), chars, "{spoken:?}");
    }
}
