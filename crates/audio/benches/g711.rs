//! G.711 encode and decode throughput in × realtime per core.
//!
//! Every iteration processes exactly one second of 8 kHz audio and is counted as one element
//! (`Throughput::Elements(1)`), so criterion's `thrpt` figure in elem/s reads directly as
//! "× realtime": seconds of audio handled per second of one core.

use std::f64::consts::PI;
use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use switchboard_audio::g711;

const ONE_SECOND: usize = 8_000;

/// One second of a speech-band mix at a speech-like level, so every G.711 segment is visited.
fn speech_band() -> Vec<i16> {
    (0..ONE_SECOND)
        .map(|i| {
            let t = i as f64 / ONE_SECOND as f64;
            let x = 0.5 * (2.0 * PI * 220.0 * t).sin() + 0.3 * (2.0 * PI * 1_330.0 * t).sin();
            (x * 12_000.0 * (2.0 * PI * 4.0 * t).sin()) as i16
        })
        .collect()
}

fn g711(c: &mut Criterion) {
    let samples = speech_band();
    let ulaw = g711::ulaw_encode_slice(&samples);
    let alaw = g711::alaw_encode_slice(&samples);

    let mut group = c.benchmark_group("g711_x_realtime");
    group.throughput(Throughput::Elements(1));
    group.bench_function("ulaw_encode_1s_8kHz", |b| {
        b.iter(|| g711::ulaw_encode_slice(black_box(&samples)));
    });
    group.bench_function("ulaw_decode_1s_8kHz", |b| {
        b.iter(|| g711::ulaw_decode_slice(black_box(&ulaw)));
    });
    group.bench_function("alaw_encode_1s_8kHz", |b| {
        b.iter(|| g711::alaw_encode_slice(black_box(&samples)));
    });
    group.bench_function("alaw_decode_1s_8kHz", |b| {
        b.iter(|| g711::alaw_decode_slice(black_box(&alaw)));
    });
    group.finish();
}

criterion_group!(benches, g711);
criterion_main!(benches);
