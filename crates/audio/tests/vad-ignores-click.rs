//! A loud 30 ms click in background noise does not start a turn, while 150 ms of speech at a
//! lower level does.

use switchboard_audio::{SampleRate, VadConfig, VadEvent};

mod common;
use common::{Rng, dbfs, mix_into, noise, seconds, to_i16, vad_events, voiced};

#[test]
fn thirty_ms_click_does_not_start_speech() {
    let rate = SampleRate::HZ_24000;
    let mut rng = Rng::new(4);
    let mut signal = noise(&mut rng, seconds(rate, 3.0), dbfs(-60.0));
    // A full-scale noise burst: far louder than any speech in these tests.
    let click = noise(&mut rng, seconds(rate, 0.03), dbfs(-6.0));
    mix_into(&mut signal, seconds(rate, 1.0), &click);
    mix_into(&mut signal, seconds(rate, 2.0), &click);
    let events = vad_events(rate, VadConfig::default(), &to_i16(&signal), 480);
    assert_eq!(events, vec![], "clicks started a turn");
}

#[test]
fn short_word_does_start_speech() {
    // The control: proves the click test fails for the right reason, not because nothing is
    // ever detected in this setup.
    let rate = SampleRate::HZ_24000;
    let mut rng = Rng::new(4);
    let mut signal = noise(&mut rng, seconds(rate, 3.0), dbfs(-60.0));
    mix_into(
        &mut signal,
        seconds(rate, 1.0),
        &voiced(rate, seconds(rate, 0.15), 150.0, dbfs(-24.0)),
    );
    let events = vad_events(rate, VadConfig::default(), &to_i16(&signal), 480);
    assert!(
        matches!(
            events[..],
            [
                VadEvent::SpeechStarted { .. },
                VadEvent::SpeechStopped { .. }
            ]
        ),
        "{events:?}"
    );
}
