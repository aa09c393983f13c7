//! `limits.max_calls` bounds how many calls of a tool run in one session. A call counts once it
//! runs, whatever its result (ok, failed, timed out, passed to the client); a call that was
//! held for confirmation, refused or invalid never ran and does not count. A call over the
//! limit is refused before it runs (before it is even held for consent), with a clear error
//! to the model and a `max_calls_reached` guard; the refusal is not a failed attempt.

mod common;

use std::time::Duration;

use common::*;
use serde_json::{Value, json};
use switchboard_engine::{GuardDecision, Input, Output, Record, ToolOutcome};

const AGENT: &str = r#"
name: limited
role: You are NorthLoop Internet Support.
tools:
  - name: lookup_account
    description: Fetch the account.
    parameters:
      type: object
      properties: {email_or_phone: {type: string, minLength: 3}}
      required: [email_or_phone]
    limits: {max_calls: 2}
    run:
      fixtures:
        - when: {email_or_phone: "4155551234"}
          result: {account_id: "A-100"}
        - error: not found
  - name: refund_credit
    description: Issue a credit.
    behaviour: confirmation_first
    confirmation_phrase: I can issue a credit for this outage—would you like me to go ahead?
    access: write
    parameters:
      type: object
      properties: {account_id: {type: string}, minutes: {type: integer}}
      required: [account_id, minutes]
    limits: {max_calls: 1, arguments: {minutes: {max: 60}}}
    run: {webhook: {url: "https://tools.example/refund"}}
  - name: check_outage
    description: Check outages.
    parameters: {type: object, properties: {address: {type: string}}}
    limits: {max_calls: 1}
    run:
      fixtures:
        - result: {outage: false}
          delay_ms: 1500
  - name: send_sms
    description: Text the caller a summary; the caller's app sends it.
    parameters: {type: object, properties: {text: {type: string}}}
    limits: {max_calls: 1}
escalation:
  triggers: [User asks for a human]
  say: Connecting you now.
"#;

fn refusals(out: &[Output]) -> Vec<(String, ToolOutcome)> {
    records(out)
        .into_iter()
        .filter_map(|r| match r {
            Record::ToolCall { name, outcome, .. } if *outcome == ToolOutcome::Refused => {
                Some((name.clone(), *outcome))
            }
            _ => None,
        })
        .collect()
}

fn outcome_of(out: &[Output], call: &str) -> Option<ToolOutcome> {
    records(out).into_iter().find_map(|r| match r {
        Record::ToolCall {
            call_id, outcome, ..
        } if call_id.as_str() == call => Some(*outcome),
        _ => None,
    })
}

fn output_of(out: &[Output], call: &str) -> Value {
    tool_outputs(out)
        .into_iter()
        .find(|(id, _)| id == call)
        .map(|(_, output)| output)
        .unwrap_or_else(|| panic!("`{call}` was answered: {out:#?}"))
}

fn runs_of(out: &[Output], name: &str) -> usize {
    out.iter()
        .filter(|o| matches!(o, Output::RunTool(r) if r.name == name))
        .count()
}

/// The caller agrees to a credit the proper way: held, asked with the phrase (heard), yes,
/// and the same call again.
fn agreed_credit(h: &mut Harness, first: &str, second: &str, minutes: u32) -> Vec<Output> {
    let args = json!({"account_id": "A-100", "minutes": minutes});
    h.model_calls(first, "refund_credit", args.clone());
    h.model_speaks(
        &format!("item_{first}"),
        "I can issue a credit for this outage—would you like me to go ahead?",
        48_000,
    );
    h.advance(Duration::from_secs(2));
    h.caller_says("Yes, please go ahead.");
    h.model_calls(second, "refund_credit", args)
}

#[test]
fn a_second_credit_with_max_calls_one_is_refused_before_it_runs() {
    let mut h = Harness::new(AGENT);
    let out = agreed_credit(&mut h, "call_1", "call_2", 60);
    assert_eq!(runs_of(&out, "refund_credit"), 1, "the first credit runs");
    h.tool_result("call_2", Ok(json!({"status": "credited"})));

    // A second credit, asked and agreed to properly: over the limit, it never runs.
    let out = agreed_credit(&mut h, "call_3", "call_4", 30);
    assert_eq!(runs_of(&h.out, "refund_credit"), 1, "the second never runs");
    assert_eq!(
        outcome_of(&h.out, "call_3"),
        Some(ToolOutcome::Refused),
        "refused before it is held for consent"
    );
    assert!(
        !guard_details(&h.out, GuardDecision::ConfirmationRequested)
            .iter()
            .any(|g| g.contains("30")),
        "a call over the limit is not held"
    );
    assert_eq!(outcome_of(&out, "call_4"), Some(ToolOutcome::Refused));
    let reached = guard_details(&h.out, GuardDecision::MaxCallsReached);
    assert_eq!(reached.len(), 2, "{reached:?}");
    assert!(
        reached[0].contains("refund_credit") && reached[0].contains("max_calls: 1"),
        "{reached:?}"
    );
    let error = output_of(&out, "call_4");
    assert_eq!(error["status"], "error");
    let why = error["error"].as_str().expect("a reason");
    assert!(
        why.contains("refund_credit") && why.contains("at most once"),
        "{why}"
    );
    assert!(
        to_model_types(&out).contains(&"response.create"),
        "the model answers the caller"
    );
}

#[test]
fn a_call_that_ran_counts_whatever_its_result() {
    let mut h = Harness::new(AGENT);
    // Failed, then ok: two runs of a tool allowed two.
    h.model_calls("call_1", "lookup_account", json!({"email_or_phone": "000"}));
    h.advance(Duration::from_millis(1));
    h.model_calls(
        "call_2",
        "lookup_account",
        json!({"email_or_phone": "4155551234"}),
    );
    h.advance(Duration::from_millis(1));
    assert_eq!(outcome_of(&h.out, "call_1"), Some(ToolOutcome::Failed));
    assert_eq!(outcome_of(&h.out, "call_2"), Some(ToolOutcome::Ok));
    let out = h.model_calls(
        "call_3",
        "lookup_account",
        json!({"email_or_phone": "4155551234"}),
    );
    h.advance(Duration::from_millis(1));
    assert_eq!(outcome_of(&out, "call_3"), Some(ToolOutcome::Refused));
    assert_eq!(executed(&h.out).len(), 2);

    // A webhook that timed out ran.
    let mut h = Harness::new(AGENT);
    agreed_credit(&mut h, "call_1", "call_2", 60);
    h.advance(Duration::from_secs(11));
    assert_eq!(outcome_of(&h.out, "call_2"), Some(ToolOutcome::Timeout));
    let out = agreed_credit(&mut h, "call_3", "call_4", 60);
    assert_eq!(runs_of(&out, "refund_credit"), 0);
    assert_eq!(outcome_of(&out, "call_4"), Some(ToolOutcome::Refused));
}

#[test]
fn held_invalid_and_refused_calls_do_not_count() {
    let mut h = Harness::new(AGENT);
    // Held for consent, twice; invalid (over `minutes.max`), twice.
    h.model_calls(
        "call_h1",
        "refund_credit",
        json!({"account_id": "A-100", "minutes": 60}),
    );
    h.model_calls(
        "call_h2",
        "refund_credit",
        json!({"account_id": "A-100", "minutes": 60}),
    );
    h.model_calls(
        "call_i1",
        "refund_credit",
        json!({"account_id": "A-100", "minutes": 600}),
    );
    assert_eq!(
        outcome_of(&h.out, "call_h1"),
        Some(ToolOutcome::HeldForConfirmation)
    );
    assert_eq!(outcome_of(&h.out, "call_i1"), Some(ToolOutcome::Invalid));
    assert!(guard_details(&h.out, GuardDecision::MaxCallsReached).is_empty());
    // The one allowed credit still runs.
    let out = agreed_credit(&mut h, "call_1", "call_2", 60);
    assert_eq!(runs_of(&out, "refund_credit"), 1);

    // An invalid lookup does not use up one of the two.
    let mut h = Harness::new(AGENT);
    h.model_calls("call_i", "lookup_account", json!({"email_or_phone": "1"}));
    assert_eq!(outcome_of(&h.out, "call_i"), Some(ToolOutcome::Invalid));
    for call in ["call_1", "call_2"] {
        h.model_calls(
            call,
            "lookup_account",
            json!({"email_or_phone": "4155551234"}),
        );
        h.advance(Duration::from_millis(1));
    }
    assert_eq!(executed(&h.out).len(), 2);
    assert!(guard_details(&h.out, GuardDecision::MaxCallsReached).is_empty());
}

#[test]
fn a_call_still_running_counts_so_parallel_calls_cannot_pass_the_limit() {
    let mut h = Harness::new(AGENT);
    // Two checks in a row, the first still running (1.5 s): the second is over the limit.
    h.model_calls("call_1", "check_outage", json!({"address": "1 Main St"}));
    let out = h.model_calls("call_2", "check_outage", json!({"address": "1 Main St"}));
    assert_eq!(outcome_of(&out, "call_2"), Some(ToolOutcome::Refused));
    assert_eq!(guard_details(&out, GuardDecision::MaxCallsReached).len(), 1);
    h.advance(Duration::from_secs(2));
    assert_eq!(outcome_of(&h.out, "call_1"), Some(ToolOutcome::Ok));
    assert_eq!(
        executed(&h.out),
        [("call_1".to_owned(), "check_outage".to_owned())]
    );
}

#[test]
fn refusals_over_the_limit_are_not_failed_attempts() {
    let mut h = Harness::new(AGENT);
    h.model_calls("call_1", "check_outage", json!({}));
    h.advance(Duration::from_secs(2));
    for call in ["call_2", "call_3", "call_4"] {
        h.model_calls(call, "check_outage", json!({}));
    }
    assert_eq!(refusals(&h.out).len(), 3);
    assert!(
        guard_details(&h.out, GuardDecision::EscalationThreshold).is_empty(),
        "the model was told; repeating a refused call is not the tool failing"
    );
    assert!(!h.out.iter().any(|o| matches!(o, Output::Escalate(_))));
}

#[test]
fn a_tool_the_client_runs_is_bounded_too() {
    let mut h = Harness::new(AGENT);
    let out = h.model_calls("call_1", "send_sms", json!({"text": "hi"}));
    assert!(
        to_caller_types(&out).contains(&"response.function_call_arguments.done"),
        "the first call goes to the client"
    );
    // The client sends the output back.
    h.caller(json!({"type":"conversation.item.create","item":{"type":"function_call_output","call_id":"call_1","output":"{\"sent\":true}"}}));
    let out = h.model_calls("call_2", "send_sms", json!({"text": "hi again"}));
    assert!(
        !to_caller_types(&out).contains(&"response.function_call_arguments.done"),
        "the second never reaches the client: {:?}",
        to_caller_types(&out)
    );
    assert_eq!(outcome_of(&out, "call_2"), Some(ToolOutcome::Refused));
    assert_eq!(guard_details(&out, GuardDecision::MaxCallsReached).len(), 1);
    assert_eq!(output_of(&out, "call_2")["status"], "error");
}

const SUPERVISED: &str = r#"
name: supervised
role: You are a helpful assistant for NorthLoop.
tools:
  - name: getUserAccountInfo
    description: Look up an account by phone number.
    parameters:
      type: object
      properties: {phone_number: {type: string}}
      required: [phone_number]
    limits: {max_calls: 1}
    run:
      fixtures:
        - result: {name: Jordan Lee}
supervisor:
  instructions: You are the supervisor.
  tools: [getUserAccountInfo]
  timeout_ms: 30000
"#;

fn supervisor_calls(calls: &[(&str, &str, &str)]) -> Vec<u8> {
    let mut body = String::new();
    for (index, (id, name, arguments)) in calls.iter().enumerate() {
        let delta = json!({"tool_calls": [{"index": index, "id": id, "type": "function", "function": {"name": name, "arguments": arguments}}]});
        body.push_str(&format!(
            "data: {}\n\n",
            json!({"choices": [{"index": 0, "delta": delta, "finish_reason": null}]})
        ));
    }
    body.push_str(
        "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"tool_calls\"}]}\n\n",
    );
    body.push_str("data: [DONE]\n\n");
    body.into_bytes()
}

#[test]
fn the_supervisors_calls_share_the_limit() {
    let mut h = Harness::new(SUPERVISED);
    // The responder's own call uses up the one run.
    h.model_calls(
        "call_1",
        "getUserAccountInfo",
        json!({"phone_number": "2065550199"}),
    );
    h.advance(Duration::from_millis(1));
    assert_eq!(outcome_of(&h.out, "call_1"), Some(ToolOutcome::Ok));
    h.model_calls(
        "call_s",
        "getNextResponseFromSupervisor",
        json!({"relevantContextFromLastUserMessage": "last payment"}),
    );
    let id = h
        .out
        .iter()
        .find_map(|o| match o {
            Output::SupervisorRequest(r) => Some(r.id.clone()),
            _ => None,
        })
        .expect("the supervisor is asked");
    h.session.handle_input(
        Input::SupervisorChunk {
            id,
            bytes: supervisor_calls(&[(
                "call_acct",
                "getUserAccountInfo",
                r#"{"phone_number":"2065550199"}"#,
            )]),
        },
        h.now,
    );
    let mut out = h.drain();
    out.extend(h.advance(Duration::from_millis(1)));
    assert_eq!(guard_details(&out, GuardDecision::MaxCallsReached).len(), 1);
    assert_eq!(
        refusals(&out),
        [("getUserAccountInfo".to_owned(), ToolOutcome::Refused)]
    );
    assert_eq!(executed(&h.out).len(), 1);
}
