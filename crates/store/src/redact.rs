//! Redaction of phone numbers, card numbers and email addresses in stored text.
//!
//! The rules favour redacting too much over keeping too much: a transcript with an order number
//! hidden is a nuisance, one with a card number in it is an incident. They are written for the
//! text of transcripts (what a speech model writes down), not for arbitrary documents.
//!
//! - **Emails**: `local@domain.tld` with an ASCII local part and a dotted domain whose last
//!   label has two or more letters. Spoken forms ("jane at example dot com") are not recognised.
//! - **Numbers**: a *number* is a run of digit groups, where a group is digits (`415`) or a
//!   spelled digit (`four`, `oh`), and groups are joined by up to three of ` `, `-`, `.`, `(`,
//!   `)`, `,` (so `(415) 555-0123`, `415.555.0123`, `4-1-5, 5-5-5, 0-1-2-3` and `four one five
//!   …` are each one number), optionally after a `+`. A run glued to letters (`A1234567`,
//!   `550e8400-e29b-41d4-a716-446655440000`), written right after a currency sign (`$1234567`)
//!   or shaped like a date (`2026-11-24`, `24.11.2026`) is not a number.
//! - A number of **13 to 19 digits** is a **card** number when it passes the Luhn check, and
//!   also when it has 16 to 19 digits and fails it (a misheard digit must not leak the other
//!   fifteen). Written with a leading `+`, it is a phone number instead.
//! - Any other number of **7 or more digits** is a **phone** number. Shorter ones (times,
//!   prices, "60 minutes", house numbers) are kept.

use std::borrow::Cow;

use serde::Serialize;
use serde_json::Value;

/// What to redact before a record is written. All off by default: nothing is redacted.
///
/// Agents choose this in their agent file (`records.redact`); the gateway maps it here.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Redaction {
    /// Replace phone numbers with `[phone]`.
    pub phone_numbers: bool,
    /// Replace card numbers with `[card]`.
    pub card_numbers: bool,
    /// Replace email addresses with `[email]`.
    pub emails: bool,
}

const PHONE: &str = "[phone]";
const CARD: &str = "[card]";
const EMAIL: &str = "[email]";

impl Redaction {
    /// Everything on.
    pub const ALL: Redaction = Redaction {
        phone_numbers: true,
        card_numbers: true,
        emails: true,
    };

    /// True when nothing is redacted.
    pub fn is_off(&self) -> bool {
        !(self.phone_numbers || self.card_numbers || self.emails)
    }

    /// `text` with what this redaction covers replaced by `[phone]`, `[card]` or `[email]`.
    /// Borrows when nothing was replaced.
    pub fn redact<'a>(&self, text: &'a str) -> Cow<'a, str> {
        if self.is_off() {
            return Cow::Borrowed(text);
        }
        let text = if self.emails {
            replace(text, email_spans(text))
        } else {
            Cow::Borrowed(text)
        };
        if !(self.phone_numbers || self.card_numbers) {
            return text;
        }
        let spans: Vec<(usize, usize, &'static str)> = number_spans(&text)
            .into_iter()
            .filter_map(|(start, end, kind)| match kind {
                Kind::Phone if self.phone_numbers => Some((start, end, PHONE)),
                Kind::Card if self.card_numbers => Some((start, end, CARD)),
                _ => None,
            })
            .collect();
        if spans.is_empty() {
            return text;
        }
        Cow::Owned(replace(&text, spans).into_owned())
    }

    /// A copy of `value` with every string in it redacted (object keys are kept), and integers
    /// that are phone or card numbers replaced by the `[phone]` / `[card]` string.
    pub fn redact_json(&self, value: &Value) -> Value {
        if self.is_off() {
            return value.clone();
        }
        match value {
            Value::String(s) => Value::String(self.redact(s).into_owned()),
            Value::Number(n) if n.is_u64() || n.is_i64() => {
                let digits = n.to_string();
                match self.redact(&digits) {
                    Cow::Borrowed(_) => value.clone(),
                    Cow::Owned(redacted) => Value::String(redacted),
                }
            }
            Value::Array(items) => {
                Value::Array(items.iter().map(|v| self.redact_json(v)).collect())
            }
            Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(k, v)| (k.clone(), self.redact_json(v)))
                    .collect(),
            ),
            Value::Null | Value::Bool(_) | Value::Number(_) => value.clone(),
        }
    }
}

/// `text` with each `(start, end, replacement)` span replaced. Spans are in order and disjoint.
fn replace<'a>(text: &'a str, spans: Vec<(usize, usize, &'static str)>) -> Cow<'a, str> {
    if spans.is_empty() {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for (start, end, with) in spans {
        out.push_str(&text[at..start]);
        out.push_str(with);
        at = end;
    }
    out.push_str(&text[at..]);
    Cow::Owned(out)
}

fn is_local_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || b"._%+_-".contains(&c)
}

fn is_domain_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'.' || c == b'-'
}

/// Byte spans of email addresses.
fn email_spans(text: &str) -> Vec<(usize, usize, &'static str)> {
    let bytes = text.as_bytes();
    let mut spans = Vec::new();
    let mut from = 0;
    for (at, _) in text.match_indices('@') {
        if at < from {
            continue;
        }
        let mut start = at;
        while start > from && is_local_char(bytes[start - 1]) {
            start -= 1;
        }
        while start < at && bytes[start] == b'.' {
            start += 1;
        }
        let mut end = at + 1;
        while end < bytes.len() && is_domain_char(bytes[end]) {
            end += 1;
        }
        while end > at + 1 && matches!(bytes[end - 1], b'.' | b'-') {
            end -= 1;
        }
        let domain = &text[at + 1..end];
        let labels: Vec<&str> = domain.split('.').collect();
        let tld_ok = labels
            .last()
            .is_some_and(|tld| tld.len() >= 2 && tld.bytes().all(|b| b.is_ascii_alphabetic()));
        if start < at && labels.len() >= 2 && labels.iter().all(|l| !l.is_empty()) && tld_ok {
            spans.push((start, end, EMAIL));
            from = end;
        }
    }
    spans
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Phone,
    Card,
}

/// A word of the text: a maximal run of alphanumeric characters or `_`.
struct Word {
    start: usize,
    end: usize,
    /// Its digits, when the word is all ASCII digits or a spelled digit.
    digits: Option<Vec<u8>>,
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

fn spelled_digit(word: &str) -> Option<u8> {
    const NAMES: [(&str, u8); 12] = [
        ("zero", 0),
        ("oh", 0),
        ("o", 0),
        ("one", 1),
        ("two", 2),
        ("three", 3),
        ("four", 4),
        ("five", 5),
        ("six", 6),
        ("seven", 7),
        ("eight", 8),
        ("nine", 9),
    ];
    NAMES
        .iter()
        .find(|(name, _)| word.eq_ignore_ascii_case(name))
        .map(|&(_, d)| d)
}

fn words(text: &str) -> Vec<Word> {
    let mut out = Vec::new();
    let mut start = None;
    let mut push = |start: usize, end: usize| {
        let word = &text[start..end];
        let digits = if word.bytes().all(|b| b.is_ascii_digit()) {
            Some(word.bytes().map(|b| b - b'0').collect())
        } else {
            spelled_digit(word).map(|d| vec![d])
        };
        out.push(Word { start, end, digits });
    };
    for (i, c) in text.char_indices() {
        match (start, is_word_char(c)) {
            (None, true) => start = Some(i),
            (Some(s), false) => {
                push(s, i);
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        push(s, text.len());
    }
    out
}

/// Whether the text between two digit groups joins them into one number. A comma joins only
/// with a space after it: `1,234,567` is a count, `415, 555, 0123` a readback.
fn joins(gap: &str) -> bool {
    !gap.is_empty()
        && gap.len() <= 3
        && !gap.ends_with(',')
        && gap.bytes().all(|b| b" -.(),".contains(&b))
}

/// Whether the text between a word and a digit group glues them (`A-123`, `v1.2`): no space.
fn glued(gap: &str) -> bool {
    gap.is_empty() || (gap.len() == 1 && b"-./".contains(&gap.as_bytes()[0]))
}

/// Byte spans of phone and card numbers.
fn number_spans(text: &str) -> Vec<(usize, usize, Kind)> {
    let words = words(text);
    let mut spans = Vec::new();
    let mut i = 0;
    while i < words.len() {
        if words[i].digits.is_none() {
            i += 1;
            continue;
        }
        // The chain of digit groups starting at word i.
        let mut j = i;
        while j + 1 < words.len()
            && words[j + 1].digits.is_some()
            && joins(&text[words[j].end..words[j + 1].start])
        {
            j += 1;
        }
        let glued_before = i > 0
            && words[i - 1].digits.is_none()
            && glued(&text[words[i - 1].end..words[i].start]);
        let glued_after = j + 1 < words.len()
            && words[j + 1].digits.is_none()
            && glued(&text[words[j].end..words[j + 1].start]);
        let chain = &words[i..=j];
        let money = text[..chain[0].start]
            .chars()
            .next_back()
            .is_some_and(|c| "$€£¥".contains(c));
        if !(glued_before || glued_after || money) {
            spans.extend(chain_spans(text, chain));
        }
        i = j + 1;
    }
    spans
}

/// The numbers in a chain of digit groups, with dates cut out.
fn chain_spans(text: &str, chain: &[Word]) -> Vec<(usize, usize, Kind)> {
    let mut spans = Vec::new();
    let mut segment_start = 0;
    let mut k = 0;
    while k < chain.len() {
        if k + 3 <= chain.len() && is_date(text, &chain[k..k + 3]) {
            spans.extend(segment_span(text, &chain[segment_start..k]));
            k += 3;
            segment_start = k;
        } else {
            k += 1;
        }
    }
    spans.extend(segment_span(text, &chain[segment_start..]));
    spans
}

/// `2026-11-24`, `24.11.2026`, `11-24-2026`: written digits, one `-` or `.` between them.
fn is_date(text: &str, groups: &[Word]) -> bool {
    let sep1 = &text[groups[0].end..groups[1].start];
    let sep2 = &text[groups[1].end..groups[2].start];
    if sep1 != sep2 || !(sep1 == "-" || sep1 == ".") {
        return false;
    }
    let written = |w: &Word| text[w.start..w.end].bytes().all(|b| b.is_ascii_digit());
    if !groups.iter().all(written) {
        return false;
    }
    let value = |w: &Word| text[w.start..w.end].parse::<u32>().unwrap_or(u32::MAX);
    let len = |w: &Word| w.end - w.start;
    let day_month =
        |a: u32, b: u32| (1..=31).contains(&a) && (1..=31).contains(&b) && (a <= 12 || b <= 12);
    let short = |w: &Word| (1..=2).contains(&len(w));
    (len(&groups[0]) == 4
        && short(&groups[1])
        && short(&groups[2])
        && day_month(value(&groups[1]), value(&groups[2])))
        || (short(&groups[0])
            && short(&groups[1])
            && len(&groups[2]) == 4
            && day_month(value(&groups[0]), value(&groups[1])))
}

fn segment_span(text: &str, groups: &[Word]) -> Option<(usize, usize, Kind)> {
    let (first, last) = (groups.first()?, groups.last()?);
    let digits: Vec<u8> = groups
        .iter()
        .flat_map(|w| w.digits.iter().flatten().copied())
        .collect();
    let mut start = first.start;
    if text[..start].ends_with('(') {
        start -= 1;
    }
    let plus = text[..start].ends_with('+');
    if plus {
        start -= 1;
    }
    let n = digits.len();
    let kind = if n < 7 {
        return None;
    } else if !plus && (13..=19).contains(&n) && (luhn(&digits) || n >= 16) {
        Kind::Card
    } else {
        Kind::Phone
    };
    Some((start, last.end, kind))
}

/// The Luhn checksum used by card numbers.
fn luhn(digits: &[u8]) -> bool {
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            let d = u32::from(d);
            if i % 2 == 1 {
                let twice = d * 2;
                if twice > 9 { twice - 9 } else { twice }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn redacts_what_it_should_and_keeps_what_it_should_not() {
        let cases: &[(&str, &str)] = &[
            // Phone numbers, written every way a transcript writes them.
            (
                "call me at 415-555-0123 please",
                "call me at [phone] please",
            ),
            ("(415) 555-0123", "[phone]"),
            ("+1 (415) 555-0123.", "[phone]."),
            ("+1 415 555 0123", "[phone]"),
            ("415.555.0123", "[phone]"),
            ("4155550123", "[phone]"),
            ("+44 20 7946 0958", "[phone]"),
            ("555-0123", "[phone]"),
            (
                "my number is 555 0123, thanks",
                "my number is [phone], thanks",
            ),
            ("4-1-5-5-5-5-0-1-2-3", "[phone]"),
            (
                "That's 4-1-5, 5-5-5, 0-1-2-3, correct?",
                "That's [phone], correct?",
            ),
            ("four one five, five five five, oh one two three", "[phone]"),
            ("Four 1 five 5 5 5 0 1 2 3!", "[phone]!"),
            ("tel:+14155550123", "tel:[phone]"),
            // Card numbers: Luhn-valid 13–19 digits, and 16–19 digits whatever the check says.
            ("card 4111 1111 1111 1111 exp", "card [card] exp"),
            ("4111-1111-1111-1111", "[card]"),
            ("4111111111111111", "[card]"),
            ("378282246310005", "[card]"),
            ("4111 1111 1111 1112", "[card]"),
            ("4222222222222", "[card]"),
            // 13 digits failing Luhn: a phone number (an international one without its +).
            ("0044207946095", "[phone]"),
            // Emails.
            ("jane.doe+billing@example.co.uk.", "[email]."),
            ("<JOHN_SMITH@Mail.Example.com>", "<[email]>"),
            ("a@b.io and c@d.org", "[email] and [email]"),
            // Kept: times, money, short numbers, dates, counts.
            ("at 10:30 or 14:45:00", "at 10:30 or 14:45:00"),
            ("that's $45.20 a month", "that's $45.20 a month"),
            ("$1,234,567.89 owed", "$1,234,567.89 owed"),
            ("$1234567", "$1234567"),
            ("1,234,567 subscribers", "1,234,567 subscribers"),
            ("60 minutes", "60 minutes"),
            ("room 1204, floor 12", "room 1204, floor 12"),
            ("due 2026-11-24", "due 2026-11-24"),
            ("on 24.11.2026 or 11-24-2026", "on 24.11.2026 or 11-24-2026"),
            ("11/24/2026", "11/24/2026"),
            ("2026-11-24 10:30", "2026-11-24 10:30"),
            ("zip 94107", "zip 94107"),
            ("account A-1234567", "account A-1234567"),
            ("order ORD1234567", "order ORD1234567"),
            (
                "id 550e8400-e29b-41d4-a716-446655440000",
                "id 550e8400-e29b-41d4-a716-446655440000",
            ),
            ("call_123456789", "call_123456789"),
            ("one or two things", "one or two things"),
            (
                "not an email: a@b, @home, x@localhost",
                "not an email: a@b, @home, x@localhost",
            ),
            ("", ""),
        ];
        let mut failures = Vec::new();
        for &(input, expected) in cases {
            let got = Redaction::ALL.redact(input);
            if got != expected {
                failures.push(format!("{input:?}: got {got:?}, expected {expected:?}"));
            }
        }
        assert!(failures.is_empty(), "\n{}", failures.join("\n"));
    }

    #[test]
    fn each_kind_is_redacted_only_when_asked() {
        let text = "415-555-0123 / 4111 1111 1111 1111 / jane@example.com";
        let only = |r: Redaction| r.redact(text).into_owned();
        assert_eq!(only(Redaction::default()), text);
        assert_eq!(
            only(Redaction {
                phone_numbers: true,
                ..Redaction::default()
            }),
            "[phone] / 4111 1111 1111 1111 / jane@example.com"
        );
        assert_eq!(
            only(Redaction {
                card_numbers: true,
                ..Redaction::default()
            }),
            "415-555-0123 / [card] / jane@example.com"
        );
        assert_eq!(
            only(Redaction {
                emails: true,
                ..Redaction::default()
            }),
            "415-555-0123 / 4111 1111 1111 1111 / [email]"
        );
    }

    #[test]
    fn nothing_to_redact_borrows() {
        assert!(matches!(
            Redaction::ALL.redact("see you at 10:30"),
            Cow::Borrowed(_)
        ));
        assert!(matches!(
            Redaction::default().redact("415-555-0123"),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn json_strings_and_numbers_are_redacted_keys_are_kept() {
        let value = json!({
            "phone": "415-555-0123",
            "4155550123": [4155550123_u64, 45, {"email": "jane@example.com"}],
            "card": 4111111111111111_u64,
            "amount": 45.2,
            "ok": true,
        });
        assert_eq!(
            Redaction::ALL.redact_json(&value),
            json!({
                "phone": "[phone]",
                "4155550123": ["[phone]", 45, {"email": "[email]"}],
                "card": "[card]",
                "amount": 45.2,
                "ok": true,
            })
        );
    }

    #[test]
    fn any_text_is_handled_without_panics() {
        for text in [
            "+",
            "(",
            "+(",
            "@",
            "é1234567",
            "1234567é",
            "١٢٣٤٥٦٧٨",
            "@@x.io",
            "a@.b.cc",
            "ü@ö.de",
        ] {
            let _ = Redaction::ALL.redact(text);
        }
    }

    #[test]
    fn luhn_checks() {
        assert!(luhn(&[4, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]));
        assert!(!luhn(&[4, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2]));
    }
}
