//! The settings the newer models brought are read into their types, kept by `Session::merge`
//! and written back as they came: `truncation` in its three forms, `semantic_vad` eagerness,
//! noise reduction (and its `null`), custom voices `{id}`, `input_image` content,
//! `include`, MCP tools with their filters, and `reasoning.effort`. Every field of the official
//! SDK's client event types is accepted.

use serde_json::{Value, json};
use switchboard_wire::{
    ClientEvent, ContentPart, Eagerness, ErrorKind, Include, Item, McpAllowedTools,
    McpApprovalMode, McpRequireApproval, NoiseReductionKind, Nullable, ReasoningEffort,
    ServerEvent, Session, Tool, Truncation, TruncationMode, TurnDetection, Voice,
};

fn fixture(path: &str) -> Value {
    let path = format!("{}/tests/data/{path}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).expect("fixtures are valid JSON")
}

fn client_session(path: &str) -> Session {
    match ClientEvent::from_json(&fixture(path).to_string()) {
        Ok(ClientEvent::SessionUpdate(update)) => update.session,
        Ok(other) => panic!("{path} is a {}", other.event_type()),
        Err(e) => panic!("{path}: {e}"),
    }
}

fn server_session(path: &str) -> Session {
    match ServerEvent::from_json(&fixture(path).to_string()) {
        Ok(ServerEvent::SessionCreated(e) | ServerEvent::SessionUpdated(e)) => e.session,
        Ok(other) => panic!("{path} is a {}", other.event_type()),
        Err(e) => panic!("{path}: {e}"),
    }
}

/// The session as JSON, for comparing what merge keeps with what was sent.
fn value(session: &Session) -> Value {
    serde_json::to_value(session).expect("a session is JSON")
}

#[test]
fn the_new_settings_are_read_into_their_types() {
    let s = client_session("ga/shapes/client/session.update~gpt-realtime-2.1.json");
    let input = s
        .audio
        .as_ref()
        .and_then(|a| a.input.as_ref())
        .expect("input");
    let Nullable::Value(TurnDetection::SemanticVad(vad)) = &input.turn_detection else {
        panic!("semantic_vad");
    };
    assert_eq!(vad.eagerness, Some(Eagerness::High));
    let noise = input.noise_reduction.as_value().expect("noise reduction");
    assert_eq!(noise.kind, Some(NoiseReductionKind::FarField));
    let output = s
        .audio
        .as_ref()
        .and_then(|a| a.output.as_ref())
        .expect("output");
    assert_eq!(
        output.voice,
        Some(Voice::custom("voice_68b2f4c1e0d48190a1b2c3d4"))
    );
    assert_eq!(
        s.include,
        Nullable::Value(vec![Include::InputTranscriptionLogprobs])
    );
    assert_eq!(
        s.reasoning.as_ref().and_then(|r| r.effort.clone()),
        Some(ReasoningEffort::Xhigh)
    );
    let Some(Truncation::RetentionRatio(ratio)) = &s.truncation else {
        panic!("retention ratio");
    };
    assert_eq!(ratio.retention_ratio, 0.7);
    assert_eq!(
        ratio
            .token_limits
            .as_ref()
            .map(|t| t.post_instructions.clone()),
        Some(Nullable::Value(12_000))
    );
    let tools = s.tools.as_ref().expect("tools");
    let Tool::Mcp(calendar) = &tools[1] else {
        panic!("an MCP tool");
    };
    assert_eq!(
        calendar.connector_id.as_deref(),
        Some("connector_googlecalendar")
    );
    assert_eq!(
        calendar.allowed_tools,
        Nullable::Value(McpAllowedTools::Names(vec![
            "list_free_windows".into(),
            "book_window".into()
        ]))
    );
    let Nullable::Value(McpRequireApproval::Filter(filter)) = &calendar.require_approval else {
        panic!("a filter");
    };
    assert_eq!(
        filter.always.as_ref().and_then(|f| f.tool_names.clone()),
        Some(vec!["book_window".to_owned()])
    );
    assert_eq!(filter.never.as_ref().and_then(|f| f.read_only), Some(true));
    let Tool::Mcp(kb) = &tools[2] else {
        panic!("an MCP tool");
    };
    assert_eq!(
        kb.require_approval,
        Nullable::Value(McpRequireApproval::Mode(McpApprovalMode::Never))
    );
    assert!(matches!(
        kb.allowed_tools,
        Nullable::Value(McpAllowedTools::Filter(_))
    ));

    let auto = client_session("ga/shapes/client/session.update~truncation-auto.json");
    assert_eq!(
        auto.truncation,
        Some(Truncation::Mode(TruncationMode::Auto))
    );
    let noise = &auto
        .audio
        .as_ref()
        .and_then(|a| a.input.as_ref())
        .expect("input")
        .noise_reduction;
    assert_eq!(*noise, Nullable::Null, "null turns noise reduction off");
    let disabled = client_session("ga/shapes/client/session.update~truncation-disabled.json");
    assert_eq!(
        disabled.truncation,
        Some(Truncation::Mode(TruncationMode::Disabled))
    );

    let event = fixture("ga/shapes/client/conversation.item.create~input-image.json");
    let Ok(ClientEvent::ConversationItemCreate(create)) =
        ClientEvent::from_json(&event.to_string())
    else {
        panic!("an item");
    };
    let Item::Message(message) = create.item else {
        panic!("a message");
    };
    assert!(matches!(
        &message.content[0],
        ContentPart::InputImage { detail: Some(d), image_url: Some(_), .. } if d == "auto"
    ));
}

#[test]
fn merge_keeps_every_new_setting() {
    let mut full =
        fixture("ga/shapes/client/session.update~gpt-realtime-2.1.json")["session"].clone();
    // Merged into an empty session, everything the patch set is there, as it was sent (but the
    // model, which a session.update cannot change).
    full.as_object_mut().expect("a session").remove("model");
    let mut session: Session =
        serde_json::from_value(json!({"type": "realtime"})).expect("a session");
    session.merge(client_session(
        "ga/shapes/client/session.update~gpt-realtime-2.1.json",
    ));
    assert_eq!(value(&session), full);

    // A later patch changes what it carries and leaves the rest.
    session.merge(client_session(
        "ga/shapes/client/session.update~truncation-auto.json",
    ));
    let merged = value(&session);
    assert_eq!(merged["truncation"], "auto");
    assert_eq!(merged["reasoning"], json!({"effort": "minimal"}));
    assert_eq!(merged["audio"]["input"]["noise_reduction"], Value::Null);
    assert_eq!(
        merged["audio"]["input"]["turn_detection"],
        json!({"type": "semantic_vad", "eagerness": "low"})
    );
    assert_eq!(merged["audio"]["output"]["voice"], "cedar");
    assert_eq!(merged["audio"]["output"]["speed"], 1.1, "kept");
    assert_eq!(merged["tools"], full["tools"], "kept");
    assert_eq!(merged["include"], full["include"], "kept");
    assert_eq!(merged["parallel_tool_calls"], true, "kept");
    assert_eq!(
        merged["audio"]["input"]["transcription"], full["audio"]["input"]["transcription"],
        "kept"
    );

    session.merge(client_session(
        "ga/shapes/client/session.update~truncation-disabled.json",
    ));
    let merged = value(&session);
    assert_eq!(merged["truncation"], "disabled");
    assert_eq!(merged["tracing"], Value::Null);
    assert_eq!(merged["include"], json!([]));
    assert_eq!(
        merged["audio"]["input"]["noise_reduction"],
        json!({"type": "near_field"})
    );

    // A server's session merges the same way, its unknown settings too.
    let mut from_server = server_session("ga/shapes/server/session.created~gpt-realtime-2.1.json");
    let mut patch = client_session("ga/shapes/client/session.update~truncation-auto.json");
    patch
        .audio
        .as_mut()
        .and_then(|a| a.input.as_mut())
        .expect("input")
        .extra
        .insert("echo_cancellation", json!(true));
    from_server.merge(patch);
    let merged = value(&from_server);
    assert_eq!(merged["audio"]["input"]["echo_cancellation"], true);
    assert_eq!(merged["reasoning"], json!({"effort": "minimal"}));
    assert_eq!(merged["parallel_tool_calls"], true);
}

#[test]
fn an_unknown_effort_is_refused_from_a_client_and_kept_from_a_server() {
    let err = ClientEvent::from_json(
        &json!({"type": "session.update", "event_id": "e1",
                "session": {"type": "realtime", "reasoning": {"effort": "hihg"}}})
        .to_string(),
    )
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidValue);
    assert_eq!(err.param(), Some("session.reasoning.effort"));
    assert!(err.message().contains("'hihg'"), "{}", err.message());
    assert!(err.message().contains("xhigh"), "{}", err.message());
    assert_eq!(err.event_id().map(|id| id.as_str()), Some("e1"));

    let s = server_session("ga/shapes/server/session.updated~truncation-disabled.json");
    assert_eq!(
        s.reasoning.and_then(|r| r.effort),
        Some(ReasoningEffort::Other("none".into()))
    );
}

#[test]
fn every_field_of_the_official_client_types_is_accepted() {
    // Fields of `openai.types.realtime` client events not already in the fixtures.
    let events = [
        json!({"type": "session.update", "event_id": "e1", "session": {
            "type": "realtime",
            "audio": {"input": {"turn_detection": {"type": "server_vad", "threshold": 0.5,
                "prefix_padding_ms": 300, "silence_duration_ms": 500, "idle_timeout_ms": 6000,
                "create_response": true, "interrupt_response": false}},
                "output": {"format": {"type": "audio/pcma"}, "voice": "marin", "speed": 0.9}},
            "tools": [{"type": "mcp", "server_label": "private", "tunnel_id": "tun_123",
                       "allowed_callers": ["programmatic"], "defer_loading": true},
                      {"type": "function", "name": "untyped_function",
                       "parameters": {"type": "object"}}],
            "tool_choice": {"type": "function", "name": "untyped_function"},
            "tracing": "auto", "max_output_tokens": 4096,
            "prompt": {"id": "pmpt_1", "variables": {"image": {"type": "input_image",
                "image_url": "data:image/png;base64,AAAA", "detail": "original"}}}
        }}),
        json!({"type": "conversation.item.create", "item": {"type": "mcp_list_tools",
            "id": "item_l", "server_label": "kb", "tools": [{"name": "search",
            "input_schema": {"type": "object"}, "annotations": {"readOnlyHint": true},
            "description": "Search."}]}}),
        json!({"type": "conversation.item.create", "item": {"type": "mcp_call", "id": "item_c",
            "server_label": "kb", "name": "search", "arguments": "{}",
            "approval_request_id": "mcpr_1", "output": null,
            "error": {"type": "http_error", "code": 502, "message": "Bad gateway"}}}),
        json!({"type": "conversation.item.create", "item": {"type": "mcp_approval_request",
            "id": "mcpr_1", "server_label": "kb", "name": "search", "arguments": "{}"}}),
        json!({"type": "conversation.item.create", "item": {"type": "function_call",
            "id": "item_f", "object": "realtime.item", "status": "in_progress",
            "call_id": "call_1", "name": "lookup", "arguments": "{}"}}),
        json!({"type": "conversation.item.create", "item": {"type": "message", "role": "system",
            "id": "item_s", "object": "realtime.item", "status": "completed",
            "content": [{"type": "input_text", "text": "The caller is verified."}]}}),
        json!({"type": "conversation.item.create", "previous_item_id": "root",
            "item": {"type": "message", "role": "user", "content": [
                {"type": "input_audio", "audio": "AAAA", "transcript": "hello"}]}}),
        json!({"type": "response.create", "response": {
            "conversation": "none", "input": [{"type": "item_reference", "id": "item_1"}],
            "max_output_tokens": "inf", "output_modalities": ["audio"],
            "audio": {"output": {"format": {"type": "audio/pcm", "rate": 24000}, "voice": "cedar"}},
            "tools": [{"type": "mcp", "server_label": "kb", "tunnel_id": "tun_1",
                       "allowed_tools": null, "require_approval": null, "allowed_callers": ["direct"],
                       "defer_loading": false, "headers": {"X-A": "b"}, "authorization": "t",
                       "connector_id": "connector_gmail", "server_description": "Mail"}],
            "tool_choice": {"type": "mcp", "server_label": "kb"}}}),
        json!({"type": "response.cancel", "event_id": "e9", "response_id": "resp_1"}),
        json!({"type": "conversation.item.truncate", "event_id": "e10", "item_id": "item_1",
               "content_index": 0, "audio_end_ms": 1500}),
    ];
    for event in events {
        let parsed = ClientEvent::from_json(&event.to_string())
            .unwrap_or_else(|e| panic!("{event}: {e} (param {:?})", e.param()));
        assert_eq!(parsed.to_value(), event, "written back as sent");
    }
    // The SDK marks a function tool's `type` optional: without one it is a function, and is
    // passed on with its type.
    let untyped = json!({"type": "session.update", "session": {"type": "realtime",
        "tools": [{"name": "lookup", "parameters": {"type": "object"}}]}});
    let parsed = ClientEvent::from_json(&untyped.to_string()).expect("accepted");
    assert_eq!(parsed.to_value()["session"]["tools"][0]["type"], "function");
}
