//! Every public function accepts any input without panicking.

use proptest::prelude::*;
use switchboard_speech::{
    Lexicon, SentenceSplitter, Style, cardinal, date, make_speakable, money, normalise_text,
    number, ordinal, parse_readback, percent, readback_matches, sentence_key, spell, spell_phone,
    time, year,
};

/// Arbitrary strings, and strings made of the characters the parsers look at, which reach far
/// deeper into them than random Unicode does.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[0-9$€£¥₹.,:;/+()#%' \\-–−AaBbDdEeMmPpSsTtUuJjOoIixX@]{0,40}",
        "(August|Aug\\.?|May|\\$|USD|AUD|pm|a\\.m\\.|ET|[0-9]{1,5}|[ ,:/.-]|st|th|s|k|M|bn|GB|x){0,16}",
        "(double|triple|oh|one|two|twenty|hundred|a|I|Oh|as|in|for|alpha|x-ray|[A-Z]|[0-9]|[ ,-]){0,16}",
    ]
}

const STYLES: [Style; 4] = [
    Style::HYPHENS,
    Style::WORDS,
    Style::PHONETIC,
    Style::HYPHENS.with_separator(""),
];

proptest! {
    #[test]
    fn converters(input in text()) {
        let _ = number(&input);
        let _ = percent(&input);
        let _ = money(&input);
        let _ = date(&input);
        let _ = time(&input);
        let _ = make_speakable(&input);
        let _ = normalise_text(&input);
        let _ = sentence_key(&input);
    }

    #[test]
    fn readbacks(input in text(), value in text()) {
        for style in STYLES {
            let _ = spell(&input, style);
            let _ = spell_phone(&input, style);
        }
        let _ = parse_readback(&input);
        let _ = readback_matches(&input, &value);
    }

    #[test]
    fn integers(n in any::<i64>(), u in any::<u64>(), y in any::<u16>()) {
        prop_assert!(!cardinal(n).is_empty());
        prop_assert!(!ordinal(u).is_empty());
        prop_assert!(!year(y).is_empty());
    }

    #[test]
    fn lexicon(
        entries in proptest::collection::vec((text(), text()), 0..6),
        input in text(),
    ) {
        let lexicon: Lexicon = entries.into_iter().collect();
        let _ = lexicon.apply(&input);
        let ssml = lexicon.to_ssml(&input);
        prop_assert!(ssml.starts_with("<speak>") && ssml.ends_with("</speak>"));
    }

    #[test]
    fn sentence_splitter(deltas in proptest::collection::vec(text(), 0..8)) {
        let mut splitter = SentenceSplitter::new();
        for delta in &deltas {
            splitter.push(delta);
            while splitter.poll_sentence().is_some() {}
        }
        splitter.finish();
        while splitter.poll_sentence().is_some() {}
    }
}

/// Long inputs stay fast: no conversion rescans the text from each position.
#[test]
fn long_inputs_are_linear_enough() {
    let cases = [
        ",1".repeat(20_000),
        "a.".repeat(20_000),
        "1".repeat(40_000),
        "1-".repeat(20_000),
        "Dr. ".repeat(10_000),
        "x. ".repeat(10_000),
        "2019-".repeat(8_000),
    ];
    for case in &cases {
        let _ = make_speakable(case);
        let _ = parse_readback(case);
        let _ = spell_phone(case, Style::WORDS);
        let mut splitter = SentenceSplitter::new();
        for chunk in case.as_bytes().chunks(7) {
            splitter.push(std::str::from_utf8(chunk).unwrap_or(""));
        }
        splitter.finish();
    }
}
