//! The benchmark's refusals, with its messages: unknown ids (404), actions the data does not
//! allow (409), arguments that are not the tool's (400). None of them changes anything.

mod common;

use common::*;
use serde_json::{Value, json};

async fn refused(rig: &Rig, session: &str, tool: &str, args: Value) -> (u16, String) {
    let (status, reply) = rig.call(session, tool, args).await;
    assert!(status >= 400, "{tool}: {reply}");
    (status, error_of(&reply).to_owned())
}

#[tokio::test]
async fn unknown_ids() {
    let rig = Rig::start().await;
    let s = "sess_unknown";
    let cases = [
        (
            "find_user_id_by_email",
            json!({"email": "daikisanchez1479@example.com"}),
            "User not found",
        ),
        (
            "find_user_id_by_name_zip",
            json!({"first_name": "Yusuf", "last_name": "Rossi", "zip": "19123"}),
            "User not found",
        ),
        (
            "get_order_details",
            json!({"order_id": "W2378156"}),
            "Order not found",
        ),
        (
            "get_user_details",
            json!({"user_id": "sara_doe_496"}),
            "User not found",
        ),
        (
            "get_product_details",
            json!({"product_id": "1151293680"}),
            "Product not found",
        ),
        (
            "get_item_details",
            json!({"item_id": "1656367028"}),
            "Item not found",
        ),
        (
            "exchange_delivered_order_items",
            json!({"order_id": "#W2378156", "item_ids": ["1151293680"], "new_item_ids": ["7747408585"], "payment_method_id": "credit_card_9513926"}),
            "Variant not found",
        ),
        (
            "modify_pending_order_payment",
            json!({"order_id": "#W4923227", "payment_method_id": "credit_card_9513926"}),
            "Payment method not found",
        ),
    ];
    for (tool, args, message) in cases {
        assert_eq!(
            refused(&rig, s, tool, args).await,
            (404, message.to_owned()),
            "{tool}"
        );
    }
    rig.server.shutdown().await;
}

#[tokio::test]
async fn actions_the_order_does_not_allow() {
    let rig = Rig::start().await;
    let s = "sess_rules";
    let cases = [
        // A delivered order is not cancelled, a pending one not returned or exchanged.
        (
            "cancel_pending_order",
            json!({"order_id": "#W2378156", "reason": "no longer needed"}),
            "Non-pending order cannot be cancelled",
        ),
        (
            "return_delivered_order_items",
            json!({"order_id": "#W8268610", "item_ids": ["9083642334"], "payment_method_id": "credit_card_3599838"}),
            "Non-delivered order cannot be returned",
        ),
        (
            "exchange_delivered_order_items",
            json!({"order_id": "#W8268610", "item_ids": ["9083642334"], "new_item_ids": ["5320792178"], "payment_method_id": "credit_card_3599838"}),
            "Non-delivered order cannot be exchanged",
        ),
        (
            "modify_pending_order_address",
            json!({"order_id": "#W2378156", "address1": "1 A St", "address2": "", "city": "X", "state": "PA", "country": "USA", "zip": "19122"}),
            "Non-pending order cannot be modified",
        ),
        // A refund goes to the original method or a gift card.
        (
            "return_delivered_order_items",
            json!({"order_id": "#W5490111", "item_ids": ["4579334072"], "payment_method_id": "paypal_9497703"}),
            "Payment method should be the original payment method",
        ),
        // Items that are not in the order, or not as many times.
        (
            "return_delivered_order_items",
            json!({"order_id": "#W6390527", "item_ids": ["8538875209", "8538875209"], "payment_method_id": "paypal_7644869"}),
            "Some item not found",
        ),
        (
            "modify_pending_order_items",
            json!({"order_id": "#W9300146", "item_ids": ["8538875209"], "new_item_ids": ["5320792178"], "payment_method_id": "gift_card_7245904"}),
            "8538875209 not found",
        ),
        // A new item that is not available.
        (
            "exchange_delivered_order_items",
            json!({"order_id": "#W2378156", "item_ids": ["1151293680"], "new_item_ids": ["9025753381"], "payment_method_id": "credit_card_9513926"}),
            "New item 9025753381 not found or available",
        ),
        // A gift card short of the difference or the total.
        (
            "modify_pending_order_payment",
            json!({"order_id": "#W4923227", "payment_method_id": "gift_card_8245350"}),
            "Insufficient gift card balance to pay for the order",
        ),
        (
            "modify_pending_order_items",
            json!({"order_id": "#W2079779", "item_ids": ["9168994198"], "new_item_ids": ["7523669277"], "payment_method_id": "gift_card_3751659"}),
            "Insufficient gift card balance to pay for the new item",
        ),
        // The payment method already paying.
        (
            "modify_pending_order_payment",
            json!({"order_id": "#W4923227", "payment_method_id": "credit_card_8554680"}),
            "The new payment method should be different from the current one",
        ),
    ];
    for (tool, args, message) in cases {
        assert_eq!(
            refused(&rig, s, tool, args.clone()).await,
            (409, message.to_owned()),
            "{tool}({args})"
        );
    }
    // Nothing changed in this session.
    let state = rig.state().await;
    assert_eq!(state["sessions"][s]["changed_orders"], json!({}), "{state}");
    assert_eq!(state["sessions"][s]["changed_users"], json!({}), "{state}");
    rig.server.shutdown().await;
}

#[tokio::test]
async fn items_are_modified_once_per_order() {
    let rig = Rig::start().await;
    let s = "sess_twice";
    let args = json!({
        "order_id": "#W9300146", "item_ids": ["9190635437"],
        "new_item_ids": ["5320792178"], "payment_method_id": "gift_card_7245904",
    });
    rig.ok(s, "modify_pending_order_items", args).await;
    // The order is `pending (item modified)` now: no second change of items, no cancel.
    let again = json!({
        "order_id": "#W9300146", "item_ids": ["5320792178"],
        "new_item_ids": ["9190635437"], "payment_method_id": "gift_card_7245904",
    });
    assert_eq!(
        refused(&rig, s, "modify_pending_order_items", again).await,
        (409, "Non-pending order cannot be modified".to_owned())
    );
    assert_eq!(
        refused(
            &rig,
            s,
            "cancel_pending_order",
            json!({"order_id": "#W9300146", "reason": "no longer needed"})
        )
        .await,
        (409, "Non-pending order cannot be cancelled".to_owned())
    );
    // The benchmark's tool still lets the address change (its check is `pending` anywhere in
    // the status), but not the payment: the order has two payments now.
    assert_eq!(
        refused(
            &rig,
            s,
            "modify_pending_order_payment",
            json!({"order_id": "#W9300146", "payment_method_id": "gift_card_7245904"})
        )
        .await,
        (
            409,
            "There should be exactly one payment for a pending order".to_owned()
        )
    );
    rig.server.shutdown().await;
}

#[tokio::test]
async fn arguments_that_are_not_the_tools() {
    let rig = Rig::start().await;
    let s = "sess_args";
    let cases = [
        (
            "cancel_pending_order",
            json!({"order_id": "#W8268610", "reason": "found it cheaper"}),
            "Invalid reason",
        ),
        (
            "modify_pending_order_items",
            json!({"order_id": "#W9300146", "item_ids": ["9190635437"], "new_item_ids": ["9190635437"], "payment_method_id": "gift_card_7245904"}),
            "The new item id should be different from the old item id",
        ),
        (
            "exchange_delivered_order_items",
            json!({"order_id": "#W2378156", "item_ids": ["1151293680", "4983901480"], "new_item_ids": ["7706410293"], "payment_method_id": "credit_card_9513926"}),
            "The number of items to be exchanged should match.",
        ),
        (
            "calculate",
            json!({"expression": "2 + two"}),
            "Invalid characters in expression",
        ),
        (
            "calculate",
            json!({"expression": "1 / 0"}),
            "division by zero",
        ),
    ];
    for (tool, args, message) in cases {
        assert_eq!(
            refused(&rig, s, tool, args).await,
            (400, message.to_owned()),
            "{tool}"
        );
    }
    for (tool, args, mentions) in [
        ("get_order_details", json!({}), "missing field `order_id`"),
        (
            "get_order_details",
            json!({"order_id": 2378156}),
            "invalid type",
        ),
        (
            "get_user_details",
            json!({"user_id": "x", "email": "y"}),
            "unknown field `email`",
        ),
        (
            "return_delivered_order_items",
            json!({"order_id": "#W6390527", "item_ids": "8538875209", "payment_method_id": "paypal_7644869"}),
            "invalid type",
        ),
        ("list_all_product_types", json!([]), "JSON object"),
    ] {
        let (status, message) = refused(&rig, s, tool, args).await;
        assert_eq!(status, 400, "{tool}: {message}");
        assert!(message.contains(mentions), "{tool}: {message}");
    }
    let (status, reply) = rig.call(s, "drop_tables", json!({})).await;
    assert_eq!(status, 404, "{reply}");
    assert_eq!(rig.order(s, "#W8268610").await["status"], "pending");
    rig.server.shutdown().await;
}
