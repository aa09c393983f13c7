//! A pause shorter than `silence_duration` inside an utterance does not end the turn; the same
//! pause with a shorter `silence_duration` does.

use switchboard_audio::{SampleRate, VadConfig, VadEvent};

mod common;
use common::{Rng, assert_near, dbfs, mix_into, ms, noise, seconds, to_i16, vad_events, voiced};

fn speech_with_pause(rate: SampleRate) -> Vec<i16> {
    let mut rng = Rng::new(3);
    // Speech 0.5–1.3 s, a 350 ms pause, speech 1.65–2.4 s.
    let mut signal = noise(&mut rng, seconds(rate, 3.5), dbfs(-58.0));
    mix_into(
        &mut signal,
        seconds(rate, 0.5),
        &voiced(rate, seconds(rate, 0.8), 130.0, dbfs(-22.0)),
    );
    mix_into(
        &mut signal,
        seconds(rate, 1.65),
        &voiced(rate, seconds(rate, 0.75), 135.0, dbfs(-22.0)),
    );
    to_i16(&signal)
}

#[test]
fn pause_shorter_than_silence_duration_is_one_turn() {
    let rate = SampleRate::HZ_24000;
    let events = vad_events(rate, VadConfig::default(), &speech_with_pause(rate), 480);
    let [
        VadEvent::SpeechStarted { audio_start },
        VadEvent::SpeechStopped { audio_end },
    ] = events[..]
    else {
        panic!("a 350 ms pause split the turn: {events:?}");
    };
    assert_near("start", audio_start, ms(200), ms(40));
    assert_near("end", audio_end, ms(2_900), ms(40));
}

#[test]
fn same_pause_splits_with_a_short_silence_duration() {
    let rate = SampleRate::HZ_24000;
    let config = VadConfig {
        silence_duration: ms(200),
        ..VadConfig::default()
    };
    let events = vad_events(rate, config, &speech_with_pause(rate), 480);
    assert_eq!(events.len(), 4, "expected two turns: {events:?}");
    let VadEvent::SpeechStopped { audio_end } = events[1] else {
        panic!("{events:?}");
    };
    assert_near("first end", audio_end, ms(1_300 + 200), ms(40));
}
