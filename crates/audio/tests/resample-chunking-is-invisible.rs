//! Streaming conversion between every pair of 8, 16, 24 and 48 kHz does not depend on how the
//! input is chunked: the output is sample-identical to one-shot conversion (so chunk
//! boundaries cannot click) and, after any pushes totalling N samples, exactly
//! floor(N × to / from) samples have come out.

use proptest::prelude::*;
use switchboard_audio::{Resampler, SampleRate, resample};

mod common;
use common::Rng;

const RATES: [SampleRate; 4] = [
    SampleRate::HZ_8000,
    SampleRate::HZ_16000,
    SampleRate::HZ_24000,
    SampleRate::HZ_48000,
];

fn pairs() -> Vec<(SampleRate, SampleRate)> {
    RATES
        .iter()
        .flat_map(|&a| RATES.iter().map(move |&b| (a, b)))
        .filter(|(a, b)| a != b)
        .collect()
}

fn expected_len(n: usize, from: SampleRate, to: SampleRate) -> usize {
    (n as u64 * u64::from(to.hz()) / u64::from(from.hz())) as usize
}

/// Noise plus a loud tone, so every filter tap matters and clipping paths are exercised.
fn signal(len: usize, seed: u64) -> Vec<i16> {
    let mut rng = Rng::new(seed);
    (0..len)
        .map(|i| {
            let tone = 30_000.0 * (i as f64 * 0.05).sin();
            (tone + 3_000.0 * rng.gaussian()).clamp(-32768.0, 32767.0) as i16
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn chunked_equals_one_shot(
        pair in 0usize..12,
        len in 0usize..3_000,
        chunk_lens in prop::collection::vec(0usize..700, 1..30),
        seed in any::<u64>(),
    ) {
        let (from, to) = pairs()[pair];
        let input = signal(len, seed);
        let one_shot = resample(from, to, &input).unwrap();
        prop_assert_eq!(one_shot.len(), expected_len(len, from, to));

        let mut resampler = Resampler::new(from, to).unwrap();
        let mut streamed = Vec::new();
        let mut pushed = 0;
        for &chunk in chunk_lens.iter().cycle() {
            if pushed == len {
                break;
            }
            let end = (pushed + chunk).min(len);
            resampler.push(&input[pushed..end], &mut streamed);
            pushed = end;
            // The length invariant holds after every push, not just at the end.
            prop_assert_eq!(streamed.len(), expected_len(pushed, from, to));
        }
        prop_assert_eq!(streamed, one_shot);
    }
}

#[test]
fn sample_by_sample_equals_one_shot_for_every_pair() {
    for (from, to) in pairs() {
        let input = signal(2_401, u64::from(from.hz() ^ to.hz()));
        let one_shot = resample(from, to, &input).unwrap();
        let mut resampler = Resampler::new(from, to).unwrap();
        let mut streamed = Vec::new();
        for &sample in &input {
            resampler.push(&[sample], &mut streamed);
        }
        assert_eq!(streamed, one_shot, "{from} → {to}");
        assert_eq!(
            streamed.len(),
            expected_len(input.len(), from, to),
            "{from} → {to}"
        );
    }
}

#[test]
fn float_path_is_chunk_invariant_too() {
    let input: Vec<f32> = (0..4_000).map(|i| (i as f32 * 0.01).sin() * 0.9).collect();
    for (from, to) in pairs() {
        let mut whole = Vec::new();
        Resampler::new(from, to)
            .unwrap()
            .push_f32(&input, &mut whole);
        let mut chunked = Vec::new();
        let mut resampler = Resampler::new(from, to).unwrap();
        for chunk in input.chunks(333) {
            resampler.push_f32(chunk, &mut chunked);
        }
        assert_eq!(chunked, whole, "{from} → {to}");
    }
}
