//! Each session has its own copy of the database; a replayed idempotency key gets the first
//! reply again and applies nothing twice.

mod common;

use common::*;
use retail_tools::MAX_SESSIONS;
use serde_json::json;

#[tokio::test]
async fn sessions_do_not_see_each_others_changes() {
    let rig = Rig::start().await;
    let cancel = json!({"order_id": "#W8268610", "reason": "no longer needed"});
    let order = rig
        .ok("sess_a", "cancel_pending_order", cancel.clone())
        .await;
    assert_eq!(order["status"], "cancelled");

    // Another session starts from the seed: the order is still pending there, and can be
    // cancelled there too, once.
    let seen = rig
        .ok(
            "sess_b",
            "get_order_details",
            json!({"order_id": "#W8268610"}),
        )
        .await;
    assert_eq!(seen["status"], "pending");
    rig.ok("sess_b", "cancel_pending_order", cancel.clone())
        .await;
    let (status, reply) = rig.call("sess_b", "cancel_pending_order", cancel).await;
    assert_eq!(status, 409, "{reply}");
    assert_eq!(error_of(&reply), "Non-pending order cannot be cancelled");

    // A third session only read: nothing of it changed.
    rig.ok("sess_c", "list_all_product_types", json!({})).await;
    let state = rig.state().await;
    let sessions = &state["sessions"];
    assert_eq!(
        sessions["sess_a"]["changed_orders"]["#W8268610"]["status"],
        "cancelled"
    );
    assert_eq!(
        sessions["sess_b"]["changed_orders"]["#W8268610"]["status"],
        "cancelled"
    );
    assert_eq!(sessions["sess_c"]["changed_orders"], json!({}));
    assert_eq!(sessions["sess_c"]["changed_users"], json!({}));
    assert_eq!(rig.order("sess_c", "#W8268610").await["status"], "pending");
    rig.server.shutdown().await;
}

#[tokio::test]
async fn a_replayed_key_returns_the_first_reply_and_applies_once() {
    let rig = Rig::start().await;
    let s = "sess_replay";
    let args = json!({"order_id": "#W3614011", "reason": "no longer needed"});
    let (status, first) = rig
        .call_with_key(
            s,
            "cancel_pending_order",
            args.clone(),
            "sess_replay:call_9",
        )
        .await;
    assert_eq!(status, 200, "{first}");
    let (status, again) = rig
        .call_with_key(
            s,
            "cancel_pending_order",
            args.clone(),
            "sess_replay:call_9",
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        again, first,
        "the same reply, not a refusal or a second refund"
    );
    let emma = rig.user(s, "emma_smith_8564").await;
    assert_eq!(
        emma["payment_methods"]["gift_card_8541487"]["balance"], 1333.94,
        "refunded once"
    );
    assert_eq!(rig.state().await["sessions"][s]["replies_recorded"], 1);

    // A new key is a new request, refused by the data now.
    let (status, other) = rig
        .call_with_key(s, "cancel_pending_order", args, "sess_replay:call_10")
        .await;
    assert_eq!(status, 409, "{other}");
    rig.server.shutdown().await;
}

#[tokio::test]
async fn writes_need_a_key_and_every_call_a_session() {
    let rig = Rig::start().await;
    let args = json!({"order_id": "#W8268610", "reason": "no longer needed"});
    let (status, reply) = rig
        .call_with_key("sess_k", "cancel_pending_order", args.clone(), "")
        .await;
    assert_eq!(status, 400, "{reply}");
    assert!(error_of(&reply).contains("Idempotency-Key"), "{reply}");

    let (status, reply) = rig
        .call_with_key(
            "",
            "get_order_details",
            json!({"order_id": "#W8268610"}),
            "k",
        )
        .await;
    assert_eq!(status, 400, "{reply}");
    assert!(error_of(&reply).contains("session_id"), "{reply}");

    // A read needs no key.
    let (status, reply) = rig
        .call_with_key(
            "sess_k",
            "get_order_details",
            json!({"order_id": "#W8268610"}),
            "",
        )
        .await;
    assert_eq!(status, 200, "{reply}");
    assert_eq!(reply["status"], "pending", "nothing was cancelled");
    rig.server.shutdown().await;
}

#[tokio::test]
async fn the_oldest_sessions_are_forgotten_past_the_limit() {
    let rig = Rig::start().await;
    let read = json!({"order_id": "#W8268610"});
    rig.ok(
        "sess_first",
        "cancel_pending_order",
        json!({"order_id": "#W8268610", "reason": "no longer needed"}),
    )
    .await;
    for n in 0..MAX_SESSIONS {
        rig.ok(&format!("sess_{n}"), "get_order_details", read.clone())
            .await;
    }
    let (status, _) = rig.session_db("sess_first").await;
    assert_eq!(status, 404, "the oldest session was dropped");
    let (status, _) = rig.session_db("sess_0").await;
    assert_eq!(status, 200);
    assert_eq!(
        rig.state().await["sessions"].as_object().map(|s| s.len()),
        Some(MAX_SESSIONS)
    );
    // Coming back, it starts from the seed again.
    let order = rig.ok("sess_first", "get_order_details", read).await;
    assert_eq!(order["status"], "pending");
    rig.server.shutdown().await;
}
