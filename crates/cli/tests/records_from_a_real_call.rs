//! A call through `switchboard serve` (rehearsal mode) lands in the store, and the `sessions`
//! commands read it back: the transcript, the tool calls and the guard decisions, with the
//! caller's phone number redacted everywhere, the database files included.

use std::process::Command;

use futures_util::SinkExt;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

mod common;

use common::{repo, serve, turn};

fn sessions(args: &[&str], data: &std::path::Path) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .arg("sessions")
        .args(args)
        .arg("--data")
        .arg(data)
        .output()
        .expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn a_served_call_is_recorded_redacted_and_readable() {
    let data = std::env::temp_dir().join(format!("switchboard-records-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data);
    let (mut child, addr) = serve(&repo("examples/agents/northloop"), &data);

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let url = format!("ws://{addr}/v1/realtime?model=gpt-realtime");
        let (mut ws, _) = tokio_tungstenite::connect_async(url).await.expect("connects");
        let text_only = json!({"type":"session.update","session":{"type":"realtime","output_modalities":["text"]}});
        ws.send(Message::text(text_only.to_string())).await.expect("send");
        turn(&mut ws, None, "NorthLoop").await;
        turn(&mut ws, Some("My internet keeps dropping."), "phone number").await;
        turn(&mut ws, Some("It's 415 555 0123."), "Is that correct?").await;
        // Both tools run, then the agent offers the credit.
        turn(&mut ws, Some("Yes, that's right."), "go ahead?").await;
        ws.send(Message::Close(None)).await.expect("close");
    });
    // A clean stop flushes the store.
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert_eq!(child.wait().expect("waits").code(), Some(0));

    let (code, list) = sessions(&["list"], &data);
    assert_eq!(code, 0, "{list}");
    assert!(list.contains("northloop"), "{list}");
    let id = list
        .split_whitespace()
        .find(|w| w.starts_with("sess_"))
        .expect("a session id")
        .to_owned();

    let (code, shown) = sessions(&["show", &id], &data);
    assert_eq!(code, 0, "{shown}");
    for needle in [
        "My internet keeps dropping.",
        "lookup_account",
        "check_outage",
        "[phone]",
    ] {
        assert!(shown.contains(needle), "no {needle:?} in\n{shown}");
    }

    let (code, exported) = sessions(&["export", &id, "--format", "json"], &data);
    assert_eq!(code, 0);
    let record: Value = serde_json::from_str(&exported).expect("JSON export");
    assert_eq!(record["agent"], "northloop");
    let tools: Vec<&str> = record["timeline"]
        .as_array()
        .expect("timeline")
        .iter()
        .filter(|e| e["type"] == "tool_call")
        .filter_map(|e| e["name"].as_str())
        .collect();
    assert_eq!(tools, ["lookup_account", "check_outage"]);

    // The number the caller gave, in any of its forms, is nowhere in the files.
    for file in std::fs::read_dir(&data).expect("data dir").flatten() {
        let bytes = std::fs::read(file.path()).expect("readable");
        let text = String::from_utf8_lossy(&bytes);
        for secret in ["4155550123", "415 555 0123", "4-1-5-5-5-5-0-1-2-3"] {
            assert!(
                !text.contains(secret),
                "{secret} in {}",
                file.path().display()
            );
        }
    }
    let _ = std::fs::remove_dir_all(&data);
}
