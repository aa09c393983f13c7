//! Each write tool's effect on the session's database, with the benchmark's result: the order
//! (or user) after the change.

mod common;

use common::*;
use serde_json::json;

#[tokio::test]
async fn cancelling_a_pending_order_refunds_it() {
    let rig = Rig::start().await;
    let s = "sess_cancel";
    let order = rig
        .ok(
            s,
            "cancel_pending_order",
            json!({"order_id": "#W8268610", "reason": "no longer needed"}),
        )
        .await;
    assert_eq!(order["status"], "cancelled");
    assert_eq!(order["cancel_reason"], "no longer needed");
    assert_eq!(
        order["payment_history"],
        json!([
            {"transaction_type": "payment", "amount": 164.28, "payment_method_id": "credit_card_3599838"},
            {"transaction_type": "refund", "amount": 164.28, "payment_method_id": "credit_card_3599838"},
        ])
    );
    assert_eq!(
        rig.order(s, "#W8268610").await,
        order,
        "the result is the stored order"
    );

    // Paid with a gift card: the refund is on the card at once.
    rig.ok(
        s,
        "cancel_pending_order",
        json!({"order_id": "#W3614011", "reason": "ordered by mistake"}),
    )
    .await;
    let emma = rig.user(s, "emma_smith_8564").await;
    assert_eq!(
        emma["payment_methods"]["gift_card_8541487"]["balance"],
        1333.94
    );
    rig.server.shutdown().await;
}

#[tokio::test]
async fn a_pending_order_ships_to_a_new_address() {
    let rig = Rig::start().await;
    let s = "sess_address";
    let address = json!({
        "address1": "123 Elm Street", "address2": "Suite 641", "city": "Austin",
        "country": "USA", "state": "TX", "zip": "78712",
    });
    let mut args = address.clone();
    args["order_id"] = json!("#W8665881");
    let order = rig.ok(s, "modify_pending_order_address", args).await;
    assert_eq!(order["address"], address);
    assert_eq!(order["status"], "pending");
    assert_eq!(rig.order(s, "#W8665881").await["address"], address);
    rig.server.shutdown().await;
}

#[tokio::test]
async fn a_pending_order_is_paid_with_another_method() {
    let rig = Rig::start().await;
    let s = "sess_payment";
    let order = rig
        .ok(
            s,
            "modify_pending_order_payment",
            json!({"order_id": "#W4923227", "payment_method_id": "credit_card_8897086"}),
        )
        .await;
    assert_eq!(
        order["payment_history"],
        json!([
            {"transaction_type": "payment", "amount": 321.18, "payment_method_id": "credit_card_8554680"},
            {"transaction_type": "payment", "amount": 321.18, "payment_method_id": "credit_card_8897086"},
            {"transaction_type": "refund", "amount": 321.18, "payment_method_id": "credit_card_8554680"},
        ])
    );
    assert_eq!(order["status"], "pending");

    // Away from a gift card: the card gets the amount back at once.
    rig.ok(
        s,
        "modify_pending_order_payment",
        json!({"order_id": "#W2417020", "payment_method_id": "paypal_6228291"}),
    )
    .await;
    let emma = rig.user(s, "emma_smith_8564").await;
    assert_eq!(
        emma["payment_methods"]["gift_card_8541487"]["balance"],
        2736.4
    );
    rig.server.shutdown().await;
}

#[tokio::test]
async fn a_pending_order_item_becomes_another_option() {
    let rig = Rig::start().await;
    let s = "sess_items";
    // τ² retail task 44: the desk lamp for the cheapest available one, the difference to the
    // gift card.
    let order = rig
        .ok(
            s,
            "modify_pending_order_items",
            json!({
                "order_id": "#W9300146", "item_ids": ["9190635437"],
                "new_item_ids": ["5320792178"], "payment_method_id": "gift_card_7245904",
            }),
        )
        .await;
    assert_eq!(order["status"], "pending (item modified)");
    assert_eq!(
        order["items"],
        json!([{
            "name": "Desk Lamp", "product_id": "6817146515", "item_id": "5320792178",
            "price": 135.24,
            "options": {"color": "black", "brightness": "medium", "power source": "AC adapter"},
        }])
    );
    // The difference, unrounded as the benchmark records it, is refunded to the gift card.
    assert_eq!(
        order["payment_history"][1],
        json!({"transaction_type": "refund", "amount": 17.98999999999998, "payment_method_id": "gift_card_7245904"})
    );
    let user = rig.user(s, "aarav_anderson_8794").await;
    assert_eq!(
        user["payment_methods"]["gift_card_7245904"]["balance"],
        34.99
    );
    rig.server.shutdown().await;
}

#[tokio::test]
async fn a_user_gets_a_new_default_address() {
    let rig = Rig::start().await;
    let s = "sess_user_address";
    let address = json!({
        "address1": "517 Lakeview Drive", "address2": "Suite 183", "city": "Seattle",
        "country": "USA", "state": "WA", "zip": "98195",
    });
    let mut args = address.clone();
    args["user_id"] = json!("noah_patel_6952");
    let user = rig.ok(s, "modify_user_address", args).await;
    assert_eq!(user["user_id"], "noah_patel_6952");
    assert_eq!(user["address"], address);
    assert_eq!(rig.user(s, "noah_patel_6952").await["address"], address);
    rig.server.shutdown().await;
}

#[tokio::test]
async fn delivered_items_are_returned() {
    let rig = Rig::start().await;
    let s = "sess_return";
    // τ² retail task 5: the water bottle back to PayPal, the original method.
    let order = rig
        .ok(
            s,
            "return_delivered_order_items",
            json!({"order_id": "#W6390527", "item_ids": ["8538875209"], "payment_method_id": "paypal_7644869"}),
        )
        .await;
    assert_eq!(order["status"], "return requested");
    assert_eq!(order["return_items"], json!(["8538875209"]));
    assert_eq!(order["return_payment_method_id"], "paypal_7644869");
    assert_eq!(
        order["items"].as_array().map(Vec::len),
        Some(3),
        "items stay"
    );
    rig.server.shutdown().await;
}

#[tokio::test]
async fn delivered_items_are_exchanged() {
    let rig = Rig::start().await;
    let s = "sess_exchange";
    // τ² retail task 0: the keyboard for clicky switches, the thermostat for Google Home.
    let order = rig
        .ok(
            s,
            "exchange_delivered_order_items",
            json!({
                "order_id": "#W2378156", "item_ids": ["4983901480", "1151293680"],
                "new_item_ids": ["7747408585", "7706410293"],
                "payment_method_id": "credit_card_9513926",
            }),
        )
        .await;
    assert_eq!(order["status"], "exchange requested");
    assert_eq!(
        order["exchange_items"],
        json!(["1151293680", "4983901480"]),
        "sorted"
    );
    assert_eq!(
        order["exchange_new_items"],
        json!(["7706410293", "7747408585"])
    );
    assert_eq!(order["exchange_payment_method_id"], "credit_card_9513926");
    assert_eq!(order["exchange_price_difference"], -16.63);
    rig.server.shutdown().await;
}

#[tokio::test]
async fn a_transfer_is_recorded_for_the_session() {
    let rig = Rig::start().await;
    let s = "sess_transfer";
    let reply = rig
        .ok(
            s,
            "transfer_to_human_agents",
            json!({"summary": "The caller wants each refund on the other order's method."}),
        )
        .await;
    assert_eq!(reply, json!("Transfer successful"));
    let state = rig.state().await;
    assert_eq!(
        state["sessions"][s]["transfers"],
        json!(["The caller wants each refund on the other order's method."]),
        "{state}"
    );
    assert_eq!(state["sessions"][s]["changed_orders"], json!({}));
    rig.server.shutdown().await;
}
