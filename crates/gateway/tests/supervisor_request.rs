//! What the supervisor endpoint is sent: a streamed Chat Completions request with the bearer
//! key and the agent file's model, the supervisor's instructions, the call so far, the
//! responder's context and the supervisor's tools with their schemas (the engine builds the
//! body; the gateway names the model and sends it).

mod supervisor_endpoint;

use std::time::Duration;

use serde_json::Value;
use supervisor_endpoint::*;

#[tokio::test]
async fn the_request_carries_everything_the_supervisor_needs() {
    let endpoint = Endpoint::start(|_, _| Reply::answer(&["Your balance is $45.20."])).await;
    let agent = agent(&endpoint.base_url());
    let question = question(Duration::from_secs(5));

    let answer = ask(&agent, question.clone()).await;
    assert_eq!(
        answer.as_deref(),
        Ok("Your balance is forty-five dollars and twenty cents."),
        "made speakable for the responder"
    );

    let seen = endpoint.seen();
    assert_eq!(seen.len(), 1, "one request for a plain answer");
    let request = &seen[0];
    assert_eq!(request.path, "/v1/chat/completions");
    assert_eq!(request.header("authorization"), format!("Bearer {}", key()));
    assert!(
        request
            .header("content-type")
            .starts_with("application/json")
    );
    assert_eq!(request.header("accept"), "text/event-stream");
    let body = request.json();
    assert_eq!(body["stream"], true);
    assert_eq!(body["model"], "gpt-5", "the agent file's model");

    let messages = body["messages"].as_array().expect("messages");
    assert_eq!(messages.len(), 2, "{messages:#?}");
    assert_eq!(messages[0]["role"], "system");
    let supervisor = agent.supervisor.as_ref().expect("a supervisor");
    assert_eq!(messages[0]["content"], supervisor.instructions.as_str());
    assert_eq!(messages[1]["role"], "user");
    let user = messages[1]["content"].as_str().expect("text");
    let history = user
        .find("Caller: Hi, what's my balance?")
        .expect("the first caller line");
    let agent_line = user
        .find("Agent: Sure—what's the phone number on the account?")
        .expect("the agent line");
    let last = user
        .find("Caller: It's 206 555 0199.")
        .expect("the last line");
    let context = user
        .find("Caller wants their balance; phone number 2065550199.")
        .expect("the responder's context");
    assert!(
        history < agent_line && agent_line < last && last < context,
        "the transcript in order, then the context: {user}"
    );

    let tools = body["tools"].as_array().expect("tools");
    let names: Vec<&str> = tools
        .iter()
        .map(|t| t["function"]["name"].as_str().expect("a name"))
        .collect();
    assert_eq!(
        names,
        [
            "getUserAccountInfo",
            "lookupPolicyDocument",
            "findNearestStore"
        ]
    );
    for tool in tools {
        assert_eq!(tool["type"], "function");
        let name = tool["function"]["name"].as_str().expect("a name");
        let defined = agent
            .tools
            .iter()
            .find(|t| t.name == name)
            .expect("an agent tool");
        assert_eq!(
            tool["function"]["description"],
            defined.description.as_str()
        );
        assert_eq!(tool["function"]["parameters"], defined.parameters);
    }
    assert_eq!(
        tools[0]["function"]["parameters"]["properties"]["phone_number"]["pattern"], "^[0-9]{10}$",
        "the schema goes over whole"
    );
}

#[tokio::test]
async fn a_supervisor_without_tools_is_offered_none() {
    let endpoint = Endpoint::start(|_, _| Reply::answer(&["Sure."])).await;
    let mut agent = agent(&endpoint.base_url());
    let supervisor = agent.supervisor.as_mut().expect("a supervisor");
    supervisor.tools.clear();
    supervisor.endpoint.model = None;
    let mut question = question(Duration::from_secs(5));
    question.transcript.clear();
    question.context.clear();

    assert_eq!(ask(&agent, question).await.as_deref(), Ok("Sure."));
    let body = endpoint.seen()[0].json();
    assert_eq!(body.get("tools"), None, "no empty tool list: {body}");
    assert_eq!(body["model"], "gpt-5", "the default model");
    let user = body["messages"][1]["content"].as_str().expect("text");
    assert!(user.contains("(nothing said yet)"), "{user}");
    assert!(!user.contains("Caller:"), "{user}");
    assert_eq!(
        body["messages"].as_array().map(Vec::len),
        Some(2),
        "{}",
        Value::clone(&body["messages"])
    );
}
