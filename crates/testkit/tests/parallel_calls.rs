//! Several function calls in one response (parallel tool calls): each is its own
//! `function_call` item with its own output index and argument stream, one `response.done`
//! lists them all, and the emulator waits for every output and a new `response.create`.

mod common;

use common::*;
use serde_json::{Value, json};

const CALL: [&str; 6] = [
    "response.output_item.added",
    "conversation.item.added",
    "response.function_call_arguments.delta",
    "response.function_call_arguments.delta",
    "response.function_call_arguments.done",
    "response.output_item.done",
];

const SCRIPT: &str = r#"
model: gpt-realtime-2.1
responses:
  - calls:
      - {name: lookup_account, arguments: {phone: "4155550123"}, call_id: call_read}
      - {name: book_technician, arguments: {window: "Tuesday 9-12"}, call_id: call_write}
      - {name: check_outage, arguments: {zip: "97201"}}
  - say: Your account is found and the booking is held for your yes.
"#;

#[test]
fn each_call_is_its_own_item_and_one_response_done_lists_them_all() {
    let mut h = Harness::new(SCRIPT);
    let reply = h.send(json!({"type": "response.create"}));

    let mut expected = vec!["response.created"];
    for _ in 0..3 {
        expected.extend(CALL);
        expected.push("conversation.item.done");
    }
    expected.extend(["response.done", "rate_limits.updated"]);
    assert_eq!(types(&reply), expected);

    let done: Vec<Value> = reply
        .iter()
        .filter(|e| e.event_type() == "response.output_item.done")
        .map(json)
        .collect();
    let indexes: Vec<Value> = done.iter().map(|e| e["output_index"].clone()).collect();
    assert_eq!(indexes, [json!(0), json!(1), json!(2)]);
    let call_ids: Vec<&str> = done
        .iter()
        .map(|e| e["item"]["call_id"].as_str().unwrap())
        .collect();
    assert_eq!(&call_ids[..2], ["call_read", "call_write"]);
    assert!(call_ids[2].starts_with("call_") && call_ids[2] != "call_read");

    // The argument stream of each call names its own item, index and call id.
    for event in reply.iter().filter(|e| {
        e.event_type()
            .starts_with("response.function_call_arguments")
    }) {
        let value = json(event);
        let owner = done
            .iter()
            .find(|d| d["item"]["id"] == value["item_id"])
            .expect("the delta's item is one of the calls");
        assert_eq!(value["output_index"], owner["output_index"]);
        assert_eq!(value["call_id"], owner["item"]["call_id"]);
    }
    let arguments = json(
        reply
            .iter()
            .filter(|e| e.event_type() == "response.function_call_arguments.done")
            .nth(1)
            .unwrap(),
    );
    assert_eq!(arguments["name"], "book_technician");
    assert_eq!(arguments["arguments"], r#"{"window":"Tuesday 9-12"}"#);

    let response = &json(only(&reply, "response.done"))["response"];
    let output = response["output"].as_array().unwrap();
    assert_eq!(output.len(), 3);
    for (item, done) in output.iter().zip(&done) {
        assert_eq!(item, &done["item"]);
    }
    assert_eq!(response["status"], "completed");
    assert_eq!(h.rehearsal.position(), 1, "the calls took one entry");

    // The emulator does not go on by itself; every output is accepted, then one
    // response.create takes the next entry.
    for call_id in &call_ids {
        let added = h.send(json!({
            "type": "conversation.item.create",
            "item": {"type": "function_call_output", "call_id": call_id, "output": "{\"ok\":true}"},
        }));
        assert_eq!(
            types(&added),
            ["conversation.item.added", "conversation.item.done"]
        );
    }
    let next = h.send(json!({"type": "response.create"}));
    assert_eq!(
        json(only(&next, "response.output_audio_transcript.done"))["transcript"],
        "Your account is found and the booking is held for your yes."
    );
}

#[test]
fn the_2025_profile_plays_scripted_parallel_calls_as_written() {
    let script = SCRIPT.replace("model: gpt-realtime-2.1\n", "");
    let mut h = Harness::new_for(&script, "gpt-realtime");
    // A client that turns parallel calls off still gets what the script says.
    let updated = h.send(json!({"type": "session.update", "session": {"type": "realtime", "parallel_tool_calls": false}}));
    assert_eq!(
        json(only(&updated, "session.updated"))["session"]["parallel_tool_calls"],
        false
    );
    let reply = h.send(json!({"type": "response.create"}));
    let output = &json(only(&reply, "response.done"))["response"]["output"];
    assert_eq!(output.as_array().unwrap().len(), 3);
}
