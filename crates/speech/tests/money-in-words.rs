//! Money said naturally, as the guide's "Rephrase Supervisor" rules ask.

use switchboard_speech::money;

#[test]
fn the_guides_examples() {
    assert_eq!(
        money("$45.20").as_deref(),
        Some("forty-five dollars and twenty cents")
    );
    assert_eq!(
        money("32,323,232 AUD").as_deref(),
        Some(
            "thirty-two million three hundred twenty-three thousand two hundred thirty-two dollars"
        )
    );
}

#[test]
fn singular_plural_and_cents_alone() {
    for (text, said) in [
        ("$1", "one dollar"),
        ("$1.00", "one dollar"),
        ("$2", "two dollars"),
        ("$0", "zero dollars"),
        ("$0.00", "zero dollars"),
        ("$0.05", "five cents"),
        ("$0.01", "one cent"),
        ("$.99", "ninety-nine cents"),
        ("$1.01", "one dollar and one cent"),
        ("$1.5", "one dollar and fifty cents"),
        ("$1,000.50", "one thousand dollars and fifty cents"),
        ("$0.125", "zero point one two five dollars"),
    ] {
        assert_eq!(money(text).as_deref(), Some(said), "{text}");
    }
}

#[test]
fn currencies_by_symbol_and_code() {
    for (text, said) in [
        ("USD 45", "forty-five dollars"),
        ("45 USD", "forty-five dollars"),
        ("AUD45", "forty-five dollars"),
        ("US$5", "five dollars"),
        ("A$5", "five dollars"),
        ("C$5", "five dollars"),
        ("NZ$5", "five dollars"),
        ("€1", "one euro"),
        ("€2.50", "two euros and fifty cents"),
        ("5 €", "five euros"),
        ("5€", "five euros"),
        ("12 EUR", "twelve euros"),
        ("£1.01", "one pound and one penny"),
        ("£0.50", "fifty pence"),
        ("GBP 3", "three pounds"),
        ("¥100", "one hundred yen"),
        ("¥1", "one yen"),
        ("100.5 JPY", "one hundred point five yen"),
        ("₹20", "twenty rupees"),
        ("CHF 1.20", "one franc and twenty centimes"),
        ("MXN 2", "two pesos"),
    ] {
        assert_eq!(money(text).as_deref(), Some(said), "{text}");
    }
}

#[test]
fn negatives_and_scales() {
    for (text, said) in [
        ("-$45.20", "minus forty-five dollars and twenty cents"),
        ("$-5", "minus five dollars"),
        ("\u{2212}€3", "minus three euros"),
        ("$1.5 million", "one point five million dollars"),
        ("$2 billion", "two billion dollars"),
        ("$1 million", "one million dollars"),
        ("$5k", "five thousand dollars"),
        ("$5K", "five thousand dollars"),
        ("$2M", "two million dollars"),
        ("€1.2bn", "one point two billion euros"),
        ("USD 3 trillion", "three trillion dollars"),
    ] {
        assert_eq!(money(text).as_deref(), Some(said), "{text}");
    }
}

#[test]
fn not_money() {
    for text in [
        "45.20", "45", "$", "USD", "usd 45", "$abc", "$5x", "45 USDT", "$ 5", "--$5", "$1,23", "",
    ] {
        assert_eq!(money(text), None, "{text:?}");
    }
}
