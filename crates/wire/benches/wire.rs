//! Parse + serialize throughput of the two events that carry audio, the hot path of every call,
//! and of the other events a call relays (deltas of transcripts, items, responses, sessions).
//!
//! Each iteration parses one frame into the typed model and writes it back to JSON, which is
//! what the gateway does for every frame it relays. The `events` group reports events/s; the
//! `bytes` group reports the same work as MB/s of JSON. The `other_events` group runs the GA
//! fixtures of the events other than audio that a call sees most, as the test suite has them.

use base64::Engine;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use switchboard_wire::{ClientEvent, ServerEvent};

/// 20 ms of PCM16 at 24 kHz: 480 samples, 960 bytes.
const FRAME_BYTES: usize = 960;

fn audio_b64() -> String {
    // A deterministic, non-repeating byte pattern so base64 is not trivially compressible.
    let bytes: Vec<u8> = (0..FRAME_BYTES).map(|i| (i * 31 % 251) as u8).collect();
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn frames() -> [(&'static str, String); 2] {
    let audio = audio_b64();
    [
        (
            "input_audio_buffer.append",
            format!(
                r#"{{"type":"input_audio_buffer.append","event_id":"event_123","audio":"{audio}"}}"#
            ),
        ),
        (
            "response.output_audio.delta",
            format!(
                r#"{{"type":"response.output_audio.delta","event_id":"event_C1a2b3","response_id":"resp_C1a2b3","item_id":"item_C1a2b3","output_index":0,"content_index":0,"delta":"{audio}","obfuscation":"x1y2"}}"#
            ),
        ),
    ]
}

fn round_trip(name: &str, frame: &str) -> String {
    if name.starts_with("input_audio_buffer") {
        ClientEvent::from_json(frame)
            .expect("the bench frame is valid")
            .to_json()
    } else {
        ServerEvent::from_json(frame)
            .expect("the bench frame is valid")
            .to_json()
    }
}

/// GA fixtures of non-audio events, in the order a call sees them most: server events first.
const OTHER: &[(&str, &str)] = &[
    (
        "response.output_audio_transcript.delta",
        include_str!("../tests/data/ga/server/response.output_audio_transcript.delta.json"),
    ),
    (
        "conversation.item.done",
        include_str!("../tests/data/ga/server/conversation.item.done.json"),
    ),
    (
        "response.done",
        include_str!("../tests/data/ga/server/response.done.json"),
    ),
    (
        "session.updated",
        include_str!("../tests/data/ga/server/session.updated.json"),
    ),
    (
        "client:session.update",
        include_str!("../tests/data/ga/client/session.update.json"),
    ),
    (
        "client:conversation.item.create",
        include_str!("../tests/data/ga/client/conversation.item.create.json"),
    ),
];

fn round_trip_other(name: &str, frame: &str) -> String {
    if name.starts_with("client:") {
        ClientEvent::from_json(frame)
            .expect("the fixture is valid")
            .to_json()
    } else {
        ServerEvent::from_json(frame)
            .expect("the fixture is valid")
            .to_json()
    }
}

fn bench(c: &mut Criterion) {
    let frames = frames();
    let mut events = c.benchmark_group("parse_serialize_events");
    events.throughput(Throughput::Elements(1));
    for (name, frame) in &frames {
        events.bench_with_input(BenchmarkId::from_parameter(name), frame, |b, f| {
            b.iter(|| round_trip(name, black_box(f)))
        });
    }
    events.finish();

    let mut bytes = c.benchmark_group("parse_serialize_bytes");
    for (name, frame) in &frames {
        bytes.throughput(Throughput::Bytes(frame.len() as u64));
        bytes.bench_with_input(BenchmarkId::from_parameter(name), frame, |b, f| {
            b.iter(|| round_trip(name, black_box(f)))
        });
    }
    bytes.finish();

    let mut other = c.benchmark_group("other_events");
    other.throughput(Throughput::Elements(1));
    for (name, frame) in OTHER {
        other.bench_with_input(BenchmarkId::from_parameter(name), frame, |b, f| {
            b.iter(|| round_trip_other(name, black_box(f)))
        });
    }
    other.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
