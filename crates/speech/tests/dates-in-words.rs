//! Dates said plainly, as the guide asks: "August twelfth". A written year is kept.

use switchboard_speech::date;

#[test]
fn the_guides_dates() {
    assert_eq!(date("August 12").as_deref(), Some("August twelfth"));
    assert_eq!(date("August 1").as_deref(), Some("August first"));
}

#[test]
fn every_written_form() {
    for (text, said) in [
        ("2025-08-12", "August twelfth, twenty twenty-five"),
        ("2024-02-29", "February twenty-ninth, twenty twenty-four"),
        ("Aug 12", "August twelfth"),
        ("Aug. 12", "August twelfth"),
        ("Sept 3", "September third"),
        ("August 12th", "August twelfth"),
        ("August 12, 2025", "August twelfth, twenty twenty-five"),
        ("August 12 2025", "August twelfth, twenty twenty-five"),
        ("AUGUST 21ST", "August twenty-first"),
        ("12 August", "August twelfth"),
        ("12th August 2025", "August twelfth, twenty twenty-five"),
        ("12 of August", "August twelfth"),
        ("1 Jan, 2000", "January first, two thousand"),
        ("August 2025", "August twenty twenty-five"),
        ("8/12/2025", "August twelfth, twenty twenty-five"),
        ("08/12/2025", "August twelfth, twenty twenty-five"),
        // The first number cannot be a month, so it is the day.
        ("25/12/2025", "December twenty-fifth, twenty twenty-five"),
        ("February 29", "February twenty-ninth"),
    ] {
        assert_eq!(date(text).as_deref(), Some(said), "{text}");
    }
}

#[test]
fn impossible_or_partial_dates_are_not_dates() {
    for text in [
        "2025-02-29",
        "2025-13-01",
        "2025-00-10",
        "2025-8-12",
        "February 30",
        "April 31",
        "August 0",
        "13/13/2025",
        "8/12/25",
        "8/12",
        "august 12",
        "Augustus 12",
        "August",
        "August 123",
        "August 12, 20255",
        "12",
        "",
    ] {
        assert_eq!(date(text), None, "{text:?}");
    }
}
