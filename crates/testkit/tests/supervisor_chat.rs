//! The emulator as the supervisor's Chat Completions endpoint, over real HTTP: scripted
//! answers and tool calls streamed as server-sent events in the documented chunk shape, the
//! key check, every request recorded, and one reply per request in order.

use futures_util::StreamExt;
use serde_json::{Value, json};
use switchboard_testkit::{Emulator, EmulatorOptions, Script};

const SCRIPT: &str = r#"
responses: []
supervisor:
  - calls:
      - name: getUserAccountInfo
        arguments: {phone_number: "2065550199"}
  - say: Your last payment was $45.20 on August 1.
"#;

const KEY: &str = "sk-emulated-supervisor";

async fn start(options: EmulatorOptions) -> Emulator {
    let script = Script::from_text(SCRIPT, "chat.yaml").expect("the script loads");
    Emulator::start("127.0.0.1:0", script, options)
        .await
        .expect("the emulator starts")
}

fn keyed() -> EmulatorOptions {
    EmulatorOptions {
        require_key: Some(KEY.to_owned()),
        tones_only: true,
        ..EmulatorOptions::default()
    }
}

fn request(content: &str) -> Value {
    json!({
        "model": "gpt-5",
        "stream": true,
        "messages": [
            {"role": "system", "content": "You are the supervisor."},
            {"role": "user", "content": content},
        ],
        "tools": [{"type": "function", "function": {"name": "getUserAccountInfo", "parameters": {"type": "object"}}}],
    })
}

/// Posts `body` and reads the streamed reply the way a client does: bytes as they come, split
/// into events at blank lines. Returns the status, the content type and each event's data.
async fn post(emulator: &Emulator, key: Option<&str>, body: &Value) -> (u16, String, Vec<String>) {
    let client = reqwest::Client::new();
    let mut builder = client
        .post(format!("{}/chat/completions", emulator.chat_url()))
        .json(body);
    if let Some(key) = key {
        builder = builder.bearer_auth(key);
    }
    let response = builder.send().await.expect("the emulator answers");
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let mut bytes = Vec::new();
    let mut stream = response.bytes_stream();
    while let Some(chunk) = stream.next().await {
        bytes.extend_from_slice(&chunk.expect("the body arrives"));
    }
    let text = String::from_utf8(bytes).expect("UTF-8");
    if !content_type.starts_with("text/event-stream") {
        return (status, content_type, vec![text]);
    }
    let events = text
        .split("\n\n")
        .filter(|e| !e.is_empty())
        .map(|e| {
            e.strip_prefix("data: ")
                .unwrap_or_else(|| panic!("every event is one data line: {e:?}"))
                .to_owned()
        })
        .collect();
    (status, content_type, events)
}

fn chunks(events: &[String]) -> Vec<Value> {
    assert_eq!(
        events.last().map(String::as_str),
        Some("[DONE]"),
        "{events:?}"
    );
    events[..events.len() - 1]
        .iter()
        .map(|e| serde_json::from_str(e).expect("each chunk is JSON"))
        .collect()
}

#[tokio::test]
async fn a_tool_call_then_an_answer_stream_in_the_chat_completions_shape() {
    let emulator = start(keyed()).await;

    let (status, content_type, events) =
        post(&emulator, Some(KEY), &request("What was my last payment?")).await;
    assert_eq!(status, 200);
    assert!(
        content_type.starts_with("text/event-stream"),
        "{content_type}"
    );
    let first = chunks(&events);
    let mut name = String::new();
    let mut arguments = String::new();
    let mut id = String::new();
    for chunk in &first {
        assert_eq!(chunk["object"], "chat.completion.chunk");
        assert_eq!(chunk["model"], "gpt-5");
        for call in chunk["choices"][0]["delta"]["tool_calls"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()
        {
            assert_eq!(call["index"], 0);
            if let Some(given) = call["id"].as_str() {
                id = given.to_owned();
                assert_eq!(call["type"], "function");
            }
            name += call["function"]["name"].as_str().unwrap_or_default();
            arguments += call["function"]["arguments"].as_str().unwrap_or_default();
        }
    }
    assert!(id.starts_with("call_"), "{id}");
    assert_eq!(name, "getUserAccountInfo");
    let arguments: Value = serde_json::from_str(&arguments).expect("the arguments are JSON");
    assert_eq!(arguments, json!({"phone_number": "2065550199"}));
    assert_eq!(
        first.last().expect("chunks")["choices"][0]["finish_reason"],
        "tool_calls"
    );

    // The second request (with the tool's result) takes the second reply.
    let mut again = request("What was my last payment?");
    again["messages"]
        .as_array_mut()
        .expect("messages")
        .push(json!({"role": "tool", "tool_call_id": id, "content": "{\"last_payment\":{\"amount\":45.2}}"}));
    let (status, _, events) = post(&emulator, Some(KEY), &again).await;
    assert_eq!(status, 200);
    let second = chunks(&events);
    let text: String = second
        .iter()
        .filter_map(|c| c["choices"][0]["delta"]["content"].as_str())
        .collect();
    assert_eq!(text, "Your last payment was $45.20 on August 1.");
    assert_eq!(
        second.last().expect("chunks")["choices"][0]["finish_reason"],
        "stop"
    );

    // Both requests were recorded as sent, tool result included.
    let seen = emulator.chat_requests();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0]["messages"][0]["content"], "You are the supervisor.");
    assert_eq!(seen[1]["messages"][2]["role"], "tool");
    assert_eq!(seen[1]["messages"][2]["tool_call_id"], id.as_str());

    // The script has no third reply: an error the client can report, not a hang.
    let (status, _, body) = post(&emulator, Some(KEY), &request("And now?")).await;
    assert_eq!(status, 500);
    let error: Value = serde_json::from_str(&body[0]).expect("a JSON error");
    assert!(
        error["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("no reply left")),
        "{error}"
    );
    emulator.shutdown().await;
}

#[tokio::test]
async fn a_wrong_or_missing_key_is_refused_and_takes_no_reply() {
    let emulator = start(keyed()).await;
    for key in [None, Some("sk-wrong")] {
        let (status, _, body) = post(&emulator, key, &request("hi")).await;
        assert_eq!(status, 401, "{key:?}");
        assert!(body[0].contains("invalid_api_key"), "{body:?}");
    }
    assert!(emulator.chat_requests().is_empty());
    // The first reply is still there for an authorized request.
    let (status, _, events) = post(&emulator, Some(KEY), &request("hi")).await;
    assert_eq!(status, 200);
    assert!(chunks(&events)[0]["choices"][0]["delta"]["tool_calls"].is_array());
    emulator.shutdown().await;
}

#[tokio::test]
async fn a_bad_request_is_a_400_and_is_not_recorded() {
    let emulator = start(EmulatorOptions {
        tones_only: true,
        ..EmulatorOptions::default()
    })
    .await;
    let (status, _, body) = post(&emulator, None, &json!({"model": "gpt-5"})).await;
    assert_eq!(status, 400);
    assert!(body[0].contains("messages"), "{body:?}");
    assert!(emulator.chat_requests().is_empty());
    emulator.shutdown().await;
}
