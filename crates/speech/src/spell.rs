//! Readbacks: a value spoken one character at a time ("4-1-5"), so that a caller can confirm it.

use crate::words::digit_word;

/// Separates groups (the input's own groups, or a phone number's 3-3-4).
const GROUP_SEPARATOR: &str = ", ";

const NATO: [&str; 26] = [
    "Alpha", "Bravo", "Charlie", "Delta", "Echo", "Foxtrot", "Golf", "Hotel", "India", "Juliett",
    "Kilo", "Lima", "Mike", "November", "Oscar", "Papa", "Quebec", "Romeo", "Sierra", "Tango",
    "Uniform", "Victor", "Whiskey", "X-ray", "Yankee", "Zulu",
];

/// How [`spell`] and [`spell_phone`] say each character.
///
/// Three presets cover the usual needs; [`Style::with_separator`] changes the text between
/// characters. Groups are always separated by ", ".
///
/// | style | "AB-415" |
/// |---|---|
/// | [`Style::HYPHENS`] (the default; what the guide tells the model to say) | `A-B, 4-1-5` |
/// | [`Style::WORDS`] (for a TTS engine, which reads "4-1-5" as "four dash one dash five") | `A B, four one five` |
/// | [`Style::PHONETIC`] (letters disambiguated with the NATO alphabet) | `A as in Alpha, B as in Bravo, four, one, five` |
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Style {
    separator: &'static str,
    digit_words: bool,
    phonetic: bool,
}

impl Style {
    /// Characters joined by hyphens, digits as numerals: "4-1-5".
    pub const HYPHENS: Style = Style {
        separator: "-",
        digit_words: false,
        phonetic: false,
    };

    /// Characters joined by spaces, digits as words: "four one five".
    pub const WORDS: Style = Style {
        separator: " ",
        digit_words: true,
        phonetic: false,
    };

    /// Letters as "A as in Alpha", digits as words, everything joined by ", ".
    pub const PHONETIC: Style = Style {
        separator: ", ",
        digit_words: true,
        phonetic: true,
    };

    /// The same style with a different text between characters of a group.
    #[must_use]
    pub const fn with_separator(self, separator: &'static str) -> Style {
        Style { separator, ..self }
    }
}

impl Default for Style {
    fn default() -> Style {
        Style::HYPHENS
    }
}

/// Characters in the input that only format it: they end a group and are not spoken.
fn is_group_break(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '-' | '\u{2010}'
                | '\u{2011}'
                | '\u{2012}'
                | '\u{2013}'
                | '\u{2014}'
                | '('
                | ')'
                | '['
                | ']'
                | '{'
                | '}'
                | ','
                | ';'
        )
}

/// Symbols that are part of a value (an email, a code) and have a usual spoken name.
fn symbol_word(c: char) -> Option<&'static str> {
    Some(match c {
        '.' => "dot",
        '@' => "at",
        '_' => "underscore",
        '+' => "plus",
        '#' => "hash",
        '*' => "star",
        '&' => "and",
        '/' => "slash",
        ':' => "colon",
        _ => return None,
    })
}

fn say_char(c: char, style: Style) -> String {
    if c.is_ascii_digit() {
        return if style.digit_words {
            digit_word(c).to_owned()
        } else {
            c.to_string()
        };
    }
    if c.is_ascii_alphabetic() {
        let upper = c.to_ascii_uppercase();
        if style.phonetic {
            let index = usize::from(upper as u8 - b'A');
            return format!("{upper} as in {}", NATO[index]);
        }
        return upper.to_string();
    }
    if c.is_alphabetic() {
        return c.to_uppercase().collect();
    }
    symbol_word(c).map_or_else(|| c.to_string(), str::to_owned)
}

/// Splits a value into groups of characters at formatting characters; control characters are
/// dropped.
fn groups(value: &str) -> Vec<Vec<char>> {
    let mut groups: Vec<Vec<char>> = vec![Vec::new()];
    for c in value.chars() {
        if is_group_break(c) {
            if groups.last().is_some_and(|g| !g.is_empty()) {
                groups.push(Vec::new());
            }
        } else if !c.is_control()
            && let Some(group) = groups.last_mut()
        {
            group.push(c);
        }
    }
    groups.retain(|g| !g.is_empty());
    groups
}

fn render(groups: &[Vec<char>], style: Style) -> String {
    let rendered: Vec<String> = groups
        .iter()
        .map(|group| {
            let items: Vec<String> = group.iter().map(|&c| say_char(c, style)).collect();
            items.join(style.separator)
        })
        .collect();
    rendered.join(GROUP_SEPARATOR)
}

/// A value read back one character at a time: "415" → "4-1-5".
///
/// Letters are said in upper case (case is not spoken). Whitespace, dashes, brackets, commas and
/// semicolons in the input only format it: they are not spoken, and each run of them ends a
/// group, so "ORD-8842" → "O-R-D, 8-8-4-2" and "415 555 1234" → "4-1-5, 5-5-5, 1-2-3-4".
/// Symbols that belong to the value are named (`.` dot, `@` at, `_` underscore, `+` plus,
/// `#` hash, `*` star, `&` and, `/` slash, `:` colon); any other character is kept as itself,
/// except control characters, which are dropped.
///
/// ```
/// use switchboard_speech::{Style, spell};
///
/// assert_eq!(spell("0215551234", Style::HYPHENS), "0-2-1-5-5-5-1-2-3-4");
/// assert_eq!(spell("ab1", Style::PHONETIC), "A as in Alpha, B as in Bravo, one");
/// ```
#[must_use]
pub fn spell(value: &str, style: Style) -> String {
    render(&groups(value), style)
}

/// A North American (NANP) number: area code and exchange both start with 2-9.
fn is_nanp(digits: &[char]) -> bool {
    digits.len() == 10 && matches!(digits[0], '2'..='9') && matches!(digits[3], '2'..='9')
}

/// Cuts `chars` into consecutive groups of the given sizes.
fn cut(chars: &[char], sizes: &[usize]) -> Vec<Vec<char>> {
    let mut out = Vec::new();
    let mut rest = chars;
    for &size in sizes {
        let (head, tail) = rest.split_at(size.min(rest.len()));
        out.push(head.to_vec());
        rest = tail;
    }
    if !rest.is_empty() {
        out.push(rest.to_vec());
    }
    out
}

/// Group sizes for an ungrouped value of `n` characters that is not a NANP number.
fn generic_sizes(n: usize) -> Vec<usize> {
    match n {
        0..=6 => vec![n],
        7 => vec![3, 4],
        8 => vec![4, 4],
        9 => vec![3, 3, 3],
        10 => vec![3, 3, 4],
        11 => vec![3, 4, 4],
        _ => {
            let mut sizes = vec![4; n / 4];
            match n % 4 {
                0 => {}
                // A lone trailing digit is easy to miss; it joins the group before it.
                1 => {
                    if let Some(last) = sizes.last_mut() {
                        *last += 1;
                    }
                }
                rest => sizes.push(rest),
            }
            sizes
        }
    }
}

/// A phone number read back in groups, "4155551234" → "4-1-5, 5-5-5, 1-2-3-4".
///
/// Letters and digits are the characters read; everything else only formats the number, except
/// a leading `+`, which is said as "plus". The groups are, in order of precedence:
///
/// | number | groups | example |
/// |---|---|---|
/// | 10 digits, NANP (area code and exchange start with 2-9) | 3-3-4 | `(415) 555-1234` → `4-1-5, 5-5-5, 1-2-3-4` |
/// | 11 digits, 1 then NANP, with or without `+` | 1-3-3-4 | `+1 415 555 1234` → `plus 1, 4-1-5, 5-5-5, 1-2-3-4` |
/// | 7 digits starting 2-9, no `+` | 3-4 | `555-1234` → `5-5-5, 1-2-3-4` |
/// | anything else written in groups | the input's groups | `+44 20 7946 0958` → `plus 4-4, 2-0, 7-9-4-6, 0-9-5-8` |
/// | anything else, ungrouped | by length: ≤6 one group, 7: 3-4, 8: 4-4, 9: 3-3-3, 10: 3-3-4, 11: 3-4-4, longer: fours (a lone last character joins the group before) | `0215551234` → `0-2-1, 5-5-5, 1-2-3-4` |
///
/// ```
/// use switchboard_speech::{Style, spell_phone};
///
/// assert_eq!(spell_phone("4155551234", Style::HYPHENS), "4-1-5, 5-5-5, 1-2-3-4");
/// assert_eq!(
///     spell_phone("+1 (415) 555-1234", Style::WORDS),
///     "plus one, four one five, five five five, one two three four",
/// );
/// ```
#[must_use]
pub fn spell_phone(value: &str, style: Style) -> String {
    let trimmed = value.trim_start();
    let plus = trimmed.starts_with('+');
    let input_groups: Vec<Vec<char>> = trimmed
        .split(|c: char| !c.is_alphanumeric())
        .filter(|g| !g.is_empty())
        .map(|g| g.chars().collect())
        .collect();
    let chars: Vec<char> = input_groups.iter().flatten().copied().collect();
    let all_digits = chars.iter().all(char::is_ascii_digit);
    let n = chars.len();
    let grouped = if all_digits && !plus && is_nanp(&chars) {
        cut(&chars, &[3, 3, 4])
    } else if all_digits && n == 11 && chars[0] == '1' && is_nanp(&chars[1..]) {
        cut(&chars, &[1, 3, 3, 4])
    } else if all_digits && !plus && n == 7 && matches!(chars[0], '2'..='9') {
        cut(&chars, &[3, 4])
    } else if input_groups.len() > 1 {
        input_groups
    } else {
        cut(&chars, &generic_sizes(n))
    };
    let spoken = render(&grouped, style);
    if plus && !spoken.is_empty() {
        format!("plus {spoken}")
    } else {
        spoken
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generic_sizes_cover_every_character() {
        for n in 0..64 {
            assert_eq!(generic_sizes(n).iter().sum::<usize>(), n, "n = {n}");
            assert!(generic_sizes(n).iter().all(|&s| s > 1 || n <= 1), "n = {n}");
        }
    }
}
