//! The supervisor tool becomes a question with the transcript; its answer goes back to the
//! responder made speakable; silence is filled and a timeout gives the fallback line.

mod common;

use std::time::Duration;

use common::*;
use serde_json::json;
use switchboard_engine::{Input, Output};

const AGENT: &str = r#"
name: thinker
role: You are a helpful assistant for NorthLoop.
supervisor:
  instructions: You are the supervisor. Answer account and policy questions.
  fallback: Sorry, I can't check that right now—would you like a specialist?
  timeout_ms: 3000
escalation:
  triggers: [User asks for a human]
  say: Connecting you now.
"#;

fn ask(h: &mut Harness) -> Vec<Output> {
    h.caller_says("What's my balance?");
    h.model_calls(
        "call_s",
        "getNextResponseFromSupervisor",
        json!({"relevantContextFromLastUserMessage": "asks for balance"}),
    )
}

#[test]
fn the_question_carries_context_and_transcript_and_the_silence_is_filled() {
    let mut h = Harness::new(AGENT);
    let out = ask(&mut h);
    let question = out
        .iter()
        .find_map(|o| {
            if let Output::AskSupervisor(q) = o {
                Some(q)
            } else {
                None
            }
        })
        .expect("a supervisor question");
    assert_eq!(question.context, "asks for balance");
    assert_eq!(
        question.transcript,
        [(
            switchboard_engine::Speaker::Caller,
            "What's my balance?".to_owned()
        )]
    );
    assert!(question.instructions.contains("You are the supervisor"));
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
    h.session.handle_input(
        Input::SupervisorReply {
            call_id: "call_s".into(),
            outcome: Ok("Your balance is $45.20, due on 2025-08-12.".to_owned()),
        },
        h.now,
    );
    let out = h.drain();
    let (_, output) = &tool_outputs(&out)[0];
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
}

#[test]
fn a_supervisor_that_does_not_answer_gives_the_fallback_and_counts_as_a_failure() {
    let mut h = Harness::new(AGENT);
    ask(&mut h);
    let out = h.advance(Duration::from_millis(3_001));
    let (_, output) = &tool_outputs(&out)[0];
    assert_eq!(output["status"], "error");
    assert!(
        output["error"]
            .as_str()
            .expect("text")
            .contains("would you like a specialist?")
    );
    assert_eq!(
        executed(&out),
        [(
            "call_s".to_owned(),
            "getNextResponseFromSupervisor".to_owned()
        )]
    );
}
