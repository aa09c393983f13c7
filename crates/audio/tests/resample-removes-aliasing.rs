//! Down-sampling removes what the lower rate cannot carry instead of aliasing it, and
//! up-sampling leaves no spectral images, while speech-band tones pass at unit gain.

use switchboard_audio::{SampleRate, resample};

mod common;
use common::{db, power, seconds, sine, to_f64, to_i16, tone_power};

const AMPLITUDE: f64 = 16_000.0;

/// Converts a one-second tone and returns the output with the filter's start-up transient
/// (well under 50 ms) cut off.
fn convert_tone(from: SampleRate, to: SampleRate, freq: f64) -> Vec<f64> {
    let input = to_i16(&sine(from, freq, seconds(from, 1.0), AMPLITUDE));
    let output = to_f64(&resample(from, to, &input).expect("supported ratio"));
    output[seconds(to, 0.05)..].to_vec()
}

#[test]
fn downsampling_24k_to_8k_rejects_6khz_and_passes_1khz() {
    let (from, to) = (SampleRate::HZ_24000, SampleRate::HZ_8000);
    let input_power = AMPLITUDE * AMPLITUDE / 2.0;

    // 6 kHz would alias to 2 kHz at 8 kHz: all output energy is leakage.
    let leaked = db(power(&convert_tone(from, to, 6_000.0)) / input_power);
    assert!(leaked <= -40.0, "6 kHz leaks at {leaked:.1} dB");

    let passed = db(power(&convert_tone(from, to, 1_000.0)) / input_power);
    assert!(passed.abs() <= 0.5, "1 kHz passes at {passed:.2} dB");
}

#[test]
fn every_downsampling_pair_rejects_tones_above_the_new_nyquist() {
    let rates = [
        SampleRate::HZ_8000,
        SampleRate::HZ_16000,
        SampleRate::HZ_24000,
        SampleRate::HZ_48000,
    ];
    for &from in &rates {
        for &to in rates.iter().filter(|&&to| to < from) {
            let input_power = AMPLITUDE * AMPLITUDE / 2.0;
            // Halfway between the output Nyquist and the input Nyquist.
            let out_nyquist = f64::from(to.hz()) / 2.0;
            let high = (out_nyquist + f64::from(from.hz()) / 2.0) / 2.0;
            let leaked = db(power(&convert_tone(from, to, high)) / input_power);
            assert!(
                leaked <= -40.0,
                "{from} → {to}: {high} Hz leaks at {leaked:.1} dB"
            );

            let low = out_nyquist / 4.0;
            let passed = db(power(&convert_tone(from, to, low)) / input_power);
            assert!(
                passed.abs() <= 0.5,
                "{from} → {to}: {low} Hz at {passed:.2} dB"
            );
        }
    }
}

#[test]
fn upsampling_8k_to_24k_leaves_no_images() {
    let (from, to) = (SampleRate::HZ_8000, SampleRate::HZ_24000);
    let output = convert_tone(from, to, 1_000.0);
    let wanted = tone_power(&output, to, 1_000.0);
    let input_power = AMPLITUDE * AMPLITUDE / 2.0;
    assert!(
        db(wanted / input_power).abs() <= 0.5,
        "1 kHz at {:.2} dB",
        db(wanted / input_power)
    );

    // Zero-stuffing 8 kHz → 24 kHz mirrors 1 kHz to 8 k ± 1 k and 16 k ± 1 k.
    for image in [7_000.0, 9_000.0, 15_000.0, 17_000.0] {
        let level = db(tone_power(&output, to, image) / wanted);
        assert!(level <= -60.0, "image at {image} Hz is {level:.1} dB");
    }
    // And nothing else of note: the whole output is the 1 kHz tone.
    let rest = db((power(&output) - wanted).max(1e-9) / wanted);
    assert!(rest <= -40.0, "energy outside 1 kHz: {rest:.1} dB");
}

#[test]
fn every_upsampling_pair_leaves_no_images() {
    let rates = [
        SampleRate::HZ_8000,
        SampleRate::HZ_16000,
        SampleRate::HZ_24000,
        SampleRate::HZ_48000,
    ];
    for &from in &rates {
        for &to in rates.iter().filter(|&&to| to > from) {
            let freq = f64::from(from.hz()) / 8.0;
            let output = convert_tone(from, to, freq);
            let wanted = tone_power(&output, to, freq);
            let image = f64::from(from.hz()) - freq;
            let level = db(tone_power(&output, to, image) / wanted);
            assert!(
                level <= -60.0,
                "{from} → {to}: image at {image} Hz is {level:.1} dB"
            );
            let rest = db((power(&output) - wanted).max(1e-9) / wanted);
            assert!(
                rest <= -40.0,
                "{from} → {to}: energy outside {freq} Hz: {rest:.1} dB"
            );
        }
    }
}
