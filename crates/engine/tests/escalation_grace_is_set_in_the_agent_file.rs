//! `escalation.grace_ms`: how long the engine lets the model call the escalation tool itself
//! once a threshold is reached. By default (0) the engine escalates at once and only asks the
//! model for the escalation line. With a grace, the engine waits at most that long, and not
//! at all once the model does anything else: another call (refused), or a result of a call
//! that was still running.

mod common;

use std::time::Duration;

use common::*;
use serde_json::json;
use switchboard_engine::{GuardDecision, Output, Record, ToolOutcome};
use switchboard_wire::{ClientEvent, ContentPart, Item, Role};

const AGENT: &str = r#"
name: graceful
role: You are NorthLoop Internet Support.
tools:
  - name: lookup_account
    description: Fetch the account.
    parameters: {type: object, properties: {email_or_phone: {type: string}}, required: [email_or_phone]}
    run:
      fixtures:
        - when: {email_or_phone: slow}
          error: not found
          delay_ms: 3000
        - error: not found
  - name: refund_credit
    description: Issue a credit.
    behaviour: confirmation_first
    confirmation_phrase: Shall I issue the credit?
    parameters: {type: object, properties: {minutes: {type: integer}}, required: [minutes]}
    run: {webhook: {url: "https://tools.example/refund"}}
escalation:
  triggers: [User asks for a human]
  say: Connecting you now.
  grace_ms: 8000
"#;

fn escalation_reasons(out: &[Output]) -> Vec<String> {
    out.iter()
        .filter_map(|o| match o {
            Output::Escalate(e) => Some(e.reason.clone()),
            _ => None,
        })
        .collect()
}

fn story(out: &[Output]) -> Vec<String> {
    records(out)
        .into_iter()
        .filter_map(|r| match r {
            Record::ToolCall { name, outcome, .. } => Some(format!("{name}:{outcome}")),
            Record::Guard { decision, .. }
                if matches!(
                    decision,
                    GuardDecision::EscalationThreshold | GuardDecision::PastThreshold
                ) =>
            {
                Some(decision.to_string())
            }
            Record::Escalated { .. } => Some("escalated".to_owned()),
            _ => None,
        })
        .collect()
}

fn system_messages(out: &[Output]) -> Vec<String> {
    out.iter()
        .filter_map(|o| match o {
            Output::ToModel(ClientEvent::ConversationItemCreate(c)) => match &c.item {
                Item::Message(m) if m.role == Role::System => match m.content.first() {
                    Some(ContentPart::InputText { text, .. }) => Some(text.clone()),
                    _ => None,
                },
                _ => None,
            },
            _ => None,
        })
        .collect()
}

fn two_failures(h: &mut Harness) -> Vec<Output> {
    let mut out = h.model_calls("c1", "lookup_account", json!({"email_or_phone": "a"}));
    out.extend(h.advance(Duration::from_millis(1)));
    out.extend(h.model_calls("c2", "lookup_account", json!({"email_or_phone": "b"})));
    out.extend(h.advance(Duration::from_millis(1)));
    out
}

#[test]
fn with_a_grace_the_model_escalates_itself() {
    let mut h = Harness::new(AGENT);
    let out = two_failures(&mut h);
    assert!(
        escalation_reasons(&out).is_empty(),
        "the model has its grace"
    );
    let told = system_messages(&out);
    assert!(
        told.iter()
            .any(|t| t.contains("Connecting you now.") && t.contains("escalate_to_human")),
        "{told:?}"
    );
    h.advance(Duration::from_secs(3));
    let out = h.model_calls("c3", "escalate_to_human", json!({}));
    assert_eq!(
        escalation_reasons(&out),
        ["2 failed attempts with `lookup_account`"]
    );
    h.advance(Duration::from_secs(30));
    assert_eq!(escalation_reasons(&h.out).len(), 1);
}

#[test]
fn a_model_that_only_talks_is_escalated_when_the_grace_ends() {
    let mut h = Harness::new(AGENT);
    two_failures(&mut h);
    h.model_speaks("item_1", "Let me try something else.", 4_800);
    assert!(escalation_reasons(&h.advance(Duration::from_millis(7_990))).is_empty());
    let out = h.advance(Duration::from_millis(20));
    let reasons = escalation_reasons(&out);
    assert_eq!(reasons.len(), 1);
    assert!(
        reasons[0].contains("did not escalate in time"),
        "{reasons:?}"
    );
}

#[test]
fn another_call_during_the_grace_is_refused_and_ends_it_at_once() {
    let mut h = Harness::new(AGENT);
    two_failures(&mut h);
    let out = h.model_calls("c3", "lookup_account", json!({"email_or_phone": "c"}));
    assert_eq!(
        story(&out),
        ["past_threshold", "escalated", "lookup_account:refused"],
        "escalated at once, and still after exactly two failures"
    );
    let reasons = escalation_reasons(&out);
    assert!(
        reasons[0].contains("2 failed attempts with `lookup_account`")
            && reasons[0].contains("instead of escalating"),
        "{reasons:?}"
    );
    h.advance(Duration::from_secs(30));
    assert_eq!(escalation_reasons(&h.out).len(), 1);
    assert_eq!(executed(&h.out).len(), 2);
}

#[test]
fn a_confirmation_first_call_during_the_grace_is_refused_not_held() {
    let mut h = Harness::new(AGENT);
    two_failures(&mut h);
    let out = h.model_calls("c3", "refund_credit", json!({"minutes": 60}));
    assert_eq!(
        story(&out),
        ["past_threshold", "escalated", "refund_credit:refused"]
    );
}

#[test]
fn a_result_arriving_during_the_grace_ends_it_first() {
    let mut h = Harness::new(AGENT);
    // A slow lookup is running when two quick ones fail.
    h.model_calls("c0", "lookup_account", json!({"email_or_phone": "slow"}));
    two_failures(&mut h);
    assert!(escalation_reasons(&h.out).is_empty());
    h.advance(Duration::from_secs(4));
    assert_eq!(
        story(&h.out),
        [
            "lookup_account:failed",
            "lookup_account:failed",
            "escalation_threshold",
            "escalated",
            "lookup_account:failed"
        ]
    );
    assert_eq!(escalation_reasons(&h.out).len(), 1);
}

#[test]
fn without_a_grace_the_engine_escalates_at_once_and_still_asks_for_the_line() {
    let mut h = Harness::new(&AGENT.replace("  grace_ms: 8000\n", ""));
    let out = two_failures(&mut h);
    assert_eq!(
        escalation_reasons(&out),
        ["2 failed attempts with `lookup_account`"]
    );
    let told = system_messages(&out);
    assert!(
        told.iter().any(|t| t.contains("Connecting you now.")),
        "{told:?}"
    );
    // Told to say the line, not to call a tool: the call is already handed over.
    assert!(
        !told.iter().any(|t| t.contains("call `escalate_to_human`")),
        "{told:?}"
    );
    assert!(to_model_types(&out).contains(&"response.create"));
    // The model calls the tool anyway: answered, not a second escalation.
    let out = h.model_calls("c3", "escalate_to_human", json!({}));
    assert!(records(&out).iter().any(|r| matches!(
        r,
        Record::ToolCall {
            outcome: ToolOutcome::Ok,
            ..
        }
    )));
    assert!(escalation_reasons(&out).is_empty());
}
