//! Reading a spoken readback back into characters, to check it against the captured value.

const NATO: [(&str, char); 29] = [
    ("alpha", 'A'),
    ("alfa", 'A'),
    ("bravo", 'B'),
    ("charlie", 'C'),
    ("delta", 'D'),
    ("echo", 'E'),
    ("foxtrot", 'F'),
    ("golf", 'G'),
    ("hotel", 'H'),
    ("india", 'I'),
    ("juliet", 'J'),
    ("juliett", 'J'),
    ("kilo", 'K'),
    ("lima", 'L'),
    ("mike", 'M'),
    ("november", 'N'),
    ("oscar", 'O'),
    ("papa", 'P'),
    ("quebec", 'Q'),
    ("romeo", 'R'),
    ("sierra", 'S'),
    ("tango", 'T'),
    ("uniform", 'U'),
    ("victor", 'V'),
    ("whiskey", 'W'),
    ("whisky", 'W'),
    ("xray", 'X'),
    ("yankee", 'Y'),
    ("zulu", 'Z'),
];

const UNITS: [&str; 10] = [
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
];

const TEENS: [&str; 10] = [
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
];

const TENS: [&str; 8] = [
    "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
];

/// Words that carry nothing in a readback and must not split it ("four one five, uh, five").
const FILLERS: [&str; 5] = ["uh", "um", "er", "erm", "hmm"];

#[derive(Debug)]
struct Token {
    text: String,
    lower: String,
    /// Joined to the previous token by a hyphen and nothing else: "A-B".
    hyphen_before: bool,
    hyphen_after: bool,
}

fn tokenize(text: &str) -> Vec<Token> {
    // "X-ray" is one word, not the letter X followed by "ray".
    let mut normalized = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if rest
            .get(..5)
            .is_some_and(|h| h.eq_ignore_ascii_case("x-ray"))
        {
            normalized.push_str("xray");
            rest = &rest[5..];
        } else {
            normalized.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    let mut tokens: Vec<Token> = Vec::new();
    let mut start = None;
    let mut previous_end = 0;
    let end = std::iter::once((normalized.len(), ' '));
    for (i, c) in normalized.char_indices().chain(end) {
        if c.is_alphanumeric() {
            start.get_or_insert(i);
            continue;
        }
        // "that's", "I'll", "don’t": the letters after an apostrophe belong to the word,
        // not a spelled-out "S" or "LL".
        let apostrophe = matches!(c, '\'' | '’')
            && start.is_some()
            && normalized[i + c.len_utf8()..]
                .chars()
                .next()
                .is_some_and(char::is_alphabetic);
        if apostrophe {
            continue;
        }
        let Some(word_start) = start.take() else {
            continue;
        };
        let hyphen_before = !tokens.is_empty() && &normalized[previous_end..word_start] == "-";
        if let Some(last) = tokens.last_mut().filter(|_| hyphen_before) {
            last.hyphen_after = true;
        }
        let text = normalized[word_start..i].to_owned();
        tokens.push(Token {
            lower: text.to_lowercase(),
            text,
            hyphen_before,
            hyphen_after: false,
        });
        previous_end = i;
    }
    tokens
}

fn unit(word: &str) -> Option<char> {
    match word {
        "oh" | "zero" => Some('0'),
        "niner" => Some('9'),
        _ => UNITS
            .iter()
            .position(|&u| u == word)
            .and_then(|i| char::from_digit(u32::try_from(i).ok()?, 10)),
    }
}

fn teen(word: &str) -> Option<String> {
    TEENS
        .iter()
        .position(|&t| t == word)
        .map(|i| format!("1{i}"))
}

fn tens(word: &str) -> Option<char> {
    TENS.iter()
        .position(|&t| t == word)
        .and_then(|i| char::from_digit(u32::try_from(i + 2).ok()?, 10))
}

fn nato(word: &str) -> Option<char> {
    NATO.iter().find(|(name, _)| *name == word).map(|&(_, c)| c)
}

/// What one token (with the words it takes along) says in a readback.
struct Said {
    chars: String,
    /// Tokens used.
    used: usize,
    /// A single letter, a NATO word, "one" or "oh": also ordinary English ("I", "a", "hotel",
    /// "one moment", "oh, I see"), so it counts only next to other readback characters.
    ambiguous: bool,
}

/// The characters token `i` says, if it is part of a readback at all.
fn said_at(tokens: &[Token], i: usize) -> Option<Said> {
    let token = tokens.get(i)?;
    let lower = token.lower.as_str();
    let next = tokens.get(i + 1).map(|t| t.lower.as_str());
    let digits = |chars: String, used| Said {
        chars,
        used,
        ambiguous: false,
    };
    if let Some(d) = unit(lower) {
        if next == Some("hundred") {
            // "five hundred twelve" is 512, but "eight hundred five five five" is 800 then 555:
            // in a readback the second reading is the usual one ("one eight hundred ...").
            if let Some((two, used)) = two_digits(tokens, i + 2) {
                return Some(digits(format!("{d}{two}"), 2 + used));
            }
            return Some(digits(format!("{d}00"), 2));
        }
        return Some(Said {
            chars: d.to_string(),
            used: 1,
            ambiguous: matches!(lower, "one" | "oh"),
        });
    }
    if let Some((two, used)) = two_digits(tokens, i) {
        return Some(digits(two, used));
    }
    if token.text.chars().all(|c| c.is_ascii_alphanumeric()) {
        let has_digit = token.text.chars().any(|c| c.is_ascii_digit());
        let joined = token.hyphen_before || token.hyphen_after;
        if has_digit || (joined && token.text.len() > 1 && is_caps(&token.text)) {
            return Some(digits(token.text.to_ascii_uppercase(), 1));
        }
        if token.text.len() == 1 {
            return Some(Said {
                chars: token.text.to_ascii_uppercase(),
                used: 1,
                ambiguous: true,
            });
        }
    }
    nato(lower).map(|c| Said {
        chars: c.to_string(),
        used: 1,
        ambiguous: true,
    })
}

fn is_caps(word: &str) -> bool {
    word.chars()
        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
}

/// "twelve" → "12", "thirty-four" / "thirty four" → "34", "twenty" → "20".
fn two_digits(tokens: &[Token], i: usize) -> Option<(String, usize)> {
    let lower = tokens.get(i)?.lower.as_str();
    if let Some(t) = teen(lower) {
        return Some((t, 1));
    }
    let t = tens(lower)?;
    let next = tokens.get(i + 1).map(|t| t.lower.as_str()).unwrap_or("");
    match unit(next).filter(|&u| u != '0') {
        Some(u) => Some((format!("{t}{u}"), 2)),
        None => Some((format!("{t}0"), 1)),
    }
}

/// A readback's characters from what was said: digits and their words, single letters, NATO
/// words and "A as in Alpha", "double"/"triple", in any mix of hyphens, spaces and commas.
///
/// - "five five one", "5-5-1", "5 5 1", "double five one" → "551"; "triple two" → "222".
/// - "oh" and "zero" are 0; "niner" is 9; "twelve" is 12, "thirty-four" is 34, "eight
///   hundred" is 800 (as in "one eight hundred").
/// - "A as in Alpha", "B for Bravo", "C like Charlie" → the letter once; "bravo" → B; a single
///   letter → itself; an all-capital word hyphenated to a readback ("ORD-8842") → its letters.
/// - Everything else is not part of a readback and is skipped: "You said 4-1-5, correct?" →
///   "415". Words that are also ordinary English (single letters, NATO words, "one", "oh")
///   count only next to a digit, a hyphenated or spelled-out letter, or other such words
///   ("A B C", "alpha bravo"), so "plan B is", "hotel", "one moment" are skipped; "a", "I"
///   and "Oh" (capitalised: an interjection) count only when hyphenated ("A-4") or spelled out
///   ("A as in Alpha").
///
/// Letters come back in upper case. Every number in the text is included, so pass the
/// utterance that contains the readback, not a whole conversation.
///
/// ```
/// use switchboard_speech::parse_readback;
///
/// assert_eq!(parse_readback("You said 4-1-5, correct?"), "415");
/// assert_eq!(parse_readback("double five one, A as in Alpha"), "551A");
/// ```
#[must_use]
pub fn parse_readback(text: &str) -> String {
    let tokens = tokenize(text);
    let mut out = String::new();
    // The readback characters since the last ordinary word, and whether any of them is
    // certainly part of a readback.
    let mut run = Run::default();
    let mut i = 0;
    while i < tokens.len() {
        let token = &tokens[i];
        if FILLERS.contains(&token.lower.as_str()) {
            i += 1;
            continue;
        }
        let joined = token.hyphen_before || token.hyphen_after;
        let repeat = match token.lower.as_str() {
            "double" => 2,
            "triple" => 3,
            "quadruple" => 4,
            _ => 1,
        };
        let start = if repeat > 1 { i + 1 } else { i };
        let said = said_at(&tokens, start);
        let Some(said) = said else {
            run.end(&mut out);
            i += 1;
            continue;
        };
        let said_token = &tokens[start];
        let mut used = start - i + said.used;
        let mut certain = repeat > 1 || !said.ambiguous || joined;
        if said.ambiguous && said_token.text.len() == 1 {
            // "A as in Alpha", "B for Bravo", "C like Charlie".
            let after: Vec<&str> = tokens[start + 1..]
                .iter()
                .take(3)
                .map(|t| t.lower.as_str())
                .collect();
            let phrase = match after.as_slice() {
                ["as", "in", _, ..] => 3,
                ["for" | "like", _, ..] => 2,
                _ => 0,
            };
            used += phrase;
            certain |= phrase > 0;
        }
        // The article "a", the pronoun "I" and the interjection "Oh" are words unless something
        // marks them otherwise.
        if !certain && matches!(said_token.text.as_str(), "a" | "I" | "Oh") {
            run.end(&mut out);
            i += used;
            continue;
        }
        for _ in 0..repeat {
            run.chars.push_str(&said.chars);
        }
        run.items += 1;
        run.certain |= certain;
        i += used;
    }
    run.end(&mut out);
    out
}

/// Readback characters between two ordinary words.
#[derive(Default)]
struct Run {
    chars: String,
    items: usize,
    certain: bool,
}

impl Run {
    /// Keeps the run if it is a readback: something in it is certainly one ("4", "A-B",
    /// "double"), or it has several items ("A B C", "alpha bravo", "one one").
    fn end(&mut self, out: &mut String) {
        if self.certain || self.items > 1 {
            out.push_str(&self.chars);
        }
        *self = Run::default();
    }
}

/// What [`readback_matches`] found when comparing a spoken readback with the captured value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Comparison {
    /// Every character was read back, in order, and nothing else.
    Match,
    /// The readback differs; `index` is the 0-based position of the first difference among the
    /// value's letters and digits. `expected` is `None` when the readback is longer than the
    /// value, `heard` is `None` when it is shorter.
    Mismatch {
        /// 0-based position of the first differing character.
        index: usize,
        /// The value's character there, if the value is that long.
        expected: Option<char>,
        /// The readback's character there, if the readback is that long.
        heard: Option<char>,
    },
    /// The spoken text contains no characters at all, so it was not a readback.
    NotAReadback,
}

/// Compares what was said with the value it should have read back.
///
/// The spoken text goes through [`parse_readback`]; the value keeps only its ASCII letters
/// (upper-cased) and digits, so "(415) 555-1234" and "4-1-5, 5-5-5, 1-2-3-4" match. "oh" is
/// always the digit 0, never the letter O.
///
/// ```
/// use switchboard_speech::{Comparison, readback_matches};
///
/// assert_eq!(readback_matches("You said 4-1-5, correct?", "415"), Comparison::Match);
/// assert_eq!(
///     readback_matches("4-1-6", "415"),
///     Comparison::Mismatch { index: 2, expected: Some('5'), heard: Some('6') },
/// );
/// ```
#[must_use]
pub fn readback_matches(spoken: &str, value: &str) -> Comparison {
    let heard = parse_readback(spoken);
    if heard.is_empty() {
        return Comparison::NotAReadback;
    }
    let expected: Vec<char> = value
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let heard: Vec<char> = heard.chars().collect();
    let index = expected
        .iter()
        .zip(&heard)
        .position(|(e, h)| e != h)
        .unwrap_or(expected.len().min(heard.len()));
    if index == expected.len() && index == heard.len() {
        Comparison::Match
    } else {
        Comparison::Mismatch {
            index,
            expected: expected.get(index).copied(),
            heard: heard.get(index).copied(),
        }
    }
}
