//! As with `server_vad`, a higher threshold needs louder audio: quiet speech that starts a turn
//! at the default 0.5 is ignored at 0.95, while loud speech starts a turn at both.

use switchboard_audio::{SampleRate, VadConfig, VadEvent};

mod common;
use common::{Rng, dbfs, mix_into, noise, seconds, to_i16, vad_events, voiced};

fn speech_at(level_db: f64) -> Vec<i16> {
    let rate = SampleRate::HZ_24000;
    let mut rng = Rng::new(5);
    let mut signal = noise(&mut rng, seconds(rate, 3.0), dbfs(-60.0));
    mix_into(
        &mut signal,
        seconds(rate, 1.0),
        &voiced(rate, seconds(rate, 1.0), 160.0, dbfs(level_db)),
    );
    to_i16(&signal)
}

fn turns(samples: &[i16], threshold: f32) -> usize {
    let config = VadConfig {
        threshold,
        ..VadConfig::default()
    };
    vad_events(SampleRate::HZ_24000, config, samples, 480)
        .iter()
        .filter(|e| matches!(e, VadEvent::SpeechStarted { .. }))
        .count()
}

#[test]
fn quiet_speech_needs_a_low_threshold() {
    // Loudest syllables 18 dB above the noise.
    let quiet = speech_at(-42.0);
    assert_eq!(
        turns(&quiet, 0.5),
        1,
        "quiet speech missed at the default threshold"
    );
    assert_eq!(
        turns(&quiet, 0.95),
        0,
        "quiet speech accepted at threshold 0.95"
    );
}

#[test]
fn loud_speech_passes_a_high_threshold() {
    let loud = speech_at(-20.0);
    assert_eq!(turns(&loud, 0.5), 1);
    assert_eq!(turns(&loud, 0.95), 1);
}
