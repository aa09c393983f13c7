//! Audio frames pass through the session without a single heap allocation: caller audio to
//! the model, and model audio (with its transcript) to the caller.

// Counting allocations needs a global allocator, which is an unsafe trait.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;
use switchboard_engine::{CompiledAgent, Input, Session, SessionConfig};
use switchboard_wire::{ClientEvent, ServerEvent};

/// Counts allocations made by the current thread.
struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

// SAFETY: forwards to the system allocator; the counter is a plain thread-local cell.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.with(|c| c.set(c.get() + 1));
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.with(|c| c.set(c.get() + 1));
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocations() -> u64 {
    ALLOCATIONS.with(Cell::get)
}

#[test]
fn audio_frames_pass_through_without_allocating() {
    let file = switchboard_agent::load("name: a\nrole: r\n")
        .expect("loads")
        .agent;
    let agent = Arc::new(CompiledAgent::new(file).expect("compiles"));
    let mut now = Instant::now();
    let mut session = Session::new(agent, SessionConfig::new("sess"), now);
    while session.poll_output().is_some() {}

    let audio = "A".repeat(1280); // 20 ms of PCM16 at 24 kHz
    let append = ClientEvent::from_value(json!({"type":"input_audio_buffer.append","audio":audio}))
        .expect("valid");
    let delta = ServerEvent::from_value(
        json!({"type":"response.output_audio.delta","event_id":"e","response_id":"resp_1",
        "item_id":"item_1","output_index":0,"content_index":0,"delta":audio}),
    )
    .expect("valid");
    let words = ServerEvent::from_value(json!({"type":"response.output_audio_transcript.delta","event_id":"e","response_id":"resp_1",
        "item_id":"item_1","output_index":0,"content_index":0,"delta":""})).expect("valid");
    let created = ServerEvent::from_value(
        json!({"type":"response.created","event_id":"e","response":{"id":"resp_1"}}),
    )
    .expect("valid");

    // Warm up: the first frame of an item creates its playback entry, and queues grow once.
    session.handle_input(Input::Model(created), now);
    for _ in 0..64 {
        session.handle_input(Input::Caller(append.clone()), now);
        session.handle_input(Input::Model(delta.clone()), now);
        while session.poll_output().is_some() {}
    }

    let frames: Vec<(Input, Input, Input)> = (0..500)
        .map(|_| {
            (
                Input::Caller(append.clone()),
                Input::Model(delta.clone()),
                Input::Model(words.clone()),
            )
        })
        .collect();
    let mut sink = Vec::with_capacity(1_600);
    let before = allocations();
    for (from_caller, from_model, transcript) in frames {
        now += Duration::from_millis(20);
        session.handle_input(from_caller, now);
        session.handle_input(from_model, now);
        session.handle_input(transcript, now);
        while let Some(out) = session.poll_output() {
            sink.push(out);
        }
        // The driver asks for the next deadline after every frame.
        std::hint::black_box(session.poll_timeout());
    }
    let during = allocations() - before;
    assert_eq!(sink.len(), 1_500, "every frame went through");
    assert_eq!(during, 0, "{during} allocations for 1500 frames");
}
