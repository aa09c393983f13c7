//! An agent's MCP servers name the environment variables that hold their credentials. The
//! gateway reads them for the session it sends upstream, and nowhere else: the caller's
//! `session.created` carries none.

mod common;

use common::*;
use serde_json::Value;

/// `HOME` and `PATH` stand in for secrets: always set, and the test cannot set variables.
const AGENT: &str = "name: with-mcp
role: You are a plain test agent.
mcp_servers:
  - server_label: calendar
    server_url: https://mcp.example.com/calendar
    authorization_env: HOME
    headers_env: {X-Tenant: PATH}
";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credentials_reach_the_model_and_never_the_caller() {
    let home = std::env::var("HOME").expect("HOME is set");
    let path = std::env::var("PATH").expect("PATH is set");
    let rig = Rig::start(agent_from_text(AGENT), "responses:\n  - say: Hi.\n").await;
    let mut c = rig.client().await;
    let created = c
        .until_type("session.created")
        .await
        .pop()
        .expect("created");
    c.say("Hello?").await;
    c.until_reply().await;
    let mcp_sent: Vec<Value> = rig
        .model_saw(0)
        .iter()
        .filter(|e| e["type"] == "session.update")
        .flat_map(|e| {
            e["session"]["tools"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .filter(|t| t["type"] == "mcp")
        .collect();
    assert!(!mcp_sent.is_empty(), "the MCP server was declared upstream");
    for tool in &mcp_sent {
        assert_eq!(tool["authorization"], home.as_str(), "{tool}");
        assert_eq!(tool["headers"]["X-Tenant"], path.as_str(), "{tool}");
    }
    let shown = created.to_string();
    assert!(
        !shown.contains(&path) && !shown.contains("\"authorization\""),
        "the caller sees no credential: {created}"
    );
}
