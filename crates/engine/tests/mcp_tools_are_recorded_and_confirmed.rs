//! MCP tools run at the provider. The engine records every call of the agent's servers, and a
//! confirmation-first MCP tool is rendered with `require_approval`: the provider asks, and the
//! engine answers with the same consent rules as for function tools. The caller never sees
//! the approval exchange.

mod common;

use std::time::Duration;

use common::*;
use serde_json::{Value, json};
use switchboard_engine::{CalledBy, GuardDecision, Output, Record, ToolOutcome};
use switchboard_wire::{ClientEvent, Item};

const AGENT: &str = r#"
name: mcp-agent
role: You are NorthLoop Internet Support.
audio: {lock_turn_detection: true}
mcp_servers:
  - server_label: calendar
    server_url: https://mcp.example.com/calendar
    allowed_tools: [list_slots, book_slot]
    tools:
      - name: list_slots
        use_when: the caller asks when a technician can come.
      - name: book_slot
        behaviour: confirmation_first
        confirmation_phrase: Shall I book the {window} window?
        confirm: {arguments: [window]}
escalation:
  triggers: [User asks for a human]
  say: Connecting you now.
  thresholds: {failed_tool_attempts: 2}
"#;

fn approval_request(h: &mut Harness, id: &str, name: &str, args: Value) -> Vec<Output> {
    let resp = format!("resp_{id}");
    let item = json!({"type":"mcp_approval_request","id":id,"server_label":"calendar","name":name,
        "arguments":args.to_string()});
    let mut out = Vec::new();
    for event in [
        json!({"type":"response.created","event_id":format!("e1_{id}"),"response":{"id":resp,"status":"in_progress","output":[]}}),
        json!({"type":"response.output_item.added","event_id":format!("e2_{id}"),"response_id":resp,"output_index":0,"item":item}),
        json!({"type":"conversation.item.added","event_id":format!("e3_{id}"),"item":item}),
        json!({"type":"response.output_item.done","event_id":format!("e4_{id}"),"response_id":resp,"output_index":0,"item":item}),
        json!({"type":"response.done","event_id":format!("e5_{id}"),"response":{"id":resp,"status":"completed","output":[item]}}),
    ] {
        out.extend(h.model(event));
    }
    out
}

fn approvals(out: &[Output]) -> Vec<(String, bool, Option<String>)> {
    out.iter()
        .filter_map(|o| match o {
            Output::ToModel(ClientEvent::ConversationItemCreate(c)) => match &c.item {
                Item::McpApprovalResponse(a) => Some((
                    a.approval_request_id.clone(),
                    a.approve,
                    a.reason.clone().into_value(),
                )),
                _ => None,
            },
            _ => None,
        })
        .collect()
}

fn mcp_call(
    h: &mut Harness,
    id: &str,
    name: &str,
    args: Value,
    output: Option<&str>,
    error: Option<Value>,
) -> Vec<Output> {
    let resp = format!("resp_{id}");
    let added =
        json!({"type":"mcp_call","id":id,"server_label":"calendar","name":name,"arguments":""});
    let mut done = json!({"type":"mcp_call","id":id,"server_label":"calendar","name":name,"arguments":args.to_string()});
    if let Some(output) = output {
        done["output"] = json!(output);
    }
    if let Some(error) = error {
        done["error"] = error;
    }
    let mut out = Vec::new();
    for event in [
        json!({"type":"response.created","event_id":format!("e1_{id}"),"response":{"id":resp,"status":"in_progress","output":[]}}),
        json!({"type":"response.output_item.added","event_id":format!("e2_{id}"),"response_id":resp,"output_index":0,"item":added}),
        json!({"type":"response.output_item.done","event_id":format!("e4_{id}"),"response_id":resp,"output_index":0,"item":done}),
        json!({"type":"response.done","event_id":format!("e5_{id}"),"response":{"id":resp,"status":"completed","output":[done]}}),
    ] {
        out.extend(h.model(event));
    }
    out
}

#[test]
fn a_confirmation_first_mcp_tool_is_denied_until_the_caller_agrees_to_exactly_it() {
    let mut h = Harness::new(AGENT);
    let out = approval_request(&mut h, "mcpr_1", "book_slot", json!({"window": "morning"}));
    let answers = approvals(&out);
    assert_eq!(answers.len(), 1);
    assert!(!answers[0].1, "no consent yet: denied");
    assert!(
        answers[0]
            .2
            .as_deref()
            .is_some_and(|r| r.contains("Shall I book the {window} window?")),
        "the model is told what to ask: {answers:?}"
    );
    assert_eq!(
        guard_details(&out, GuardDecision::ConfirmationRequested).len(),
        1
    );
    assert_eq!(response_creates(&out).len(), 1, "the model goes on to ask");
    assert!(
        !to_caller_types(&out)
            .iter()
            .any(|t| *t == "response.output_item.added" || *t == "conversation.item.added"),
        "the approval exchange is not the caller's: {:?}",
        to_caller_types(&out)
    );

    // The caller hears the question and agrees.
    h.model_speaks("item_q", "Shall I book the morning window?", 48_000);
    h.advance(Duration::from_secs(2));
    h.caller_says("Yes, please.");

    // A request for another window is not what was agreed.
    let out = approval_request(&mut h, "mcpr_2", "book_slot", json!({"window": "evening"}));
    assert!(
        !approvals(&out)[0].1,
        "the yes was to the morning: {:?}",
        approvals(&out)
    );

    // Asked again about the evening, agreed, and requested with exactly it: approved.
    h.model_speaks("item_q2", "Shall I book the evening window?", 48_000);
    h.advance(Duration::from_secs(2));
    h.caller_says("Yes.");
    let out = approval_request(&mut h, "mcpr_3", "book_slot", json!({"window": "evening"}));
    assert_eq!(approvals(&out), [("mcpr_3".to_owned(), true, None)]);
    assert_eq!(guard_details(&out, GuardDecision::McpApproved).len(), 1);
}

#[test]
fn a_tool_that_needs_no_confirmation_is_approved() {
    let mut h = Harness::new(AGENT);
    let out = approval_request(&mut h, "mcpr_1", "list_slots", json!({}));
    assert_eq!(approvals(&out), [("mcpr_1".to_owned(), true, None)]);
}

#[test]
fn every_mcp_call_is_recorded_and_failures_count_towards_escalation() {
    let mut h = Harness::new(AGENT);
    let out = mcp_call(
        &mut h,
        "mcp_1",
        "list_slots",
        json!({"day": "monday"}),
        Some("{\"slots\":[\"9-12\"]}"),
        None,
    );
    let calls: Vec<(String, ToolOutcome, CalledBy, Value)> = records(&out)
        .into_iter()
        .filter_map(|r| match r {
            Record::ToolCall {
                name,
                outcome,
                called_by,
                result,
                ..
            } => Some((name.clone(), *outcome, *called_by, result.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(
        calls,
        [(
            "calendar.list_slots".to_owned(),
            ToolOutcome::Ok,
            CalledBy::Provider,
            json!({"slots": ["9-12"]})
        )]
    );
    assert!(
        to_caller_types(&out).contains(&"response.output_item.done"),
        "the provider's call is shown to the caller as it happened"
    );

    let error = json!({"type":"http_error","code":500,"message":"calendar down"});
    mcp_call(
        &mut h,
        "mcp_2",
        "list_slots",
        json!({}),
        None,
        Some(error.clone()),
    );
    let out = mcp_call(&mut h, "mcp_3", "list_slots", json!({}), None, Some(error));
    assert!(
        guards(&out).contains(&GuardDecision::EscalationThreshold),
        "two failed attempts reach the threshold: {:?}",
        guards(&out)
    );
    // Past the threshold, no MCP tool is approved any more.
    let out = approval_request(&mut h, "mcpr_9", "list_slots", json!({}));
    assert!(!approvals(&out)[0].1);
}

#[test]
fn servers_the_agent_does_not_declare_are_the_callers() {
    let mut h = Harness::new(AGENT);
    let item = json!({"type":"mcp_approval_request","id":"mcpr_x","server_label":"callers","name":"x","arguments":"{}"});
    let mut out = h.model(json!({"type":"response.created","event_id":"e1","response":{"id":"r","status":"in_progress"}}));
    out.extend(h.model(json!({"type":"response.output_item.done","event_id":"e2","response_id":"r","output_index":0,"item":item})));
    assert!(approvals(&out).is_empty());
    assert!(to_caller_types(&out).contains(&"response.output_item.done"));
}

#[test]
fn an_agent_whose_confirmation_first_mcp_tool_would_run_unasked_is_not_served() {
    for server in [
        // Approval written by hand, never asking.
        "    require_approval: never\n",
        // `allowed_tools` without the tool: hand-written approval holding only another.
        "    require_approval: {always: {tool_names: [list_slots]}}\n",
    ] {
        let yaml = AGENT.replace(
            "    allowed_tools: [list_slots, book_slot]\n",
            &format!("    allowed_tools: [list_slots, book_slot]\n{server}"),
        );
        let file = switchboard_agent::load(&yaml).expect("loads").agent;
        let Err(err) = switchboard_engine::CompiledAgent::new(file) else {
            panic!("an agent whose confirmation-first MCP tool would run unasked is refused");
        };
        assert!(err.to_string().contains("`book_slot`"), "{err}");
    }
}

/// An MCP tool's business rules: the provider is told to ask before every call of it, and the
/// engine denies the approval, with the rule's wording, when a rule is false. The rule reads
/// what an earlier MCP call of the same server returned.
#[test]
fn an_mcp_tool_whose_rule_is_false_is_denied() {
    let agent = AGENT.replace(
        "      - name: list_slots\n        use_when: the caller asks when a technician can come.\n",
        "      - name: list_slots\n        use_when: the caller asks when a technician can come.\n      - name: cancel_slot\n        guards:\n          - rule: 'args.window in results[\"calendar.list_slots\"].booked'\n            say: Only a booked window can be cancelled.\n",
    ).replace("allowed_tools: [list_slots, book_slot]", "allowed_tools: [list_slots, book_slot, cancel_slot]");
    let loaded = switchboard_agent::load(&agent).expect("loads");
    let approval = loaded.agent.mcp_servers[0].approval();
    assert!(
        approval.holds("cancel_slot"),
        "the provider asks before it runs"
    );
    assert!(!approval.holds("list_slots"));
    let mut h = Harness::new(&agent);
    let out = approval_request(
        &mut h,
        "mcpr_1",
        "cancel_slot",
        json!({"window": "morning"}),
    );
    assert_eq!(
        approvals(&out),
        [(
            "mcpr_1".to_owned(),
            false,
            Some("Only a booked window can be cancelled.".to_owned())
        )],
        "nothing was listed yet: the rule cannot hold"
    );
    assert_eq!(guard_details(&out, GuardDecision::PolicyRefused).len(), 1);
    mcp_call(
        &mut h,
        "mcp_1",
        "list_slots",
        json!({}),
        Some(r#"{"booked": ["afternoon"]}"#),
        None,
    );
    h.advance(Duration::from_millis(1));
    let out = approval_request(
        &mut h,
        "mcpr_2",
        "cancel_slot",
        json!({"window": "morning"}),
    );
    assert!(!approvals(&out)[0].1, "not a booked window");
    let out = approval_request(
        &mut h,
        "mcpr_3",
        "cancel_slot",
        json!({"window": "afternoon"}),
    );
    assert_eq!(approvals(&out), [("mcpr_3".to_owned(), true, None)]);
}
