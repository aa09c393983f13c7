//! English number words: cardinals, ordinals, years, written numerals and percentages.
//!
//! American style throughout: no "and" inside numbers ("one hundred twenty-three"), hyphens
//! between tens and units ("twenty-one"), "minus" for negatives, decimals read digit by digit
//! after "point" ("three point one four").

pub(crate) const ONES: [&str; 20] = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
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

pub(crate) const TENS: [&str; 10] = [
    "", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
];

/// Enough scales for every `u128` (39 digits = 13 groups of three).
const SCALES: [&str; 13] = [
    "",
    "thousand",
    "million",
    "billion",
    "trillion",
    "quadrillion",
    "quintillion",
    "sextillion",
    "septillion",
    "octillion",
    "nonillion",
    "decillion",
    "undecillion",
];

/// The word for one decimal digit; anything else is returned as itself so callers never lose a
/// character.
pub(crate) fn digit_word(d: char) -> &'static str {
    match d {
        '0' => "zero",
        '1' => "one",
        '2' => "two",
        '3' => "three",
        '4' => "four",
        '5' => "five",
        '6' => "six",
        '7' => "seven",
        '8' => "eight",
        '9' => "nine",
        _ => "",
    }
}

/// Words for `0 < n < 1000`.
fn push_hundreds(n: u128, out: &mut String) {
    let hundreds = (n / 100) as usize;
    let rest = (n % 100) as usize;
    if hundreds > 0 {
        out.push_str(ONES[hundreds]);
        out.push_str(" hundred");
        if rest > 0 {
            out.push(' ');
        }
    }
    if rest >= 20 {
        out.push_str(TENS[rest / 10]);
        if !rest.is_multiple_of(10) {
            out.push('-');
            out.push_str(ONES[rest % 10]);
        }
    } else if rest > 0 {
        out.push_str(ONES[rest]);
    }
}

pub(crate) fn cardinal_u128(n: u128) -> String {
    if n == 0 {
        return ONES[0].to_owned();
    }
    let mut groups = Vec::new();
    let mut rest = n;
    while rest > 0 {
        groups.push(rest % 1000);
        rest /= 1000;
    }
    let mut out = String::new();
    for (scale, &group) in groups.iter().enumerate().rev() {
        if group == 0 {
            continue;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        push_hundreds(group, &mut out);
        if scale > 0 {
            out.push(' ');
            out.push_str(SCALES[scale]);
        }
    }
    out
}

/// The English words for an integer: `cardinal(32_323_232)` is "thirty-two million three
/// hundred twenty-three thousand two hundred thirty-two".
///
/// ```
/// assert_eq!(switchboard_speech::cardinal(-21), "minus twenty-one");
/// assert_eq!(switchboard_speech::cardinal(1_000_000_000_000), "one trillion");
/// ```
#[must_use]
pub fn cardinal(n: i64) -> String {
    let words = cardinal_u128(u128::from(n.unsigned_abs()));
    if n < 0 {
        format!("minus {words}")
    } else {
        words
    }
}

/// The English ordinal for a number: "first", "twelfth", "twenty-first", "one hundredth".
///
/// ```
/// assert_eq!(switchboard_speech::ordinal(12), "twelfth");
/// assert_eq!(switchboard_speech::ordinal(21), "twenty-first");
/// ```
#[must_use]
pub fn ordinal(n: u64) -> String {
    ordinalize(&cardinal_u128(u128::from(n)))
}

/// Turns cardinal words into ordinal words by changing the last word only.
pub(crate) fn ordinalize(words: &str) -> String {
    let cut = words.rfind([' ', '-']).map_or(0, |i| i + 1);
    let (head, last) = words.split_at(cut);
    let last = match last {
        "one" => "first".to_owned(),
        "two" => "second".to_owned(),
        "three" => "third".to_owned(),
        "five" => "fifth".to_owned(),
        "eight" => "eighth".to_owned(),
        "nine" => "ninth".to_owned(),
        "twelve" => "twelfth".to_owned(),
        tens if tens.ends_with('y') => format!("{}ieth", &tens[..tens.len() - 1]),
        other => format!("{other}th"),
    };
    format!("{head}{last}")
}

/// Pluralises number words by their last word ("nineties", "twenty twenties", "hundreds").
pub(crate) fn pluralize(words: &str) -> String {
    match words.strip_suffix('y') {
        Some(stem) => format!("{stem}ies"),
        None => format!("{words}s"),
    }
}

/// A year as people say it: "twenty twenty-five", "nineteen oh five", "nineteen hundred",
/// "two thousand", "two thousand nine", "twenty ten". Years before 1000 or after 9999 are
/// plain cardinals.
///
/// ```
/// assert_eq!(switchboard_speech::year(2025), "twenty twenty-five");
/// assert_eq!(switchboard_speech::year(2005), "two thousand five");
/// ```
#[must_use]
pub fn year(year: u16) -> String {
    let y = u128::from(year);
    let (century, rest) = (y / 100, y % 100);
    // 2000-2009 and the like are said as cardinals; "twenty oh five" exists but is rarer.
    if !(1000..=9999).contains(&y) || y % 1000 == 0 || (century % 10 == 0 && rest < 10) {
        return cardinal_u128(y);
    }
    let century = cardinal_u128(century);
    match rest {
        0 => format!("{century} hundred"),
        1..=9 => format!("{century} oh {}", ONES[rest as usize]),
        _ => format!("{century} {}", cardinal_u128(rest)),
    }
}

/// A written number found at the start of some text: sign, integer digits with optional
/// thousands commas, optional decimal fraction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Numeral {
    pub(crate) negative: bool,
    /// Integer digits without commas; may be empty for ".5".
    pub(crate) int: String,
    /// Digits after the decimal point, if there was one.
    pub(crate) frac: Option<String>,
    /// Whether the integer part was written with thousands commas.
    pub(crate) grouped: bool,
    /// Bytes of the input this numeral took.
    pub(crate) len: usize,
}

fn digit_run(s: &str) -> usize {
    s.bytes().take_while(u8::is_ascii_digit).count()
}

/// Length of a leading minus sign (ASCII hyphen or U+2212), if any.
pub(crate) fn sign_len(s: &str) -> usize {
    if s.starts_with('-') {
        1
    } else if s.starts_with('\u{2212}') {
        '\u{2212}'.len_utf8()
    } else {
        0
    }
}

/// Reads a numeral at the start of `s`. With `signed`, a leading minus is part of it.
///
/// Commas count as thousands separators only in exact groups of three ("1,234" but not
/// "1,23"), so a list like "1,2,3" stops after the "1".
pub(crate) fn scan_numeral(s: &str, signed: bool) -> Option<Numeral> {
    let sign = if signed { sign_len(s) } else { 0 };
    let mut pos = sign;
    let first = digit_run(&s[pos..]);
    let mut int = s[pos..pos + first].to_owned();
    pos += first;
    let mut grouped = false;
    if (1..=3).contains(&first) {
        loop {
            let rest = &s[pos..];
            if rest.starts_with(',') && digit_run(&rest[1..]) == 3 {
                int.push_str(&rest[1..4]);
                pos += 4;
                grouped = true;
            } else {
                break;
            }
        }
    }
    let mut frac = None;
    let rest = &s[pos..];
    if let Some(after_point) = rest.strip_prefix('.') {
        let n = digit_run(after_point);
        if n > 0 {
            frac = Some(after_point[..n].to_owned());
            pos += 1 + n;
        }
    }
    if int.is_empty() && frac.is_none() {
        return None;
    }
    Some(Numeral {
        negative: sign > 0,
        int,
        frac,
        grouped,
        len: pos,
    })
}

/// Cardinal words for a string of ASCII digits of any length; beyond `u128` the digits are
/// read one by one rather than failing.
pub(crate) fn digits_cardinal(digits: &str) -> String {
    let trimmed = digits.trim_start_matches('0');
    if trimmed.is_empty() {
        return ONES[0].to_owned();
    }
    match trimmed.parse::<u128>() {
        Ok(n) => cardinal_u128(n),
        Err(_) => digits_one_by_one(trimmed),
    }
}

/// "3 1 4" for "314": each digit's word, space separated.
pub(crate) fn digits_one_by_one(digits: &str) -> String {
    let words: Vec<&str> = digits.chars().map(digit_word).collect();
    words.join(" ")
}

impl Numeral {
    /// "minus three point one four", "one thousand", "point five".
    pub(crate) fn words(&self) -> String {
        let mut out = String::new();
        if self.negative {
            out.push_str("minus ");
        }
        if !self.int.is_empty() {
            out.push_str(&digits_cardinal(&self.int));
        }
        if let Some(frac) = &self.frac {
            if !self.int.is_empty() {
                out.push(' ');
            }
            out.push_str("point ");
            out.push_str(&digits_one_by_one(frac));
        }
        out
    }

    /// Whether the value is exactly one, for singular units ("1 dollar", "1.0 dollars").
    pub(crate) fn is_one(&self) -> bool {
        self.frac.is_none() && self.int.trim_start_matches('0') == "1"
    }
}

/// The words for a written number: "3.14" → "three point one four", "-1,250" → "minus one
/// thousand two hundred fifty", ".5" → "point five". `None` unless the whole (trimmed) text is
/// one number.
///
/// ```
/// assert_eq!(switchboard_speech::number("3.14").as_deref(), Some("three point one four"));
/// assert_eq!(switchboard_speech::number("3 apples"), None);
/// ```
#[must_use]
pub fn number(text: &str) -> Option<String> {
    let text = text.trim();
    let numeral = scan_numeral(text, true)?;
    (numeral.len == text.len()).then(|| numeral.words())
}

/// A percentage in words: "12%" → "twelve percent", "3.5 %" → "three point five percent".
/// `None` unless the whole (trimmed) text is one percentage.
///
/// ```
/// assert_eq!(switchboard_speech::percent("12%").as_deref(), Some("twelve percent"));
/// ```
#[must_use]
pub fn percent(text: &str) -> Option<String> {
    let text = text.trim();
    let (len, words) = scan_percent(text, true)?;
    (len == text.len()).then_some(words)
}

/// A percentage at the start of `s`: a numeral, an optional space, then `%`.
pub(crate) fn scan_percent(s: &str, signed: bool) -> Option<(usize, String)> {
    let numeral = scan_numeral(s, signed)?;
    let rest = &s[numeral.len..];
    let space = usize::from(rest.starts_with(' '));
    rest[space..].starts_with('%').then(|| {
        (
            numeral.len + space + 1,
            format!("{} percent", numeral.words()),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn largest_values_have_scale_names() {
        assert!(cardinal_u128(u128::MAX).starts_with("three hundred forty undecillion"));
        assert_eq!(
            cardinal(i64::MIN),
            "minus nine quintillion two hundred twenty-three quadrillion three hundred \
             seventy-two trillion thirty-six billion eight hundred fifty-four million seven \
             hundred seventy-five thousand eight hundred eight"
        );
    }

    #[test]
    fn numerals_stop_at_malformed_groups() {
        assert_eq!(scan_numeral("1,23", false).map(|n| n.len), Some(1));
        assert_eq!(scan_numeral("1234,567", false).map(|n| n.len), Some(4));
        assert_eq!(scan_numeral("1,234,5678", false).map(|n| n.len), Some(5));
        assert_eq!(scan_numeral("5.", false).map(|n| n.len), Some(1));
        assert_eq!(scan_numeral(".", false), None);
        assert_eq!(scan_numeral("-", true), None);
    }

    #[test]
    fn huge_digit_strings_fall_back_to_digits() {
        let digits = "9".repeat(45);
        assert_eq!(digits_cardinal(&digits), vec!["nine"; 45].join(" "));
    }
}
