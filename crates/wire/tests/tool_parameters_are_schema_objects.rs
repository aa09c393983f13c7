//! A function tool's `parameters` is a JSON Schema, so it must be an object: an array (or a
//! string, a number…) is refused at parse, with the full path of the field and the event's id,
//! in `session.update` and in `response.create` alike, in both dialects.

use switchboard_wire::{ClientEvent, ErrorKind, beta};

fn refused(frame: &str) -> switchboard_wire::WireError {
    match ClientEvent::from_json(frame) {
        Ok(event) => panic!("accepted {}", event.to_json()),
        Err(e) => e,
    }
}

#[test]
fn an_array_of_parameters_in_session_update_is_refused_with_its_path() {
    let e = refused(
        r#"{"type":"session.update","event_id":"evt_tools","session":{"type":"realtime",
            "tools":[{"type":"function","name":"ok","parameters":{"type":"object"}},
                     {"type":"function","name":"bad","parameters":["type","object"]}]}}"#,
    );
    assert_eq!(e.kind(), ErrorKind::InvalidType);
    assert_eq!(e.code(), "invalid_type");
    assert_eq!(e.param(), Some("session.tools[1].parameters"));
    assert_eq!(e.event_id().map(|id| id.as_str()), Some("evt_tools"));
    assert_eq!(
        e.message(),
        "Invalid type for 'session.tools[1].parameters': expected a JSON Schema object, but got sequence instead."
    );
}

#[test]
fn other_non_objects_are_refused_too() {
    for parameters in [r#""object""#, "3", "true"] {
        let e = refused(&format!(
            r#"{{"type":"session.update","session":{{"type":"realtime","tools":[{{"name":"t","parameters":{parameters}}}]}}}}"#
        ));
        assert_eq!(
            e.param(),
            Some("session.tools[0].parameters"),
            "{parameters}"
        );
        assert_eq!(e.kind(), ErrorKind::InvalidType, "{parameters}");
    }
}

#[test]
fn response_create_tools_are_checked_the_same_way() {
    let e = refused(
        r#"{"type":"response.create","event_id":"evt_r","response":{
            "tools":[{"type":"function","name":"bad","parameters":[]}]}}"#,
    );
    assert_eq!(e.param(), Some("response.tools[0].parameters"));
    assert_eq!(e.event_id().map(|id| id.as_str()), Some("evt_r"));
}

#[test]
fn a_beta_caller_gets_the_same_refusal() {
    let e = beta::client_event_from_json(
        r#"{"type":"session.update","event_id":"evt_b","session":{
            "tools":[{"type":"function","name":"bad","parameters":[1,2]}]}}"#,
    )
    .expect_err("refused");
    assert_eq!(e.param(), Some("session.tools[0].parameters"));
    assert_eq!(e.event_id().map(|id| id.as_str()), Some("evt_b"));
}

#[test]
fn an_object_or_no_parameters_is_accepted() {
    for tool in [
        r#"{"type":"function","name":"t","parameters":{"type":"object","properties":{}}}"#,
        r#"{"type":"function","name":"t"}"#,
        r#"{"type":"function","name":"t","parameters":null}"#,
    ] {
        let frame = format!(
            r#"{{"type":"session.update","session":{{"type":"realtime","tools":[{tool}]}}}}"#
        );
        ClientEvent::from_json(&frame).unwrap_or_else(|e| panic!("{tool}: {e}"));
    }
}
