//! No credit without a confirmed outage of more than 240 minutes in the past 7 days at the
//! account's address, and never more than 60 minutes.

mod common;

use common::*;
use serde_json::json;

#[tokio::test]
async fn an_account_without_a_long_outage_gets_no_credit() {
    let rig = Rig::start().await;
    // Jordan's address has no outage.
    let (status, reply) = rig
        .call(
            "check_outage",
            json!({"address": "48 Alder Street, Portland"}),
            "",
        )
        .await;
    assert_eq!((status, reply), (200, json!({"outage": false})));
    let (status, reply) = rig
        .call(
            "refund_credit",
            json!({"account_id": "NL-20931", "minutes": 60}),
            "k1",
        )
        .await;
    assert_eq!(status, 409, "{reply}");
    assert!(
        reply["error"]
            .as_str()
            .is_some_and(|e| e.contains("240 minutes")),
        "{reply}"
    );
    assert_eq!(rig.state().await["credits"], json!([]));
}

#[tokio::test]
async fn a_confirmed_outage_over_240_minutes_earns_at_most_60_minutes() {
    let rig = Rig::start().await;
    let (status, outage) = rig
        .call(
            "check_outage",
            json!({"address": "12 harbor way portland"}),
            "",
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        outage,
        json!({"outage": true, "minutes_down_last_7_days": 310, "eta": "6pm ET today"})
    );

    let (status, reply) = rig
        .call(
            "refund_credit",
            json!({"account_id": "NL-10482", "minutes": 120}),
            "k1",
        )
        .await;
    assert_eq!(status, 400, "{reply}");
    let (status, reply) = rig
        .call(
            "refund_credit",
            json!({"account_id": "NL-99999", "minutes": 60}),
            "k2",
        )
        .await;
    assert_eq!(status, 404, "{reply}");
    let (status, reply) = rig
        .call(
            "refund_credit",
            json!({"account_id": "NL-10482", "minutes": 60}),
            "k3",
        )
        .await;
    assert_eq!(status, 200, "{reply}");
    let state = rig.state().await;
    assert_eq!(
        state["credits"],
        json!([{"credit_id": "CR-0001", "account_id": "NL-10482", "minutes": 60}])
    );
}
