//! Times said plainly, as the guide asks: "three-thirty p.m.". Without a.m./p.m. a time is on the
//! 24-hour clock.

use switchboard_speech::time;

#[test]
fn the_guides_time() {
    assert_eq!(time("3:30 pm").as_deref(), Some("three-thirty p.m."));
    assert_eq!(time("15:30").as_deref(), Some("three-thirty p.m."));
}

#[test]
fn twelve_hour_clock() {
    for (text, said) in [
        ("3pm", "three p.m."),
        ("3 PM", "three p.m."),
        ("3 p.m.", "three p.m."),
        ("3 P.M.", "three p.m."),
        ("3:30pm", "three-thirty p.m."),
        ("10am", "ten a.m."),
        ("10 a.m", "ten a.m."),
        ("12pm", "twelve p.m."),
        ("12:00 am", "twelve a.m."),
        ("3:05 PM", "three oh five p.m."),
        ("3:15 pm", "three-fifteen p.m."),
        ("3:45 pm", "three forty-five p.m."),
        ("11:59 pm", "eleven fifty-nine p.m."),
    ] {
        assert_eq!(time(text).as_deref(), Some(said), "{text}");
    }
}

#[test]
fn twenty_four_hour_clock() {
    for (text, said) in [
        ("10:00", "ten a.m."),
        ("09:30", "nine-thirty a.m."),
        ("12:00", "twelve p.m."),
        ("00:00", "twelve a.m."),
        ("0:15", "twelve-fifteen a.m."),
        ("13:00", "one p.m."),
        ("23:59", "eleven fifty-nine p.m."),
    ] {
        assert_eq!(time(text).as_deref(), Some(said), "{text}");
    }
}

#[test]
fn us_time_zones_are_said_in_full() {
    for (text, said) in [
        ("2pm ET", "two p.m. Eastern Time"),
        ("10:00 PT", "ten a.m. Pacific Time"),
        ("9am EST", "nine a.m. Eastern Standard Time"),
        ("4 pm CDT", "four p.m. Central Daylight Time"),
    ] {
        assert_eq!(time(text).as_deref(), Some(said), "{text}");
    }
    assert_eq!(
        time("2pm UTC"),
        None,
        "unknown zones are not part of the time"
    );
}

#[test]
fn not_times() {
    for text in [
        "3",
        "24:00",
        "3:60",
        "3:5",
        "3:305",
        "13pm",
        "0am",
        "3:30 pmx",
        "3 o'clock",
        "3:30:15",
        "",
        "pm",
    ] {
        assert_eq!(time(text), None, "{text:?}");
    }
}
