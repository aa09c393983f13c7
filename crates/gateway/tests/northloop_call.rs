//! The whole NorthLoop call, client → gateway → emulator over real sockets: once with the
//! rehearsal script, once with a model that misbehaves, which the guards hold against.

mod common;

use common::*;
use serde_json::{Value, json};

const NORTHLOOP: &str = "examples/agents/northloop/agent.yaml";

fn rehearsal_script() -> String {
    std::fs::read_to_string(repo_file("examples/agents/northloop/rehearsal.yaml"))
        .expect("the rehearsal script")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_northloop_call_runs_end_to_end() {
    let rig = Rig::start(agent_from_file(NORTHLOOP), &rehearsal_script()).await;
    let mut caller = rig.client().await;

    let created = caller.until_type("session.created").await;
    let instructions = created[0]["session"]["instructions"]
        .as_str()
        .unwrap_or_default();
    assert!(instructions.contains("NorthLoop"), "{instructions}");
    // Text replies: this client plays no audio, and the engine ends the call only once the
    // goodbye has been heard, which for audio means played out in real time.
    caller
        .send(json!({"type":"session.update","session":{"type":"realtime","output_modalities":["text"]}}))
        .await;
    caller.until_type("session.updated").await;

    // Greeting.
    caller.send(json!({"type":"response.create"})).await;
    let greeting = spoken(&caller.until_reply().await).join(" ");
    assert!(greeting.contains("NorthLoop"), "{greeting}");

    // The problem, then the phone number, read back one character at a time.
    caller.say("My internet keeps dropping.").await;
    caller.until_reply().await;
    caller
        .say("It's four one five, five five five, zero one two three.")
        .await;
    let readback = spoken(&caller.until_reply().await).join(" ");
    assert!(readback.contains("4-1-5-5-5-5-0-1-2-3"), "{readback}");

    // Confirmed: lookup_account, then check_outage, both run by the gateway, unseen.
    caller.say("Yes, that's right.").await;
    let mut turn = caller.until_said("Alex").await;
    turn.extend(caller.until_said("would you like me to go ahead?").await);
    turn.extend(caller.until_type("response.done").await);
    let outage = spoken(&turn).join(" ");
    assert!(outage.contains("outage in your area"), "{outage}");
    assert!(
        !turn.iter().any(|e| e["item"]["type"] == "function_call"
            || e["type"] == "response.function_call_arguments.done"),
        "server-side tool calls never reach the caller"
    );

    // The credit: asked, affirmed, applied.
    caller.say("Yes please.").await;
    caller.until_said("Credit applied").await;
    caller.until_type("response.done").await;

    // Goodbye: finish_session ends the call after the goodbye.
    caller.say("No, that's all, thanks.").await;
    caller.until_said("have a good day").await;
    assert_eq!(caller.until_closed().await, 1000);

    let model_saw = rig.model_saw(0);
    let outputs = outputs_to_model(&model_saw);
    let results: Vec<&Value> = outputs.iter().map(|(_, v)| v).collect();
    assert!(
        results.iter().any(|r| r["account_id"] == "NL-10482"),
        "lookup_account answered from its fixture: {results:?}"
    );
    assert!(results.iter().any(|r| r["outage"] == true), "{results:?}");
    assert!(
        results.iter().any(|r| r["status"] == "applied"),
        "refund_credit ran once confirmed: {results:?}"
    );
    assert!(
        !results
            .iter()
            .any(|r| r["status"] == "confirmation_required"),
        "the model asked first, so the guard never had to refuse: {results:?}"
    );
    let order: Vec<usize> = ["NL-10482", "outage", "applied"]
        .iter()
        .map(|needle| {
            outputs
                .iter()
                .position(|(_, v)| v.to_string().contains(needle))
                .expect("each tool answered")
        })
        .collect();
    assert!(
        order.windows(2).all(|w| w[0] < w[1]),
        "lookup, outage, refund in order"
    );
}

const MISBEHAVING: &str = r#"
responses:
  - say: Thanks for calling NorthLoop Internet. How can I help?
  # Straight to a refund, without asking the caller.
  - calls: [{name: refund_credit, arguments: {account_id: NL-10482, minutes: 60}, call_id: call_refund}]
  - say: I can issue a credit for this outage—would you like me to go ahead?
  # A state change on an agent without conversation states.
  - calls: [{name: set_conversation_state, arguments: {next_state: billing}, call_id: call_state}]
  - say: Let me look that up.
    calls: [{name: lookup_account, arguments: {email_or_phone: "4155550123"}, call_id: call_dup}]
  - say: Found it.
  # The same call id again: it must not run twice.
  - calls: [{name: lookup_account, arguments: {email_or_phone: "4155550123"}, call_id: call_dup}]
  - say: All done.
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_guard_holds_against_a_misbehaving_model() {
    let rig = Rig::start(agent_from_file(NORTHLOOP), MISBEHAVING).await;
    let mut caller = rig.client().await;
    caller.until_type("session.created").await;
    caller.send(json!({"type":"response.create"})).await;
    caller.until_reply().await;

    // A refund nobody agreed to is refused; the model is told to ask.
    caller.say("My internet was down all week.").await;
    let asked = spoken(&caller.until_reply().await).join(" ");
    assert!(asked.contains("would you like me to go ahead"), "{asked}");
    let refund = outputs_to_model(&rig.model_saw(0))
        .into_iter()
        .find(|(id, _)| id == "call_refund")
        .expect("the refund call was answered");
    assert_eq!(refund.1["status"], "confirmation_required", "{}", refund.1);

    // A transition the agent does not allow is refused.
    caller.say("Actually, it's about billing.").await;
    caller.until_reply().await;
    let state = outputs_to_model(&rig.model_saw(0))
        .into_iter()
        .find(|(id, _)| id == "call_state")
        .expect("the state change was answered");
    assert!(
        state.1.to_string().contains("no conversation states"),
        "{}",
        state.1
    );

    // A repeated call id runs once.
    caller.say("My number is 415 555 0123.").await;
    caller.until_reply().await;
    caller.say("Thanks.").await;
    caller.until_type("response.done").await;
    let dup_outputs = outputs_to_model(&rig.model_saw(0))
        .into_iter()
        .filter(|(id, _)| id == "call_dup")
        .count();
    assert_eq!(dup_outputs, 1, "call_dup was answered exactly once");

    let (_, metrics) = http_get(&rig.http("/metrics")).await;
    assert!(
        metrics
            .contains("switchboard_guard_decisions_total{decision=\"duplicate_call_ignored\"} 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains("decision=\"confirmation_requested\""),
        "{metrics}"
    );
}

const DYNAMIC: &str = "examples/agents/dynamic-verify-resolve/agent.yaml";

const SKIPPING_VERIFICATION: &str = r#"
responses:
  # Straight to `resolve`, before the account is verified: the edge exists, its requirement
  # (account_id) is not met.
  - calls: [{name: set_conversation_state, arguments: {next_state: resolve}, call_id: call_skip}]
  - say: I need to verify your account first.
  # A state that is not an exit of `verify` at all.
  - calls: [{name: set_conversation_state, arguments: {next_state: nowhere}, call_id: call_nowhere}]
  - say: Let's stay here.
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transitions_the_flow_does_not_allow_are_refused() {
    let rig = Rig::start(agent_from_file(DYNAMIC), SKIPPING_VERIFICATION).await;
    let mut caller = rig.client().await;
    caller.until_type("session.created").await;
    caller.say("Book me a technician.").await;
    caller.until_said("verify your account first").await;
    caller.until_type("response.done").await;
    caller.say("Just book it.").await;
    caller.until_said("stay here").await;
    let outputs = outputs_to_model(&rig.model_saw(0));
    for (id, why) in [
        ("call_skip", "missing account_id"),
        ("call_nowhere", "nowhere"),
    ] {
        let (_, output) = outputs
            .iter()
            .find(|(call, _)| call == id)
            .unwrap_or_else(|| panic!("{id} was answered: {outputs:?}"));
        assert_eq!(output["status"], "error", "{id}: {output}");
        let error = output["error"].as_str().unwrap_or_default();
        assert!(error.contains(why), "{id}: {output}");
    }
    // The model never got the `resolve` state's tools.
    assert!(
        !rig.model_saw(0)
            .iter()
            .any(|e| e["type"] == "session.update" && e.to_string().contains("schedule_technician")),
        "still in verify"
    );
}

const HUMAN_PLEASE: &str = r#"
responses:
  - say: Thanks for calling NorthLoop Internet. How can I help?
  - say: Thanks for your patience—I’m connecting you with a specialist now.
    calls: [{name: escalate_to_human, arguments: {account_id: "", reason: caller asked for a human}}]
  - say: A specialist will be with you shortly.
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_caller_who_asks_for_a_human_is_escalated() {
    let rig = Rig::start(agent_from_file(NORTHLOOP), HUMAN_PLEASE).await;
    let mut caller = rig.client().await;
    caller.until_type("session.created").await;
    caller.send(json!({"type":"response.create"})).await;
    caller.until_reply().await;
    caller.say("Can I talk to a person?").await;
    caller.until_said("specialist will be with you").await;
    let (_, metrics) = http_get(&rig.http("/metrics")).await;
    assert!(
        metrics.contains("switchboard_escalations_total{agent=\"northloop\"} 1"),
        "{metrics}"
    );
    let answered = outputs_to_model(&rig.model_saw(0));
    assert!(
        answered.iter().any(|(_, v)| v["status"] == "ok"),
        "the escalation tool succeeded: {answered:?}"
    );
}
