//! Fields no type names are kept when a server (or Twilio) sends them, and refused when a
//! client does.
//!
//! Servers add fields: GA deltas carry an `obfuscation` string, Azure adds `session_id` to every
//! event, newer models add settings. A relayed event must reach the caller as the model sent
//! it, so those fields are kept and written back where they came. A client's unknown field is
//! a typo or a setting of another API; the live Realtime API answers it with
//! `unknown_parameter`, and so does Switchboard, naming the full path and the client's
//! `event_id`. The few fields other SDKs send that the API takes anyway are listed in
//! `TOLERATED` and pass.

use serde_json::{Value, json};
use switchboard_wire::twilio::TwilioInbound;
use switchboard_wire::{ClientEvent, ErrorKind, ServerEvent, TOLERATED, WireError, beta};

fn fixture(path: &str) -> Value {
    let path = format!("{}/tests/data/{path}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).expect("fixtures are valid JSON")
}

/// The fixture with `extra` merged into the object at `pointer`.
fn with_extra(path: &str, pointer: &str, extra: Value) -> Value {
    let mut noisy = fixture(path);
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
    noisy
}

fn assert_server_keeps(path: &str, pointer: &str, extra: Value) {
    let noisy = with_extra(path, pointer, extra);
    let parsed = ServerEvent::from_json(&noisy.to_string())
        .unwrap_or_else(|e| panic!("{path} with unknown fields at {pointer}: {e}"));
    assert_eq!(
        parsed.to_value(),
        noisy,
        "{path}: unknown fields at {pointer} are written back"
    );
    assert_ne!(
        parsed,
        ServerEvent::from_json(&fixture(path).to_string()).expect("the fixture parses"),
        "{path}: the unknown fields are part of the event"
    );
}

fn client_error(value: &Value) -> WireError {
    ClientEvent::from_json(&value.to_string())
        .map(|e| panic!("parsed with an unknown field: {}", e.to_json()))
        .unwrap_err()
}

/// Adds `extra` at `pointer` and checks the event is refused as the live API refuses it.
fn assert_client_refuses(path: &str, pointer: &str, extra: Value, param: &str) {
    let noisy = with_extra(path, pointer, extra);
    let err = client_error(&noisy);
    assert_eq!(err.kind(), ErrorKind::UnknownParameter, "{path}: {err}");
    assert_eq!(err.code(), "unknown_parameter");
    assert_eq!(err.param(), Some(param), "{path}");
    assert_eq!(err.message(), format!("Unknown parameter: '{param}'."));
    assert_eq!(
        err.event_id().map(|id| id.as_str().to_owned()),
        noisy["event_id"].as_str().map(str::to_owned),
        "{path}: the client's event_id comes back"
    );
    let object = err.to_error_object();
    assert_eq!(object.kind, "invalid_request_error");
    assert_eq!(object.code.as_deref(), Some("unknown_parameter"));
    assert_eq!(object.param.as_deref(), Some(param));
    assert_eq!(object.event_id, err.event_id().cloned());
}

#[test]
fn obfuscation_on_deltas_is_kept() {
    for path in [
        "ga/server/response.output_audio.delta.json",
        "ga/server/response.output_audio_transcript.delta.json",
        "ga/server/response.output_text.delta.json",
        "ga/server/response.function_call_arguments.delta.json",
        "ga/server/response.mcp_call_arguments.delta.json",
        "ga/server/conversation.item.input_audio_transcription.delta.json",
    ] {
        assert_server_keeps(path, "", json!({"obfuscation": "k3Jd9xQ"}));
    }
}

#[test]
fn a_servers_unknown_session_settings_are_kept() {
    assert_server_keeps(
        "ga/server/session.updated.json",
        "/session/audio/output",
        json!({"volume": 0.8}),
    );
    assert_server_keeps(
        "ga/server/session.updated.json",
        "/session",
        json!({"voice_style": "calm", "experimental": {"barge_in_grace_ms": 150, "x": null}}),
    );
    assert_server_keeps(
        "ga/server/session.updated.json",
        "/session/audio/input/turn_detection",
        json!({"model_version": "default"}),
    );
}

#[test]
fn a_servers_unknown_fields_in_items_and_content_parts_are_kept() {
    assert_server_keeps(
        "ga/server/response.done.json",
        "/response/output/1",
        json!({"provider": "northloop"}),
    );
    assert_server_keeps(
        "ga/server/response.done.json",
        "/response/output/0/content/0",
        json!({"logprobs": [], "audio": null}),
    );
    assert_server_keeps(
        "ga/server/conversation.item.added.json",
        "/item",
        json!({"created_at": 1_767_232_600}),
    );
}

#[test]
fn a_servers_unknown_fields_in_responses_and_usage_are_kept() {
    assert_server_keeps(
        "ga/server/response.done.json",
        "/response",
        json!({"created_at": 1_767_232_611, "instructions": "…"}),
    );
    assert_server_keeps(
        "ga/server/response.done.json",
        "/response/usage/input_token_details",
        json!({"reasoning_tokens": 0}),
    );
    assert_server_keeps(
        "ga/server/response.done.json",
        "/response/usage/output_token_details",
        json!({"reasoning_tokens": 42}),
    );
}

#[test]
fn a_servers_unknown_top_level_and_error_fields_are_kept() {
    assert_server_keeps(
        "ga/server/error.json",
        "/error",
        json!({"request_id": "req_7d1c"}),
    );
    assert_server_keeps(
        "ga/server/rate_limits.updated.json",
        "/rate_limits/0",
        json!({"window": "1m"}),
    );
    assert_server_keeps(
        "ga/server/input_audio_buffer.speech_started.json",
        "",
        json!({"session_id": "sess_C9LdZq8rT2vX4yB6nM1pK"}),
    );
}

#[test]
fn a_clients_typo_is_an_unknown_parameter_naming_its_path() {
    assert_client_refuses(
        "ga/client/session.update.json",
        "/session/audio/input",
        json!({"turn_detecton": {"type": "semantic_vad"}}),
        "session.audio.input.turn_detecton",
    );
    assert_client_refuses(
        "ga/client/session.update.json",
        "/session",
        json!({"voice_style": "calm"}),
        "session.voice_style",
    );
    assert_client_refuses(
        "ga/client/session.update.json",
        "/session/audio/input/turn_detection",
        json!({"min_speech_ms": 120}),
        "session.audio.input.turn_detection.min_speech_ms",
    );
    // The live API's own example (livekit/agents#3398): a field of an MCP SDK's tool listing.
    assert_client_refuses(
        "ga/client/session.update.json",
        "/session/tools/2",
        json!({"meta": {}}),
        "session.tools[2].meta",
    );
    assert_client_refuses(
        "ga/client/session.update.json",
        "/session/tools/2/allowed_tools",
        json!({"readonly": true}),
        "session.tools[2].allowed_tools.readonly",
    );
}

#[test]
fn a_misspelt_required_field_is_reported_as_unknown_not_as_missing() {
    let mut event = fixture("ga/client/session.update.json");
    let session = event
        .as_object_mut()
        .and_then(|e| e.remove("session"))
        .expect("a session");
    event["sesion"] = session;
    let err = client_error(&event);
    assert_eq!(err.kind(), ErrorKind::UnknownParameter);
    assert_eq!(err.param(), Some("sesion"));
    assert_eq!(err.event_id().map(|id| id.as_str()), Some("event_sb_0001"));

    let err = client_error(&json!({
        "type": "conversation.item.truncate", "event_id": "e1",
        "item_id": "item_1", "content_index": 0, "audio_end_mss": 1500
    }));
    assert_eq!(err.kind(), ErrorKind::UnknownParameter);
    assert_eq!(err.param(), Some("audio_end_mss"));
}

#[test]
fn a_clients_unknown_fields_in_items_parts_and_responses_are_refused() {
    assert_client_refuses(
        "ga/client/conversation.item.create.json",
        "/item",
        json!({"created_at": 1_767_232_600}),
        "item.created_at",
    );
    assert_client_refuses(
        "ga/client/conversation.item.create.json",
        "/item/content/1",
        json!({"file_id": null}),
        "item.content[1].file_id",
    );
    assert_client_refuses(
        "ga/client/response.create.json",
        "/response",
        json!({"temperature": 0.8}),
        "response.temperature",
    );
    assert_client_refuses(
        "ga/client/response.create.json",
        "/response/input/2",
        json!({"provider": "x"}),
        "response.input[2].provider",
    );
    assert_client_refuses(
        "ga/client/input_audio_buffer.append.json",
        "",
        json!({"sequence": 42}),
        "sequence",
    );
    assert_client_refuses(
        "ga/client/response.cancel.json",
        "",
        json!({"reason": "barge-in"}),
        "reason",
    );
}

#[test]
fn a_beta_setting_sent_to_the_ga_api_is_refused() {
    // What the live API answered openai-python#2638's beta/GA mix-up, the other way round.
    assert_client_refuses(
        "ga/client/session.update.json",
        "/session",
        json!({"input_audio_format": "pcm16"}),
        "session.input_audio_format",
    );
    let err = client_error(&json!({
        "type": "conversation.item.create",
        "item": {"type": "message", "role": "assistant",
                 "content": [{"type": "audio", "transcript": "Hi."}]}
    }));
    assert_eq!(err.kind(), ErrorKind::InvalidValue, "{err}");
    assert_eq!(err.param(), Some("item.content[0].type"));
}

#[test]
fn tolerated_fields_pass_and_are_passed_on() {
    let noisy = with_extra(
        "ga/client/session.update.json",
        "/session/audio/input/turn_detection",
        json!({"model_version": "default"}),
    );
    let event = ClientEvent::from_json(&noisy.to_string()).expect("tolerated");
    assert_eq!(event.to_value(), noisy, "kept and written on to the model");
    // Every entry is reachable: its parent is an object a client event has.
    for tolerated in TOLERATED {
        assert!(
            tolerated.path().starts_with("session.") || tolerated.path().starts_with("item."),
            "{}",
            tolerated.path()
        );
    }
}

#[test]
fn beta_clients_are_held_to_the_beta_field_set() {
    let beta_error = |value: Value| {
        beta::client_event_from_json(&value.to_string())
            .map(|t| panic!("parsed: {}", t.event.to_json()))
            .unwrap_err()
    };
    // A typo in a field beta moved: named as the caller wrote it.
    let noisy = with_extra(
        "beta/client/session.update.json",
        "/session/turn_detection",
        json!({"eagernes": "low"}),
    );
    let err = beta_error(noisy);
    assert_eq!(err.kind(), ErrorKind::UnknownParameter, "{err}");
    assert_eq!(err.param(), Some("session.turn_detection.eagernes"));
    assert_eq!(
        err.event_id().map(|id| id.as_str()),
        Some("event_sb_beta_0001")
    );
    // A field beta never had, GA's included.
    for (key, value) in [
        ("input_audio_echo_cancellation", json!(true)),
        ("truncation", json!("auto")),
        ("output_modalities", json!(["audio"])),
    ] {
        let noisy = with_extra(
            "beta/client/session.update.json",
            "/session",
            json!({ key: value }),
        );
        let err = beta_error(noisy);
        assert_eq!(err.kind(), ErrorKind::UnknownParameter, "{key}: {err}");
        assert_eq!(err.param(), Some(format!("session.{key}").as_str()));
    }
    let noisy = with_extra(
        "beta/client/response.create.json",
        "/response",
        json!({"reasoning": {"effort": "low"}}),
    );
    assert_eq!(beta_error(noisy).param(), Some("response.reasoning"));
    // A field of beta's item content with no GA place is dropped and reported.
    let translated = beta::client_event_from_json(
        &json!({"type": "conversation.item.create", "item": {"type": "message", "role": "user",
                "content": [{"type": "input_text", "text": "Hi", "id": "item_old"}]}})
        .to_string(),
    )
    .expect("a beta item");
    assert_eq!(translated.dropped, ["item.content[0].id"]);
    // The tolerated fields pass in beta too, at their beta place.
    let noisy = with_extra(
        "beta/client/session.update.json",
        "/session/turn_detection",
        json!({"model_version": "default"}),
    );
    let translated = beta::client_event_from_json(&noisy.to_string()).expect("tolerated");
    assert_eq!(
        translated.event.to_value()["session"]["audio"]["input"]["turn_detection"]["model_version"],
        "default"
    );
}

#[test]
fn twilios_unknown_fields_are_kept() {
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
        let noisy = with_extra(path, pointer, extra);
        let parsed =
            TwilioInbound::from_json(&noisy.to_string()).unwrap_or_else(|e| panic!("{path}: {e}"));
        let written: Value = serde_json::from_str(&parsed.to_json()).expect("JSON");
        assert_eq!(written, noisy, "{path}");
    }
}
