//! The supervisor's streamed answer is put back together however the bytes arrive: events
//! and UTF-8 characters split across chunks, CRLF line ends, keep-alive comments, usage-only
//! chunks; and a server that ignores `stream: true` and answers with one JSON completion. The
//! gateway passes the bytes on as they come; the engine reads them.

mod supervisor_endpoint;

use std::time::Duration;

use serde_json::json;
use supervisor_endpoint::*;

const ANSWER: &str = "Thanks for waiting—your balance is $45.20, due “August 12”. Anything else?";

/// [`ANSWER`] as the responder gets it: money in words.
fn spoken(answer: &str) -> bool {
    answer.starts_with("Thanks for waiting—your balance is forty-five dollars and twenty cents")
        && answer.ends_with("Anything else?")
        && !answer.contains('$')
}

fn pieces() -> Vec<&'static str> {
    // Cut inside words and next to the multi-byte characters.
    vec![
        "Thanks for wa",
        "iting—your bal",
        "ance is $45",
        ".20, due “Aug",
        "ust 12”. Anything else?",
    ]
}

#[tokio::test]
async fn an_answer_split_at_awkward_boundaries_is_reassembled() {
    assert_eq!(pieces().concat(), ANSWER);
    for size in [1, 3, 7, 64] {
        let endpoint = Endpoint::start(move |_, _| {
            Reply::answer(&pieces()).split_every(size, Duration::from_millis(1))
        })
        .await;
        let body = Reply::answer(&pieces()).text();
        // Some chunk boundary falls inside "data:", inside "\n\n" and inside a character.
        assert!(body.len() > 10 * size);
        let answer = ask(
            &agent(&endpoint.base_url()),
            question(Duration::from_secs(10)),
        )
        .await;
        let answer = answer.expect("an answer");
        assert!(spoken(&answer), "chunks of {size} bytes: {answer}");
    }
}

#[tokio::test]
async fn crlf_comments_and_usage_chunks_are_understood() {
    let mut body = String::from(": keep-alive\r\n\r\nevent: message\r\nretry: 100\r\n");
    for piece in pieces() {
        body.push_str(&format!("data: {}\r\n\r\n", content_chunk(piece)));
        body.push_str(": still thinking\r\n\r\n");
    }
    body.push_str(&format!("data: {}\r\n\r\n", finish_chunk("stop")));
    let usage = json!({"id": "chatcmpl-test", "object": "chat.completion.chunk", "choices": [],
        "usage": {"prompt_tokens": 200, "completion_tokens": 20, "total_tokens": 220}});
    body.push_str(&format!("data: {usage}\r\n\r\ndata: [DONE]\r\n\r\n"));
    let endpoint = Endpoint::start(move |_, _| {
        Reply::raw(200, "text/event-stream", body.clone()).split_every(5, Duration::ZERO)
    })
    .await;

    let answer = ask(
        &agent(&endpoint.base_url()),
        question(Duration::from_secs(5)),
    )
    .await;
    let answer = answer.expect("an answer");
    assert!(spoken(&answer), "{answer}");
}

#[tokio::test]
async fn a_stream_that_ends_after_its_finish_reason_without_done_is_complete() {
    let body: String = [content_chunk("All set."), finish_chunk("stop")]
        .iter()
        .map(|e| format!("data: {e}\n\n"))
        .collect();
    let endpoint =
        Endpoint::start(move |_, _| Reply::raw(200, "text/event-stream", body.clone())).await;
    let answer = ask(
        &agent(&endpoint.base_url()),
        question(Duration::from_secs(5)),
    )
    .await;
    assert_eq!(answer.as_deref(), Ok("All set."));
}

#[tokio::test]
async fn a_server_that_does_not_stream_is_read_whole() {
    let endpoint = Endpoint::start(|_, _| {
        Reply::json(
            200,
            json!({
                "id": "chatcmpl-test",
                "object": "chat.completion",
                "choices": [{"index": 0, "finish_reason": "stop",
                    "message": {"role": "assistant", "content": ANSWER}}],
            }),
        )
        .split_every(9, Duration::ZERO)
    })
    .await;
    let answer = ask(
        &agent(&endpoint.base_url()),
        question(Duration::from_secs(5)),
    )
    .await;
    let answer = answer.expect("an answer");
    assert!(spoken(&answer), "{answer}");
}
