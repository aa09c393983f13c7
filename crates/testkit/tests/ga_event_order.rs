//! Responses follow the GA event order exactly: audio replies, text replies, function calls,
//! and out-of-band responses.

mod common;

use common::*;
use serde_json::json;
use switchboard_audio::decode_base64;

const AUDIO_REPLY: [&str; 14] = [
    "response.created",
    "response.output_item.added",
    "conversation.item.added",
    "response.content_part.added",
    // transcript and audio deltas are checked separately
    "response.output_audio.done",
    "response.output_audio_transcript.done",
    "response.content_part.done",
    "response.output_item.done",
    "conversation.item.done",
    "response.done",
    "rate_limits.updated",
    "",
    "",
    "",
];

fn without_deltas(events: &[switchboard_wire::ServerEvent]) -> Vec<&'static str> {
    types(events)
        .into_iter()
        .filter(|t| !t.ends_with(".delta"))
        .collect()
}

#[test]
fn a_text_turn_gets_an_audio_reply_in_ga_order() {
    let mut h = Harness::new(
        "responses:\n  - say: Thanks for calling NorthLoop Internet. How can I help today?\n",
    );
    let added = h.send(user_text("Hello?"));
    assert_eq!(
        types(&added),
        ["conversation.item.added", "conversation.item.done"]
    );
    assert_eq!(json(&added[0])["previous_item_id"], serde_json::Value::Null);
    let user_id = json(&added[1])["item"]["id"].as_str().unwrap().to_owned();

    let reply = h.send(json!({"type": "response.create"}));
    assert_eq!(without_deltas(&reply), AUDIO_REPLY[..11]);

    // Deltas sit between content_part.added and output_audio.done, transcript before audio
    // in each chunk, and the transcript deltas spell the whole text.
    let first = types(&reply)
        .iter()
        .position(|t| t.ends_with(".delta"))
        .unwrap();
    let last = types(&reply)
        .iter()
        .rposition(|t| t.ends_with(".delta"))
        .unwrap();
    assert_eq!(types(&reply)[first - 1], "response.content_part.added");
    assert_eq!(types(&reply)[last + 1], "response.output_audio.done");
    assert_eq!(
        types(&reply)[first],
        "response.output_audio_transcript.delta"
    );
    let transcript: String = reply
        .iter()
        .filter(|e| e.event_type() == "response.output_audio_transcript.delta")
        .map(|e| json(e)["delta"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        transcript,
        "Thanks for calling NorthLoop Internet. How can I help today?"
    );
    let audio: Vec<Vec<u8>> = reply
        .iter()
        .filter(|e| e.event_type() == "response.output_audio.delta")
        .map(|e| decode_base64(json(e)["delta"].as_str().unwrap()).unwrap())
        .collect();
    assert!(audio.len() > 2, "several chunks");
    // 100 ms of PCM16 at 24 kHz per chunk, the last one shorter.
    assert!(audio[..audio.len() - 1].iter().all(|c| c.len() == 4_800));

    let added = json(only(&reply, "conversation.item.added"));
    assert_eq!(added["previous_item_id"], user_id.as_str());
    assert_eq!(added["item"]["status"], "in_progress");
    assert_eq!(added["item"]["content"], json!([]));
    let part = json(only(&reply, "response.content_part.added"));
    assert_eq!(part["part"], json!({"type": "audio", "transcript": ""}));
    let item_done = json(only(&reply, "response.output_item.done"));
    assert_eq!(item_done["item"]["status"], "completed");
    assert_eq!(item_done["item"]["content"][0]["type"], "output_audio");
    assert_eq!(
        item_done["item"]["content"][0]["transcript"],
        "Thanks for calling NorthLoop Internet. How can I help today?"
    );

    let created = json(only(&reply, "response.created"));
    assert_eq!(created["response"]["status"], "in_progress");
    assert_eq!(created["response"]["output"], json!([]));
    let done = json(only(&reply, "response.done"));
    assert_eq!(done["response"]["status"], "completed");
    assert_eq!(done["response"]["id"], created["response"]["id"]);
    assert_eq!(done["response"]["output"][0], item_done["item"]);
    assert!(done["response"]["usage"]["total_tokens"].as_u64().unwrap() > 0);
    assert!(
        done["response"]["conversation_id"]
            .as_str()
            .unwrap()
            .starts_with("conv_")
    );
    assert_eq!(h.rehearsal.position(), 1);
}

#[test]
fn a_text_session_gets_output_text_events() {
    let mut h = Harness::new("responses:\n  - say: Hello there, caller.\n");
    assert_eq!(types(&h.send(text_only())), ["session.updated"]);
    let reply = h.send(json!({"type": "response.create"}));
    assert_eq!(
        types(&reply),
        [
            "response.created",
            "response.output_item.added",
            "conversation.item.added",
            "response.content_part.added",
            "response.output_text.delta",
            "response.output_text.delta",
            "response.output_text.delta",
            "response.output_text.done",
            "response.content_part.done",
            "response.output_item.done",
            "conversation.item.done",
            "response.done",
            "rate_limits.updated",
        ]
    );
    assert_eq!(
        json(only(&reply, "response.output_text.done"))["text"],
        "Hello there, caller."
    );
    assert_eq!(
        json(only(&reply, "response.content_part.done"))["part"],
        json!({"type": "text", "text": "Hello there, caller."})
    );
    let item = &json(only(&reply, "response.done"))["response"]["output"][0];
    assert_eq!(
        item["content"],
        json!([{"type": "output_text", "text": "Hello there, caller."}])
    );
}

#[test]
fn a_function_call_round_trip_follows_the_ga_order_and_waits_for_the_client() {
    let mut h = Harness::new(
        r#"
responses:
  - say: Let me look that up.
    calls: [{name: lookup_account, arguments: {email_or_phone: "4155550123"}}]
  - say: Found it.
"#,
    );
    h.send(text_only());
    let reply = h.send(json!({"type": "response.create"}));
    let calls: Vec<&str> = types(&reply)
        .into_iter()
        .skip_while(|t| *t != "conversation.item.done")
        .skip(1)
        .collect();
    assert_eq!(
        calls,
        [
            "response.output_item.added",
            "conversation.item.added",
            "response.function_call_arguments.delta",
            "response.function_call_arguments.delta",
            "response.function_call_arguments.done",
            "response.output_item.done",
            "conversation.item.done",
            "response.done",
            "rate_limits.updated",
        ]
    );
    let added: Vec<_> = reply
        .iter()
        .filter(|e| e.event_type() == "response.output_item.added")
        .map(json)
        .collect();
    assert_eq!(added[0]["output_index"], 0);
    assert_eq!(added[1]["output_index"], 1);
    let call = &added[1]["item"];
    assert_eq!(call["type"], "function_call");
    assert_eq!(call["status"], "in_progress");
    assert_eq!(call["arguments"], "");
    let call_id = call["call_id"].as_str().unwrap().to_owned();
    assert!(call_id.starts_with("call_"), "{call_id}");
    let deltas: String = reply
        .iter()
        .filter(|e| e.event_type() == "response.function_call_arguments.delta")
        .map(|e| json(e)["delta"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(deltas, r#"{"email_or_phone":"4155550123"}"#);
    let args_done = json(only(&reply, "response.function_call_arguments.done"));
    assert_eq!(args_done["name"], "lookup_account");
    assert_eq!(args_done["call_id"], call_id.as_str());
    assert_eq!(args_done["arguments"], deltas.as_str());
    let done = json(only(&reply, "response.done"));
    assert_eq!(done["response"]["output"].as_array().unwrap().len(), 2);
    assert_eq!(done["response"]["output"][1]["status"], "completed");

    // Nothing more happens until the client answers.
    assert!(h.advance(std::time::Duration::from_secs(30)).is_empty());
    let output = h.send(json!({
        "type": "conversation.item.create",
        "item": {"type": "function_call_output", "call_id": call_id, "output": "{\"account_id\":\"NL-10482\"}"},
    }));
    assert_eq!(
        types(&output),
        ["conversation.item.added", "conversation.item.done"]
    );
    assert_eq!(json(&output[0])["item"]["type"], "function_call_output");
    assert_eq!(
        json(&output[0])["previous_item_id"],
        done["response"]["output"][1]["id"]
    );
    let next = h.send(json!({"type": "response.create"}));
    assert_eq!(
        json(only(&next, "response.output_text.done"))["text"],
        "Found it."
    );
}

#[test]
fn a_fixed_call_id_and_raw_arguments_are_sent_as_written() {
    let mut h = Harness::new(
        "responses:\n  - calls: [{name: f, arguments: '{\"broken\": ', call_id: call_fixed_1}]\n",
    );
    let reply = h.send(json!({"type": "response.create"}));
    let done = json(only(&reply, "response.function_call_arguments.done"));
    assert_eq!(done["call_id"], "call_fixed_1");
    assert_eq!(done["arguments"], "{\"broken\": ");
    assert_eq!(
        json(&reply[1])["output_index"],
        0,
        "no message, so the call comes first"
    );
}

#[test]
fn an_out_of_band_response_speaks_its_phrase_and_takes_no_entry() {
    let mut h = Harness::new("responses:\n  - say: The first entry.\n");
    h.send(text_only());
    let reply = h.send(json!({
        "type": "response.create",
        "response": {
            "conversation": "none",
            "instructions": "Say exactly “One moment while I check.” and nothing else.",
            "metadata": {"purpose": "preamble"},
        },
    }));
    assert!(
        !types(&reply).contains(&"conversation.item.added"),
        "out-of-band items stay out of the conversation: {:?}",
        types(&reply)
    );
    assert_eq!(
        json(only(&reply, "response.output_text.done"))["text"],
        "One moment while I check."
    );
    let done = json(only(&reply, "response.done"));
    assert_eq!(done["response"]["metadata"], json!({"purpose": "preamble"}));
    assert_eq!(done["response"]["conversation_id"], serde_json::Value::Null);
    assert_eq!(h.rehearsal.position(), 0);

    let reply = h.send(json!({"type": "response.create"}));
    assert_eq!(
        json(only(&reply, "response.output_text.done"))["text"],
        "The first entry."
    );
    // The out-of-band message is not the item before the new one.
    assert_eq!(
        json(only(&reply, "conversation.item.added"))["previous_item_id"],
        serde_json::Value::Null
    );
}

#[test]
fn after_the_last_entry_the_script_says_it_has_ended() {
    let mut h = Harness::new("responses: []\n");
    h.send(text_only());
    let reply = h.send(json!({"type": "response.create"}));
    assert_eq!(
        json(only(&reply, "response.output_text.done"))["text"],
        "The rehearsal script has ended."
    );
}

#[test]
fn raw_frames_go_out_verbatim_before_the_response() {
    let mut h = Harness::new(
        "responses:\n  - raw: ['{\"type\":\"response.output_text.delta\"}', 'not json']\n    say: Hi.\n",
    );
    h.session
        .handle_frame(r#"{"type":"response.create"}"#, h.now);
    let outputs = h.drain_outputs();
    assert_eq!(
        outputs[0],
        switchboard_testkit::Output::Raw(r#"{"type":"response.output_text.delta"}"#.to_owned())
    );
    assert_eq!(
        outputs[1],
        switchboard_testkit::Output::Raw("not json".to_owned())
    );
    assert!(matches!(
        &outputs[2],
        switchboard_testkit::Output::Event(e) if e.event_type() == "response.created"
    ));
}

#[test]
fn session_update_merges_and_reports_the_whole_session() {
    let mut h = Harness::new("responses: []\n");
    let updated = h.send(json!({
        "type": "session.update",
        "session": {
            "type": "realtime",
            "instructions": "Be brief.",
            "audio": {"output": {"format": {"type": "audio/pcmu"}}},
            "tools": [{"type": "function", "name": "f", "parameters": {"type": "object"}}],
        },
    }));
    let session = &json(only(&updated, "session.updated"))["session"];
    assert_eq!(session["instructions"], "Be brief.");
    assert_eq!(session["audio"]["output"]["format"]["type"], "audio/pcmu");
    assert_eq!(
        session["audio"]["output"]["voice"], "marin",
        "untouched fields stay"
    );
    assert_eq!(
        session["audio"]["input"]["turn_detection"]["type"],
        "server_vad"
    );
    assert_eq!(session["tools"][0]["name"], "f");
    assert_eq!(session["model"], "gpt-realtime");
    assert_eq!(session["object"], "realtime.session");

    // µ-law at 8 kHz: 800 bytes per 100 ms chunk.
    let reply = h.send(json!({"type": "response.create"}));
    let first = reply
        .iter()
        .find(|e| e.event_type() == "response.output_audio.delta")
        .unwrap();
    assert_eq!(
        decode_base64(json(first)["delta"].as_str().unwrap())
            .unwrap()
            .len(),
        800
    );

    // Once the model has spoken, the voice is fixed.
    let refused = h.send(json!({
        "type": "session.update",
        "event_id": "evt_voice",
        "session": {"type": "realtime", "audio": {"output": {"voice": "cedar"}}},
    }));
    let error = json(only(&refused, "error"));
    assert_eq!(error["error"]["code"], "cannot_update_voice");
    assert_eq!(error["error"]["event_id"], "evt_voice");
}

#[test]
fn a_disconnect_entry_closes_and_the_next_session_resumes_the_script() {
    let mut h =
        Harness::new("responses:\n  - heard: Hello?\n    disconnect: true\n  - say: Back.\n");
    h.session
        .handle_frame(r#"{"type":"response.create"}"#, h.now);
    assert_eq!(h.drain_outputs(), [switchboard_testkit::Output::Close]);
    assert!(h.session.is_closed());
    assert_eq!(h.session.poll_timeout(), None);
    // A closed session ignores everything.
    h.session
        .handle_frame(r#"{"type":"response.create"}"#, h.now);
    assert!(h.drain_outputs().is_empty());

    let mut next =
        switchboard_testkit::EmulatedSession::new(h.rehearsal.clone(), "gpt-realtime", h.now);
    next.handle_frame(&text_only().to_string(), h.now);
    next.handle_frame(r#"{"type":"response.create"}"#, h.now);
    let mut said = None;
    while let Some(output) = next.poll_output() {
        if let switchboard_testkit::Output::Event(e) = output {
            assert_round_trips(&e);
            if e.event_type() == "response.output_text.done" {
                said = Some(json(&e)["text"].clone());
            }
        }
    }
    assert_eq!(said, Some(json!("Back.")));
}
