//! Shared by the store's integration tests: a scratch directory and a whole call to record.

#![allow(dead_code, unreachable_pub)]

use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::json;
use switchboard_engine::{
    CallSummary, Escalation, GuardDecision, LatencyKind, Record, Speaker, ToolOutcome,
};
use switchboard_store::{Redaction, SessionStart, Store};

/// An empty directory for one test.
pub fn tempdir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("switchboard-store-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// 2026-11-24T10:00:00Z.
pub fn nov_24() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_795_514_400)
}

pub fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

pub fn start(id: &str, agent: &str, started_at: SystemTime, redaction: Redaction) -> SessionStart {
    SessionStart {
        id: id.to_owned(),
        agent: agent.to_owned(),
        model: "gpt-realtime".to_owned(),
        agent_path: None,
        started_at,
        redaction,
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

/// The personal data the sample call carries, as it is said.
pub const PHONE: &str = "415-555-0123";
pub const CARD: &str = "4111 1111 1111 1111";
pub const EMAIL: &str = "jane.doe@example.com";

/// A NorthLoop support call with a bit of everything, recorded with explicit offsets.
/// Records arrive in the order the engine would hand them out, not in time order.
pub fn record_support_call(store: &Store, start: SessionStart) {
    let call = store.begin(start);
    call.record_at(
        &said(
            Speaker::Caller,
            "Hi, my internet has been down since this morning.",
            400,
            2_100,
        ),
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
            "I'm sorry to hear that. What's the phone number or email on the account?",
            2_720,
            6_000,
        ),
        ms(6_000),
    );
    call.record_at(
        &said(
            Speaker::Caller,
            &format!("Sure, it's {PHONE}, or {EMAIL}."),
            6_500,
            9_800,
        ),
        ms(10_000),
    );
    call.record_at(
        &Record::ToolCall {
            call_id: "call_1".into(),
            name: "lookup_account".to_owned(),
            arguments: json!({"email_or_phone": PHONE}),
            outcome: ToolOutcome::Ok,
            called_by: switchboard_engine::CalledBy::Model,
            result: json!({"account_id": "NL-20931", "email": EMAIL, "plan": "Fiber 500"}),
            duration: ms(180),
        },
        ms(10_200),
    );
    call.record_at(
        &Record::Latency {
            kind: LatencyKind::ToolCallToResult,
            duration: ms(180),
        },
        ms(10_200),
    );
    call.record_at(
        &Record::Transition {
            from: "verify".to_owned(),
            to: "resolve".to_owned(),
        },
        ms(10_300),
    );
    call.record_at(
        &said(
            Speaker::Agent,
            "Thanks, Jane. There is an outage in your area; it should be fixed by 3:30 pm.",
            10_900,
            14_000,
        ),
        ms(14_000),
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
            Speaker::Caller,
            &format!("Can you credit my card, {CARD}, for 60 minutes?"),
            15_200,
            18_000,
        ),
        ms(18_200),
    );
    call.record_at(
        &Record::Guard {
            tool: Some("refund_credit".into()),
            decision: GuardDecision::ConfirmationRequested,
            detail: "refund_credit held until the caller confirms".to_owned(),
        },
        ms(18_500),
    );
    call.record_at(
        &Record::Escalated {
            reason: "caller asked for a person".to_owned(),
        },
        ms(19_000),
    );
    call.escalated_at(
        &Escalation {
            reason: "caller asked for a person".to_owned(),
            summary: CallSummary {
                intent: Some("Hi, my internet has been down since this morning.".to_owned()),
                slots: vec![("phone".to_owned(), json!(PHONE))],
                tools: vec![("lookup_account".to_owned(), ToolOutcome::Ok)],
                state: Some("resolve".to_owned()),
            },
        },
        ms(19_000),
    );
    call.end_at("escalated", ms(155_250));
}
