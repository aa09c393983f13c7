//! Requests that are unsigned, signed with another secret, altered or stale are refused with
//! 401 and change nothing.

mod common;

use common::*;
use serde_json::json;
use switchboard_gateway::webhook;

#[tokio::test]
async fn unsigned_or_wrongly_signed_requests_are_refused() {
    let rig = Rig::start().await;
    let args = json!({"account_id": "NL-10482", "minutes": 60});
    let body = body("refund_credit", args.clone(), "k1");
    let t = now();
    let key = ("Idempotency-Key", "k1".to_owned());

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
                    webhook::sign(SECRET, t, &common::body("refund_credit", json!({}), "k1")),
                ),
            ],
        ),
    ];
    for (case, headers) in cases {
        let (status, reply) = rig.post("refund_credit", body.clone(), &headers).await;
        assert_eq!(status, 401, "{case}: {reply}");
        assert!(
            reply["error"]
                .as_str()
                .is_some_and(|e| e.contains("signature")),
            "{case}: {reply}"
        );
    }
    assert_eq!(
        rig.state().await["credits"],
        json!([]),
        "nothing was applied"
    );

    // Signed properly, the same request goes through.
    let (status, reply) = rig.call("refund_credit", args, "k1").await;
    assert_eq!(status, 200, "{reply}");
    rig.server.shutdown().await;
}
