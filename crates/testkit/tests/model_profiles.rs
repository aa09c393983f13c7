//! The model a connection asks for picks the session defaults the emulator reports (a script's
//! `model` forces one), and every session field a client sends comes back intact in
//! `session.updated`.

mod common;

use std::sync::Arc;
use std::time::Instant;

use common::*;
use serde_json::{Value, json};
use switchboard_testkit::{EmulatedSession, Output, Profile, Rehearsal, Script};
use switchboard_wire::ServerEvent;

fn created(script: &str, model: &str) -> (Profile, Value) {
    let script = Script::from_text(script, "p.yaml").expect("the script loads");
    let mut session = EmulatedSession::new(Arc::new(Rehearsal::new(script)), model, Instant::now());
    let Some(Output::Event(event @ ServerEvent::SessionCreated(_))) = session.poll_output() else {
        panic!("session.created first");
    };
    (session.profile(), json(&event)["session"].clone())
}

#[test]
fn the_2025_model_reports_no_reasoning_and_no_parallel_calls() {
    let (profile, session) = created("responses: []\n", "gpt-realtime");
    assert_eq!(profile, Profile::GptRealtime);
    assert_eq!(session["model"], "gpt-realtime");
    assert!(session.get("reasoning").is_none(), "{session}");
    assert!(session.get("parallel_tool_calls").is_none(), "{session}");
    assert_eq!(session["output_modalities"], json!(["audio"]));
    assert_eq!(session["truncation"], "auto");
}

#[test]
fn the_newer_models_report_parallel_calls_and_a_reasoning_effort() {
    for model in [
        "gpt-realtime-2.1",
        "gpt-realtime-2",
        "gpt-realtime-2.1-mini",
    ] {
        let (profile, session) = created("responses: []\n", model);
        assert_eq!(profile, Profile::GptRealtime21, "{model}");
        assert_eq!(session["model"], model, "the model asked for is reported");
        assert_eq!(session["parallel_tool_calls"], true, "{model}");
        assert_eq!(session["reasoning"], json!({"effort": "low"}), "{model}");
    }
}

#[test]
fn a_scripts_model_forces_the_profile_whatever_the_connection_asks_for() {
    let (profile, session) = created("model: gpt-realtime-2.1\nresponses: []\n", "gpt-realtime");
    assert_eq!(profile, Profile::GptRealtime21);
    assert_eq!(session["model"], "gpt-realtime");
    assert_eq!(session["parallel_tool_calls"], true);

    let (profile, session) = created("model: gpt-realtime\nresponses: []\n", "gpt-realtime-2.1");
    assert_eq!(profile, Profile::GptRealtime);
    assert!(session.get("reasoning").is_none());
}

#[test]
fn an_unknown_script_model_is_refused_where_it_is() {
    let err = Script::from_text("responses: []\nmodel: gpt-realtim-2.1\n", "p.yaml").unwrap_err();
    assert_eq!((err.line(), err.column()), (Some(2), Some(8)), "{err}");
    assert!(err.message().contains("gpt-realtime-2.1"), "{err}");
}

#[test]
fn every_session_field_a_client_sends_comes_back_in_session_updated() {
    let mut h = Harness::new_for("responses: []\n", "gpt-realtime-2.1");
    let sent = json!({
        "type": "realtime",
        "instructions": "Be brief.",
        "truncation": {"type": "retention_ratio", "retention_ratio": 0.5,
                        "token_limits": {"post_instructions": 8000}},
        "reasoning": {"effort": "medium"},
        "parallel_tool_calls": false,
        "include": ["item.input_audio_transcription.logprobs"],
        "audio": {
            "input": {
                "noise_reduction": {"type": "far_field"},
                "turn_detection": {"type": "semantic_vad", "eagerness": "low"},
            },
            "output": {"voice": {"id": "voice_custom_123"}},
        },
        "tools": [
            {"type": "function", "name": "lookup_account", "description": "Finds the account.",
             "parameters": {"type": "object", "properties": {}}},
            {"type": "mcp", "server_label": "billing", "server_url": "https://mcp.example.com/sse",
             "require_approval": "never"},
        ],
    });
    let events = h.send(json!({"type": "session.update", "session": sent}));
    let session = json(only(&events, "session.updated"))["session"].clone();
    for key in [
        "instructions",
        "truncation",
        "reasoning",
        "parallel_tool_calls",
        "include",
        "tools",
    ] {
        assert_eq!(session[key], sent[key], "{key}: {session}");
    }
    let input = &session["audio"]["input"];
    assert_eq!(input["noise_reduction"], json!({"type": "far_field"}));
    assert_eq!(input["turn_detection"]["type"], "semantic_vad");
    assert_eq!(input["turn_detection"]["eagerness"], "low");
    assert_eq!(
        session["audio"]["output"]["voice"],
        json!({"id": "voice_custom_123"})
    );
    // What was not sent stays as it was.
    assert_eq!(session["output_modalities"], json!(["audio"]));
    assert_eq!(session["model"], "gpt-realtime-2.1");
}
