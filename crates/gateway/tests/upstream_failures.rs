//! The model's side failing: refused at connect, or gone in the middle of a call.

mod common;

use common::*;
use serde_json::json;
use switchboard_testkit::EmulatorOptions;

const AGENT: &str = "name: plain\nrole: You are a plain test agent.\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_upstream_is_a_clear_error_without_the_key() {
    let options = EmulatorOptions {
        require_key: Some("sk-the-right-one".to_owned()),
        ..EmulatorOptions::default()
    };
    // The gateway's upstream key is `sk-upstream-secret`: the model refuses it.
    let rig = Rig::start_with(agent_from_text(AGENT), "responses: []\n", options, |_| {}).await;
    let mut c = rig.client().await;
    let error = c.until_type("error").await.pop().expect("error");
    assert_eq!(error["error"]["code"], "upstream_refused", "{error}");
    assert!(
        error["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("401"),
        "{error}"
    );
    assert!(
        !error.to_string().contains("sk-upstream-secret"),
        "the key never reaches a caller"
    );
    assert_eq!(c.until_closed().await, 1011);
}

const DROPPING: &str = r#"
responses:
  - say: My internet question, noted.
  - disconnect: true
  - say: I'm back, and I remember what you said.
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_model_that_drops_mid_call_is_reconnected_with_the_conversation() {
    let rig = Rig::start(agent_from_text(AGENT), DROPPING).await;
    let mut c = rig.client().await;
    c.until_type("session.created").await;
    // Text replies are whole at once, so the first one is in the conversation to replay.
    c.send(
        json!({"type":"session.update","session":{"type":"realtime","output_modalities":["text"]}}),
    )
    .await;
    c.until_type("session.updated").await;
    c.say("My internet keeps dropping.").await;
    c.until_reply().await;
    // The model goes away while answering this turn; the gateway reconnects and replays.
    c.say("Are you still there?").await;
    let replayed = |received: &[Vec<serde_json::Value>]| {
        received.get(1).is_some_and(|saw| {
            saw.iter()
                .filter(|e| e["type"] == "conversation.item.create")
                .count()
                >= 3
        })
    };
    assert!(
        rig.emulator.wait_until(PATIENCE, replayed).await,
        "no reconnection with a replay: {:?}",
        rig.model_saw(1)
    );
    let second = rig.model_saw(1);
    assert_eq!(second[0]["type"], "session.update", "{second:?}");
    let replayed = second.iter().map(|e| e.to_string()).collect::<String>();
    assert!(
        replayed.contains("My internet keeps dropping."),
        "{replayed}"
    );
    assert!(
        replayed.contains("My internet question, noted."),
        "{replayed}"
    );
    // The caller carries on on the new connection.
    c.send(json!({"type":"response.create"})).await;
    let reply = spoken(&c.until_reply().await).join(" ");
    assert!(reply.contains("I'm back"), "{reply}");
    let (_, metrics) = http_get(&rig.http("/metrics")).await;
    assert!(
        metrics.contains("switchboard_upstream_events_total{event=\"reconnected\"} 1"),
        "{metrics}"
    );
}
