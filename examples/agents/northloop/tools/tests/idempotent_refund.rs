//! A replayed idempotency key gets the first reply again and applies nothing twice.

mod common;

use common::*;
use serde_json::json;

#[tokio::test]
async fn a_replayed_refund_returns_the_first_result_and_credits_once() {
    let rig = Rig::start().await;
    let args = json!({"account_id": "NL-10482", "minutes": 60});

    let (status, first) = rig
        .call("refund_credit", args.clone(), "sess_a:call_9")
        .await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(first["status"], "applied");
    assert_eq!(first["credit_minutes"], 60);
    assert_eq!(first["appears_on"], "next bill");

    let (status, again) = rig
        .call("refund_credit", args.clone(), "sess_a:call_9")
        .await;
    assert_eq!(status, 200);
    assert_eq!(again, first, "the same reply, not a second credit");
    assert_eq!(
        rig.state().await["credits"].as_array().map(Vec::len),
        Some(1)
    );

    // A new key is a new request: this outage is already credited.
    let (status, other) = rig.call("refund_credit", args, "sess_b:call_1").await;
    assert_eq!(status, 409, "{other}");
    assert!(
        other["error"]
            .as_str()
            .is_some_and(|e| e.contains("already credited")),
        "{other}"
    );
    let state = rig.state().await;
    assert_eq!(
        state["credits"].as_array().map(Vec::len),
        Some(1),
        "{state}"
    );
    assert_eq!(state["replies_recorded"], 2);
}

#[tokio::test]
async fn a_write_without_an_idempotency_key_is_refused() {
    let rig = Rig::start().await;
    let (status, reply) = rig
        .call("escalate_to_human", json!({"reason": "caller asked"}), "")
        .await;
    assert_eq!(status, 400, "{reply}");
    assert!(
        reply["error"]
            .as_str()
            .is_some_and(|e| e.contains("Idempotency-Key")),
        "{reply}"
    );

    let (status, reply) = rig
        .call(
            "escalate_to_human",
            json!({"account_id": "", "reason": "caller asked"}),
            "s:c1",
        )
        .await;
    assert_eq!(status, 200, "{reply}");
    let state = rig.state().await;
    assert_eq!(state["handoffs"][0]["reason"], "caller asked", "{state}");
    assert_eq!(state["handoffs"][0]["session_id"], "sess_test", "{state}");
}
