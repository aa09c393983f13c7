//! Sizes and durations of the three Realtime formats match the protocol reference (§6):
//! 48 000 / 8 000 bytes per second, 960 / 160 bytes per 20 ms, 4 800 / 800 per 100 ms, and
//! `audio_start_ms` = bytes ÷ 48 (PCM16) or ÷ 8 (G.711).

use std::time::Duration;

use switchboard_audio::{AudioFormat, SampleRate};

const G711: [AudioFormat; 2] = [AudioFormat::G711Ulaw, AudioFormat::G711Alaw];

#[test]
fn bytes_per_second() {
    assert_eq!(AudioFormat::PCM16_24K.bytes_per_second(), 48_000);
    for format in G711 {
        assert_eq!(format.bytes_per_second(), 8_000);
        assert_eq!(format.sample_rate(), SampleRate::HZ_8000);
    }
    let wideband = AudioFormat::Pcm16 {
        rate: SampleRate::HZ_16000,
    };
    assert_eq!(wideband.bytes_per_second(), 32_000);
}

#[test]
fn bytes_for_frame_durations() {
    let pcm = AudioFormat::PCM16_24K;
    assert_eq!(pcm.bytes_for(Duration::from_millis(20)), 960);
    assert_eq!(pcm.bytes_for(Duration::from_millis(100)), 4_800);
    for format in G711 {
        assert_eq!(format.bytes_for(Duration::from_millis(20)), 160);
        assert_eq!(format.bytes_for(Duration::from_millis(100)), 800);
    }
    // Never a partial PCM sample: 1 ms is 24 samples, 0.99 ms rounds down to 23.
    assert_eq!(pcm.bytes_for(Duration::from_micros(990)), 46);
}

#[test]
fn duration_of_bytes_matches_audio_ms_arithmetic() {
    let pcm = AudioFormat::PCM16_24K;
    for bytes in [0usize, 47, 48, 960, 4_799, 4_800, 48_000 * 61 + 17] {
        assert_eq!(
            pcm.duration_of(bytes).as_millis(),
            (bytes / 48) as u128,
            "{bytes} bytes"
        );
    }
    for format in G711 {
        for bytes in [0usize, 7, 8, 160, 801, 8_000 * 3_600] {
            assert_eq!(format.duration_of(bytes).as_millis(), (bytes / 8) as u128);
        }
    }
    // A dangling half sample is not audio.
    assert_eq!(pcm.duration_of(961), pcm.duration_of(960));
}

#[test]
fn bytes_and_durations_invert_on_whole_samples() {
    for format in [AudioFormat::PCM16_24K, AudioFormat::G711Ulaw] {
        for bytes in (0..10_000).step_by(format.bytes_per_sample() * 7) {
            assert_eq!(
                format.bytes_for(format.duration_of(bytes)),
                bytes,
                "{format}"
            );
        }
    }
}
