//! Dates and times of day in words, said plainly: "August twelfth", "three-thirty p.m.".

use crate::words::{cardinal_u128, ordinal, year};

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// Time zones said in full after a time; unknown ones are left as written.
const TIME_ZONES: [(&str, &str); 12] = [
    ("ET", "Eastern Time"),
    ("CT", "Central Time"),
    ("MT", "Mountain Time"),
    ("PT", "Pacific Time"),
    ("EST", "Eastern Standard Time"),
    ("CST", "Central Standard Time"),
    ("MST", "Mountain Standard Time"),
    ("PST", "Pacific Standard Time"),
    ("EDT", "Eastern Daylight Time"),
    ("CDT", "Central Daylight Time"),
    ("MDT", "Mountain Daylight Time"),
    ("PDT", "Pacific Daylight Time"),
];

fn ends_word(rest: &str) -> bool {
    !rest
        .chars()
        .next()
        .is_some_and(|c| c.is_alphanumeric() || c == '_')
}

/// Exactly `n` ASCII digits at the start of `s`, not followed by another digit.
fn fixed_digits(s: &str, n: usize) -> Option<u16> {
    let digits = s.bytes().take_while(u8::is_ascii_digit).count();
    (digits == n).then(|| s[..n].parse().ok()).flatten()
}

/// One or two ASCII digits at the start of `s`, with how many there were.
fn short_digits(s: &str) -> Option<(usize, u16)> {
    let digits = s.bytes().take_while(u8::is_ascii_digit).count();
    (1..=2)
        .contains(&digits)
        .then(|| s[..digits].parse().ok().map(|n| (digits, n)))
        .flatten()
}

fn is_leap(year: u16) -> bool {
    year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400))
}

/// Whether `day` exists in `month` (1-based); without a year, February 29 is allowed.
fn valid_day(month: u16, day: u16, year: Option<u16>) -> bool {
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if year.is_none_or(is_leap) => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&day)
}

fn date_words(month: u16, day: Option<u16>, year_number: Option<u16>) -> String {
    let name = MONTHS[usize::from(month - 1)];
    match (day, year_number) {
        (Some(day), Some(y)) => format!("{name} {}, {}", ordinal(u64::from(day)), year(y)),
        (Some(day), None) => format!("{name} {}", ordinal(u64::from(day))),
        (None, Some(y)) => format!("{name} {}", year(y)),
        (None, None) => name.to_owned(),
    }
}

/// A month name or its three-letter abbreviation (plus "Sept"), capitalised, with an optional
/// period after an abbreviation. Lower-case "may" and "march" are verbs far more often than
/// months, so a capital is required.
fn month_at(s: &str) -> Option<(usize, u16)> {
    if !s.starts_with(|c: char| c.is_ascii_uppercase()) {
        return None;
    }
    let word_len = s.bytes().take_while(u8::is_ascii_alphabetic).count();
    let word = &s[..word_len];
    let month = MONTHS.iter().position(|name| {
        name.eq_ignore_ascii_case(word)
            || (word.len() == 3 && name[..3].eq_ignore_ascii_case(word))
            || (word.eq_ignore_ascii_case("sept") && *name == "September")
    })?;
    let abbreviated = word.len() < MONTHS[month].len();
    let len = if abbreviated && s[word_len..].starts_with('.') {
        word_len + 1
    } else {
        word_len
    };
    Some((len, u16::try_from(month + 1).ok()?))
}

/// A day of the month with an optional ordinal suffix: "12", "12th", "1st".
fn day_at(s: &str) -> Option<(usize, u16)> {
    let (len, day) = short_digits(s)?;
    let rest = &s[len..];
    let suffix = rest.get(..2).is_some_and(|s| {
        ["st", "nd", "rd", "th"]
            .iter()
            .any(|suffix| s.eq_ignore_ascii_case(suffix))
    });
    if suffix && ends_word(&rest[2..]) {
        return Some((len + 2, day));
    }
    ends_word(rest).then_some((len, day))
}

/// A four-digit year after `prefix` (", " or " "), ending a word.
fn year_after(s: &str, prefix: &str) -> Option<(usize, u16)> {
    let rest = s.strip_prefix(prefix)?;
    let y = fixed_digits(rest, 4)?;
    ends_word(&rest[4..]).then_some((prefix.len() + 4, y))
}

/// Reads a date at the start of `s`: ISO "2025-08-12", US "8/12/2025" (day first when the first
/// number cannot be a month), "August 12", "Aug. 12th, 2025", "12 August 2025", "August 2025".
pub(crate) fn scan_date(s: &str) -> Option<(usize, String)> {
    scan_iso(s)
        .or_else(|| scan_slashes(s))
        .or_else(|| scan_month_first(s))
        .or_else(|| scan_day_first(s))
}

fn scan_iso(s: &str) -> Option<(usize, String)> {
    let y = fixed_digits(s, 4)?;
    let month = fixed_digits(s.get(4..)?.strip_prefix('-')?, 2)?;
    let day = fixed_digits(s.get(7..)?.strip_prefix('-')?, 2)?;
    (valid_day(month, day, Some(y)) && ends_word(&s[10..]))
        .then(|| (10, date_words(month, Some(day), Some(y))))
}

fn scan_slashes(s: &str) -> Option<(usize, String)> {
    let (a_len, a) = short_digits(s)?;
    let rest = s[a_len..].strip_prefix('/')?;
    let (b_len, b) = short_digits(rest)?;
    let rest = rest[b_len..].strip_prefix('/')?;
    let y = fixed_digits(rest, 4)?;
    let len = a_len + 1 + b_len + 1 + 4;
    if !ends_word(&s[len..]) {
        return None;
    }
    let (month, day) = if a > 12 { (b, a) } else { (a, b) };
    valid_day(month, day, Some(y)).then(|| (len, date_words(month, Some(day), Some(y))))
}

fn scan_month_first(s: &str) -> Option<(usize, String)> {
    let (month_len, month) = month_at(s)?;
    let rest = s[month_len..].strip_prefix(' ')?;
    if let Some((len, y)) = year_after(rest, "") {
        return Some((month_len + 1 + len, date_words(month, None, Some(y))));
    }
    let (day_len, day) = day_at(rest)?;
    let mut len = month_len + 1 + day_len;
    let y = year_after(&s[len..], ", ")
        .or_else(|| year_after(&s[len..], " "))
        .map(|(year_len, y)| {
            len += year_len;
            y
        });
    valid_day(month, day, y).then(|| (len, date_words(month, Some(day), y)))
}

fn scan_day_first(s: &str) -> Option<(usize, String)> {
    let (day_len, day) = day_at(s)?;
    let mut rest = s[day_len..].strip_prefix(' ')?;
    let mut len = day_len + 1;
    if let Some(after_of) = rest.strip_prefix("of ") {
        rest = after_of;
        len += 3;
    }
    let (month_len, month) = month_at(rest)?;
    len += month_len;
    let y = year_after(&s[len..], " ")
        .or_else(|| year_after(&s[len..], ", "))
        .map(|(year_len, y)| {
            len += year_len;
            y
        });
    (valid_day(month, day, y) && ends_word(&s[len..]))
        .then(|| (len, date_words(month, Some(day), y)))
}

/// A date in words: "2025-08-12" → "August twelfth, twenty twenty-five", "August 12" → "August
/// twelfth", "Aug 1st" → "August first", "12 August 2025" → "August twelfth, twenty
/// twenty-five", "8/12/2025" → "August twelfth, twenty twenty-five" (month first, US style,
/// unless the first number is above 12). The year is kept when it was written. Impossible dates
/// ("February 30") give `None`, as does anything that is not exactly one date.
///
/// ```
/// assert_eq!(switchboard_speech::date("August 12").as_deref(), Some("August twelfth"));
/// ```
#[must_use]
pub fn date(text: &str) -> Option<String> {
    let text = text.trim();
    let (len, words) = scan_date(text)?;
    (len == text.len()).then_some(words)
}

/// "am", "a.m.", "AM", "A.M." and the like, with how many bytes it took.
fn meridiem_at(s: &str) -> Option<(usize, bool)> {
    let lower: String = s.chars().take(4).collect::<String>().to_ascii_lowercase();
    let pm = match lower.as_bytes().first() {
        Some(b'a') => false,
        Some(b'p') => true,
        _ => return None,
    };
    for (form, len) in [
        ("a.m.", 4),
        ("p.m.", 4),
        ("a.m", 3),
        ("p.m", 3),
        ("am", 2),
        ("pm", 2),
    ] {
        if lower.starts_with(form) && ends_word(&s[len..]) {
            return Some((len, pm));
        }
    }
    None
}

/// " ET" and friends after a time.
fn zone_at(s: &str) -> Option<(usize, &'static str)> {
    let rest = s.strip_prefix(' ')?;
    TIME_ZONES
        .iter()
        .find(|(abbr, _)| rest.starts_with(abbr) && ends_word(&rest[abbr.len()..]))
        .map(|&(abbr, full)| (1 + abbr.len(), full))
}

/// Hour (1-12) and minute words: "three-thirty", "three oh five", "three forty-five", "three".
fn clock_words(hour12: u16, minute: u16) -> String {
    let hour = cardinal_u128(u128::from(hour12));
    match minute {
        0 => hour,
        1..=9 => format!("{hour} oh {}", cardinal_u128(u128::from(minute))),
        _ => {
            let minutes = cardinal_u128(u128::from(minute));
            // "three-thirty" as the guide writes it; "three forty-five" already has its hyphen.
            let joiner = if minutes.contains('-') { ' ' } else { '-' };
            format!("{hour}{joiner}{minutes}")
        }
    }
}

/// Reads a time of day at the start of `s`: "3:30 pm", "3pm", "3 p.m.", "15:30", "10:00",
/// optionally followed by a US time zone abbreviation.
pub(crate) fn scan_time(s: &str) -> Option<(usize, String)> {
    let (hour_len, hour) = short_digits(s)?;
    let mut len = hour_len;
    let minute = match s[len..].strip_prefix(':') {
        Some(rest) => {
            let minute = fixed_digits(rest, 2).filter(|&m| m < 60)?;
            len += 3;
            Some(minute)
        }
        None => None,
    };
    let space = usize::from(s[len..].starts_with(' '));
    let meridiem = meridiem_at(&s[len + space..]).filter(|_| (1..=12).contains(&hour));
    let (hour12, pm) = match meridiem {
        Some((meridiem_len, pm)) => {
            len += space + meridiem_len;
            (hour, pm)
        }
        // Without a.m./p.m. only a 24-hour clock reading counts; a bare "3" is just a number.
        None if minute.is_some() && hour < 24 && ends_word(&s[len..]) => match hour {
            0 => (12, false),
            1..=11 => (hour, false),
            12 => (12, true),
            _ => (hour - 12, true),
        },
        None => return None,
    };
    let mut words = format!(
        "{} {}",
        clock_words(hour12, minute.unwrap_or(0)),
        if pm { "p.m." } else { "a.m." }
    );
    if let Some((zone_len, zone)) = zone_at(&s[len..]) {
        len += zone_len;
        words.push(' ');
        words.push_str(zone);
    }
    Some((len, words))
}

/// A time of day in words: "3:30 pm" → "three-thirty p.m.", "3pm" → "three p.m.", "3:05 PM" →
/// "three oh five p.m.". Without a.m./p.m. the time is read on the 24-hour clock: "15:30" →
/// "three-thirty p.m.", "10:00" → "ten a.m.", "0:15" → "twelve-fifteen a.m.". A following US zone
/// abbreviation is said in full ("2pm ET" → "two p.m. Eastern Time"). `None` unless the whole
/// (trimmed) text is one time.
///
/// ```
/// assert_eq!(switchboard_speech::time("15:30").as_deref(), Some("three-thirty p.m."));
/// ```
#[must_use]
pub fn time(text: &str) -> Option<String> {
    let text = text.trim();
    let (len, words) = scan_time(text)?;
    (len == text.len()).then_some(words)
}
