//! Once an escalation threshold is reached (N failed attempts with one tool, or N
//! consecutive no-input or no-match events), the call belongs to a specialist: no call other
//! than the escalation tool runs any more. Each is refused before it runs (`refused`, guard
//! `past_threshold`), and the record shows the escalation right after the Nth failure, never
//! after an N+1th. (Issue 13, item 5: a third lookup used to run, and fail, before the engine
//! escalated by itself 8 s later.)

mod common;

use std::time::Duration;

use common::*;
use serde_json::json;
use switchboard_engine::{GuardDecision, Output, Record, ToolOutcome};
use switchboard_wire::{ClientEvent, ContentPart, Item, Role};

fn escalations(out: &[Output]) -> usize {
    out.iter()
        .filter(|o| matches!(o, Output::Escalate(_)))
        .count()
}

fn outcome_of(out: &[Output], call: &str) -> Option<ToolOutcome> {
    records(out).into_iter().find_map(|r| match r {
        Record::ToolCall {
            call_id, outcome, ..
        } if call_id.as_str() == call => Some(*outcome),
        _ => None,
    })
}

/// The record, shortened: tool calls as `name:outcome`, escalation guards, escalations.
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

fn two_failed_lookups(h: &mut Harness) -> Vec<Output> {
    h.caller_says("My internet is down.");
    let mut out = h.model_calls("c1", "lookup_account", json!({"email_or_phone": "000"}));
    out.extend(h.advance(Duration::from_millis(1)));
    out.extend(h.model_calls("c2", "lookup_account", json!({"email_or_phone": "111"})));
    out.extend(h.advance(Duration::from_millis(1)));
    out
}

#[test]
fn a_third_lookup_after_two_failures_never_runs_and_the_escalation_comes_at_the_second() {
    let mut h = Harness::agent();
    let out = two_failed_lookups(&mut h);
    assert_eq!(
        story(&out),
        [
            "lookup_account:failed",
            "lookup_account:failed",
            "escalation_threshold",
            "escalated"
        ]
    );
    assert_eq!(escalations(&out), 1, "at once, not after a grace");
    // The model is still asked for the escalation line, in one response after the failure.
    let told = system_messages(&out);
    assert!(
        told.iter()
            .any(|t| t
                .contains("Thanks for your patience—I’m connecting you with a specialist now.")),
        "{told:?}"
    );
    assert!(to_model_types(&out).contains(&"response.create"));

    // The model tries a third identifier: refused before it runs.
    let out = h.model_calls(
        "c3",
        "lookup_account",
        json!({"email_or_phone": "4155551234"}),
    );
    h.advance(Duration::from_secs(1));
    assert_eq!(outcome_of(&out, "c3"), Some(ToolOutcome::Refused));
    assert_eq!(story(&out), ["past_threshold", "lookup_account:refused"]);
    let refused = &tool_outputs(&out)[0].1;
    assert_eq!(refused["status"], "error");
    let why = refused["error"].as_str().expect("a reason");
    assert!(why.contains("specialist"), "{why}");
    assert_eq!(executed(&h.out).len(), 2, "only the two lookups ran");
    assert!(
        !h.session.slots().contains_key("account_id"),
        "nothing captured"
    );

    // The escalation tool itself is answered; the call is not escalated twice.
    let out = h.model_calls("c4", "escalate_to_human", json!({}));
    assert_eq!(outcome_of(&out, "c4"), Some(ToolOutcome::Ok));
    assert_eq!(escalations(&h.out), 1);
    assert_eq!(
        guard_details(&h.out, GuardDecision::EscalationThreshold).len(),
        1,
        "the threshold is reached once"
    );
}

#[test]
fn past_a_threshold_no_other_tool_runs_either() {
    let mut h = Harness::agent();
    two_failed_lookups(&mut h);
    let before = h.out.len();
    h.model_calls("c3", "check_outage", json!({"address": "1 Main St"}));
    h.model_calls("c4", "finish_session", json!({}));
    h.model_calls(
        "c5",
        "set_conversation_state",
        json!({"next_state": "resolve"}),
    );
    h.advance(Duration::from_secs(30));
    let after = &h.out[before..];
    for call in ["c3", "c4", "c5"] {
        assert_eq!(
            outcome_of(after, call),
            Some(ToolOutcome::Refused),
            "{call}"
        );
    }
    assert_eq!(guard_details(after, GuardDecision::PastThreshold).len(), 3);
    assert_eq!(h.session.state(), Some("verify"));
    assert!(
        !after.iter().any(|o| matches!(o, Output::HangUp { .. })),
        "the call is handed over, not hung up"
    );
}

#[test]
fn past_the_silence_threshold_calls_are_refused_too() {
    let mut h = Harness::agent();
    let timeout = json!({"type":"input_audio_buffer.timeout_triggered","event_id":"e","item_id":"i","audio_start_ms":0,"audio_end_ms":5000});
    let mut out = Vec::new();
    for _ in 0..3 {
        out.extend(h.model(timeout.clone()));
    }
    assert_eq!(escalations(&out), 1, "at once after the third");
    // The caller speaks again; the model goes on as if nothing happened.
    h.caller_says("Hello? My number is 415 555 1234.");
    let out = h.model_calls(
        "c1",
        "lookup_account",
        json!({"email_or_phone": "4155551234"}),
    );
    h.advance(Duration::from_secs(1));
    assert_eq!(outcome_of(&out, "c1"), Some(ToolOutcome::Refused));
    assert!(executed(&h.out).is_empty());
    assert_eq!(escalations(&h.out), 1);
}

const SLOW: &str = r#"
name: slow-lookups
role: You are NorthLoop Internet Support.
tools:
  - name: lookup_account
    description: Fetch the account.
    parameters: {type: object, properties: {email_or_phone: {type: string}}, required: [email_or_phone]}
    run:
      fixtures:
        - error: not found
          delay_ms: 1000
escalation:
  triggers: [User asks for a human]
  say: Connecting you now.
"#;

#[test]
fn calls_already_running_at_the_threshold_finish_but_no_longer_count() {
    let mut h = Harness::new(SLOW);
    // Three lookups at once, all failing a second later.
    for (call, who) in [("c1", "a"), ("c2", "b"), ("c3", "c")] {
        h.model_calls(call, "lookup_account", json!({"email_or_phone": who}));
    }
    h.advance(Duration::from_secs(2));
    assert_eq!(
        story(&h.out),
        [
            "lookup_account:failed",
            "lookup_account:failed",
            "escalation_threshold",
            "escalated",
            "lookup_account:failed",
        ],
        "the escalation follows the second failure; the third ran before the threshold and is \
         recorded when it ends"
    );
    assert_eq!(
        guard_details(&h.out, GuardDecision::EscalationThreshold).len(),
        1
    );
}

#[test]
fn failures_past_the_threshold_do_not_start_another_escalation() {
    let mut h = Harness::agent();
    two_failed_lookups(&mut h);
    // Invalid calls after the threshold: answered, not counted.
    for call in ["c3", "c4", "c5"] {
        h.model_calls(call, "lookup_account", json!({"email_or_phone": 1}));
    }
    assert_eq!(
        guard_details(&h.out, GuardDecision::EscalationThreshold).len(),
        1
    );
    assert_eq!(escalations(&h.out), 1);
}

#[test]
fn a_threshold_reached_after_the_model_escalated_still_stops_tools() {
    let mut h = Harness::agent();
    h.caller_says("Get me a person. Also my number is 000.");
    h.model_calls("c0", "escalate_to_human", json!({}));
    assert_eq!(escalations(&h.out), 1);
    h.model_calls("c1", "lookup_account", json!({"email_or_phone": "000"}));
    h.advance(Duration::from_millis(1));
    h.model_calls("c2", "lookup_account", json!({"email_or_phone": "111"}));
    let out = h.advance(Duration::from_millis(1));
    assert_eq!(outcome_of(&out, "c2"), Some(ToolOutcome::Failed));
    assert_eq!(
        guard_details(&out, GuardDecision::EscalationThreshold).len(),
        1
    );
    assert!(
        to_model_types(&out).contains(&"response.create"),
        "the model answers the failure"
    );
    let out = h.model_calls("c3", "lookup_account", json!({"email_or_phone": "222"}));
    assert_eq!(outcome_of(&out, "c3"), Some(ToolOutcome::Refused));
    assert_eq!(escalations(&h.out), 1);
}

const OWN_HAND_OFF: &str = r#"
name: own-hand-off
role: You are NorthLoop Internet Support.
tools:
  - name: lookup_account
    description: Fetch the account.
    parameters: {type: object, properties: {email_or_phone: {type: string}}, required: [email_or_phone]}
    run: {fixtures: [{error: not found}]}
  - name: transfer_to_specialist
    description: Hand the call to a person.
    parameters: {type: object, properties: {reason: {type: string}}, required: [reason]}
    run: {builtin: escalate_to_human}
escalation:
  triggers: [User asks for a human]
  say: Connecting you now.
  tool: transfer_to_specialist
  grace_ms: 5000
"#;

#[test]
fn the_agents_own_hand_off_tool_still_runs_past_the_threshold() {
    let mut h = Harness::new(OWN_HAND_OFF);
    for call in ["c1", "c2"] {
        h.model_calls(call, "lookup_account", json!({"email_or_phone": "000"}));
        h.advance(Duration::from_millis(1));
    }
    assert_eq!(escalations(&h.out), 0, "the agent gives the model 5 s");
    let out = h.model_calls(
        "c3",
        "transfer_to_specialist",
        json!({"reason": "two lookups failed"}),
    );
    assert_eq!(outcome_of(&out, "c3"), Some(ToolOutcome::Ok));
    let reasons: Vec<&str> = out
        .iter()
        .filter_map(|o| match o {
            Output::Escalate(e) => Some(e.reason.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(reasons, ["two lookups failed"]);
}
