//! Failed attempts and silence count towards escalation; the engine escalates itself when the
//! model does not.

mod common;

use std::time::Duration;
use switchboard_engine::{GuardDecision, ToolOutcome};

use common::*;
use serde_json::json;
use switchboard_engine::Output;

fn escalations(out: &[Output]) -> Vec<&switchboard_engine::Escalation> {
    out.iter()
        .filter_map(|o| {
            if let Output::Escalate(e) = o {
                Some(e)
            } else {
                None
            }
        })
        .collect()
}

/// The threshold is reached at the second failure: the engine escalates then (the agent sets
/// no `grace_ms`), and the model is told to say the escalation line. A model that calls the
/// escalation tool afterwards is answered; the call is not escalated twice.
#[test]
fn two_failed_attempts_escalate_at_once_and_the_model_is_told_to_say_the_line() {
    let mut h = Harness::agent();
    h.caller_says("My internet is down.");
    h.model_calls("c1", "lookup_account", json!({"email_or_phone": "000"}));
    let out = h.advance(Duration::from_millis(1));
    assert!(escalations(&out).is_empty(), "not after one");
    h.model_calls("c2", "lookup_account", json!({"email_or_phone": "111"}));
    let out = h.advance(Duration::from_millis(1));
    let nudge = out.iter().any(|o| matches!(o, Output::ToModel(switchboard_wire::ClientEvent::ConversationItemCreate(c))
        if matches!(&c.item, switchboard_wire::Item::Message(m) if m.role == switchboard_wire::Role::System)));
    assert!(nudge, "the model is told to say the escalation line");
    let e = escalations(&out);
    assert_eq!(e.len(), 1);
    assert!(
        e[0].reason
            .contains("2 failed attempts with `lookup_account`"),
        "{}",
        e[0].reason
    );
    assert_eq!(e[0].summary.intent.as_deref(), Some("My internet is down."));
    assert_eq!(
        e[0].summary.tools,
        [
            ("lookup_account".to_owned(), ToolOutcome::Failed),
            ("lookup_account".to_owned(), ToolOutcome::Failed)
        ]
    );
    let out = h.model_calls("c3", "escalate_to_human", json!({}));
    assert_eq!(tool_outputs(&out)[0].1["status"], "ok");
    assert!(escalations(&out).is_empty(), "escalated once");
}

#[test]
fn three_silences_escalate_at_once_even_if_the_model_ignores_the_note() {
    let mut h = Harness::agent();
    let timeout = json!({"type":"input_audio_buffer.timeout_triggered","event_id":"e","item_id":"i","audio_start_ms":0,"audio_end_ms":5000});
    h.model(timeout.clone());
    h.model(timeout.clone());
    assert!(escalations(&h.out).is_empty(), "not before the third");
    let out = h.model(timeout);
    let e = escalations(&out);
    assert_eq!(e.len(), 1);
    assert!(
        e[0].reason.contains("3 consecutive no-input events"),
        "{}",
        e[0].reason
    );
    h.advance(Duration::from_secs(30));
    assert_eq!(escalations(&h.out).len(), 1);
}

#[test]
fn a_real_answer_resets_the_silence_count() {
    let mut h = Harness::agent();
    let timeout = json!({"type":"input_audio_buffer.timeout_triggered","event_id":"e","item_id":"i","audio_start_ms":0,"audio_end_ms":5000});
    h.model(timeout.clone());
    h.model(timeout.clone());
    h.caller_says("Sorry, I'm here.");
    h.model(timeout);
    h.advance(Duration::from_secs(30));
    assert!(escalations(&h.out).is_empty());
}

#[test]
fn three_unintelligible_turns_count_as_no_match() {
    let mut h = Harness::agent();
    h.caller_says("");
    h.model(json!({"type":"conversation.item.input_audio_transcription.failed","event_id":"e","item_id":"i","content_index":0,
        "error":{"type":"transcription_error","code":"audio_unintelligible","message":"unintelligible"}}));
    let out = h.caller_says("   ");
    assert!(records(&out).iter().any(
        |r| matches!(r, switchboard_engine::Record::Guard { decision, detail, .. }
        if *decision == GuardDecision::EscalationThreshold && detail.contains("3 consecutive no-match events"))
    ));
}

const OWN_ESCALATION_TOOL: &str = r#"
name: own-tool
role: You are NorthLoop Internet Support.
tools:
  - name: escalate_to_human
    description: Transfer the call to a human agent.
    behaviour: preamble
    preamble_phrases: [Connecting you now.]
    access: write
    parameters:
      type: object
      properties: {reason: {type: string, maxLength: 50}}
      required: [reason]
    run: {builtin: escalate_to_human}
"#;

#[test]
fn an_escalation_tool_the_agent_defines_hands_the_call_over_with_its_reason() {
    let mut h = Harness::new(OWN_ESCALATION_TOOL);
    h.caller_says("I want a person.");
    let out = h.model_calls(
        "call_1",
        "escalate_to_human",
        json!({"reason": "caller asked for a human"}),
    );
    let reasons: Vec<&str> = out
        .iter()
        .filter_map(|o| match o {
            Output::Escalate(e) => Some(e.reason.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(reasons, ["caller asked for a human"]);
    assert_eq!(tool_outputs(&out)[0].1["status"], "ok");
    // Its arguments are still checked.
    let mut h = Harness::new(OWN_ESCALATION_TOOL);
    let out = h.model_calls(
        "call_1",
        "escalate_to_human",
        json!({"reason": "x".repeat(80)}),
    );
    assert!(!out.iter().any(|o| matches!(o, Output::Escalate(_))));
}

/// The model answers an idle timeout by itself (server VAD creates responses): the
/// escalation's response is asked for once that answer is done, not on top of it, which the
/// Realtime API would refuse (`conversation_already_has_active_response`).
#[test]
fn the_escalation_response_after_silences_waits_for_the_models_own_answer() {
    let mut h = Harness::agent();
    h.caller(
        json!({"type":"session.update","session":{"type":"realtime","audio":{"input":{
        "turn_detection":{"type":"server_vad","idle_timeout_ms":6000}}}}}),
    );
    let timeout = json!({"type":"input_audio_buffer.timeout_triggered","event_id":"e","item_id":"i","audio_start_ms":0,"audio_end_ms":6000});
    let mut sent = Vec::new();
    for _ in 0..3 {
        let out = h.model(timeout.clone());
        sent.extend(to_model_types(&out));
    }
    assert!(sent.contains(&"conversation.item.create"), "{sent:?}");
    assert!(!sent.contains(&"response.create"), "{sent:?}");
    h.model(json!({"type":"response.created","event_id":"e","response":{"id":"resp_auto","status":"in_progress"}}));
    let out = h.model(json!({"type":"response.done","event_id":"e","response":{"id":"resp_auto","status":"completed"}}));
    assert!(to_model_types(&out).contains(&"response.create"));
}
