//! Numbers as a listener hears them: every number said in a text, in digits or in words, the
//! inverse of [`crate::number`] (the engine uses it to tell whether a question named the
//! value a held call carries: "thirty minutes" names 30, "sixty" does not).

use crate::words::{ONES, TENS};

/// Every number said in `text`, in digits ("30", "1,250", "2.5") or in words ("thirty",
/// "sixty-five", "two hundred and five", "one point five").
pub fn numbers_said(text: &str) -> Vec<f64> {
    #[derive(PartialEq, Clone, Copy)]
    enum Last {
        None,
        Unit,
        Teen,
        Ten,
        Hundred,
        Scale,
    }
    let lower = crate::normalise_text(text);
    let mut tokens: Vec<String> = Vec::new();
    let mut chars = lower.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_ascii_digit() {
            let mut numeral = String::new();
            while let Some(&c) = chars.peek() {
                if c.is_ascii_digit() || c == ',' || c == '.' {
                    numeral.push(c);
                    chars.next();
                } else {
                    break;
                }
            }
            tokens.push(numeral);
        } else if c.is_alphabetic() {
            let mut word = String::new();
            while let Some(&c) = chars.peek() {
                if c.is_alphabetic() {
                    word.push(c);
                    chars.next();
                } else {
                    break;
                }
            }
            tokens.push(word);
        } else {
            chars.next();
        }
    }
    let mut out = Vec::new();
    let (mut total, mut group, mut last) = (0.0_f64, 0.0_f64, Last::None);
    let flush = |out: &mut Vec<f64>, total: &mut f64, group: &mut f64, last: &mut Last| {
        if *last != Last::None {
            out.push(*total + *group);
        }
        (*total, *group, *last) = (0.0, 0.0, Last::None);
    };
    let mut i = 0;
    while i < tokens.len() {
        let token = tokens[i].as_str();
        let next = tokens.get(i + 1).map(String::as_str);
        if token.starts_with(|c: char| c.is_ascii_digit()) {
            flush(&mut out, &mut total, &mut group, &mut last);
            let numeral = token.trim_end_matches([',', '.']);
            // "1,250" groups thousands; any other comma separates numbers.
            let plain = if numeral.split(',').skip(1).all(|g| g.len() == 3) {
                numeral.replace(',', "")
            } else {
                numeral.split(',').next().unwrap_or_default().to_owned()
            };
            if let Ok(n) = plain.parse::<f64>() {
                out.push(n);
            }
        } else if let Some(n) = ONES.iter().position(|w| *w == token) {
            let teen = n >= 10;
            let fits = match last {
                Last::None | Last::Hundred | Last::Scale => true,
                Last::Ten => !teen && n > 0,
                Last::Unit | Last::Teen => false,
            };
            if !fits {
                flush(&mut out, &mut total, &mut group, &mut last);
            }
            group += n as f64;
            last = if teen { Last::Teen } else { Last::Unit };
        } else if let Some(n) = TENS.iter().position(|w| !w.is_empty() && *w == token) {
            if !matches!(last, Last::None | Last::Hundred | Last::Scale) {
                flush(&mut out, &mut total, &mut group, &mut last);
            }
            group += n as f64 * 10.0;
            last = Last::Ten;
        } else if token == "hundred" && last != Last::Hundred {
            group = if last == Last::None { 1.0 } else { group } * 100.0;
            last = Last::Hundred;
        } else if let Some(scale) = match token {
            "thousand" => Some(1e3),
            "million" => Some(1e6),
            _ => None,
        } {
            total += if last == Last::None { 1.0 } else { group } * scale;
            group = 0.0;
            last = Last::Scale;
        } else if token == "a" && matches!(next, Some("hundred" | "thousand" | "million")) {
            flush(&mut out, &mut total, &mut group, &mut last);
            group = 1.0;
            last = Last::Unit;
        } else if token == "and"
            && last != Last::None
            && next.is_some_and(|w| ONES.contains(&w) || (!w.is_empty() && TENS.contains(&w)))
        {
            // "two hundred and five".
        } else if token == "point"
            && last != Last::None
            && next.is_some_and(|w| ONES[..10].contains(&w))
        {
            let mut fraction = String::from("0.");
            while let Some(digit) = tokens
                .get(i + 1)
                .and_then(|w| ONES[..10].iter().position(|d| d == w))
            {
                fraction.push(char::from(b'0' + digit as u8));
                i += 1;
            }
            group += fraction.parse::<f64>().unwrap_or(0.0);
            flush(&mut out, &mut total, &mut group, &mut last);
        } else {
            flush(&mut out, &mut total, &mut group, &mut last);
        }
        i += 1;
    }
    flush(&mut out, &mut total, &mut group, &mut last);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_heard_in_digits_and_words() {
        for (text, expected) in [
            ("It would be thirty minutes.", vec![30.0]),
            ("a 30-minute credit", vec![30.0]),
            ("sixty-five or 1,250 or 2.5", vec![65.0, 1250.0, 2.5]),
            ("two hundred and five", vec![205.0]),
            ("a hundred", vec![100.0]),
            ("one point five", vec![1.5]),
            ("thirty five", vec![35.0]),
            ("ten twenty", vec![10.0, 20.0]),
            ("no numbers here", vec![]),
        ] {
            assert_eq!(numbers_said(text), expected, "{text}");
        }
    }
}
