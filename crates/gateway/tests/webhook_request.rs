//! What a webhook tool receives: the JSON body, the headers, and a signature that
//! `switchboard_gateway::webhook::verify` accepts; and that a tool whose secret is missing is
//! never called unsigned.

#[path = "common/tool_endpoint.rs"]
mod tool_endpoint;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::json;
use switchboard_gateway::webhook::{self, SignatureError};
use tool_endpoint::*;

#[tokio::test]
async fn the_request_carries_the_call_and_a_signature_that_verifies() {
    let endpoint = Endpoint::start(|_| Reply::json(200, json!({"account_id": "NL-10482"}))).await;
    let agent = agent(&endpoint.url("/tools"), Some(SECRET_ENV));
    let arguments = json!({"email": "alex@example.com"});

    let result = execute(
        &agent,
        run("lookup", arguments.clone(), Duration::from_secs(5)),
    )
    .await;
    assert_eq!(result, Ok(json!({"account_id": "NL-10482"})));

    let seen = endpoint.seen();
    assert_eq!(seen.len(), 1);
    let request = &seen[0];
    assert_eq!(request.path, "/tools/lookup");
    assert_eq!(
        request.json(),
        json!({
            "call_id": "call_1",
            "name": "lookup",
            "arguments": arguments,
            "session_id": "sess_1",
            "idempotency_key": "sess_1:call_1",
        })
    );
    assert_eq!(request.header("content-type"), "application/json");
    assert_eq!(request.header("idempotency-key"), "sess_1:call_1");

    let timestamp = request.header("x-switchboard-timestamp");
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_secs();
    let sent: u64 = timestamp.parse().expect("Unix seconds");
    assert!(now.abs_diff(sent) <= 5, "{sent} vs {now}");
    let signature = request.header("x-switchboard-signature");
    assert!(signature.starts_with("v1="), "{signature}");
    assert_eq!(
        webhook::verify(
            &secret(),
            timestamp,
            signature,
            &request.body,
            now,
            Duration::from_secs(300)
        ),
        Ok(())
    );
    // The same request under another secret, or altered, does not verify.
    assert_eq!(
        webhook::verify(
            b"another secret",
            timestamp,
            signature,
            &request.body,
            now,
            Duration::from_secs(300)
        ),
        Err(SignatureError::Mismatch)
    );
    let mut altered = request.body.clone();
    altered.extend_from_slice(b" ");
    assert_eq!(
        webhook::verify(
            &secret(),
            timestamp,
            signature,
            &altered,
            now,
            Duration::from_secs(300)
        ),
        Err(SignatureError::Mismatch)
    );
    assert_eq!(
        signature,
        webhook::sign(&secret(), sent, &request.body),
        "sign() writes the header value"
    );
}

#[tokio::test]
async fn a_tool_without_a_secret_is_sent_unsigned() {
    let endpoint = Endpoint::start(|_| Reply::json(200, json!({"ok": true}))).await;
    let agent = agent(&endpoint.url(""), None);
    let result = execute(&agent, run("lookup", json!({}), Duration::from_secs(5))).await;
    assert_eq!(result, Ok(json!({"ok": true})));
    let seen = endpoint.seen();
    assert_eq!(seen[0].header("x-switchboard-signature"), "");
    assert_ne!(seen[0].header("x-switchboard-timestamp"), "");
}

#[tokio::test]
async fn a_missing_secret_is_a_tool_error_and_nothing_is_sent() {
    let endpoint = Endpoint::start(|_| Reply::json(200, json!({"ok": true}))).await;
    let var = "SWITCHBOARD_WEBHOOK_TEST_SECRET_NEVER_SET";
    let agent = agent(&endpoint.url(""), Some(var));
    for tool in ["lookup", "refund"] {
        let error = execute(&agent, run(tool, json!({}), Duration::from_secs(5)))
            .await
            .expect_err("no secret, no call");
        assert!(error.contains(var), "{error}");
        assert!(error.contains(tool), "{error}");
    }
    assert!(endpoint.seen().is_empty(), "never sent unsigned");
}
