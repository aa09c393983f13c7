//! A server event passes through Switchboard as the server sent it: read with
//! `ServerEvent::from_json`, written with `to_json` (or `beta::server_event_to_json` for a beta
//! caller), every field comes back, the ones this crate does not name and the explicit `null`s
//! included.
//!
//! Checked on every GA server fixture (`tests/data/ga/server`, `tests/data/ga/shapes/server`)
//! and every recorded event of `tests/data/recorded` (real traffic from public sources, listed
//! in its `SOURCES.md`), as they are and with unknown fields and `null`s added at every depth.
//!
//! Values are compared as JSON values: key order and whitespace do not matter, and numbers
//! compare by value (`1` and `1.0` are the same number; a float field written back from `1`
//! comes out as `1.0`).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};
use switchboard_wire::{ServerEvent, beta};

fn data(sub: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(sub)
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).expect("valid JSON")
}

/// The events of one file: a `.json` file holds one, a `.jsonl` file one per line.
fn events_of(path: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    match path.extension().and_then(|e| e.to_str()) {
        Some("jsonl") => text
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(json)
            .collect(),
        _ => vec![json(&text)],
    }
}

/// Files of a directory with one of `extensions`, in name order.
fn files(dir: &Path, extensions: &[&str]) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(entries) => entries
            .map(|e| e.expect("a readable directory entry").path())
            .filter(|p| {
                p.extension()
                    .and_then(|e| e.to_str())
                    .is_some_and(|e| extensions.contains(&e))
            })
            .collect(),
        Err(_) => Vec::new(),
    };
    out.sort();
    out
}

/// (name for messages, event) of every GA server fixture, the extra shapes included.
fn ga_fixtures() -> Vec<(String, Value)> {
    let mut out = Vec::new();
    for sub in ["ga/server", "ga/shapes/server"] {
        for path in files(&data(sub), &["json"]) {
            let name = path
                .file_name()
                .expect("a file")
                .to_string_lossy()
                .into_owned();
            out.push((format!("{sub}/{name}"), events_of(&path).remove(0)));
        }
    }
    out
}

/// (name for messages, event) of every recorded event of one dialect and direction.
fn recorded(dialect: &str, direction: &str) -> Vec<(String, Value)> {
    let sub = format!("recorded/{dialect}/{direction}");
    let mut out = Vec::new();
    for path in files(&data(&sub), &["json", "jsonl"]) {
        let name = path
            .file_name()
            .expect("a file")
            .to_string_lossy()
            .into_owned();
        for (i, event) in events_of(&path).into_iter().enumerate() {
            out.push((format!("{sub}/{name}#{}", i + 1), event));
        }
    }
    out
}

fn same_json(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) if x.is_f64() || y.is_f64() => {
            x.as_f64() == y.as_f64()
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same_json(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| same_json(v, w)))
        }
        _ => a == b,
    }
}

/// Collects mismatches so one run reports every broken event.
#[derive(Default)]
struct Failures(Vec<String>);

impl Failures {
    fn expect_eq(&mut self, what: &str, expected: &Value, actual: &Value) {
        if !same_json(expected, actual) {
            self.0.push(format!(
                "{what}\n--- expected\n{}\n--- actual\n{}",
                serde_json::to_string_pretty(expected).expect("JSON"),
                serde_json::to_string_pretty(actual).expect("JSON")
            ));
        }
    }

    fn fail(&mut self, what: String) {
        self.0.push(what);
    }

    fn check(self) {
        assert!(
            self.0.is_empty(),
            "{} failure(s):\n\n{}",
            self.0.len(),
            self.0.join("\n\n")
        );
    }
}

/// GA: `to_json(from_json(x))` is `x`.
fn ga_round_trip(failures: &mut Failures, name: &str, event: &Value) {
    match ServerEvent::from_json(&event.to_string()) {
        Ok(parsed) => failures.expect_eq(name, event, &json(&parsed.to_json())),
        Err(e) => failures.fail(format!("{name}: {e} (param {:?})", e.param())),
    }
}

/// Beta fields the GA model has no place for; reading a beta server event drops them.
const BETA_ONLY: &[(&str, &str)] = &[
    ("session", "temperature"),
    ("session", "client_secret"),
    ("response", "temperature"),
];

fn without_beta_only(event: &Value) -> Value {
    let mut event = event.clone();
    for (object, field) in BETA_ONLY {
        if let Some(Value::Object(o)) = event.get_mut(*object) {
            o.remove(*field);
        }
    }
    event
}

/// Beta: read as a beta caller's server would send it, written back in beta shape.
fn beta_round_trip(failures: &mut Failures, name: &str, event: &Value) {
    match beta::server_event_from_json(&event.to_string()) {
        Ok(parsed) => match beta_json(&parsed) {
            Some(written) => failures.expect_eq(name, &without_beta_only(event), &written),
            None => failures.fail(format!("{name}: no beta form")),
        },
        Err(e) => failures.fail(format!("{name}: {e} (param {:?})", e.param())),
    }
}

/// `beta::server_event_to_json`, read back as JSON.
fn beta_json(event: &ServerEvent) -> Option<Value> {
    beta::server_event_to_json(event).map(|text| json(&text))
}

/// Object keys whose values are not objects of this crate's model (maps of strings, audio
/// formats, which keep nothing they do not name): no unknown field is added inside them.
const OPAQUE: &[&str] = &["metadata", "headers", "format"];

/// `event` with unknown fields added to every object at every depth: a `null`, and an object
/// holding `null`s, numbers and an array. Names are numbered so each is unique.
fn with_noise(event: &Value) -> Value {
    fn add(value: &mut Value, counter: &mut u32) {
        match value {
            Value::Object(map) => {
                for (key, child) in map.iter_mut() {
                    if !OPAQUE.contains(&key.as_str()) {
                        add(child, counter);
                    }
                }
                *counter += 1;
                map.insert(format!("x_unknown_{counter}"), Value::Null);
                map.insert(
                    format!("x_object_{counter}"),
                    json!({"a": null, "b": [1, 2.5, null, "s"], "c": {"d": false}}),
                );
            }
            Value::Array(items) => items.iter_mut().for_each(|i| add(i, counter)),
            _ => {}
        }
    }
    let mut noisy = event.clone();
    add(&mut noisy, &mut 0);
    noisy
}

#[test]
fn the_corpus_is_listed_with_its_sources_and_large_enough() {
    let sources = std::fs::read_to_string(data("recorded/SOURCES.md")).expect("SOURCES.md");
    let mut listed = BTreeSet::new();
    for line in sources.lines().filter(|l| l.starts_with("| `")) {
        let file = line.trim_start_matches("| `");
        let file = &file[..file.find('`').expect("a closing backtick")];
        listed.insert(file.to_owned());
    }
    let mut present = BTreeSet::new();
    let mut events = 0;
    for dialect in ["ga", "beta"] {
        for direction in ["server", "client"] {
            let sub = format!("{dialect}/{direction}");
            for path in files(&data(&format!("recorded/{sub}")), &["json", "jsonl"]) {
                let name = path
                    .file_name()
                    .expect("a file")
                    .to_string_lossy()
                    .into_owned();
                let found = events_of(&path);
                assert!(!found.is_empty(), "{sub}/{name} holds no event");
                for event in &found {
                    assert!(
                        event.get("source").is_none(),
                        "{sub}/{name}: sources go in SOURCES.md, not in the event"
                    );
                }
                events += found.len();
                present.insert(format!("{sub}/{name}"));
            }
        }
    }
    assert_eq!(
        listed, present,
        "SOURCES.md lists exactly the recorded files"
    );
    assert!(events >= 25, "only {events} recorded events");
    let kinds: BTreeSet<String> = ["ga", "beta"]
        .iter()
        .flat_map(|d| recorded(d, "server"))
        .filter_map(|(_, e)| e["type"].as_str().map(str::to_owned))
        .collect();
    assert!(
        kinds.len() >= 15,
        "only {} event types: {kinds:?}",
        kinds.len()
    );
}

#[test]
fn ga_fixtures_and_recorded_events_come_back_as_they_came() {
    let mut failures = Failures::default();
    for (name, event) in ga_fixtures().iter().chain(&recorded("ga", "server")) {
        ga_round_trip(&mut failures, name, event);
    }
    failures.check();
}

#[test]
fn recorded_beta_events_come_back_as_they_came() {
    let mut failures = Failures::default();
    for (name, event) in recorded("beta", "server") {
        beta_round_trip(&mut failures, &name, &event);
        // The GA form they are relayed in is itself read back the same.
        if let Ok(parsed) = beta::server_event_from_json(&event.to_string()) {
            ga_round_trip(
                &mut failures,
                &format!("{name} (GA form)"),
                &parsed.to_value(),
            );
        }
    }
    failures.check();
}

#[test]
fn unknown_fields_and_nulls_at_every_depth_come_back() {
    let mut failures = Failures::default();
    for (name, event) in ga_fixtures().iter().chain(&recorded("ga", "server")) {
        ga_round_trip(
            &mut failures,
            &format!("{name} (noisy)"),
            &with_noise(event),
        );
    }
    for (name, event) in recorded("beta", "server") {
        beta_round_trip(
            &mut failures,
            &format!("{name} (noisy)"),
            &with_noise(&event),
        );
    }
    failures.check();
}

#[test]
fn azures_session_id_comes_back_on_every_event_in_both_dialects() {
    let mut failures = Failures::default();
    for (name, event) in ga_fixtures().iter().chain(&recorded("ga", "server")) {
        let mut azure = event.clone();
        azure["session_id"] = json!("sess_9f2c41d07a5b4e3c");
        ga_round_trip(&mut failures, &format!("{name} (Azure)"), &azure);
        let parsed = ServerEvent::from_json(&azure.to_string()).expect("parses");
        if let Some(written) = beta_json(&parsed)
            && written["session_id"] != azure["session_id"]
        {
            failures.fail(format!("{name}: session_id lost in beta form"));
        }
    }
    failures.check();
}

/// Sets `pointer`'s last key to `null` in a copy of `event`.
fn with_null(event: &Value, pointer: &str) -> Value {
    let mut event = event.clone();
    let (parent, key) = pointer.rsplit_once('/').expect("a pointer");
    let target = event
        .pointer_mut(parent)
        .and_then(Value::as_object_mut)
        .unwrap_or_else(|| panic!("no object at {parent}"));
    target.insert(key.to_owned(), Value::Null);
    event
}

fn fixture(path: &str) -> Value {
    events_of(&data(path)).remove(0)
}

#[test]
fn explicit_nulls_of_known_fields_come_back() {
    let mut failures = Failures::default();
    let failed = json!({
        "type": "response.done", "event_id": "event_C9Lf0001",
        "response": {"object": "realtime.response", "id": "resp_1", "status": "failed",
            "status_details": {"type": "failed",
                "error": {"type": "server_error", "code": null,
                          "message": "The server had an error while processing your request."}},
            "output": [], "conversation_id": "conv_1", "usage": null, "metadata": null}
    });
    ga_round_trip(&mut failures, "status_details.error.code", &failed);
    let session = fixture("ga/server/session.updated.json");
    for pointer in [
        "/session/tracing/metadata",
        "/session/audio/input/transcription/language",
        "/session/audio/input/transcription/prompt",
        "/session/audio/input/turn_detection/idle_timeout_ms",
        "/session/audio/input/noise_reduction",
        "/session/audio/input/transcription",
        "/session/audio/input/turn_detection",
        "/session/include",
        "/session/prompt",
        "/session/tracing",
    ] {
        ga_round_trip(&mut failures, pointer, &with_null(&session, pointer));
    }
    let mcp = fixture("ga/server/conversation.item.done.json");
    for pointer in [
        "/item/approval_request_id",
        "/item/error",
        "/item/output",
        "/previous_item_id",
    ] {
        ga_round_trip(&mut failures, pointer, &with_null(&mcp, pointer));
    }
    let done = fixture("ga/server/response.done.json");
    for pointer in [
        "/response/conversation_id",
        "/response/usage",
        "/response/metadata",
        "/response/output/0/content/0/transcript",
        "/response/output/0/content/0/audio",
    ] {
        ga_round_trip(&mut failures, pointer, &with_null(&done, pointer));
    }
    failures.check();
}

#[test]
fn what_the_issue_found_lost_is_written_for_beta_callers_too() {
    // session.truncation, usage.input_token_details.cached_tokens_details and image tokens,
    // tracing.metadata: null, status_details.error.code: null.
    let session = with_null(
        &fixture("ga/server/session.updated.json"),
        "/session/tracing/metadata",
    );
    let parsed = ServerEvent::from_json(&session.to_string()).expect("parses");
    let written = beta_json(&parsed).expect("a beta form");
    assert_eq!(
        written["session"]["truncation"],
        session["session"]["truncation"]
    );
    assert_eq!(written["session"]["tracing"]["metadata"], Value::Null);
    assert!(
        written["session"]["tracing"]
            .as_object()
            .is_some_and(|t| t.contains_key("metadata"))
    );

    let done = fixture("ga/server/response.done.json");
    let parsed = ServerEvent::from_json(&done.to_string()).expect("parses");
    let written = beta_json(&parsed).expect("a beta form");
    assert_eq!(
        written["response"]["usage"], done["response"]["usage"],
        "usage as the server reported it"
    );

    let failed = json!({"type": "response.done", "event_id": "event_2",
        "response": {"id": "resp_2", "status": "failed", "status_details":
            {"type": "failed", "error": {"type": "server_error", "code": null}}}});
    let parsed = ServerEvent::from_json(&failed.to_string()).expect("parses");
    let written = beta_json(&parsed).expect("a beta form");
    let error: &Map<String, Value> = written["response"]["status_details"]["error"]
        .as_object()
        .expect("the error");
    assert_eq!(error.get("code"), Some(&Value::Null));
}
