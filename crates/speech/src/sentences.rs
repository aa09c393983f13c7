//! Splitting streamed text into sentences, so TTS can start on the first sentence while the
//! model is still writing the rest.

use std::collections::VecDeque;

/// Abbreviations that never end a sentence, lower case, without their final period. "etc." is
/// not here: it often does end one.
const NEVER_LAST: [&str; 27] = [
    "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "mt", "vs", "e.g", "i.e", "cf", "fig",
    "approx", "dept", "gen", "col", "lt", "sgt", "capt", "rev", "hon", "gov", "sen", "rep", "pres",
];

/// Closing quotes and brackets that belong to the sentence they follow: `He said "no."`.
fn is_closer(c: char) -> bool {
    matches!(
        c,
        '"' | '\'' | ')' | ']' | '}' | '\u{201D}' | '\u{2019}' | '\u{00BB}'
    )
}

fn is_terminator(c: char) -> bool {
    matches!(c, '.' | '!' | '?' | '\u{2026}')
}

/// A streaming sentence splitter for TTS: push text deltas as they arrive, pop complete
/// sentences, call [`SentenceSplitter::finish`] at the end of the response.
///
/// A sentence ends at `.`, `!` or `?` (with any closing quotes or brackets) followed by
/// whitespace, or at a line break. A period does not end a sentence when:
///
/// - no whitespace follows it: decimals ("3.5"), "example.com", the inner dots of "e.g.";
/// - the next word starts with a lower-case letter ("approx. five", "3 p.m. tomorrow");
/// - it ends a title or Latin abbreviation ("Dr.", "Mr.", "St.", "e.g.", "i.e.", "vs." …);
/// - it follows a single letter, an initial ("J. R. R. Tolkien");
/// - it ends a number that starts the sentence, a list item ("1. Unplug the modem").
///
/// Ellipses ("..." or "…") never end a sentence. Since the word after a period decides, a
/// sentence is released once the first character of the next one has arrived (or at
/// [`finish`](SentenceSplitter::finish)).
///
/// Sentences come out with the whitespace around them trimmed and nothing else changed: joining
/// them with single spaces gives the input with its runs of whitespace (including line breaks)
/// between sentences collapsed; the words are the same and in the same order.
///
/// ```
/// use switchboard_speech::SentenceSplitter;
///
/// let mut splitter = SentenceSplitter::new();
/// splitter.push("Dr. Smith charged $3.5");
/// splitter.push("0 at 3 p.m. today. Want the");
/// assert_eq!(splitter.poll_sentence().as_deref(), Some("Dr. Smith charged $3.50 at 3 p.m. today."));
/// assert_eq!(splitter.poll_sentence(), None);
/// splitter.push(" details?");
/// splitter.finish();
/// assert_eq!(splitter.poll_sentence().as_deref(), Some("Want the details?"));
/// ```
#[derive(Clone, Debug, Default)]
pub struct SentenceSplitter {
    /// Text not yet emitted; starts at the beginning of the current sentence.
    buffer: String,
    /// Where scanning resumes: no sentence ends before this byte of `buffer`.
    scanned: usize,
    ready: VecDeque<String>,
}

enum Scan {
    /// A sentence is `buffer[..end]`; the next starts at `next`.
    Boundary { end: usize, next: usize },
    /// The text from `resume` on cannot be decided until more arrives.
    Wait { resume: usize },
    /// No sentence ends in the buffer yet.
    Nothing,
}

impl SentenceSplitter {
    /// An empty splitter.
    #[must_use]
    pub fn new() -> SentenceSplitter {
        SentenceSplitter::default()
    }

    /// Appends a text delta; any sentences it completes become available from
    /// [`poll_sentence`](SentenceSplitter::poll_sentence).
    pub fn push(&mut self, delta: &str) {
        self.buffer.push_str(delta);
        loop {
            match scan(&self.buffer, self.scanned) {
                Scan::Boundary { end, next } => {
                    let sentence = self.buffer[..end].trim();
                    if !sentence.is_empty() {
                        self.ready.push_back(sentence.to_owned());
                    }
                    self.buffer.drain(..next);
                    self.scanned = 0;
                }
                Scan::Wait { resume } => {
                    self.scanned = resume;
                    break;
                }
                Scan::Nothing => {
                    self.scanned = self.buffer.len();
                    break;
                }
            }
        }
    }

    /// The next complete sentence, oldest first.
    #[must_use]
    pub fn poll_sentence(&mut self) -> Option<String> {
        self.ready.pop_front()
    }

    /// Ends the text: whatever is left becomes the last sentence (if it is not blank), ready for
    /// [`poll_sentence`](SentenceSplitter::poll_sentence). The splitter can then be reused.
    pub fn finish(&mut self) {
        let rest = self.buffer.trim();
        if !rest.is_empty() {
            self.ready.push_back(rest.to_owned());
        }
        self.buffer.clear();
        self.scanned = 0;
    }
}

fn char_at(s: &str, i: usize) -> Option<char> {
    s.get(i..).and_then(|rest| rest.chars().next())
}

fn scan(buf: &str, from: usize) -> Scan {
    let mut pos = from;
    while let Some(c) = char_at(buf, pos) {
        if c == '\n' {
            return Scan::Boundary {
                end: pos,
                next: pos + 1,
            };
        }
        if !is_terminator(c) {
            pos += c.len_utf8();
            continue;
        }
        let run_start = pos;
        let mut end = pos;
        while let Some(t) = char_at(buf, end).filter(|&t| is_terminator(t)) {
            end += t.len_utf8();
        }
        let run_end = end;
        while let Some(q) = char_at(buf, end).filter(|&q| is_closer(q)) {
            end += q.len_utf8();
        }
        let Some(after) = char_at(buf, end) else {
            return Scan::Wait { resume: run_start };
        };
        if !after.is_whitespace() {
            pos = end;
            continue;
        }
        let next = buf[end..]
            .find(|c: char| !c.is_whitespace())
            .map(|offset| end + offset);
        let Some(next) = next else {
            return Scan::Wait { resume: run_start };
        };
        let Some(next_char) = char_at(buf, next) else {
            return Scan::Wait { resume: run_start };
        };
        let line_break = buf[end..next].contains('\n');
        if line_break || ends_sentence(buf, run_start, &buf[run_start..run_end], next_char) {
            return Scan::Boundary { end, next };
        }
        pos = next;
    }
    Scan::Nothing
}

fn ends_sentence(buf: &str, run_start: usize, run: &str, next: char) -> bool {
    if run.contains(['!', '?']) {
        return true;
    }
    if run != "." {
        return false; // an ellipsis
    }
    if next.is_lowercase() {
        return false;
    }
    let before = &buf[..run_start];
    let word_start = before.rfind(char::is_whitespace).map_or(0, |i| {
        i + before[i..].chars().next().map_or(1, char::len_utf8)
    });
    let word =
        before[word_start..].trim_start_matches(['(', '[', '"', '\'', '\u{201C}', '\u{2018}']);
    let lower = word.to_lowercase();
    if NEVER_LAST.contains(&lower.as_str()) {
        return false;
    }
    let mut letters = word.chars();
    if letters.next().is_some_and(char::is_alphabetic) && letters.next().is_none() {
        return false; // an initial
    }
    let starts_sentence = before[..word_start].trim().is_empty();
    if starts_sentence && !word.is_empty() && word.chars().all(|c| c.is_ascii_digit()) {
        return false; // a numbered list item
    }
    true
}
