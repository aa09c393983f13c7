//! Record → replay: a call through `switchboard serve` (rehearsal mode) is exported with
//! `sessions export --as-scenario`, and `switchboard test` plays the exported scenario and
//! passes; the same scenario with its script edited to call another tool fails, so the
//! export asserts what the call did. Without a known agent file the export says what to do.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, SystemTime};

use futures_util::{SinkExt, StreamExt};
use serde_json::json;
use switchboard_store::{Redaction, SessionStart, Store};
use tokio_tungstenite::tungstenite::Message;

mod common;

use common::{repo, serve, turn};

fn tempdir(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("switchboard-export-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a temporary directory");
    dir
}

fn switchboard(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args(args)
        .env_remove("OPENAI_API_KEY")
        .output()
        .expect("the binary runs")
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// NorthLoop and its rehearsal script in `dir`, with redaction off so the replay gets the
/// caller's number as said (a redacted record replays `[phone]`, which the tool refuses).
fn northloop_in(dir: &Path) -> PathBuf {
    let agent = std::fs::read_to_string(repo("examples/agents/northloop/agent.yaml"))
        .expect("the agent file");
    let kept: Vec<&str> = agent
        .lines()
        .filter(|line| *line != "records:" && !line.starts_with("  redact:"))
        .collect();
    assert!(
        kept.len() < agent.lines().count(),
        "the records section was removed"
    );
    let path = dir.join("agent.yaml");
    std::fs::write(&path, kept.join("\n")).expect("written");
    std::fs::copy(
        repo("examples/agents/northloop/rehearsal.yaml"),
        dir.join("rehearsal.yaml"),
    )
    .expect("copied");
    path
}

/// The rehearsal call, start to finish: the model ends it with `finish_session`.
fn rehearsal_call(addr: &str) {
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
        turn(&mut ws, Some("Yes, that's right."), "go ahead?").await;
        turn(&mut ws, Some("Yes please."), "Credit applied").await;
        turn(&mut ws, Some("No, that's all, thanks."), "have a good day").await;
        // The gateway hangs up once the goodbye has been heard.
        let closed = async { while let Some(Ok(_)) = ws.next().await {} };
        tokio::time::timeout(Duration::from_secs(15), closed)
            .await
            .expect("the gateway hangs up");
    });
}

#[test]
fn a_recorded_call_exported_as_a_scenario_replays_and_passes_and_an_edited_one_fails() {
    let dir = tempdir("replay");
    let agent = northloop_in(&dir);
    let data = dir.join("data");
    let (mut child, addr) = serve(&agent, &data);
    rehearsal_call(&addr);
    // A clean stop flushes the store.
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert_eq!(child.wait().expect("waits").code(), Some(0));

    let data_arg = data.to_str().expect("UTF-8 path");
    let list = switchboard(&["sessions", "list", "--data", data_arg]);
    let id = text(&list)
        .split_whitespace()
        .find(|w| w.starts_with("sess_"))
        .expect("a session id")
        .to_owned();

    // The gateway recorded the agent file, so no --agent is needed.
    let scenarios = dir.join("scenarios");
    std::fs::create_dir_all(&scenarios).expect("a directory");
    let file = scenarios.join("replay.yaml");
    let file_arg = file.to_str().expect("UTF-8 path");
    let out = switchboard(&[
        "sessions",
        "export",
        &id,
        "--as-scenario",
        "--data",
        data_arg,
        "--out",
        file_arg,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let exported = std::fs::read_to_string(&file).expect("the scenario was written");
    for needle in [
        "agent: ../agent.yaml",
        "- wait_for_agent: true",
        "- say: It's 415 555 0123.",
        r#"tool_called: {name: lookup_account, arguments: {"email_or_phone": "4155550123"}}"#,
        r#"tool_called: {name: refund_credit, arguments: {"account_id": "NL-10482", "minutes": 60}}"#,
        "tool_order: [lookup_account, check_outage, refund_credit, finish_session]",
        "call_ended_by: finish_session",
        "escalated: false",
    ] {
        assert!(exported.contains(needle), "no {needle:?} in\n{exported}");
    }

    let replayed = switchboard(&["test", file_arg]);
    assert_eq!(
        replayed.status.code(),
        Some(0),
        "{}\n{exported}",
        text(&replayed)
    );

    // The model's side now checks for a technician instead of an outage: the replay must
    // notice the difference.
    let script_call = "        - name: check_outage\n";
    assert_eq!(exported.matches(script_call).count(), 1, "{exported}");
    let edited = exported.replace(script_call, "        - name: schedule_technician\n");
    let edited_file = scenarios.join("edited.yaml");
    std::fs::write(&edited_file, edited).expect("written");
    let failed = switchboard(&["test", edited_file.to_str().expect("UTF-8 path")]);
    let report = text(&failed);
    assert_eq!(failed.status.code(), Some(1), "{report}");
    assert!(report.contains("✗ tool_called: check_outage"), "{report}");
    assert!(
        report.contains("✗ tool_order: [lookup_account, check_outage"),
        "{report}"
    );

    // To standard output, the agent file is named by its absolute path.
    let printed = switchboard(&[
        "sessions",
        "export",
        &id,
        "--as-scenario",
        "--data",
        data_arg,
    ]);
    assert_eq!(printed.status.code(), Some(0), "{}", text(&printed));
    let absolute = agent.canonicalize().expect("the agent file");
    assert!(
        String::from_utf8_lossy(&printed.stdout)
            .contains(&format!("agent: {}", absolute.display())),
        "{}",
        text(&printed)
    );

    // Another agent's file is refused: the replay would not be this call.
    let wrong = switchboard(&[
        "sessions",
        "export",
        &id,
        "--as-scenario",
        "--data",
        data_arg,
        "--agent",
        repo("examples/agents/supervisor")
            .to_str()
            .expect("UTF-8 path"),
    ]);
    assert_eq!(wrong.status.code(), Some(2), "{}", text(&wrong));
    assert!(
        text(&wrong).contains("was a call to agent `northloop`"),
        "{}",
        text(&wrong)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_record_without_its_agent_file_asks_for_one() {
    let dir = tempdir("no-agent");
    let data = dir.join("data");
    let store = Store::open(&data).expect("a store");
    let call = store.begin(SessionStart {
        id: "sess_old".to_owned(),
        agent: "northloop".to_owned(),
        model: "gpt-realtime".to_owned(),
        agent_path: None,
        started_at: SystemTime::now(),
        redaction: Redaction::ALL,
    });
    call.record(&switchboard_engine::Record::Utterance {
        speaker: switchboard_engine::Speaker::Caller,
        text: "It's 415-555-0123.".to_owned(),
        start: Duration::ZERO,
        end: Duration::from_millis(900),
    });
    call.end("caller_left");
    drop(store);

    let data_arg = data.to_str().expect("UTF-8 path");
    let out = switchboard(&[
        "sessions",
        "export",
        "sess_old",
        "--as-scenario",
        "--data",
        data_arg,
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("pass --agent PATH"), "{}", text(&out));

    // Given the agent, the redacted record still makes a scenario that loads.
    let file = dir.join("old.yaml");
    let out = switchboard(&[
        "sessions",
        "export",
        "sess_old",
        "--as-scenario",
        "--data",
        data_arg,
        "--agent",
        repo("examples/agents/northloop")
            .to_str()
            .expect("UTF-8 path"),
        "--out",
        file.to_str().expect("UTF-8 path"),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let exported = std::fs::read_to_string(&file).expect("written");
    assert!(exported.contains("[phone]"), "{exported}");
    assert!(
        exported.contains("# Redacted when the call was recorded"),
        "{exported}"
    );
    assert!(exported.contains("call_ended_by: caller"), "{exported}");
    let _ = std::fs::remove_dir_all(&dir);
}
