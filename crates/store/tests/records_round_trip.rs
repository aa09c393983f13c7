//! What a recorder is given comes back from the store: the list of sessions with their
//! counts, filters and order, and one session's timeline in time order, also after reopening.

mod common;

use std::time::Duration;

use common::{ms, nov_24, record_support_call, start, tempdir};
use serde_json::json;
use switchboard_engine::{Record, Speaker};
use switchboard_store::{Event, Redaction, SessionFilter, Store};

#[test]
fn a_whole_call_comes_back_in_time_order() {
    let dir = tempdir("round-trip");
    let store = Store::open(&dir).unwrap();
    record_support_call(
        &store,
        start("sess_1", "northloop", nov_24(), Redaction::default()),
    );
    store.flush();

    let record = store.session("sess_1").unwrap().expect("recorded");
    let summary = &record.summary;
    assert_eq!(summary.agent, "northloop");
    assert_eq!(summary.model, "gpt-realtime");
    assert_eq!(summary.started_at, nov_24());
    assert_eq!(summary.ended_at, Some(nov_24() + ms(155_250)));
    assert_eq!(summary.duration(), Some(ms(155_250)));
    assert_eq!(summary.outcome.as_deref(), Some("escalated"));
    assert_eq!(
        (summary.utterances, summary.tool_calls, summary.escalated),
        (5, 1, true)
    );

    let kinds: Vec<(u128, &str)> = record
        .timeline
        .iter()
        .map(|e| {
            let kind = match &e.event {
                Event::Utterance {
                    speaker: Speaker::Caller,
                    ..
                } => "caller",
                Event::Utterance {
                    speaker: Speaker::Agent,
                    ..
                } => "agent",
                Event::ToolCall { .. } => "tool",
                Event::Guard { .. } => "guard",
                Event::Transition { .. } => "transition",
                Event::Escalation { .. } => "escalation",
                Event::Latency { .. } => "latency",
            };
            (e.at.as_millis(), kind)
        })
        .collect();
    assert_eq!(
        kinds,
        [
            (400, "caller"),
            (2_720, "latency"),
            (2_720, "agent"),
            (6_500, "caller"),
            // Reported at 10.2 s after running 180 ms: placed where it started.
            (10_020, "tool"),
            (10_200, "latency"),
            (10_300, "transition"),
            (10_900, "agent"),
            (10_900, "latency"),
            (15_200, "caller"),
            (18_500, "guard"),
            // The engine's `Escalated` record and the gateway's summary make one entry.
            (19_000, "escalation"),
        ]
    );
    let Event::Escalation { reason, summary } = &record.timeline[11].event else {
        panic!("not an escalation");
    };
    assert_eq!(reason, "caller asked for a person");
    assert_eq!(
        summary.as_ref().unwrap(),
        &json!({
            "intent": "Hi, my internet has been down since this morning.",
            "slots": {"phone": "415-555-0123"},
            "tools": [{"name": "lookup_account", "outcome": "ok"}],
            "state": "resolve",
        })
    );
    let Event::ToolCall {
        call_id,
        arguments,
        result,
        duration,
        ..
    } = &record.timeline[4].event
    else {
        panic!("not a tool call");
    };
    assert_eq!(call_id, "call_1");
    assert_eq!(arguments, &json!({"email_or_phone": "415-555-0123"}));
    assert_eq!(result["account_id"], "NL-20931");
    assert_eq!(*duration, ms(180));

    // Reopened, the same.
    drop(store);
    let store = Store::open(&dir).unwrap();
    assert_eq!(store.session("sess_1").unwrap().unwrap(), record);
}

#[test]
fn the_export_is_json_with_times_and_milliseconds() {
    let dir = tempdir("export-json");
    let store = Store::open(&dir).unwrap();
    record_support_call(
        &store,
        start("sess_1", "northloop", nov_24(), Redaction::ALL),
    );
    store.flush();
    let json = serde_json::to_value(store.session("sess_1").unwrap().unwrap()).unwrap();
    assert_eq!(json["id"], "sess_1");
    assert_eq!(json["started_at"], "2026-11-24T10:00:00.000Z");
    assert_eq!(json["ended_at"], "2026-11-24T10:02:35.250Z");
    assert_eq!(json["escalated"], true);
    assert_eq!(
        json["redaction"],
        json!({"phone_numbers": true, "card_numbers": true, "emails": true})
    );
    assert_eq!(
        json["timeline"][0],
        json!({
            "at_ms": 400,
            "type": "utterance",
            "speaker": "caller",
            "text": "Hi, my internet has been down since this morning.",
            "end_ms": 2100,
        })
    );
    assert_eq!(
        json["timeline"][4],
        json!({
            "at_ms": 10020,
            "type": "tool_call",
            "call_id": "call_1",
            "name": "lookup_account",
            "arguments": {"email_or_phone": "[phone]"},
            "outcome": "ok",
            "called_by": "model",
            "result": {"account_id": "NL-20931", "email": "[email]", "plan": "Fiber 500"},
            "duration_ms": 180,
        })
    );
    assert_eq!(
        json["timeline"][1],
        json!({"at_ms": 2720, "type": "latency", "kind": "speech_stopped_to_first_audio", "duration_ms": 620})
    );
}

#[test]
fn sessions_are_listed_newest_first_and_filtered() {
    let dir = tempdir("list");
    let store = Store::open(&dir).unwrap();
    let hour = Duration::from_secs(3600);
    for (i, agent) in ["northloop", "snowy-peak", "northloop"].iter().enumerate() {
        let call = store.begin(start(
            &format!("sess_{i}"),
            agent,
            nov_24() + hour * i as u32,
            Redaction::default(),
        ));
        call.record(&Record::Utterance {
            speaker: Speaker::Caller,
            text: "hello".to_owned(),
            start: Duration::ZERO,
            end: ms(500),
        });
        if i < 2 {
            call.end_at("completed", ms(60_000));
        }
        // The last one is dropped without an end, as a crashed driver would.
    }
    store.flush();

    let ids = |filter: SessionFilter| -> Vec<String> {
        store
            .sessions(&filter)
            .unwrap()
            .into_iter()
            .map(|s| s.id)
            .collect()
    };
    assert_eq!(
        ids(SessionFilter::default()),
        ["sess_2", "sess_1", "sess_0"]
    );
    assert_eq!(
        ids(SessionFilter {
            agent: Some("northloop".into()),
            ..SessionFilter::default()
        }),
        ["sess_2", "sess_0"]
    );
    assert_eq!(
        ids(SessionFilter {
            since: Some(nov_24() + hour),
            ..SessionFilter::default()
        }),
        ["sess_2", "sess_1"]
    );
    assert_eq!(
        ids(SessionFilter {
            limit: Some(1),
            ..SessionFilter::default()
        }),
        ["sess_2"]
    );
    assert!(
        ids(SessionFilter {
            agent: Some("nobody".into()),
            ..SessionFilter::default()
        })
        .is_empty()
    );

    let all = store.sessions(&SessionFilter::default()).unwrap();
    assert_eq!(all[0].outcome.as_deref(), Some("dropped"));
    assert_eq!(all[1].outcome.as_deref(), Some("completed"));
    assert_eq!(all[1].duration(), Some(ms(60_000)));
    assert!(
        all.iter()
            .all(|s| s.utterances == 1 && s.tool_calls == 0 && !s.escalated)
    );
}

#[test]
fn an_unknown_session_is_none_and_an_empty_store_lists_nothing() {
    let dir = tempdir("empty");
    let store = Store::open(&dir).unwrap();
    assert!(store.session("nope").unwrap().is_none());
    assert!(
        store
            .sessions(&SessionFilter::default())
            .unwrap()
            .is_empty()
    );
    assert!(store.path().ends_with("switchboard.sqlite"));
}

#[test]
fn an_escalation_summary_without_the_record_stands_alone() {
    let dir = tempdir("escalation-alone");
    let store = Store::open(&dir).unwrap();
    let call = store.begin(start("s", "northloop", nov_24(), Redaction::default()));
    call.escalated_at(
        &switchboard_engine::Escalation {
            reason: "too many failures".to_owned(),
            summary: switchboard_engine::CallSummary::default(),
        },
        ms(5_000),
    );
    call.record_at(
        &Record::Escalated {
            reason: "another".to_owned(),
        },
        ms(6_000),
    );
    call.end("escalated");
    store.flush();
    let record = store.session("s").unwrap().unwrap();
    let escalations: Vec<(&str, bool)> = record
        .timeline
        .iter()
        .filter_map(|e| match &e.event {
            Event::Escalation { reason, summary } => Some((reason.as_str(), summary.is_some())),
            _ => None,
        })
        .collect();
    assert_eq!(
        escalations,
        [("too many failures", true), ("another", false)]
    );
}

#[test]
fn stamps_come_back_with_their_records() {
    use switchboard_engine::{CalledBy, Stamped, ToolOutcome};
    let dir = tempdir("stamps");
    let store = Store::open(&dir).unwrap();
    let recorder = store.begin(start(
        "sess_s",
        "supervisor",
        nov_24(),
        Redaction::default(),
    ));
    recorder.record_stamped(&Stamped {
        at: ms(1_200),
        response_id: Some("resp_oob".into()),
        out_of_band: true,
        record: Record::Utterance {
            speaker: Speaker::Agent,
            text: "One moment.".into(),
            start: ms(1_000),
            end: ms(1_200),
        },
    });
    recorder.record_stamped(&Stamped {
        at: ms(2_000),
        response_id: None,
        out_of_band: false,
        record: Record::ToolCall {
            call_id: "call_sup/1/0".into(),
            name: "getUserAccountInfo".into(),
            arguments: json!({}),
            outcome: ToolOutcome::Ok,
            called_by: CalledBy::Supervisor,
            result: json!({"balance": 45.2}),
            duration: ms(300),
        },
    });
    recorder.end("completed");
    store.flush();
    let record = store.session("sess_s").unwrap().expect("recorded");
    let line = &record.timeline[0];
    assert_eq!(line.response_id.as_deref(), Some("resp_oob"));
    assert!(line.out_of_band);
    let call = &record.timeline[1];
    assert!(!call.out_of_band);
    assert!(matches!(
        call.event,
        Event::ToolCall {
            called_by: CalledBy::Supervisor,
            ..
        }
    ));
}
