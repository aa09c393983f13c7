//! The escalation knobs a real policy needs: which failures count (`count_failures`), whether a
//! business rule's refusal counts (`counts_as_failure`), which argument of the hand-off tool
//! carries the reason (`reason_argument`), and whether the line is said before or after the
//! hand-off (`say_when`).

mod common;

use std::time::Duration;

use common::*;
use serde_json::{Value, json};
use switchboard_engine::Output;

fn agent(escalation: &str, guard_counts: bool) -> String {
    format!(
        r#"
name: retail
role: You are a retail support agent.
tools:
  - name: find_user
    description: Find the caller.
    parameters: {{type: object, properties: {{email: {{type: string}}}}, required: [email]}}
    run:
      fixtures:
        - when: {{email: "ana@example.com"}}
          result: "ana_1"
        - error: no such user
  - name: get_order
    description: Read an order.
    parameters: {{type: object, properties: {{order_id: {{type: string}}}}, required: [order_id]}}
    run:
      fixtures:
        - error: no such order
  - name: cancel_order
    description: Cancel an order.
    parameters: {{type: object, properties: {{order_id: {{type: string}}}}, required: [order_id]}}
    guards:
      - rule: 'false'
        say: That order cannot be cancelled.
        counts_as_failure: {guard_counts}
    run: {{webhook: {{url: "https://tools.example/cancel"}}}}
  - name: transfer_to_human_agents
    description: Hand the call to a person.
    parameters: {{type: object, properties: {{summary: {{type: string}}}}, required: [summary]}}
    run: {{builtin: escalate_to_human}}
escalation:
  triggers: [The caller asks for a person.]
  say: YOU ARE BEING TRANSFERRED TO A HUMAN AGENT. PLEASE HOLD ON.
  tool: transfer_to_human_agents
  reason_argument: summary
{escalation}
"#
    )
}

fn escalations(out: &[Output]) -> Vec<String> {
    out.iter()
        .filter_map(|o| match o {
            Output::Escalate(e) => Some(e.reason.clone()),
            _ => None,
        })
        .collect()
}

fn system_lines(out: &[Output]) -> Vec<String> {
    out.iter()
        .filter_map(|o| match o {
            Output::ToModel(switchboard_wire::ClientEvent::ConversationItemCreate(c)) => {
                match &c.item {
                    switchboard_wire::Item::Message(m)
                        if m.role == switchboard_wire::Role::System =>
                    {
                        Some(format!("{:?}", m.content))
                    }
                    _ => None,
                }
            }
            _ => None,
        })
        .collect()
}

fn fail(h: &mut Harness, tool: &str, args: Value) -> Vec<Output> {
    let id = format!("call_{}", h.out.len());
    let mut out = h.model_calls(&id, tool, args);
    out.append(&mut h.advance(Duration::from_millis(1)));
    out
}

#[test]
fn per_tool_counting_is_the_default() {
    let mut h = Harness::new(&agent("", false));
    fail(&mut h, "find_user", json!({"email": "x@example.com"}));
    let out = fail(&mut h, "get_order", json!({"order_id": "#W1"}));
    assert!(escalations(&out).is_empty(), "one failure of each tool");
    let out = fail(&mut h, "get_order", json!({"order_id": "#W2"}));
    assert_eq!(escalations(&out), ["2 failed attempts with `get_order`"]);
}

#[test]
fn all_tools_counting_adds_failures_of_different_tools() {
    let mut h = Harness::new(&agent("  count_failures: all_tools\n", false));
    fail(&mut h, "find_user", json!({"email": "x@example.com"}));
    let out = fail(&mut h, "get_order", json!({"order_id": "#W1"}));
    assert_eq!(escalations(&out), ["2 failed attempts with the tools"]);
}

#[test]
fn a_success_of_any_tool_starts_the_shared_count_again() {
    let mut h = Harness::new(&agent("  count_failures: all_tools\n", false));
    fail(&mut h, "get_order", json!({"order_id": "#W1"}));
    fail(&mut h, "find_user", json!({"email": "ana@example.com"}));
    let out = fail(&mut h, "get_order", json!({"order_id": "#W2"}));
    assert!(escalations(&out).is_empty());
}

#[test]
fn with_counting_off_failures_never_escalate() {
    let mut h = Harness::new(&agent("  count_failures: off\n", false));
    for i in 0..6 {
        let out = fail(&mut h, "get_order", json!({"order_id": format!("#W{i}")}));
        assert!(escalations(&out).is_empty(), "failure {i}");
    }
}

#[test]
fn a_refusal_counts_only_where_the_rule_says_so() {
    let mut h = Harness::new(&agent("", false));
    for i in 0..3 {
        let out = fail(
            &mut h,
            "cancel_order",
            json!({"order_id": format!("#W{i}")}),
        );
        assert!(escalations(&out).is_empty(), "refusal {i} is policy");
    }
    let mut h = Harness::new(&agent("", true));
    fail(&mut h, "cancel_order", json!({"order_id": "#W1"}));
    let out = fail(&mut h, "cancel_order", json!({"order_id": "#W2"}));
    assert_eq!(escalations(&out), ["2 failed attempts with `cancel_order`"]);
    assert_eq!(
        tool_outputs(&out)[0].1["error"],
        "That order cannot be cancelled.",
        "the model is still told the rule's wording"
    );
}

#[test]
fn the_reason_argument_must_be_one_of_the_tools() {
    let text = agent("", false).replace("  reason_argument: summary\n", "");
    let errors = switchboard_agent::load(&text).expect_err("`reason` is not an argument");
    assert_eq!(errors[0].code, "SB0017");
    assert!(
        errors[0].message.contains("no argument `reason`"),
        "{}",
        errors[0].message
    );
}

#[test]
fn the_reason_comes_from_the_named_argument() {
    let mut h = Harness::new(&agent("", false));
    let out = h.model_calls(
        "call_t",
        "transfer_to_human_agents",
        json!({"summary": "Caller wants to return a gift."}),
    );
    assert_eq!(escalations(&out), ["Caller wants to return a gift."]);
}

#[test]
fn said_after_the_hand_off_the_line_comes_with_its_result() {
    let mut h = Harness::new(&agent("  say_when: after\n", false));
    let out = h.model_calls(
        "call_t",
        "transfer_to_human_agents",
        json!({"summary": "Out of scope."}),
    );
    let message = tool_outputs(&out)[0].1["message"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        message.contains("Say now: “YOU ARE BEING TRANSFERRED TO A HUMAN AGENT. PLEASE HOLD ON.”"),
        "{message}"
    );
    let mut h = Harness::new(&agent("", false));
    let out = h.model_calls(
        "call_t",
        "transfer_to_human_agents",
        json!({"summary": "x"}),
    );
    let message = tool_outputs(&out)[0].1["message"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        !message.contains("Say now"),
        "said before, with the call: {message}"
    );
}

#[test]
fn past_a_threshold_the_engine_hands_off_first_when_the_line_comes_after() {
    let mut h = Harness::new(&agent("  say_when: after\n", false));
    fail(&mut h, "get_order", json!({"order_id": "#W1"}));
    let out = fail(&mut h, "get_order", json!({"order_id": "#W2"}));
    let escalate_at = out.iter().position(|o| matches!(o, Output::Escalate(_)));
    let say_at = out.iter().position(|o| {
        matches!(o, Output::ToModel(switchboard_wire::ClientEvent::ConversationItemCreate(c))
            if matches!(&c.item, switchboard_wire::Item::Message(m) if m.role == switchboard_wire::Role::System))
    });
    assert!(
        escalate_at.is_some() && say_at.is_some(),
        "{:?}",
        system_lines(&out)
    );
    assert!(escalate_at < say_at, "handed over, then the line");
}

#[test]
fn the_prompt_says_the_order_and_what_counts() {
    let loaded =
        switchboard_agent::load(&agent("  count_failures: off\n  say_when: after\n", false))
            .expect("loads");
    let prompt = switchboard_agent::render(&loaded.agent, None)
        .expect("renders")
        .instructions;
    assert!(
        prompt.contains("First call the tool: `transfer_to_human_agents`"),
        "{prompt}"
    );
    assert!(
        prompt.contains("What to say once it returns (MANDATORY)"),
        "{prompt}"
    );
    assert!(!prompt.contains("failed tool attempts"), "{prompt}");
}
