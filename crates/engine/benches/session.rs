//! The engine's cost per event for a typical slice of a call: 2 s of caller audio, the
//! caller's turn, a tool call with its result, and a 2 s spoken answer with its transcript.
//!
//! Each iteration feeds the same 269 events to a running session and drains its outputs;
//! `thrpt` in elem/s is events per second, so one event costs 1/thrpt.

use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use serde_json::{Value, json};
use switchboard_engine::{CompiledAgent, Input, Output, Session, SessionConfig};
use switchboard_wire::{ClientEvent, EventId, ItemEvent, Nullable, ServerEvent, SessionEvent};

const AGENT: &str = r#"
name: bench
role: You are NorthLoop Internet Support.
tools:
  - name: lookup_account
    description: Fetch the account.
    parameters: {type: object, properties: {email_or_phone: {type: string}}, required: [email_or_phone]}
    run: {fixtures: [{result: {account_id: "A-100"}}]}
"#;

fn model(v: Value) -> Input {
    Input::Model(ServerEvent::from_value(v).expect("valid bench event"))
}

/// One turn of a call, as inputs with their offsets from the start of the turn.
fn turn(n: usize) -> Vec<(Duration, Input)> {
    let audio = "A".repeat(1280);
    let mut events = Vec::new();
    let mut at = Duration::ZERO;
    // 2 s of caller audio in 20 ms frames, with VAD events.
    for i in 0..100 {
        at += Duration::from_millis(20);
        let append =
            ClientEvent::from_value(json!({"type":"input_audio_buffer.append","audio":audio}))
                .expect("valid");
        events.push((at, Input::Caller(append)));
        if i == 5 {
            events.push((at, model(json!({"type":"input_audio_buffer.speech_started","event_id":"e","item_id":"u","audio_start_ms":0}))));
        }
    }
    events.push((at, model(json!({"type":"input_audio_buffer.speech_stopped","event_id":"e","item_id":"u","audio_end_ms":2000}))));
    events.push((at, model(json!({"type":"conversation.item.input_audio_transcription.completed","event_id":"e","item_id":"u",
        "content_index":0,"transcript":"My internet is down, my number is 415 555 1234.","usage":{"type":"duration","seconds":2.0}}))));
    // A tool call.
    let call = format!("call_{n}");
    for v in [
        json!({"type":"response.created","event_id":"e","response":{"id":format!("resp_t{n}")}}),
        json!({"type":"response.output_item.added","event_id":"e","response_id":format!("resp_t{n}"),"output_index":0,
               "item":{"type":"function_call","id":format!("item_f{n}"),"call_id":call,"name":"lookup_account","arguments":""}}),
        json!({"type":"response.function_call_arguments.done","event_id":"e","response_id":format!("resp_t{n}"),"item_id":format!("item_f{n}"),
               "output_index":0,"call_id":call,"name":"lookup_account","arguments":"{\"email_or_phone\":\"4155551234\"}"}),
        json!({"type":"response.done","event_id":"e","response":{"id":format!("resp_t{n}"),"status":"completed"}}),
    ] {
        events.push((at, model(v)));
    }
    // A 2 s spoken answer: 100 audio deltas and 60 transcript deltas.
    let resp = format!("resp_a{n}");
    let item = format!("item_a{n}");
    events.push((
        at,
        model(json!({"type":"response.created","event_id":"e","response":{"id":resp}})),
    ));
    for i in 0..100 {
        events.push((at, model(json!({"type":"response.output_audio.delta","event_id":"e","response_id":resp,"item_id":item,
            "output_index":0,"content_index":0,"delta":audio}))));
        if i % 5 < 3 {
            events.push((at, model(json!({"type":"response.output_audio_transcript.delta","event_id":"e","response_id":resp,
                "item_id":item,"output_index":0,"content_index":0,"delta":"word "}))));
        }
    }
    events.push((at, model(json!({"type":"response.done","event_id":"e","response":{"id":resp,"status":"completed"}}))));
    events
}

/// Drains the session's outputs as a driver would, with a model that confirms every
/// `session.update` and acknowledges replayed items, and a connection that opens at once when
/// the session asks for one (its rollover before the upstream's limit).
fn drive(session: &mut Session, now: Instant) {
    loop {
        let mut answers = Vec::new();
        while let Some(out) = session.poll_output() {
            match &out {
                Output::ToModel(ClientEvent::SessionUpdate(update)) => {
                    answers.push(Input::Model(ServerEvent::SessionUpdated(SessionEvent {
                        event_id: EventId::new("e"),
                        session: update.session.clone(),
                        extra: Default::default(),
                    })));
                }
                Output::ToModel(ClientEvent::ConversationItemCreate(create)) => {
                    answers.push(Input::Model(ServerEvent::ConversationItemDone(ItemEvent {
                        event_id: EventId::new("e"),
                        previous_item_id: Nullable::Absent,
                        item: create.item.clone(),
                        extra: Default::default(),
                    })));
                }
                Output::Rollover(_) => answers.push(Input::ModelConnected),
                _ => {}
            }
            std::hint::black_box(out);
        }
        if answers.is_empty() {
            return;
        }
        for input in answers {
            session.handle_input(input, now);
        }
    }
}

fn bench(c: &mut Criterion) {
    let file = switchboard_agent::load(AGENT)
        .expect("bench agent loads")
        .agent;
    let agent = Arc::new(CompiledAgent::new(file).expect("compiles"));
    let per_turn = turn(0).len() as u64;
    let mut group = c.benchmark_group("session");
    group.throughput(Throughput::Elements(per_turn));
    let start = Instant::now();
    let mut session = Session::new(agent, SessionConfig::new("bench"), start);
    let mut clock = start;
    let mut n = 0;
    group.bench_function("typical_call_mix_per_event", |b| {
        b.iter_batched(
            || {
                n += 1;
                turn(n)
            },
            |events| {
                let base = clock;
                for (at, input) in events {
                    clock = base + at;
                    session.handle_input(input, clock);
                    drive(&mut session, clock);
                    if session.poll_timeout().is_some_and(|t| t <= clock) {
                        session.handle_timeout(clock);
                    }
                }
                clock += Duration::from_secs(5);
                session.handle_timeout(clock);
                drive(&mut session, clock);
            },
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
