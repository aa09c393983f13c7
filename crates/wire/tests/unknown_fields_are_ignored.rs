//! Fields the model does not know are ignored wherever they appear: GA deltas carry an
//! `obfuscation` string, newer servers and SDKs add settings, and Twilio adds metadata. The
//! event parses to exactly what it would be without them.

use serde_json::{Value, json};
use switchboard_wire::twilio::TwilioInbound;
use switchboard_wire::{ClientEvent, ServerEvent, beta};

fn fixture(path: &str) -> Value {
    let path = format!("{}/tests/data/{path}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).expect("fixtures are valid JSON")
}

/// The fixture with `extra` merged into the object at `pointer`.
fn with_extra(path: &str, pointer: &str, extra: Value) -> (Value, Value) {
    let plain = fixture(path);
    let mut noisy = plain.clone();
    let target = noisy
        .pointer_mut(pointer)
        .and_then(Value::as_object_mut)
        .unwrap_or_else(|| panic!("{path} has no object at {pointer}"));
    let Value::Object(extra) = extra else {
        panic!("extra fields must be an object");
    };
    for (key, value) in extra {
        assert!(
            target.insert(key.clone(), value).is_none(),
            "{key} is not unknown"
        );
    }
    (plain, noisy)
}

fn assert_server_ignores(path: &str, pointer: &str, extra: Value) {
    let (plain, noisy) = with_extra(path, pointer, extra);
    let parsed = ServerEvent::from_json(&noisy.to_string())
        .unwrap_or_else(|e| panic!("{path} with unknown fields at {pointer}: {e}"));
    assert_eq!(
        parsed,
        ServerEvent::from_json(&plain.to_string()).expect("the fixture parses")
    );
    assert_eq!(
        parsed.to_value(),
        plain,
        "{path}: unknown fields are not written back"
    );
}

fn assert_client_ignores(path: &str, pointer: &str, extra: Value) {
    let (plain, noisy) = with_extra(path, pointer, extra);
    let parsed = ClientEvent::from_json(&noisy.to_string())
        .unwrap_or_else(|e| panic!("{path} with unknown fields at {pointer}: {e}"));
    assert_eq!(
        parsed,
        ClientEvent::from_json(&plain.to_string()).expect("the fixture parses")
    );
    assert_eq!(
        parsed.to_value(),
        plain,
        "{path}: unknown fields are not written back"
    );
}

#[test]
fn obfuscation_on_deltas_is_ignored() {
    for path in [
        "ga/server/response.output_audio.delta.json",
        "ga/server/response.output_audio_transcript.delta.json",
        "ga/server/response.output_text.delta.json",
        "ga/server/response.function_call_arguments.delta.json",
        "ga/server/response.mcp_call_arguments.delta.json",
        "ga/server/conversation.item.input_audio_transcription.delta.json",
    ] {
        assert_server_ignores(path, "", json!({"obfuscation": "k3Jd9xQ"}));
    }
}

#[test]
fn unknown_session_settings_are_ignored() {
    assert_client_ignores(
        "ga/client/session.update.json",
        "/session",
        json!({"voice_style": "calm", "experimental": {"barge_in_grace_ms": 150}}),
    );
    assert_client_ignores(
        "ga/client/session.update.json",
        "/session/audio/input/turn_detection",
        json!({"min_speech_ms": 120}),
    );
    assert_server_ignores(
        "ga/server/session.updated.json",
        "/session/audio/output",
        json!({"volume": 0.8}),
    );
}

#[test]
fn unknown_fields_in_items_and_content_parts_are_ignored() {
    assert_client_ignores(
        "ga/client/conversation.item.create.json",
        "/item",
        json!({"created_at": 1_767_232_600}),
    );
    assert_client_ignores(
        "ga/client/conversation.item.create.json",
        "/item/content/1",
        json!({"file_id": null}),
    );
    assert_server_ignores(
        "ga/server/response.done.json",
        "/response/output/1",
        json!({"provider": "northloop"}),
    );
}

#[test]
fn unknown_fields_in_responses_and_usage_are_ignored() {
    assert_server_ignores(
        "ga/server/response.done.json",
        "/response",
        json!({"created_at": 1_767_232_611, "instructions": "…"}),
    );
    assert_server_ignores(
        "ga/server/response.done.json",
        "/response/usage/input_token_details",
        json!({"reasoning_tokens": 0}),
    );
    assert_client_ignores(
        "ga/client/response.create.json",
        "/response",
        json!({"temperature": 0.8}),
    );
}

#[test]
fn unknown_top_level_fields_are_ignored() {
    assert_client_ignores(
        "ga/client/input_audio_buffer.append.json",
        "",
        json!({"sequence": 42}),
    );
    assert_server_ignores(
        "ga/server/error.json",
        "/error",
        json!({"request_id": "req_7d1c"}),
    );
    assert_server_ignores(
        "ga/server/rate_limits.updated.json",
        "/rate_limits/0",
        json!({"window": "1m"}),
    );
}

#[test]
fn unknown_beta_session_fields_are_ignored() {
    let (plain, noisy) = with_extra(
        "beta/client/session.update.json",
        "/session",
        json!({"input_audio_echo_cancellation": true}),
    );
    let noisy = beta::client_event_from_json(&noisy.to_string()).unwrap();
    let plain = beta::client_event_from_json(&plain.to_string()).unwrap();
    assert_eq!(noisy.event, plain.event);
}

#[test]
fn unknown_twilio_fields_are_ignored() {
    for (path, pointer, extra) in [
        (
            "twilio/inbound/start.json",
            "/start",
            json!({"callerName": "DANA WHITFIELD"}),
        ),
        (
            "twilio/inbound/media.json",
            "/media",
            json!({"sampleRate": 8000}),
        ),
        (
            "twilio/inbound/connected.json",
            "",
            json!({"region": "us1"}),
        ),
    ] {
        let (plain, noisy) = with_extra(path, pointer, extra);
        let parsed =
            TwilioInbound::from_json(&noisy.to_string()).unwrap_or_else(|e| panic!("{path}: {e}"));
        assert_eq!(
            parsed,
            TwilioInbound::from_json(&plain.to_string()).unwrap()
        );
    }
}
