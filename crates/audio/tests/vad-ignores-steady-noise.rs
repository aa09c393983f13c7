//! Steady background noise, even loud, is learnt as the noise floor: it never starts a turn,
//! and speech well above it is still found at the right time. Noise that switches on mid-call
//! may look like speech at first, but is learnt within seconds and does not hold a turn open.

use switchboard_audio::{SampleRate, VadConfig, VadEvent};

mod common;
use common::{Rng, assert_near, dbfs, mix_into, ms, noise, seconds, to_i16, vad_events, voiced};

#[test]
fn loud_steady_noise_alone_is_not_speech() {
    let rate = SampleRate::HZ_16000;
    let mut rng = Rng::new(6);
    for level in [-50.0, -35.0] {
        let signal = noise(&mut rng, seconds(rate, 10.0), dbfs(level));
        let events = vad_events(rate, VadConfig::default(), &to_i16(&signal), 320);
        assert_eq!(events, vec![], "noise at {level} dBFS");
    }
}

#[test]
fn speech_over_loud_noise_is_found() {
    let rate = SampleRate::HZ_16000;
    let mut rng = Rng::new(7);
    let mut signal = noise(&mut rng, seconds(rate, 6.0), dbfs(-40.0));
    mix_into(
        &mut signal,
        seconds(rate, 3.0),
        &voiced(rate, seconds(rate, 1.5), 120.0, dbfs(-15.0)),
    );
    let events = vad_events(rate, VadConfig::default(), &to_i16(&signal), 320);
    let [
        VadEvent::SpeechStarted { audio_start },
        VadEvent::SpeechStopped { audio_end },
    ] = events[..]
    else {
        panic!("expected one turn: {events:?}");
    };
    assert_near("start", audio_start, ms(2_700), ms(40));
    assert_near("end", audio_end, ms(5_000), ms(60));
}

#[test]
fn noise_switching_on_mid_call_does_not_hold_the_turn_open() {
    let rate = SampleRate::HZ_16000;
    let mut rng = Rng::new(9);
    // Quiet line, then at 2 s a fan 20 dB louder that never stops.
    let mut signal = noise(&mut rng, seconds(rate, 12.0), dbfs(-60.0));
    let fan = noise(&mut rng, seconds(rate, 10.0), dbfs(-40.0));
    mix_into(&mut signal, seconds(rate, 2.0), &fan);
    let events = vad_events(rate, VadConfig::default(), &to_i16(&signal), 320);
    match events[..] {
        [] => {}
        [
            VadEvent::SpeechStarted { .. },
            VadEvent::SpeechStopped { audio_end },
        ] => assert!(audio_end < ms(8_000), "turn held open until {audio_end:?}"),
        _ => panic!("expected at most one short false turn: {events:?}"),
    }
}
