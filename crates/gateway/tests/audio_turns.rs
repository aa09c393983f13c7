//! A spoken turn through the gateway: the caller streams PCM16 in 20 ms frames, the model's
//! server VAD finds the turn, the transcript reaches the engine, and the audio reply comes back
//! with its latency measured.

mod common;

use base64::Engine as _;
use common::*;
use serde_json::json;

const AGENT: &str =
    "name: plain\nrole: You are a plain test agent.\naudio: {transcription: gpt-4o-transcribe}\n";
const SCRIPT: &str =
    "responses:\n  - heard: My internet keeps dropping.\n    say: Let me help with that.\n";

/// `ms` of PCM16 at 24 kHz: a loud 300 Hz tone (speech, to a VAD) or silence.
fn pcm(ms: usize, loud: bool) -> Vec<u8> {
    (0..ms * 24)
        .flat_map(|n| {
            let phase = n as f32 * 2.0 * std::f32::consts::PI * 300.0 / 24_000.0;
            let sample = if loud {
                (phase.sin() * 8_000.0) as i16
            } else {
                0
            };
            sample.to_le_bytes()
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spoken_turn_is_heard_answered_and_timed() {
    let rig = Rig::start(agent_from_text(AGENT), SCRIPT).await;
    let mut caller = rig.client().await;
    caller.until_type("session.created").await;
    let audio = [pcm(300, false), pcm(900, true), pcm(900, false)].concat();
    for frame in audio.chunks(960) {
        let b64 = base64::engine::general_purpose::STANDARD.encode(frame);
        caller
            .send(json!({"type":"input_audio_buffer.append","audio":b64}))
            .await;
    }
    let turn = caller.until_reply().await;
    let kinds = types(&turn);
    for expected in [
        "input_audio_buffer.speech_started",
        "input_audio_buffer.speech_stopped",
        "input_audio_buffer.committed",
        "conversation.item.input_audio_transcription.completed",
        "response.output_audio.delta",
    ] {
        assert!(
            kinds.iter().any(|k| k == expected),
            "no {expected} in {kinds:?}"
        );
    }
    let heard = turn
        .iter()
        .find(|e| e["type"] == "conversation.item.input_audio_transcription.completed")
        .expect("transcript");
    assert_eq!(heard["transcript"], "My internet keeps dropping.");
    assert_eq!(spoken(&turn), ["Let me help with that."]);
    let (_, metrics) = http_get(&rig.http("/metrics")).await;
    assert!(
        metrics.contains("switchboard_speech_stopped_to_first_audio_seconds_count 1"),
        "{metrics}"
    );
    // 2.1 s of audio in 20 ms frames: 105 in from the caller, 105 out to the model.
    for direction in [
        "direction=\"in\",side=\"caller\"",
        "direction=\"out\",side=\"model\"",
    ] {
        let line = format!(
            "switchboard_events_total{{{direction},type=\"input_audio_buffer.append\"}} 105"
        );
        assert!(
            metrics.contains(&line),
            "every frame was relayed: {metrics}"
        );
    }
}
