//! Who may call, which agent they reach, which dialect they speak, and the HTTP endpoints.

mod common;

use std::time::Duration;

use common::*;
use serde_json::{Value, json};
use switchboard_testkit::EmulatorOptions;
use tokio_tungstenite::tungstenite::Error as WsError;

const AGENT: &str = "name: plain\nrole: You are a plain test agent.\n";
const OTHER: &str = "name: other\nrole: You are the other agent.\n";
const SCRIPT: &str = "responses:\n  - say: Hello there.\n  - say: Hello again.\n";

fn status_of(result: Result<Client, WsError>) -> u16 {
    match result {
        Err(WsError::Http(response)) => response.status().as_u16(),
        Err(other) => panic!("expected an HTTP refusal, got {other}"),
        Ok(_) => panic!("expected a refusal, but the call was accepted"),
    }
}

async fn keyed_rig() -> Rig {
    Rig::start_with(
        agent_from_text(AGENT),
        SCRIPT,
        EmulatorOptions::default(),
        |c| {
            c.agents.push(switchboard_gateway::AgentEntry {
                agent: agent_from_text(OTHER),
                upstream: c.agents[0].upstream.clone(),
                supervisor: None,
                path: None,
            });
            c.default_agent = Some("plain".into());
            c.keys = vec![
                key("web", "sb-web-key", Some("other")),
                key("ops", "sb-ops-key", None),
            ];
        },
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_are_required_and_choose_the_agent() {
    let rig = keyed_rig().await;
    let url = rig.url("?model=gpt-realtime");
    assert_eq!(status_of(Client::try_connect(&url, &[]).await), 401);
    assert_eq!(
        status_of(Client::try_connect(&url, &[("authorization", "Bearer wrong")]).await),
        401
    );
    // A key tied to `other` reaches it, and nothing else.
    let mut c = Client::connect(&url, &[("authorization", "Bearer sb-web-key")]).await;
    let created = c.until_type("session.created").await;
    assert!(
        created[0]["session"]["instructions"]
            .as_str()
            .unwrap_or_default()
            .contains("the other agent")
    );
    let plain = rig.url("?agent=plain");
    assert_eq!(
        status_of(Client::try_connect(&plain, &[("authorization", "Bearer sb-web-key")]).await),
        403
    );
    // An unbound key reaches the default, or the agent named.
    let mut c = Client::connect(&url, &[("authorization", "Bearer sb-ops-key")]).await;
    let created = c.until_type("session.created").await;
    assert!(
        created[0]["session"]["instructions"]
            .as_str()
            .unwrap_or_default()
            .contains("plain test agent")
    );
    let nobody = rig.url("?agent=nobody");
    assert_eq!(
        status_of(Client::try_connect(&nobody, &[("authorization", "Bearer sb-ops-key")]).await),
        404
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browsers_send_the_key_as_a_subprotocol_and_get_realtime_back() {
    let rig = keyed_rig().await;
    let url = rig.url("?model=gpt-realtime");
    let request = {
        use tokio_tungstenite::tungstenite::client::IntoClientRequest;
        let mut r = url.as_str().into_client_request().expect("request");
        r.headers_mut().insert(
            "sec-websocket-protocol",
            "realtime, openai-insecure-api-key.sb-ops-key"
                .parse()
                .expect("header"),
        );
        r
    };
    let (_ws, response) = tokio_tungstenite::connect_async(request)
        .await
        .expect("accepted");
    assert_eq!(
        response
            .headers()
            .get("sec-websocket-protocol")
            .map(|v| v.to_str().unwrap_or_default()),
        Some("realtime")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_secrets_are_short_lived_single_use_and_in_the_ga_shape() {
    let rig = keyed_rig().await;
    let http = reqwest::Client::new();
    let url = rig.http("/v1/realtime/client_secrets?agent=plain");
    let refused = http.post(&url).json(&json!({})).send().await.expect("POST");
    assert_eq!(refused.status().as_u16(), 401);
    let response = http
        .post(&url)
        .bearer_auth("sb-ops-key")
        .json(&json!({"expires_after":{"anchor":"created_at","seconds":60},"session":{"type":"realtime","output_modalities":["text"]}}))
        .send()
        .await
        .expect("POST");
    assert_eq!(response.status().as_u16(), 200);
    let body: Value = response.json().await.expect("JSON");
    let secret = body["value"].as_str().expect("value").to_owned();
    assert!(secret.starts_with("ek_"));
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    let expires = body["expires_at"].as_u64().expect("expires_at");
    assert!(
        (now + 55..=now + 65).contains(&expires),
        "{expires} vs {now}"
    );
    assert_eq!(body["session"]["type"], "realtime");
    assert!(
        body["session"]["instructions"]
            .as_str()
            .unwrap_or_default()
            .contains("plain test agent")
    );

    let too_long = http
        .post(&url)
        .bearer_auth("sb-ops-key")
        .json(&json!({"expires_after":{"anchor":"created_at","seconds":99999}}))
        .send()
        .await
        .expect("POST");
    assert_eq!(too_long.status().as_u16(), 400);

    // The secret opens one call, with its session settings applied …
    let ws = rig.url("?model=gpt-realtime");
    let auth = format!("Bearer {secret}");
    let mut c = Client::connect(&ws, &[("authorization", auth.as_str())]).await;
    c.until_type("session.created").await;
    c.say("Hi").await;
    let reply = c.until_reply().await;
    assert!(
        reply
            .iter()
            .any(|e| e["type"] == "response.output_text.done"),
        "the secret's text-only setting applied: {:?}",
        types(&reply)
    );
    // … and no second one.
    assert_eq!(
        status_of(Client::try_connect(&ws, &[("authorization", auth.as_str())]).await),
        401
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_beta_caller_is_served_in_beta() {
    let rig = Rig::start(agent_from_text(AGENT), SCRIPT).await;
    let url = rig.url("?model=gpt-4o-realtime-preview");
    let mut c = Client::connect(&url, &[("openai-beta", "realtime=v1")]).await;
    // Events are checked against the GA model in `until`; beta names differ, so read raw.
    let mut seen = Vec::new();
    let deadline = tokio::time::Instant::now() + PATIENCE;
    c.send(
        json!({"type":"session.update","session":{"modalities":["text"],"instructions":"ignored"}}),
    )
    .await;
    c.send(json!({"type":"conversation.item.create","item":{"type":"message","role":"user","content":[{"type":"input_text","text":"Hi"}]}})).await;
    c.send(json!({"type":"response.create"})).await;
    while !seen.iter().any(|t: &String| t == "response.done") {
        let event = c.next_raw(deadline).await;
        seen.push(event["type"].as_str().unwrap_or_default().to_owned());
        switchboard_wire::beta::server_event_from_json(&event.to_string())
            .unwrap_or_else(|e| panic!("not a beta event: {e}: {event}"));
    }
    assert!(
        seen.contains(&"conversation.item.created".to_owned()),
        "{seen:?}"
    );
    assert!(seen.contains(&"response.text.done".to_owned()), "{seen:?}");
    assert!(
        !seen.iter().any(
            |t| t.starts_with("response.output_text") || t.starts_with("response.output_audio")
        ),
        "{seen:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pass_through_agent_lets_the_caller_prompt_and_still_counts() {
    let agent = agent_from_text("name: pass\nleave_to_caller: [instructions, tools]\n");
    let rig = Rig::start(agent, SCRIPT).await;
    let mut c = rig.client().await;
    c.until_type("session.created").await;
    c.send(json!({"type":"session.update","session":{"type":"realtime","instructions":"You are the caller's own bot."}})).await;
    c.until("the caller's instructions in force", |e| {
        e["type"] == "session.updated"
            && e["session"]["instructions"] == "You are the caller's own bot."
    })
    .await;
    let update = rig
        .model_saw(0)
        .into_iter()
        .rfind(|e| e["type"] == "session.update")
        .expect("the model got the update");
    assert_eq!(
        update["session"]["instructions"],
        "You are the caller's own bot."
    );
    let (_, metrics) = http_get(&rig.http("/metrics")).await;
    assert!(
        metrics.contains("switchboard_active_sessions 1"),
        "{metrics}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_and_metrics_describe_the_gateway() {
    let rig = Rig::start(agent_from_text(AGENT), SCRIPT).await;
    assert_eq!(http_get(&rig.http("/healthz")).await.0, 200);
    let mut c = rig.client().await;
    c.until_type("session.created").await;
    c.say("Hi").await;
    c.until_reply().await;
    let (status, text) = http_get(&rig.http("/metrics")).await;
    assert_eq!(status, 200);
    for needle in [
        "switchboard_active_sessions 1",
        "switchboard_events_total{direction=\"in\",side=\"caller\",type=\"conversation.item.create\"} 1",
        "switchboard_events_total{direction=\"out\",side=\"model\",type=\"response.create\"} 1",
        "switchboard_events_total{direction=\"in\",side=\"model\",type=\"response.done\"} 1",
        "switchboard_gateway_added_latency_seconds_count",
        "# TYPE switchboard_speech_stopped_to_first_audio_seconds histogram",
        "switchboard_upstream_rate_limit_remaining",
    ] {
        assert!(text.contains(needle), "missing {needle} in\n{text}");
    }
    drop(c);
    assert!(
        rig.gateway.calls_ended(PATIENCE).await,
        "the call never ended"
    );
    let (_, text) = http_get(&rig.http("/metrics")).await;
    assert!(
        text.contains("switchboard_sessions_total{agent=\"plain\",outcome=\"caller_left\"} 1"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rehearsal_calls_say_so_first() {
    let rig = Rig::start_with(
        agent_from_text(AGENT),
        SCRIPT,
        EmulatorOptions::default(),
        |c| {
            c.rehearsal = true;
        },
    )
    .await;
    let mut c = rig.client().await;
    let created = c.until_type("session.created").await;
    let first_line = created[0]["session"]["instructions"]
        .as_str()
        .unwrap_or_default()
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned();
    assert!(first_line.contains("REHEARSAL"), "{first_line}");
    // The model itself is not told it is rehearsing.
    let to_model = rig.model_saw(0);
    assert!(!to_model.iter().any(|e| e.to_string().contains("REHEARSAL")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_lets_live_calls_finish_then_closes_them() {
    let rig = Rig::start_with(
        agent_from_text(AGENT),
        SCRIPT,
        EmulatorOptions::default(),
        |c| {
            c.drain_timeout = Duration::from_millis(600);
        },
    )
    .await;
    let addr = rig.gateway.local_addr();
    let mut c = rig.client().await;
    c.until_type("session.created").await;
    let Rig { gateway, emulator } = rig;
    let stopping = tokio::spawn(gateway.shutdown());
    // Once the drain has started new calls are not taken (a call that got in before it is
    // simply dropped) …
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while Client::try_connect(&format!("ws://{addr}/v1/realtime"), &[])
        .await
        .is_ok()
    {
        assert!(
            tokio::time::Instant::now() < deadline,
            "new calls are still taken"
        );
    }
    // … while the live call still works …
    c.say("Hi").await;
    assert_eq!(spoken(&c.until_reply().await), ["Hello there."]);
    // … and at the deadline the call is closed as going away.
    assert_eq!(c.until_closed().await, 1001);
    stopping.await.expect("joined").expect("clean shutdown");
    drop(emulator);
}
