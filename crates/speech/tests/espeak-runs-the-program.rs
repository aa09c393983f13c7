//! The one espeak-ng runner: text on stdin, a WAV file on stdout.

use switchboard_speech::espeak::{self, Options};

/// espeak-ng is an outside program; without it there is nothing to run, unless the suite
/// requires outside programs.
fn installed() -> bool {
    let found = espeak::available();
    let required = std::env::var("SWITCHBOARD_REQUIRE_EXTERNAL").is_ok_and(|v| v == "1");
    assert!(
        found || !required,
        "espeak-ng not found and SWITCHBOARD_REQUIRE_EXTERNAL=1: install espeak-ng; scripts/test does"
    );
    found
}

/// The length of a WAV file's audio, in bytes, whatever its header declares.
fn audio_bytes(wav: &[u8]) -> usize {
    assert_eq!(&wav[..4], b"RIFF", "a WAV file");
    assert_eq!(&wav[8..12], b"WAVE");
    wav.len() - 44
}

#[test]
fn text_becomes_a_wav_file() {
    if !installed() {
        return;
    }
    let wav = espeak::synthesize("Testing one two three.", &Options::default()).expect("speaks");
    assert!(audio_bytes(&wav) > 10_000, "{} bytes", wav.len());
}

#[test]
fn text_that_looks_like_an_option_is_spoken() {
    if !installed() {
        return;
    }
    let wav = espeak::synthesize("--help me please", &Options::default()).expect("speaks");
    assert!(audio_bytes(&wav) > 10_000, "{} bytes", wav.len());
}

#[test]
fn ssml_is_read_as_markup_and_the_rate_is_followed() {
    if !installed() {
        return;
    }
    let text = "<speak><sub alias=\"sequel\">SQL</sub></speak>";
    let plain = espeak::synthesize(text, &Options::default()).expect("speaks");
    let ssml = Options {
        ssml: true,
        ..Options::default()
    };
    let markup = espeak::synthesize(text, &ssml).expect("speaks");
    // Read as text, the tags are spoken too.
    assert!(audio_bytes(&markup) * 2 < audio_bytes(&plain));
    let slow = Options {
        words_per_minute: 90,
        ..Options::default()
    };
    let slower = espeak::synthesize("one two three four five", &slow).expect("speaks");
    let normal =
        espeak::synthesize("one two three four five", &Options::default()).expect("speaks");
    assert!(audio_bytes(&slower) > audio_bytes(&normal) * 3 / 2);
}
