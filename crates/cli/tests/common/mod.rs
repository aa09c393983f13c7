//! Helpers for tests that run `switchboard serve` and talk to it as a Realtime caller.

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

/// A path in the repository.
pub(crate) fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(path)
}

/// Runs the binary with `args`, offline (no OpenAI key from the environment), to its end.
pub(crate) fn switchboard(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args(args)
        .env_remove("OPENAI_API_KEY")
        .output()
        .expect("the binary runs")
}

/// Starts `switchboard serve AGENT` in rehearsal mode, recording into `data`; returns the
/// process and the address it listens on.
pub(crate) fn serve(agent: &Path, data: &Path) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .arg("serve")
        .arg(agent)
        .args(["--listen", "127.0.0.1:0", "--data"])
        .arg(data)
        .env_remove("OPENAI_API_KEY")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary runs");
    let stdout = child.stdout.take().expect("stdout");
    for line in BufReader::new(stdout).lines() {
        let line = line.expect("utf-8");
        if let Some((_, rest)) = line.split_once("listening on http://") {
            let addr = rest.split(' ').next().expect("address").to_owned();
            return (child, addr);
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("serve never said it was listening");
}

/// Sends `text` as the caller (none: the greeting) and waits for a reply containing `until`.
pub(crate) async fn turn<S>(ws: &mut S, text: Option<&str>, until: &str)
where
    S: futures_util::Sink<Message>
        + futures_util::Stream<Item = Result<Message, tokio_tungstenite::tungstenite::Error>>
        + Unpin,
    <S as futures_util::Sink<Message>>::Error: std::fmt::Debug,
{
    if let Some(text) = text {
        let item = json!({"type":"conversation.item.create","item":{"type":"message","role":"user","content":[{"type":"input_text","text":text}]}});
        ws.send(Message::text(item.to_string()))
            .await
            .expect("send");
    }
    ws.send(Message::text(json!({"type":"response.create"}).to_string()))
        .await
        .expect("send");
    let wait = async {
        while let Some(Ok(message)) = ws.next().await {
            if let Message::Text(t) = message {
                let event: Value = serde_json::from_str(t.as_str()).expect("JSON");
                if event["type"] == "response.output_text.done"
                    && event["text"].as_str().is_some_and(|s| s.contains(until))
                {
                    return;
                }
            }
        }
        panic!("the call ended before {until:?}");
    };
    tokio::time::timeout(Duration::from_secs(15), wait)
        .await
        .unwrap_or_else(|_| panic!("no {until:?}"));
}
