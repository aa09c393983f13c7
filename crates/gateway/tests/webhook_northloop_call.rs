//! The NorthLoop call end to end with its tools over HTTP: client → gateway → emulator, and
//! the gateway → the reference tool server (`northloop-tools`) for every tool that the agent
//! file answers from fixtures, as `switchboard serve --tool-server` arranges.

mod common;

use std::sync::Arc;

use common::*;
use northloop_tools::ToolServer;
use serde_json::{Value, json};
use switchboard_engine::CompiledAgent;
use switchboard_gateway::{Gateway, HttpExecutor, webhook};
use switchboard_testkit::{Emulator, EmulatorOptions, Script};

/// An environment variable cargo sets for every test process: the signing secret, without
/// changing the environment.
const SECRET_ENV: &str = "CARGO_PKG_NAME";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_northloop_call_runs_its_tools_against_the_tool_server() {
    let secret = std::env::var(SECRET_ENV).expect("cargo sets CARGO_PKG_NAME");
    let tools = ToolServer::start("127.0.0.1:0", secret.into_bytes())
        .await
        .expect("the tool server starts");

    let text = std::fs::read_to_string(repo_file("examples/agents/northloop/agent.yaml"))
        .expect("agent file");
    let mut file = switchboard_agent::load(&text).expect("loads").agent;
    let replaced = webhook::replace_fixtures(&mut file, &tools.url(), SECRET_ENV);
    assert_eq!(
        replaced,
        [
            "lookup_account",
            "check_outage",
            "refund_credit",
            "schedule_technician"
        ],
        "escalate_to_human stays a built-in"
    );
    let agent = Arc::new(CompiledAgent::new(file).expect("compiles"));

    let script = std::fs::read_to_string(repo_file("examples/agents/northloop/rehearsal.yaml"))
        .expect("rehearsal script");
    let script = Script::from_text(&script, "rehearsal.yaml").expect("script loads");
    let emulator = Emulator::start("127.0.0.1:0", script, EmulatorOptions::default())
        .await
        .expect("emulator starts");
    let config = one_agent(agent, &emulator.url());
    let gateway = Gateway::start("127.0.0.1:0", config, Arc::new(HttpExecutor::new()))
        .await
        .expect("gateway starts");

    let url = format!(
        "ws://{}/v1/realtime?model=gpt-realtime",
        gateway.local_addr()
    );
    let mut caller = Client::connect(&url, &[]).await;
    caller.until_type("session.created").await;
    caller
        .send(json!({"type":"session.update","session":{"type":"realtime","output_modalities":["text"]}}))
        .await;
    caller.until_type("session.updated").await;
    caller.send(json!({"type":"response.create"})).await;
    caller.until_reply().await;
    caller.say("My internet keeps dropping.").await;
    caller.until_reply().await;
    caller
        .say("It's four one five, five five five, zero one two three.")
        .await;
    caller.until_reply().await;

    // lookup_account and check_outage go over HTTP, signed; the caller sees neither call.
    caller.say("Yes, that's right.").await;
    let mut turn = caller.until_said("Alex").await;
    turn.extend(caller.until_said("would you like me to go ahead?").await);
    turn.extend(caller.until_type("response.done").await);
    assert!(
        !turn.iter().any(|e| e["item"]["type"] == "function_call"),
        "server-side tool calls never reach the caller"
    );

    // The credit, confirmed by the caller, applied by the tool server.
    caller.say("Yes please.").await;
    caller.until_said("Credit applied").await;
    caller.until_type("response.done").await;

    let outputs = outputs_to_model(&emulator.received()[0]);
    let results: Vec<&Value> = outputs.iter().map(|(_, v)| v).collect();
    assert!(
        results
            .iter()
            .any(|r| r["account_id"] == "NL-10482" && r["first_name"] == "Alex"),
        "lookup_account answered by the tool server: {results:?}"
    );
    assert!(
        results
            .iter()
            .any(|r| r["outage"] == true && r["minutes_down_last_7_days"] == 310),
        "{results:?}"
    );
    assert!(
        results
            .iter()
            .any(|r| r["status"] == "applied" && r["credit_id"] == "CR-0001"),
        "refund_credit answered by the tool server, which alone adds a credit_id: {results:?}"
    );

    let state: Value = reqwest::get(format!("{}/state", tools.url()))
        .await
        .expect("GET /state")
        .json()
        .await
        .expect("JSON");
    assert_eq!(
        state["credits"],
        json!([{"credit_id": "CR-0001", "account_id": "NL-10482", "minutes": 60}]),
        "{state}"
    );
    assert_eq!(
        state["replies_recorded"], 1,
        "one write, under its idempotency key"
    );

    gateway.shutdown().await.expect("shuts down");
    emulator.shutdown().await;
    tools.shutdown().await;
}
