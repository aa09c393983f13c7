//! The responder/thinker pattern in a whole call, client → gateway → emulator, with the
//! supervisor on a fake Chat Completions server: the caller hears a filler while the
//! supervisor thinks, the responder gets the answer made speakable, and a supervisor that is
//! too slow gives the agent's fallback line.

mod common;
mod supervisor_endpoint;

use std::sync::Arc;
use std::time::Duration;

use common::{Client, outputs_to_model, spoken};
use serde_json::{Value, json};
use supervisor_endpoint::{Endpoint, Reply, agent};
use switchboard_engine::CompiledAgent;
use switchboard_gateway::{Gateway, HttpExecutor};
use switchboard_testkit::{Emulator, EmulatorOptions, Script};

/// The responder greets, asks the supervisor without a word of its own, then says whatever
/// comes next.
const SCRIPT: &str = r#"
responses:
  - say: Thanks for calling Brightline Mobile. How can I help?
  - calls:
      - name: getNextResponseFromSupervisor
        arguments: {relevantContextFromLastUserMessage: "Caller wants their balance; phone 2065550199."}
        call_id: call_sup
  - say: Thanks for waiting—I have your account here.
"#;

struct Call {
    emulator: Emulator,
    // Kept alive for the call.
    _gateway: Gateway,
    caller: Client,
}

/// A call to the guide's supervisor agent, its supervisor at `endpoint`, tuned by `tune`.
async fn call(endpoint: &Endpoint, tune: impl FnOnce(&mut switchboard_agent::AgentFile)) -> Call {
    let mut file = agent(&endpoint.base_url());
    tune(&mut file);
    let compiled = Arc::new(CompiledAgent::new(file).expect("the agent compiles"));
    let script = Script::from_text(SCRIPT, "supervisor script").expect("script loads");
    let emulator = Emulator::start(
        "127.0.0.1:0",
        script,
        EmulatorOptions {
            tones_only: true,
            ..EmulatorOptions::default()
        },
    )
    .await
    .expect("emulator starts");
    let config = common::one_agent(compiled, &emulator.url());
    let gateway = Gateway::start("127.0.0.1:0", config, Arc::new(HttpExecutor::new()))
        .await
        .expect("gateway starts");
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

/// What the model was sent for the supervisor call, once it has been answered.
fn supervisor_output(emulator: &Emulator) -> Value {
    let received = emulator.received();
    let events = received.first().cloned().unwrap_or_default();
    outputs_to_model(&events)
        .into_iter()
        .find(|(id, _)| id == "call_sup")
        .map(|(_, output)| output)
        .expect("the supervisor call was answered")
}

fn fillers(file: &switchboard_agent::AgentFile) -> Vec<String> {
    file.supervisor
        .as_ref()
        .expect("a supervisor")
        .fillers
        .clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_caller_hears_a_filler_while_the_supervisor_thinks() {
    let endpoint = Endpoint::start(|_, _| {
        Reply::answer(&["Your plan is Unlimited Plus."]).after(Duration::from_millis(1500))
    })
    .await;
    let fillers = fillers(&agent(&endpoint.base_url()));
    let Call {
        emulator,
        _gateway,
        mut caller,
    } = call(&endpoint, |_| {}).await;

    caller
        .say("What plan am I on? My number is 206 555 0199.")
        .await;
    let heard = caller
        .until("a filler", |e| {
            spoken(std::slice::from_ref(e))
                .first()
                .is_some_and(|t| fillers.iter().any(|f| t.contains(f.as_str())))
        })
        .await;
    assert!(
        !endpoint.has_answered(),
        "the filler came before the supervisor's answer"
    );
    assert!(
        !outputs_to_model(emulator.received().first().map_or(&[][..], Vec::as_slice))
            .iter()
            .any(|(id, _)| id == "call_sup"),
        "the responder has no answer yet"
    );
    // The same check as the NorthLoop call's. (`response.done` still lists the hidden call in
    // its `output`: an engine matter, reported separately.)
    assert!(
        !heard.iter().any(|e| e["item"]["type"] == "function_call"
            || e["type"] == "response.function_call_arguments.done"),
        "the supervisor call is hidden from the caller"
    );

    caller.until_said("Thanks for waiting").await;
    assert!(endpoint.has_answered());
    let output = supervisor_output(&emulator);
    assert_eq!(output["status"], "ok", "{output}");
    assert_eq!(output["answer"], "Your plan is Unlimited Plus.");
    let request = &endpoint.completions()[0];
    let user = request["messages"][1]["content"].as_str().expect("text");
    assert!(
        user.contains("Caller: What plan am I on?")
            && user.contains("Caller wants their balance; phone 2065550199."),
        "the supervisor got the call so far and the responder's context: {user}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_supervisor_that_is_too_slow_gives_the_fallback_line() {
    let endpoint = Endpoint::start(|_, _| {
        Reply::answer(&["Your balance is $45.20."]).after(Duration::from_secs(4))
    })
    .await;
    let Call {
        emulator,
        _gateway,
        mut caller,
    } = call(&endpoint, |file| {
        file.supervisor.as_mut().expect("a supervisor").timeout_ms = Some(800);
    })
    .await;

    caller.say("What's my balance? It's 206 555 0199.").await;
    caller.until_said("Thanks for waiting").await;
    assert!(
        !endpoint.has_answered(),
        "the fallback came at the timeout, not after the late answer"
    );
    let output = supervisor_output(&emulator);
    assert_eq!(output["status"], "error", "{output}");
    let error = output["error"].as_str().expect("a reason");
    assert!(error.contains("in time"), "{error}");
    assert!(
        error.contains(
            "Sorry, that’s taking longer than expected. Let me connect you with a specialist."
        ),
        "the agent's fallback line: {error}"
    );
    assert!(!error.contains("45"), "no late answer leaked in: {error}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn money_in_the_answer_reaches_the_responder_as_words() {
    let endpoint = Endpoint::start(|_, _| {
        Reply::answer(&["Your balance is $4", "5.20."]).split_every(6, Duration::from_millis(1))
    })
    .await;
    let Call {
        emulator,
        _gateway,
        mut caller,
    } = call(&endpoint, |_| {}).await;

    caller.say("What's my balance? It's 206 555 0199.").await;
    caller.until_said("Thanks for waiting").await;
    let output = supervisor_output(&emulator);
    assert_eq!(output["status"], "ok", "{output}");
    let answer = output["answer"].as_str().expect("text");
    assert!(
        answer.contains("forty-five dollars and twenty cents"),
        "{answer}"
    );
    assert!(!answer.contains('$'), "{answer}");
    assert!(
        output["how_to_say_it"]
            .as_str()
            .expect("text")
            .contains("at most 2 sentences"),
        "{output}"
    );
    let said = spoken(&caller.seen).join(" ");
    assert!(
        !said.contains("45.20"),
        "the raw answer is not spoken: {said}"
    );
}
