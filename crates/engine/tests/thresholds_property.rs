//! Whatever the model does (tools failing at random, repeated and parallel calls, silences,
//! unclear turns, calls past a threshold), the escalation thresholds and `max_calls` hold:
//! - the escalation threshold is recorded as soon as a count reaches it, and only once;
//! - from then on no call other than the escalation tool runs: nothing goes to a webhook, and
//!   every call the model makes after it ends refused (or invalid);
//! - the call is escalated exactly once, after exactly N failures: between the threshold and
//!   the escalation no further tool call is recorded;
//! - no tool runs more often than its `max_calls`.

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use common::*;
use proptest::prelude::*;
use serde_json::{Value, json};
use switchboard_engine::{GuardDecision, Output, Record, Stamped, ToolOutcome};

const TOOLS: &[&str] = &[
    "lookup_account",
    "check_outage",
    "update_account",
    "finish_session",
    "escalate_to_human",
];

fn agent(failures: u32, silences: u32, grace_ms: u64) -> String {
    format!(
        r#"
name: property
role: You are NorthLoop Internet Support.
tools:
  - name: lookup_account
    description: Fetch the account.
    parameters:
      type: object
      properties: {{email_or_phone: {{type: string, minLength: 3}}}}
      required: [email_or_phone]
    run:
      fixtures:
        - when: {{email_or_phone: good}}
          result: {{account_id: A-100}}
        - when: {{email_or_phone: slow good}}
          result: {{account_id: A-100}}
          delay_ms: 700
        - when: {{email_or_phone: slow bad}}
          error: not found
          delay_ms: 700
        - error: not found
  - name: check_outage
    description: Check outages.
    parameters: {{type: object, properties: {{address: {{type: string}}}}}}
    run:
      fixtures:
        - when: {{address: nowhere}}
          error: unknown address
        - result: {{outage: false}}
          delay_ms: 300
  - name: update_account
    description: Change the account.
    access: write
    parameters: {{type: object, properties: {{field: {{type: string}}}}, required: [field]}}
    limits: {{max_calls: 2, timeout_ms: 2000}}
    run: {{webhook: {{url: "https://tools.example/update"}}}}
common_tools: [finish_session]
escalation:
  triggers: [User asks for a human]
  say: Connecting you now.
  thresholds: {{failed_tool_attempts: {failures}, no_input_or_match: {silences}}}
  grace_ms: {grace_ms}
"#
    )
}

#[derive(Debug, Clone)]
enum Step {
    Call { call: u8, tool: usize, variant: u8 },
    Result { call: u8, ok: bool },
    Advance(u64),
    Silence,
    Unclear,
    Says,
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        6 => (0u8..12, 0..TOOLS.len(), 0u8..5)
            .prop_map(|(call, tool, variant)| Step::Call { call, tool, variant }),
        2 => (0u8..12, any::<bool>()).prop_map(|(call, ok)| Step::Result { call, ok }),
        3 => (0u64..4_000).prop_map(Step::Advance),
        1 => Just(Step::Silence),
        1 => Just(Step::Unclear),
        1 => Just(Step::Says),
    ]
}

fn arguments(tool: &str, variant: u8) -> Value {
    match (tool, variant) {
        ("lookup_account", 0) => json!({"email_or_phone": "good"}),
        ("lookup_account", 1) => json!({"email_or_phone": "slow good"}),
        ("lookup_account", 2) => json!({"email_or_phone": "slow bad"}),
        ("lookup_account", 3) => json!({"email_or_phone": "x"}), // invalid: too short
        ("lookup_account", _) => json!({"email_or_phone": "bad"}),
        ("check_outage", 0) => json!({"address": "nowhere"}),
        ("check_outage", _) => json!({"address": "1 Main St"}),
        ("update_account", 0) => json!({}), // invalid: `field` missing
        ("update_account", _) => json!({"field": "plan"}),
        _ => json!({}),
    }
}

/// Whether a call ending this way counts as a failed attempt.
fn counts(outcome: ToolOutcome) -> bool {
    matches!(
        outcome,
        ToolOutcome::Failed | ToolOutcome::Timeout | ToolOutcome::Invalid
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn no_counted_call_runs_past_a_threshold(
        failures in 1u32..4,
        silences in 1u32..4,
        grace_ms in prop_oneof![Just(0u64), Just(3_000u64)],
        steps in proptest::collection::vec(step(), 1..50),
    ) {
        let mut h = Harness::new(&agent(failures, silences, grace_ms));
        // Where in the output each of the model's calls was made.
        let mut made: Vec<(usize, String, &'static str)> = Vec::new();
        let mut n = 0;
        for s in &steps {
            match s {
                Step::Call { call, tool, variant } => {
                    n += 1;
                    let id = format!("call_{call}_{n}");
                    let tool = TOOLS[*tool];
                    made.push((h.out.len(), id.clone(), tool));
                    h.model_calls(&id, tool, arguments(tool, *variant));
                }
                Step::Result { call, ok } => {
                    // A result for the latest call with this number, running or not.
                    let id = made
                        .iter()
                        .rev()
                        .find(|(_, id, _)| id.starts_with(&format!("call_{call}_")))
                        .map_or_else(|| format!("call_{call}_0"), |(_, id, _)| id.clone());
                    let outcome = if *ok { Ok(json!({"status": "ok"})) } else { Err("boom".to_owned()) };
                    h.tool_result(&id, outcome);
                }
                Step::Advance(ms) => {
                    h.advance(Duration::from_millis(*ms));
                }
                Step::Silence => {
                    h.model(json!({"type":"input_audio_buffer.timeout_triggered","event_id":"e","item_id":"i","audio_start_ms":0,"audio_end_ms":6000}));
                }
                Step::Unclear => {
                    h.caller_says("");
                }
                Step::Says => {
                    h.caller_says("Hello?");
                }
            }
        }
        h.advance(Duration::from_secs(60));

        // Walk the record, counting as the engine must.
        let mut failed: BTreeMap<String, u32> = BTreeMap::new();
        let (mut silent, mut unclear) = (0u32, 0u32);
        let mut reached: Option<usize> = None;
        let mut threshold: Option<usize> = None;
        let mut escalated: Vec<usize> = Vec::new();
        let mut runs: BTreeMap<String, u32> = BTreeMap::new();
        let mut outcomes: BTreeMap<String, ToolOutcome> = BTreeMap::new();
        for (i, out) in h.out.iter().enumerate() {
            let record = match out {
                Output::RunTool(run) => {
                    *runs.entry(run.name.clone()).or_default() += 1;
                    prop_assert!(threshold.is_none_or(|t| i < t), "`{}` ran past the threshold", run.name);
                    continue;
                }
                Output::Record(Stamped { record, .. }) => record,
                _ => continue,
            };
            let hit = match record {
                Record::ToolCall { call_id, name, outcome, .. } => {
                    outcomes.insert(call_id.to_string(), *outcome);
                    if threshold.is_some() && escalated.is_empty() {
                        prop_assert!(name == "escalate_to_human", "`{name}` ({outcome}) recorded between the threshold and the escalation");
                    }
                    if threshold.is_none() && counts(*outcome) {
                        let c = failed.entry(name.clone()).or_default();
                        *c += 1;
                        *c == failures
                    } else {
                        if *outcome == ToolOutcome::Ok {
                            failed.remove(name);
                        }
                        false
                    }
                }
                Record::Utterance { speaker: switchboard_engine::Speaker::Caller, .. } => {
                    silent = 0;
                    unclear = 0;
                    false
                }
                Record::Guard { decision: GuardDecision::NoInput, .. } => {
                    silent += 1;
                    threshold.is_none() && silent == silences
                }
                Record::Guard { decision: GuardDecision::NoMatch, .. } => {
                    unclear += 1;
                    threshold.is_none() && unclear == silences
                }
                Record::Guard { decision: GuardDecision::EscalationThreshold, .. } => {
                    prop_assert!(threshold.is_none(), "the threshold is recorded once");
                    prop_assert!(reached.is_some(), "a threshold recorded before any count reached it");
                    threshold = Some(i);
                    false
                }
                Record::Escalated { .. } => {
                    escalated.push(i);
                    false
                }
                _ => false,
            };
            if hit && reached.is_none() {
                reached = Some(i);
            } else if reached.is_some() && threshold.is_none() {
                prop_assert!(
                    !matches!(record, Record::ToolCall { .. }),
                    "a count reached its threshold at output {} but the threshold was not recorded before {record:?}",
                    reached.unwrap_or_default()
                );
            }
        }
        prop_assert_eq!(reached.is_some(), threshold.is_some());
        prop_assert!(escalated.len() <= 1, "escalated {} times", escalated.len());
        if let Some(t) = threshold {
            prop_assert_eq!(escalated.len(), 1, "past the threshold, the call is escalated");
            for (at, id, tool) in &made {
                if *at > t && *tool != "escalate_to_human" {
                    let outcome = outcomes.get(id).copied();
                    prop_assert!(
                        matches!(outcome, Some(ToolOutcome::Refused | ToolOutcome::Invalid)),
                        "`{tool}` ({id}) called past the threshold ended {outcome:?}"
                    );
                }
            }
        }
        prop_assert!(runs.get("update_account").copied().unwrap_or(0) <= 2, "max_calls: 2 exceeded");
    }
}
