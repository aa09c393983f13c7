//! Caller audio under server VAD: a turn is detected, committed, transcribed with the script's
//! `heard` and answered; speech during a paced response cancels it; silence times out.

mod common;

use std::time::Duration;

use common::*;
use serde_json::json;
use switchboard_testkit::{Pace, Script};

const SCRIPT: &str = r#"
responses:
  - heard: My internet keeps dropping.
    say: I can help with that. What's the phone number on the account?
  - say: Are you still there?
"#;

fn with_transcription() -> serde_json::Value {
    json!({"type": "session.update", "session": {"type": "realtime", "audio": {"input": {
        "transcription": {"model": "gpt-4o-transcribe"}}}}})
}

#[test]
fn a_spoken_turn_is_detected_committed_transcribed_and_answered() {
    let mut h = Harness::new(SCRIPT);
    h.send(with_transcription());
    let mut events = h.append_pcm(&silence(300));
    events.extend(h.append_pcm(&tone(1_000)));
    assert_eq!(types(&events), ["input_audio_buffer.speech_started"]);
    let started = json(&events[0]);
    // Onset at 300 ms minus 300 ms of prefix padding.
    assert!(
        started["audio_start_ms"].as_u64().unwrap() <= 10,
        "{started}"
    );
    let user_id = started["item_id"].as_str().unwrap().to_owned();

    let events = h.append_pcm(&silence(800));
    let order: Vec<&str> = types(&events)
        .into_iter()
        .filter(|t| !t.ends_with("output_audio.delta") && !t.ends_with("transcript.delta"))
        .collect();
    assert_eq!(
        order[..8],
        [
            "input_audio_buffer.speech_stopped",
            "input_audio_buffer.committed",
            "conversation.item.added",
            "conversation.item.done",
            "conversation.item.input_audio_transcription.delta",
            "conversation.item.input_audio_transcription.completed",
            "response.created",
            "response.output_item.added",
        ]
    );
    let stopped = json(only(&events, "input_audio_buffer.speech_stopped"));
    assert_eq!(stopped["item_id"], user_id.as_str());
    let end = stopped["audio_end_ms"].as_u64().unwrap();
    // Speech ended at 1300 ms; the silence duration (500 ms) is included.
    assert!((1_750..=1_850).contains(&end), "{end}");
    let committed = json(only(&events, "input_audio_buffer.committed"));
    assert_eq!(committed["item_id"], user_id.as_str());
    let item = &json(&events[2])["item"];
    assert_eq!(item["role"], "user");
    assert_eq!(item["content"][0]["type"], "input_audio");
    let transcript = json(only(
        &events,
        "conversation.item.input_audio_transcription.completed",
    ));
    assert_eq!(transcript["item_id"], user_id.as_str());
    assert_eq!(transcript["transcript"], "My internet keeps dropping.");
    let spoken = json(only(&events, "response.output_audio_transcript.done"));
    assert_eq!(
        spoken["transcript"],
        "I can help with that. What's the phone number on the account?"
    );
    assert_eq!(h.rehearsal.position(), 1);

    // The item keeps its transcript, and its audio, for retrieval.
    let retrieved = h.send(json!({"type": "conversation.item.retrieve", "item_id": user_id}));
    let item = &json(only(&retrieved, "conversation.item.retrieved"))["item"];
    assert_eq!(
        item["content"][0]["transcript"],
        "My internet keeps dropping."
    );
    assert!(
        item["content"][0]["audio"]
            .as_str()
            .is_some_and(|a| a.len() > 1_000)
    );
}

#[test]
fn without_transcription_configured_nothing_is_transcribed() {
    let mut h = Harness::new(SCRIPT);
    h.append_pcm(&silence(300));
    h.append_pcm(&tone(600));
    let events = h.append_pcm(&silence(800));
    assert!(
        !types(&events).iter().any(|t| t.contains("transcription")),
        "{:?}",
        types(&events)
    );
    assert!(types(&events).contains(&"response.created"));
}

#[test]
fn with_create_response_off_the_turn_waits_for_the_client() {
    let mut h = Harness::new(SCRIPT);
    h.send(
        json!({"type": "session.update", "session": {"type": "realtime", "audio": {"input": {
        "turn_detection": {"type": "server_vad", "create_response": false}}}}}),
    );
    h.append_pcm(&silence(300));
    h.append_pcm(&tone(600));
    let events = h.append_pcm(&silence(800));
    assert_eq!(
        types(&events),
        [
            "input_audio_buffer.speech_stopped",
            "input_audio_buffer.committed",
            "conversation.item.added",
            "conversation.item.done",
        ]
    );
    assert_eq!(h.rehearsal.position(), 0);
}

#[test]
fn a_manual_commit_needs_100_ms_and_never_starts_a_response() {
    let mut h = Harness::new(SCRIPT);
    h.send(
        json!({"type": "session.update", "session": {"type": "realtime", "audio": {"input": {
        "turn_detection": null, "transcription": {"model": "whisper-1"}}}}}),
    );
    h.append_pcm(&tone(50));
    let refused = h.send(json!({"type": "input_audio_buffer.commit", "event_id": "evt_1"}));
    let error = json(only(&refused, "error"));
    assert_eq!(error["error"]["code"], "input_audio_buffer_commit_empty");
    assert_eq!(error["error"]["event_id"], "evt_1");

    h.append_pcm(&tone(100));
    let committed = h.send(json!({"type": "input_audio_buffer.commit"}));
    assert_eq!(
        types(&committed),
        [
            "input_audio_buffer.committed",
            "conversation.item.added",
            "conversation.item.done",
            "conversation.item.input_audio_transcription.delta",
            "conversation.item.input_audio_transcription.completed",
        ]
    );
    assert_eq!(
        json(&committed[4])["transcript"],
        "My internet keeps dropping.",
        "the heard of the entry the next response will take"
    );
    let cleared = h.send(json!({"type": "input_audio_buffer.clear"}));
    assert_eq!(types(&cleared), ["input_audio_buffer.cleared"]);
}

#[test]
fn speech_during_a_paced_response_cancels_it_and_the_client_truncates() {
    let script = Script::from_text(
        "responses:\n  - say: Our records show a long outage in your area, and a technician is already on the way to fix it today.\n  - say: Go ahead.\n",
        "barge.yaml",
    )
    .unwrap()
    .with_pace(Pace::Realtime);
    let mut h = Harness::with_script(script);
    h.append_pcm(&silence(300));
    let start = h.send(json!({"type": "response.create"}));
    assert_eq!(
        types(&start),
        [
            "response.created",
            "response.output_item.added",
            "conversation.item.added",
            "response.content_part.added",
            "response.output_audio_transcript.delta",
            "response.output_audio.delta",
        ],
        "only the first chunk is sent at once"
    );
    let assistant = json(&start[1])["item"]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        h.session.poll_timeout(),
        Some(h.now + Duration::from_millis(100))
    );
    let more = h.advance(Duration::from_millis(100));
    assert_eq!(
        types(&more)
            .into_iter()
            .filter(|t| *t == "response.output_audio.delta")
            .count(),
        1
    );

    // The caller talks over it.
    let events = h.append_pcm(&tone(300));
    assert_eq!(
        types(&events),
        [
            "input_audio_buffer.speech_started",
            "response.output_audio.done",
            "response.output_audio_transcript.done",
            "response.content_part.done",
            "response.output_item.done",
            "conversation.item.done",
            "response.done",
            "rate_limits.updated",
        ]
    );
    let done = json(only(&events, "response.done"));
    assert_eq!(done["response"]["status"], "cancelled");
    assert_eq!(
        done["response"]["status_details"],
        json!({"type": "cancelled", "reason": "turn_detected"})
    );
    assert_eq!(
        json(only(&events, "response.output_item.done"))["item"]["status"],
        "incomplete"
    );
    let heard = json(only(&events, "response.output_audio_transcript.done"))["transcript"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(heard.len() < 40, "only what was sent: {heard}");
    assert!(
        h.advance(Duration::from_secs(2))
            .iter()
            .all(|e| !e.event_type().starts_with("response."))
    );

    // 200 ms were sent; the caller heard 150 of them.
    let truncated = h.send(
        json!({"type": "conversation.item.truncate", "item_id": assistant,
        "content_index": 0, "audio_end_ms": 150}),
    );
    assert_eq!(types(&truncated), ["conversation.item.truncated"]);
    let too_far = h.send(
        json!({"type": "conversation.item.truncate", "item_id": assistant,
        "content_index": 0, "audio_end_ms": 5_000}),
    );
    assert_eq!(
        json(only(&too_far, "error"))["error"]["param"],
        "audio_end_ms"
    );
}

#[test]
fn with_interrupt_response_off_speech_does_not_cancel() {
    let script = Script::from_text(
        "responses:\n  - say: A fairly long answer that takes a few seconds to say.\n",
        "s.yaml",
    )
    .unwrap()
    .with_pace(Pace::Realtime);
    let mut h = Harness::with_script(script);
    h.send(json!({"type": "session.update", "session": {"type": "realtime", "audio": {"input": {
        "turn_detection": {"type": "server_vad", "interrupt_response": false, "create_response": false}}}}}));
    h.append_pcm(&silence(300));
    h.send(json!({"type": "response.create"}));
    let events = h.append_pcm(&tone(300));
    assert_eq!(types(&events), ["input_audio_buffer.speech_started"]);
    let cancelled = h.send(json!({"type": "response.cancel"}));
    let done = json(only(&cancelled, "response.done"));
    assert_eq!(
        done["response"]["status_details"]["reason"],
        "client_cancelled"
    );
}

#[test]
fn silence_after_a_response_triggers_the_idle_timeout() {
    let mut h = Harness::new(SCRIPT);
    h.send(
        json!({"type": "session.update", "session": {"type": "realtime", "audio": {"input": {
        "turn_detection": {"type": "server_vad", "idle_timeout_ms": 6000}}}}}),
    );
    h.send(user_text("Hi"));
    let reply = h.send(json!({"type": "response.create"}));
    let audio_ms: usize = reply
        .iter()
        .filter(|e| e.event_type() == "response.output_audio.delta")
        .map(|e| {
            switchboard_audio::decode_base64(json(e)["delta"].as_str().unwrap())
                .unwrap()
                .len()
                / 48
        })
        .sum();
    // The caller hears the audio in real time; the timer starts when it ends.
    let deadline = h.session.poll_timeout().expect("an idle deadline");
    let expected = h.now + Duration::from_millis(audio_ms as u64 + 6_000);
    assert!(
        deadline.max(expected) - deadline.min(expected) < Duration::from_millis(2),
        "{deadline:?} vs {expected:?}"
    );
    assert!(
        h.advance(deadline - h.now - Duration::from_millis(1))
            .is_empty()
    );
    let events = h.advance(Duration::from_millis(1));
    let order: Vec<&str> = types(&events).into_iter().take(5).collect();
    assert_eq!(
        order,
        [
            "input_audio_buffer.timeout_triggered",
            "input_audio_buffer.committed",
            "conversation.item.added",
            "conversation.item.done",
            "response.created",
        ]
    );
    let timeout = json(&events[0]);
    assert_eq!(timeout["item_id"], json(&events[1])["item_id"]);
    assert_eq!(
        json(only(&events, "response.output_audio_transcript.done"))["transcript"],
        "Are you still there?"
    );
}

#[test]
fn speech_disarms_the_idle_timeout() {
    let mut h = Harness::new(SCRIPT);
    h.send(json!({"type": "session.update", "session": {"type": "realtime", "audio": {"input": {
        "turn_detection": {"type": "server_vad", "idle_timeout_ms": 5000, "create_response": false}}}}}));
    h.append_pcm(&silence(300));
    h.send(json!({"type": "response.create"}));
    assert!(h.session.poll_timeout().is_some());
    h.append_pcm(&tone(300));
    assert_eq!(h.session.poll_timeout(), None);
}
