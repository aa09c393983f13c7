//! The read tools answer with the benchmark's shapes: ids and calculations as strings, orders,
//! users, products and variants as objects with every field (an order's optional fields as
//! `null` until an action sets them).

mod common;

use common::*;
use serde_json::json;

#[tokio::test]
async fn users_are_found_by_email_or_by_name_and_zip() {
    let rig = Rig::start().await;
    let s = "sess_find";
    let by_email = rig
        .ok(
            s,
            "find_user_id_by_email",
            json!({"email": "Daiki.Sanchez1479@EXAMPLE.com"}),
        )
        .await;
    assert_eq!(by_email, json!("daiki_sanchez_3253"), "without case");
    let by_name = rig
        .ok(
            s,
            "find_user_id_by_name_zip",
            json!({"first_name": "yusuf", "last_name": "ROSSI", "zip": "19122"}),
        )
        .await;
    assert_eq!(by_name, json!("yusuf_rossi_9620"));
    rig.server.shutdown().await;
}

#[tokio::test]
async fn details_have_the_benchmarks_shapes() {
    let rig = Rig::start().await;
    let s = "sess_details";
    let order = rig
        .ok(s, "get_order_details", json!({"order_id": "#W8268610"}))
        .await;
    let keys: Vec<&str> = order
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "order_id",
            "user_id",
            "address",
            "items",
            "status",
            "fulfillments",
            "payment_history",
            "cancel_reason",
            "exchange_items",
            "exchange_new_items",
            "exchange_payment_method_id",
            "exchange_price_difference",
            "return_items",
            "return_payment_method_id",
        ]
    );
    assert_eq!(order["cancel_reason"], json!(null));
    assert_eq!(order["items"][0]["item_id"], "9083642334");

    let user = rig
        .ok(
            s,
            "get_user_details",
            json!({"user_id": "isabella_lopez_6490"}),
        )
        .await;
    assert_eq!(user["orders"], json!(["#W4923227"]));
    assert_eq!(
        user["payment_methods"]["gift_card_8245350"],
        json!({"source": "gift_card", "id": "gift_card_8245350", "balance": 60.0})
    );
    assert_eq!(
        user["payment_methods"]["credit_card_8554680"],
        json!({"source": "credit_card", "id": "credit_card_8554680", "brand": "mastercard", "last_four": "4336"})
    );

    let product = rig
        .ok(
            s,
            "get_product_details",
            json!({"product_id": "6817146515"}),
        )
        .await;
    assert_eq!(product["name"], "Desk Lamp");
    assert_eq!(
        product["variants"]["5320792178"],
        json!({
            "item_id": "5320792178",
            "options": {"color": "black", "brightness": "medium", "power source": "AC adapter"},
            "available": true, "price": 135.24,
        })
    );
    let variant = rig
        .ok(s, "get_item_details", json!({"item_id": "5320792178"}))
        .await;
    assert_eq!(variant, product["variants"]["5320792178"]);
    rig.server.shutdown().await;
}

#[tokio::test]
async fn fifty_product_types_sorted_by_name() {
    let rig = Rig::start().await;
    let types = rig
        .ok("sess_types", "list_all_product_types", json!({}))
        .await;
    let types = types.as_object().expect("an object");
    assert_eq!(types.len(), 50);
    let names: Vec<&String> = types.keys().collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
    assert_eq!(types["Desk Lamp"], "6817146515");
    rig.server.shutdown().await;
}

#[tokio::test]
async fn calculations_are_written_as_the_benchmark_writes_them() {
    let rig = Rig::start().await;
    for (expression, result) in [
        ("466.75 + 288.82 + 135.24 + 193.38 + 46.66", "1130.85"),
        ("135.24 - 153.23", "-17.99"),
        ("2 + 2", "4.0"),
        ("(3 * 10) / 4", "7.5"),
    ] {
        let reply = rig
            .ok("sess_calc", "calculate", json!({"expression": expression}))
            .await;
        assert_eq!(reply, json!(result), "{expression}");
    }
    rig.server.shutdown().await;
}
