//! The supervisor tool becomes a Chat Completions request built by the engine (instructions,
//! the call so far, the responder's context, the supervisor's tools); the streamed reply,
//! fed back as bytes, is read by the engine and its answer goes to the responder made
//! speakable. Silence is filled; a timeout, an endpoint error or a malformed stream gives the
//! fallback line and counts as a failed attempt.

mod common;

use std::time::Duration;

use common::*;
use serde_json::{Value, json};
use switchboard_engine::{
    Input, Output, Record, SupervisorFailure, SupervisorRequest, SupervisorRequestId, ToolOutcome,
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
      fixtures: [{result: {name: Jordan Lee}}]
  - name: findNearestStore
    description: Find the nearest store.
    parameters: {type: object, properties: {zip_code: {type: string}}}
    run:
      fixtures: [{result: {name: Pike Street}}]
supervisor:
  instructions: You are the supervisor. Answer account and policy questions.
  tools: [findNearestStore, getUserAccountInfo]
  fallback: Sorry, I can't check that right now—would you like a specialist?
  timeout_ms: 3000
escalation:
  triggers: [User asks for a human]
  say: Connecting you now.
"#;

const ANSWER: &str = "Thanks for waiting—your balance is $45.20, due “2025-08-12”. Anything else?";

fn ask(h: &mut Harness) -> Vec<Output> {
    h.caller_says("What's my balance?");
    h.model_calls(
        "call_s",
        "getNextResponseFromSupervisor",
        json!({"relevantContextFromLastUserMessage": "asks for balance"}),
    )
}

fn requests(out: &[Output]) -> Vec<&SupervisorRequest> {
    out.iter()
        .filter_map(|o| match o {
            Output::SupervisorRequest(r) => Some(r),
            _ => None,
        })
        .collect()
}

fn round(n: u32) -> SupervisorRequestId {
    SupervisorRequestId {
        call_id: "call_s".into(),
        round: n,
    }
}

/// A streamed answer: a role delta, the text in pieces, a finish, usage, `[DONE]`.
fn streamed(text: &str) -> Vec<u8> {
    let mut body = String::from(": keep-alive\r\n\r\n");
    let chunk = |delta: Value, finish: Value| {
        json!({"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1, "model": "gpt-5",
               "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]})
    };
    body.push_str(&format!(
        "data: {}\r\n\r\n",
        chunk(json!({"role": "assistant", "content": ""}), Value::Null)
    ));
    for piece in text.split_inclusive(' ') {
        body.push_str(&format!(
            "data: {}\n\n",
            chunk(json!({"content": piece}), Value::Null)
        ));
    }
    body.push_str(&format!("data: {}\n\n", chunk(json!({}), json!("stop"))));
    body.push_str(
        "data: {\"id\":\"chatcmpl-1\",\"choices\":[],\"usage\":{\"total_tokens\":9}}\n\n",
    );
    body.push_str("data: [DONE]\n\n");
    body.into_bytes()
}

fn chunk(h: &mut Harness, id: SupervisorRequestId, bytes: &[u8]) -> Vec<Output> {
    h.session.handle_input(
        Input::SupervisorChunk {
            id,
            bytes: bytes.to_vec(),
        },
        h.now,
    );
    h.drain()
}

fn ended(
    h: &mut Harness,
    id: SupervisorRequestId,
    result: Result<(), SupervisorFailure>,
) -> Vec<Output> {
    h.session
        .handle_input(Input::SupervisorStreamEnded { id, result }, h.now);
    h.drain()
}

/// The output the responder's supervisor call got.
fn answered(out: &[Output]) -> Value {
    tool_outputs(out)
        .into_iter()
        .find(|(id, _)| id == "call_s")
        .map(|(_, output)| output)
        .expect("the supervisor call was answered")
}

#[test]
fn the_request_carries_the_instructions_the_call_so_far_the_context_and_the_tools() {
    let mut h = Harness::new(AGENT);
    let out = ask(&mut h);
    let asked = requests(&out);
    assert_eq!(asked.len(), 1);
    let request = asked[0];
    assert_eq!(request.id, round(1));
    assert_eq!(request.deadline, h.now + Duration::from_millis(3_000));
    let body = &request.request;
    assert!(body.stream);
    assert_eq!(
        body.model, "",
        "the endpoint's model is the driver's to name"
    );
    assert_eq!(
        body.messages,
        [
            Message::system("You are the supervisor. Answer account and policy questions."),
            Message::user(
                "==== Conversation History ====\nCaller: What's my balance?\n\n==== Relevant Context From Last User Message ====\nasks for balance\n"
            ),
        ]
    );
    let names: Vec<&str> = body
        .tools
        .iter()
        .map(|t| t.function.name.as_str())
        .collect();
    assert_eq!(
        names,
        ["findNearestStore", "getUserAccountInfo"],
        "in supervisor.tools order"
    );
    assert_eq!(
        body.tools[1]
            .function
            .parameters
            .as_ref()
            .expect("a schema")["properties"]["phone_number"]["pattern"],
        "^[0-9]{10}$",
        "the schema goes over whole"
    );
    // The model said nothing, so a filler is spoken out of band.
    assert!(out.iter().any(|o| matches!(o, Output::ToModel(switchboard_wire::ClientEvent::ResponseCreate(c))
        if c.response.as_ref().and_then(|r| r.instructions.as_deref()).is_some_and(|i| i.contains("One moment.")))));
    assert!(
        !to_caller_types(&out)
            .iter()
            .any(|t| t.contains("function_call")),
        "hidden from the caller"
    );
}

#[test]
fn the_answer_is_made_speakable_for_the_responder() {
    let mut h = Harness::new(AGENT);
    ask(&mut h);
    let mut out = chunk(&mut h, round(1), &streamed(ANSWER));
    // The body's end adds nothing once `[DONE]` came, not even a record.
    let end = ended(&mut h, round(1), Ok(()));
    assert!(end.is_empty(), "{end:?}");
    out.extend(end);
    let output = answered(&out);
    let answer = output["answer"].as_str().expect("text");
    assert!(
        answer.contains("forty-five dollars and twenty cents"),
        "{answer}"
    );
    assert!(answer.contains("August twelfth"), "{answer}");
    assert!(
        output["how_to_say_it"]
            .as_str()
            .expect("text")
            .contains("at most 2 sentences")
    );
    assert_eq!(tool_outputs(&out).len(), 1, "answered once");
}

#[test]
fn a_reply_split_at_every_byte_gives_the_same_answer() {
    let body = streamed(ANSWER);
    let whole = {
        let mut h = Harness::new(AGENT);
        ask(&mut h);
        answered(&chunk(&mut h, round(1), &body))
    };
    for cut in 0..=body.len() {
        let mut h = Harness::new(AGENT);
        ask(&mut h);
        let mut out = chunk(&mut h, round(1), &body[..cut]);
        out.extend(chunk(&mut h, round(1), &body[cut..]));
        out.extend(ended(&mut h, round(1), Ok(())));
        assert_eq!(answered(&out), whole, "cut at {cut}");
    }
    // And one byte at a time.
    let mut h = Harness::new(AGENT);
    ask(&mut h);
    let mut out = Vec::new();
    for b in &body {
        out.extend(chunk(&mut h, round(1), std::slice::from_ref(b)));
    }
    assert_eq!(answered(&out), whole);
}

#[test]
fn a_supervisor_that_does_not_answer_gives_the_fallback_and_counts_as_a_failure() {
    let mut h = Harness::new(AGENT);
    ask(&mut h);
    // Half an answer, then nothing until the deadline.
    chunk(&mut h, round(1), &streamed(ANSWER)[..120]);
    let out = h.advance(Duration::from_millis(3_001));
    let output = answered(&out);
    assert_eq!(output["status"], "error");
    let why = output["error"].as_str().expect("text");
    assert!(why.contains("did not answer in time"), "{why}");
    assert!(why.contains("would you like a specialist?"), "{why}");
    assert_eq!(
        executed(&out),
        [(
            "call_s".to_owned(),
            "getNextResponseFromSupervisor".to_owned()
        )]
    );
    // The rest of the reply, arriving late, is dropped.
    let late = chunk(&mut h, round(1), &streamed(ANSWER)[120..]);
    assert!(tool_outputs(&late).is_empty(), "{late:?}");
}

#[test]
fn a_malformed_stream_gives_the_fallback_and_counts_as_a_failure() {
    for (bytes, reason) in [
        (&b"data: <html>oops</html>\n\n"[..], "not JSON"),
        (b"data: {\"unexpected\": true}\n\n", "chat.completion.chunk"),
        (
            b"data: {\"error\": {\"message\": \"The model is overloaded\"}}\n\n",
            "reported an error: The model is overloaded",
        ),
        (b"data: \xff\xfe\n\n", "UTF-8"),
    ] {
        let mut h = Harness::new(AGENT);
        ask(&mut h);
        let out = chunk(&mut h, round(1), bytes);
        let output = answered(&out);
        assert_eq!(output["status"], "error");
        let why = output["error"].as_str().expect("text");
        assert!(
            why.contains("the supervisor endpoint") && why.contains(reason),
            "{why}"
        );
        assert!(why.contains("would you like a specialist?"), "{why}");
        let failed = records(&out).into_iter().any(|r| {
            matches!(r, Record::ToolCall { name, outcome: ToolOutcome::Failed, .. } if name == "getNextResponseFromSupervisor")
        });
        assert!(failed, "counted as a failed attempt");
        // The end of that body changes nothing.
        assert!(tool_outputs(&ended(&mut h, round(1), Ok(()))).is_empty());
    }
}

#[test]
fn a_stream_cut_short_an_empty_answer_or_a_refusal_gives_the_fallback() {
    let cut = b"data: {\"choices\":[{\"delta\":{\"content\":\"Your balance is\"}}]}\n\n";
    let cases: [(&[u8], Result<(), SupervisorFailure>, &str); 4] = [
        (
            cut,
            Ok(()),
            "ended its stream before the answer was complete",
        ),
        (&streamed("  \n"), Ok(()), "answered with no text"),
        (
            b"",
            Err(SupervisorFailure::Refused {
                status: 500,
                body: br#"{"error":{"message":"The server had an error\nwhile processing."}}"#
                    .to_vec(),
            }),
            "answered HTTP 500: The server had an error while processing.",
        ),
        (
            cut,
            Err(SupervisorFailure::BrokeOff("connection reset".into())),
            "broke off its reply: connection reset",
        ),
    ];
    for (bytes, result, reason) in cases {
        let mut h = Harness::new(AGENT);
        ask(&mut h);
        let mut out = chunk(&mut h, round(1), bytes);
        out.extend(ended(&mut h, round(1), result));
        let output = answered(&out);
        let why = output["error"].as_str().expect("an error");
        assert!(why.contains(reason), "{why}");
    }
}

#[test]
fn a_reply_for_a_question_not_waiting_is_recorded_and_ignored() {
    let mut h = Harness::new(AGENT);
    ask(&mut h);
    let stray = SupervisorRequestId {
        call_id: "call_other".into(),
        round: 1,
    };
    let mut out = chunk(&mut h, stray.clone(), &streamed("Hello."));
    out.extend(ended(&mut h, stray, Ok(())));
    assert!(tool_outputs(&out).is_empty());
    assert!(records(&out).iter().any(|r| matches!(
        r,
        Record::Guard {
            decision: switchboard_engine::GuardDecision::UnknownSupervisorReply,
            ..
        }
    )));
    // The real question is still waiting.
    assert_eq!(
        answered(&chunk(&mut h, round(1), &streamed("Yes.")))["answer"],
        "Yes."
    );
}
