//! Does a caller turn say "yes"? A small per-language lexicon, extended by the agent file.
//!
//! The bar is deliberately high: a confirmation-first tool changes something for the caller,
//! so anything with a negation, or without an affirmative word, is not a yes.

use std::collections::BTreeMap;

const AFFIRMATIONS: &[&str] = &[
    // English
    "yes",
    "yeah",
    "yep",
    "yup",
    "sure",
    "correct",
    "right",
    "ok",
    "okay",
    "absolutely",
    "definitely",
    "please",
    "go ahead",
    "do it",
    "sounds good",
    "that's right",
    "that is right",
    "please do",
    "of course",
    "affirmative",
    // French
    "oui",
    "d'accord",
    "bien sûr",
    "allez-y",
    "vas-y",
    "c'est ça",
    "exactement",
    // Spanish
    "sí",
    "si",
    "claro",
    "vale",
    "adelante",
    "de acuerdo",
    "correcto",
    "por favor",
    // German
    "ja",
    "genau",
    "klar",
    "gerne",
    "richtig",
    "einverstanden",
];

const NEGATIONS: &[&str] = &[
    "no", "not", "don't", "dont", "do not", "never", "nope", "wait", "stop", "cancel", "hold on",
    "non", "pas", "nein", "nicht", "nada", "espera",
];

/// Lowercases and splits into words, keeping apostrophes inside words.
fn words(text: &str) -> Vec<String> {
    text.to_lowercase()
        .split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '’' || c == '-'))
        .filter(|w| !w.is_empty())
        .map(|w| w.replace('’', "'"))
        .collect()
}

/// Whether `phrase` occurs in `words` as whole words.
fn contains(words: &[String], phrase: &str) -> bool {
    let needle: Vec<String> = phrase.split(' ').map(str::to_owned).collect();
    words.windows(needle.len()).any(|w| w == needle.as_slice())
}

/// The affirmation lexicon: built-in words plus the agent's own.
#[derive(Debug, Clone, Default)]
pub(crate) struct Lexicon {
    extra: Vec<String>,
}

impl Lexicon {
    pub(crate) fn new(extra: &BTreeMap<String, Vec<String>>) -> Self {
        Self {
            extra: extra.values().flatten().map(|w| w.to_lowercase()).collect(),
        }
    }

    /// True when the turn affirms and negates nothing.
    pub(crate) fn affirms(&self, text: &str) -> bool {
        let words = words(text);
        if NEGATIONS.iter().any(|n| contains(&words, n)) {
            return false;
        }
        AFFIRMATIONS
            .iter()
            .copied()
            .chain(self.extra.iter().map(String::as_str))
            .any(|a| contains(&words, a))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yes_in_several_languages_and_no_with_a_negation() {
        let lex = Lexicon::new(&BTreeMap::from([(
            "en".to_owned(),
            vec!["make it so".to_owned()],
        )]));
        for yes in [
            "Yes, please.",
            "yeah go ahead",
            "Oui, d'accord",
            "Sí, claro",
            "Ja, gerne",
            "Make it so!",
        ] {
            assert!(lex.affirms(yes), "{yes}");
        }
        for no in [
            "No thanks",
            "yes, no wait",
            "I don't want that",
            "What windows do you have?",
            "",
            "Non merci",
        ] {
            assert!(!lex.affirms(no), "{no}");
        }
    }
}
