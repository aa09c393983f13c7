//! A whole call through the emulator: once the agent has spoken, the caller asks for another
//! voice, and the model refuses as the Realtime API does (`cannot_update_voice`). The caller
//! hears of it under its own event id; the engine's session stays as it was, so the dynamic
//! flow's later state change is taken by the model, and the transition is recorded only then.

mod common;

use common::*;
use serde_json::{Value, json};
use switchboard_testkit::EmulatorOptions;

/// Receives every frame, observation events included, until `done` holds for one.
async fn raw_until(client: &mut Client, done: impl Fn(&Value) -> bool) -> Vec<Value> {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    let mut got = Vec::new();
    loop {
        let event = client.next_raw(deadline).await;
        let stop = done(&event);
        got.push(event);
        if stop {
            return got;
        }
    }
}

fn said(event: &Value, needle: &str) -> bool {
    spoken(std::slice::from_ref(event))
        .first()
        .is_some_and(|t| t.contains(needle))
}

const AGENT: &str = "examples/agents/dynamic-verify-resolve/agent.yaml";

const SCRIPT: &str = r#"
responses:
  - say: Thanks for calling NorthLoop. What's the phone number on your account?
  - calls:
      - name: lookup_account
        arguments: {email_or_phone: "4155550123"}
  - calls:
      - name: set_conversation_state
        arguments: {next_state: resolve}
  - say: Found your account. I can send a technician tomorrow.
"#;

#[tokio::test]
async fn a_refused_voice_change_does_not_stop_the_flow() {
    let rig = Rig::start_with(
        agent_from_file(AGENT),
        SCRIPT,
        EmulatorOptions {
            tones_only: true,
            ..EmulatorOptions::default()
        },
        |_| {},
    )
    .await;
    let mut caller = Client::connect(&rig.url("?model=gpt-realtime&observe=true"), &[]).await;
    caller.send(json!({"type":"response.create"})).await;
    raw_until(&mut caller, |e| e["type"] == "switchboard.turn_ended").await;

    // The agent has spoken: the voice is fixed upstream.
    caller
        .send(json!({"type":"session.update","event_id":"evt_voice",
            "session":{"type":"realtime","audio":{"output":{"voice":"cedar"}}}}))
        .await;
    let got = raw_until(&mut caller, |e| e["type"] == "error").await;
    let error = &got.last().expect("an error")["error"];
    assert_eq!(error["code"], "cannot_update_voice");
    assert_eq!(error["event_id"], "evt_voice", "the caller's own event id");
    assert!(
        !types(&got).contains(&"session.updated".to_owned()),
        "nothing was updated: {:?}",
        types(&got)
    );

    caller.say("It's 415 555 0123.").await;
    let got = raw_until(&mut caller, |e| said(e, "Found your account")).await;
    let transitions: Vec<&Value> = got
        .iter()
        .filter(|e| e["type"] == "switchboard.transition")
        .collect();
    assert_eq!(transitions.len(), 1, "{:?}", types(&got));
    assert_eq!(transitions[0]["to"], "resolve");
    assert!(
        got.iter().all(|e| e["type"] != "error"),
        "the state change was not refused: {got:#?}"
    );

    // What the model was sent: every update with an id of the engine's; the last one is the
    // new state's, in the voice the model runs.
    let sent = rig.model_saw(0);
    let updates: Vec<&Value> = sent
        .iter()
        .filter(|e| e["type"] == "session.update")
        .collect();
    assert!(
        updates
            .iter()
            .all(|u| u["event_id"].as_str().is_some_and(|id| id != "evt_voice")),
        "{updates:#?}"
    );
    let last = updates.last().expect("the state change's update");
    assert_eq!(last["session"]["audio"]["output"]["voice"], "marin");
    assert!(
        last["session"]["instructions"]
            .as_str()
            .is_some_and(|i| i.contains("resolve") || i.contains("Resolve")),
        "{last:#}"
    );
}
