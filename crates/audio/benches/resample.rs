//! Resampling throughput in × realtime per core.
//!
//! Every iteration pushes exactly one second of input audio through a streaming resampler (state
//! carried across iterations, as in a live call) and is counted as one element
//! (`Throughput::Elements(1)`), so criterion's `thrpt` figure in elem/s reads directly as
//! "× realtime": seconds of audio handled per second of one core.

use std::f64::consts::PI;
use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use switchboard_audio::{Resampler, SampleRate};

fn one_second(rate: SampleRate) -> Vec<i16> {
    let fs = f64::from(rate.hz());
    (0..rate.hz())
        .map(|i| {
            let t = f64::from(i) / fs;
            (10_000.0 * (2.0 * PI * 440.0 * t).sin() + 3_000.0 * (2.0 * PI * 2_900.0 * t).sin())
                as i16
        })
        .collect()
}

fn resample(c: &mut Criterion) {
    let mut group = c.benchmark_group("resample_x_realtime");
    group.throughput(Throughput::Elements(1));
    for (name, from, to) in [
        (
            "8kHz_to_24kHz_1s",
            SampleRate::HZ_8000,
            SampleRate::HZ_24000,
        ),
        (
            "24kHz_to_8kHz_1s",
            SampleRate::HZ_24000,
            SampleRate::HZ_8000,
        ),
    ] {
        let input = one_second(from);
        let mut resampler = Resampler::new(from, to).expect("supported ratio");
        let mut output = Vec::with_capacity(to.hz() as usize);
        group.bench_function(name, |b| {
            b.iter(|| {
                output.clear();
                resampler.push(black_box(&input), &mut output);
                black_box(output.len())
            });
        });
    }
    group.finish();
}

criterion_group!(benches, resample);
criterion_main!(benches);
