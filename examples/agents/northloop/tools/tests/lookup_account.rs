//! lookup_account finds an account by phone number (in any common format) or by email (in
//! any case), and says so when none matches.

mod common;

use common::*;
use serde_json::json;

#[tokio::test]
async fn accounts_are_found_by_phone_and_by_email() {
    let rig = Rig::start().await;
    let alex = json!({
        "account_id": "NL-10482",
        "first_name": "Alex",
        "plan": "Fiber 500",
        "service_address": "12 Harbor Way, Portland",
    });
    for who in [
        "4155550123",
        "+1 (415) 555-0123",
        "415.555.0123",
        "alex@example.com",
        "Alex@Example.COM",
    ] {
        let (status, reply) = rig
            .call("lookup_account", json!({"email_or_phone": who}), "")
            .await;
        assert_eq!(status, 200, "{who}: {reply}");
        assert_eq!(reply, alex, "{who}: the same result as the agent's fixture");
    }
    let (status, reply) = rig
        .call(
            "lookup_account",
            json!({"email_or_phone": "jordan@example.com"}),
            "",
        )
        .await;
    assert_eq!(
        (status, reply["account_id"].clone()),
        (200, json!("NL-20931"))
    );
}

#[tokio::test]
async fn no_match_and_bad_arguments_are_refused_with_a_message() {
    let rig = Rig::start().await;
    let (status, reply) = rig
        .call(
            "lookup_account",
            json!({"email_or_phone": "nobody@example.com"}),
            "",
        )
        .await;
    assert_eq!(status, 404);
    assert_eq!(
        reply["error"],
        "No account matches that email or phone number."
    );

    let (status, reply) = rig
        .call("lookup_account", json!({"phone": "4155550123"}), "")
        .await;
    assert_eq!(status, 400, "{reply}");
    assert!(
        reply["error"]
            .as_str()
            .is_some_and(|e| e.contains("email_or_phone")),
        "{reply}"
    );
}
