//! The caller's answer to a confirmation question: [`Answer::Affirm`], [`Answer::Deny`] or
//! [`Answer::Unclear`], from a small per-language lexicon that the agent file extends.
//!
//! The bar is deliberately high: a confirmation-first tool changes something for the caller, so
//! only **explicit agreement** is consent. A turn is read in this order, and the first rule that
//! applies decides:
//!
//! 1. nothing said: unclear;
//! 2. a hedge ("maybe", "I guess", "not sure", "I don't know", and the agent's `hedges`): unclear;
//! 3. a condition ("if", "only if", "unless", "as long as", "depends"): unclear;
//! 4. a request to wait ("wait", "hold on", "one moment", "not yet", "let me check"): unclear;
//! 5. a request to explain ("explain", "tell me more", "what would", "what does", "how much"):
//!    unclear;
//! 6. a question: a `?` (or `¿`) anywhere, a first word that asks ("what", "why", "how",
//!    "when", "which", …), or a first word that is an auxiliary followed by its subject ("can
//!    you", "is it", "would that", "do I"): unclear;
//! 7. a negation ("no", "not", "don't", "never", "cancel", "rather not", and the agent's
//!    `denials`): deny. "No problem", "no worries" and "not a problem" are not negations, nor
//!    is a built-in negation inside one of the agent's `affirmations` ("cancel it");
//! 8. a reservation ("but", "although", "except"): unclear;
//! 9. an explicit agreement ("yes", "yeah", "sure", "okay", "go ahead", "do it", "please do",
//!    "sounds good", "that's right", and the agent's `affirmations`): affirm;
//! 10. anything else, "please" alone or "thanks" included: unclear.
//!
//! Words are matched whole, in lower case, with typographic apostrophes made plain; a phrase
//! of several words matches those words in a row. The built-in lexicon holds English, French,
//! Spanish and German; a caller's language is not guessed, so every language's words apply to
//! every turn (the agent file adds its own per language code: `affirmations`, `denials`,
//! `hedges`). Only [`Answer::Affirm`] is consent.

use std::collections::BTreeMap;

/// What a caller's turn says to a yes/no question.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Answer {
    /// Explicit agreement, and nothing that takes it back.
    Affirm,
    /// A refusal.
    Deny,
    /// Neither: the caller asked, hedged, set a condition, asked to wait or for an
    /// explanation, or did not say yes.
    Unclear(Why),
}

/// Why an answer is [`Answer::Unclear`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Why {
    /// Nothing was said.
    Empty,
    /// "maybe", "I guess", "not sure".
    Hedge,
    /// "if it's free", "only if", "unless".
    Condition,
    /// "wait", "hold on", "not yet".
    Wait,
    /// "explain", "tell me more", "what would that mean".
    Explain,
    /// A question back.
    Question,
    /// "yes, but …".
    Reservation,
    /// No word of agreement ("please", "thanks", "hmm").
    NoAgreement,
}

impl Answer {
    /// Whether the answer is consent.
    pub(crate) fn is_consent(self) -> bool {
        self == Answer::Affirm
    }
}

impl std::fmt::Display for Answer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Answer::Affirm => "consent",
            Answer::Deny => "not consent (a refusal)",
            Answer::Unclear(Why::Empty) => "not consent (nothing said)",
            Answer::Unclear(Why::Hedge) => "not consent (a hedge)",
            Answer::Unclear(Why::Condition) => "not consent (a condition)",
            Answer::Unclear(Why::Wait) => "not consent (asks to wait)",
            Answer::Unclear(Why::Explain) => "not consent (asks for an explanation)",
            Answer::Unclear(Why::Question) => "not consent (a question)",
            Answer::Unclear(Why::Reservation) => "not consent (a reservation)",
            Answer::Unclear(Why::NoAgreement) => "not consent (no explicit agreement)",
        })
    }
}

/// The built-in words of one language.
struct Language {
    affirm: &'static [&'static str],
    deny: &'static [&'static str],
    hedge: &'static [&'static str],
    condition: &'static [&'static str],
    wait: &'static [&'static str],
    explain: &'static [&'static str],
    reservation: &'static [&'static str],
    /// First words that make a turn a question.
    asks: &'static [&'static str],
    /// First words that make a turn a question when the next word is one of `subjects`.
    auxiliaries: &'static [&'static str],
    subjects: &'static [&'static str],
}

const ENGLISH: Language = Language {
    affirm: &[
        "yes",
        "yeah",
        "yep",
        "yup",
        "yes please",
        "sure",
        "ok",
        "okay",
        "alright",
        "all right",
        "absolutely",
        "definitely",
        "certainly",
        "of course",
        "correct",
        "right",
        "that's right",
        "that is right",
        "affirmative",
        "go ahead",
        "go for it",
        "do it",
        "please do",
        "let's do it",
        "sounds good",
        "sounds great",
        "that works",
        "works for me",
        "i agree",
        "agreed",
        "that's fine",
        "that is fine",
        "fine by me",
        "i'd like that",
        "i would like that",
    ],
    deny: &[
        "no",
        "nope",
        "nah",
        "not",
        "don't",
        "dont",
        "do not",
        "never",
        "cancel",
        "stop",
        "rather not",
        "negative",
        "decline",
    ],
    hedge: &[
        "maybe",
        "perhaps",
        "possibly",
        "probably",
        "i guess",
        "i suppose",
        "i think",
        "not sure",
        "unsure",
        "not certain",
        "i don't know",
        "i dont know",
        "dunno",
        "kind of",
        "sort of",
        "let me think",
        "think about it",
    ],
    condition: &[
        "if",
        "only if",
        "unless",
        "as long as",
        "provided",
        "providing",
        "assuming",
        "depends",
        "on condition",
    ],
    wait: &[
        "wait",
        "hold on",
        "hang on",
        "hold off",
        "one moment",
        "a moment",
        "one sec",
        "one second",
        "just a second",
        "a minute",
        "not yet",
        "later",
        "let me check",
        "let me ask",
    ],
    explain: &[
        "explain",
        "tell me more",
        "more about",
        "what would",
        "what does",
        "what do you mean",
        "what's that",
        "what is that",
        "mean for",
        "how much",
        "clarify",
    ],
    reservation: &["but", "although", "though", "except", "however"],
    asks: &[
        "what", "what's", "whats", "why", "how", "how's", "when", "where", "who", "which", "whose",
        "whom", "was",
    ],
    auxiliaries: &[
        "can", "could", "would", "will", "is", "are", "does", "did", "do", "should", "shall",
        "may", "might", "has", "have", "am", "were", "isn't", "won't", "wouldn't",
    ],
    subjects: &[
        "you", "i", "we", "they", "he", "she", "it", "that", "this", "there", "the", "my", "your",
        "these", "those",
    ],
};

const FRENCH: Language = Language {
    affirm: &[
        "oui",
        "ouais",
        "d'accord",
        "bien sûr",
        "allez-y",
        "vas-y",
        "c'est ça",
        "exactement",
        "volontiers",
        "entendu",
    ],
    deny: &["non", "pas", "jamais", "annulez"],
    hedge: &[
        "peut-être",
        "je pense",
        "je crois",
        "je ne sais pas",
        "pas sûr",
        "pas sûre",
    ],
    condition: &[
        "seulement si",
        "sauf si",
        "à condition",
        "si c'est",
        "si ça",
        "si vous",
        "si tu",
        "si on",
        "s'il",
        "ça dépend",
    ],
    wait: &[
        "attendez",
        "attends",
        "un instant",
        "un moment",
        "pas encore",
        "plus tard",
    ],
    explain: &[
        "expliquez",
        "explique",
        "expliquer",
        "c'est quoi",
        "qu'est-ce",
    ],
    reservation: &["mais"],
    asks: &[
        "pourquoi",
        "comment",
        "combien",
        "quand",
        "quel",
        "quelle",
        "quoi",
        "est-ce",
        "qu'est-ce",
    ],
    auxiliaries: &[],
    subjects: &[],
};

const SPANISH: Language = Language {
    affirm: &[
        "sí",
        "si",
        "claro",
        "vale",
        "adelante",
        "de acuerdo",
        "correcto",
        "por supuesto",
        "hágalo",
        "hazlo",
    ],
    deny: &["no", "nunca", "nada", "cancela", "cancele"],
    hedge: &[
        "quizás",
        "quizá",
        "tal vez",
        "a lo mejor",
        "no sé",
        "no estoy seguro",
        "no estoy segura",
    ],
    condition: &[
        "solo si",
        "sólo si",
        "si es",
        "siempre que",
        "a menos que",
        "depende",
    ],
    wait: &["espera", "espere", "un momento", "todavía no", "más tarde"],
    explain: &["explica", "explique", "explícame", "explíqueme"],
    reservation: &["pero"],
    asks: &[
        "qué", "por qué", "cómo", "cuándo", "cuánto", "cuál", "dónde", "quién",
    ],
    auxiliaries: &[],
    subjects: &[],
};

const GERMAN: Language = Language {
    affirm: &[
        "ja",
        "genau",
        "klar",
        "gerne",
        "gern",
        "richtig",
        "einverstanden",
        "machen sie das",
        "in ordnung",
    ],
    deny: &["nein", "nicht", "kein", "keine", "niemals", "nee"],
    hedge: &[
        "vielleicht",
        "wahrscheinlich",
        "ich glaube",
        "weiß nicht",
        "nicht sicher",
    ],
    condition: &[
        "wenn",
        "falls",
        "nur wenn",
        "sofern",
        "kommt darauf an",
        "es sei denn",
    ],
    wait: &[
        "warte",
        "warten sie",
        "moment",
        "einen moment",
        "noch nicht",
        "später",
    ],
    explain: &["erklären", "erkläre", "was bedeutet"],
    reservation: &["aber"],
    asks: &[
        "warum", "wieso", "weshalb", "wie", "wann", "welche", "welcher", "wo",
    ],
    auxiliaries: &[],
    subjects: &[],
};

/// Every built-in language, by its code (`affirmations`, `denials` and `hedges` in the agent
/// file use the same codes).
const LANGUAGES: [(&str, &Language); 4] = [
    ("en", &ENGLISH),
    ("fr", &FRENCH),
    ("es", &SPANISH),
    ("de", &GERMAN),
];

/// Phrases that hold a negation word but refuse nothing.
const NOT_NEGATIONS: &[&str] = &[
    "no problem",
    "no worries",
    "not a problem",
    "pas de problème",
    "pas de souci",
    "no hay problema",
    "kein problem",
];

/// The lexicon one agent uses: the built-in languages plus the agent file's words.
#[derive(Debug, Clone, Default)]
pub(crate) struct Lexicon {
    affirm: Vec<Vec<String>>,
    deny: Vec<Vec<String>>,
    hedge: Vec<Vec<String>>,
}

impl Lexicon {
    /// The built-in lexicon with the agent's own words, each a map from a language code to
    /// phrases: agreements, refusals and hedges (anything that makes an answer unclear).
    pub(crate) fn new(
        affirmations: &BTreeMap<String, Vec<String>>,
        denials: &BTreeMap<String, Vec<String>>,
        hedges: &BTreeMap<String, Vec<String>>,
    ) -> Self {
        let phrases = |map: &BTreeMap<String, Vec<String>>| {
            map.values()
                .flatten()
                .map(|p| split_words(p))
                .filter(|p| !p.is_empty())
                .collect()
        };
        Self {
            affirm: phrases(affirmations),
            deny: phrases(denials),
            hedge: phrases(hedges),
        }
    }

    /// What `text`, the caller's whole turn, answers to a yes/no question.
    pub(crate) fn classify(&self, text: &str) -> Answer {
        let mut words = split_words(text);
        if words.is_empty() {
            return Answer::Unclear(Why::Empty);
        }
        let builtin = |pick: fn(&Language) -> &'static [&'static str], words: &[String]| {
            LANGUAGES
                .iter()
                .flat_map(|(_, l)| pick(l))
                .any(|p| contains(words, &split_words(p)))
        };
        let own = |list: &[Vec<String>], words: &[String]| list.iter().any(|p| contains(words, p));
        if builtin(|l| l.hedge, &words) || own(&self.hedge, &words) {
            return Answer::Unclear(Why::Hedge);
        }
        if builtin(|l| l.condition, &words) {
            return Answer::Unclear(Why::Condition);
        }
        if builtin(|l| l.wait, &words) {
            return Answer::Unclear(Why::Wait);
        }
        if builtin(|l| l.explain, &words) {
            return Answer::Unclear(Why::Explain);
        }
        if text.contains(['?', '¿']) || asks(&words) {
            return Answer::Unclear(Why::Question);
        }
        for phrase in NOT_NEGATIONS {
            blank(&mut words, &split_words(phrase));
        }
        // The agent's own agreements are read as a whole, so a built-in negation inside one
        // ("cancel" in "cancel it", for an agent whose tool cancels) does not refuse; a
        // negation elsewhere in the turn still does.
        let mut agreed = false;
        for phrase in &self.affirm {
            if contains(&words, phrase) {
                agreed = true;
                blank(&mut words, phrase);
            }
        }
        if builtin(|l| l.deny, &words) || own(&self.deny, &words) {
            return Answer::Deny;
        }
        if builtin(|l| l.reservation, &words) {
            return Answer::Unclear(Why::Reservation);
        }
        if agreed || builtin(|l| l.affirm, &words) {
            return Answer::Affirm;
        }
        Answer::Unclear(Why::NoAgreement)
    }
}

/// Whether the turn opens as a question: a question word, or an auxiliary and its subject.
fn asks(words: &[String]) -> bool {
    LANGUAGES.iter().any(|(_, l)| {
        l.asks.iter().any(|a| starts_with(words, &split_words(a)))
            || (l.auxiliaries.contains(&words[0].as_str())
                && words
                    .get(1)
                    .is_some_and(|w| l.subjects.contains(&w.as_str()))
                // "Do it" agrees; "do you…" asks.
                && !(words[0] == "do" && matches!(words[1].as_str(), "it" | "that" | "this" | "the")))
    })
}

/// Lowercase words, apostrophes and hyphens kept inside words (`d'accord`, `peut-être`), the
/// typographic apostrophe made plain.
fn split_words(text: &str) -> Vec<String> {
    text.to_lowercase()
        .replace('’', "'")
        .split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '-'))
        .map(|w| w.trim_matches(|c| c == '\'' || c == '-'))
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Whether `phrase` occurs in `words` as whole words in a row.
fn contains(words: &[String], phrase: &[String]) -> bool {
    !phrase.is_empty() && words.windows(phrase.len()).any(|w| w == phrase)
}

fn starts_with(words: &[String], phrase: &[String]) -> bool {
    !phrase.is_empty() && words.starts_with(phrase)
}

/// Blanks every occurrence of `phrase` in `words`, so its words match nothing else.
fn blank(words: &mut [String], phrase: &[String]) {
    if phrase.is_empty() || words.len() < phrase.len() {
        return;
    }
    for i in 0..=words.len() - phrase.len() {
        if words[i..i + phrase.len()] == *phrase {
            for w in &mut words[i..i + phrase.len()] {
                w.clear();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lexicon() -> Lexicon {
        Lexicon::new(
            &BTreeMap::from([("en".to_owned(), vec!["make it so".to_owned()])]),
            &BTreeMap::from([("en".to_owned(), vec!["scrap that".to_owned()])]),
            &BTreeMap::from([("fr".to_owned(), vec!["bof".to_owned()])]),
        )
    }

    #[test]
    fn explicit_agreement_in_several_languages_is_consent() {
        let lex = lexicon();
        for yes in [
            "Yes, please.",
            "yes please",
            "yeah go ahead",
            "Sure, do it.",
            "Okay.",
            "Yes, thirty is fine.",
            "Oui, d'accord",
            "Sí, claro",
            "Si, claro",
            "Ja, gerne",
            "Make it so!",
            "Yes, no problem.",
            "That’s right.",
        ] {
            assert_eq!(lex.classify(yes), Answer::Affirm, "{yes}");
        }
    }

    #[test]
    fn anything_short_of_agreement_is_not() {
        let lex = lexicon();
        for (text, answer) in [
            ("", Answer::Unclear(Why::Empty)),
            ("Please.", Answer::Unclear(Why::NoAgreement)),
            ("Thanks!", Answer::Unclear(Why::NoAgreement)),
            (
                "What would that mean for my bill? Please explain first.",
                Answer::Unclear(Why::Explain),
            ),
            ("Please explain first.", Answer::Unclear(Why::Explain)),
            (
                "Sure, but how long until it shows up on my bill?",
                Answer::Unclear(Why::Question),
            ),
            ("How long does it take", Answer::Unclear(Why::Question)),
            ("Can you go ahead", Answer::Unclear(Why::Question)),
            ("Is it free", Answer::Unclear(Why::Question)),
            ("Yes?", Answer::Unclear(Why::Question)),
            ("Maybe.", Answer::Unclear(Why::Hedge)),
            ("I guess so.", Answer::Unclear(Why::Hedge)),
            ("I'm not sure.", Answer::Unclear(Why::Hedge)),
            ("I don't know, yes?", Answer::Unclear(Why::Hedge)),
            ("If it's free, then yes.", Answer::Unclear(Why::Condition)),
            (
                "Only if it's on this bill.",
                Answer::Unclear(Why::Condition),
            ),
            ("Oui, si c'est gratuit.", Answer::Unclear(Why::Condition)),
            (
                "Ja, wenn es kostenlos ist.",
                Answer::Unclear(Why::Condition),
            ),
            (
                "Wait, let me check with my partner first.",
                Answer::Unclear(Why::Wait),
            ),
            ("Hold on.", Answer::Unclear(Why::Wait)),
            ("yes, no wait", Answer::Unclear(Why::Wait)),
            ("Yes, but only thirty.", Answer::Unclear(Why::Reservation)),
            ("No, please don't do that.", Answer::Deny),
            ("No thanks", Answer::Deny),
            ("I don't want that", Answer::Deny),
            ("Absolutely not.", Answer::Deny),
            ("Non merci", Answer::Deny),
            ("Nein.", Answer::Deny),
            ("Yes, scrap that.", Answer::Deny),
            ("Oui… bof.", Answer::Unclear(Why::Hedge)),
        ] {
            assert_eq!(lex.classify(text), answer, "{text:?}");
            assert!(!lex.classify(text).is_consent(), "{text:?}");
        }
    }

    #[test]
    fn do_it_agrees_and_do_you_asks() {
        let lex = lexicon();
        assert_eq!(lex.classify("Do it."), Answer::Affirm);
        assert_eq!(
            lex.classify("Do you need my account number"),
            Answer::Unclear(Why::Question)
        );
    }
}
