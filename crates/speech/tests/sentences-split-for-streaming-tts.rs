//! Streamed text comes out as whole sentences for TTS, never split inside a decimal, an
//! abbreviation, an ellipsis or an initial, whatever the deltas look like.

use proptest::prelude::*;
use switchboard_speech::SentenceSplitter;

fn split(deltas: &[&str]) -> Vec<String> {
    let mut splitter = SentenceSplitter::new();
    let mut out = Vec::new();
    for delta in deltas {
        splitter.push(delta);
        while let Some(sentence) = splitter.poll_sentence() {
            out.push(sentence);
        }
    }
    splitter.finish();
    while let Some(sentence) = splitter.poll_sentence() {
        out.push(sentence);
    }
    out
}

#[test]
fn sentences() {
    for (text, sentences) in [
        ("Hello. How are you?", vec!["Hello.", "How are you?"]),
        ("Wow! Really?! Yes.", vec!["Wow!", "Really?!", "Yes."]),
        (
            "It costs $3.50 today. Okay.",
            vec!["It costs $3.50 today.", "Okay."],
        ),
        ("Pi is 3.14159 roughly.", vec!["Pi is 3.14159 roughly."]),
        (
            "Dr. Smith will call. Mr. Jones too.",
            vec!["Dr. Smith will call.", "Mr. Jones too."],
        ),
        (
            "Bring ID, e.g. a passport. Thanks.",
            vec!["Bring ID, e.g. a passport.", "Thanks."],
        ),
        (
            "Use i.e. Firefox. Done.",
            vec!["Use i.e. Firefox.", "Done."],
        ),
        (
            "Call at 3 p.m. tomorrow. Bye.",
            vec!["Call at 3 p.m. tomorrow.", "Bye."],
        ),
        (
            "Open until 9 p.m. Call then.",
            vec!["Open until 9 p.m.", "Call then."],
        ),
        (
            "Well... I think so. Yes.",
            vec!["Well... I think so.", "Yes."],
        ),
        ("Wait… Done. Next.", vec!["Wait… Done.", "Next."]),
        (
            "J. R. R. Tolkien wrote it. Read it.",
            vec!["J. R. R. Tolkien wrote it.", "Read it."],
        ),
        (
            "It is approx. five. Good.",
            vec!["It is approx. five.", "Good."],
        ),
        (
            "He said \"no.\" Then left.",
            vec!["He said \"no.\"", "Then left."],
        ),
        ("(See above.) Next one.", vec!["(See above.)", "Next one."]),
        (
            "Visit example.com today. Thanks.",
            vec!["Visit example.com today.", "Thanks."],
        ),
        (
            "1. Unplug the modem. 2. Wait.",
            vec!["1. Unplug the modem.", "2. Wait."],
        ),
        ("I have 3. Then more.", vec!["I have 3.", "Then more."]),
        ("First line\nSecond line", vec!["First line", "Second line"]),
        ("Dr.\nWho", vec!["Dr.", "Who"]),
        (
            "  Spaces   inside  stay.  Next.  ",
            vec!["Spaces   inside  stay.", "Next."],
        ),
        ("No ending", vec!["No ending"]),
        ("Ends with Dr.", vec!["Ends with Dr."]),
        ("", vec![]),
        ("  \n\n ", vec![]),
    ] {
        assert_eq!(split(&[text]), sentences, "{text:?}");
    }
}

#[test]
fn a_sentence_is_released_once_the_next_one_starts() {
    let mut splitter = SentenceSplitter::new();
    splitter.push("It costs 3.");
    assert_eq!(splitter.poll_sentence(), None, "3. might be 3.5");
    splitter.push("5 dollars. ");
    assert_eq!(splitter.poll_sentence(), None, "the next word decides");
    splitter.push("Okay");
    assert_eq!(
        splitter.poll_sentence().as_deref(),
        Some("It costs 3.5 dollars.")
    );
    assert_eq!(splitter.poll_sentence(), None);
    splitter.finish();
    assert_eq!(splitter.poll_sentence().as_deref(), Some("Okay"));
    assert_eq!(splitter.poll_sentence(), None);
}

#[test]
fn the_splitter_is_reusable_after_finish() {
    let mut splitter = SentenceSplitter::new();
    splitter.push("One. Two");
    splitter.finish();
    splitter.push("Three. Four.");
    splitter.finish();
    let all: Vec<String> = std::iter::from_fn(|| splitter.poll_sentence()).collect();
    assert_eq!(all, ["One.", "Two", "Three.", "Four."]);
}

fn words(text: &str) -> Vec<&str> {
    text.split_whitespace().collect()
}

/// Text cut into deltas at arbitrary character positions.
fn deltas(text: &str, cuts: &[usize]) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut points: Vec<usize> = cuts.iter().map(|c| c % (chars.len() + 1)).collect();
    points.push(0);
    points.push(chars.len());
    points.sort_unstable();
    points
        .windows(2)
        .map(|w| chars[w[0]..w[1]].iter().collect())
        .collect()
}

proptest! {
    /// Joining the sentences with spaces gives the input with runs of whitespace between
    /// sentences collapsed: the same words in the same order.
    #[test]
    fn sentences_are_the_input(
        text in "([A-Za-z0-9]{1,6}|[.!?…\"')( ]|\\.\\.\\.|\n| e\\.g\\. | Dr\\. ){0,40}",
        cuts in proptest::collection::vec(any::<usize>(), 0..8),
    ) {
        let pieces = deltas(&text, &cuts);
        let refs: Vec<&str> = pieces.iter().map(String::as_str).collect();
        let sentences = split(&refs);
        let joined = sentences.join(" ");
        prop_assert_eq!(words(&joined), words(&text));
        prop_assert!(sentences.iter().all(|s| !s.is_empty() && s.trim() == s));
    }

    /// However the text is cut into deltas, the sentences are the same.
    #[test]
    fn deltas_do_not_change_the_sentences(
        text in "([A-Za-z0-9]{1,6}|[.!?…\"' ]|\\.\\.\\.|\n| e\\.g\\. | Dr\\. ){0,40}",
        cuts in proptest::collection::vec(any::<usize>(), 0..8),
    ) {
        let pieces = deltas(&text, &cuts);
        let refs: Vec<&str> = pieces.iter().map(String::as_str).collect();
        prop_assert_eq!(split(&refs), split(&[text.as_str()]));
    }

    #[test]
    fn arbitrary_text_and_deltas_never_panic(
        pieces in proptest::collection::vec(any::<String>(), 0..8),
    ) {
        let refs: Vec<&str> = pieces.iter().map(String::as_str).collect();
        let sentences = split(&refs);
        let joined = sentences.join(" ");
        let all: String = pieces.concat();
        prop_assert_eq!(words(&joined), words(&all));
    }
}
