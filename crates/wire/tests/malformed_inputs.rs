//! Every frame in `tests/data/malformed.jsonl` is refused with exactly the Realtime error code,
//! parameter path and echoed `event_id` the catalogue gives, and the error becomes a
//! well-formed Realtime `error` object.
//!
//! Each line of the catalogue is
//! `{"name","side":"client"|"server"|"twilio","dialect":"ga"|"beta","input","code","param","event_id"}`
//! where `input` is the raw frame as a string (Twilio lines say `ga`; Twilio has one dialect).

use std::collections::BTreeSet;

use serde_json::{Value, json};
use switchboard_wire::twilio::TwilioInbound;
use switchboard_wire::{ClientEvent, EventId, ServerEvent, WireError, beta};

const CATALOGUE: &str = include_str!("data/malformed.jsonl");

struct Case {
    name: String,
    side: String,
    dialect: String,
    input: String,
    code: String,
    param: Option<String>,
    event_id: Option<String>,
}

fn field(line: &Value, key: &str) -> Option<String> {
    match &line[key] {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => panic!("{key} must be a string or null, not {other}"),
    }
}

fn catalogue() -> Vec<Case> {
    CATALOGUE
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            let line: Value = serde_json::from_str(line).expect("each catalogue line is JSON");
            let required =
                |key: &str| field(&line, key).expect("name, side, dialect, input and code are set");
            Case {
                name: required("name"),
                side: required("side"),
                dialect: required("dialect"),
                input: required("input"),
                code: required("code"),
                param: field(&line, "param"),
                event_id: field(&line, "event_id"),
            }
        })
        .collect()
}

/// Parses `input` as `side` would receive it, returning the error, or the re-serialized
/// event when it (wrongly) parses.
fn parse(case: &Case) -> Result<String, WireError> {
    let input = case.input.as_str();
    match (case.side.as_str(), case.dialect.as_str()) {
        ("client", "ga") => ClientEvent::from_json(input).map(|e| e.to_json()),
        ("client", "beta") => beta::client_event_from_json(input).map(|t| t.event.to_json()),
        ("server", "ga") => ServerEvent::from_json(input).map(|e| e.to_json()),
        ("server", "beta") => beta::server_event_from_json(input).map(|e| e.to_json()),
        ("twilio", _) => TwilioInbound::from_json(input).map(|m| m.to_json()),
        (side, dialect) => panic!("{}: unknown side/dialect {side}/{dialect}", case.name),
    }
}

#[test]
fn the_catalogue_is_broad() {
    let cases = catalogue();
    assert!(cases.len() >= 40, "only {} cases", cases.len());
    let names: BTreeSet<&str> = cases.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names.len(), cases.len(), "case names are unique");
    for (side, dialect) in [
        ("client", "ga"),
        ("client", "beta"),
        ("server", "ga"),
        ("server", "beta"),
        ("twilio", "ga"),
    ] {
        assert!(
            cases.iter().any(|c| c.side == side && c.dialect == dialect),
            "no {side}/{dialect} case"
        );
    }
    let codes: BTreeSet<&str> = cases.iter().map(|c| c.code.as_str()).collect();
    let all = [
        "invalid_json",
        "invalid_event",
        "missing_required_parameter",
        "invalid_type",
        "invalid_value",
        "unknown_parameter",
    ];
    assert_eq!(codes, all.into_iter().collect());
}

#[test]
fn every_malformed_input_fails_with_its_code_param_and_event_id() {
    let mut failures = Vec::new();
    for case in catalogue() {
        let err = match parse(&case) {
            Ok(parsed) => {
                failures.push(format!("{}: parsed as {parsed}", case.name));
                continue;
            }
            Err(err) => err,
        };
        let got = (err.code(), err.param(), err.event_id().map(EventId::as_str));
        let want = (
            case.code.as_str(),
            case.param.as_deref(),
            case.event_id.as_deref(),
        );
        if got != want {
            failures.push(format!(
                "{}: got (code, param, event_id) {got:?}, want {want:?}; message: {}",
                case.name,
                err.message()
            ));
            continue;
        }
        if err.message().trim().is_empty() {
            failures.push(format!("{}: empty message", case.name));
        }
        if let Some(param) = err.param()
            && !err.message().contains(param)
        {
            failures.push(format!(
                "{}: message does not name {param}: {}",
                case.name,
                err.message()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} case(s) wrong:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_error_becomes_a_valid_realtime_error_object() {
    for case in catalogue() {
        let err = parse(&case).expect_err(&case.name);
        let object = serde_json::to_value(err.to_error_object()).unwrap();
        assert_eq!(
            object,
            json!({
                "type": "invalid_request_error",
                "code": case.code,
                "message": err.message(),
                "param": case.param,
                "event_id": case.event_id,
            }),
            "{}",
            case.name
        );
        // It travels in an `error` event that any Realtime client can read back.
        let event = ServerEvent::error(
            EventId::new("event_C9Lf0aB1cD2eF3gH4iJ5k"),
            err.to_error_object(),
        );
        let again = ServerEvent::from_json(&event.to_json())
            .unwrap_or_else(|e| panic!("{}: our error event does not parse: {e}", case.name));
        assert_eq!(again, event, "{}", case.name);
    }
}

#[test]
fn an_event_id_of_512_characters_is_accepted() {
    let id = "e".repeat(512);
    let event = ClientEvent::from_json(
        &json!({"type": "input_audio_buffer.commit", "event_id": id}).to_string(),
    )
    .unwrap();
    assert_eq!(event.event_id().map(EventId::as_str), Some(id.as_str()));
    // Characters, not bytes: 512 two-byte characters are still 512.
    let id = "é".repeat(512);
    assert!(
        ClientEvent::from_json(
            &json!({"type": "input_audio_buffer.clear", "event_id": id}).to_string()
        )
        .is_ok()
    );
}

#[test]
fn a_later_error_still_names_the_event() {
    // The `event_id` is read first, so even an error deep inside the event carries it.
    let err = ClientEvent::from_json(
        r#"{"type":"session.update","event_id":"event_sb_0042","session":{"type":"realtime","audio":{"input":{"turn_detection":{"type":"server_vad","threshold":"x"}}}}}"#,
    )
    .unwrap_err();
    assert_eq!(err.event_id().map(EventId::as_str), Some("event_sb_0042"));
    assert_eq!(
        err.param(),
        Some("session.audio.input.turn_detection.threshold")
    );
}
