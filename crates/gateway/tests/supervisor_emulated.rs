//! The responder/thinker call with both models emulated, offline: the gateway's supervisor
//! override points the guide's supervisor agent at the emulator's Chat Completions route, so
//! the caller's money question goes responder → supervisor tool → the emulated supervisor,
//! which looks the account up through the gateway and answers; the responder gets the answer
//! with the money in words, and the caller hears it.

mod common;

use std::sync::Arc;

use common::{Client, outputs_to_model, spoken};
use serde_json::{Value, json};
use switchboard_gateway::{Gateway, HttpExecutor, Upstream};
use switchboard_testkit::{Emulator, EmulatorOptions, Script};

/// The emulator checks this key on both routes; the gateway sends it to both.
const KEY: &str = "sk-upstream-secret";

/// The responder greets, hands the question to its supervisor, then says the answer. The
/// supervisor looks the account up, then answers with the amount as a number.
const SCRIPT: &str = r#"
responses:
  - say: Thanks for calling Brightline Mobile. How can I help?
  - calls:
      - name: getNextResponseFromSupervisor
        arguments: {relevantContextFromLastUserMessage: "Caller asks for their last payment; phone 2065550199."}
        call_id: call_sup
  - say: Thanks for waiting—your last payment was forty-five dollars and twenty cents.
supervisor:
  - calls:
      - name: getUserAccountInfo
        arguments: {phone_number: "2065550199"}
  - say: The last payment was $45.20 on 2025-08-01.
"#;

struct Call {
    emulator: Emulator,
    _gateway: Gateway,
    caller: Client,
}

/// A call to the supervisor agent, both of its models played by one emulator with `script`.
async fn call(script: &str) -> Call {
    let script = Script::from_text(script, "supervisor script").expect("the script loads");
    let emulator = Emulator::start(
        "127.0.0.1:0",
        script,
        EmulatorOptions {
            require_key: Some(KEY.to_owned()),
            tones_only: true,
            ..EmulatorOptions::default()
        },
    )
    .await
    .expect("the emulator starts");
    let agent = common::agent_from_file("examples/agents/supervisor/agent.yaml");
    let mut config = common::one_agent(agent, &emulator.url());
    // The agent file names api.openai.com and OPENAI_API_KEY; the override replaces both.
    config.agents[0].supervisor = Some(Upstream {
        base_url: emulator.chat_url(),
        api_key: Some(KEY.to_owned()),
        auth: switchboard_gateway::UpstreamAuth::Bearer,
    });
    let gateway = Gateway::start("127.0.0.1:0", config, Arc::new(HttpExecutor::new()))
        .await
        .expect("the gateway starts");
    let url = format!(
        "ws://{}/v1/realtime?model=gpt-realtime",
        gateway.local_addr()
    );
    let mut caller = Client::connect(&url, &[]).await;
    caller.until_type("session.created").await;
    caller
        .send(json!({"type":"session.update","session":{"type":"realtime","output_modalities":["text"]}}))
        .await;
    caller.until_type("session.updated").await;
    caller.send(json!({"type":"response.create"})).await;
    let greeting = spoken(&caller.until_reply().await).join(" ");
    assert!(greeting.contains("Brightline"), "{greeting}");
    Call {
        emulator,
        _gateway: gateway,
        caller,
    }
}

/// What the responder was sent for its supervisor call.
fn supervisor_output(emulator: &Emulator) -> Value {
    let received = emulator.received();
    outputs_to_model(received.first().map_or(&[][..], Vec::as_slice))
        .into_iter()
        .find(|(id, _)| id == "call_sup")
        .map(|(_, output)| output)
        .expect("the supervisor call was answered")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_money_question_is_answered_through_the_emulated_supervisor_in_words() {
    let Call {
        emulator,
        _gateway,
        mut caller,
    } = call(SCRIPT).await;

    caller
        .say("What was my last payment? My number is 206 555 0199.")
        .await;
    let heard = spoken(&caller.until_said("Thanks for waiting").await);

    // The supervisor was asked twice: the question, then again with the tool's result.
    let asked = emulator.chat_requests();
    assert_eq!(asked.len(), 2, "{asked:#?}");
    let first = &asked[0];
    assert_eq!(first["model"], "gpt-5", "the agent file's model");
    assert_eq!(first["stream"], true);
    let instructions = first["messages"][0]["content"].as_str().expect("text");
    assert!(
        instructions.starts_with("You are the supervisor of a Brightline Mobile voice agent."),
        "{instructions}"
    );
    let user = first["messages"][1]["content"].as_str().expect("text");
    assert!(
        user.contains("Caller: What was my last payment? My number is 206 555 0199.")
            && user.contains("Caller asks for their last payment; phone 2065550199."),
        "the call so far and the responder's context: {user}"
    );
    let offered: Vec<&str> = first["tools"]
        .as_array()
        .expect("tools")
        .iter()
        .filter_map(|t| t["function"]["name"].as_str())
        .collect();
    assert!(offered.contains(&"getUserAccountInfo"), "{offered:?}");

    // The gateway ran the lookup the supervisor asked for (the agent's fixture) and sent the
    // account back, after the call that asked for it.
    let second = &asked[1]["messages"];
    let call = &second[2];
    assert_eq!(call["role"], "assistant");
    assert_eq!(
        call["tool_calls"][0]["function"]["name"],
        "getUserAccountInfo"
    );
    let result = &second[3];
    assert_eq!(result["role"], "tool");
    assert_eq!(result["tool_call_id"], call["tool_calls"][0]["id"]);
    let account: Value =
        serde_json::from_str(result["content"].as_str().expect("text")).expect("JSON");
    assert_eq!(account["name"], "Jordan Lee");
    assert_eq!(account["last_payment"]["amount"], 45.2);

    // The responder got the supervisor's answer made speakable: money and date in words.
    let output = supervisor_output(&emulator);
    assert_eq!(output["status"], "ok", "{output}");
    let answer = output["answer"].as_str().expect("an answer");
    assert!(
        answer.contains("forty-five dollars and twenty cents") && !answer.contains('$'),
        "{answer}"
    );
    assert!(answer.contains("August first"), "{answer}");

    // And the caller heard the responder say it, in those words.
    let said = heard.join(" ");
    assert!(
        said.contains("forty-five dollars and twenty cents"),
        "the caller heard: {said}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_supervisor_that_errors_gives_the_responder_the_fallback_line() {
    let script = SCRIPT.replace(
        "supervisor:\n  - calls:\n      - name: getUserAccountInfo\n        arguments: {phone_number: \"2065550199\"}\n  - say: The last payment was $45.20 on 2025-08-01.\n",
        "supervisor:\n  - error: The server is overloaded.\n",
    );
    assert_ne!(script, SCRIPT, "the test edits the supervisor's replies");
    let Call {
        emulator,
        _gateway,
        mut caller,
    } = call(&script).await;

    caller.say("What was my last payment?").await;
    caller.until_said("Thanks for waiting").await;

    assert_eq!(emulator.chat_requests().len(), 1);
    let output = supervisor_output(&emulator);
    assert_eq!(output["status"], "error", "{output}");
    let why = output["error"].as_str().expect("a reason");
    assert!(
        why.contains("HTTP 500") && why.contains("The server is overloaded."),
        "{why}"
    );
    assert!(
        why.contains("Sorry, that’s taking longer than expected."),
        "the agent's fallback line: {why}"
    );
}
