//! Rewriting a text reply so that a voice can read it: numbers, money, dates, times, phone
//! numbers and codes become the words a person would say.

use crate::clock::{scan_date, scan_time};
use crate::money::scan_money;
use crate::spell::{Style, spell, spell_phone};
use crate::words::{digits_cardinal, pluralize, scan_numeral, scan_percent, year};

/// Words right before a number that make it an identifier, read digit by digit.
const ID_CUES: [&str; 38] = [
    "account",
    "acct",
    "apartment",
    "apt",
    "card",
    "case",
    "claim",
    "code",
    "confirmation",
    "ending",
    "ends",
    "ext",
    "extension",
    "flight",
    "id",
    "invoice",
    "member",
    "membership",
    "no",
    "number",
    "order",
    "otp",
    "passcode",
    "pin",
    "policy",
    "postcode",
    "ref",
    "reference",
    "routing",
    "serial",
    "sku",
    "ste",
    "suite",
    "ticket",
    "tracking",
    "unit",
    "zip",
    "zipcode",
];

/// Words that may sit between a cue and its number: "account number is 1234", "ending in 42".
const CUE_LINKS: [&str; 4] = ["is", "was", "in", "with"];

/// Words right before a four-digit number that make it a year.
const YEAR_CUES: [&str; 20] = [
    "in", "since", "by", "from", "until", "till", "through", "during", "before", "after", "year",
    "of", "circa", "to", "early", "fy", "q1", "q2", "q3", "q4",
];

const MONTH_NAMES: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

/// A street suffix after a number makes it a street address, whose number is read digit by
/// digit as the guide asks.
const STREET_SUFFIXES: [&str; 30] = [
    "Street",
    "St",
    "Avenue",
    "Ave",
    "Road",
    "Rd",
    "Boulevard",
    "Blvd",
    "Drive",
    "Dr",
    "Lane",
    "Ln",
    "Way",
    "Court",
    "Ct",
    "Place",
    "Pl",
    "Terrace",
    "Parkway",
    "Pkwy",
    "Highway",
    "Hwy",
    "Circle",
    "Cir",
    "Square",
    "Sq",
    "Trail",
    "Plaza",
    "Alley",
    "Crescent",
];

/// Units said in full after a number: (as written, singular, plural).
const UNITS: [(&str, &str, &str); 26] = [
    ("GB", "gigabyte", "gigabytes"),
    ("MB", "megabyte", "megabytes"),
    ("TB", "terabyte", "terabytes"),
    ("KB", "kilobyte", "kilobytes"),
    ("kB", "kilobyte", "kilobytes"),
    ("Gbps", "gigabit per second", "gigabits per second"),
    ("Mbps", "megabit per second", "megabits per second"),
    ("kbps", "kilobit per second", "kilobits per second"),
    ("Kbps", "kilobit per second", "kilobits per second"),
    ("GHz", "gigahertz", "gigahertz"),
    ("MHz", "megahertz", "megahertz"),
    ("km", "kilometer", "kilometers"),
    ("kg", "kilogram", "kilograms"),
    ("lb", "pound", "pounds"),
    ("lbs", "pound", "pounds"),
    ("mph", "mile per hour", "miles per hour"),
    ("mi", "mile", "miles"),
    ("ft", "foot", "feet"),
    ("min", "minute", "minutes"),
    ("mins", "minute", "minutes"),
    ("hr", "hour", "hours"),
    ("hrs", "hour", "hours"),
    ("sec", "second", "seconds"),
    ("secs", "second", "seconds"),
    ("ms", "millisecond", "milliseconds"),
    ("x", "times", "times"),
];

/// A conversion found at some position of the text.
struct Found {
    len: usize,
    words: String,
    /// An amount, time or other quantity: a dash right after it reads as "to" ("3-4 days").
    quantity: bool,
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

fn first_char(s: &str) -> Option<char> {
    s.chars().next()
}

/// Whether a conversion may end where `after` begins: not inside a word, and not before a
/// character that glues it to more of the same token ("1.2.3", "24/7", "123@example.com").
fn clean_end(after: &str) -> bool {
    let mut chars = after.chars();
    match chars.next() {
        None => true,
        Some(c) if is_word_char(c) => false,
        Some('.' | ':' | '/' | '@') => !chars.next().is_some_and(char::is_alphanumeric),
        Some(_) => true,
    }
}

/// Emails and links are left exactly as written: for a chunk of text between whitespace, how
/// much of it to copy unchanged (all but trailing punctuation), if it is one.
fn link_len(chunk: &str) -> Option<usize> {
    let is_link = chunk.contains('@') || chunk.contains("://") || chunk.contains("www.");
    is_link.then(|| {
        chunk
            .trim_end_matches(['.', ',', ';', ':', '!', '?', ')', '"', '\''])
            .len()
    })
}

/// A word with its inner joiners ("hello-world", "v2.5", "24/7"), copied unchanged when no
/// conversion applies so that its tail is not converted on its own.
fn opaque_len(rest: &str) -> usize {
    let mut len = 0;
    let mut chars = rest.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if is_word_char(c) {
            len = i + c.len_utf8();
            continue;
        }
        let joiner = matches!(c, '.' | ':' | '/' | '@' | '-' | '+' | '&' | '\'');
        let glued = chars
            .peek()
            .is_some_and(|&(_, next)| next.is_alphanumeric());
        if len == 0 || !joiner || !glued {
            break;
        }
    }
    len
}

/// How far around a number to look for cue words: far enough for any real word, near enough
/// that a long text without spaces is not scanned again at every number.
const LOOK_AROUND: usize = 64;

/// The text before `pos`, at most [`LOOK_AROUND`] bytes of it, cut at whitespace so that no
/// partial word is left at the front.
fn text_before(text: &str, pos: usize) -> &str {
    let before = &text[..pos];
    let mut start = pos.saturating_sub(LOOK_AROUND);
    while !before.is_char_boundary(start) {
        start += 1;
    }
    if start == 0 {
        return before;
    }
    let window = &before[start..];
    window
        .find(char::is_whitespace)
        .map_or("", |i| &window[i..])
}

/// The text from `pos`, at most [`LOOK_AROUND`] bytes of it, cut at whitespace at the end.
fn text_after(text: &str, pos: usize) -> &str {
    let after = &text[pos..];
    if after.len() <= LOOK_AROUND {
        return after;
    }
    let mut end = LOOK_AROUND;
    while !after.is_char_boundary(end) {
        end -= 1;
    }
    let window = &after[..end];
    window
        .rfind(char::is_whitespace)
        .map_or("", |i| &window[..i])
}

/// The last `n` words before `pos`, nearest first, lower case, without surrounding punctuation.
fn previous_words(text: &str, pos: usize, n: usize) -> Vec<String> {
    text_before(text, pos)
        .split_whitespace()
        .rev()
        .take(n)
        .map(|w| {
            w.trim_matches(|c: char| !c.is_alphanumeric())
                .to_lowercase()
        })
        .collect()
}

fn has_id_cue(text: &str, pos: usize) -> bool {
    let words = previous_words(text, pos, 2);
    match words.as_slice() {
        [prev, ..] if ID_CUES.contains(&prev.as_str()) => true,
        [prev, before, ..] => {
            CUE_LINKS.contains(&prev.as_str()) && ID_CUES.contains(&before.as_str())
        }
        _ => false,
    }
}

fn has_year_cue(text: &str, pos: usize) -> bool {
    direct_year_cue(text, pos) || ends_year_range_start(&text[..pos])
}

fn direct_year_cue(text: &str, pos: usize) -> bool {
    previous_words(text, pos, 1)
        .first()
        .is_some_and(|w| YEAR_CUES.contains(&w.as_str()) || MONTH_NAMES.contains(&w.as_str()))
}

/// "2019-" or "2019–" where 2019 was itself read as a year: "from 2019-2020".
fn ends_year_range_start(before: &str) -> bool {
    let Some(dash) = ['-', '\u{2013}'].into_iter().find(|&d| before.ends_with(d)) else {
        return false;
    };
    let number = &before[..before.len() - dash.len_utf8()];
    let digits = number.bytes().rev().take_while(u8::is_ascii_digit).count();
    let start = number.len() - digits;
    digits == 4 && starts_token(number, start) && direct_year_cue(number, start)
}

/// A five-digit number after a two-capital-letter state code is a ZIP code: "CA 94103".
fn after_state_code(text: &str, pos: usize) -> bool {
    text_before(text, pos)
        .split_whitespace()
        .next_back()
        .map(|w| w.trim_end_matches(','))
        .is_some_and(|w| w.len() == 2 && w.chars().all(|c| c.is_ascii_uppercase()))
}

/// Whether the words after a number name a street: "1234 Main St", "55 West 5th Avenue".
fn is_street_address(after: &str) -> bool {
    if !after.starts_with(' ') {
        return false;
    }
    for word in after.split_whitespace().take(5) {
        let bare = word.trim_end_matches(['.', ',']);
        if STREET_SUFFIXES.contains(&bare) {
            return true;
        }
        let capitalised = bare.starts_with(|c: char| c.is_uppercase());
        if !capitalised && ordinal_suffix_len(bare).is_none() {
            return false;
        }
    }
    false
}

/// For "5th", "21st": the length of the digits if the suffix is right for the number.
fn ordinal_suffix_len(word: &str) -> Option<usize> {
    let digits = word.bytes().take_while(u8::is_ascii_digit).count();
    let suffix = word.get(digits..digits + 2)?;
    let n: u64 = word[..digits].parse().ok()?;
    let expected = match (n % 100, n % 10) {
        (11..=13, _) => "th",
        (_, 1) => "st",
        (_, 2) => "nd",
        (_, 3) => "rd",
        _ => "th",
    };
    suffix.eq_ignore_ascii_case(expected).then_some(digits)
}

fn scan_ordinal(rest: &str) -> Option<(usize, String)> {
    let digits = ordinal_suffix_len(rest)?;
    let n: u64 = rest[..digits].parse().ok()?;
    Some((digits + 2, crate::words::ordinal(n)))
}

/// "1990s" → "nineteen nineties", "'90s" / "90s" → "nineties".
fn scan_decade(rest: &str) -> Option<(usize, String)> {
    let quote = ['\'', '\u{2019}']
        .iter()
        .find(|q| rest.starts_with(**q))
        .map_or(0, |q| q.len_utf8());
    let body = &rest[quote..];
    let digits = body.bytes().take_while(u8::is_ascii_digit).count();
    if !body[digits..].starts_with('s') {
        return None;
    }
    let n: u16 = body[..digits].parse().ok()?;
    let words = match digits {
        2 if n.is_multiple_of(10) && n >= 10 => pluralize(&digits_cardinal(&body[..digits])),
        4 if quote == 0 && n.is_multiple_of(10) => pluralize(&year(n)),
        _ => return None,
    };
    Some((quote + digits + 1, words))
}

fn scan_unit(rest: &str, signed: bool) -> Option<(usize, String)> {
    let numeral = scan_numeral(rest, signed)?;
    let after = &rest[numeral.len..];
    let space = usize::from(after.starts_with(' '));
    let (abbr, one, many) = UNITS.iter().find(|(abbr, _, _)| {
        after[space..].starts_with(abbr)
            && !first_char(&after[space + abbr.len()..]).is_some_and(is_word_char)
    })?;
    // "2 x" is a multiplication sign far less often than a letter in a sentence.
    if *abbr == "x" && space == 1 {
        return None;
    }
    let unit = if numeral.is_one() { one } else { many };
    Some((
        numeral.len + space + abbr.len(),
        format!("{} {unit}", numeral.words()),
    ))
}

/// An identifier mixing letters and digits, with optional inner hyphens: "ORD-8842-XK", "221B".
fn scan_id(rest: &str) -> Option<(usize, String)> {
    let mut len = 0;
    for part in rest.split('-') {
        let alnum = part.bytes().take_while(u8::is_ascii_alphanumeric).count();
        if alnum == 0 {
            break;
        }
        len += if len == 0 { alnum } else { 1 + alnum };
        if alnum < part.len() {
            break;
        }
    }
    let token = &rest[..len];
    let has_digit = token.bytes().any(|b| b.is_ascii_digit());
    let has_letter = token.bytes().any(|b| b.is_ascii_alphabetic());
    // "60-minute", "3-day": a lower-case word after a number is a compound, not a code.
    let compound = token
        .split('-')
        .any(|part| part.len() > 1 && part.bytes().all(|b| b.is_ascii_lowercase()));
    (has_digit && has_letter && !compound).then(|| (len, spell(token, Style::WORDS)))
}

/// Digits in groups that make a phone number, card number or similar: read digit by digit.
fn scan_grouped(rest: &str, may_start_with_plus: bool) -> Option<(usize, String)> {
    let plus = rest.starts_with('+');
    if plus && !may_start_with_plus {
        return None;
    }
    // (end of group, digits in group, in parentheses, separator before it)
    let mut groups: Vec<(usize, usize, bool, Option<char>)> = Vec::new();
    let mut pos = usize::from(plus);
    let mut separator = None;
    loop {
        let (group_end, digits, paren) = if rest[pos..].starts_with('(') {
            let digits = rest[pos + 1..]
                .bytes()
                .take_while(u8::is_ascii_digit)
                .count();
            if digits != 3 || !rest[pos + 1 + digits..].starts_with(')') {
                break;
            }
            (pos + digits + 2, digits, true)
        } else {
            let digits = rest[pos..].bytes().take_while(u8::is_ascii_digit).count();
            if digits == 0 {
                break;
            }
            (pos + digits, digits, false)
        };
        groups.push((group_end, digits, paren, separator));
        pos = group_end;
        let after = &rest[pos..];
        let next_is_group =
            |skip: usize| after[skip..].starts_with(|c: char| c.is_ascii_digit() || c == '(');
        separator = match first_char(after) {
            Some(c @ (' ' | '-' | '.')) if next_is_group(1) => {
                pos += 1;
                Some(c)
            }
            // "(415)555-1234" has no separator after the parentheses.
            _ if paren && next_is_group(0) => None,
            _ => break,
        };
    }
    for count in (1..=groups.len()).rev() {
        let prefix = &groups[..count];
        let sizes: Vec<usize> = prefix.iter().map(|g| g.1).collect();
        let separators: Vec<Option<char>> = prefix.iter().skip(1).map(|g| g.3).collect();
        let uniform = |c: char| separators.iter().all(|&s| s == Some(c));
        let total: usize = sizes.iter().sum();
        let has_paren = prefix.iter().any(|g| g.2);
        let accepted = if plus {
            (7..=15).contains(&total)
        } else if has_paren {
            matches!(sizes.as_slice(), [3, 3, 4] | [1, 3, 3, 4])
                && prefix.iter().position(|g| g.2) == Some(sizes.len() - 3)
        } else {
            let nanp = matches!(sizes.as_slice(), [3, 3, 4] | [1, 3, 3, 4])
                && (uniform('-') || uniform('.') || uniform(' '));
            let local = sizes == [3, 4]
                && (uniform('-') || uniform('.'))
                && rest.starts_with(|c: char| ('2'..='9').contains(&c));
            let dashed_id = sizes.len() >= 3 && total >= 6 && uniform('-');
            let card = sizes.len() >= 3 && sizes.iter().all(|&s| s == 4) && uniform(' ');
            let zip_plus_four = sizes == [5, 4] && uniform('-');
            nanp || local || dashed_id || card || zip_plus_four
        };
        let end = prefix[count - 1].0;
        if accepted && clean_end(&rest[end..]) {
            return Some((end, spell_phone(&rest[..end], Style::WORDS)));
        }
    }
    None
}

fn scan_number(text: &str, pos: usize, signed: bool) -> Option<Found> {
    let rest = &text[pos..];
    let hash =
        usize::from(rest.starts_with('#') && rest[1..].starts_with(|c: char| c.is_ascii_digit()));
    let numeral = scan_numeral(&rest[hash..], signed && hash == 0)?;
    let len = hash + numeral.len;
    let plain = !numeral.negative && !numeral.grouped && numeral.frac.is_none();
    let digits = numeral.int.as_str();
    let spelled = |words: String| Found {
        len,
        words,
        quantity: false,
    };
    if !plain || digits.is_empty() {
        let words = numeral.words();
        return Some(if hash == 1 {
            spelled(format!("number {words}"))
        } else {
            Found {
                len,
                words,
                quantity: true,
            }
        });
    }
    if hash == 1 {
        return Some(spelled(format!(
            "number {}",
            spell_phone(digits, Style::WORDS)
        )));
    }
    if is_street_address(text_after(text, pos + len)) {
        return Some(spelled(spell(digits, Style::WORDS)));
    }
    let zip = digits.len() == 5 && after_state_code(text, pos);
    let leading_zero = digits.len() > 1 && digits.starts_with('0');
    if zip || leading_zero || digits.len() >= 7 || has_id_cue(text, pos) {
        return Some(spelled(spell_phone(digits, Style::WORDS)));
    }
    let words = match digits.parse::<u16>() {
        Ok(y) if digits.len() == 4 && (1000..=2999).contains(&y) && has_year_cue(text, pos) => {
            year(y)
        }
        _ => digits_cardinal(digits),
    };
    Some(Found {
        len,
        words,
        quantity: true,
    })
}

/// Tries every conversion at `pos`, most specific first.
fn convert(text: &str, pos: usize) -> Option<Found> {
    let rest = &text[pos..];
    let before = text[..pos].chars().next_back();
    // A sign or "+" only starts a number after a space or bracket: "5-3" is not "5, minus 3".
    let signed = before.is_none_or(|c| c.is_whitespace() || c == '(');
    let quantity = |(len, words): (usize, String)| Found {
        len,
        words,
        quantity: true,
    };
    let identifier = |(len, words): (usize, String)| Found {
        len,
        words,
        quantity: false,
    };
    let found = scan_money(rest, signed)
        .map(quantity)
        .or_else(|| scan_date(rest).map(quantity))
        .or_else(|| scan_grouped(rest, signed).map(identifier))
        .or_else(|| scan_time(rest).map(quantity))
        .or_else(|| scan_percent(rest, signed).map(quantity))
        .or_else(|| scan_decade(rest).map(identifier))
        .or_else(|| scan_ordinal(rest).map(quantity))
        .or_else(|| scan_unit(rest, signed).map(quantity))
        .or_else(|| scan_id(rest).map(identifier))
        .or_else(|| scan_number(text, pos, signed))?;
    clean_end(&rest[found.len..]).then_some(found)
}

/// Whether a conversion may start at `pos`: not inside a word, a number or a dotted name.
fn starts_token(text: &str, pos: usize) -> bool {
    !text[..pos]
        .chars()
        .next_back()
        .is_some_and(|c| is_word_char(c) || matches!(c, '.' | '@' | '\\'))
}

/// A dash between two quantities reads as "to": "3-4 days", "10am–12pm", "$10-$20".
fn range_dash(after: &str) -> Option<usize> {
    let dash = ['-', '\u{2013}']
        .into_iter()
        .find(|&d| after.starts_with(d))?;
    let next = first_char(&after[dash.len_utf8()..])?;
    let currency = matches!(next, '$' | '€' | '£' | '¥' | '₹');
    (next.is_ascii_digit() || currency).then_some(dash.len_utf8())
}

/// Rewrites a text reply (from a supervisor model, a tool, a template) into what a voice should
/// say, following the guide's "read numbers for speech" rules. Everything that is not a
/// number is left exactly as written.
///
/// | written | said |
/// |---|---|
/// | `$45.20`, `32,323,232 AUD`, `€1`, `$1.5 million` | [`money`](crate::money): "forty-five dollars and twenty cents" … |
/// | `(415) 555-1234`, `+1 415 555 1234`, `415.555.1234` | [`spell_phone`] in [`Style::WORDS`]: "four one five, five five five, one two three four" |
/// | `2025-08-12`, `August 12`, `Aug 1st`, `8/12/2025` | [`date`](crate::date): "August twelfth, twenty twenty-five" |
/// | `3:30 pm`, `15:30`, `10am–12pm ET` | [`time`](crate::time): "three-thirty p.m.", "ten a.m. to twelve p.m. Eastern Time" |
/// | `12%`, `3.5%` | [`percent`](crate::percent): "twelve percent" |
/// | `ORD-8842-XK`, `221B` (letters and digits) | spelled: "O R D, eight eight four two, X K" |
/// | `1234 Main St`, `CA 94103`, `#12345`, `PIN 0042`, a number after "account", "order", "code", "ending in"… | digit by digit: "one two three four Main St" |
/// | 7 digits or more, or a leading zero (`4155551234`, `007`) | digit by digit in groups, as [`spell_phone`] |
/// | `in 2025`, `since 1999` (after a preposition or month) | [`year`](crate::year): "twenty twenty-five" |
/// | `1990s`, `'90s` | "nineteen nineties", "nineties" |
/// | `21st`, `5th` | [`ordinal`](crate::ordinal): "twenty-first" |
/// | `10 Mbps`, `5GB`, `30 min` | "ten megabits per second", "five gigabytes" |
/// | `1,250`, `3.14`, `-5`, `42` | [`number`](crate::number): "one thousand two hundred fifty" |
/// | `3-4 days`, `$10–$20` | "three to four days" |
///
/// Emails and links are left alone, as are numbers glued into other tokens ("1.2.3", "24/7").
/// Text without digits comes back unchanged.
///
/// ```
/// assert_eq!(
///     switchboard_speech::make_speakable("Your current credit card balance is positive at 32,323,232 AUD."),
///     "Your current credit card balance is positive at thirty-two million three hundred \
///      twenty-three thousand two hundred thirty-two dollars.",
/// );
/// ```
#[must_use]
pub fn make_speakable(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 2);
    let mut pos = 0;
    // End of the whitespace-delimited chunk `pos` is in, found once per chunk so that a long
    // text without spaces is not searched again at every character.
    let mut chunk_end = 0;
    while let Some(c) = first_char(&text[pos..]) {
        if pos >= chunk_end && !c.is_whitespace() {
            let rest = &text[pos..];
            chunk_end = pos + rest.find(char::is_whitespace).unwrap_or(rest.len());
            if let Some(len) = link_len(&text[pos..chunk_end]).filter(|&len| len > 0) {
                out.push_str(&text[pos..pos + len]);
                pos += len;
                continue;
            }
        }
        if starts_token(text, pos) {
            if let Some(found) = convert(text, pos) {
                out.push_str(&found.words);
                pos += found.len;
                // "at 3pm." must not become "at three p.m.."
                if found.words.ends_with('.') && text[pos..].starts_with('.') {
                    pos += 1;
                }
                if let Some(dash) = range_dash(&text[pos..]).filter(|_| found.quantity) {
                    out.push_str(" to ");
                    pos += dash;
                }
                continue;
            }
            let len = opaque_len(&text[pos..]);
            if len > 0 {
                out.push_str(&text[pos..pos + len]);
                pos += len;
                continue;
            }
        }
        out.push(c);
        pos += c.len_utf8();
    }
    out
}
