//! Two speech-like utterances over low background noise produce exactly two
//! `SpeechStarted`/`SpeechStopped` pairs, at the onset minus the prefix padding and at the end
//! of speech plus the silence duration, whatever the push size.

use switchboard_audio::{SampleRate, VadConfig, VadEvent};

mod common;
use common::{Rng, assert_near, dbfs, mix_into, ms, noise, seconds, to_i16, vad_events, voiced};

#[test]
fn two_utterances_give_two_turns_at_the_right_times() {
    let rate = SampleRate::HZ_24000;
    let mut rng = Rng::new(1);
    // 0.8 s noise, 1.2 s speech, 1.5 s noise, 0.9 s speech, 1.2 s noise.
    let mut signal = noise(&mut rng, seconds(rate, 5.6), dbfs(-60.0));
    mix_into(
        &mut signal,
        seconds(rate, 0.8),
        &voiced(rate, seconds(rate, 1.2), 140.0, dbfs(-20.0)),
    );
    mix_into(
        &mut signal,
        seconds(rate, 3.5),
        &voiced(rate, seconds(rate, 0.9), 210.0, dbfs(-26.0)),
    );
    let samples = to_i16(&signal);

    for chunk in [480, 1_000, 7] {
        let events = vad_events(rate, VadConfig::default(), &samples, chunk);
        let tolerance = ms(40);
        let [
            VadEvent::SpeechStarted {
                audio_start: start1,
            },
            VadEvent::SpeechStopped { audio_end: end1 },
            VadEvent::SpeechStarted {
                audio_start: start2,
            },
            VadEvent::SpeechStopped { audio_end: end2 },
        ] = events[..]
        else {
            panic!("chunk {chunk}: expected two start/stop pairs, got {events:?}");
        };
        // Onset minus 300 ms of prefix padding; end of speech plus 500 ms of silence.
        assert_near("first start", start1, ms(800 - 300), tolerance);
        assert_near("first end", end1, ms(2_000 + 500), tolerance);
        assert_near("second start", start2, ms(3_500 - 300), tolerance);
        assert_near("second end", end2, ms(4_400 + 500), tolerance);
    }
}

#[test]
fn padding_and_silence_settings_move_the_offsets() {
    let rate = SampleRate::HZ_16000;
    let mut rng = Rng::new(2);
    let mut signal = noise(&mut rng, seconds(rate, 4.0), dbfs(-60.0));
    mix_into(
        &mut signal,
        seconds(rate, 1.0),
        &voiced(rate, seconds(rate, 1.0), 120.0, dbfs(-22.0)),
    );
    let samples = to_i16(&signal);

    let config = VadConfig {
        prefix_padding: ms(100),
        silence_duration: ms(1_200),
        ..VadConfig::default()
    };
    let events = vad_events(rate, config, &samples, 320);
    let [
        VadEvent::SpeechStarted { audio_start },
        VadEvent::SpeechStopped { audio_end },
    ] = events[..]
    else {
        panic!("expected one start/stop pair, got {events:?}");
    };
    assert_near("start", audio_start, ms(900), ms(40));
    assert_near("end", audio_end, ms(3_200), ms(40));
}
