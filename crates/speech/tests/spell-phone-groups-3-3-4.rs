//! Phone numbers are read back in groups: 3-3-4 for North American numbers, as the guide asks.

use switchboard_speech::{Style, spell_phone};

#[test]
fn north_american_numbers_are_3_3_4() {
    for value in [
        "4155551234",
        "(415) 555-1234",
        "415.555.1234",
        "415-555-1234",
        "415 5551234",
        "(415)555-1234",
    ] {
        assert_eq!(
            spell_phone(value, Style::HYPHENS),
            "4-1-5, 5-5-5, 1-2-3-4",
            "{value}"
        );
    }
}

#[test]
fn country_code_one_is_its_own_group() {
    for (value, said) in [
        ("+1 415 555 1234", "plus 1, 4-1-5, 5-5-5, 1-2-3-4"),
        ("+14155551234", "plus 1, 4-1-5, 5-5-5, 1-2-3-4"),
        ("1-800-555-1234", "1, 8-0-0, 5-5-5, 1-2-3-4"),
        ("18005551234", "1, 8-0-0, 5-5-5, 1-2-3-4"),
    ] {
        assert_eq!(spell_phone(value, Style::HYPHENS), said, "{value}");
    }
}

#[test]
fn other_numbers_keep_their_groups_or_are_cut_by_length() {
    for (value, said) in [
        ("555-1234", "5-5-5, 1-2-3-4"),
        ("5551234", "5-5-5, 1-2-3-4"),
        ("+44 20 7946 0958", "plus 4-4, 2-0, 7-9-4-6, 0-9-5-8"),
        ("02 9876 5432", "0-2, 9-8-7-6, 5-4-3-2"),
        // Not NANP (starts with 0): no groups in the input, so cut by length.
        ("0215551234", "0-2-1, 5-5-5, 1-2-3-4"),
        // NANP exchanges start with 2-9, so this is not 3-3-4 by rule, only by length.
        ("4151551234", "4-1-5, 1-5-5, 1-2-3-4"),
        ("911", "9-1-1"),
        ("123456", "1-2-3-4-5-6"),
        ("12345678", "1-2-3-4, 5-6-7-8"),
        ("123456789", "1-2-3, 4-5-6, 7-8-9"),
        ("55119765423", "5-5-1, 1-9-7-6, 5-4-2-3"),
        ("551119765423", "5-5-1-1, 1-9-7-6, 5-4-2-3"),
        ("1234567890123", "1-2-3-4, 5-6-7-8, 9-0-1-2-3"),
        ("12345678901234", "1-2-3-4, 5-6-7-8, 9-0-1-2, 3-4"),
        ("+442079460958", "plus 4-4-2-0, 7-9-4-6, 0-9-5-8"),
        ("1-800-FLOWERS", "1, 8-0-0, F-L-O-W-E-R-S"),
        ("", ""),
        ("+", ""),
    ] {
        assert_eq!(spell_phone(value, Style::HYPHENS), said, "{value}");
    }
}

#[test]
fn words_for_a_tts_engine() {
    assert_eq!(
        spell_phone("(415) 555-1234", Style::WORDS),
        "four one five, five five five, one two three four"
    );
    assert_eq!(
        spell_phone("+1 415 555 1234", Style::WORDS),
        "plus one, four one five, five five five, one two three four"
    );
}
