//! The supervisor calls the agent's tools: streamed tool-call deltas are gathered, the engine
//! runs each call through the responder's guards (fixtures itself, webhooks through the
//! executor), the results go back as `tool` messages, and the supervisor is asked again, a
//! bounded number of times.

mod supervisor_endpoint;

use std::time::Duration;

use serde_json::{Value, json};
use supervisor_endpoint::*;
use switchboard_agent::model::{Run, Webhook};

/// Whether `body`'s last message is a tool result.
fn answers_a_tool(body: &Value) -> bool {
    body["messages"]
        .as_array()
        .and_then(|m| m.last())
        .is_some_and(|m| m["role"] == "tool")
}

/// A streamed call to `name` whose arguments arrive in three pieces.
fn calls(id: &str, name: &str, arguments: &str) -> Reply {
    let third = arguments.len() / 3;
    let (a, rest) = arguments.split_at(third);
    let (b, c) = rest.split_at(third);
    Reply::stream(&[
        tool_call_chunk(0, Some(id), Some(name), ""),
        tool_call_chunk(0, None, None, a),
        tool_call_chunk(0, None, None, b),
        tool_call_chunk(0, None, None, c),
        finish_chunk("tool_calls"),
    ])
    .split_every(11, Duration::from_millis(1))
}

fn tool_messages(body: &Value) -> Vec<Value> {
    body["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .filter(|m| m["role"] == "tool")
        .cloned()
        .collect()
}

#[tokio::test]
async fn a_fixture_tool_runs_and_its_result_reaches_the_supervisor() {
    let endpoint = Endpoint::start(|_, body| {
        if answers_a_tool(body) {
            Reply::answer(&["Jordan Lee's last payment was $45.20."])
        } else {
            calls(
                "call_acct",
                "getUserAccountInfo",
                r#"{"phone_number":"2065550199"}"#,
            )
        }
    })
    .await;
    let agent = agent(&endpoint.base_url());

    let answer = ask(&agent, question(Duration::from_secs(5))).await;
    assert_eq!(
        answer.as_deref(),
        Ok("Jordan Lee's last payment was forty-five dollars and twenty cents.")
    );

    let requests = endpoint.completions();
    assert_eq!(requests.len(), 2, "asked, then asked again with the result");
    let messages = requests[1]["messages"].as_array().expect("messages");
    assert_eq!(
        messages[..2],
        requests[0]["messages"].as_array().expect("messages")[..],
        "the second request repeats the first's messages"
    );
    let assistant = &messages[2];
    assert_eq!(assistant["role"], "assistant");
    assert_eq!(assistant["tool_calls"][0]["id"], "call_acct");
    assert_eq!(assistant["tool_calls"][0]["type"], "function");
    assert_eq!(
        assistant["tool_calls"][0]["function"]["name"],
        "getUserAccountInfo"
    );
    assert_eq!(
        assistant["tool_calls"][0]["function"]["arguments"], r#"{"phone_number":"2065550199"}"#,
        "the argument pieces joined"
    );
    let tool = &messages[3];
    assert_eq!(tool["role"], "tool");
    assert_eq!(tool["tool_call_id"], "call_acct");
    let result: Value =
        serde_json::from_str(tool["content"].as_str().expect("text content")).expect("JSON");
    assert_eq!(
        result["name"], "Jordan Lee",
        "the fixture's result: {result}"
    );
    assert_eq!(result["last_payment"]["amount"], 45.2);
    assert_eq!(
        requests[1]["tools"], requests[0]["tools"],
        "the tools stay offered"
    );
}

#[tokio::test]
async fn failures_go_back_to_the_supervisor_as_errors() {
    // Three calls at once: a fixture's error, a tool it does not have, arguments that are not
    // JSON. Each gets its own error and the supervisor carries on.
    let endpoint = Endpoint::start(|_, body| {
        if answers_a_tool(body) {
            Reply::answer(&["I could not find that account."])
        } else {
            Reply::stream(&[
                tool_call_chunk(
                    0,
                    Some("call_a"),
                    Some("getUserAccountInfo"),
                    r#"{"phone_number":"0000000000"}"#,
                ),
                tool_call_chunk(1, Some("call_b"), Some("refund_everything"), "{}"),
                tool_call_chunk(2, Some("call_c"), Some("findNearestStore"), "{\"zip"),
                finish_chunk("tool_calls"),
            ])
        }
    })
    .await;
    let answer = ask(
        &agent(&endpoint.base_url()),
        question(Duration::from_secs(5)),
    )
    .await;
    assert_eq!(answer.as_deref(), Ok("I could not find that account."));

    let tools = tool_messages(&endpoint.completions()[1]);
    let errors: Vec<(String, String)> = tools
        .iter()
        .map(|m| {
            let content: Value =
                serde_json::from_str(m["content"].as_str().expect("text")).expect("JSON");
            (
                m["tool_call_id"].as_str().expect("id").to_owned(),
                content["error"].as_str().expect("an error").to_owned(),
            )
        })
        .collect();
    assert_eq!(errors.len(), 3, "{errors:?}");
    assert_eq!(errors[0].0, "call_a");
    assert_eq!(errors[0].1, "No account found for that phone number.");
    assert_eq!(errors[1].0, "call_b");
    assert!(errors[1].1.contains("not one of your tools"), "{errors:?}");
    assert_eq!(errors[2].0, "call_c");
    assert!(errors[2].1.contains("not JSON"), "{errors:?}");
}

#[tokio::test]
async fn a_webhook_tool_is_called_for_the_supervisor() {
    let endpoint = Endpoint::start(|_, body| {
        if body.get("session_id").is_some() {
            // The webhook request.
            Reply::json(200, json!({"policy": "Roaming is $10 per day."}))
        } else if answers_a_tool(body) {
            Reply::answer(&["Roaming is $10 per day."])
        } else {
            calls("call_pol", "lookupPolicyDocument", r#"{"topic":"roaming"}"#)
        }
    })
    .await;
    let mut agent = agent(&endpoint.base_url());
    let tool = agent
        .tools
        .iter_mut()
        .find(|t| t.name == "lookupPolicyDocument")
        .expect("the tool");
    tool.run = Run::Webhook(Webhook {
        url: endpoint.url("/tools/lookupPolicyDocument"),
        secret_env: None,
    });

    let answer = ask(&agent, question(Duration::from_secs(5))).await;
    assert_eq!(answer.as_deref(), Ok("Roaming is ten dollars per day."));

    let hook = endpoint
        .seen()
        .into_iter()
        .find(|s| s.path == "/tools/lookupPolicyDocument")
        .expect("the webhook was called");
    let hook = hook.json();
    assert_eq!(hook["name"], "lookupPolicyDocument");
    // The engine's id for the supervisor's call: the question, the round, the call's place.
    assert_eq!(hook["call_id"], "call_sup/1/0");
    assert_eq!(hook["arguments"], json!({"topic": "roaming"}));
    assert_eq!(hook["session_id"], SESSION);
    assert_eq!(hook["idempotency_key"], "sess_sup:call_sup/1/0");

    let result = &tool_messages(&endpoint.completions()[1])[0];
    assert_eq!(result["tool_call_id"], "call_pol");
    assert!(
        result["content"]
            .as_str()
            .expect("text")
            .contains("$10 per day"),
        "{result}"
    );
}

#[tokio::test]
async fn a_supervisor_that_never_stops_calling_tools_is_cut_off() {
    let endpoint = Endpoint::start(|n, _| {
        calls(
            &format!("call_{n}"),
            "findNearestStore",
            r#"{"zip_code":"98101"}"#,
        )
    })
    .await;
    let answer = ask(
        &agent(&endpoint.base_url()),
        question(Duration::from_secs(10)),
    )
    .await;
    let why = answer.expect_err("no answer");
    assert!(why.contains("still calling tools after 5 rounds"), "{why}");
    assert_eq!(
        endpoint.completions().len(),
        6,
        "five rounds of tools, then one last chance"
    );
}

#[tokio::test]
async fn the_supervisors_calls_meet_the_same_schema_as_the_responders() {
    // getUserAccountInfo takes a ten-digit phone number; a call without one never runs.
    let endpoint = Endpoint::start(|_, body| {
        if answers_a_tool(body) {
            Reply::answer(&["Which number is on the account?"])
        } else {
            Reply::stream(&[
                tool_call_chunk(
                    0,
                    Some("call_bad"),
                    Some("getUserAccountInfo"),
                    r#"{"phone_number":"206-555"}"#,
                ),
                finish_chunk("tool_calls"),
            ])
        }
    })
    .await;
    let answer = ask(
        &agent(&endpoint.base_url()),
        question(Duration::from_secs(5)),
    )
    .await;
    assert_eq!(answer.as_deref(), Ok("Which number is on the account?"));
    let tools = tool_messages(&endpoint.completions()[1]);
    let content: Value =
        serde_json::from_str(tools[0]["content"].as_str().expect("text")).expect("JSON");
    let error = content["error"].as_str().expect("an error");
    assert!(error.contains("phone_number"), "{error}");
}
