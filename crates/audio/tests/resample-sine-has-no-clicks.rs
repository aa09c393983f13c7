//! A continuous sine pushed in awkward chunks comes out continuous: no sample-to-sample step
//! larger than the sine's own slope allows, exactly as in one-shot conversion.

use std::f64::consts::PI;

use switchboard_audio::{Resampler, SampleRate, resample};

mod common;
use common::{seconds, sine, to_i16};

fn max_step(samples: &[i16]) -> i32 {
    samples
        .windows(2)
        .map(|w| (i32::from(w[1]) - i32::from(w[0])).abs())
        .max()
        .unwrap_or(0)
}

#[test]
fn sine_crossing_chunk_boundaries_stays_smooth() {
    let amplitude = 20_000.0;
    let freq = 440.0;
    for (from, to) in [
        (SampleRate::HZ_24000, SampleRate::HZ_8000),
        (SampleRate::HZ_8000, SampleRate::HZ_24000),
        (SampleRate::HZ_16000, SampleRate::HZ_48000),
        (SampleRate::HZ_48000, SampleRate::HZ_16000),
    ] {
        let input = to_i16(&sine(from, freq, seconds(from, 0.5), amplitude));
        let mut resampler = Resampler::new(from, to).unwrap();
        let mut streamed = Vec::new();
        // Prime-length chunks so boundaries fall at every phase of the sine and the filter.
        let mut rest = &input[..];
        for len in [1usize, 7, 13, 101, 997].iter().cycle() {
            if rest.is_empty() {
                break;
            }
            let (chunk, tail) = rest.split_at((*len).min(rest.len()));
            resampler.push(chunk, &mut streamed);
            rest = tail;
        }

        // The steepest a sine of this amplitude can move between output samples, plus
        // rounding: anything larger would be a click.
        let slope_bound = (amplitude * 2.0 * PI * freq / f64::from(to.hz())).ceil() as i32 + 2;
        // Skip the filter's fade-in from the initial silence.
        let settled = &streamed[seconds(to, 0.01)..];
        assert!(
            max_step(settled) <= slope_bound,
            "{from} → {to}: step {} exceeds {slope_bound}",
            max_step(settled)
        );
        let one_shot = resample(from, to, &input).unwrap();
        assert_eq!(max_step(&streamed), max_step(&one_shot), "{from} → {to}");
        assert_eq!(streamed, one_shot, "{from} → {to}");
    }
}
