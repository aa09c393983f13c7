//! A response of two messages at realtime pace: the second message's audio follows the
//! first's; speech or `response.cancel` during the second message ends it `incomplete` (the
//! first stays completed), and the client truncates the second message by its own item id.

mod common;

use std::time::Duration;

use common::*;
use serde_json::{Value, json};
use switchboard_audio::decode_base64;
use switchboard_testkit::{Pace, Script};
use switchboard_wire::ServerEvent;

const PREAMBLE: &str = "Let me check that.";
const ANSWER: &str =
    "Your refund of forty dollars was sent on Monday and should arrive within three days.";

fn paced() -> Harness {
    let script = Script::from_text(
        &format!(
            "model: gpt-realtime-2.1\nresponses:\n  - messages: [\"{PREAMBLE}\", \"{ANSWER}\"]\n  - say: Go ahead.\n"
        ),
        "two.yaml",
    )
    .expect("the script loads")
    .with_pace(Pace::Realtime);
    let mut h = Harness::with_script(script);
    h.append_pcm(&silence(300));
    h
}

/// Milliseconds of 24 kHz PCM16 audio in the deltas of `item`.
fn audio_ms(events: &[ServerEvent], item: &str) -> u64 {
    let bytes: usize = events
        .iter()
        .filter(|e| e.event_type() == "response.output_audio.delta")
        .map(json)
        .filter(|d| d["item_id"] == item)
        .map(|d| {
            let delta = d["delta"].as_str().expect("a base64 delta");
            decode_base64(delta).expect("valid base64").len()
        })
        .sum();
    bytes as u64 / 48
}

fn added_items(events: &[ServerEvent]) -> Vec<String> {
    events
        .iter()
        .filter(|e| e.event_type() == "response.output_item.added")
        .map(|e| {
            json(e)["item"]["id"]
                .as_str()
                .expect("an item id")
                .to_owned()
        })
        .collect()
}

/// Starts the response and plays it until 300 ms of the second message have been sent; returns
/// everything sent so far and the two item ids.
fn into_the_second_message(h: &mut Harness) -> (Vec<ServerEvent>, String, String) {
    let started = h.now;
    let mut sent = h.send(json!({"type": "response.create"}));
    while added_items(&sent).len() < 2 {
        sent.extend(h.advance(Duration::from_millis(100)));
        assert!(
            h.now - started < Duration::from_secs(10),
            "no second message"
        );
    }
    let ids = added_items(&sent);
    let (first, second) = (ids[0].clone(), ids[1].clone());
    // The second message starts once the first's audio has been played out.
    let first_ms = audio_ms(&sent, &first);
    assert!(first_ms > 500, "{first_ms}");
    let elapsed = (h.now - started).as_millis() as u64;
    assert!(
        elapsed + 100 >= first_ms && elapsed <= first_ms + 100,
        "second message after {elapsed} ms, first lasts {first_ms} ms"
    );
    assert_eq!(
        sent.iter()
            .filter(|e| e.event_type() == "response.output_item.done")
            .count(),
        1,
        "the first message is done before the second starts"
    );
    for _ in 0..3 {
        sent.extend(h.advance(Duration::from_millis(100)));
    }
    assert!(audio_ms(&sent, &second) >= 300);
    (sent, first, second)
}

fn retrieved(h: &mut Harness, id: &str) -> Value {
    let events = h.send(json!({"type": "conversation.item.retrieve", "item_id": id}));
    json(only(&events, "conversation.item.retrieved"))["item"].clone()
}

#[test]
fn speech_during_the_second_message_cancels_it_and_the_client_truncates_it() {
    let mut h = paced();
    let (sent, first, second) = into_the_second_message(&mut h);
    let second_sent = audio_ms(&sent, &second);

    let events = h.append_pcm(&tone(300));
    assert_eq!(
        types(&events),
        [
            "input_audio_buffer.speech_started",
            "response.output_audio.done",
            "response.output_audio_transcript.done",
            "response.content_part.done",
            "response.output_item.done",
            "conversation.item.done",
            "response.done",
            "rate_limits.updated",
        ]
    );
    let item_done = json(only(&events, "response.output_item.done"));
    assert_eq!(item_done["item"]["id"], second.as_str());
    assert_eq!(item_done["output_index"], 1);
    assert_eq!(item_done["item"]["status"], "incomplete");
    let done = json(only(&events, "response.done"));
    assert_eq!(
        done["response"]["status_details"],
        json!({"type": "cancelled", "reason": "turn_detected"})
    );
    let output = done["response"]["output"].as_array().unwrap();
    assert_eq!(output.len(), 2);
    assert_eq!(output[0]["id"], first.as_str());
    assert_eq!(output[0]["status"], "completed");
    assert_eq!(output[0]["content"][0]["transcript"], PREAMBLE);
    assert_eq!(output[1]["id"], second.as_str());
    assert_eq!(output[1]["status"], "incomplete");

    // The caller heard 200 ms of the second message: the client truncates that item.
    let truncated = h.send(json!({"type": "conversation.item.truncate",
        "item_id": second, "content_index": 0, "audio_end_ms": 200}));
    let event = json(only(&truncated, "conversation.item.truncated"));
    assert_eq!(event["item_id"], second.as_str());
    assert_eq!(event["audio_end_ms"], 200);

    let cut = retrieved(&mut h, &second);
    let audio = decode_base64(cut["content"][0]["audio"].as_str().unwrap()).unwrap();
    assert_eq!(audio.len(), 200 * 48);
    let transcript = cut["content"][0]["transcript"].as_str().unwrap();
    assert!(
        ANSWER.starts_with(transcript) && transcript.len() < ANSWER.len() / 2,
        "only the words heard: {transcript:?} of {second_sent} ms sent"
    );
    // The first message is untouched.
    let whole = retrieved(&mut h, &first);
    assert_eq!(whole["content"][0]["transcript"], PREAMBLE);
    assert_eq!(whole["status"], "completed");

    // Past the end of what the second message holds now: refused.
    let too_far = h.send(json!({"type": "conversation.item.truncate",
        "item_id": second, "content_index": 0, "audio_end_ms": 5_000}));
    assert_eq!(
        json(only(&too_far, "error"))["error"]["param"],
        "audio_end_ms"
    );
}

#[test]
fn response_cancel_during_the_second_message_ends_only_that_message() {
    let mut h = paced();
    let (_, first, second) = into_the_second_message(&mut h);
    let events = h.send(json!({"type": "response.cancel"}));
    assert_eq!(
        types(&events),
        [
            "response.output_audio.done",
            "response.output_audio_transcript.done",
            "response.content_part.done",
            "response.output_item.done",
            "conversation.item.done",
            "response.done",
            "rate_limits.updated",
        ]
    );
    let done = json(only(&events, "response.done"));
    assert_eq!(done["response"]["status"], "cancelled");
    assert_eq!(
        done["response"]["status_details"]["reason"],
        "client_cancelled"
    );
    let statuses: Vec<(Value, Value)> = done["response"]["output"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["id"].clone(), i["status"].clone()))
        .collect();
    assert_eq!(
        statuses,
        [
            (json!(first), json!("completed")),
            (json!(second), json!("incomplete"))
        ]
    );
    // Nothing more of the cancelled response is sent.
    assert!(
        h.advance(Duration::from_secs(5))
            .iter()
            .all(|e| !e.event_type().starts_with("response."))
    );
    // The next response takes the next entry.
    let next = h.send(json!({"type": "response.create"}));
    assert_eq!(added_items(&next).len(), 1);
}
