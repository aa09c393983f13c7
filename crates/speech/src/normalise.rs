//! Text made comparable: two ways of writing the same words come out the same.
//!
//! Models, transcripts and people write one sentence in many ways: “That’s frustrating” and
//! "That's frustrating", a dash as `—`, `–` or `-`, a full-width `Ｔ`, a ligature `ﬁ`, a
//! non-breaking space. Whoever compares what was said (the scenario assertions, the linter)
//! compares these forms, never the raw strings.

use unicode_normalization::UnicodeNormalization;

/// Characters that are not seen: zero-width spaces and joiners, the word joiner, the byte
/// order mark, the soft hyphen. They are dropped before anything else, so a mark they
/// separated from its letter composes with it.
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}' | '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{2060}' | '\u{FEFF}'
    )
}

/// The plain ASCII character a typographic quote, apostrophe or dash stands for. NFKC leaves
/// these alone (they are distinct characters, not compatibility forms).
fn plain(c: char) -> char {
    match c {
        // Apostrophes and single quotes: ‘ ’ ‚ ‛ ′ ‵ ʹ ʻ ʼ ʽ ` ´ ‹ ›
        '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' | '\u{2032}' | '\u{2035}'
        | '\u{02B9}' | '\u{02BB}' | '\u{02BC}' | '\u{02BD}' | '`' | '\u{00B4}' | '\u{2039}'
        | '\u{203A}' => '\'',
        // Double quotes: “ ” „ ‟ ″ ‶ « » 〝 〞 〟
        '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{2033}' | '\u{2036}'
        | '\u{00AB}' | '\u{00BB}' | '\u{301D}' | '\u{301E}' | '\u{301F}' => '"',
        // Hyphens and dashes: ‐ ‑ ‒ – — ― ⁃ − ⸺ ⸻ ﹘ (NFKC already made ﹣ and － plain).
        '\u{2010}' | '\u{2011}' | '\u{2012}' | '\u{2013}' | '\u{2014}' | '\u{2015}'
        | '\u{2043}' | '\u{2212}' | '\u{2E3A}' | '\u{2E3B}' | '\u{FE58}' => '-',
        c => c,
    }
}

/// `text` written one way: Unicode compatibility forms folded (NFKC: full-width letters,
/// ligatures, `…` as `...`, non-breaking spaces), invisible characters dropped, typographic
/// quotes, apostrophes and dashes made plain (`'`, `"`, `-`), lower case, runs of whitespace
/// one space, trimmed. Punctuation stays, so `4-1-5` is still `4-1-5`: for "does this line
/// contain that text"; use [`sentence_key`] to compare sentences.
///
/// ```
/// use switchboard_speech::normalise_text;
///
/// assert_eq!(normalise_text("“That’s  frustrating — I’m ｓorry.”"), r#""that's frustrating - i'm sorry.""#);
/// ```
pub fn normalise_text(text: &str) -> String {
    // Plain forms first too: NFKC would turn an acute accent standing for an apostrophe (`´`)
    // into a space and a combining accent.
    let visible: String = text
        .chars()
        .filter(|&c| !is_invisible(c))
        .map(plain)
        .collect();
    // Lower case can leave text that is not in NFKC (and NFKC can make capitals: `Ｔ` → `T`),
    // hence NFKC on both sides of it; the plain forms are ASCII and keep it NFKC.
    let folded: String = visible.nfkc().collect::<String>().to_lowercase();
    let plain: String = folded.nfkc().map(plain).collect();
    plain.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The words of a sentence, for telling whether two sentences are the same: [`normalise_text`],
/// then every character that is not a letter, a digit or an apostrophe inside a word becomes
/// a space, and the words are joined with single spaces. Quotes around words, commas, dashes
/// and final punctuation do not count; apostrophes in contractions do (`that's` is not
/// `thats`). Empty when the sentence has no words.
///
/// ```
/// use switchboard_speech::sentence_key;
///
/// assert_eq!(sentence_key("“That’s frustrating — I’m sorry!”"), "that's frustrating i'm sorry");
/// assert_eq!(sentence_key("\"THAT'S frustrating - I'm sorry.\""), "that's frustrating i'm sorry");
/// assert_eq!(sentence_key("I have 4-1-5."), "i have 4 1 5");
/// ```
pub fn sentence_key(sentence: &str) -> String {
    let text: String = normalise_text(sentence)
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '\'' {
                c
            } else {
                ' '
            }
        })
        .collect();
    text.split(' ')
        .map(|word| word.trim_matches('\''))
        .filter(|word| !word.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_typographic_form_is_plain_after_normalising() {
        for (fancy, plain) in [
            ("‘’‚‛′‵ʹʻʼʽ`´‹›＇", "'"),
            ("“”„‟″‶«»〝〞〟＂", "\""),
            ("‐‑‒–—―⁃−⸺⸻﹘﹣－", "-"),
        ] {
            for c in fancy.chars() {
                assert_eq!(
                    normalise_text(&c.to_string()),
                    plain,
                    "{c:?} (U+{:04X})",
                    c as u32
                );
            }
        }
    }

    #[test]
    fn invisible_characters_do_not_split_a_letter_from_its_accent() {
        assert_eq!(normalise_text("e\u{200B}\u{301}"), "é");
        assert_eq!(normalise_text("soft\u{AD}ware"), "software");
    }
}
