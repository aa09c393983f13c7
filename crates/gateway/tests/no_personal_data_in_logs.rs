//! Phone numbers, card numbers and emails never reach the logs above DEBUG, whatever the
//! caller says and whatever the tools return.

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use common::*;
use serde_json::json;

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("log buffer").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

const SCRIPT: &str = r#"
responses:
  - say: Thanks for calling NorthLoop Internet. How can I help?
  - say: I have 4-1-5-5-5-5-0-1-2-3 and alex@example.com. Is that right?
  - calls: [{name: lookup_account, arguments: {email_or_phone: "4155550123"}}]
  - say: Found your account, Alex.
  - calls: [{name: escalate_to_human, arguments: {account_id: NL-10482, reason: card 4111 1111 1111 1111 was declined}}]
  - say: Connecting you now.
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn personal_data_stays_out_of_the_logs_at_info() {
    let captured = Captured::default();
    let writer = captured.clone();
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::INFO)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .init();

    let rig = Rig::start(
        agent_from_file("examples/agents/northloop/agent.yaml"),
        SCRIPT,
    )
    .await;
    let mut caller = rig.client().await;
    caller.until_type("session.created").await;
    caller.send(json!({"type":"response.create"})).await;
    caller.until_reply().await;
    caller
        .say("My number is 415 555 0123, email alex@example.com, card 4111 1111 1111 1111.")
        .await;
    caller.until_said("Is that right?").await;
    caller.say("Yes.").await;
    caller.until_said("Found your account").await;
    caller
        .say("Get me a human, my card 4111 1111 1111 1111 was declined.")
        .await;
    caller.until_said("Connecting you now").await;
    drop(caller);
    // The call's last lines are logged as it ends: wait for that, not for a guessed time.
    assert!(
        rig.gateway.calls_ended(PATIENCE).await,
        "the call never ended"
    );

    let logs = String::from_utf8(captured.0.lock().expect("log buffer").clone()).expect("utf-8");
    assert!(
        logs.contains("call started"),
        "the call was logged at all: {logs}"
    );
    assert!(logs.contains("call escalated"), "{logs}");
    for secret in [
        "415 555 0123",
        "4155550123",
        "4-1-5-5-5-5",
        "alex@example.com",
        "4111 1111",
        "4111111111111111",
    ] {
        assert!(!logs.contains(secret), "{secret} reached the logs:\n{logs}");
    }
}
