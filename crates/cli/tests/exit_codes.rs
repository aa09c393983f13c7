//! The exit-code contract: 0 success, 1 a failure found in the input, 2 usage or input error.

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn switchboard(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    child
        .stdin
        .take()
        .expect("stdin is piped")
        .write_all(stdin.as_bytes())
        .expect("stdin");
    child.wait_with_output().expect("the binary finishes")
}

#[test]
fn valid_events_exit_zero_and_are_written_back() {
    let out = switchboard(
        &["events", "parse"],
        "{\"type\":\"response.cancel\",\"event_id\":\"e1\"}\n\n{\"type\":\"input_audio_buffer.commit\"}\n",
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).expect("utf-8");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines,
        [
            r#"{"type":"response.cancel","event_id":"e1"}"#,
            r#"{"type":"input_audio_buffer.commit"}"#
        ]
    );
}

#[test]
fn a_bad_event_exits_one_with_an_error_event_on_its_line() {
    let out = switchboard(
        &["events", "parse"],
        "{\"type\":\"response.cancel\"}\n{\"type\":\"response.create\",\"event_id\":\"e7\",\"response\":{\"output_modalities\":[\"video\"]}}\n",
    );
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8(out.stdout).expect("utf-8");
    let second: serde_json::Value =
        serde_json::from_str(stdout.lines().nth(1).expect("two lines")).expect("json");
    assert_eq!(second["type"], "error");
    assert_eq!(second["error"]["code"], "invalid_value");
    assert_eq!(second["error"]["param"], "response.output_modalities[0]");
    assert_eq!(second["error"]["event_id"], "e7");
    let stderr = String::from_utf8(out.stderr).expect("utf-8");
    assert!(stderr.starts_with("<stdin>:2: "), "{stderr}");
}

#[test]
fn a_missing_file_is_an_input_error() {
    let out = switchboard(&["events", "parse", "/nonexistent/events.jsonl"], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read /nonexistent/events.jsonl"));
}

#[test]
fn an_unknown_flag_is_a_usage_error() {
    let out = switchboard(&["events", "parse", "--side", "sideways"], "");
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn beta_output_drops_events_beta_lacks() {
    let out = switchboard(
        &["events", "parse", "--side", "server", "--to", "beta"],
        "{\"type\":\"conversation.item.done\",\"event_id\":\"e\",\"item\":{\"type\":\"function_call_output\",\"call_id\":\"c\",\"output\":\"{}\"}}\n\
         {\"type\":\"response.output_audio.delta\",\"event_id\":\"e\",\"response_id\":\"r\",\"item_id\":\"i\",\"output_index\":0,\"content_index\":0,\"delta\":\"AAA=\"}\n",
    );
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8(out.stdout).expect("utf-8");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines[0], "null");
    assert!(
        lines[1].contains(r#""type":"response.audio.delta""#),
        "{}",
        lines[1]
    );
}
