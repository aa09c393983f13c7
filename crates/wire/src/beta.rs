//! The beta dialect (`OpenAI-Beta: realtime=v1`), for callers that still speak it.
//!
//! Beta differs from GA in a handful of places: a flat session (`voice`, `input_audio_format`,
//! `turn_detection`, … at the top), format strings (`pcm16`, `g711_ulaw`, `g711_alaw`),
//! `modalities` instead of `output_modalities`, assistant content types `text`/`audio`, and
//! renamed server events (`response.audio.delta`, `conversation.item.created`, …).
//!
//! Translation is a rewrite of the JSON into the other shape followed by the ordinary GA
//! parse, so both dialects share one set of types and one set of checks. Errors in a beta
//! event name the beta field the caller actually sent.
//!
//! A beta client event is held to the beta field set as a GA one is to the GA set: every
//! field of the beta API is read (moved to its GA place, or dropped and reported when GA has
//! none: `temperature`, `client_secret`, a content part's `id`), and anything else is refused
//! with `unknown_parameter`, named as the caller wrote it (`session.turn_detection.eagernes`).
//!
//! Server events written for a beta caller keep what GA servers add to objects beta also has
//! (`session.truncation`, `usage.input_token_details.cached_tokens_details`, unknown fields):
//! beta clients read objects leniently. What they cannot read is left out: events, item
//! types and content part types beta never had.

use serde_json::{Map, Value};

use crate::{ClientEvent, ErrorKind, ServerEvent, WireError, de};

/// A beta client event read into the GA model.
#[derive(Debug, Clone, PartialEq)]
pub struct Translated {
    /// The event in GA form.
    pub event: ClientEvent,
    /// Beta fields that GA has no place for and that were dropped (e.g. `session.temperature`).
    pub dropped: Vec<String>,
}

/// Server event renames, GA name first.
const SERVER_RENAMES: &[(&str, &str)] = &[
    ("conversation.item.added", "conversation.item.created"),
    ("response.output_text.delta", "response.text.delta"),
    ("response.output_text.done", "response.text.done"),
    ("response.output_audio.delta", "response.audio.delta"),
    ("response.output_audio.done", "response.audio.done"),
    (
        "response.output_audio_transcript.delta",
        "response.audio_transcript.delta",
    ),
    (
        "response.output_audio_transcript.done",
        "response.audio_transcript.done",
    ),
];

/// GA server events with no beta counterpart: a beta caller never sees them.
const GA_ONLY_SERVER_TYPES: &[&str] = &[
    "conversation.item.done",
    "conversation.item.input_audio_transcription.segment",
    "input_audio_buffer.timeout_triggered",
    "input_audio_buffer.dtmf_event_received",
    "response.mcp_call_arguments.delta",
    "response.mcp_call_arguments.done",
    "response.mcp_call.in_progress",
    "response.mcp_call.completed",
    "response.mcp_call.failed",
    "mcp_list_tools.in_progress",
    "mcp_list_tools.completed",
    "mcp_list_tools.failed",
];

/// Item types beta has no shape for: events carrying them are not shown to a beta caller.
const GA_ONLY_ITEM_TYPES: &[&str] = &[
    "mcp_approval_response",
    "mcp_list_tools",
    "mcp_call",
    "mcp_approval_request",
];

/// Content part types beta has no shape for: they are left out of beta items.
const GA_ONLY_PART_TYPES: &[&str] = &["input_image"];

/// Beta names of session fields that GA nests, as (GA path, beta path) below `session`.
const SESSION_PATHS: &[(&str, &str)] = &[
    ("audio.input.format", "input_audio_format"),
    ("audio.input.transcription", "input_audio_transcription"),
    ("audio.input.noise_reduction", "input_audio_noise_reduction"),
    ("audio.input.turn_detection", "turn_detection"),
    ("audio.output.format", "output_audio_format"),
    ("audio.output.voice", "voice"),
    ("audio.output.speed", "speed"),
    ("output_modalities", "modalities"),
    ("max_output_tokens", "max_response_output_tokens"),
];

/// Beta names of `response.create` fields, as (GA path, beta path) below `response`.
const RESPONSE_PATHS: &[(&str, &str)] = &[
    ("audio.output.format", "output_audio_format"),
    ("audio.output.voice", "voice"),
    ("output_modalities", "modalities"),
    ("max_output_tokens", "max_response_output_tokens"),
];

/// Beta names of response object fields, as (GA path, beta path) below `response`. Unlike the
/// parameters of `response.create`, the object keeps the name `max_output_tokens`.
const RESPONSE_OBJECT_PATHS: &[(&str, &str)] = &[
    ("audio.output.format", "output_audio_format"),
    ("audio.output.voice", "voice"),
    ("output_modalities", "modalities"),
];

/// The fields of a beta `session` (the official beta types' `session.update` and
/// `transcription_session.update`). Anything else in a beta client's session is refused, as
/// the beta API refused it, GA settings included.
const BETA_SESSION_FIELDS: &[&str] = &[
    "client_secret",
    "include",
    "input_audio_format",
    "input_audio_noise_reduction",
    "input_audio_transcription",
    "instructions",
    "max_response_output_tokens",
    "modalities",
    "model",
    "output_audio_format",
    "speed",
    "temperature",
    "tool_choice",
    "tools",
    "tracing",
    "turn_detection",
    "voice",
];

/// The fields of a beta `response.create`'s `response`.
const BETA_RESPONSE_FIELDS: &[&str] = &[
    "conversation",
    "input",
    "instructions",
    "max_response_output_tokens",
    "metadata",
    "modalities",
    "output_audio_format",
    "temperature",
    "tool_choice",
    "tools",
    "voice",
];

/// Refuses a field of a beta client's `session` or `response` that beta does not have.
fn refuse_outside(
    object: &Map<String, Value>,
    known: &[&str],
    prefix: &str,
) -> Result<(), WireError> {
    match object.keys().find(|key| !known.contains(&key.as_str())) {
        None => Ok(()),
        Some(key) => {
            let param = format!("{prefix}.{key}");
            Err(WireError::new(
                ErrorKind::UnknownParameter,
                format!("Unknown parameter: '{param}'."),
            )
            .with_param(param))
        }
    }
}

/// Reads a beta-shaped client event into the GA model.
///
/// Events that are the same in both dialects parse as they are. `transcription_session.update`
/// becomes a `session.update` of a transcription session.
pub fn client_event_from_json(json: &str) -> Result<Translated, WireError> {
    let value: Value = serde_json::from_str(json).map_err(|e| {
        WireError::new(
            ErrorKind::InvalidJson,
            format!("The event is not valid JSON: {e}."),
        )
    })?;
    client_event_from_value(value)
}

/// Like [`client_event_from_json`], for a frame already read as JSON.
pub fn client_event_from_value(value: Value) -> Result<Translated, WireError> {
    let Value::Object(mut event) = value else {
        // Not an object: the GA parser words the error.
        return ClientEvent::from_value(value).map(|event| Translated {
            event,
            dropped: vec![],
        });
    };
    // Read first, as the GA parser does, so that translation errors name the event too.
    let event_id = de::read_event_id(event.get("event_id"))?;
    let mut dropped = Vec::new();
    let ty = event
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let paths: &[(&str, &str)] = match ty.as_str() {
        "session.update" | "transcription_session.update" => {
            let kind = if ty == "session.update" {
                "realtime"
            } else {
                "transcription"
            };
            event.insert("type".into(), "session.update".into());
            // Anything but an object is left for the GA parser to refuse.
            if let Some(Value::Object(session)) = event.get_mut("session") {
                refuse_outside(session, BETA_SESSION_FIELDS, "session")
                    .map_err(|e| e.with_event_id(event_id.clone()))?;
                *session = session_from_beta(std::mem::take(session), kind, &mut dropped)
                    .map_err(|e| e.with_event_id(event_id.clone()))?;
            }
            SESSION_PATHS
        }
        "conversation.item.create" => {
            if let Some(item) = event.get_mut("item") {
                item_from_beta(item);
                drop_content_ids(item, "item", &mut dropped);
            }
            &[]
        }
        "response.create" => {
            if let Some(Value::Object(response)) = event.get_mut("response") {
                refuse_outside(response, BETA_RESPONSE_FIELDS, "response")
                    .map_err(|e| e.with_event_id(event_id.clone()))?;
                *response = response_params_from_beta(std::mem::take(response), &mut dropped)
                    .map_err(|e| e.with_event_id(event_id.clone()))?;
            }
            RESPONSE_PATHS
        }
        _ => &[],
    };
    let prefix = if ty == "response.create" {
        "response"
    } else {
        "session"
    };
    match ClientEvent::from_value(Value::Object(event)) {
        Ok(event) => Ok(Translated { event, dropped }),
        Err(mut e) => {
            e.rename_param(|p| to_beta_path(p, prefix, paths));
            Err(e)
        }
    }
}

/// Writes a GA client event in beta shape (for clients that talk to a beta server, and tests).
pub fn client_event_to_value(event: &ClientEvent) -> Value {
    let mut value = event.to_value();
    let Value::Object(obj) = &mut value else {
        return value;
    };
    if let Some(Value::Object(session)) = obj.remove("session") {
        let transcription = session.get("type").and_then(Value::as_str) == Some("transcription");
        if transcription {
            obj.insert("type".into(), "transcription_session.update".into());
        }
        obj.insert(
            "session".into(),
            Value::Object(session_to_beta(session, transcription, Direction::ToServer)),
        );
    }
    if let Some(item) = obj.get_mut("item") {
        item_to_beta(item);
    }
    if let Some(Value::Object(response)) = obj.remove("response") {
        obj.insert(
            "response".into(),
            Value::Object(response_params_to_beta(response, Direction::ToServer)),
        );
    }
    value
}

/// Writes a GA server event in beta shape, or `None` when beta has no such event.
pub fn server_event_to_value(event: &ServerEvent) -> Option<Value> {
    let ty = event.event_type();
    if GA_ONLY_SERVER_TYPES.contains(&ty) {
        return None;
    }
    let mut value = event.to_value();
    let Value::Object(obj) = &mut value else {
        return Some(value);
    };
    if obj.get("item").is_some_and(is_ga_only_item) {
        return None;
    }
    if let Some((_, beta)) = SERVER_RENAMES.iter().find(|(ga, _)| *ga == ty) {
        obj.insert("type".into(), (*beta).into());
    }
    if let Some(Value::Object(session)) = obj.remove("session") {
        let transcription = session.get("type").and_then(Value::as_str) == Some("transcription");
        if transcription {
            let renamed = ty.replacen("session.", "transcription_session.", 1);
            obj.insert("type".into(), renamed.into());
        }
        obj.insert(
            "session".into(),
            Value::Object(session_to_beta(session, transcription, Direction::ToClient)),
        );
    }
    if let Some(item) = obj.get_mut("item") {
        item_to_beta(item);
    }
    if let Some(Value::Object(response)) = obj.get_mut("response") {
        response_to_beta(response);
    }
    Some(value)
}

/// Writes a GA server event as a beta JSON text frame, or `None` when beta has no such event.
pub fn server_event_to_json(event: &ServerEvent) -> Option<String> {
    server_event_to_value(event).map(|v| v.to_string())
}

/// Reads a beta-shaped server event into the GA model (for a client of a beta server, and
/// tests).
pub fn server_event_from_json(json: &str) -> Result<ServerEvent, WireError> {
    let value: Value = serde_json::from_str(json).map_err(|e| {
        WireError::new(
            ErrorKind::InvalidJson,
            format!("The event is not valid JSON: {e}."),
        )
    })?;
    let Value::Object(mut obj) = value else {
        return ServerEvent::from_value(value);
    };
    let event_id = de::read_event_id(obj.get("event_id"))?;
    let ty = obj
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let ga_type = match ty.as_str() {
        // Kept as `created`: the GA union still has it, so the round trip is exact.
        "conversation.item.created" => ty.clone(),
        "transcription_session.created" => "session.created".to_owned(),
        "transcription_session.updated" => "session.updated".to_owned(),
        _ => SERVER_RENAMES
            .iter()
            .find(|(_, beta)| *beta == ty)
            .map_or_else(|| ty.clone(), |(ga, _)| (*ga).to_owned()),
    };
    // A missing or non-string `type` is left for the GA parser to report.
    if let Some(Value::String(t)) = obj.get_mut("type") {
        *t = ga_type;
    }
    let fail = |e: WireError| e.with_event_id(event_id.clone());
    if let Some(Value::Object(session)) = obj.get_mut("session") {
        let kind = if ty.starts_with("transcription_session.") {
            "transcription"
        } else {
            "realtime"
        };
        *session =
            session_from_beta(std::mem::take(session), kind, &mut Vec::new()).map_err(fail)?;
    }
    if let Some(item) = obj.get_mut("item") {
        item_from_beta(item);
    }
    if let Some(Value::Object(response)) = obj.get_mut("response") {
        response_from_beta(response).map_err(fail)?;
    }
    ServerEvent::from_value(Value::Object(obj)).map_err(|mut e| {
        e.rename_param(|p| {
            let p = to_beta_path(p, "session", SESSION_PATHS);
            to_beta_path(&p, "response", RESPONSE_OBJECT_PATHS)
        });
        e
    })
}

fn to_beta_path(param: &str, prefix: &str, paths: &[(&str, &str)]) -> String {
    for (ga, beta) in paths {
        let ga_full = format!("{prefix}.{ga}");
        if let Some(rest) = param.strip_prefix(&ga_full)
            && (rest.is_empty() || rest.starts_with('.') || rest.starts_with('['))
        {
            return format!("{prefix}.{beta}{rest}");
        }
    }
    param.to_owned()
}

fn format_from_beta(value: Value, param: &str) -> Result<Value, WireError> {
    let ga = match value.as_str() {
        Some("pcm16") => serde_json::json!({"type": "audio/pcm", "rate": 24000}),
        Some("g711_ulaw") => serde_json::json!({"type": "audio/pcmu"}),
        Some("g711_alaw") => serde_json::json!({"type": "audio/pcma"}),
        Some(other) => {
            return Err(WireError::new(
                ErrorKind::InvalidValue,
                format!(
                    "Invalid value for '{param}': '{other}'. Supported values are: 'pcm16', 'g711_ulaw' and 'g711_alaw'."
                ),
            )
            .with_param(param));
        }
        None => {
            return Err(WireError::new(
                ErrorKind::InvalidType,
                format!("Invalid type for '{param}': expected a string."),
            )
            .with_param(param));
        }
    };
    Ok(ga)
}

fn format_to_beta(value: &Value) -> Value {
    match value.get("type").and_then(Value::as_str) {
        Some("audio/pcmu") => "g711_ulaw".into(),
        Some("audio/pcma") => "g711_alaw".into(),
        _ => "pcm16".into(),
    }
}

/// Beta `["text","audio"]` is GA `["audio"]`: GA audio output always carries its transcript.
fn modalities_from_beta(value: Value) -> Value {
    match &value {
        Value::Array(list) if list.iter().any(|m| m == "audio") => serde_json::json!(["audio"]),
        _ => value,
    }
}

/// GA `["audio"]` is beta's pair. `direction` picks its order: beta servers reported
/// `["audio","text"]` (every recorded beta session in `tests/data/recorded` does), while beta
/// clients and the beta documentation wrote `["text","audio"]`.
fn modalities_to_beta(value: Value, direction: Direction) -> Value {
    match &value {
        Value::Array(list) if list.iter().any(|m| m == "audio") => match direction {
            Direction::ToServer => serde_json::json!(["text", "audio"]),
            Direction::ToClient => serde_json::json!(["audio", "text"]),
        },
        _ => value,
    }
}

fn session_from_beta(
    mut beta: Map<String, Value>,
    kind: &str,
    dropped: &mut Vec<String>,
) -> Result<Map<String, Value>, WireError> {
    let mut ga = Map::new();
    ga.insert("type".into(), kind.into());
    let mut input = Map::new();
    let mut output = Map::new();
    if let Some(v) = beta.remove("input_audio_format") {
        input.insert(
            "format".into(),
            format_from_beta(v, "session.input_audio_format")?,
        );
    }
    if let Some(v) = beta.remove("output_audio_format") {
        output.insert(
            "format".into(),
            format_from_beta(v, "session.output_audio_format")?,
        );
    }
    for (from, to) in [
        ("input_audio_transcription", "transcription"),
        ("input_audio_noise_reduction", "noise_reduction"),
        ("turn_detection", "turn_detection"),
    ] {
        if let Some(v) = beta.remove(from) {
            input.insert(to.into(), v);
        }
    }
    for key in ["voice", "speed"] {
        if let Some(v) = beta.remove(key) {
            output.insert(key.into(), v);
        }
    }
    if let Some(v) = beta.remove("modalities") {
        ga.insert("output_modalities".into(), modalities_from_beta(v));
    }
    if let Some(v) = beta.remove("max_response_output_tokens") {
        ga.insert("max_output_tokens".into(), v);
    }
    for key in ["temperature", "client_secret"] {
        if beta.remove(key).is_some() {
            dropped.push(format!("session.{key}"));
        }
    }
    let mut audio = Map::new();
    if !input.is_empty() {
        audio.insert("input".into(), Value::Object(input));
    }
    if !output.is_empty() {
        audio.insert("output".into(), Value::Object(output));
    }
    if !audio.is_empty() {
        ga.insert("audio".into(), Value::Object(audio));
    }
    // The rest (`instructions`, `tools`, `tool_choice`, `tracing`, ids…) has the same shape.
    ga.extend(beta);
    Ok(ga)
}

/// Which way a session written in beta shape goes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Direction {
    /// In a client event, to a beta server, which refuses settings it does not have.
    ToServer,
    /// In a server event, to a beta client, which reads what it knows and ignores the rest.
    ToClient,
}

fn session_to_beta(
    mut ga: Map<String, Value>,
    transcription: bool,
    direction: Direction,
) -> Map<String, Value> {
    let mut beta = Map::new();
    let mut audio = match ga.remove("audio") {
        Some(Value::Object(audio)) => audio,
        _ => Map::new(),
    };
    if let Some(Value::Object(mut input)) = audio.remove("input") {
        if let Some(f) = input.remove("format") {
            beta.insert("input_audio_format".into(), format_to_beta(&f));
        }
        for (from, to) in [
            ("transcription", "input_audio_transcription"),
            ("noise_reduction", "input_audio_noise_reduction"),
            ("turn_detection", "turn_detection"),
        ] {
            if let Some(v) = input.remove(from) {
                beta.insert(to.into(), v);
            }
        }
    }
    if let Some(Value::Object(mut output)) = audio.remove("output")
        && !transcription
    {
        if let Some(f) = output.remove("format") {
            beta.insert("output_audio_format".into(), format_to_beta(&f));
        }
        for key in ["voice", "speed"] {
            if let Some(v) = output.remove(key) {
                beta.insert(key.into(), v);
            }
        }
    }
    if let Some(v) = ga.remove("output_modalities") {
        beta.insert("modalities".into(), modalities_to_beta(v, direction));
    }
    if let Some(v) = ga.remove("max_output_tokens") {
        beta.insert("max_response_output_tokens".into(), v);
    }
    if let Some(Value::Array(tools)) = ga.remove("tools") {
        // Beta knows function tools only.
        let functions: Vec<Value> = tools
            .into_iter()
            .filter(|t| {
                t.get("type")
                    .and_then(Value::as_str)
                    .is_none_or(|k| k == "function")
            })
            .collect();
        beta.insert("tools".into(), Value::Array(functions));
    }
    // `type` is GA's shape marker. GA-only settings have no beta field: a beta server would
    // refuse them, a beta client reads past them (and learns what the session does).
    ga.remove("type");
    if direction == Direction::ToServer {
        for key in ["truncation", "parallel_tool_calls", "reasoning"] {
            ga.remove(key);
        }
    }
    beta.extend(ga);
    beta
}

fn response_params_from_beta(
    mut beta: Map<String, Value>,
    dropped: &mut Vec<String>,
) -> Result<Map<String, Value>, WireError> {
    let mut ga = Map::new();
    let mut output = Map::new();
    if let Some(v) = beta.remove("output_audio_format") {
        output.insert(
            "format".into(),
            format_from_beta(v, "response.output_audio_format")?,
        );
    }
    if let Some(v) = beta.remove("voice") {
        output.insert("voice".into(), v);
    }
    if !output.is_empty() {
        ga.insert("audio".into(), serde_json::json!({ "output": output }));
    }
    if let Some(v) = beta.remove("modalities") {
        ga.insert("output_modalities".into(), modalities_from_beta(v));
    }
    if let Some(v) = beta.remove("max_response_output_tokens") {
        ga.insert("max_output_tokens".into(), v);
    }
    if beta.remove("temperature").is_some() {
        dropped.push("response.temperature".into());
    }
    if let Some(Value::Array(items)) = beta.get_mut("input") {
        for (i, item) in items.iter_mut().enumerate() {
            item_from_beta(item);
            drop_content_ids(item, &format!("response.input[{i}]"), dropped);
        }
    }
    ga.extend(beta);
    Ok(ga)
}

/// Beta content parts may carry an `id` (meant for `item_reference` parts, which GA does
/// not have); GA has no place for it, so it is dropped and reported.
fn drop_content_ids(item: &mut Value, path: &str, dropped: &mut Vec<String>) {
    let Some(Value::Array(parts)) = item.get_mut("content") else {
        return;
    };
    for (i, part) in parts.iter_mut().enumerate() {
        let is_reference = part.get("type").and_then(Value::as_str) == Some("item_reference");
        if let Value::Object(part) = part
            && !is_reference
            && part.shift_remove("id").is_some()
        {
            dropped.push(format!("{path}.content[{i}].id"));
        }
    }
}

fn response_params_to_beta(mut ga: Map<String, Value>, direction: Direction) -> Map<String, Value> {
    let mut beta = Map::new();
    if let Some(Value::Object(mut audio)) = ga.remove("audio")
        && let Some(Value::Object(mut output)) = audio.remove("output")
    {
        if let Some(f) = output.remove("format") {
            beta.insert("output_audio_format".into(), format_to_beta(&f));
        }
        if let Some(v) = output.remove("voice") {
            beta.insert("voice".into(), v);
        }
    }
    if let Some(v) = ga.remove("output_modalities") {
        beta.insert("modalities".into(), modalities_to_beta(v, direction));
    }
    if let Some(v) = ga.remove("max_output_tokens") {
        beta.insert("max_response_output_tokens".into(), v);
    }
    if let Some(Value::Array(items)) = ga.get_mut("input") {
        items.iter_mut().for_each(item_to_beta);
    }
    beta.extend(ga);
    beta
}

/// The response object: same renames as the parameters, usage as the server reported it.
/// Unlike `response.create`, the beta response object calls its cap `max_output_tokens`.
fn response_to_beta(response: &mut Map<String, Value>) {
    let ga = std::mem::take(response);
    *response = response_params_to_beta(ga, Direction::ToClient);
    if let Some(v) = response.remove("max_response_output_tokens") {
        response.insert("max_output_tokens".into(), v);
    }
    if let Some(Value::Array(items)) = response.get_mut("output") {
        items.retain(|item| !is_ga_only_item(item));
        items.iter_mut().for_each(item_to_beta);
    }
}

fn response_from_beta(response: &mut Map<String, Value>) -> Result<(), WireError> {
    let beta = std::mem::take(response);
    *response = response_params_from_beta(beta, &mut Vec::new())?;
    if let Some(Value::Array(items)) = response.get_mut("output") {
        items.iter_mut().for_each(item_from_beta);
    }
    Ok(())
}

/// Renames content types in an item, leaving everything else to the GA parser.
fn rename_content(item: &mut Value, renames: &[(&str, &str)]) {
    let Some(Value::Array(parts)) = item.get_mut("content") else {
        return;
    };
    for part in parts {
        if let Some(Value::String(kind)) = part.get_mut("type")
            && let Some((_, to)) = renames.iter().find(|(from, _)| from == kind)
        {
            *kind = (*to).to_owned();
        }
    }
}

fn item_from_beta(item: &mut Value) {
    rename_content(item, &[("text", "output_text"), ("audio", "output_audio")]);
}

fn item_to_beta(item: &mut Value) {
    rename_content(item, &[("output_text", "text"), ("output_audio", "audio")]);
    if let Some(Value::Array(parts)) = item.get_mut("content") {
        parts.retain(|part| {
            let kind = part.get("type").and_then(Value::as_str);
            !kind.is_some_and(|k| GA_ONLY_PART_TYPES.contains(&k))
        });
    }
}

fn is_ga_only_item(item: &Value) -> bool {
    let kind = item.get("type").and_then(Value::as_str);
    kind.is_some_and(|k| GA_ONLY_ITEM_TYPES.contains(&k))
}

impl WireError {
    fn rename_param(&mut self, f: impl Fn(&str) -> String) {
        if let Some(param) = self.param() {
            let renamed = f(param);
            if renamed != param {
                self.rewrite_param(param.to_owned(), renamed);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_ga_paths_back_to_beta_names() {
        assert_eq!(
            to_beta_path("session.audio.input.format.type", "session", SESSION_PATHS),
            "session.input_audio_format.type"
        );
        assert_eq!(
            to_beta_path(
                "session.audio.input.turn_detection.threshold",
                "session",
                SESSION_PATHS
            ),
            "session.turn_detection.threshold"
        );
        assert_eq!(
            to_beta_path("session.tools[0].name", "session", SESSION_PATHS),
            "session.tools[0].name"
        );
    }
}
