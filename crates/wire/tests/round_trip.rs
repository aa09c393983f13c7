//! Every fixture in `tests/data` parses and is written back unchanged: GA events as they are,
//! beta events through their GA translation, Twilio messages as Twilio sends them.
//!
//! Values are compared as `serde_json::Value`s, so key order and whitespace do not matter but
//! every field, every `null` and every number does.
//!
//! A type has one fixture named after it (`session.update.json`) in `ga/client` or `ga/server`.
//! More shapes of a type live in `ga/shapes/client` and `ga/shapes/server`, named
//! `<type>~<what>.json` (`session.update~truncation-auto.json`): the settings and part types
//! the newer models brought, and the server shapes the official SDK types do not describe (an
//! assistant `audio` part, a reasoning effort they do not list).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::Value;
use switchboard_wire::twilio::{TwilioInbound, TwilioOutbound};
use switchboard_wire::{ClientEvent, ServerEvent, beta};

fn data_dir(sub: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(sub)
}

/// The fixtures of one directory as (file stem, text), in name order. Beta GA siblings
/// (`*.ga.json`) are left out; see [`ga_sibling`].
fn fixtures(sub: &str) -> Vec<(String, String)> {
    let dir = data_dir(sub);
    let mut out: Vec<(String, String)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|entry| entry.expect("a readable directory entry").path())
        .filter_map(|path| {
            let name = path.file_name()?.to_str()?.to_owned();
            let stem = name.strip_suffix(".json")?;
            if stem.ends_with(".ga") {
                return None;
            }
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
            Some((stem.to_owned(), text))
        })
        .collect();
    out.sort();
    assert!(!out.is_empty(), "no fixtures in {}", dir.display());
    out
}

fn ga_sibling(sub: &str, stem: &str) -> Value {
    let path = data_dir(sub).join(format!("{stem}.ga.json"));
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{stem} has no GA sibling {}: {e}", path.display()));
    json(&text)
}

/// The event type a fixture's stem names: the part before `~`.
fn type_of(stem: &str) -> &str {
    stem.split_once('~').map_or(stem, |(ty, _)| ty)
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).expect("fixtures are valid JSON")
}

fn pretty(value: &Value) -> String {
    serde_json::to_string_pretty(value).expect("a Value always serializes")
}

/// Collects mismatches so one run reports every broken fixture, not just the first.
#[derive(Default)]
struct Failures(Vec<String>);

impl Failures {
    fn expect_eq(&mut self, what: &str, expected: &Value, actual: &Value) {
        if !same_json(expected, actual) {
            self.0.push(format!(
                "{what}\n--- expected\n{}\n--- actual\n{}",
                pretty(expected),
                pretty(actual)
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

/// Equality of JSON values. JSON has one number type, so `60` and `60.0` are the same value
/// (a float field written back from `60` comes out as `60.0`); `Value`'s own `==` tells them
/// apart.
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

/// Removes `a.b.c` from a JSON object, returning whether it was there.
fn remove_path(value: &mut Value, path: &str) -> bool {
    let (parent, last) = match path.rsplit_once('.') {
        Some((parent, last)) => (Some(parent), last),
        None => (None, path),
    };
    let mut at = value;
    for key in parent.into_iter().flat_map(|p| p.split('.')) {
        match at.get_mut(key) {
            Some(next) => at = next,
            None => return false,
        }
    }
    at.as_object_mut()
        .is_some_and(|obj| obj.remove(last).is_some())
}

#[test]
fn ga_client_fixtures_round_trip() {
    let mut failures = Failures::default();
    for (stem, text) in fixtures("ga/client") {
        match ClientEvent::from_json(&text) {
            Ok(event) => {
                assert_eq!(
                    event.event_type(),
                    type_of(&stem),
                    "{stem}: parsed as another type"
                );
                failures.expect_eq(&stem, &json(&text), &event.to_value());
                // `to_json` and `to_value` must agree.
                failures.expect_eq(&stem, &event.to_value(), &json(&event.to_json()));
            }
            Err(e) => failures.fail(format!("{stem}: {e} (param {:?})", e.param())),
        }
    }
    failures.check();
}

#[test]
fn ga_server_fixtures_round_trip() {
    let mut failures = Failures::default();
    for (stem, text) in fixtures("ga/server") {
        match ServerEvent::from_json(&text) {
            Ok(event) => {
                assert_eq!(
                    event.event_type(),
                    type_of(&stem),
                    "{stem}: parsed as another type"
                );
                failures.expect_eq(&stem, &json(&text), &event.to_value());
                failures.expect_eq(&stem, &event.to_value(), &json(&event.to_json()));
            }
            Err(e) => failures.fail(format!("{stem}: {e} (param {:?})", e.param())),
        }
    }
    failures.check();
}

#[test]
fn ga_client_shapes_round_trip() {
    let mut failures = Failures::default();
    for (stem, text) in fixtures("ga/shapes/client") {
        assert!(stem.contains('~'), "{stem}: a shape is named <type>~<what>");
        match ClientEvent::from_json(&text) {
            Ok(event) => {
                assert_eq!(event.event_type(), type_of(&stem), "{stem}");
                failures.expect_eq(&stem, &json(&text), &event.to_value());
                failures.expect_eq(&stem, &event.to_value(), &json(&event.to_json()));
            }
            Err(e) => failures.fail(format!("{stem}: {e} (param {:?})", e.param())),
        }
    }
    failures.check();
}

#[test]
fn ga_server_shapes_round_trip() {
    let mut failures = Failures::default();
    for (stem, text) in fixtures("ga/shapes/server") {
        assert!(stem.contains('~'), "{stem}: a shape is named <type>~<what>");
        match ServerEvent::from_json(&text) {
            Ok(event) => {
                assert_eq!(event.event_type(), type_of(&stem), "{stem}");
                failures.expect_eq(&stem, &json(&text), &event.to_value());
                failures.expect_eq(&stem, &event.to_value(), &json(&event.to_json()));
                // A beta caller gets it too, in a form we read back the same.
                if let Some(written) = beta::server_event_to_value(&event) {
                    match beta::server_event_from_json(&written.to_string()) {
                        Ok(again) => failures.expect_eq(
                            &format!("{stem} (beta)"),
                            &written,
                            &beta::server_event_to_value(&again).unwrap_or(Value::Null),
                        ),
                        Err(e) => failures.fail(format!("{stem}: our beta form: {e}")),
                    }
                }
            }
            Err(e) => failures.fail(format!("{stem}: {e} (param {:?})", e.param())),
        }
    }
    failures.check();
}

/// Every modelled type has a fixture and every fixture is a modelled type, so coverage
/// cannot shrink unnoticed when a type is added on either side.
fn assert_fixtures_cover(sub: &str, types: &[&str]) {
    let fixtures: BTreeSet<String> = fixtures(sub)
        .into_iter()
        .map(|(stem, _)| type_of(&stem).to_owned())
        .collect();
    let types: BTreeSet<String> = types.iter().map(|t| (*t).to_owned()).collect();
    let missing: Vec<_> = types.difference(&fixtures).collect();
    let unknown: Vec<_> = fixtures.difference(&types).collect();
    assert!(
        missing.is_empty() && unknown.is_empty(),
        "{sub}: types without a fixture: {missing:?}; fixtures of no known type: {unknown:?}"
    );
}

#[test]
fn every_ga_client_type_has_exactly_one_fixture() {
    assert_eq!(ClientEvent::TYPES.len(), 11);
    assert_fixtures_cover("ga/client", ClientEvent::TYPES);
}

#[test]
fn every_ga_server_type_has_exactly_one_fixture() {
    assert_eq!(ServerEvent::TYPES.len(), 46);
    assert_fixtures_cover("ga/server", ServerEvent::TYPES);
}

#[test]
fn fixture_files_are_named_after_their_type() {
    for sub in [
        "ga/client",
        "ga/server",
        "ga/shapes/client",
        "ga/shapes/server",
        "beta/client",
        "beta/server",
    ] {
        for (stem, text) in fixtures(sub) {
            assert_eq!(json(&text)["type"], type_of(&stem), "{sub}/{stem}.json");
        }
    }
    for sub in ["twilio/inbound", "twilio/outbound"] {
        for (stem, text) in fixtures(sub) {
            assert_eq!(json(&text)["event"], stem.as_str(), "{sub}/{stem}.json");
        }
    }
}

/// The client event types of the beta dialect.
const BETA_CLIENT_TYPES: &[&str] = &[
    "session.update",
    "transcription_session.update",
    "input_audio_buffer.append",
    "input_audio_buffer.commit",
    "input_audio_buffer.clear",
    "output_audio_buffer.clear",
    "conversation.item.create",
    "conversation.item.retrieve",
    "conversation.item.truncate",
    "conversation.item.delete",
    "response.create",
    "response.cancel",
];

#[test]
fn every_beta_client_type_has_a_fixture() {
    assert_fixtures_cover("beta/client", BETA_CLIENT_TYPES);
}

#[test]
fn beta_client_fixtures_translate_to_their_ga_sibling() {
    let mut failures = Failures::default();
    for (stem, text) in fixtures("beta/client") {
        let expected = ga_sibling("beta/client", &stem);
        match beta::client_event_from_json(&text) {
            Ok(translated) => {
                failures.expect_eq(&stem, &expected, &translated.event.to_value());
                // The sibling is itself a valid GA event, and the same one.
                match ClientEvent::from_json(&expected.to_string()) {
                    Ok(ga) if ga == translated.event => {}
                    Ok(_) => failures.fail(format!("{stem}: the GA sibling parses differently")),
                    Err(e) => failures.fail(format!("{stem}: the GA sibling fails: {e}")),
                }
            }
            Err(e) => failures.fail(format!("{stem}: {e} (param {:?})", e.param())),
        }
    }
    failures.check();
}

#[test]
fn beta_client_fixtures_write_back_to_the_original() {
    let mut failures = Failures::default();
    for (stem, text) in fixtures("beta/client") {
        let translated = match beta::client_event_from_json(&text) {
            Ok(translated) => translated,
            Err(e) => {
                failures.fail(format!("{stem}: {e}"));
                continue;
            }
        };
        // What GA cannot hold is reported as dropped, and only that is missing.
        let mut expected = json(&text);
        for path in &translated.dropped {
            if !remove_path(&mut expected, path) {
                failures.fail(format!(
                    "{stem}: reports dropping {path}, which it did not have"
                ));
            }
        }
        failures.expect_eq(
            &stem,
            &expected,
            &beta::client_event_to_value(&translated.event),
        );
    }
    failures.check();
}

#[test]
fn beta_client_translation_reports_the_settings_ga_lacks() {
    let dropped = |stem: &str| {
        let text = fixtures("beta/client")
            .into_iter()
            .find(|(s, _)| s == stem)
            .map(|(_, text)| text)
            .expect("the fixture exists");
        beta::client_event_from_json(&text).unwrap().dropped
    };
    assert_eq!(dropped("session.update"), ["session.temperature"]);
    assert_eq!(dropped("response.create"), ["response.temperature"]);
    assert!(dropped("conversation.item.create").is_empty());
}

/// Beta fields of server events that GA has no place for. Reading a beta server event drops
/// them, so they cannot come back.
const BETA_ONLY_SERVER_FIELDS: &[&str] = &["session.temperature", "response.temperature"];

#[test]
fn beta_server_fixtures_round_trip() {
    let mut failures = Failures::default();
    for (stem, text) in fixtures("beta/server") {
        let event = match beta::server_event_from_json(&text) {
            Ok(event) => event,
            Err(e) => {
                failures.fail(format!("{stem}: {e} (param {:?})", e.param()));
                continue;
            }
        };
        let mut expected = json(&text);
        for path in BETA_ONLY_SERVER_FIELDS {
            remove_path(&mut expected, path);
        }
        match beta::server_event_to_value(&event) {
            Some(back) => failures.expect_eq(&stem, &expected, &back),
            None => failures.fail(format!("{stem}: no beta form for {}", event.event_type())),
        }
        if let Some(back) = beta::server_event_to_json(&event) {
            failures.expect_eq(&stem, &expected, &json(&back));
        }
    }
    failures.check();
}

/// GA server types a beta caller never sees, written out here rather than taken from the code
/// under test.
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

/// GA server types that beta names differently.
const BETA_SERVER_NAMES: &[(&str, &str)] = &[
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

#[test]
fn ga_server_events_take_their_beta_name_or_have_none() {
    let beta_fixtures: BTreeSet<String> = fixtures("beta/server")
        .into_iter()
        .map(|(stem, _)| stem)
        .collect();
    for (stem, text) in fixtures("ga/server") {
        let ty = type_of(&stem);
        let event = ServerEvent::from_json(&text).unwrap();
        let written = beta::server_event_to_value(&event);
        if GA_ONLY_SERVER_TYPES.contains(&ty) {
            assert_eq!(written, None, "{stem} has no beta counterpart");
            assert_eq!(beta::server_event_to_json(&event), None, "{stem}");
            continue;
        }
        let written = written.unwrap_or_else(|| panic!("{stem} must have a beta form"));
        let name = BETA_SERVER_NAMES
            .iter()
            .find(|(ga, _)| *ga == ty)
            .map_or(ty, |(_, beta)| beta);
        assert_eq!(written["type"], name, "{stem}");
        assert!(
            beta_fixtures.contains(name),
            "{stem}: no beta fixture {name}.json"
        );
        // What we write for beta callers, we can read back as a beta event.
        let again = beta::server_event_from_json(&written.to_string())
            .unwrap_or_else(|e| panic!("{stem}: our beta form does not parse: {e}"));
        assert_eq!(beta::server_event_to_value(&again), Some(written), "{stem}");
    }
}

#[test]
fn twilio_inbound_fixtures_round_trip() {
    let fixtures = fixtures("twilio/inbound");
    let names: BTreeSet<&str> = fixtures.iter().map(|(stem, _)| stem.as_str()).collect();
    let events: BTreeSet<&str> = TwilioInbound::EVENTS.iter().copied().collect();
    assert_eq!(names, events, "one fixture per Twilio event");
    let mut failures = Failures::default();
    for (stem, text) in &fixtures {
        match TwilioInbound::from_json(text) {
            Ok(message) => failures.expect_eq(stem, &json(text), &json(&message.to_json())),
            Err(e) => failures.fail(format!("{stem}: {e} (param {:?})", e.param())),
        }
    }
    failures.check();
}

#[test]
fn twilio_outbound_fixtures_round_trip() {
    let fixtures = fixtures("twilio/outbound");
    let names: Vec<&str> = fixtures.iter().map(|(stem, _)| stem.as_str()).collect();
    assert_eq!(names, ["clear", "mark", "media"]);
    let mut failures = Failures::default();
    for (stem, text) in &fixtures {
        match TwilioOutbound::from_json(text) {
            Ok(message) => failures.expect_eq(stem, &json(text), &json(&message.to_json())),
            Err(e) => failures.fail(format!("{stem}: {e} (param {:?})", e.param())),
        }
    }
    failures.check();
}

#[test]
fn twilio_counters_are_read_as_numbers() {
    let text = std::fs::read_to_string(data_dir("twilio/inbound/media.json")).unwrap();
    let TwilioInbound::Media(media) = TwilioInbound::from_json(&text).unwrap() else {
        panic!("media.json is a media message");
    };
    assert_eq!(media.sequence_number, 3);
    assert_eq!(media.media.chunk, 1);
    assert_eq!(media.media.timestamp, 5);
    assert_eq!(media.stream_sid, "MZ18ad3ab5a668481ce02b83e7395059f0");
}
