//! Pronunciations for a TTS engine: "say `sequel` for `SQL`".

use std::cmp::Reverse;
use std::collections::BTreeMap;

use crate::markup::escape_into;

/// A pronunciation lexicon: terms and what to say for each, applied to whole words.
///
/// A term matches only where it stands as a whole word (the characters on either side are not
/// letters, digits or `_`), with the same case, so "SQL" is not found in "PostgreSQL",
/// "MySQL" or "sql". Where several terms start at the same place, the longest wins ("SQL
/// Server" before "SQL"). Replacements are not searched again.
///
/// ```
/// use switchboard_speech::Lexicon;
///
/// let lexicon = Lexicon::new().with("SQL", "sequel").with("PostgreSQL", "post-gress");
/// assert_eq!(lexicon.apply("PostgreSQL speaks SQL."), "post-gress speaks sequel.");
/// assert_eq!(
///     lexicon.to_ssml("SQL & more"),
///     r#"<speak><sub alias="sequel">SQL</sub> &amp; more</speak>"#,
/// );
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Lexicon {
    entries: BTreeMap<String, String>,
    /// Terms longest first (ties in byte order), so the first match at a position is the longest.
    order: Vec<String>,
}

impl Lexicon {
    /// An empty lexicon.
    #[must_use]
    pub fn new() -> Lexicon {
        Lexicon::default()
    }

    /// Adds or replaces a term and returns the lexicon, for building one in an expression.
    #[must_use]
    pub fn with(mut self, term: impl Into<String>, say: impl Into<String>) -> Lexicon {
        self.insert(term, say);
        self
    }

    /// Adds or replaces a term, returning what it said before. An empty term is ignored (it would
    /// match everywhere) and returns `None`.
    pub fn insert(&mut self, term: impl Into<String>, say: impl Into<String>) -> Option<String> {
        let term = term.into();
        if term.is_empty() {
            return None;
        }
        let previous = self.entries.insert(term.clone(), say.into());
        if previous.is_none() {
            let key = (Reverse(term.len()), term.as_str());
            let at = self
                .order
                .partition_point(|t| (Reverse(t.len()), t.as_str()) < key);
            self.order.insert(at, term);
        }
        previous
    }

    /// What to say for `term`, if it is in the lexicon.
    #[must_use]
    pub fn get(&self, term: &str) -> Option<&str> {
        self.entries.get(term).map(String::as_str)
    }

    /// The number of terms.
    #[must_use]
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are no terms.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The terms and their pronunciations, in byte order of the terms.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.entries.iter().map(|(t, s)| (t.as_str(), s.as_str()))
    }

    /// The text with every term replaced by what to say: for engines without SSML, or for
    /// rewriting text that the realtime model will read aloud.
    #[must_use]
    pub fn apply(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        self.walk(text, |piece| match piece {
            Piece::Text(text) => out.push_str(text),
            Piece::Term(_, say) => out.push_str(say),
        });
        out
    }

    /// The text as an SSML document for espeak-ng (run it with `-m`): `<speak>` around the text,
    /// each term as `<sub alias="say">term</sub>`, and `& < > " '` escaped everywhere.
    #[must_use]
    pub fn to_ssml(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len() + 16);
        out.push_str("<speak>");
        self.walk(text, |piece| match piece {
            Piece::Text(text) => escape_into(text, &mut out),
            Piece::Term(term, say) => {
                out.push_str("<sub alias=\"");
                escape_into(say, &mut out);
                out.push_str("\">");
                escape_into(term, &mut out);
                out.push_str("</sub>");
            }
        });
        out.push_str("</speak>");
        out
    }

    /// Calls `emit` with the text between matches and with each match, in order.
    fn walk<'a>(&'a self, text: &'a str, mut emit: impl FnMut(Piece<'a>)) {
        let mut copied = 0;
        let mut pos = 0;
        let mut previous: Option<char> = None;
        while pos < text.len() {
            let rest = &text[pos..];
            if !previous.is_some_and(is_word_char) {
                let found = self.order.iter().find(|term| {
                    rest.starts_with(term.as_str())
                        && !rest[term.len()..].chars().next().is_some_and(is_word_char)
                });
                if let Some(term) = found {
                    if copied < pos {
                        emit(Piece::Text(&text[copied..pos]));
                    }
                    let say = self.entries.get(term).map_or("", String::as_str);
                    emit(Piece::Term(term, say));
                    pos += term.len();
                    copied = pos;
                    previous = term.chars().next_back();
                    continue;
                }
            }
            let Some(c) = rest.chars().next() else { break };
            previous = Some(c);
            pos += c.len_utf8();
        }
        if copied < text.len() {
            emit(Piece::Text(&text[copied..]));
        }
    }
}

impl<T: Into<String>, S: Into<String>> FromIterator<(T, S)> for Lexicon {
    fn from_iter<I: IntoIterator<Item = (T, S)>>(iter: I) -> Lexicon {
        let mut lexicon = Lexicon::new();
        for (term, say) in iter {
            lexicon.insert(term, say);
        }
        lexicon
    }
}

enum Piece<'a> {
    Text(&'a str),
    Term(&'a str, &'a str),
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}
