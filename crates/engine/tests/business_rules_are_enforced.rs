//! A tool's `guards` are business rules (CEL) the engine checks before every call, whatever the
//! model does: a call whose rule is false does not run, the model is told the rule's wording,
//! and the record names the rule.

mod common;

use std::time::Duration;

use common::*;
use proptest::prelude::*;
use serde_json::json;
use switchboard_engine::{GuardDecision, Output, ToolOutcome};

const AGENT: &str = r#"
name: airline
role: You are an airline support agent.
tools:
  - name: get_reservation_details
    description: Read a reservation.
    parameters: {type: object, properties: {reservation_id: {type: string}}, required: [reservation_id]}
    run:
      fixtures:
        - when: {reservation_id: "BASIC1"}
          result: {reservation_id: "BASIC1", cabin: basic_economy}
        - result: {reservation_id: "ECO1", cabin: economy}
  - name: update_reservation_flights
    description: Change the flights of a reservation.
    parameters: {type: object, properties: {reservation_id: {type: string}}, required: [reservation_id]}
    guards:
      - rule: >-
          results.get_reservation_details.reservation_id == args.reservation_id &&
          results.get_reservation_details.cabin != "basic_economy"
        say: Basic economy tickets cannot be changed.
    run: {webhook: {url: "https://tools.example/update"}}
  - name: cancel_reservation
    description: Cancel a reservation.
    parameters: {type: object, properties: {reservation_id: {type: string}}, required: [reservation_id]}
    run:
      fixtures:
        - result: {status: cancelled}
  - name: send_certificate
    description: Compensate the caller.
    parameters: {type: object, properties: {reservation_id: {type: string}}, required: [reservation_id]}
    guards:
      - rule: 'called("cancel_reservation", {"reservation_id": args.reservation_id})' 
        say: A certificate is sent only after the reservation was cancelled.
    run: {webhook: {url: "https://tools.example/certificate"}}
"#;

fn ran(out: &[Output], tool: &str) -> bool {
    out.iter()
        .any(|o| matches!(o, Output::RunTool(run) if run.name == tool))
}

fn lookup(h: &mut Harness, id: &str) {
    let n = h.out.len();
    h.model_calls(
        &format!("call_look_{id}_{n}"),
        "get_reservation_details",
        json!({"reservation_id": id}),
    );
    h.advance(Duration::from_millis(1));
}

#[test]
fn a_basic_economy_flight_is_never_changed() {
    let mut h = Harness::new(AGENT);
    lookup(&mut h, "BASIC1");
    let out = h.model_calls(
        "call_change",
        "update_reservation_flights",
        json!({"reservation_id": "BASIC1"}),
    );
    assert!(
        !ran(&out, "update_reservation_flights"),
        "the change never ran"
    );
    let (_, output) = &tool_outputs(&out)[0];
    assert_eq!(output["error"], "Basic economy tickets cannot be changed.");
    let refused = guard_details(&out, GuardDecision::PolicyRefused);
    assert_eq!(refused.len(), 1);
    assert!(
        refused[0].contains("basic_economy"),
        "the record names the rule: {refused:?}"
    );
    let outcome = records(&out).into_iter().find_map(|r| match r {
        switchboard_engine::Record::ToolCall { outcome, .. } => Some(*outcome),
        _ => None,
    });
    assert_eq!(outcome, Some(ToolOutcome::Refused));
}

#[test]
fn an_economy_flight_is_changed_and_one_lookup_does_not_unlock_another_reservation() {
    let mut h = Harness::new(AGENT);
    lookup(&mut h, "ECO1");
    let out = h.model_calls(
        "call_change",
        "update_reservation_flights",
        json!({"reservation_id": "ECO1"}),
    );
    assert!(ran(&out, "update_reservation_flights"));
    let out = h.model_calls(
        "call_other",
        "update_reservation_flights",
        json!({"reservation_id": "BASIC1"}),
    );
    assert!(
        !ran(&out, "update_reservation_flights"),
        "the lookup of ECO1 does not unlock BASIC1"
    );
}

#[test]
fn without_a_lookup_the_rule_cannot_be_evaluated_and_refuses() {
    let mut h = Harness::new(AGENT);
    let out = h.model_calls(
        "call_change",
        "update_reservation_flights",
        json!({"reservation_id": "ECO1"}),
    );
    assert!(!ran(&out, "update_reservation_flights"));
    let refused = guard_details(&out, GuardDecision::PolicyRefused);
    assert!(refused[0].contains("could not be evaluated"), "{refused:?}");
}

#[test]
fn a_certificate_only_after_that_reservation_was_cancelled() {
    let mut h = Harness::new(AGENT);
    let out = h.model_calls(
        "call_cert",
        "send_certificate",
        json!({"reservation_id": "ECO1"}),
    );
    assert!(!ran(&out, "send_certificate"));
    h.model_calls(
        "call_cancel",
        "cancel_reservation",
        json!({"reservation_id": "ECO1"}),
    );
    h.advance(Duration::from_millis(1));
    let out = h.model_calls(
        "call_cert_other",
        "send_certificate",
        json!({"reservation_id": "BASIC1"}),
    );
    assert!(
        !ran(&out, "send_certificate"),
        "another reservation was not cancelled"
    );
    let out = h.model_calls(
        "call_cert_2",
        "send_certificate",
        json!({"reservation_id": "ECO1"}),
    );
    assert!(ran(&out, "send_certificate"));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Whatever the model looks up and asks to change, in any order, a change runs only for
    /// the reservation last looked up, and never for basic economy.
    #[test]
    fn a_tool_whose_rule_is_false_never_runs(
        steps in proptest::collection::vec((any::<bool>(), prop_oneof![Just("BASIC1"), Just("ECO1")]), 1..12)
    ) {
        let mut h = Harness::new(AGENT);
        let mut looked_up: Option<&str> = None;
        for (i, (is_lookup, id)) in steps.into_iter().enumerate() {
            if is_lookup {
                lookup(&mut h, id);
                looked_up = Some(id);
            } else {
                let out = h.model_calls(
                    &format!("call_{i}"),
                    "update_reservation_flights",
                    json!({"reservation_id": id}),
                );
                let allowed = looked_up == Some(id) && id == "ECO1";
                prop_assert_eq!(ran(&out, "update_reservation_flights"), allowed);
                // The webhook answers, so the next call starts from a quiet session.
                h.tool_result(&format!("call_{i}"), Ok(json!({"status": "ok"})));
            }
        }
    }
}

/// A state's exit guards: a rule on one transition, checked when the model asks to move, after
/// the flow's own checks.
#[test]
fn a_move_is_refused_by_its_exit_rule_and_allowed_when_it_holds() {
    for (plan, allowed) in [("fiber", true), ("copper", false)] {
        let agent = common::AGENT.replace(
            "      requires: [account_id]\n",
            &format!(
                "      requires: [account_id]\n      guards:\n        - to: resolve\n          rule: results.lookup_account.plan == \"{plan}\"\n          say: Only fiber accounts can be resolved here.\n"
            ),
        );
        let mut h = Harness::new(&agent);
        h.model_calls(
            "call_look",
            "lookup_account",
            json!({"email_or_phone": "4155551234"}),
        );
        h.advance(Duration::from_millis(1));
        let out = h.model_calls(
            "call_move",
            "set_conversation_state",
            json!({"next_state": "resolve"}),
        );
        let expected = if allowed { "resolve" } else { "verify" };
        assert_eq!(h.session.state(), Some(expected), "plan {plan}");
        let refused = guard_details(&out, GuardDecision::PolicyRefused);
        assert_eq!(refused.is_empty(), allowed, "{refused:?}");
        if !allowed {
            let (_, output) = &tool_outputs(&out)[0];
            assert_eq!(output["error"], "Only fiber accounts can be resolved here.");
        }
    }
}
