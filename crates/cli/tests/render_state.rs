//! `switchboard render` on an agent with a dynamic flow: every state without `--state`, one
//! with it, and exit code 2 for a state the agent does not have.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/agents/dynamic-verify-resolve")
}

fn render(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .arg("render")
        .arg(example().join("agent.yaml"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn stdout(out: &Output) -> String {
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).expect("utf-8")
}

fn golden(name: &str) -> String {
    std::fs::read_to_string(example().join("golden").join(name)).expect("golden file")
}

#[test]
fn one_state_renders_alone() {
    let text = stdout(&render(&["--state", "resolve"]));
    assert_eq!(text, golden("resolve.instructions.txt"));
    assert!(!text.contains("=== state:"));
    let json = stdout(&render(&["--state", "resolve", "--format", "json"]));
    assert_eq!(json, golden("resolve.session.update.json"));
}

#[test]
fn without_state_every_state_is_rendered_in_order() {
    let text = stdout(&render(&[]));
    let expected = format!(
        "=== state: verify ===\n{}\n=== state: resolve ===\n{}",
        golden("verify.instructions.txt"),
        golden("resolve.instructions.txt")
    );
    assert_eq!(text, expected);

    let json = stdout(&render(&["--format", "json"]));
    let states: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&json).expect("a JSON object");
    assert_eq!(states.keys().collect::<Vec<_>>(), ["verify", "resolve"]);
    let verify: serde_json::Value =
        serde_json::from_str(&golden("verify.session.update.json")).expect("golden JSON");
    assert_eq!(states["verify"], verify);
}

#[test]
fn an_unknown_state_is_an_input_error() {
    let out = render(&["--state", "diagnose"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8(out.stderr).expect("utf-8");
    assert!(
        stderr.contains("no dynamic state `diagnose`") && stderr.contains("verify, resolve"),
        "{stderr}"
    );
}

#[test]
fn a_state_of_an_agent_without_a_dynamic_flow_is_an_input_error() {
    let northloop = example().join("../northloop/agent.yaml");
    let out = Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .arg("render")
        .arg(northloop)
        .args(["--state", "verify"])
        .output()
        .expect("the binary runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no dynamic flow"));
}
