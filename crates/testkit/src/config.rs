//! The emulated session's configuration: the defaults `session.created` reports, and the
//! partial merge `session.update` applies.

use std::time::Duration;

use switchboard_audio::VadConfig;

use crate::profile::Profile;
use switchboard_wire::Extra;
use switchboard_wire::{
    AudioConfig, AudioFormat, AudioInput, AudioOutput, Infinite, MaxOutputTokens, Modality,
    Nullable, SemanticVad, ServerVad, Session, SessionKind, ToolChoice, ToolChoiceMode, Truncation,
    TruncationMode, TurnDetection, Voice,
};

/// What the real service reports as its instructions before the client sets any.
const DEFAULT_INSTRUCTIONS: &str = "You are a helpful, witty, and friendly AI. Act like a human, \
     but remember that you aren't a human and that you can't do human things in the real world.";

/// The effective session a fresh connection starts with, as the profile's model reports it.
pub(crate) fn default_session(id: String, model: &str, profile: Profile) -> Session {
    Session {
        kind: SessionKind::Realtime,
        object: Some("realtime.session".to_owned()),
        id: Some(id),
        expires_at: None,
        model: Some(model.to_owned()),
        output_modalities: Some(vec![Modality::Audio]),
        instructions: Some(DEFAULT_INSTRUCTIONS.to_owned()),
        audio: Some(AudioConfig {
            input: Some(AudioInput {
                format: Some(AudioFormat::pcm24k()),
                transcription: Nullable::Null,
                noise_reduction: Nullable::Null,
                turn_detection: Nullable::Value(TurnDetection::ServerVad(complete_server_vad(
                    ServerVad::default(),
                ))),
                extra: Extra::default(),
            }),
            output: Some(AudioOutput {
                format: Some(AudioFormat::pcm24k()),
                voice: Some(Voice::Named("marin".to_owned())),
                speed: Some(1.0),
                extra: Extra::default(),
            }),
            extra: Extra::default(),
        }),
        include: Nullable::Null,
        tracing: Nullable::Null,
        tools: Some(Vec::new()),
        tool_choice: Some(ToolChoice::Mode(ToolChoiceMode::Auto)),
        parallel_tool_calls: profile.parallel_tool_calls(),
        max_output_tokens: Some(MaxOutputTokens::Inf(Infinite)),
        truncation: Some(Truncation::Mode(TruncationMode::Auto)),
        prompt: Nullable::Null,
        reasoning: profile.reasoning(),
        // Fields the wire crate gains later start as it defaults them.
        ..Session::default()
    }
}

/// Server VAD with every field the service reports filled in, as it does after an update
/// that sets only some of them.
fn complete_server_vad(vad: ServerVad) -> ServerVad {
    let defaults = VadConfig::default();
    ServerVad {
        threshold: Some(vad.threshold.unwrap_or(f64::from(defaults.threshold))),
        prefix_padding_ms: Some(
            vad.prefix_padding_ms
                .unwrap_or(millis(defaults.prefix_padding)),
        ),
        silence_duration_ms: Some(
            vad.silence_duration_ms
                .unwrap_or(millis(defaults.silence_duration)),
        ),
        idle_timeout_ms: match vad.idle_timeout_ms {
            Nullable::Absent => Nullable::Null,
            other => other,
        },
        create_response: Some(vad.create_response.unwrap_or(true)),
        interrupt_response: Some(vad.interrupt_response.unwrap_or(true)),
        extra: Extra::default(),
    }
}

fn complete_semantic_vad(vad: SemanticVad) -> SemanticVad {
    SemanticVad {
        eagerness: Some(vad.eagerness.unwrap_or(switchboard_wire::Eagerness::Auto)),
        create_response: Some(vad.create_response.unwrap_or(true)),
        interrupt_response: Some(vad.interrupt_response.unwrap_or(true)),
        extra: Extra::default(),
    }
}

fn millis(d: Duration) -> u32 {
    u32::try_from(d.as_millis()).unwrap_or(u32::MAX)
}

/// Applies a `session.update` to the effective session with the protocol's one merge
/// ([`Session::merge`]): present fields replace, absent ones stay, `null` turns a nullable
/// setting off; the model and the session's identity never change. Turn detection given in
/// part is completed first, as the service reports every field of it.
pub(crate) fn merge(into: &mut Session, mut patch: Session) {
    if let Some(input) = patch.audio.as_mut().and_then(|a| a.input.as_mut()) {
        input.turn_detection = match std::mem::take(&mut input.turn_detection) {
            Nullable::Value(TurnDetection::ServerVad(vad)) => {
                Nullable::Value(TurnDetection::ServerVad(complete_server_vad(vad)))
            }
            Nullable::Value(TurnDetection::SemanticVad(vad)) => {
                Nullable::Value(TurnDetection::SemanticVad(complete_semantic_vad(vad)))
            }
            other => other,
        };
    }
    into.merge(patch);
}

/// The settings of a session the emulator acts on, read from the wire session.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Effective {
    pub(crate) modalities: Vec<Modality>,
    pub(crate) input_format: AudioFormat,
    pub(crate) output_format: AudioFormat,
    pub(crate) voice: Option<Voice>,
    pub(crate) transcribe: bool,
    pub(crate) turns: Option<Turns>,
}

/// Turn detection as the emulator runs it. Semantic VAD is run as server VAD with its
/// defaults: the emulator cannot judge meaning.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Turns {
    pub(crate) vad: VadConfig,
    pub(crate) create_response: bool,
    pub(crate) interrupt_response: bool,
    pub(crate) idle_timeout: Option<Duration>,
}

impl Effective {
    pub(crate) fn of(session: &Session) -> Effective {
        let input = session.audio.as_ref().and_then(|a| a.input.as_ref());
        let output = session.audio.as_ref().and_then(|a| a.output.as_ref());
        let turns = match input.map(|i| &i.turn_detection) {
            Some(Nullable::Value(TurnDetection::ServerVad(vad))) => {
                let defaults = VadConfig::default();
                Some(Turns {
                    vad: VadConfig {
                        threshold: vad
                            .threshold
                            .map_or(defaults.threshold, |t| t.clamp(0.0, 1.0) as f32),
                        prefix_padding: vad
                            .prefix_padding_ms
                            .map_or(defaults.prefix_padding, |ms| {
                                Duration::from_millis(u64::from(ms))
                            }),
                        silence_duration: vad
                            .silence_duration_ms
                            .map_or(defaults.silence_duration, |ms| {
                                Duration::from_millis(u64::from(ms))
                            }),
                    },
                    create_response: vad.create_response.unwrap_or(true),
                    interrupt_response: vad.interrupt_response.unwrap_or(true),
                    idle_timeout: vad
                        .idle_timeout_ms
                        .as_value()
                        .map(|ms| Duration::from_millis(u64::from(*ms))),
                })
            }
            Some(Nullable::Value(TurnDetection::SemanticVad(vad))) => Some(Turns {
                vad: VadConfig::default(),
                create_response: vad.create_response.unwrap_or(true),
                interrupt_response: vad.interrupt_response.unwrap_or(true),
                idle_timeout: None,
            }),
            Some(Nullable::Null) => None,
            // Absent only if a client-built session skipped it; the service's default is on.
            Some(Nullable::Absent) | None => Some(Turns {
                vad: VadConfig::default(),
                create_response: true,
                interrupt_response: true,
                idle_timeout: None,
            }),
        };
        Effective {
            modalities: session
                .output_modalities
                .clone()
                .unwrap_or_else(|| vec![Modality::Audio]),
            input_format: input
                .and_then(|i| i.format)
                .unwrap_or_else(AudioFormat::pcm24k),
            output_format: output
                .and_then(|o| o.format)
                .unwrap_or_else(AudioFormat::pcm24k),
            voice: output.and_then(|o| o.voice.clone()),
            transcribe: input.is_some_and(|i| i.transcription.as_value().is_some()),
            turns,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partial_turn_detection_is_completed_and_null_turns_it_off() {
        let mut session = default_session("sess_1".into(), "gpt-realtime", Profile::GptRealtime);
        let patch: Session = serde_json::from_str(
            r#"{"type":"realtime","audio":{"input":{"turn_detection":{"type":"server_vad","idle_timeout_ms":6000}}}}"#,
        )
        .unwrap();
        merge(&mut session, patch);
        let turns = Effective::of(&session).turns.unwrap();
        assert_eq!(turns.idle_timeout, Some(Duration::from_millis(6000)));
        assert!(turns.create_response);
        let json = serde_json::to_value(&session).unwrap();
        assert_eq!(
            json["audio"]["input"]["turn_detection"]["silence_duration_ms"],
            500
        );

        let off: Session = serde_json::from_str(
            r#"{"type":"realtime","audio":{"input":{"turn_detection":null}}}"#,
        )
        .unwrap();
        merge(&mut session, off);
        assert_eq!(Effective::of(&session).turns, None);
        assert_eq!(session.model.as_deref(), Some("gpt-realtime"));
    }
}
