//! No input makes a parser panic, and whatever parses is written back in a form that parses
//! to the same thing.
//!
//! Inputs are arbitrary strings, arbitrary JSON (biased towards the protocol's own keys and
//! type names, so that generated events get past the `type` check), and the fixtures of
//! `tests/data` with keys dropped and values swapped for others of any type.

use std::sync::LazyLock;

use proptest::prelude::*;
use proptest::sample::Index;
use serde_json::{Map, Number, Value};
use switchboard_wire::twilio::{TwilioInbound, TwilioOutbound};
use switchboard_wire::{ClientEvent, ServerEvent, beta};

/// Keys and strings the parsers look for.
const WORDS: &[&str] = &[
    "type",
    "event_id",
    "session",
    "item",
    "items",
    "content",
    "audio",
    "input",
    "output",
    "format",
    "rate",
    "voice",
    "speed",
    "turn_detection",
    "threshold",
    "transcription",
    "noise_reduction",
    "tools",
    "tool_choice",
    "name",
    "parameters",
    "response",
    "text",
    "transcript",
    "role",
    "call_id",
    "arguments",
    "item_id",
    "content_index",
    "audio_end_ms",
    "delta",
    "output_modalities",
    "modalities",
    "max_output_tokens",
    "tracing",
    "truncation",
    "retention_ratio",
    "prompt",
    "usage",
    "status",
    "status_details",
    "error",
    "code",
    "message",
    "param",
    "part",
    "rate_limits",
    "event",
    "media",
    "payload",
    "sequenceNumber",
    "streamSid",
    "start",
    "mediaFormat",
    "mark",
    "stop",
    "dtmf",
    "realtime",
    "transcription",
    "message",
    "function",
    "function_call",
    "function_call_output",
    "mcp",
    "mcp_call",
    "user",
    "assistant",
    "system",
    "input_text",
    "input_audio",
    "output_text",
    "output_audio",
    "audio/pcm",
    "audio/pcmu",
    "audio/pcma",
    "server_vad",
    "semantic_vad",
    "auto",
    "none",
    "inf",
    "pcm16",
    "g711_ulaw",
    "retention_ratio",
    "item_reference",
    "tokens",
    "duration",
    "completed",
    "in_progress",
    "input_audio_format",
    "max_response_output_tokens",
];

fn every_type() -> Vec<&'static str> {
    let beta_only = [
        "transcription_session.update",
        "transcription_session.updated",
        "transcription_session.created",
        "response.text.delta",
        "response.audio.delta",
        "response.audio_transcript.done",
    ];
    let twilio = TwilioInbound::EVENTS.iter().chain(&["clear"]);
    ClientEvent::TYPES
        .iter()
        .chain(ServerEvent::TYPES)
        .chain(&beta_only)
        .chain(twilio)
        .copied()
        .collect()
}

fn arb_number() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<u64>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        (-5i64..30_000).prop_map(Value::from),
        any::<f64>().prop_filter_map("finite", |f| Number::from_f64(f).map(Value::Number)),
        (0.0f64..2.0).prop_filter_map("finite", |f| Number::from_f64(f).map(Value::Number)),
    ]
}

fn arb_json() -> impl Strategy<Value = Value> {
    let word = prop::sample::select(WORDS).prop_map(Value::from);
    let type_name = prop::sample::select(every_type()).prop_map(Value::from);
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        arb_number(),
        word,
        type_name,
        ".{0,12}".prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 64, 6, |inner| {
        let key = prop_oneof![
            3 => prop::sample::select(WORDS).prop_map(str::to_owned),
            1 => "[a-z_]{1,8}",
        ];
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::btree_map(key, inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// An object whose `type` (and Twilio `event`) is a real one, so parsing goes past dispatch.
fn arb_event() -> impl Strategy<Value = Value> {
    (
        prop::sample::select(every_type()),
        prop::collection::btree_map(prop::sample::select(WORDS), arb_json(), 0..8),
    )
        .prop_map(|(ty, fields)| {
            let mut map: Map<String, Value> =
                fields.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
            map.insert("type".into(), ty.into());
            map.insert("event".into(), ty.into());
            Value::Object(map)
        })
}

static FIXTURES: LazyLock<Vec<Value>> = LazyLock::new(|| {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    let mut out = Vec::new();
    for sub in [
        "ga/client",
        "ga/server",
        "beta/client",
        "beta/server",
        "twilio/inbound",
        "twilio/outbound",
        "reference",
    ] {
        let dir = root.join(sub);
        let mut paths: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
            .map(|entry| entry.expect("a readable directory entry").path())
            .collect();
        paths.sort();
        for path in paths {
            let text = std::fs::read_to_string(&path).expect("fixtures are readable");
            out.push(serde_json::from_str(&text).expect("fixtures are valid JSON"));
        }
    }
    out
});

/// JSON pointers of every node of `value`, the root included.
fn pointers(value: &Value, at: String, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                pointers(
                    child,
                    format!("{at}/{}", key.replace('~', "~0").replace('/', "~1")),
                    out,
                );
            }
        }
        Value::Array(list) => {
            for (i, child) in list.iter().enumerate() {
                pointers(child, format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
    out.push(at);
}

#[derive(Debug, Clone)]
enum Mutation {
    /// Removes the node from its object or array.
    Drop,
    /// Puts another value, of any type, in its place.
    Replace(Value),
    /// Keeps the value but changes its JSON type (a number becomes a string, …).
    Retype,
}

fn retype(value: &Value) -> Value {
    match value {
        Value::Null => Value::Bool(false),
        Value::Bool(b) => Value::from(u8::from(*b)),
        Value::Number(n) => Value::String(n.to_string()),
        Value::String(s) => s.parse::<f64>().map_or_else(
            |_| Value::Array(vec![Value::String(s.clone())]),
            |f| Number::from_f64(f).map_or(Value::Null, Value::Number),
        ),
        Value::Array(list) => list.first().cloned().unwrap_or(Value::Null),
        Value::Object(map) => Value::Array(map.values().cloned().collect()),
    }
}

fn mutate(value: &mut Value, at: &Index, mutation: Mutation) {
    let mut all = Vec::new();
    pointers(value, String::new(), &mut all);
    let pointer = at.get(&all).clone();
    if pointer.is_empty() {
        // The root: dropping it leaves nothing, so replace it instead.
        *value = match mutation {
            Mutation::Replace(v) => v,
            Mutation::Drop | Mutation::Retype => retype(value),
        };
        return;
    }
    let (parent, last) = pointer
        .rsplit_once('/')
        .expect("non-root pointers have a parent");
    let last = last.replace("~1", "/").replace("~0", "~");
    let parent = value
        .pointer_mut(parent)
        .expect("the parent of a collected pointer exists");
    match (parent, mutation) {
        (Value::Object(map), Mutation::Drop) => {
            map.remove(&last);
        }
        (Value::Array(list), Mutation::Drop) => {
            list.remove(
                last.parse::<usize>()
                    .expect("array pointers end in an index"),
            );
        }
        (_, Mutation::Drop) => unreachable!("only objects and arrays have children"),
        (parent, Mutation::Replace(v)) => *child(parent, &last) = v,
        (parent, Mutation::Retype) => {
            let slot = child(parent, &last);
            *slot = retype(slot);
        }
    }
}

fn child<'a>(parent: &'a mut Value, key: &str) -> &'a mut Value {
    match parent {
        Value::Object(map) => map.get_mut(key).expect("the key was collected"),
        Value::Array(list) => &mut list[key.parse::<usize>().expect("an index")],
        _ => unreachable!("only objects and arrays have children"),
    }
}

fn arb_mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        2 => Just(Mutation::Drop),
        2 => Just(Mutation::Retype),
        3 => arb_json().prop_map(Mutation::Replace),
    ]
}

/// A fixture with one to four mutations.
fn arb_mutated_fixture() -> impl Strategy<Value = Value> {
    (
        any::<Index>(),
        prop::collection::vec((any::<Index>(), arb_mutation()), 1..5),
    )
        .prop_map(|(which, mutations)| {
            let mut value = which.get(&FIXTURES).clone();
            for (at, mutation) in mutations {
                mutate(&mut value, &at, mutation);
            }
            value
        })
}

/// Feeds `text` to every parser; whatever parses must survive being written and read again.
fn check_all_parsers(text: &str) -> Result<(), TestCaseError> {
    if let Ok(event) = ClientEvent::from_json(text) {
        let again = ClientEvent::from_json(&event.to_json())
            .map_err(|e| TestCaseError::fail(format!("GA client write-back fails: {e}")))?;
        prop_assert_eq!(&again, &event);
        prop_assert_eq!(again.to_value(), event.to_value());
    }
    if let Ok(event) = ServerEvent::from_json(text) {
        let again = ServerEvent::from_json(&event.to_json())
            .map_err(|e| TestCaseError::fail(format!("GA server write-back fails: {e}")))?;
        prop_assert_eq!(&again, &event);
        prop_assert_eq!(again.to_value(), event.to_value());
    }
    // Beta has fewer fields than GA (the beta reader tolerates GA-only ones, the writer leaves
    // them out), so it is the beta form that is stable from the first write on.
    if let Ok(translated) = beta::client_event_from_json(text) {
        let written = beta::client_event_to_value(&translated.event);
        let again = beta::client_event_from_value(written.clone())
            .map_err(|e| TestCaseError::fail(format!("beta client write-back fails: {e}")))?;
        prop_assert!(again.dropped.is_empty(), "dropped {:?}", again.dropped);
        prop_assert_eq!(beta::client_event_to_value(&again.event), written);
        let third = beta::client_event_from_value(beta::client_event_to_value(&again.event))
            .map_err(|e| TestCaseError::fail(format!("beta client write-back fails: {e}")))?;
        prop_assert_eq!(third.event, again.event);
    }
    if let Ok(event) = beta::server_event_from_json(text)
        && let Some(written) = beta::server_event_to_value(&event)
    {
        let again = beta::server_event_from_json(&written.to_string())
            .map_err(|e| TestCaseError::fail(format!("beta server write-back fails: {e}")))?;
        prop_assert_eq!(beta::server_event_to_value(&again), Some(written));
    }
    if let Ok(message) = TwilioInbound::from_json(text) {
        let again = TwilioInbound::from_json(&message.to_json())
            .map_err(|e| TestCaseError::fail(format!("Twilio write-back fails: {e}")))?;
        prop_assert_eq!(again, message);
    }
    if let Ok(message) = TwilioOutbound::from_json(text) {
        let again = TwilioOutbound::from_json(&message.to_json())
            .map_err(|e| TestCaseError::fail(format!("Twilio write-back fails: {e}")))?;
        prop_assert_eq!(again, message);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_strings(text in any::<String>()) {
        check_all_parsers(&text)?;
    }

    #[test]
    fn json_looking_strings(text in r#"[\[\]{}":,0-9a-z_. -]{0,48}"#) {
        check_all_parsers(&text)?;
    }

    #[test]
    fn arbitrary_json(value in arb_json()) {
        check_all_parsers(&value.to_string())?;
    }

    #[test]
    fn arbitrary_events(value in arb_event()) {
        check_all_parsers(&value.to_string())?;
    }

    #[test]
    fn mutated_fixtures(value in arb_mutated_fixture()) {
        check_all_parsers(&value.to_string())?;
    }
}

#[test]
fn every_fixture_passes_the_write_back_check() {
    // The properties above are only as good as this check: the unmutated fixtures all parse
    // somewhere, and all survive it.
    assert!(FIXTURES.len() > 100);
    for fixture in FIXTURES.iter() {
        check_all_parsers(&fixture.to_string()).unwrap();
    }
}
