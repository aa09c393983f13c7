//! Whatever the model does, the guards hold:
//! - no confirmation-first tool runs without an affirmative caller turn after its request;
//! - transitions follow allowed edges, with requirements met;
//! - no call id is handled twice;
//! - the transcript holds no agent audio the caller did not hear.

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use common::*;
use proptest::prelude::*;
use serde_json::{Value, json};
use switchboard_engine::{Output, Record, Speaker, Stamped, ToolOutcome};

const YES: &[&str] = &["yes", "go ahead please"];
const OTHER: &[&str] = &["no", "what?", "hmm, which one", "not now"];

#[derive(Debug, Clone)]
enum Step {
    Call {
        call: u8,
        tool: &'static str,
        variant: u8,
    },
    Says {
        yes: bool,
        pick: usize,
    },
    Advance(u64),
    Result {
        call: u8,
        ok: bool,
    },
    Speaks {
        bytes: usize,
    },
    SpeechStarted,
}

fn step() -> impl Strategy<Value = Step> {
    let tools = prop_oneof![
        Just("lookup_account"),
        Just("refund_credit"),
        Just("check_outage"),
        Just("set_conversation_state"),
        Just("finish_session"),
        Just("escalate_to_human"),
        Just("no_such_tool"),
    ];
    prop_oneof![
        4 => (0u8..8, tools, 0u8..3).prop_map(|(call, tool, variant)| Step::Call { call, tool, variant }),
        3 => (any::<bool>(), 0usize..4).prop_map(|(yes, pick)| Step::Says { yes, pick }),
        2 => (0u64..3_000).prop_map(Step::Advance),
        1 => (0u8..8, any::<bool>()).prop_map(|(call, ok)| Step::Result { call, ok }),
        2 => (960usize..200_000).prop_map(|bytes| Step::Speaks { bytes }),
        1 => Just(Step::SpeechStarted),
    ]
}

fn arguments(tool: &str, variant: u8) -> Value {
    match (tool, variant) {
        ("lookup_account", 0) => json!({"email_or_phone": "4155551234"}),
        ("lookup_account", _) => json!({"email_or_phone": "999"}),
        ("refund_credit", 0) => json!({"account_id": "A-100", "minutes": 60}),
        ("refund_credit", 1) => json!({"account_id": "A-100", "minutes": 30}),
        ("refund_credit", _) => json!({"account_id": "A-100", "minutes": 600}),
        ("set_conversation_state", 0) => json!({"next_state": "resolve"}),
        ("set_conversation_state", 1) => json!({"next_state": "verify"}),
        ("set_conversation_state", _) => json!({"next_state": "nowhere"}),
        _ => json!({}),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn guards_hold(steps in proptest::collection::vec(step(), 1..60)) {
        let mut h = Harness::agent();
        let mut speech_started_at: Vec<Duration> = Vec::new();
        let start = h.now;
        for (i, s) in steps.iter().enumerate() {
            match s {
                Step::Call { call, tool, variant } => {
                    h.model_calls(&format!("call_{call}"), tool, arguments(tool, *variant));
                }
                Step::Says { yes, pick } => {
                    let text = if *yes { YES[pick % YES.len()] } else { OTHER[pick % OTHER.len()] };
                    h.caller_says(text);
                }
                Step::Advance(ms) => {
                    h.advance(Duration::from_millis(*ms));
                }
                Step::Result { call, ok } => {
                    let outcome = if *ok { Ok(json!({"status": "ok"})) } else { Err("boom".to_owned()) };
                    h.tool_result(&format!("call_{call}"), outcome);
                }
                Step::Speaks { bytes } => {
                    h.model_speaks(&format!("item_{i}"), "one two three four five six seven eight nine ten", *bytes);
                }
                Step::SpeechStarted => {
                    speech_started_at.push(h.now - start);
                    h.model(json!({"type":"input_audio_buffer.speech_started","event_id":"e","item_id":"u","audio_start_ms":0}));
                }
            }
        }
        h.advance(Duration::from_secs(60));

        // Walk everything the session said, in order.
        let mut asked: Option<Value> = None;
        let mut affirmed = false;
        let mut account_captured = false;
        let mut handled: BTreeMap<String, usize> = BTreeMap::new();
        for out in &h.out {
            match out {
                Output::Record(Stamped { record: Record::ToolCall { call_id, name, arguments, outcome, result, .. }, .. }) => {
                    *handled.entry(call_id.to_string()).or_default() += 1;
                    if name == "refund_credit" && *outcome == ToolOutcome::HeldForConfirmation {
                        asked = Some(arguments.clone());
                        affirmed = false;
                    }
                    if name == "lookup_account" && *outcome == ToolOutcome::Ok && result.get("account_id").is_some() {
                        account_captured = true;
                    }
                }
                Output::Record(Stamped { record: Record::Utterance { speaker: Speaker::Caller, text, .. }, .. }) if asked.is_some() => {
                    affirmed = YES.contains(&text.as_str());
                }
                Output::RunTool(run) if run.name == "refund_credit" => {
                    prop_assert_eq!(asked.as_ref(), Some(&run.arguments), "ran without a request for these arguments");
                    prop_assert!(affirmed, "ran without an affirmative turn after the request");
                    asked = None;
                }
                Output::Record(Stamped { record: Record::Transition { from, to }, .. }) => {
                    prop_assert_eq!((from.as_str(), to.as_str()), ("verify", "resolve"));
                    prop_assert!(account_captured, "left verify without account_id");
                }
                Output::Record(Stamped { record: Record::Utterance { speaker: Speaker::Agent, start, end, .. }, .. }) => {
                    for t in &speech_started_at {
                        prop_assert!(!(*start < *t && *t < *end), "agent audio recorded past a barge-in at {t:?}: {start:?}..{end:?}");
                    }
                }
                _ => {}
            }
        }
        for (call, n) in handled {
            prop_assert_eq!(n, 1, "call {} handled {} times", call, n);
        }
    }
}
