//! The newer Realtime models call several tools in one response (`parallel_tool_calls`). Each
//! call meets the guards on its own, every call id gets its output, and only then is the model
//! asked to go on, once: a response made with half the results would be answered again.

mod common;

use std::time::Duration;

use common::*;
use serde_json::json;
use switchboard_engine::{GuardDecision, ToolOutcome};

const AGENT: &str = r#"
name: parallel
role: You are NorthLoop Internet Support.
audio: {lock_turn_detection: true}
tools:
  - name: lookup_account
    description: Fetch the account.
    parameters: {type: object, properties: {phone: {type: string}}, required: [phone]}
    run:
      fixtures:
        - result: {account_id: "A-100"}
  - name: check_outage
    description: Check outages.
    parameters: {type: object, properties: {zip: {type: string}}}
    run: {webhook: {url: "https://tools.example/outage"}}
  - name: check_billing
    description: Read the last bill.
    parameters: {type: object, properties: {account_id: {type: string}}}
    run: {webhook: {url: "https://tools.example/billing"}}
  - name: refund_credit
    description: Issue a credit.
    behaviour: confirmation_first
    confirmation_phrase: Shall I issue a credit of {minutes} minutes?
    access: write
    parameters:
      type: object
      properties: {account_id: {type: string}, minutes: {type: integer}}
      required: [account_id, minutes]
    run: {webhook: {url: "https://tools.example/refund"}}
  - name: send_sms
    description: Text the caller; the caller's app sends it.
    parameters: {type: object, properties: {text: {type: string}}}
"#;

#[test]
fn the_model_goes_on_once_after_every_running_call_of_a_batch_has_answered() {
    let mut h = Harness::new(AGENT);
    let (_, out) = h.model_response(
        &[
            Part::call("call_a", "check_outage", json!({"zip": "94107"})),
            Part::call("call_b", "check_billing", json!({"account_id": "A-100"})),
        ],
        true,
    );
    assert_eq!(
        executed_runs(&out),
        ["check_outage", "check_billing"],
        "both calls of the batch run"
    );
    assert!(response_creates(&out).is_empty(), "nothing is answered yet");

    let out = h.tool_result("call_a", Ok(json!({"outage": true})));
    assert_eq!(
        tool_outputs(&out).len(),
        1,
        "the first output goes to the model at once"
    );
    assert!(
        response_creates(&out).is_empty(),
        "the model is not asked to go on while `check_billing` of the same batch still runs"
    );

    let out = h.tool_result("call_b", Ok(json!({"balance": 42})));
    assert_eq!(tool_outputs(&out).len(), 1);
    assert_eq!(
        to_model_types(&out),
        ["conversation.item.create", "response.create"],
        "the last output, then one response"
    );
}

#[test]
fn a_read_runs_while_a_confirmation_first_write_of_the_same_batch_is_held() {
    let mut h = Harness::new(AGENT);
    let (_, mut out) = h.model_response(
        &[
            Part::say("Let me look that up.", 4_800),
            Part::call(
                "call_read",
                "lookup_account",
                json!({"phone": "4155551234"}),
            ),
            Part::call(
                "call_write",
                "refund_credit",
                json!({"account_id": "A-100", "minutes": 30}),
            ),
        ],
        true,
    );
    // The read's fixture answers on the engine's next timer.
    out.extend(h.advance(Duration::from_millis(1)));
    let outputs = tool_outputs(&out);
    assert_eq!(
        outputs.len(),
        2,
        "every call id gets its output: {outputs:?}"
    );
    let output = |id: &str| &outputs.iter().find(|(c, _)| c == id).expect("answered").1;
    assert_eq!(output("call_read")["account_id"], "A-100", "the read ran");
    assert_eq!(
        output("call_write")["status"],
        "confirmation_required",
        "the write is held"
    );
    assert!(
        !executed_runs(&out).contains(&"refund_credit".to_owned()),
        "the write did not run"
    );
    assert_eq!(
        guard_details(&out, GuardDecision::ConfirmationRequested).len(),
        1
    );
    assert_eq!(
        response_creates(&out).len(),
        1,
        "one response after the batch, not one per output"
    );
    let last_output = out
        .iter()
        .rposition(|o| {
            matches!(
                o,
                switchboard_engine::Output::ToModel(
                    switchboard_wire::ClientEvent::ConversationItemCreate(_)
                )
            )
        })
        .expect("outputs were sent");
    let create = out
        .iter()
        .position(|o| {
            matches!(
                o,
                switchboard_engine::Output::ToModel(switchboard_wire::ClientEvent::ResponseCreate(
                    _
                ))
            )
        })
        .expect("a response was asked for");
    assert!(
        create > last_output,
        "the response comes after every output"
    );
}

#[test]
fn a_caller_response_create_waits_for_the_engines_calls_of_the_batch() {
    let mut h = Harness::new(AGENT);
    let (_, out) = h.model_response(
        &[
            Part::call("call_run", "check_outage", json!({"zip": "94107"})),
            Part::call(
                "call_client",
                "send_sms",
                json!({"text": "Your ticket is 42."}),
            ),
        ],
        true,
    );
    assert!(
        to_caller_types(&out).contains(&"response.function_call_arguments.done"),
        "the client's call reaches the client"
    );
    // The client answers its call and asks the model to go on, as the Agents SDK does.
    let out = h.caller(
        json!({"type":"conversation.item.create","event_id":"evt_out",
        "item":{"type":"function_call_output","call_id":"call_client","output":"{\"sent\":true}"}}),
    );
    assert_eq!(to_model_types(&out), ["conversation.item.create"]);
    let out = h.caller(json!({"type":"response.create","event_id":"evt_go"}));
    assert!(
        response_creates(&out).is_empty(),
        "the caller's response.create waits while `check_outage` of the batch runs"
    );
    assert!(caller_errors(&out).is_empty(), "{:?}", caller_errors(&out));

    let out = h.tool_result("call_run", Ok(json!({"outage": false})));
    let creates = response_creates(&out);
    assert_eq!(creates.len(), 1, "one response for the whole batch");
    assert_eq!(
        creates[0].event_id.as_ref().map(|e| e.as_str()),
        Some("evt_go"),
        "it is the caller's own, sent once the batch is answered"
    );
    assert_eq!(
        to_model_types(&out),
        ["conversation.item.create", "response.create"]
    );
}

#[test]
fn the_engine_leaves_going_on_to_a_client_whose_call_is_still_out() {
    let mut h = Harness::new(AGENT);
    h.model_response(
        &[
            Part::call("call_run", "check_outage", json!({"zip": "94107"})),
            Part::call("call_client", "send_sms", json!({"text": "Hi"})),
        ],
        true,
    );
    let out = h.tool_result("call_run", Ok(json!({"outage": false})));
    assert_eq!(tool_outputs(&out).len(), 1);
    assert!(
        response_creates(&out).is_empty(),
        "the client's call has no output yet: the model would answer without it"
    );
    h.caller(json!({"type":"conversation.item.create",
        "item":{"type":"function_call_output","call_id":"call_client","output":"{}"}}));
    let out = h.caller(json!({"type":"response.create","event_id":"evt_go"}));
    assert_eq!(
        response_creates(&out).len(),
        1,
        "the client's own goes through"
    );
}

#[test]
fn a_response_still_streaming_holds_the_batchs_response() {
    let mut h = Harness::new(AGENT);
    let (resp, _) = h.model_response(
        &[Part::call(
            "call_read",
            "lookup_account",
            json!({"phone": "4155551234"}),
        )],
        false,
    );
    let out = h.advance(Duration::from_millis(1));
    assert_eq!(tool_outputs(&out).len(), 1);
    assert!(
        response_creates(&out).is_empty(),
        "the response is still going"
    );
    let out = h.model(json!({"type":"response.done","event_id":"evt_done",
        "response":{"id":resp,"status":"completed","output":[]}}));
    assert_eq!(response_creates(&out).len(), 1);
}

#[test]
fn a_timed_out_call_of_a_batch_still_lets_the_model_go_on_once() {
    let mut h = Harness::new(AGENT);
    h.model_response(
        &[
            Part::call("call_a", "check_outage", json!({"zip": "94107"})),
            Part::call("call_b", "check_billing", json!({"account_id": "A-100"})),
        ],
        true,
    );
    let out = h.tool_result("call_a", Ok(json!({"outage": true})));
    assert!(response_creates(&out).is_empty());
    // check_billing never answers: its deadline answers it.
    let out = h.advance(Duration::from_secs(30));
    let outcomes: Vec<ToolOutcome> = records(&out)
        .into_iter()
        .filter_map(|r| match r {
            switchboard_engine::Record::ToolCall { outcome, .. } => Some(*outcome),
            _ => None,
        })
        .collect();
    assert_eq!(outcomes, [ToolOutcome::Timeout]);
    assert_eq!(response_creates(&out).len(), 1);
}

/// Names of the tools that were sent out to run, in order.
fn executed_runs(out: &[switchboard_engine::Output]) -> Vec<String> {
    out.iter()
        .filter_map(|o| match o {
            switchboard_engine::Output::RunTool(run) => Some(run.name.clone()),
            _ => None,
        })
        .collect()
}

/// A batch mixing `set_conversation_state` with business tools: every call is judged against
/// the state the response was made in, whenever the model confirms the new state's session.
#[test]
fn a_state_change_in_a_batch_takes_effect_after_the_batch() {
    let mut h = Harness::agent();
    h.model_calls(
        "call_1",
        "lookup_account",
        json!({"email_or_phone": "4155551234"}),
    );
    h.advance(Duration::from_millis(1));
    assert_eq!(h.session.state(), Some("verify"));
    // The harness's model confirms the state's session.update at once, mid-response, before
    // the refund call arrives.
    let (_, out) = h.model_response(
        &[
            Part::call(
                "call_state",
                "set_conversation_state",
                json!({"next_state": "resolve"}),
            ),
            Part::call(
                "call_refund",
                "refund_credit",
                json!({"account_id": "A-100", "minutes": 30}),
            ),
        ],
        true,
    );
    assert_eq!(
        h.session.state(),
        Some("resolve"),
        "the transition was taken"
    );
    let outputs = tool_outputs(&out);
    let output = |id: &str| &outputs.iter().find(|(c, _)| c == id).expect("answered").1;
    assert_eq!(output("call_state")["status"], "ok");
    let refund = output("call_refund");
    assert_eq!(refund["status"], "error", "{refund}");
    assert!(
        refund["error"]
            .as_str()
            .is_some_and(|e| e.contains("not available in state `verify`")),
        "the refund is judged in the state the response was made in: {refund}"
    );
    assert_eq!(
        response_creates(&out).len(),
        1,
        "one response after the batch"
    );
}

/// A lookup that captures what the next state requires, and the move, in one response: the
/// move is judged once the lookup has answered, in whichever order the result and the move's
/// item arrive.
#[test]
fn a_move_waits_for_the_lookup_of_its_batch_that_captures_what_it_requires() {
    for lookup_first in [true, false] {
        let mut h = Harness::agent();
        let lookup = Part::call(
            "call_lookup",
            "lookup_account",
            json!({"email_or_phone": "4155551234"}),
        );
        let mv = Part::call(
            "call_move",
            "set_conversation_state",
            json!({"next_state": "resolve"}),
        );
        let parts = if lookup_first {
            [lookup, mv]
        } else {
            [mv, lookup]
        };
        let (_, mut out) = h.model_response(&parts, true);
        assert_eq!(h.session.state(), Some("verify"), "nothing is judged yet");
        assert_eq!(
            guard_details(&out, GuardDecision::TransitionDeferred).len(),
            1,
            "the move waits for the lookup"
        );
        // The lookup's fixture answers on the engine's next timer.
        out.extend(h.advance(Duration::from_millis(1)));
        assert_eq!(
            h.session.state(),
            Some("resolve"),
            "lookup first: {lookup_first}"
        );
        let outputs = tool_outputs(&out);
        let output = |id: &str| &outputs.iter().find(|(c, _)| c == id).expect("answered").1;
        assert_eq!(output("call_move")["status"], "ok");
        assert!(guard_details(&out, GuardDecision::TransitionRefused).is_empty());
        assert_eq!(
            response_creates(&out).len(),
            1,
            "one response after the batch"
        );
    }
}

/// When the lookup fails, the deferred move is refused for what is still missing.
#[test]
fn a_deferred_move_is_refused_when_its_batch_did_not_capture_what_it_requires() {
    let mut h = Harness::agent();
    h.model_response(
        &[
            Part::call(
                "call_lookup",
                "lookup_account",
                json!({"email_or_phone": "0000000"}),
            ),
            Part::call(
                "call_move",
                "set_conversation_state",
                json!({"next_state": "resolve"}),
            ),
        ],
        true,
    );
    let out = h.advance(Duration::from_millis(1));
    assert_eq!(h.session.state(), Some("verify"));
    let refused = guard_details(&out, GuardDecision::TransitionRefused);
    assert!(
        refused.iter().any(|d| d.contains("missing account_id")),
        "{refused:?}"
    );
    assert_eq!(response_creates(&out).len(), 1);
}
