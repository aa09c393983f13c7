//! Values the tools' `captures` keep are what business rules read by name: the reservation a
//! lookup returned is `reservation`, kept per reservation id, so a rule of a call about one
//! reservation sees that one and no other; a lookup of one never unlocks a write to another.

mod common;

use std::time::Duration;

use common::*;
use proptest::prelude::*;
use serde_json::{Value, json};
use switchboard_engine::{GuardDecision, Output};

const AGENT: &str = r#"
name: airline
role: You are an airline support agent.
tools:
  - name: find_user_id_by_email
    description: Find the caller's user id.
    parameters: {type: object, properties: {email: {type: string}}, required: [email]}
    captures: [{name: user_id}]
    run:
      fixtures:
        - when: {email: "ana@example.com"}
          result: "ana_1"
        - result: "bo_2"
  - name: get_user_details
    description: Read the user's profile.
    parameters: {type: object, properties: {user_id: {type: string}}, required: [user_id]}
    guards:
      - rule: args.user_id == user_id
        say: Only the authenticated caller's profile can be read.
    captures: [{name: user}]
    run:
      fixtures:
        - result: {user_id: "ana_1", reservations: ["ECO1", "BASIC1"], payment_methods: {card_1: {source: credit_card}}}
  - name: get_reservation_details
    description: Read a reservation.
    parameters: {type: object, properties: {reservation_id: {type: string}}, required: [reservation_id]}
    captures: [{name: reservation, path: reservation, key: reservation_id}]
    run:
      fixtures:
        - when: {reservation_id: "BASIC1"}
          result: {reservation: {reservation_id: "BASIC1", cabin: basic_economy, user_id: ana_1}}
        - when: {reservation_id: "ECO1"}
          result: {reservation: {reservation_id: "ECO1", cabin: economy, user_id: ana_1}}
        - result: {reservation: {reservation_id: "OTHER9", cabin: economy, user_id: bo_2}}
  - name: update_reservation_flights
    description: Change the flights of a reservation.
    parameters:
      type: object
      properties: {reservation_id: {type: string}, payment_id: {type: string}}
      required: [reservation_id, payment_id]
    guards:
      - rule: reservation.cabin != "basic_economy"
        say: Basic economy tickets cannot be changed.
      - rule: reservation.user_id == user_id && args.reservation_id in user.reservations
        say: That reservation is not the caller's.
      - rule: args.payment_id in user.payment_methods
        say: The payment method must be one in the caller's profile.
    run: {webhook: {url: "https://tools.example/update"}}
  - name: list_cabins
    description: Every reservation looked up so far, by id.
    parameters: {type: object, properties: {}}
    guards:
      - rule: size(captures.reservation) >= 2 && captures.reservation.all(id, captures.reservation[id].user_id == user_id)
        say: Look up at least two of the caller's reservations first.
    run: {webhook: {url: "https://tools.example/cabins"}}
"#;

fn ran(out: &[Output], tool: &str) -> bool {
    out.iter()
        .any(|o| matches!(o, Output::RunTool(run) if run.name == tool))
}

fn call(h: &mut Harness, name: &str, args: Value) -> Vec<Output> {
    let id = format!("call_{}_{}", name, h.out.len());
    let out = h.model_calls(&id, name, args);
    // Fixture tools answer on the next tick.
    let mut more = h.advance(Duration::from_millis(1));
    let mut all = out;
    all.append(&mut more);
    all
}

fn sign_in(h: &mut Harness) {
    call(
        h,
        "find_user_id_by_email",
        json!({"email": "ana@example.com"}),
    );
    call(h, "get_user_details", json!({"user_id": "ana_1"}));
}

fn change(h: &mut Harness, reservation: &str) -> Vec<Output> {
    call(
        h,
        "update_reservation_flights",
        json!({"reservation_id": reservation, "payment_id": "card_1"}),
    )
}

#[test]
fn a_whole_result_is_kept_and_binds_an_argument() {
    let mut h = Harness::new(AGENT);
    let out = call(&mut h, "get_user_details", json!({"user_id": "ana_1"}));
    let refused = guard_details(&out, GuardDecision::PolicyRefused);
    assert_eq!(refused.len(), 1, "no user id was found yet");
    assert!(
        refused[0].contains("no `user_id` was looked up in this call"),
        "{refused:?}"
    );
    call(
        &mut h,
        "find_user_id_by_email",
        json!({"email": "ana@example.com"}),
    );
    let out = call(&mut h, "get_user_details", json!({"user_id": "bo_2"}));
    assert_eq!(
        tool_outputs(&out)[0].1["error"],
        "Only the authenticated caller's profile can be read."
    );
    let out = call(&mut h, "get_user_details", json!({"user_id": "ana_1"}));
    assert!(guard_details(&out, GuardDecision::PolicyRefused).is_empty());
    assert_eq!(tool_outputs(&out)[0].1["user_id"], "ana_1");
}

#[test]
fn the_rule_sees_the_entity_the_call_names() {
    let mut h = Harness::new(AGENT);
    sign_in(&mut h);
    call(
        &mut h,
        "get_reservation_details",
        json!({"reservation_id": "ECO1"}),
    );
    call(
        &mut h,
        "get_reservation_details",
        json!({"reservation_id": "BASIC1"}),
    );
    // BASIC1 was looked up last, but the change is about ECO1: its own cabin decides.
    let out = change(&mut h, "ECO1");
    assert!(
        ran(&out, "update_reservation_flights"),
        "{:?}",
        guard_details(&out, GuardDecision::PolicyRefused)
    );
    let out = change(&mut h, "BASIC1");
    assert!(!ran(&out, "update_reservation_flights"));
    assert_eq!(
        tool_outputs(&out)[0].1["error"],
        "Basic economy tickets cannot be changed."
    );
}

#[test]
fn one_lookup_does_not_unlock_a_write_to_another_entity() {
    let mut h = Harness::new(AGENT);
    sign_in(&mut h);
    call(
        &mut h,
        "get_reservation_details",
        json!({"reservation_id": "ECO1"}),
    );
    let out = change(&mut h, "ECO2");
    assert!(!ran(&out, "update_reservation_flights"));
    let refused = guard_details(&out, GuardDecision::PolicyRefused);
    assert!(
        refused[0]
            .contains(r#"no `reservation` with reservation_id "ECO2" was looked up in this call"#),
        "the record says which lookup is missing: {refused:?}"
    );
}

#[test]
fn another_users_reservation_and_a_payment_method_not_in_the_profile_are_refused() {
    let mut h = Harness::new(AGENT);
    sign_in(&mut h);
    call(
        &mut h,
        "get_reservation_details",
        json!({"reservation_id": "OTHER9"}),
    );
    let out = change(&mut h, "OTHER9");
    assert_eq!(
        tool_outputs(&out)[0].1["error"],
        "That reservation is not the caller's."
    );
    call(
        &mut h,
        "get_reservation_details",
        json!({"reservation_id": "ECO1"}),
    );
    let out = call(
        &mut h,
        "update_reservation_flights",
        json!({"reservation_id": "ECO1", "payment_id": "card_9"}),
    );
    assert_eq!(
        tool_outputs(&out)[0].1["error"],
        "The payment method must be one in the caller's profile."
    );
}

#[test]
fn every_entity_is_seen_under_captures() {
    let mut h = Harness::new(AGENT);
    sign_in(&mut h);
    call(
        &mut h,
        "get_reservation_details",
        json!({"reservation_id": "ECO1"}),
    );
    let out = call(&mut h, "list_cabins", json!({}));
    assert!(!ran(&out, "list_cabins"), "one is not enough");
    call(
        &mut h,
        "get_reservation_details",
        json!({"reservation_id": "BASIC1"}),
    );
    call(
        &mut h,
        "get_reservation_details",
        json!({"reservation_id": "ECO1"}),
    );
    let out = call(&mut h, "list_cabins", json!({}));
    assert!(
        ran(&out, "list_cabins"),
        "two distinct ones, the second lookup of ECO1 kept once: {:?}",
        guard_details(&out, GuardDecision::PolicyRefused)
    );
    call(
        &mut h,
        "get_reservation_details",
        json!({"reservation_id": "OTHER9"}),
    );
    let out = call(&mut h, "list_cabins", json!({}));
    assert!(!ran(&out, "list_cabins"), "another user's is among them");
}

/// A result the tool's `output_schema` does not allow is given to the model, but rules do not
/// read it: they fail closed rather than trust what the tool did not promise.
#[test]
fn a_result_outside_its_output_schema_is_not_kept_for_the_rules() {
    let agent = AGENT.replace(
        "    captures: [{name: reservation, path: reservation, key: reservation_id}]\n",
        "    captures: [{name: reservation, path: reservation, key: reservation_id}]\n    output_schema:\n      type: object\n      required: [reservation]\n      properties:\n        reservation:\n          type: object\n          required: [reservation_id, cabin]\n          properties: {cabin: {enum: [economy, basic_economy]}}\n",
    ).replace(
        "          result: {reservation: {reservation_id: \"ECO1\", cabin: economy, user_id: ana_1}}",
        "          result: {reservation: {reservation_id: \"ECO1\", cabin: first, user_id: ana_1}}",
    );
    let mut h = Harness::new(&agent);
    sign_in(&mut h);
    let out = call(
        &mut h,
        "get_reservation_details",
        json!({"reservation_id": "ECO1"}),
    );
    assert_eq!(
        tool_outputs(&out)[0].1["reservation"]["cabin"],
        "first",
        "the model gets it"
    );
    let outside = guard_details(&out, GuardDecision::ResultOutsideSchema);
    assert_eq!(outside.len(), 1, "{outside:?}");
    assert!(outside[0].contains("/reservation/cabin"), "{outside:?}");
    let out = change(&mut h, "ECO1");
    assert!(
        !ran(&out, "update_reservation_flights"),
        "nothing was kept for ECO1"
    );
    // A result inside the schema is kept as before.
    call(
        &mut h,
        "get_reservation_details",
        json!({"reservation_id": "BASIC1"}),
    );
    let out = change(&mut h, "BASIC1");
    assert_eq!(
        tool_outputs(&out)[0].1["error"],
        "Basic economy tickets cannot be changed."
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Whatever the model looks up and in whatever order, a change runs only for a
    /// reservation that was itself looked up, belongs to the caller, and is not basic economy.
    #[test]
    fn a_change_runs_only_for_its_own_allowed_reservation(
        lookups in proptest::collection::vec(0usize..4, 0..5),
        target in 0usize..5,
    ) {
        let ids = ["ECO1", "BASIC1", "OTHER9", "ECO1", "NEVER"];
        let mut h = Harness::new(AGENT);
        sign_in(&mut h);
        for i in &lookups {
            call(&mut h, "get_reservation_details", json!({"reservation_id": ids[*i]}));
        }
        let out = change(&mut h, ids[target]);
        let looked_up = lookups.iter().any(|i| ids[*i] == ids[target]);
        let allowed = looked_up && ids[target] == "ECO1";
        prop_assert_eq!(ran(&out, "update_reservation_flights"), allowed);
    }
}
