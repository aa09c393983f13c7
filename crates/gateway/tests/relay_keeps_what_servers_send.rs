//! What a model sends reaches the caller as it was sent: fields the wire types do not name
//! (Azure's top-level `session_id`, settings of newer servers) and explicit `null`s survive the
//! gateway's parse and rewrite. What a caller sends that the Realtime API does not know is
//! answered as the live server answers it: `unknown_parameter`, under the caller's event id,
//! and the model gets nothing of it.

mod common;

use common::*;
use serde_json::{Value, json};
use switchboard_gateway::UpstreamAuth;
use switchboard_testkit::EmulatorOptions;

const AGENT: &str = "name: plain\nrole: You are a plain test agent.\n";

/// A server event the wire types only partly name: a field of a newer server at the top and
/// inside a rate limit, and an explicit `null`.
fn newer_rate_limits() -> Value {
    json!({"type":"rate_limits.updated","event_id":"event_rl1","session_id":"sess_az_1",
        "rate_limits":[{"name":"requests","limit":1000,"remaining":999,"reset_seconds":0.06,
            "window":"minute","burst":null}],
        "server_hint":{"region":"eastus2"}})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_server_fields_and_explicit_nulls_reach_the_caller_intact() {
    let raw = newer_rate_limits().to_string();
    let script = format!(
        "model: gpt-realtime-2.1\nresponses:\n  - say: Hello from the deployment.\n    raw:\n      - {}\n",
        serde_json::to_string(&raw).expect("a JSON string is YAML")
    );
    let options = EmulatorOptions {
        require_api_key: Some("sk-upstream-secret".to_owned()),
        azure: true,
        tones_only: true,
        ..EmulatorOptions::default()
    };
    let rig = Rig::start_with(agent_from_text(AGENT), &script, options, |config| {
        config.agents[0].upstream.auth = UpstreamAuth::ApiKey;
    })
    .await;
    let mut c = rig.client().await;
    c.until_type("session.created").await;
    c.say("Hello?").await;
    let got = c.until_reply().await;
    let limits = got
        .iter()
        .find(|e| e["type"] == "rate_limits.updated")
        .expect("the rate limits were relayed");
    assert_eq!(
        *limits,
        newer_rate_limits(),
        "relayed exactly as the server sent it"
    );
    let model_events: Vec<&Value> = got
        .iter()
        .filter(|e| e["type"] == "response.created" || e["type"] == "response.done")
        .collect();
    assert!(!model_events.is_empty());
    for event in model_events {
        assert!(
            event["session_id"].as_str().is_some_and(|s| !s.is_empty()),
            "Azure's top-level session_id is kept: {event}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_callers_typo_is_answered_as_the_live_server_answers_it() {
    let rig = Rig::start(
        agent_from_text(AGENT),
        "responses:\n  - say: Hello there.\n",
    )
    .await;
    let mut c = rig.client().await;
    c.until_type("session.created").await;
    c.send(
        json!({"type":"session.update","event_id":"evt_typo","session":{"type":"realtime",
        "audio":{"input":{"turn_detecton":{"type":"semantic_vad"}}}}}),
    )
    .await;
    let error = c.until_type("error").await.pop().expect("an error");
    assert_eq!(error["error"]["type"], "invalid_request_error", "{error}");
    assert_eq!(error["error"]["code"], "unknown_parameter", "{error}");
    assert_eq!(
        error["error"]["param"], "session.audio.input.turn_detecton",
        "{error}"
    );
    assert_eq!(error["error"]["event_id"], "evt_typo", "{error}");
    // The call goes on, and the model never saw the event.
    c.say("Hello?").await;
    assert_eq!(spoken(&c.until_reply().await), ["Hello there."]);
    assert!(
        !rig.model_saw(0)
            .iter()
            .any(|e| e.to_string().contains("turn_detecton")),
        "the model got nothing of the refused event"
    );
}
