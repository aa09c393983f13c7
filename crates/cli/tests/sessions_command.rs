//! `switchboard sessions list | show | export` read what a gateway recorded: here, calls
//! recorded through the store's public API with fixed times, so the output is exact.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::json;
use switchboard_engine::{
    CallSummary, Escalation, GuardDecision, LatencyKind, Record, Speaker, ToolOutcome,
};
use switchboard_store::{Redaction, SessionStart, Store};

fn tempdir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "switchboard-sessions-{name}-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn switchboard(args: &[&str], data: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args(args)
        .arg("--data")
        .arg(data)
        .output()
        .expect("the binary runs")
}

fn stdout(out: &Output) -> String {
    assert_eq!(
        out.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).expect("utf-8")
}

/// 2026-11-24T10:00:00Z.
fn nov_24() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_795_514_400)
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn start(id: &str, agent: &str, started_at: SystemTime) -> SessionStart {
    SessionStart {
        id: id.to_owned(),
        agent: agent.to_owned(),
        model: "gpt-realtime".to_owned(),
        agent_path: None,
        started_at,
        redaction: Redaction::ALL,
    }
}

fn said(speaker: Speaker, text: &str, start: u64, end: u64) -> Record {
    Record::Utterance {
        speaker,
        text: text.to_owned(),
        start: ms(start),
        end: ms(end),
    }
}

/// Three sessions: an escalated support call, a short completed one with another agent, and
/// one still running (recorded last, started last).
fn fill(data: &Path) -> Store {
    let store = Store::open(data).expect("the store opens");
    let call = store.begin(start("sess_support", "northloop", nov_24()));
    call.record_at(
        &said(Speaker::Caller, "Hi, my internet is down.", 400, 2_100),
        ms(2_300),
    );
    call.record_at(
        &Record::Latency {
            kind: LatencyKind::SpeechStoppedToFirstAudio,
            duration: ms(620),
        },
        ms(2_720),
    );
    call.record_at(
        &said(
            Speaker::Agent,
            "Sorry to hear that. What's the number on the account?",
            2_720,
            6_000,
        ),
        ms(6_000),
    );
    call.record_at(
        &said(Speaker::Caller, "It's 415-555-0123.", 6_500, 9_800),
        ms(10_000),
    );
    call.record_at(
        &Record::ToolCall {
            call_id: "call_1".into(),
            name: "lookup_account".into(),
            arguments: json!({"email_or_phone": "415-555-0123"}),
            outcome: ToolOutcome::Ok,
            called_by: switchboard_engine::CalledBy::Model,
            result: json!({"account_id": "NL-20931", "email": "jane@example.com"}),
            duration: ms(180),
        },
        ms(10_200),
    );
    call.record_at(
        &Record::Transition {
            from: "verify".into(),
            to: "resolve".into(),
        },
        ms(10_300),
    );
    call.record_at(
        &Record::Latency {
            kind: LatencyKind::SpeechStoppedToFirstAudio,
            duration: ms(1_100),
        },
        ms(10_900),
    );
    call.record_at(
        &said(
            Speaker::Agent,
            "There is an outage; it should be fixed by 3:30 pm.",
            10_900,
            14_000,
        ),
        ms(14_000),
    );
    call.record_at(
        &Record::Guard {
            tool: Some("refund_credit".into()),
            decision: GuardDecision::ConfirmationRequested,
            detail: "refund_credit held until the caller confirms".into(),
        },
        ms(15_000),
    );
    call.record_at(
        &Record::Escalated {
            reason: "caller asked for a person".into(),
        },
        ms(19_000),
    );
    call.escalated_at(
        &Escalation {
            reason: "caller asked for a person".into(),
            summary: CallSummary {
                intent: Some("Hi, my internet is down.".into()),
                slots: vec![("phone".into(), json!("415-555-0123"))],
                tools: vec![("lookup_account".into(), ToolOutcome::Ok)],
                state: Some("resolve".into()),
            },
        },
        ms(19_000),
    );
    call.end_at("escalated", ms(155_250));

    let call = store.begin(start(
        "sess_short",
        "snowy-peak",
        nov_24() + Duration::from_secs(3600),
    ));
    call.record_at(
        &said(Speaker::Caller, "What time do you open?", 0, 1_000),
        ms(1_000),
    );
    call.end_at("completed", ms(45_000));

    let running = store.begin(start(
        "sess_live",
        "northloop",
        nov_24() + Duration::from_secs(7200),
    ));
    store.flush();
    // Forgotten, as a live call is: without an end it would be recorded as `dropped`.
    std::mem::forget(running);
    store
}

#[test]
fn list_prints_a_table_newest_first() {
    let data = tempdir("list");
    let _store = fill(&data);
    let out = stdout(&switchboard(&["sessions", "list"], &data));
    assert_eq!(
        out,
        "\
ID            AGENT       STARTED (UTC)        DURATION  OUTCOME    TURNS  TOOLS  ESCALATED
sess_live     northloop   2026-11-24 12:00:00  -         -              0      0  no
sess_short    snowy-peak  2026-11-24 11:00:00  45s       completed      1      0  no
sess_support  northloop   2026-11-24 10:00:00  2m 35s    escalated      4      1  yes
"
    );
}

#[test]
fn list_filters_by_agent_and_start() {
    let data = tempdir("list-filter");
    let _store = fill(&data);
    let ids = |args: &[&str]| -> Vec<String> {
        let mut all = vec!["sessions", "list"];
        all.extend_from_slice(args);
        stdout(&switchboard(&all, &data))
            .lines()
            .skip(1)
            .filter_map(|l| l.split_whitespace().next().map(str::to_owned))
            .collect()
    };
    assert_eq!(
        ids(&["--agent", "northloop"]),
        ["sess_live", "sess_support"]
    );
    assert_eq!(
        ids(&["--since", "2026-11-24T11:00:00Z"]),
        ["sess_live", "sess_short"]
    );
    assert_eq!(
        ids(&["--since", "2026-11-24", "--limit", "1"]),
        ["sess_live"]
    );
    // Recorded in 2026: more than a day before now, whenever the test runs after that.
    let recent = stdout(&switchboard(&["sessions", "list", "--since", "1s"], &data));
    assert!(
        recent == "no sessions\n" || SystemTime::now() < nov_24(),
        "{recent}"
    );

    let out = switchboard(&["sessions", "list", "--since", "yesterday"], &data);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--since \"yesterday\""));
}

#[test]
fn show_prints_the_transcript_with_everything_inline() {
    let data = tempdir("show");
    let _store = fill(&data);
    let out = stdout(&switchboard(&["sessions", "show", "sess_support"], &data));
    assert_eq!(
        out,
        r#"session   sess_support
agent     northloop (gpt-realtime)
started   2026-11-24 10:00:00 UTC
ended     2026-11-24 10:02:35 UTC, after 2m 35s: escalated
redacted  phone numbers, card numbers, emails

[00:00.400] caller: Hi, my internet is down.
[00:02.720] agent: Sorry to hear that. What's the number on the account?
[00:06.500] caller: It's [phone].
[00:10.020] tool lookup_account {"email_or_phone":"[phone]"} -> ok in 180 ms
            result: {"account_id":"NL-20931","email":"[email]"}
[00:10.300] transition verify -> resolve
[00:10.900] agent: There is an outage; it should be fixed by 3:30 pm.
[00:15.000] guard confirmation_requested: refund_credit held until the caller confirms
[00:19.000] escalated: caller asked for a person
            intent: Hi, my internet is down.
            state: resolve
            slots: phone = "[phone]"
            tools: lookup_account (ok)

latency
  speech_stopped_to_first_audio  2 marks, median 620 ms, max 1100 ms
"#
    );
}

#[test]
fn export_writes_the_whole_record_as_json() {
    let data = tempdir("export");
    let store = fill(&data);
    let out = stdout(&switchboard(
        &["sessions", "export", "sess_support", "--format", "json"],
        &data,
    ));
    let exported: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    let record = store
        .session("sess_support")
        .expect("readable")
        .expect("recorded");
    assert_eq!(
        exported,
        serde_json::to_value(&record).expect("serializable")
    );
    assert_eq!(exported["started_at"], "2026-11-24T10:00:00.000Z");
    assert_eq!(exported["timeline"][4]["type"], "tool_call");
    assert_eq!(
        exported["timeline"][4]["arguments"]["email_or_phone"],
        "[phone]"
    );
}

#[test]
fn an_unknown_session_is_a_usage_error() {
    let data = tempdir("unknown");
    let _store = fill(&data);
    for command in ["show", "export"] {
        let out = switchboard(&["sessions", command, "sess_nope"], &data);
        assert_eq!(out.status.code(), Some(2));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("no session `sess_nope` in "), "{stderr}");
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn an_empty_or_missing_store_has_no_sessions() {
    let missing = tempdir("missing");
    let out = stdout(&switchboard(&["sessions", "list"], &missing));
    assert_eq!(out, "no sessions\n");
    assert!(
        !missing.exists(),
        "listing does not create the data directory"
    );
    let out = switchboard(&["sessions", "show", "sess_1"], &missing);
    assert_eq!(out.status.code(), Some(2));

    let empty = tempdir("empty");
    drop(Store::open(&empty).expect("the store opens"));
    assert_eq!(
        stdout(&switchboard(&["sessions", "list"], &empty)),
        "no sessions\n"
    );
}
