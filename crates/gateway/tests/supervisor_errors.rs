//! Everything that can go wrong with the supervisor's endpoint becomes a reason given to the
//! responder with the fallback line, never a panic and never a made-up answer: HTTP errors,
//! bytes that are not a Chat Completions stream, an empty or cut-off answer, a reply too
//! large, no key, the deadline.

mod supervisor_endpoint;

use std::time::{Duration, Instant};

use supervisor_endpoint::*;

async fn asked(reply: Reply) -> (Endpoint, Result<String, String>) {
    let endpoint = Endpoint::start(move |_, _| reply.clone()).await;
    let answer = ask(
        &agent(&endpoint.base_url()),
        question(Duration::from_secs(5)),
    )
    .await;
    (endpoint, answer)
}

#[tokio::test]
async fn an_http_error_gives_its_status_and_the_servers_reason() {
    let (_, answer) = asked(Reply::raw(
        500,
        "application/json",
        r#"{"error":{"message":"The server had an error\nwhile processing your request.","type":"server_error"}}"#,
    ))
    .await;
    let why = answer.expect_err("an error");
    assert!(why.contains("HTTP 500"), "{why}");
    assert!(
        why.contains("The server had an error while processing your request."),
        "the reason, on one line: {why}"
    );
}

#[tokio::test]
async fn a_refusal_that_echoes_the_key_does_not_pass_it_on() {
    let echoed = format!(
        "Incorrect API key provided: {}. You can find your API key at https://example.test.",
        key()
    );
    let body = format!("{{\"error\":{{\"message\":\"{echoed}\"}}}}");
    let (_, answer) = asked(Reply::raw(401, "application/json", body)).await;
    let why = answer.expect_err("an error");
    assert!(why.contains("HTTP 401"), "{why}");
    assert!(!why.contains(&key()), "the key is scrubbed: {why}");
    assert!(why.contains("[redacted]"), "{why}");
}

#[tokio::test]
async fn an_html_error_page_is_cut_short() {
    let page = format!("<html><body>{}</body></html>", "Bad gateway. ".repeat(1000));
    let (_, answer) = asked(Reply::raw(502, "text/html", page)).await;
    let why = answer.expect_err("an error");
    assert!(why.contains("HTTP 502"), "{why}");
    assert!(why.len() < 600, "an excerpt, not the page: {why}");
}

#[tokio::test]
async fn garbage_in_the_stream_is_an_error() {
    for garbage in [
        "data: <html>oops</html>\n\n",
        "data: {\"choices\": [{\"delta\": {\"content\": \"Hel\n\n",
        "data: {\"unexpected\": true}\n\n",
        "data: {\"error\": {\"message\": \"The model is overloaded\"}}\n\n",
        "data: \u{fffd}\u{0}\u{1}\n\n",
    ] {
        let (_, answer) = asked(Reply::raw(200, "text/event-stream", garbage)).await;
        let why = answer.expect_err(garbage);
        assert!(why.contains("supervisor endpoint"), "{garbage:?}: {why}");
    }
    let (_, answer) = asked(Reply::raw(
        200,
        "text/event-stream",
        vec![0xff, 0xfe, b'\n'],
    ))
    .await;
    assert!(answer.expect_err("not UTF-8").contains("UTF-8"));
}

#[tokio::test]
async fn a_body_that_is_not_an_event_stream_is_an_error() {
    let (_, answer) = asked(Reply::raw(200, "text/plain", "Hello! I am a web server.\n")).await;
    let why = answer.expect_err("an error");
    assert!(why.contains("ended its stream"), "{why}");
    let (_, answer) = asked(Reply::raw(200, "application/json", "{\"choices\": [")).await;
    assert!(answer.expect_err("an error").contains("does not parse"));
    let (_, answer) = asked(Reply::json(200, serde_json::json!({"object": "list"}))).await;
    assert!(
        answer
            .expect_err("an error")
            .contains("Chat Completions endpoint")
    );
}

#[tokio::test]
async fn a_stream_cut_off_before_the_end_is_an_error() {
    let body = format!("data: {}\n\n", content_chunk("Your balance is"));
    let (_, answer) = asked(Reply::raw(200, "text/event-stream", body)).await;
    let why = answer.expect_err("half an answer is not an answer");
    assert!(why.contains("before the answer was complete"), "{why}");
}

#[tokio::test]
async fn an_empty_answer_is_an_error() {
    let (_, answer) = asked(Reply::answer(&["", "  \n"])).await;
    let why = answer.expect_err("an error");
    assert!(why.contains("no text"), "{why}");
}

#[tokio::test]
async fn a_reply_over_the_size_limit_is_an_error() {
    let piece = "blah ".repeat(1000);
    let pieces: Vec<&str> = std::iter::repeat_n(piece.as_str(), 60).collect();
    let (_, answer) = asked(Reply::answer(&pieces).split_every(16 * 1024, Duration::ZERO)).await;
    let why = answer.expect_err("an error");
    assert!(why.contains("more than 256 KiB"), "{why}");
}

#[tokio::test]
async fn a_missing_api_key_is_an_error_and_nothing_is_sent() {
    let endpoint = Endpoint::start(|_, _| Reply::answer(&["Never asked."])).await;
    let mut agent = agent(&endpoint.base_url());
    agent
        .supervisor
        .as_mut()
        .expect("a supervisor")
        .endpoint
        .api_key_env = Some("SWITCHBOARD_TEST_SUPERVISOR_KEY_THAT_IS_NEVER_SET".to_owned());
    let answer = ask(&agent, question(Duration::from_secs(5))).await;
    let why = answer.expect_err("an error");
    assert!(
        why.contains("SWITCHBOARD_TEST_SUPERVISOR_KEY_THAT_IS_NEVER_SET")
            && why.contains("not set"),
        "{why}"
    );
    assert!(endpoint.seen().is_empty(), "no request without a key");
}

#[tokio::test]
async fn an_endpoint_that_cannot_be_reached_is_an_error() {
    // A port that was just free: nothing listens there.
    let free = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = free.local_addr().expect("addr");
    drop(free);
    let answer = ask(
        &agent(&format!("http://{addr}/v1")),
        question(Duration::from_secs(5)),
    )
    .await;
    assert!(answer.expect_err("an error").contains("cannot be reached"));
}

#[tokio::test]
async fn no_answer_before_the_deadline_is_a_timeout() {
    let endpoint =
        Endpoint::start(|_, _| Reply::answer(&["Too late."]).after(Duration::from_secs(5))).await;
    let started = Instant::now();
    let answer = ask(
        &agent(&endpoint.base_url()),
        question(Duration::from_millis(300)),
    )
    .await;
    let why = answer.expect_err("a timeout");
    // "in time" is what the engine reads as a timeout rather than a failure.
    assert!(why.contains("did not answer in time"), "{why}");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "given up at the deadline, not when the server answered"
    );
}
