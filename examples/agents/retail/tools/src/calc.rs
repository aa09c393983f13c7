//! `calculate`: arithmetic on numbers with `+ - * / ( )`, evaluated the way the benchmark's
//! tool evaluates it (Python's expression rules: `**` is a power, `//` a floor division, a
//! division of whole numbers gives a fraction), rounded to two decimals and written as Python
//! writes a float (`4.0`, `12.35`, `1e+16`).

/// The characters an expression may hold.
const ALLOWED: &str = "0123456789+-*/(). ";

/// How deeply parentheses and signs may nest.
const MAX_DEPTH: usize = 100;

/// Evaluates `expression`; the result as text, or why not.
pub fn calculate(expression: &str) -> Result<String, String> {
    if !expression.chars().all(|c| ALLOWED.contains(c)) {
        return Err("Invalid characters in expression".to_owned());
    }
    let tokens = tokenize(expression)?;
    let mut parser = Parser {
        tokens: &tokens,
        at: 0,
        depth: 0,
    };
    let value = parser.expression()?;
    if parser.at != tokens.len() {
        return Err("invalid syntax".to_owned());
    }
    Ok(python_float(round2(value.as_float()?)))
}

/// A number as Python holds it: a whole number or a float.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Num {
    Int(i128),
    Float(f64),
}

impl Num {
    fn as_float(self) -> Result<f64, String> {
        match self {
            Num::Float(f) => Ok(f),
            Num::Int(i) => {
                let f = i as f64;
                if f.is_finite() {
                    Ok(f)
                } else {
                    Err("int too large to convert to float".to_owned())
                }
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Token {
    Num(Num),
    Plus,
    Minus,
    Star,
    Power,
    Slash,
    FloorDiv,
    Open,
    Close,
}

fn tokenize(text: &str) -> Result<Vec<Token>, String> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        match c {
            ' ' => i += 1,
            '+' => {
                tokens.push(Token::Plus);
                i += 1;
            }
            '-' => {
                tokens.push(Token::Minus);
                i += 1;
            }
            '*' if next == Some('*') => {
                tokens.push(Token::Power);
                i += 2;
            }
            '*' => {
                tokens.push(Token::Star);
                i += 1;
            }
            '/' if next == Some('/') => {
                tokens.push(Token::FloorDiv);
                i += 2;
            }
            '/' => {
                tokens.push(Token::Slash);
                i += 1;
            }
            '(' => {
                tokens.push(Token::Open);
                i += 1;
            }
            ')' => {
                tokens.push(Token::Close);
                i += 1;
            }
            _ => {
                // A number: digits, then at most one point and more digits; or a point and
                // digits.
                let start = i;
                while i < chars.len() && chars[i].is_ascii_digit() {
                    i += 1;
                }
                let mut float = false;
                if i < chars.len() && chars[i] == '.' {
                    float = true;
                    i += 1;
                    while i < chars.len() && chars[i].is_ascii_digit() {
                        i += 1;
                    }
                }
                let literal: String = chars[start..i].iter().collect();
                if literal == "." {
                    return Err("invalid syntax".to_owned());
                }
                tokens.push(Token::Num(number(&literal, float)?));
            }
        }
    }
    Ok(tokens)
}

fn number(literal: &str, float: bool) -> Result<Num, String> {
    if float {
        return literal
            .parse::<f64>()
            .map(Num::Float)
            .map_err(|_| "invalid syntax".to_owned());
    }
    if literal.len() > 1 && literal.starts_with('0') && literal.chars().any(|c| c != '0') {
        return Err(
            "invalid syntax: leading zeros in decimal integer literals are not permitted"
                .to_owned(),
        );
    }
    match literal.parse::<i128>() {
        Ok(i) => Ok(Num::Int(i)),
        // Longer than an i128: held as a float, as far as it goes.
        Err(_) => literal
            .parse::<f64>()
            .map(Num::Float)
            .map_err(|_| "invalid syntax".to_owned()),
    }
}

struct Parser<'t> {
    tokens: &'t [Token],
    at: usize,
    depth: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<Token> {
        self.tokens.get(self.at).copied()
    }

    fn nested<T>(&mut self, f: impl FnOnce(&mut Self) -> Result<T, String>) -> Result<T, String> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err("the expression is nested too deeply".to_owned());
        }
        let result = f(self);
        self.depth -= 1;
        result
    }

    /// `term (('+' | '-') term)*`
    fn expression(&mut self) -> Result<Num, String> {
        let mut value = self.term()?;
        while let Some(op @ (Token::Plus | Token::Minus)) = self.peek() {
            self.at += 1;
            let right = self.term()?;
            value = if op == Token::Plus {
                add(value, right)
            } else {
                sub(value, right)
            };
        }
        Ok(value)
    }

    /// `factor (('*' | '/' | '//') factor)*`
    fn term(&mut self) -> Result<Num, String> {
        let mut value = self.factor()?;
        while let Some(op @ (Token::Star | Token::Slash | Token::FloorDiv)) = self.peek() {
            self.at += 1;
            let right = self.factor()?;
            value = match op {
                Token::Star => mul(value, right),
                Token::Slash => div(value, right)?,
                _ => floor_div(value, right)?,
            };
        }
        Ok(value)
    }

    /// `('+' | '-') factor | power`
    fn factor(&mut self) -> Result<Num, String> {
        match self.peek() {
            Some(Token::Plus) => {
                self.at += 1;
                self.nested(Self::factor)
            }
            Some(Token::Minus) => {
                self.at += 1;
                let value = self.nested(Self::factor)?;
                Ok(match value {
                    Num::Int(i) => i.checked_neg().map_or(Num::Float(-(i as f64)), Num::Int),
                    Num::Float(f) => Num::Float(-f),
                })
            }
            _ => self.power(),
        }
    }

    /// `atom ['**' factor]`: the exponent may carry a sign, and `-2**2` is `-(2**2)`.
    fn power(&mut self) -> Result<Num, String> {
        let base = self.atom()?;
        if self.peek() == Some(Token::Power) {
            self.at += 1;
            let exponent = self.nested(Self::factor)?;
            return pow(base, exponent);
        }
        Ok(base)
    }

    /// A number or a parenthesised expression.
    fn atom(&mut self) -> Result<Num, String> {
        match self.peek() {
            Some(Token::Num(n)) => {
                self.at += 1;
                Ok(n)
            }
            Some(Token::Open) => {
                self.at += 1;
                let value = self.nested(Self::expression)?;
                if self.peek() != Some(Token::Close) {
                    return Err("invalid syntax: '(' was never closed".to_owned());
                }
                self.at += 1;
                Ok(value)
            }
            _ => Err("invalid syntax".to_owned()),
        }
    }
}

fn add(a: Num, b: Num) -> Num {
    match (a, b) {
        (Num::Int(x), Num::Int(y)) => x
            .checked_add(y)
            .map_or(Num::Float(x as f64 + y as f64), Num::Int),
        _ => Num::Float(float(a) + float(b)),
    }
}

fn sub(a: Num, b: Num) -> Num {
    match (a, b) {
        (Num::Int(x), Num::Int(y)) => x
            .checked_sub(y)
            .map_or(Num::Float(x as f64 - y as f64), Num::Int),
        _ => Num::Float(float(a) - float(b)),
    }
}

fn mul(a: Num, b: Num) -> Num {
    match (a, b) {
        (Num::Int(x), Num::Int(y)) => x
            .checked_mul(y)
            .map_or(Num::Float(x as f64 * y as f64), Num::Int),
        _ => Num::Float(float(a) * float(b)),
    }
}

fn div(a: Num, b: Num) -> Result<Num, String> {
    if float(b) == 0.0 {
        return Err("division by zero".to_owned());
    }
    Ok(Num::Float(float(a) / float(b)))
}

fn floor_div(a: Num, b: Num) -> Result<Num, String> {
    if float(b) == 0.0 {
        return Err("division by zero".to_owned());
    }
    match (a, b) {
        (Num::Int(x), Num::Int(y)) => {
            let Some(q) = x.checked_div(y) else {
                return Ok(Num::Float((x as f64 / y as f64).floor()));
            };
            let floored = if x % y != 0 && ((x < 0) != (y < 0)) {
                q - 1
            } else {
                q
            };
            Ok(Num::Int(floored))
        }
        _ => Ok(Num::Float((float(a) / float(b)).floor())),
    }
}

fn pow(base: Num, exponent: Num) -> Result<Num, String> {
    if let (Num::Int(b), Num::Int(e)) = (base, exponent)
        && let Some(value) = u32::try_from(e).ok().and_then(|e| b.checked_pow(e))
    {
        return Ok(Num::Int(value));
    }
    let (b, e) = (float(base), float(exponent));
    if b == 0.0 && e < 0.0 {
        return Err("0.0 cannot be raised to a negative power".to_owned());
    }
    if b < 0.0 && e.fract() != 0.0 {
        return Err("can't convert complex to float".to_owned());
    }
    let value = b.powf(e);
    if value.is_infinite() {
        return Err("numerical result out of range".to_owned());
    }
    Ok(Num::Float(value))
}

fn float(n: Num) -> f64 {
    match n {
        Num::Int(i) => i as f64,
        Num::Float(f) => f,
    }
}

/// Python's `round(x, 2)`: the exact value rounded to two decimals, ties to even.
pub(crate) fn round2(x: f64) -> f64 {
    if !x.is_finite() {
        return x;
    }
    format!("{x:.2}").parse().unwrap_or(x)
}

/// A float written as Python's `repr` writes it: shortest digits that read back the same,
/// `.0` on whole numbers, an exponent (`1e+16`, `1e-05`) outside `[1e-4, 1e16)`.
pub(crate) fn python_float(x: f64) -> String {
    if x.is_nan() {
        return "nan".to_owned();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf" } else { "-inf" }.to_owned();
    }
    let magnitude = x.abs();
    if x != 0.0 && !(1e-4..1e16).contains(&magnitude) {
        let written = format!("{x:e}");
        let (mantissa, exponent) = written.split_once('e').unwrap_or((&written, "0"));
        let exponent: i32 = exponent.parse().unwrap_or(0);
        let sign = if exponent < 0 { '-' } else { '+' };
        return format!("{mantissa}e{sign}{:02}", exponent.abs());
    }
    format!("{x:?}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(expression: &str) -> String {
        match calculate(expression) {
            Ok(v) => v,
            Err(e) => panic!("{expression}: {e}"),
        }
    }

    #[test]
    fn sums_and_differences_of_prices() {
        assert_eq!(ok("2 + 2"), "4.0");
        assert_eq!(ok("466.75 + 288.82 + 135.24 + 193.38 + 46.66"), "1130.85");
        assert_eq!(ok("135.24 - 153.23"), "-17.99");
        assert_eq!(ok("(1 + 2) * 3"), "9.0");
        assert_eq!(ok("10 / 4"), "2.5");
        assert_eq!(ok("1 / 3"), "0.33");
    }

    #[test]
    fn python_operators() {
        assert_eq!(ok("2 ** 10"), "1024.0");
        assert_eq!(ok("-2 ** 2"), "-4.0");
        assert_eq!(ok("2 ** -1"), "0.5");
        assert_eq!(ok("7 // 2"), "3.0");
        assert_eq!(ok("-7 // 2"), "-4.0");
        assert_eq!(ok("--3"), "3.0");
        assert_eq!(ok(".5 + 5."), "5.5");
        assert_eq!(ok("00 + 1"), "1.0");
    }

    #[test]
    fn rounding_and_writing_as_python_does() {
        assert_eq!(ok("2.675"), "2.67");
        assert_eq!(ok("0.125"), "0.12");
        assert_eq!(ok("0.375"), "0.38");
        assert_eq!(ok("-0.001"), "-0.0");
        assert_eq!(ok("10 ** 16"), "1e+16");
        assert_eq!(ok("123456789.125"), "123456789.12");
        assert_eq!(python_float(1e-5), "1e-05");
        assert_eq!(python_float(1.5e300), "1.5e+300");
    }

    #[test]
    fn errors() {
        assert_eq!(
            calculate("2 + x"),
            Err("Invalid characters in expression".to_owned())
        );
        assert_eq!(calculate("1 / 0"), Err("division by zero".to_owned()));
        assert_eq!(calculate("1 // 0.0"), Err("division by zero".to_owned()));
        for bad in [
            "", "2 +", "(1 + 2", "1 + 2)", "1 2", "1.2.3", "()", "(1)(2)", "* 3", "01", ".",
        ] {
            assert!(calculate(bad).is_err(), "{bad:?}");
        }
        assert!(calculate(&"(".repeat(500)).is_err());
        assert!(calculate(&"-".repeat(500)).is_err());
        assert!(calculate("(-8) ** 0.5").is_err());
        assert!(calculate("0 ** -1").is_err());
        assert!(calculate("10.0 ** 400").is_err());
    }
}
