//! Bad frames from a caller get a Realtime `error` event, and the call goes on.

mod common;

use base64::Engine as _;
use common::*;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

const AGENT: &str = "name: plain\nrole: You are a plain test agent.\n";
const SCRIPT: &str = "responses:\n  - say: Still here.\n";

async fn next_error(caller: &mut Client) -> Value {
    caller
        .until_type("error")
        .await
        .pop()
        .expect("an error event")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_bad_frame_gets_an_error_and_the_call_goes_on() {
    let rig = Rig::start(agent_from_text(AGENT), SCRIPT).await;
    let mut caller = rig.client().await;
    caller.until_type("session.created").await;

    caller.send_raw(Message::text("{not json")).await;
    let e = next_error(&mut caller).await;
    assert_eq!(e["error"]["type"], "invalid_request_error", "{e}");

    caller.send_raw(Message::text("[1, 2, 3]")).await;
    let e = next_error(&mut caller).await;
    assert_eq!(e["error"]["type"], "invalid_request_error", "{e}");

    caller
        .send(json!({"type":"conversation.item.teleport","event_id":"evt_t"}))
        .await;
    let e = next_error(&mut caller).await;
    assert_eq!(e["error"]["event_id"], "evt_t", "{e}");
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("teleport"),
        "{e}"
    );

    caller
        .send(json!({"type":"conversation.item.create","event_id":"evt_item"}))
        .await;
    let e = next_error(&mut caller).await;
    assert_eq!(e["error"]["param"], "item", "{e}");
    assert_eq!(e["error"]["event_id"], "evt_item", "{e}");

    caller
        .send(
            json!({"type":"input_audio_buffer.append","event_id":"evt_b64","audio":"not*base64!"}),
        )
        .await;
    let e = next_error(&mut caller).await;
    assert_eq!(e["error"]["param"], "audio", "{e}");
    assert_eq!(e["error"]["event_id"], "evt_b64", "{e}");

    let huge = base64::engine::general_purpose::STANDARD.encode(vec![0u8; 15 * 1024 * 1024 + 4096]);
    caller
        .send(json!({"type":"input_audio_buffer.append","event_id":"evt_big","audio":huge}))
        .await;
    let e = next_error(&mut caller).await;
    assert_eq!(e["error"]["event_id"], "evt_big", "{e}");
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("15 MiB"),
        "{e}"
    );

    caller.send_raw(Message::binary(vec![1u8, 2, 3])).await;
    let e = next_error(&mut caller).await;
    assert_eq!(e["error"]["code"], "invalid_frame", "{e}");

    caller.send(json!({"type":"conversation.item.truncate","event_id":"evt_trunc","item_id":"item_nobody","content_index":0,"audio_end_ms":100})).await;
    let e = next_error(&mut caller).await;
    assert_eq!(e["error"]["param"], "item_id", "{e}");

    // None of it reached the model, and the call still works.
    let model_saw = rig.model_saw(0);
    assert!(
        !model_saw
            .iter()
            .any(|e| e["type"] == "input_audio_buffer.append"),
        "bad audio never reaches the model"
    );
    caller.say("Are you there?").await;
    let reply = spoken(&caller.until_reply().await).join(" ");
    assert_eq!(reply, "Still here.");
}
