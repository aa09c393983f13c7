//! Drives the sans-IO core with a fake clock, and checks that every event it emits is a wire
//! event that survives a round trip through the parser.
#![allow(dead_code, unreachable_pub)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::Value;
use switchboard_audio::encode_base64;
use switchboard_testkit::{EmulatedSession, Output, Rehearsal, Script};
use switchboard_wire::ServerEvent;

pub struct Harness {
    pub session: EmulatedSession,
    pub rehearsal: Arc<Rehearsal>,
    pub now: Instant,
}

impl Harness {
    /// A session playing `script` (YAML); `session.created` is drained and checked.
    pub fn new(script: &str) -> Harness {
        let script = Script::from_text(script, "test.yaml").expect("script loads");
        Harness::with_script(script)
    }

    pub fn with_script(script: Script) -> Harness {
        Harness::for_model(script, "gpt-realtime")
    }

    /// A session playing `script` for a connection that asked for `model`.
    pub fn for_model(script: Script, model: &str) -> Harness {
        let rehearsal = Arc::new(Rehearsal::new(script));
        let now = Instant::now();
        let session = EmulatedSession::new(rehearsal.clone(), model, now);
        let mut h = Harness {
            session,
            rehearsal,
            now,
        };
        let first = h.drain();
        assert_eq!(types(&first), ["session.created"]);
        h
    }

    /// A session playing `script` (YAML) for a connection that asked for `model`.
    pub fn new_for(script: &str, model: &str) -> Harness {
        let script = Script::from_text(script, "test.yaml").expect("script loads");
        Harness::for_model(script, model)
    }

    /// Sends a client event and returns what the emulator answered.
    pub fn send(&mut self, event: Value) -> Vec<ServerEvent> {
        self.session.handle_frame(&event.to_string(), self.now);
        self.drain()
    }

    pub fn send_text(&mut self, frame: &str) -> Vec<ServerEvent> {
        self.session.handle_frame(frame, self.now);
        self.drain()
    }

    /// Moves the clock on and lets timers fire.
    pub fn advance(&mut self, by: Duration) -> Vec<ServerEvent> {
        self.now += by;
        self.session.handle_timeout(self.now);
        self.drain()
    }

    /// Every output, raw frames and closes included.
    pub fn drain_outputs(&mut self) -> Vec<Output> {
        let mut outputs = Vec::new();
        while let Some(output) = self.session.poll_output() {
            if let Output::Event(event) = &output {
                assert_round_trips(event);
            }
            outputs.push(output);
        }
        outputs
    }

    /// Every event; fails on a raw frame or a close.
    pub fn drain(&mut self) -> Vec<ServerEvent> {
        self.drain_outputs()
            .into_iter()
            .map(|o| match o {
                Output::Event(e) => e,
                other => panic!("expected only events, got {other:?}"),
            })
            .collect()
    }

    /// Appends audio in 100 ms pieces, as a client streaming a microphone would.
    pub fn append_pcm(&mut self, samples: &[i16]) -> Vec<ServerEvent> {
        let mut events = Vec::new();
        for chunk in samples.chunks(2_400) {
            let bytes: Vec<u8> = chunk.iter().flat_map(|s| s.to_le_bytes()).collect();
            events.extend(self.send(serde_json::json!({
                "type": "input_audio_buffer.append",
                "audio": encode_base64(&bytes),
            })));
        }
        events
    }
}

/// The event must be what the wire crate writes and reads back the same.
pub fn assert_round_trips(event: &ServerEvent) {
    let json = event.to_json();
    let parsed = ServerEvent::from_json(&json)
        .unwrap_or_else(|e| panic!("emitted an event the parser refuses: {e}\n{json}"));
    assert_eq!(parsed.to_value(), event.to_value(), "{json}");
}

pub fn types(events: &[ServerEvent]) -> Vec<&'static str> {
    events.iter().map(ServerEvent::event_type).collect()
}

pub fn json(event: &ServerEvent) -> Value {
    event.to_value()
}

/// The one event of this type; fails if there is none or several.
pub fn only<'a>(events: &'a [ServerEvent], ty: &str) -> &'a ServerEvent {
    let found: Vec<&ServerEvent> = events.iter().filter(|e| e.event_type() == ty).collect();
    assert_eq!(found.len(), 1, "one {ty} in {:?}", types(events));
    found[0]
}

/// `ms` of digital silence at 24 kHz.
pub fn silence(ms: usize) -> Vec<i16> {
    vec![0; ms * 24]
}

/// `ms` of a loud 300 Hz tone at 24 kHz: speech, to a VAD.
pub fn tone(ms: usize) -> Vec<i16> {
    (0..ms * 24)
        .map(|n| {
            ((n as f32 * 2.0 * std::f32::consts::PI * 300.0 / 24_000.0).sin() * 8_000.0) as i16
        })
        .collect()
}

/// A user text message.
pub fn user_text(text: &str) -> Value {
    serde_json::json!({
        "type": "conversation.item.create",
        "item": {"type": "message", "role": "user", "content": [{"type": "input_text", "text": text}]},
    })
}

pub fn text_only() -> Value {
    serde_json::json!({"type": "session.update", "session": {"type": "realtime", "output_modalities": ["text"]}})
}
