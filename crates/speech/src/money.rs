//! Amounts of money in words.
//!
//! Every dollar currency is read as "dollars" (the guide reads "32,323,232 AUD" as "... dollars";
//! the caller already knows which country it is talking to).

use crate::words::{Numeral, digits_cardinal, scan_numeral, sign_len};

struct Currency {
    major: (&'static str, &'static str),
    /// Singular and plural of the hundredth unit; `None` for currencies without one in speech.
    minor: Option<(&'static str, &'static str)>,
}

const DOLLAR: Currency = Currency {
    major: ("dollar", "dollars"),
    minor: Some(("cent", "cents")),
};
const EURO: Currency = Currency {
    major: ("euro", "euros"),
    minor: Some(("cent", "cents")),
};
const POUND: Currency = Currency {
    major: ("pound", "pounds"),
    minor: Some(("penny", "pence")),
};
const YEN: Currency = Currency {
    major: ("yen", "yen"),
    minor: None,
};
const RUPEE: Currency = Currency {
    major: ("rupee", "rupees"),
    minor: Some(("paisa", "paise")),
};
const FRANC: Currency = Currency {
    major: ("franc", "francs"),
    minor: Some(("centime", "centimes")),
};
const PESO: Currency = Currency {
    major: ("peso", "pesos"),
    minor: Some(("centavo", "centavos")),
};

/// Symbols, longest first so "US$" wins over "$" when both could apply.
const SYMBOLS: [(&str, &Currency); 13] = [
    ("US$", &DOLLAR),
    ("AU$", &DOLLAR),
    ("CA$", &DOLLAR),
    ("NZ$", &DOLLAR),
    ("HK$", &DOLLAR),
    ("A$", &DOLLAR),
    ("C$", &DOLLAR),
    ("S$", &DOLLAR),
    ("$", &DOLLAR),
    ("€", &EURO),
    ("£", &POUND),
    ("¥", &YEN),
    ("₹", &RUPEE),
];

/// ISO 4217 codes, upper case only: "usd" in running text is more likely a typo than money.
const CODES: [(&str, &Currency); 12] = [
    ("USD", &DOLLAR),
    ("AUD", &DOLLAR),
    ("CAD", &DOLLAR),
    ("NZD", &DOLLAR),
    ("SGD", &DOLLAR),
    ("HKD", &DOLLAR),
    ("EUR", &EURO),
    ("GBP", &POUND),
    ("JPY", &YEN),
    ("INR", &RUPEE),
    ("CHF", &FRANC),
    ("MXN", &PESO),
];

/// Scale words and the abbreviations finance text uses for them ("$5M", "$1.2bn", "$10k").
const SCALE_WORDS: [&str; 4] = ["thousand", "million", "billion", "trillion"];
const SCALE_ABBREVIATIONS: [(&str, &str); 8] = [
    ("bn", "billion"),
    ("mn", "million"),
    ("tn", "trillion"),
    ("k", "thousand"),
    ("K", "thousand"),
    ("M", "million"),
    ("B", "billion"),
    ("T", "trillion"),
];

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

fn ends_word(rest: &str) -> bool {
    !rest.chars().next().is_some_and(is_word_char)
}

fn symbol_at(s: &str) -> Option<(usize, &'static Currency)> {
    SYMBOLS
        .iter()
        .find(|(symbol, _)| s.starts_with(symbol))
        .map(|&(symbol, currency)| (symbol.len(), currency))
}

fn code_at(s: &str) -> Option<(usize, &'static Currency)> {
    CODES
        .iter()
        .find(|(code, _)| {
            // "AUD45" has no space but is still a code followed by an amount.
            s.strip_prefix(code).is_some_and(|after| {
                ends_word(after) || after.starts_with(|c: char| c.is_ascii_digit())
            })
        })
        .map(|&(code, currency)| (code.len(), currency))
}

/// A scale after the amount: " million" (with a space) or an attached abbreviation ("5M").
fn scale_at(s: &str) -> Option<(usize, &'static str)> {
    if let Some(rest) = s.strip_prefix(' ') {
        for word in SCALE_WORDS {
            if rest.starts_with(word) && ends_word(&rest[word.len()..]) {
                return Some((1 + word.len(), word));
            }
        }
    }
    SCALE_ABBREVIATIONS
        .iter()
        .find(|(abbr, _)| s.starts_with(abbr) && ends_word(&s[abbr.len()..]))
        .map(|&(abbr, word)| (abbr.len(), word))
}

/// Reads an amount of money at the start of `s`, returning the bytes taken and the words.
/// With `signed`, a leading minus ("-$5") makes it negative.
pub(crate) fn scan_money(s: &str, signed: bool) -> Option<(usize, String)> {
    let mut pos = if signed { sign_len(s) } else { 0 };
    let mut negative = pos > 0;
    let mut currency = None;
    if let Some((len, found)) = symbol_at(&s[pos..]) {
        currency = Some(found);
        pos += len;
    } else if let Some((len, found)) = code_at(&s[pos..]) {
        currency = Some(found);
        pos += len;
        if s[pos..].starts_with(' ') {
            pos += 1;
        }
    }
    // "$-5" puts the sign after the symbol.
    let numeral = scan_numeral(&s[pos..], currency.is_some() && !negative)?;
    negative |= numeral.negative;
    pos += numeral.len;
    let scale = scale_at(&s[pos..]).map(|(len, word)| {
        pos += len;
        word
    });
    if currency.is_none() {
        let space = usize::from(s[pos..].starts_with(' '));
        let (len, found) = symbol_at(&s[pos + space..]).or_else(|| {
            code_at(&s[pos + space..]).filter(|&(len, _)| ends_word(&s[pos + space + len..]))
        })?;
        currency = Some(found);
        pos += space + len;
    }
    let currency = currency?;
    if !ends_word(&s[pos..]) {
        return None;
    }
    let mut words = amount_words(&numeral, scale, currency);
    if negative {
        words.insert_str(0, "minus ");
    }
    Some((pos, words))
}

fn amount_words(numeral: &Numeral, scale: Option<&str>, currency: &Currency) -> String {
    let (one, many) = currency.major;
    if let Some(scale) = scale {
        let unsigned = Numeral {
            negative: false,
            ..numeral.clone()
        };
        return format!("{} {scale} {many}", unsigned.words());
    }
    let major_words = if numeral.int.is_empty() {
        "zero".to_owned()
    } else {
        digits_cardinal(&numeral.int)
    };
    // Cents do not make the dollar plural: "one dollar and one cent".
    let major = if numeral.int.trim_start_matches('0') == "1" {
        one
    } else {
        many
    };
    let cents = match (&numeral.frac, currency.minor) {
        (None, _) => None,
        (Some(frac), Some(minor)) if frac.len() <= 2 => {
            // "$1.5" is a dollar fifty, not a dollar five.
            let cents = frac.parse::<u8>().unwrap_or(0) * if frac.len() == 1 { 10 } else { 1 };
            Some((cents, minor))
        }
        (Some(_), _) => {
            // Fractions of a cent or of a yen are read as decimals of the major unit.
            let unsigned = Numeral {
                negative: false,
                ..numeral.clone()
            };
            return format!("{} {many}", unsigned.words());
        }
    };
    match cents {
        None | Some((0, _)) => format!("{major_words} {major}"),
        Some((cents, (cent, cents_word))) => {
            let cent_words = digits_cardinal(&cents.to_string());
            let unit = if cents == 1 { cent } else { cents_word };
            if numeral.int.trim_start_matches('0').is_empty() {
                format!("{cent_words} {unit}")
            } else {
                format!("{major_words} {major} and {cent_words} {unit}")
            }
        }
    }
}

/// An amount of money in words: "$45.20" → "forty-five dollars and twenty cents", "32,323,232
/// AUD" → "thirty-two million three hundred twenty-three thousand two hundred thirty-two
/// dollars", "$0.05" → "five cents", "€1" → "one euro", "£2.50" → "two pounds and fifty
/// pence", "$1.5 million" → "one point five million dollars".
///
/// The currency is a symbol before the amount (`$ US$ A$ C$ NZ$ HK$ S$ € £ ¥ ₹`), or an upper-case
/// code before or after it (`USD AUD CAD NZD SGD HKD EUR GBP JPY INR CHF MXN`), or a symbol after
/// it ("5 €"). A minus sign may come first or after the symbol. More than two decimals are read
/// as a decimal of the main unit ("zero point one two five dollars"). `None` unless the whole
/// (trimmed) text is one amount.
///
/// ```
/// assert_eq!(
///     switchboard_speech::money("$45.20").as_deref(),
///     Some("forty-five dollars and twenty cents"),
/// );
/// assert_eq!(switchboard_speech::money("45.20"), None);
/// ```
#[must_use]
pub fn money(text: &str) -> Option<String> {
    let text = text.trim();
    let (len, words) = scan_money(text, true)?;
    (len == text.len()).then_some(words)
}
