//! The NorthLoop rehearsal script loads, and its calls match the agent's fixtures exactly.

use std::path::Path;

use serde_json::Value;
use switchboard_testkit::Script;

fn repo(path: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(path)
}

#[test]
fn the_northloop_rehearsal_loads_and_calls_with_fixture_arguments() {
    let script = Script::load(repo("examples/agents/northloop/rehearsal.yaml")).unwrap();
    let calls: Vec<(String, Value)> = script
        .entries()
        .iter()
        .flat_map(|e| e.calls.iter())
        .map(|c| (c.name.clone(), serde_json::from_str(&c.arguments).unwrap()))
        .collect();
    let names: Vec<&str> = calls.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "lookup_account",
            "check_outage",
            "refund_credit",
            "finish_session"
        ]
    );

    // Every call's arguments equal a fixture's `when` (or the tool has a catch-all fixture).
    let agent = switchboard_agent::parse_document(
        &std::fs::read_to_string(repo("examples/agents/northloop/agent.yaml")).unwrap(),
    )
    .unwrap()
    .value;
    for (name, arguments) in &calls[..3] {
        let tool = agent["tools"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["name"] == name.as_str())
            .unwrap();
        let fixtures = tool["run"]["fixtures"].as_array().unwrap();
        // The fixture that answers is the first whose `when` matches (none = catch-all).
        let answering = fixtures
            .iter()
            .find(|f| f.get("when").is_none_or(|when| when == arguments))
            .unwrap();
        assert!(
            answering.get("result").is_some(),
            "{name}({arguments}) must get a result, not {answering}"
        );
    }
    let lookup = &calls[0].1;
    assert_eq!(lookup["email_or_phone"], "4155550123");
    let readback = script.entries()[2].say.as_deref().unwrap();
    assert!(readback.contains("4-1-5-5-5-5-0-1-2-3"), "{readback}");
    assert!(script.entries()[1].heard.is_some());
}
