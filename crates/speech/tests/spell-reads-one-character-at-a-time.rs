//! A value read back one character at a time, as the guide tells the model to: "4-1-5".

use switchboard_speech::{Style, spell};

#[test]
fn the_guides_readbacks() {
    for (value, said) in [
        ("415", "4-1-5"),
        ("0215551234", "0-2-1-5-5-5-1-2-3-4"),
        ("4567890123", "4-5-6-7-8-9-0-1-2-3"),
        ("551119765423", "5-5-1-1-1-9-7-6-5-4-2-3"),
    ] {
        assert_eq!(spell(value, Style::HYPHENS), said, "{value}");
        assert_eq!(spell(value, Style::default()), said, "{value}");
    }
}

#[test]
fn each_style() {
    for (value, style, said) in [
        ("AB-415", Style::HYPHENS, "A-B, 4-1-5"),
        ("AB-415", Style::WORDS, "A B, four one five"),
        (
            "AB-415",
            Style::PHONETIC,
            "A as in Alpha, B as in Bravo, four, one, five",
        ),
        ("xz9", Style::PHONETIC, "X as in X-ray, Z as in Zulu, nine"),
        ("2fa", Style::HYPHENS.with_separator(" "), "2 F A"),
        ("jk", Style::WORDS.with_separator(", "), "J, K"),
    ] {
        assert_eq!(spell(value, style), said, "{value} in {style:?}");
    }
}

#[test]
fn formatting_characters_end_groups_and_are_not_spoken() {
    for (value, said) in [
        ("ORD-8842-XK", "O-R-D, 8-8-4-2, X-K"),
        ("415 555 1234", "4-1-5, 5-5-5, 1-2-3-4"),
        ("(415) 555–1234", "4-1-5, 5-5-5, 1-2-3-4"),
        ("  12 --  34  ", "1-2, 3-4"),
        ("1,234;5", "1, 2-3-4, 5"),
        ("[A]{B}", "A, B"),
        ("", ""),
        (" - ", ""),
    ] {
        assert_eq!(spell(value, Style::HYPHENS), said, "{value:?}");
    }
}

#[test]
fn symbols_in_a_value_are_named() {
    for (value, said) in [
        ("jo.b@x.io", "J-O-dot-B-at-X-dot-I-O"),
        ("a_b+c", "A-underscore-B-plus-C"),
        ("#5*", "hash-5-star"),
        ("a&b/c:d", "A-and-B-slash-C-colon-D"),
    ] {
        assert_eq!(spell(value, Style::HYPHENS), said, "{value}");
    }
}

#[test]
fn letters_are_upper_case_and_other_characters_are_kept() {
    for (value, said) in [
        ("abc", "A-B-C"),
        ("ñ1", "Ñ-1"),
        ("straße", "S-T-R-A-SS-E"),
        ("5€!", "5-€-!"),
        ("a\u{0}\u{7}b", "A-B"),
    ] {
        assert_eq!(spell(value, Style::HYPHENS), said, "{value:?}");
    }
    assert_eq!(spell("é", Style::PHONETIC), "É");
}
