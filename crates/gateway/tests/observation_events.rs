//! A caller that connects with `?observe=true` sees what the gateway does server-side (tool
//! calls, guard decisions); a caller that does not never sees an event it does not know.

mod common;

use common::*;
use serde_json::{Value, json};

const NORTHLOOP: &str = "examples/agents/northloop/agent.yaml";

fn rehearsal_script() -> String {
    std::fs::read_to_string(repo_file("examples/agents/northloop/rehearsal.yaml"))
        .expect("the rehearsal script")
}

/// Receives every frame, unchecked, until `done` holds for one; returns them all.
async fn raw_until(client: &mut Client, done: impl Fn(&Value) -> bool) -> Vec<Value> {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    let mut got = Vec::new();
    loop {
        let event = client.next_raw(deadline).await;
        let stop = done(&event);
        got.push(event);
        if stop {
            return got;
        }
    }
}

fn is_reply(event: &Value) -> bool {
    event["type"] == "response.done"
        && event["response"]["output"]
            .as_array()
            .is_some_and(|o| o.iter().any(|i| i["type"] == "message"))
}

/// Runs the NorthLoop call up to the offer of a credit; returns the frames the caller got,
/// one list per caller turn. An observing caller waits for the end of each turn, any other
/// for the reply it expects.
async fn call_up_to_the_offer(observe: bool) -> Vec<Vec<Value>> {
    let rig = Rig::start(agent_from_file(NORTHLOOP), &rehearsal_script()).await;
    let query = if observe {
        "?model=gpt-realtime&observe=true"
    } else {
        "?model=gpt-realtime"
    };
    let mut caller = Client::connect(&rig.url(query), &[]).await;
    let turn_over = |needle: &'static str| {
        move |e: &Value| {
            if observe {
                e["type"] == "switchboard.turn_ended"
            } else {
                is_reply(e) && e["response"]["output"].to_string().contains(needle)
            }
        }
    };
    let mut turns = Vec::new();
    caller
        .send(json!({"type":"session.update","session":{"type":"realtime","output_modalities":["text"]}}))
        .await;
    caller.send(json!({"type":"response.create"})).await;
    turns.push(raw_until(&mut caller, turn_over("NorthLoop")).await);
    for (line, reply) in [
        ("My internet keeps dropping.", "email or phone"),
        (
            "It's four one five, five five five, zero one two three.",
            "Is that correct?",
        ),
        ("Yes, that's right.", "would you like me to go ahead"),
    ] {
        caller.say(line).await;
        turns.push(raw_until(&mut caller, turn_over(reply)).await);
    }
    turns
}

fn of_type<'a>(events: &'a [Value], kind: &str) -> Vec<&'a Value> {
    events.iter().filter(|e| e["type"] == kind).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_observing_caller_sees_tool_calls_and_guards() {
    let turns = call_up_to_the_offer(true).await;
    let seen: Vec<Value> = turns.concat();

    let calls = of_type(&seen, "switchboard.tool_call");
    let lookup = calls
        .iter()
        .find(|e| e["name"] == "lookup_account")
        .unwrap_or_else(|| panic!("no lookup_account call observed: {calls:?}"));
    assert_eq!(lookup["outcome"], "ok", "{lookup}");
    assert_eq!(lookup["arguments"]["email_or_phone"], "4155550123");
    assert_eq!(lookup["result"]["account_id"], "NL-10482", "{lookup}");
    assert!(lookup["duration_ms"].is_number(), "{lookup}");
    assert!(lookup["event_id"].is_string(), "{lookup}");
    assert!(
        calls.iter().any(|e| e["name"] == "check_outage"),
        "{calls:?}"
    );

    // The confirmation guard saw the model ask before offering the credit.
    let guards = of_type(&seen, "switchboard.guard");
    assert!(
        guards.iter().any(|e| e["decision"] == "confirmation_asked"
            && e["detail"].to_string().contains("refund_credit")),
        "{guards:?}"
    );
    assert!(guards.iter().all(|e| e["detail"].is_string()), "{guards:?}");

    // One end per turn, after the turn's last reply: the confirmation took three responses
    // (the lookup, the outage check, the offer) and still ended only once.
    for turn in &turns {
        assert_eq!(
            of_type(turn, "switchboard.turn_ended").len(),
            1,
            "{:?}",
            types(turn)
        );
    }
    let last = &turns[3];
    let replies = last.iter().filter(|e| is_reply(e)).count();
    assert!(replies >= 2, "{:?}", types(last));
    let offer = last
        .iter()
        .position(|e| is_reply(e) && e.to_string().contains("would you like me to go ahead"))
        .expect("the offer came in the turn");
    let lookup_at = last
        .iter()
        .position(|e| e["type"] == "switchboard.tool_call" && e["name"] == "lookup_account")
        .expect("the lookup came in the turn");
    assert!(lookup_at < offer);

    // Event ids stay unique across the gateway's own events.
    let mut ids: Vec<&str> = seen
        .iter()
        .filter(|e| {
            e["type"]
                .as_str()
                .is_some_and(|t| t.starts_with("switchboard."))
        })
        .filter_map(|e| e["event_id"].as_str())
        .collect();
    let count = ids.len();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), count, "duplicate event ids");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ordinary_caller_sees_no_observation_events() {
    let seen: Vec<Value> = call_up_to_the_offer(false).await.concat();
    let unknown: Vec<&Value> = seen
        .iter()
        .filter(|e| switchboard_wire::ServerEvent::from_value((*e).clone()).is_err())
        .collect();
    assert!(
        unknown.is_empty(),
        "events a Realtime client does not know: {unknown:?}"
    );
    assert!(
        seen.iter()
            .any(|e| e.to_string().contains("4-1-5-5-5-5-0-1-2-3")),
        "the call ran through the lookup"
    );
}
