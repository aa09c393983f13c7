//! `set_conversation_state` follows only allowed edges, with requirements met, and swaps the
//! instructions and tools with `session.update` (which the harness's model confirms; what
//! happens when it does not is in `flow_state_is_acknowledged.rs`).

mod common;

use std::time::Duration;

use common::*;
use serde_json::json;
use switchboard_engine::{Output, Record};
use switchboard_wire::{ClientEvent, Tool};

#[test]
fn leaving_without_the_required_slot_is_refused_and_names_it() {
    let mut h = Harness::agent();
    let out = h.model_calls(
        "call_1",
        "set_conversation_state",
        json!({"next_state": "resolve"}),
    );
    assert_eq!(h.session.state(), Some("verify"));
    let (_, output) = &tool_outputs(&out)[0];
    assert!(
        output["error"]
            .as_str()
            .expect("text")
            .contains("missing account_id"),
        "{output}"
    );
}

#[test]
fn once_the_slot_is_captured_the_transition_swaps_instructions_and_tools() {
    let mut h = Harness::agent();
    h.model_calls(
        "call_1",
        "lookup_account",
        json!({"email_or_phone": "4155551234"}),
    );
    h.advance(Duration::from_millis(1));
    let out = h.model_calls(
        "call_2",
        "set_conversation_state",
        json!({"next_state": "resolve"}),
    );
    assert_eq!(h.session.state(), Some("resolve"));
    let update = out
        .iter()
        .find_map(|o| match o {
            Output::ToModel(ClientEvent::SessionUpdate(u)) => Some(u),
            _ => None,
        })
        .expect("a session.update");
    let instructions = update
        .session
        .instructions
        .as_deref()
        .expect("instructions");
    assert!(
        instructions.contains("# Conversation (resolve)"),
        "{instructions}"
    );
    let names: Vec<&str> = update
        .session
        .tools
        .iter()
        .flatten()
        .filter_map(|t| {
            if let Tool::Function(f) = t {
                Some(f.name.as_str())
            } else {
                None
            }
        })
        .collect();
    assert!(
        names.contains(&"refund_credit") && !names.contains(&"lookup_account"),
        "{names:?}"
    );
    assert!(records(&out).contains(&&Record::Transition {
        from: "verify".into(),
        to: "resolve".into()
    }));
}

#[test]
fn a_transition_that_is_not_an_edge_is_refused() {
    let mut h = Harness::agent();
    h.model_calls(
        "call_1",
        "lookup_account",
        json!({"email_or_phone": "4155551234"}),
    );
    h.advance(Duration::from_millis(1));
    h.model_calls(
        "call_2",
        "set_conversation_state",
        json!({"next_state": "resolve"}),
    );
    let out = h.model_calls(
        "call_3",
        "set_conversation_state",
        json!({"next_state": "verify"}),
    );
    assert_eq!(h.session.state(), Some("resolve"));
    assert!(
        tool_outputs(&out)[0].1["error"]
            .as_str()
            .expect("text")
            .contains("terminal")
    );
}

#[test]
fn a_slot_can_come_from_a_tool_argument() {
    let mut h = Harness::new(
        r#"
name: args
role: r
tools:
  - name: note_phone
    description: Note the caller's phone number.
    parameters: {type: object, properties: {phone: {type: string}}, required: [phone]}
    run: {fixtures: [{result: {noted: true}}]}
dynamic:
  initial: collect
  states:
    - id: collect
      instructions: [Ask for the phone number.]
      tools: [note_phone]
      transitions: [done]
      requires: [phone]
    - id: done
      instructions: [Thank the caller.]
  slots:
    - name: phone
      tool: note_phone
      from: {argument: phone}
"#,
    );
    h.model_calls("call_1", "note_phone", json!({"phone": "4155551234"}));
    h.advance(Duration::from_millis(1));
    assert_eq!(h.session.slots().get("phone"), Some(&json!("4155551234")));
    h.model_calls(
        "call_2",
        "set_conversation_state",
        json!({"next_state": "done"}),
    );
    assert_eq!(h.session.state(), Some("done"));
}
