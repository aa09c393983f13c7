//! The language rule: phrases in several languages want an explicit language rule.

use super::Rule;
use super::prose::{Context, normalize};
use crate::diagnostic::Diagnostic;

/// Common function words that tell the languages apart. Words shared by two of them (`de`,
/// `la`, `en`, `que`, `a`, `no`, `me`, `un`, `es`, …) are left out, so one hit is evidence.
const STOP_WORDS: &[(&str, &[&str])] = &[
    (
        "English",
        &[
            "the", "and", "you", "your", "is", "are", "to", "of", "with", "for", "this", "that",
            "it", "what", "can", "help", "please", "let", "now", "will", "my", "we", "have", "do",
            "how", "thanks", "there", "be", "i'm", "i'll", "i", "today", "any", "would", "like",
            "just", "here",
        ],
    ),
    (
        "French",
        &[
            "le",
            "les",
            "des",
            "est",
            "et",
            "vous",
            "votre",
            "vos",
            "je",
            "nous",
            "pour",
            "avec",
            "une",
            "pas",
            "qui",
            "c'est",
            "merci",
            "bonjour",
            "oui",
            "sur",
            "dans",
            "au",
            "mais",
            "ça",
            "êtes",
            "suis",
            "ce",
            "cette",
            "ne",
            "j'ai",
            "aujourd'hui",
            "très",
            "puis",
            "aider",
            "s'il",
            "plaît",
        ],
    ),
    (
        "Spanish",
        &[
            "el", "los", "las", "y", "usted", "su", "por", "para", "con", "una", "qué", "gracias",
            "hola", "sí", "está", "estoy", "lo", "del", "al", "muy", "pero", "cómo", "puedo",
            "ayudar", "hoy", "tiene", "necesito", "favor", "bien", "ayudarle",
        ],
    ),
    (
        "German",
        &[
            "der", "die", "das", "und", "ist", "sie", "ich", "wir", "nicht", "mit", "für", "ein",
            "eine", "zu", "den", "dem", "bitte", "danke", "ihr", "ihre", "ihnen", "auf", "wie",
            "kann", "haben", "sind", "guten", "tag", "hallo", "heute", "helfen", "gerne", "noch",
        ],
    ),
];

/// The language a phrase is written in: the one with the most stop words, at least two and
/// strictly more than any other; `None` when the phrase is too short to tell.
pub(super) fn detect(text: &str) -> Option<&'static str> {
    let text = normalize(text);
    let tokens: Vec<&str> = text
        .split(|c: char| !(c.is_alphabetic() || c == '\''))
        .map(|t| t.trim_matches('\''))
        .filter(|t| !t.is_empty())
        .collect();
    let mut scores: Vec<(usize, &'static str)> = STOP_WORDS
        .iter()
        .map(|(language, words)| {
            let hits = tokens.iter().filter(|t| words.contains(t)).count();
            (hits, *language)
        })
        .collect();
    scores.sort_by_key(|(hits, _)| std::cmp::Reverse(*hits));
    match scores.as_slice() {
        [(best, language), (second, _), ..] if *best >= 2 && best > second => Some(language),
        _ => None,
    }
}

/// SB0117. The guide's language constraint "ensures the model consistently responds in the
/// intended language" and prevents "accidental language switching in multilingual or noisy
/// environments". Sample phrases and examples in several languages, with no
/// `personality.language` to say which to use when, invite exactly that switching. The
/// languages are told apart by a small stop-word count (English, French, Spanish, German).
pub(super) fn languages_without_rule(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    if cx.agent.personality.language.is_some() {
        return;
    }
    let mut seen: Vec<&str> = Vec::new();
    let mut phrases: Vec<_> = cx
        .prose
        .iter()
        .filter(|p| p.phrase)
        .filter_map(|p| detect(p.text).map(|l| (cx.doc.span_of(&p.path), l, p)))
        .collect();
    phrases.sort_by_key(|(span, _, _)| span.map_or(usize::MAX, |s| s.offset));
    let mut first_other = None;
    for (span, language, _) in &phrases {
        if !seen.contains(language) {
            seen.push(language);
            if seen.len() == 2 {
                first_other = Some((*span, *language));
            }
        }
    }
    let Some((span, language)) = first_other else {
        return;
    };
    let names = seen;
    out.push(
        Rule::MixedLanguages
            .diagnostic(format!(
                "sample phrases are in {} but there is no language rule",
                names.join(" and ")
            ))
            .at_opt(span)
            .note(format!(
                "this is the first phrase in {language}; the earlier ones are in {}",
                names[0]
            ))
            .hint("add `personality.language`: `lock: English` to keep one language, or `modes` saying which language to use for what"),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phrases_are_told_apart_by_stop_words() {
        assert_eq!(
            detect("Thanks for calling—how can I help you today?"),
            Some("English")
        );
        assert_eq!(
            detect("Bonjour, comment puis-je vous aider aujourd'hui ?"),
            Some("French")
        );
        assert_eq!(detect("Hola, ¿en qué puedo ayudarle hoy?"), Some("Spanish"));
        assert_eq!(
            detect("Guten Tag, wie kann ich Ihnen helfen?"),
            Some("German")
        );
        assert_eq!(detect("On it."), None);
        assert_eq!(detect("One moment."), None);
    }
}
