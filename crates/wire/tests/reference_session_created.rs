//! The `session.created` of a real GA trace (realtime-protocol.md, section 2) parses into the
//! values it carries, and comes back out with its `null`s intact.

use serde_json::Value;
use switchboard_wire::{
    AudioFormat, MaxOutputTokens, Modality, Nullable, ServerEvent, Session, SessionKind,
    ToolChoice, ToolChoiceMode, Truncation, TruncationMode, TurnDetection, Voice,
};

const REFERENCE: &str = include_str!("data/reference/session.created.json");

fn session() -> Session {
    match ServerEvent::from_json(REFERENCE).expect("the reference session.created parses") {
        ServerEvent::SessionCreated(event) => {
            assert_eq!(event.event_id.as_str(), "event_C9LdZpG4sV1wX8yA3bN6m");
            event.session
        }
        other => panic!("parsed as {}", other.event_type()),
    }
}

#[test]
fn identity_and_model_come_through() {
    let session = session();
    assert_eq!(session.kind, SessionKind::Realtime);
    assert_eq!(session.object.as_deref(), Some("realtime.session"));
    assert_eq!(session.id.as_deref(), Some("sess_C9LdZq8rT2vX4yB6nM1pK"));
    assert_eq!(session.model.as_deref(), Some("gpt-realtime"));
    assert_eq!(session.expires_at, Some(1_767_233_035));
    assert_eq!(session.output_modalities, Some(vec![Modality::Audio]));
    assert!(
        session
            .instructions
            .unwrap()
            .starts_with("Your knowledge cutoff")
    );
}

#[test]
fn defaults_for_tools_tokens_and_truncation_come_through() {
    let session = session();
    assert_eq!(session.tools, Some(vec![]));
    assert_eq!(
        session.tool_choice,
        Some(ToolChoice::Mode(ToolChoiceMode::Auto))
    );
    assert!(matches!(
        session.max_output_tokens,
        Some(MaxOutputTokens::Inf(_))
    ));
    assert_eq!(
        session.truncation,
        Some(Truncation::Mode(TruncationMode::Auto))
    );
}

#[test]
fn nulls_are_kept_apart_from_absent_fields() {
    let session = session();
    assert_eq!(session.tracing, Nullable::Null);
    assert_eq!(session.prompt, Nullable::Null);
    assert_eq!(session.include, Nullable::Null);
    let input = session.audio.unwrap().input.unwrap();
    assert_eq!(input.transcription, Nullable::Null);
    assert_eq!(input.noise_reduction, Nullable::Null);
}

#[test]
fn audio_formats_voice_and_speed_come_through() {
    let audio = session().audio.unwrap();
    let input = audio.input.unwrap();
    let output = audio.output.unwrap();
    assert_eq!(input.format, Some(AudioFormat::pcm24k()));
    assert_eq!(output.format, Some(AudioFormat::pcm24k()));
    assert_eq!(output.format.unwrap().sample_rate(), 24_000);
    assert_eq!(output.voice, Some(Voice::Named("alloy".into())));
    assert_eq!(output.speed, Some(1.0));
}

#[test]
fn turn_detection_values_come_through() {
    let input = session().audio.unwrap().input.unwrap();
    let Nullable::Value(TurnDetection::ServerVad(vad)) = input.turn_detection else {
        panic!("expected server_vad, got {:?}", input.turn_detection);
    };
    assert_eq!(vad.threshold, Some(0.5));
    assert_eq!(vad.prefix_padding_ms, Some(300));
    assert_eq!(vad.silence_duration_ms, Some(200));
    assert_eq!(vad.idle_timeout_ms, Nullable::Null);
    assert_eq!(vad.create_response, Some(true));
    assert_eq!(vad.interrupt_response, Some(true));
}

#[test]
fn re_serialization_is_the_reference_with_its_nulls() {
    let event = ServerEvent::from_json(REFERENCE).unwrap();
    let written = event.to_value();
    let reference: Value = serde_json::from_str(REFERENCE).unwrap();
    assert_eq!(written, reference);
    let session = &written["session"];
    for pointer in [
        "/tracing",
        "/prompt",
        "/include",
        "/audio/input/transcription",
        "/audio/input/noise_reduction",
        "/audio/input/turn_detection/idle_timeout_ms",
    ] {
        assert_eq!(
            session.pointer(pointer),
            Some(&Value::Null),
            "{pointer} must be written as null"
        );
    }
}
