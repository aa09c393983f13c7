//! The web console's files and agent list, as a browser fetches them.

mod common;

use common::*;
use serde_json::Value;

const AGENT: &str =
    "name: plain\ndescription: A plain test agent.\nrole: You are a plain test agent.\n";
const SCRIPT: &str = "responses:\n  - say: Hello there.\n";

async fn get(url: &str) -> (u16, String, String) {
    let response = reqwest::get(url).await.expect("GET");
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (status, content_type, response.text().await.expect("body"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_is_served_with_its_content_types() {
    let rig = Rig::start(agent_from_text(AGENT), SCRIPT).await;
    let (status, kind, page) = get(&rig.http("/")).await;
    assert_eq!(status, 200);
    assert!(kind.starts_with("text/html"), "{kind}");
    assert!(page.contains("<script src=\"/console.js\">"), "{page}");
    for (path, expected, needle) in [
        ("/console.js", "text/javascript", "/v1/realtime"),
        ("/audio-worklet.js", "text/javascript", "registerProcessor"),
        ("/style.css", "text/css", ".transcript"),
    ] {
        let (status, kind, body) = get(&rig.http(path)).await;
        assert_eq!(status, 200, "{path}");
        assert!(kind.starts_with(expected), "{path}: {kind}");
        assert!(body.contains(needle), "{path}");
    }
    assert_eq!(get(&rig.http("/nothing-here.js")).await.0, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_agent_list_holds_names_and_descriptions_only() {
    let rig = Rig::start(agent_from_text(AGENT), SCRIPT).await;
    let (status, kind, body) = get(&rig.http("/console/agents")).await;
    assert_eq!(status, 200);
    assert!(kind.starts_with("application/json"), "{kind}");
    let list: Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!(
        list,
        serde_json::json!({"agents": [{"name": "plain", "description": "A plain test agent."}]})
    );
}
