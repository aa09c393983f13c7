//! `switchboard render` prints an example agent's instructions (`--format text`, the default)
//! or its `session.update` event (`--format json`) exactly as its golden files hold them.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/agents/northloop")
}

fn render(args: &[&str]) -> Output {
    let out = Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .arg("render")
        .arg(example().join("agent.yaml"))
        .args(args)
        .output()
        .expect("the binary runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn golden(name: &str) -> String {
    std::fs::read_to_string(example().join("golden").join(name)).expect("golden file")
}

#[test]
fn text_is_the_instructions() {
    let out = render(&[]);
    let text = String::from_utf8(out.stdout).expect("utf-8");
    assert!(text.starts_with("# Role & Objective\n"), "{text}");
    assert_eq!(text, golden("instructions.txt"));
    assert_eq!(
        String::from_utf8(render(&["--format", "text"]).stdout).expect("utf-8"),
        text
    );
}

#[test]
fn json_is_the_session_update_event() {
    let out = render(&["--format", "json"]);
    let text = String::from_utf8(out.stdout).expect("utf-8");
    assert_eq!(text, golden("session.update.json"));
    let event: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    assert_eq!(event["type"], "session.update");
    assert_eq!(event["session"]["instructions"], golden("instructions.txt"));
    let tools: Vec<&str> = event["session"]["tools"]
        .as_array()
        .expect("tools")
        .iter()
        .map(|t| t["name"].as_str().expect("a name"))
        .collect();
    assert_eq!(
        tools,
        [
            "lookup_account",
            "check_outage",
            "refund_credit",
            "schedule_technician",
            "escalate_to_human",
            "finish_session"
        ]
    );
}
