//! The newer models speak several assistant messages in one response (a preamble, then the
//! answer): each is its own `message` item, in GA order, listed in order in `response.done`.
//! The 2025 model speaks one message per response.

mod common;

use common::*;
use serde_json::{Value, json};

/// The events of one audio message, deltas left out.
const ONE_MESSAGE: [&str; 8] = [
    "response.output_item.added",
    "conversation.item.added",
    "response.content_part.added",
    "response.output_audio.done",
    "response.output_audio_transcript.done",
    "response.content_part.done",
    "response.output_item.done",
    "conversation.item.done",
];

fn without_deltas(events: &[switchboard_wire::ServerEvent]) -> Vec<&'static str> {
    types(events)
        .into_iter()
        .filter(|t| !t.ends_with(".delta"))
        .collect()
}

fn of_type(events: &[switchboard_wire::ServerEvent], ty: &str) -> Vec<Value> {
    events
        .iter()
        .filter(|e| e.event_type() == ty)
        .map(json)
        .collect()
}

const TWO_MESSAGES: &str = "model: gpt-realtime-2.1\nresponses:\n  - messages: [\"Let me check that for you.\", \"Your refund is on its way.\"]\n";

#[test]
fn two_messages_are_two_items_each_in_ga_order() {
    let mut h = Harness::new(TWO_MESSAGES);
    h.send(user_text("Where is my refund?"));
    let reply = h.send(json!({"type": "response.create"}));

    let mut expected = vec!["response.created"];
    expected.extend(ONE_MESSAGE);
    expected.extend(ONE_MESSAGE);
    expected.extend(["response.done", "rate_limits.updated"]);
    assert_eq!(without_deltas(&reply), expected);

    let added = of_type(&reply, "response.output_item.added");
    let done = of_type(&reply, "response.output_item.done");
    let ids: Vec<&str> = added
        .iter()
        .map(|e| e["item"]["id"].as_str().unwrap())
        .collect();
    assert_ne!(ids[0], ids[1], "each message is its own item");
    assert_eq!(
        added
            .iter()
            .map(|e| e["output_index"].clone())
            .collect::<Vec<_>>(),
        [json!(0), json!(1)]
    );
    assert_eq!(
        done.iter()
            .map(|e| e["item"]["content"][0]["transcript"].clone())
            .collect::<Vec<_>>(),
        [
            json!("Let me check that for you."),
            json!("Your refund is on its way.")
        ]
    );

    // Every delta and done of a message names that message's item and output index, and the
    // deltas of the second come after the first is done.
    let first_done_at = types(&reply)
        .iter()
        .position(|t| *t == "response.output_item.done")
        .unwrap();
    for (at, event) in reply.iter().enumerate() {
        let value = json(event);
        let ty = event.event_type();
        if ty.starts_with("response.output_audio")
            || ty.starts_with("response.content_part")
            || ty == "response.output_item.done"
        {
            let which = usize::from(at > first_done_at);
            assert_eq!(
                value["item_id"].as_str().or(value["item"]["id"].as_str()),
                Some(ids[which]),
                "{ty} at {at}"
            );
            assert_eq!(value["output_index"], json!(which), "{ty} at {at}");
        }
    }
    for (which, text) in ["Let me check that for you.", "Your refund is on its way."]
        .iter()
        .enumerate()
    {
        let spelled: String = of_type(&reply, "response.output_audio_transcript.delta")
            .iter()
            .filter(|d| d["item_id"] == ids[which])
            .map(|d| d["delta"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(&spelled, text);
        let audio = of_type(&reply, "response.output_audio.delta")
            .iter()
            .filter(|d| d["item_id"] == ids[which])
            .count();
        assert!(audio > 0, "message {which} has its own audio");
    }

    // The conversation holds both, the second after the first.
    let conv = of_type(&reply, "conversation.item.added");
    assert_eq!(conv[1]["previous_item_id"], ids[0]);

    let response_done = json(only(&reply, "response.done"));
    let output = response_done["response"]["output"].as_array().unwrap();
    assert_eq!(output.len(), 2);
    assert_eq!(output[0], done[0]["item"]);
    assert_eq!(output[1], done[1]["item"]);
    assert_eq!(response_done["response"]["status"], "completed");
}

#[test]
fn steps_play_messages_and_calls_in_the_order_written() {
    let mut h = Harness::new(
        r#"
model: gpt-realtime-2.1
responses:
  - steps:
      - say: Let me look that up.
      - call: {name: lookup_order, arguments: {order: "A17"}, call_id: call_a}
      - say: One moment.
"#,
    );
    h.send(user_text("Where is order A17?"));
    let reply = h.send(json!({"type": "response.create"}));
    let items: Vec<(String, Value)> = of_type(&reply, "response.output_item.done")
        .into_iter()
        .map(|e| {
            (
                e["item"]["type"].as_str().unwrap().to_owned(),
                e["output_index"].clone(),
            )
        })
        .collect();
    assert_eq!(
        items,
        [
            ("message".to_owned(), json!(0)),
            ("function_call".to_owned(), json!(1)),
            ("message".to_owned(), json!(2)),
        ]
    );
    let output = &json(only(&reply, "response.done"))["response"]["output"];
    assert_eq!(output[1]["call_id"], "call_a");
    assert_eq!(output[2]["content"][0]["transcript"], "One moment.");
}

#[test]
fn the_2025_model_speaks_a_responses_messages_as_one() {
    let script = TWO_MESSAGES.replace("model: gpt-realtime-2.1\n", "");
    let mut h = Harness::new_for(&script, "gpt-realtime");
    h.send(user_text("Where is my refund?"));
    let reply = h.send(json!({"type": "response.create"}));
    let mut expected = vec!["response.created"];
    expected.extend(ONE_MESSAGE);
    expected.extend(["response.done", "rate_limits.updated"]);
    assert_eq!(without_deltas(&reply), expected);
    assert_eq!(
        json(only(&reply, "response.output_audio_transcript.done"))["transcript"],
        "Let me check that for you. Your refund is on its way."
    );

    // The same script, for a connection asking for a newer model, plays two messages.
    let mut newer = Harness::new_for(&script, "gpt-realtime-2.1-mini");
    newer.send(user_text("Where is my refund?"));
    let reply = newer.send(json!({"type": "response.create"}));
    assert_eq!(of_type(&reply, "response.output_item.done").len(), 2);
}

#[test]
fn a_preamble_and_calls_are_a_message_then_the_calls_on_both_profiles() {
    let script = "responses:\n  - say: Let me check that for you.\n    calls: [{name: lookup_account}, {name: check_outage}]\n";
    for model in ["gpt-realtime", "gpt-realtime-2.1"] {
        let mut h = Harness::new_for(script, model);
        let reply = h.send(json!({"type": "response.create"}));
        let kinds: Vec<Value> = of_type(&reply, "response.output_item.added")
            .into_iter()
            .map(|e| e["item"]["type"].clone())
            .collect();
        assert_eq!(
            kinds,
            [
                json!("message"),
                json!("function_call"),
                json!("function_call")
            ],
            "{model}"
        );
    }
}

#[test]
fn a_text_response_of_two_messages_has_two_text_items() {
    let mut h = Harness::new(TWO_MESSAGES);
    h.send(text_only());
    let reply = h.send(json!({"type": "response.create"}));
    let texts: Vec<Value> = of_type(&reply, "response.output_text.done")
        .into_iter()
        .map(|e| e["text"].clone())
        .collect();
    assert_eq!(
        texts,
        [
            json!("Let me check that for you."),
            json!("Your refund is on its way.")
        ]
    );
    assert!(
        !types(&reply)
            .iter()
            .any(|t| t.starts_with("response.output_audio")),
        "{:?}",
        types(&reply)
    );
}
