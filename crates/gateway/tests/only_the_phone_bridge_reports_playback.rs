//! A caller of `/v1/realtime` is only ever a caller. The phone bridge's private reports (how
//! much of the agent's audio the phone played) move what the engine thinks was heard, and the
//! bridge's calls send the operator's summary on escalation: a browser that got a client
//! secret and asks `?phone_bridge=true` must get neither. Its report is an unknown event: an
//! `error` under its event id, and the call carries on.

mod common;

use common::*;
use serde_json::json;
use switchboard_testkit::EmulatorOptions;

const AGENT: &str = "name: plain\nrole: You are a plain test agent.\n";
const SCRIPT: &str = "responses:\n  - say: Hello there.\n  - say: Hello again.\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_secret_caller_cannot_send_the_bridges_playback_reports() {
    let rig = Rig::start_with(
        agent_from_text(AGENT),
        SCRIPT,
        EmulatorOptions::default(),
        |c| c.keys = vec![key("ops", "sb-ops-key", None)],
    )
    .await;
    let response = reqwest::Client::new()
        .post(rig.http("/v1/realtime/client_secrets?agent=plain"))
        .bearer_auth("sb-ops-key")
        .json(&json!({}))
        .send()
        .await
        .expect("POST");
    assert_eq!(response.status().as_u16(), 200);
    let body: serde_json::Value = response.json().await.expect("JSON");
    let secret = body["value"].as_str().expect("a secret").to_owned();
    let auth = format!("Bearer {secret}");
    let url = rig.url("?model=gpt-realtime&phone_bridge=true");
    let mut c = Client::connect(&url, &[("authorization", auth.as_str())]).await;
    c.until_type("session.created").await;
    c.say("Hi").await;
    let reply = c.until_reply().await;
    let item = reply
        .iter()
        .find_map(|e| (e["type"] == "response.output_item.added").then(|| e["item"]["id"].clone()))
        .expect("the agent's item");
    c.send(json!({"type": "switchboard.phone.played", "event_id": "evt_played", "item_id": item, "audio_end_ms": 60_000}))
        .await;
    let errors = c.until_type("error").await;
    let error = errors.last().expect("an error");
    assert_eq!(error["error"]["event_id"], "evt_played", "{error}");
    // The call carries on as any caller's.
    c.say("Are you there?").await;
    let again = c.until_said("Hello again.").await;
    assert!(!again.is_empty());
}
