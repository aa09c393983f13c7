//! What the consent tests share: a NorthLoop-like agent whose credit is confirmation-first, and
//! a model that speaks in the GA event order (audio, its transcript, the transcript's `done`).
#![allow(dead_code, unreachable_pub)]

use std::time::Duration;

use serde_json::{Value, json};
use switchboard_engine::{Output, Record, ToolOutcome};

use crate::common::Harness;

/// NorthLoop's credit and booking, both confirmation-first, without a dynamic flow. The
/// credit's question must name the minutes (`confirm.arguments`); the booking's is its phrase.
pub const NORTHLOOP: &str = r#"
name: northloop-consent
role: You are NorthLoop Internet Support.
tools:
  - name: refund_credit
    description: Apply a bill credit, in minutes of service, for a confirmed outage.
    behaviour: confirmation_first
    access: write
    confirmation_phrase: I can issue a credit for this outage—would you like me to go ahead?
    confirm: {arguments: [minutes]}
    parameters:
      type: object
      properties:
        account_id: {type: string}
        minutes: {type: integer, minimum: 1, maximum: 60}
      required: [account_id, minutes]
    run: {webhook: {url: "https://tools.example/refund"}}
  - name: schedule_technician
    description: Book a technician visit.
    behaviour: confirmation_first
    access: write
    confirmation_phrase: I can schedule a technician to visit—should I book that for you?
    parameters:
      type: object
      properties:
        account_id: {type: string}
        window: {type: string, enum: [10am–12pm ET, 2pm–4pm ET]}
      required: [account_id, window]
    run: {webhook: {url: "https://tools.example/technician"}}
"#;

/// The same agent with no `confirm.arguments`: the credit's question is its phrase alone.
pub fn phrase_only() -> String {
    NORTHLOOP.replace("    confirm: {arguments: [minutes]}\n", "")
}

/// Both agents: whether or not the question must name the minutes, the rules are the same.
pub fn both_agents() -> [String; 2] {
    [phrase_only(), NORTHLOOP.to_owned()]
}

/// The credit's confirmation phrase.
pub const PHRASE: &str = "I can issue a credit for this outage—would you like me to go ahead?";

/// The arguments of a credit of `minutes` to account `NL-10482`.
pub fn credit(minutes: u32) -> Value {
    json!({"account_id": "NL-10482", "minutes": minutes})
}

/// Speaks `text` in one response (one second of audio), in the GA event order, then lets the
/// clock run past its end so the caller has heard all of it.
pub fn says(h: &mut Harness, item: &str, text: &str) -> Vec<Output> {
    let mut out = speaks(h, item, text, 48_000);
    out.extend(h.advance(Duration::from_millis(1_500)));
    out
}

/// Speaks `text` as `bytes` of PCM16 audio in one response, without letting the clock run:
/// nothing of it has been heard yet.
pub fn speaks(h: &mut Harness, item: &str, text: &str, bytes: usize) -> Vec<Output> {
    let resp = format!("resp_{item}");
    let chunk = "A".repeat(bytes / 3 * 4);
    let part = json!({"response_id": resp, "item_id": item, "output_index": 0, "content_index": 0});
    let with = |extra: Value| {
        let mut event = part.clone();
        for (k, v) in extra.as_object().expect("an object") {
            event[k] = v.clone();
        }
        event
    };
    let events = [
        json!({"type":"response.created","event_id":format!("e1_{item}"),"response":{"id":resp,"status":"in_progress"}}),
        with(
            json!({"type":"response.output_audio.delta","event_id":format!("e2_{item}"),"delta":chunk}),
        ),
        with(
            json!({"type":"response.output_audio_transcript.delta","event_id":format!("e3_{item}"),"delta":text}),
        ),
        with(
            json!({"type":"response.output_audio_transcript.done","event_id":format!("e4_{item}"),"transcript":text}),
        ),
        json!({"type":"response.done","event_id":format!("e5_{item}"),"response":{"id":resp,"status":"completed"}}),
    ];
    events.into_iter().flat_map(|e| h.model(e)).collect()
}

/// Writes `text` as a text-only response: shown whole at once, so heard whole.
pub fn writes(h: &mut Harness, item: &str, text: &str) -> Vec<Output> {
    let resp = format!("resp_{item}");
    let events = [
        json!({"type":"response.created","event_id":format!("e1_{item}"),"response":{"id":resp,"status":"in_progress"}}),
        json!({"type":"response.output_text.done","event_id":format!("e2_{item}"),"response_id":resp,"item_id":item,
            "output_index":0,"content_index":0,"text":text}),
        json!({"type":"response.done","event_id":format!("e3_{item}"),"response":{"id":resp,"status":"completed"}}),
    ];
    events.into_iter().flat_map(|e| h.model(e)).collect()
}

/// The caller starts speaking over the agent (server VAD), cutting off what it has not heard.
pub fn barges_in(h: &mut Harness) -> Vec<Output> {
    h.model(json!({"type":"input_audio_buffer.speech_started","event_id":"e_barge","item_id":"item_caller","audio_start_ms":0}))
}

/// How many times `name` was sent to run (webhook tools).
pub fn runs(out: &[Output], name: &str) -> usize {
    out.iter()
        .filter(|o| matches!(o, Output::RunTool(r) if r.name == name))
        .count()
}

/// The arguments of every run of `name`.
pub fn runs_with(out: &[Output], name: &str) -> Vec<Value> {
    out.iter()
        .filter_map(|o| match o {
            Output::RunTool(r) if r.name == name => Some(r.arguments.clone()),
            _ => None,
        })
        .collect()
}

/// How the call `call_id` ended, as recorded.
pub fn outcome(out: &[Output], call_id: &str) -> Option<ToolOutcome> {
    out.iter().find_map(|o| match o {
        Output::Record(r) => match &r.record {
            Record::ToolCall {
                call_id: id,
                outcome,
                ..
            } if id.as_str() == call_id => Some(*outcome),
            _ => None,
        },
        _ => None,
    })
}
