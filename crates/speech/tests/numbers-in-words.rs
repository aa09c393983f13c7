//! Numbers in English words: cardinals, ordinals, years, written numerals, percentages.

use switchboard_speech::{cardinal, number, ordinal, percent, year};

#[test]
fn cardinals() {
    for (n, said) in [
        (0, "zero"),
        (7, "seven"),
        (13, "thirteen"),
        (20, "twenty"),
        (21, "twenty-one"),
        (99, "ninety-nine"),
        (100, "one hundred"),
        (101, "one hundred one"),
        (240, "two hundred forty"),
        (1_000, "one thousand"),
        (1_001, "one thousand one"),
        (10_500, "ten thousand five hundred"),
        (1_000_000, "one million"),
        (
            32_323_232,
            "thirty-two million three hundred twenty-three thousand two hundred thirty-two",
        ),
        (7_000_000_001, "seven billion one"),
        (1_250_000_000_000, "one trillion two hundred fifty billion"),
        (-5, "minus five"),
        (-1_000, "minus one thousand"),
    ] {
        assert_eq!(cardinal(n), said, "{n}");
    }
    assert!(cardinal(i64::MAX).starts_with("nine quintillion "));
}

#[test]
fn ordinals() {
    for (n, said) in [
        (0, "zeroth"),
        (1, "first"),
        (2, "second"),
        (3, "third"),
        (4, "fourth"),
        (5, "fifth"),
        (8, "eighth"),
        (9, "ninth"),
        (11, "eleventh"),
        (12, "twelfth"),
        (20, "twentieth"),
        (21, "twenty-first"),
        (32, "thirty-second"),
        (100, "one hundredth"),
        (103, "one hundred third"),
        (1_000_000, "one millionth"),
    ] {
        assert_eq!(ordinal(n), said, "{n}");
    }
    assert!(ordinal(u64::MAX).ends_with("six hundred fifteenth"));
}

#[test]
fn years() {
    for (y, said) in [
        (2025, "twenty twenty-five"),
        (2010, "twenty ten"),
        (2000, "two thousand"),
        (2005, "two thousand five"),
        (1999, "nineteen ninety-nine"),
        (1900, "nineteen hundred"),
        (1905, "nineteen oh five"),
        (1066, "ten sixty-six"),
        (1000, "one thousand"),
        (999, "nine hundred ninety-nine"),
        (0, "zero"),
        (10_000, "ten thousand"),
    ] {
        assert_eq!(year(y), said, "{y}");
    }
}

#[test]
fn written_numbers() {
    for (text, said) in [
        ("3.14", Some("three point one four")),
        ("0.5", Some("zero point five")),
        (".5", Some("point five")),
        ("-2", Some("minus two")),
        ("\u{2212}2.5", Some("minus two point five")),
        ("1,250", Some("one thousand two hundred fifty")),
        (
            "1,234,567.89",
            Some(
                "one million two hundred thirty-four thousand five hundred sixty-seven point eight nine",
            ),
        ),
        ("007", Some("seven")),
        ("  42 ", Some("forty-two")),
        ("1.50", Some("one point five zero")),
        ("1,23", None),
        ("12a", None),
        ("3 apples", None),
        ("1.", None),
        ("-", None),
        ("", None),
    ] {
        assert_eq!(number(text).as_deref(), said, "{text:?}");
    }
    let huge = "12345678901234567890123456789012345678901234567890";
    assert!(number(huge).is_some_and(|w| w.starts_with("one two three")));
}

#[test]
fn percentages() {
    for (text, said) in [
        ("12%", Some("twelve percent")),
        ("3.5%", Some("three point five percent")),
        ("100 %", Some("one hundred percent")),
        ("-2%", Some("minus two percent")),
        ("12", None),
        ("%", None),
        ("12%%", None),
    ] {
        assert_eq!(percent(text).as_deref(), said, "{text:?}");
    }
}
