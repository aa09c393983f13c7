//! An Azure OpenAI Realtime deployment upstream: the same protocol, the key in an `api-key`
//! header. A gateway set to `UpstreamAuth::ApiKey` reaches an emulator that requires that
//! header; the same gateway sending a Bearer token is refused, and its caller gets a clear
//! error, not a hang, without the key.

mod common;

use common::*;
use switchboard_gateway::UpstreamAuth;
use switchboard_testkit::EmulatorOptions;

const AGENT: &str = "name: plain\nrole: You are a plain test agent.\n";
const SCRIPT: &str = "model: gpt-realtime-2.1\nresponses:\n  - say: Hello from the deployment.\n";
/// The key `common::one_agent` gives the gateway's upstream.
const KEY: &str = "sk-upstream-secret";

fn deployment() -> EmulatorOptions {
    EmulatorOptions {
        require_api_key: Some(KEY.to_owned()),
        azure: true,
        tones_only: true,
        ..EmulatorOptions::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_api_key_auth_the_gateway_reaches_the_deployment() {
    let rig = Rig::start_with(agent_from_text(AGENT), SCRIPT, deployment(), |config| {
        config.agents[0].upstream.auth = UpstreamAuth::ApiKey;
    })
    .await;
    let mut c = rig.client().await;
    c.until_type("session.created").await;
    c.say("Hello?").await;
    let reply = c.until_reply().await;
    assert_eq!(spoken(&reply), ["Hello from the deployment."]);
    assert_eq!(rig.emulator.connections(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_bearer_auth_the_deployment_refuses_and_the_caller_is_told() {
    let rig = Rig::start_with(agent_from_text(AGENT), SCRIPT, deployment(), |config| {
        assert_eq!(config.agents[0].upstream.auth, UpstreamAuth::Bearer);
    })
    .await;
    let mut c = rig.client().await;
    let error = c.until_type("error").await.pop().expect("an error");
    assert_eq!(error["error"]["code"], "upstream_refused", "{error}");
    let message = error["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("401"), "{error}");
    assert!(
        message.contains("api-key"),
        "says what the model wanted: {error}"
    );
    assert!(
        !error.to_string().contains(KEY),
        "the key never reaches a caller"
    );
    assert_eq!(c.until_closed().await, 1011);
    assert_eq!(rig.emulator.connections(), 0, "the upgrade never happened");
}

#[test]
fn the_header_carries_the_key_as_each_scheme_wants() {
    assert_eq!(
        UpstreamAuth::Bearer.header("k1"),
        ("authorization", "Bearer k1".to_owned())
    );
    assert_eq!(
        UpstreamAuth::ApiKey.header("k1"),
        ("api-key", "k1".to_owned())
    );
    assert_eq!("api-key".parse(), Ok(UpstreamAuth::ApiKey));
    assert_eq!("bearer".parse(), Ok(UpstreamAuth::Bearer));
    assert!("basic".parse::<UpstreamAuth>().is_err());
    // Debug output of an upstream never shows its key.
    let upstream = switchboard_gateway::Upstream {
        base_url: "wss://example.openai.azure.com/openai/v1".to_owned(),
        api_key: Some("k1-secret".to_owned()),
        auth: UpstreamAuth::ApiKey,
    };
    let shown = format!("{upstream:?}");
    assert!(
        !shown.contains("k1-secret") && shown.contains("ApiKey"),
        "{shown}"
    );
}
