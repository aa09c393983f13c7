//! Replies that are not a result become tool errors the engine counts as failed attempts:
//! no answer in time, a body that is not JSON or is over 1 MiB, a 4xx, or a 2xx that says
//! `{"error": …}`.

#[path = "common/tool_endpoint.rs"]
mod tool_endpoint;

use std::time::{Duration, Instant};

use serde_json::json;
use switchboard_gateway::webhook::MAX_REPLY_BYTES;
use tool_endpoint::*;

async fn lookup_against(
    reply: Reply,
    timeout: Duration,
) -> (Result<serde_json::Value, String>, usize) {
    let endpoint = Endpoint::start(move |_| reply.clone()).await;
    let agent = agent(&endpoint.url(""), Some(SECRET_ENV));
    let result = execute(&agent, run("lookup", json!({}), timeout)).await;
    (result, endpoint.seen().len())
}

#[tokio::test]
async fn a_tool_that_does_not_answer_in_time_fails_at_the_deadline() {
    let started = Instant::now();
    let (result, requests) = lookup_against(
        Reply::json(200, json!({"late": true})).after(Duration::from_secs(5)),
        Duration::from_millis(300),
    )
    .await;
    let error = result.expect_err("too slow");
    assert!(error.contains("did not answer in time"), "{error}");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(requests, 1, "a timed-out attempt leaves no time to retry");
}

#[tokio::test]
async fn a_body_that_is_not_json_is_an_error() {
    let (result, _) =
        lookup_against(Reply::raw(200, "<html>ok</html>"), Duration::from_secs(5)).await;
    let error = result.expect_err("not JSON");
    assert!(error.contains("not JSON"), "{error}");
}

#[tokio::test]
async fn a_body_over_one_mebibyte_is_an_error() {
    let big = format!("\"{}\"", "x".repeat(MAX_REPLY_BYTES));
    for reply in [Reply::raw(200, big.clone()), Reply::raw(200, big).chunked()] {
        let chunked = reply.chunked;
        let (result, requests) = lookup_against(reply, Duration::from_secs(5)).await;
        let error = result.expect_err("too big");
        assert!(error.contains("over 1 MiB"), "chunked={chunked}: {error}");
        assert_eq!(requests, 1, "not retried");
    }
    // Just under the limit is fine.
    let fits = format!("\"{}\"", "x".repeat(MAX_REPLY_BYTES - 2));
    let (result, _) = lookup_against(Reply::raw(200, fits).chunked(), Duration::from_secs(5)).await;
    assert!(result.is_ok());
}

#[tokio::test]
async fn a_4xx_is_an_error_with_its_status_and_a_short_excerpt() {
    let (result, requests) = lookup_against(
        Reply::json(404, json!({"error": "No account matches\nthat email."})),
        Duration::from_secs(5),
    )
    .await;
    assert_eq!(
        result,
        Err("`lookup` refused the call (HTTP 404): No account matches that email.".to_owned())
    );
    assert_eq!(requests, 1, "4xx is not retried");

    let long = format!("bad {}", "request ".repeat(500));
    let (result, _) = lookup_against(Reply::raw(400, long), Duration::from_secs(5)).await;
    let error = result.expect_err("400");
    assert!(
        error.starts_with("`lookup` refused the call (HTTP 400): bad request"),
        "{error}"
    );
    assert!(error.chars().count() < 300, "{error}");
    assert!(error.ends_with('…'), "{error}");
}

#[tokio::test]
async fn a_2xx_error_object_is_a_failed_attempt() {
    let (result, _) = lookup_against(
        Reply::json(
            200,
            json!({"error": "The billing system is read-only tonight."}),
        ),
        Duration::from_secs(5),
    )
    .await;
    assert_eq!(
        result,
        Err("`lookup` failed: The billing system is read-only tonight.".to_owned())
    );
    // Only a string `error` means failure; anything else is part of the result.
    let (result, _) = lookup_against(
        Reply::json(200, json!({"error": null, "balance": 12})),
        Duration::from_secs(5),
    )
    .await;
    assert_eq!(result, Ok(json!({"error": null, "balance": 12})));
}
