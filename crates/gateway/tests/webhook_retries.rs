//! Read tools are retried on 5xx replies and connection errors, within the deadline; write
//! tools are sent exactly once, with their idempotency key.

#[path = "common/tool_endpoint.rs"]
mod tool_endpoint;

use std::time::Duration;

use serde_json::json;
use tool_endpoint::*;

#[tokio::test]
async fn a_read_tool_is_retried_after_a_503() {
    let endpoint = Endpoint::start(|n| match n {
        0 => Reply::raw(503, "busy"),
        _ => Reply::json(200, json!({"found": true})),
    })
    .await;
    let agent = agent(&endpoint.url(""), Some(SECRET_ENV));
    let result = execute(&agent, run("lookup", json!({}), Duration::from_secs(5))).await;
    assert_eq!(result, Ok(json!({"found": true})));
    let seen = endpoint.seen();
    assert_eq!(seen.len(), 2);
    // The same call both times, under the same key.
    assert_eq!(seen[0].body, seen[1].body);
    assert_eq!(seen[1].header("idempotency-key"), "sess_1:call_1");
}

#[tokio::test]
async fn a_read_tool_gives_up_after_four_attempts() {
    let endpoint = Endpoint::start(|_| Reply::raw(502, "bad gateway")).await;
    let agent = agent(&endpoint.url(""), Some(SECRET_ENV));
    let error = execute(&agent, run("lookup", json!({}), Duration::from_secs(10)))
        .await
        .expect_err("always 502");
    assert_eq!(endpoint.seen().len(), 4);
    assert!(error.contains("HTTP 502"), "{error}");
    assert!(error.contains("bad gateway"), "{error}");
    assert!(error.contains("after 4 attempts"), "{error}");
}

#[tokio::test]
async fn retries_stop_at_the_deadline() {
    let endpoint = Endpoint::start(|_| Reply::raw(503, "")).await;
    let agent = agent(&endpoint.url(""), Some(SECRET_ENV));
    // Room for the first attempts, not for the pauses between all four (at least 350 ms with
    // jitter): the retries stop at the deadline instead of running on. The error is the last
    // 503 when an attempt fits before the deadline; on a machine so loaded that none does (a
    // full parallel test run on two cores has starved this test of 300 ms), it is the
    // deadline's. Either way the call ends, with fewer than four attempts.
    let started = std::time::Instant::now();
    let error = execute(&agent, run("lookup", json!({}), Duration::from_millis(300)))
        .await
        .expect_err("always 503");
    assert!(
        error.contains("HTTP 503") || error.contains("did not answer in time"),
        "{error}"
    );
    assert!(endpoint.seen().len() < 4, "{}", endpoint.seen().len());
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "the retries stopped at the deadline: {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_write_tool_is_sent_once_with_its_idempotency_key() {
    let endpoint = Endpoint::start(|n| match n {
        0 => Reply::raw(503, "try later"),
        _ => Reply::json(200, json!({"status": "applied"})),
    })
    .await;
    let agent = agent(&endpoint.url(""), Some(SECRET_ENV));
    let error = execute(
        &agent,
        run("refund", json!({"minutes": 60}), Duration::from_secs(5)),
    )
    .await
    .expect_err("the 503 stands");
    assert!(
        error.contains("`refund` failed (HTTP 503): try later"),
        "{error}"
    );
    let seen = endpoint.seen();
    assert_eq!(seen.len(), 1, "exactly one request");
    assert_eq!(seen[0].path, "/refund");
    assert_eq!(seen[0].header("idempotency-key"), "sess_1:call_1");
    assert_eq!(seen[0].json()["idempotency_key"], "sess_1:call_1");
}

/// An address where nothing listens.
async fn closed_port() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    drop(listener);
    format!("http://{addr}")
}

#[tokio::test]
async fn a_refused_connection_is_a_clear_error() {
    let agent = agent(&closed_port().await, Some(SECRET_ENV));
    let error = execute(&agent, run("lookup", json!({}), Duration::from_secs(5)))
        .await
        .expect_err("nothing listens");
    assert!(error.contains("`lookup` could not be reached"), "{error}");
    assert!(
        error.contains("after 4 attempts"),
        "read tools retry: {error}"
    );

    let error = execute(&agent, run("refund", json!({}), Duration::from_secs(5)))
        .await
        .expect_err("nothing listens");
    assert!(error.contains("`refund` could not be reached"), "{error}");
    assert!(
        !error.contains("attempts"),
        "write tools do not retry: {error}"
    );
}
