//! Real synthesised speech: two espeak-ng utterances, read with the WAV reader, resampled to
//! 24 kHz and spliced with 1.5 s of silence between them, give two turns whose offsets match
//! where the speech actually is (measured independently from the clips' energy).
//!
//! Needs `espeak-ng`. Without it the test prints a notice and passes, unless
//! `SWITCHBOARD_REQUIRE_EXTERNAL=1`, in which case it fails.

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use switchboard_audio::{Resampler, SampleRate, VadConfig, VadEvent, Wav};

mod common;
use common::{
    Rng, assert_near, dbfs, external_tool, mix_into, noise, seconds, to_f64, to_i16, vad_events,
};

const RATE: SampleRate = SampleRate::HZ_24000;
const PHRASES: [&str; 2] = [
    "Good morning. I would like to check the balance on my account, please.",
    "My name is Maria and my number ends in four seven two.",
];

/// Runs `espeak-ng -w` and returns the clip as mono 24 kHz samples.
fn speak(text: &str, index: usize) -> Vec<i16> {
    let path: PathBuf = std::env::temp_dir().join(format!(
        "switchboard-audio-vad-espeak-{}-{index}.wav",
        std::process::id()
    ));
    let status = Command::new("espeak-ng")
        .arg("-w")
        .arg(&path)
        .arg(text)
        .status()
        .expect("espeak-ng runs");
    assert!(status.success(), "espeak-ng failed: {status}");
    let bytes = std::fs::read(&path).expect("espeak-ng wrote its WAV file");
    std::fs::remove_file(&path).expect("temporary WAV can be removed");

    let wav = Wav::parse(&bytes).expect("espeak-ng output parses");
    let mut resampler = Resampler::new(wav.spec().sample_rate, RATE).expect("supported ratio");
    let mut samples = Vec::new();
    resampler.push(&wav.mono_samples(), &mut samples);
    samples
}

/// First and last 10 ms frame louder than −45 dBFS: where the speech is, by plain energy.
fn speech_extent(samples: &[i16]) -> (Duration, Duration) {
    let frame = seconds(RATE, 0.01);
    let loud: Vec<usize> = samples
        .chunks(frame)
        .enumerate()
        .filter(|(_, f)| {
            let power = f.iter().map(|&s| f64::from(s).powi(2)).sum::<f64>() / f.len() as f64;
            power.sqrt() > dbfs(-45.0)
        })
        .map(|(i, _)| i)
        .collect();
    let (first, last) = (loud[0], loud[loud.len() - 1]);
    (
        Duration::from_millis(first as u64 * 10),
        Duration::from_millis((last as u64 + 1) * 10),
    )
}

#[test]
fn two_espeak_utterances_give_two_turns() {
    if !external_tool("espeak-ng", "vad-real-speech-espeak") {
        return;
    }
    let clips: Vec<Vec<i16>> = PHRASES
        .iter()
        .enumerate()
        .map(|(i, t)| speak(t, i))
        .collect();

    // 0.5 s lead-in, clip 1, 1.5 s silence, clip 2, 1.2 s tail; faint line noise throughout.
    let lead = seconds(RATE, 0.5);
    let gap = seconds(RATE, 1.5);
    let second_at = lead + clips[0].len() + gap;
    let total = second_at + clips[1].len() + seconds(RATE, 1.2);
    let mut signal = noise(&mut Rng::new(8), total, dbfs(-66.0));
    mix_into(&mut signal, lead, &to_f64(&clips[0]));
    mix_into(&mut signal, second_at, &to_f64(&clips[1]));
    let samples = to_i16(&signal);

    let offset = |at: usize| Duration::from_secs_f64(at as f64 / f64::from(RATE.hz()));
    let (on1, off1) = speech_extent(&clips[0]);
    let (on2, off2) = speech_extent(&clips[1]);
    let (on1, off1) = (offset(lead) + on1, offset(lead) + off1);
    let (on2, off2) = (offset(second_at) + on2, offset(second_at) + off2);

    let config = VadConfig::default();
    let events = vad_events(RATE, config, &samples, 480);
    eprintln!("speech at {on1:?}–{off1:?} and {on2:?}–{off2:?}; events {events:?}");
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
        panic!("expected two start/stop pairs, got {events:?}");
    };
    let tolerance = Duration::from_millis(80);
    assert_near(
        "first start",
        start1,
        on1 - config.prefix_padding,
        tolerance,
    );
    assert_near("first end", end1, off1 + config.silence_duration, tolerance);
    assert_near(
        "second start",
        start2,
        on2 - config.prefix_padding,
        tolerance,
    );
    assert_near(
        "second end",
        end2,
        off2 + config.silence_duration,
        tolerance,
    );
}
