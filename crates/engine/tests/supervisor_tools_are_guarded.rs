//! The supervisor's tool calls are ordinary tool calls: they meet the same schema, limits,
//! state and consent rules as the responder's, run the same way (fixtures here, webhooks
//! through `RunTool`), are recorded as the supervisor's and count towards escalation; their
//! results go back to the supervisor in the next request, for a bounded number of rounds.

mod common;

use std::time::Duration;

use common::*;
use serde_json::{Value, json};
use switchboard_engine::{
    GuardDecision, Input, Output, Record, SupervisorRequest, SupervisorRequestId, ToolOutcome,
};
use switchboard_wire::chat::Message;

const AGENT: &str = r#"
name: thinker
role: You are a helpful assistant for NorthLoop.
tools:
  - name: getUserAccountInfo
    description: Look up an account by phone number.
    parameters:
      type: object
      properties: {phone_number: {type: string, pattern: '^[0-9]{10}$'}}
      required: [phone_number]
    run:
      fixtures:
        - when: {phone_number: "2065550199"}
          result: {name: Jordan Lee, last_payment: {amount: 45.2}}
          delay_ms: 200
        - error: No account found for that phone number.
  - name: refund_credit
    description: Issue a credit.
    behaviour: confirmation_first
    confirmation_phrase: Shall I issue the credit?
    access: write
    parameters: {type: object, properties: {minutes: {type: integer}}, required: [minutes]}
    run: {webhook: {url: "https://tools.example/refund"}}
  - name: lookupPolicyDocument
    description: Find a policy.
    parameters: {type: object, properties: {topic: {type: string}}, required: [topic]}
    limits: {timeout_ms: 10000}
    run: {webhook: {url: "https://tools.example/policy"}}
supervisor:
  instructions: You are the supervisor.
  tools: [getUserAccountInfo, refund_credit, lookupPolicyDocument]
  fallback: Sorry, I can't check that right now.
  timeout_ms: 3000
escalation:
  triggers: [User asks for a human]
  say: Connecting you now.
"#;

fn ask(h: &mut Harness) -> Vec<Output> {
    h.caller_says("What was my last payment? 206 555 0199.");
    h.model_calls(
        "call_s",
        "getNextResponseFromSupervisor",
        json!({"relevantContextFromLastUserMessage": "last payment; phone 2065550199"}),
    )
}

fn round(n: u32) -> SupervisorRequestId {
    SupervisorRequestId {
        call_id: "call_s".into(),
        round: n,
    }
}

fn requests(out: &[Output]) -> Vec<&SupervisorRequest> {
    out.iter()
        .filter_map(|o| match o {
            Output::SupervisorRequest(r) => Some(r),
            _ => None,
        })
        .collect()
}

/// A streamed reply calling `calls` (id, name, arguments), each call's arguments in two
/// pieces.
fn calls(calls: &[(&str, &str, &str)]) -> Vec<u8> {
    let mut body = String::new();
    for (index, (id, name, arguments)) in calls.iter().enumerate() {
        let (a, b) = arguments.split_at(arguments.len() / 2);
        for delta in [
            json!({"tool_calls": [{"index": index, "id": id, "type": "function", "function": {"name": name, "arguments": a}}]}),
            json!({"tool_calls": [{"index": index, "function": {"arguments": b}}]}),
        ] {
            body.push_str(&format!(
                "data: {}\n\n",
                json!({"choices": [{"index": 0, "delta": delta, "finish_reason": null}]})
            ));
        }
    }
    body.push_str(
        "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"tool_calls\"}]}\n\n",
    );
    body.push_str("data: [DONE]\n\n");
    body.into_bytes()
}

fn says(text: &str) -> Vec<u8> {
    format!(
        "data: {}\n\ndata: [DONE]\n\n",
        json!({"choices": [{"index": 0, "delta": {"content": text}, "finish_reason": "stop"}]})
    )
    .into_bytes()
}

fn reply(h: &mut Harness, id: SupervisorRequestId, bytes: Vec<u8>) -> Vec<Output> {
    h.session
        .handle_input(Input::SupervisorChunk { id, bytes }, h.now);
    h.drain()
}

/// The `tool` messages at the end of `request`, as (tool_call_id, parsed content).
fn tool_messages(request: &SupervisorRequest) -> Vec<(String, Value)> {
    request
        .request
        .messages
        .iter()
        .filter_map(|m| match m {
            Message::Tool {
                tool_call_id,
                content,
            } => Some((
                tool_call_id.clone(),
                serde_json::from_str(content).expect("JSON content"),
            )),
            _ => None,
        })
        .collect()
}

/// The responder's answer.
fn answered(out: &[Output]) -> Value {
    tool_outputs(out)
        .into_iter()
        .find(|(id, _)| id == "call_s")
        .map(|(_, output)| output)
        .expect("the supervisor call was answered")
}

/// Tool-call records other than the responder's supervisor call: (name, outcome).
fn supervisor_calls(out: &[Output]) -> Vec<(String, ToolOutcome)> {
    records(out)
        .into_iter()
        .filter_map(|r| match r {
            Record::ToolCall { name, outcome, .. } if name != "getNextResponseFromSupervisor" => {
                Some((name.clone(), *outcome))
            }
            _ => None,
        })
        .collect()
}

#[test]
fn a_fixture_runs_for_the_supervisor_and_its_result_goes_back_in_the_next_request() {
    let mut h = Harness::new(AGENT);
    let first = requests(&ask(&mut h))[0].clone();
    let mut out = reply(
        &mut h,
        round(1),
        calls(&[(
            "call_acct",
            "getUserAccountInfo",
            r#"{"phone_number":"2065550199"}"#,
        )]),
    );
    assert!(requests(&out).is_empty(), "the fixture takes 200 ms");
    assert!(
        tool_outputs(&out).is_empty(),
        "nothing goes to the model meanwhile"
    );
    out.extend(h.advance(Duration::from_millis(200)));
    let asked = requests(&out);
    assert_eq!(asked.len(), 1, "{out:#?}");
    let second = asked[0];
    assert_eq!(second.id, round(2));
    assert_eq!(
        second.deadline, first.deadline,
        "one deadline for the whole question"
    );
    let messages = &second.request.messages;
    assert_eq!(messages[..2], first.request.messages[..]);
    let Message::Assistant(assistant) = &messages[2] else {
        panic!("the call is replayed: {messages:#?}")
    };
    assert_eq!(assistant.tool_calls[0].id, "call_acct");
    assert_eq!(
        assistant.tool_calls[0].function.arguments,
        r#"{"phone_number":"2065550199"}"#
    );
    let results = tool_messages(second);
    assert_eq!(results.len(), 1);
    assert_eq!(results[0].0, "call_acct");
    assert_eq!(results[0].1["name"], "Jordan Lee");
    assert_eq!(
        second.request.tools, first.request.tools,
        "the tools stay offered"
    );

    // Recorded as the supervisor's, and not answered to the model.
    assert_eq!(
        supervisor_calls(&out),
        [("getUserAccountInfo".to_owned(), ToolOutcome::Ok)]
    );
    let marked = guard_details(&out, GuardDecision::SupervisorToolCall);
    assert!(
        marked[0].contains("getUserAccountInfo") && marked[0].contains("call_acct"),
        "{marked:?}"
    );
    assert!(
        !tool_outputs(&out)
            .iter()
            .any(|(id, _)| id.contains("call_s/"))
    );

    let out = reply(&mut h, round(2), says("Your last payment was $45.20."));
    let answer = answered(&out);
    assert_eq!(
        answer["answer"],
        "Your last payment was forty-five dollars and twenty cents."
    );
}

#[test]
fn invalid_arguments_are_refused_before_running_and_count_towards_escalation() {
    let mut h = Harness::new(AGENT);
    ask(&mut h);
    let mut out = reply(
        &mut h,
        round(1),
        calls(&[
            (
                "call_a",
                "getUserAccountInfo",
                r#"{"phone_number":"206-555"}"#,
            ),
            ("call_b", "refund_everything", "{}"),
            ("call_c", "lookupPolicyDocument", "{\"topic"),
        ]),
    );
    let asked = requests(&out);
    assert_eq!(asked.len(), 1, "all three refused at once: {out:#?}");
    let results = tool_messages(asked[0]);
    let errors: Vec<(&str, &str)> = results
        .iter()
        .map(|(id, content)| {
            assert_eq!(content["status"], "error");
            (id.as_str(), content["error"].as_str().expect("a reason"))
        })
        .collect();
    assert_eq!(errors[0].0, "call_a");
    assert!(errors[0].1.contains("phone_number"), "{errors:?}");
    assert_eq!(errors[1].0, "call_b");
    assert!(errors[1].1.contains("not one of your tools"), "{errors:?}");
    assert_eq!(errors[2].0, "call_c");
    assert!(errors[2].1.contains("not JSON"), "{errors:?}");
    assert!(
        !out.iter().any(|o| matches!(o, Output::RunTool(_))),
        "nothing ran"
    );
    assert_eq!(
        supervisor_calls(&out),
        [
            ("getUserAccountInfo".to_owned(), ToolOutcome::Invalid),
            ("refund_everything".to_owned(), ToolOutcome::Invalid),
            ("lookupPolicyDocument".to_owned(), ToolOutcome::Invalid),
        ]
    );

    // A second failure of the same tool reaches the threshold (2).
    out = reply(
        &mut h,
        round(2),
        calls(&[("call_d", "getUserAccountInfo", r#"{"phone_number":"1"}"#)]),
    );
    let threshold = guard_details(&out, GuardDecision::EscalationThreshold);
    assert!(
        threshold
            .iter()
            .any(|t| t.contains("2 failed attempts with `getUserAccountInfo`")),
        "{threshold:?}"
    );
}

#[test]
fn a_confirmation_first_tool_called_by_the_supervisor_is_held_and_never_runs() {
    let mut h = Harness::new(AGENT);
    ask(&mut h);
    let out = reply(
        &mut h,
        round(1),
        calls(&[("call_r", "refund_credit", r#"{"minutes":30}"#)]),
    );
    assert!(!out.iter().any(|o| matches!(o, Output::RunTool(_))));
    let result = &tool_messages(requests(&out)[0])[0].1;
    assert_eq!(result["status"], "confirmation_required");
    assert!(
        result["message"]
            .as_str()
            .expect("why")
            .contains("only the agent on the call can ask"),
        "{result}"
    );
    assert_eq!(
        supervisor_calls(&out),
        [("refund_credit".to_owned(), ToolOutcome::HeldForConfirmation)]
    );
    assert_eq!(
        guard_details(&out, GuardDecision::SupervisorNeedsConsent).len(),
        1
    );

    // A caller's yes to something else later does not make the supervisor's call run either.
    h.caller_says("Yes please.");
    let out = reply(
        &mut h,
        round(2),
        calls(&[("call_r2", "refund_credit", r#"{"minutes":30}"#)]),
    );
    assert!(!out.iter().any(|o| matches!(o, Output::RunTool(_))));
}

#[test]
fn a_webhook_runs_through_the_driver_within_the_questions_deadline() {
    let mut h = Harness::new(AGENT);
    let deadline = requests(&ask(&mut h))[0].deadline;
    let out = reply(
        &mut h,
        round(1),
        calls(&[("call_pol", "lookupPolicyDocument", r#"{"topic":"roaming"}"#)]),
    );
    let run = out
        .iter()
        .find_map(|o| match o {
            Output::RunTool(run) => Some(run.clone()),
            _ => None,
        })
        .expect("the webhook goes to the driver");
    assert_eq!(run.name, "lookupPolicyDocument");
    assert_eq!(run.arguments, json!({"topic": "roaming"}));
    assert_eq!(
        run.deadline, deadline,
        "its 10 s limit is cut to the question's deadline"
    );
    assert_eq!(run.idempotency_key, format!("sess_test:{}", run.call_id));

    let out = h.tool_result(
        run.call_id.as_str(),
        Ok(json!({"policy": "Roaming is $10 per day."})),
    );
    let next = requests(&out);
    assert_eq!(next.len(), 1);
    assert_eq!(
        tool_messages(next[0]),
        [(
            "call_pol".to_owned(),
            json!({"policy": "Roaming is $10 per day."})
        )]
    );
}

#[test]
fn a_supervisor_that_never_stops_calling_tools_is_cut_off() {
    let mut h = Harness::new(
        AGENT
            .replace("timeout_ms: 3000", "timeout_ms: 30000")
            .as_str(),
    );
    ask(&mut h);
    let mut sent = 1;
    let mut out = Vec::new();
    for n in 1..=6 {
        out = reply(
            &mut h,
            round(n),
            calls(&[(
                &format!("call_{n}"),
                "getUserAccountInfo",
                r#"{"phone_number":"2065550199"}"#,
            )]),
        );
        out.extend(h.advance(Duration::from_millis(200)));
        sent += requests(&out).len();
    }
    assert_eq!(sent, 6, "five rounds of tools, then one last chance");
    let why = answered(&out)["error"]
        .as_str()
        .expect("the fallback")
        .to_owned();
    assert!(why.contains("still calling tools after 5 rounds"), "{why}");
    assert!(
        why.contains("Sorry, I can't check that right now."),
        "{why}"
    );
}

#[test]
fn a_question_that_times_out_while_a_tool_runs_gets_the_fallback_and_the_late_result_goes_nowhere()
{
    let mut h = Harness::new(AGENT);
    ask(&mut h);
    let out = reply(
        &mut h,
        round(1),
        calls(&[("call_pol", "lookupPolicyDocument", r#"{"topic":"roaming"}"#)]),
    );
    let run_id = out
        .iter()
        .find_map(|o| match o {
            Output::RunTool(run) => Some(run.call_id.clone()),
            _ => None,
        })
        .expect("a webhook run");
    let out = h.advance(Duration::from_millis(3_000));
    let why = answered(&out)["error"]
        .as_str()
        .expect("the fallback")
        .to_owned();
    assert!(why.contains("did not answer in time"), "{why}");
    assert!(requests(&out).is_empty());
    // The webhook's own deadline passed with the question's: recorded as the supervisor's
    // timeout, never answered to the model.
    assert_eq!(
        supervisor_calls(&out),
        [("lookupPolicyDocument".to_owned(), ToolOutcome::Timeout)]
    );
    assert!(
        !tool_outputs(&out)
            .iter()
            .any(|(id, _)| id.as_str() == run_id.as_str())
    );
}

#[test]
fn a_tool_the_flows_state_does_not_allow_is_refused_for_the_supervisor_too() {
    let agent = format!(
        "{AGENT}dynamic:\n  initial: verify\n  states:\n    - id: verify\n      instructions: [Ask for the phone number.]\n      tools: [getUserAccountInfo]\n      transitions: [resolve]\n    - id: resolve\n      instructions: [Help.]\n      tools: [lookupPolicyDocument]\n"
    );
    let mut h = Harness::new(&agent);
    ask(&mut h);
    let out = reply(
        &mut h,
        round(1),
        calls(&[("call_pol", "lookupPolicyDocument", r#"{"topic":"roaming"}"#)]),
    );
    assert!(!out.iter().any(|o| matches!(o, Output::RunTool(_))));
    let result = &tool_messages(requests(&out)[0])[0].1;
    assert!(
        result["error"]
            .as_str()
            .expect("why")
            .contains("not available in state `verify`"),
        "{result}"
    );
    assert_eq!(
        supervisor_calls(&out),
        [("lookupPolicyDocument".to_owned(), ToolOutcome::Refused)]
    );
}
