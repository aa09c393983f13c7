//! Requests that are unsigned, signed with another secret, altered or stale are refused with
//! 401 and change nothing.

mod common;

use common::*;
use serde_json::json;
use switchboard_gateway::webhook;

#[tokio::test]
async fn unsigned_or_wrongly_signed_requests_are_refused() {
    let rig = Rig::start().await;
    let args = json!({"order_id": "#W8268610", "reason": "no longer needed"});
    let body = body("cancel_pending_order", args.clone(), "sess_sig", "k1");
    let t = now();
    let key = ("Idempotency-Key", "k1".to_owned());
    let other_body = common::body("cancel_pending_order", json!({}), "sess_sig", "k1");

    let cases = [
        ("unsigned", vec![key.clone()]),
        (
            "no timestamp",
            vec![
                key.clone(),
                ("X-Switchboard-Signature", webhook::sign(SECRET, t, &body)),
            ],
        ),
        (
            "another secret",
            vec![
                key.clone(),
                ("X-Switchboard-Timestamp", t.to_string()),
                ("X-Switchboard-Signature", webhook::sign(b"guess", t, &body)),
            ],
        ),
        (
            "stale",
            vec![
                key.clone(),
                ("X-Switchboard-Timestamp", (t - 3600).to_string()),
                (
                    "X-Switchboard-Signature",
                    webhook::sign(SECRET, t - 3600, &body),
                ),
            ],
        ),
        (
            "signed for another body",
            vec![
                key.clone(),
                ("X-Switchboard-Timestamp", t.to_string()),
                (
                    "X-Switchboard-Signature",
                    webhook::sign(SECRET, t, &other_body),
                ),
            ],
        ),
    ];
    for (case, headers) in cases {
        let (status, reply) = rig
            .post("cancel_pending_order", body.clone(), &headers)
            .await;
        assert_eq!(status, 401, "{case}: {reply}");
        assert!(error_of(&reply).contains("signature"), "{case}: {reply}");
    }
    // Nothing ran: the session was never even opened.
    assert_eq!(rig.state().await, json!({"sessions": {}}));
    let (status, _) = rig.session_db("sess_sig").await;
    assert_eq!(status, 404);

    // Signed properly, the same request goes through.
    let (status, reply) = rig
        .call_with_key("sess_sig", "cancel_pending_order", args, "k1")
        .await;
    assert_eq!(status, 200, "{reply}");
    assert_eq!(reply["status"], "cancelled");
    rig.server.shutdown().await;
}

#[tokio::test]
async fn reads_are_signed_too() {
    let rig = Rig::start().await;
    let body = body(
        "get_order_details",
        json!({"order_id": "#W8268610"}),
        "sess_sig",
        "k1",
    );
    let (status, reply) = rig.post("get_order_details", body, &[]).await;
    assert_eq!(status, 401, "{reply}");
    rig.server.shutdown().await;
}
