//! Assertions about what the guards did: how a call ended (held, refused, run), how often a
//! tool ran, which guard decisions were recorded; and `must_fail`, for a misbehaviour of the
//! model that the engine cannot prevent but a check must catch.

use serde_json::Value;
use switchboard_engine::{GuardDecision, ToolOutcome};
use switchboard_speech::normalise_text;
use switchboard_store::Event;

use super::{Call, View, check, matches_call, subset};
use crate::scenario::{Expectation, ToolMatch};

/// The calls of `m.name` whose arguments contain `m.arguments`, whatever their outcome.
fn calls_like<'v, 'a>(m: &'v ToolMatch, view: &'v View<'a>) -> impl Iterator<Item = &'v Call<'a>> {
    view.calls.iter().filter(move |c| {
        c.name == m.name
            && m.arguments
                .as_ref()
                .is_none_or(|want| subset(want, c.arguments))
    })
}

/// `NAME` or `NAME with arguments including {…}`, for messages.
fn described(m: &ToolMatch) -> String {
    match &m.arguments {
        Some(args) => format!(
            "`{}` with arguments including {}",
            m.name,
            Value::Object(args.clone())
        ),
        None => format!("`{}`", m.name),
    }
}

pub(super) fn tool_outcome(
    m: &ToolMatch,
    outcome: ToolOutcome,
    view: &View<'_>,
) -> Result<(), String> {
    if calls_like(m, view).any(|c| c.outcome == outcome) {
        return Ok(());
    }
    Err(format!(
        "expected a call of {} to end as `{outcome}`; {}",
        described(m),
        view.attempts(&m.name)
    ))
}

pub(super) fn tool_runs(m: &ToolMatch, count: u32, view: &View<'_>) -> Result<(), String> {
    let runs: Vec<&Call<'_>> = view.calls.iter().filter(|c| matches_call(m, c)).collect();
    if runs.len() == count as usize {
        return Ok(());
    }
    let times = |n: usize| {
        if n == 1 {
            "once".to_owned()
        } else {
            format!("{n} times")
        }
    };
    Err(format!(
        "expected {} to run {}; it ran {} ({})",
        described(m),
        times(count as usize),
        times(runs.len()),
        view.attempts(&m.name)
    ))
}

pub(super) fn guard_recorded(
    decision: GuardDecision,
    detail: Option<&str>,
    view: &View<'_>,
) -> Result<(), String> {
    let wanted = detail.map(normalise_text);
    let mut recorded = Vec::new();
    for (i, entry) in view.record.timeline.iter().enumerate() {
        let Event::Guard {
            decision: d,
            detail: text,
            ..
        } = &entry.event
        else {
            continue;
        };
        if *d == decision
            && wanted
                .as_ref()
                .is_none_or(|w| normalise_text(text).contains(w.as_str()))
        {
            return Ok(());
        }
        recorded.push(format!("turn {}: {d}: {text}", view.turns[i]));
    }
    let want = match detail {
        Some(detail) => format!("a `{decision}` guard decision saying {detail:?}"),
        None => format!("a `{decision}` guard decision"),
    };
    Err(format!(
        "expected {want}; the guard decisions recorded: {}",
        if recorded.is_empty() {
            "none".to_owned()
        } else {
            recorded.join("; ")
        }
    ))
}

pub(super) fn must_fail(
    assertion: &Expectation,
    because: Option<&str>,
    view: &View<'_>,
) -> Result<(), String> {
    match (check(assertion, view), because) {
        (Ok(()), _) => Err(format!(
            "expected `{}` to fail, catching the model's misbehaviour; it held",
            assertion.label()
        )),
        (Err(message), Some(because))
            if !normalise_text(&message).contains(&normalise_text(because)) =>
        {
            Err(format!(
                "expected `{}` to fail because of {because:?}; it failed for another reason: \
                 {message}",
                assertion.label()
            ))
        }
        (Err(_), _) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use serde_json::json;
    use switchboard_agent::AgentFile;
    use switchboard_engine::Speaker;
    use switchboard_store::{Entry, Redaction, SessionRecord, SessionSummary};

    use super::*;
    use crate::scenario::Threshold;

    fn northloop() -> AgentFile {
        let text = include_str!("../../../../examples/agents/northloop/agent.yaml");
        switchboard_agent::load(text)
            .expect("northloop loads")
            .agent
    }

    fn said(speaker: Speaker, text: &str) -> Event {
        Event::Utterance {
            speaker,
            text: text.to_owned(),
            end: Duration::ZERO,
        }
    }

    fn call(name: &str, arguments: Value, outcome: &str) -> Event {
        Event::ToolCall {
            call_id: format!("call_{name}"),
            name: name.to_owned(),
            arguments,
            outcome: outcome.parse().expect("a tool outcome"),
            called_by: switchboard_engine::CalledBy::Model,
            result: json!({"status": "ok"}),
            duration: Duration::ZERO,
        }
    }

    fn guard(decision: &str, detail: &str) -> Event {
        Event::Guard {
            decision: decision.parse().expect("a guard decision"),
            // As the engine records it: the tool the detail names in backticks.
            tool: detail.split('`').nth(1).map(str::to_owned),
            detail: detail.to_owned(),
        }
    }

    fn run(expectation: &Expectation, events: Vec<Event>) -> Result<(), String> {
        let record = SessionRecord {
            summary: SessionSummary {
                id: "sess_1".to_owned(),
                agent: "northloop".to_owned(),
                model: "gpt-realtime".to_owned(),
                started_at: UNIX_EPOCH,
                ended_at: None,
                outcome: Some("hung_up".to_owned()),
                utterances: 0,
                tool_calls: 0,
                escalated: false,
            },
            redaction: Redaction::default(),
            agent_path: None,
            timeline: events
                .into_iter()
                .zip(0u64..)
                .map(|(event, i)| Entry {
                    response_id: None,
                    out_of_band: false,
                    at: Duration::from_millis(i * 100),
                    event,
                })
                .collect(),
        };
        let agent = northloop();
        check(expectation, &View::new(&record, &agent))
    }

    #[track_caller]
    fn fails(result: Result<(), String>, parts: &[&str]) {
        let message = result.expect_err("the assertion must fail");
        for part in parts {
            assert!(message.contains(part), "{part:?} not in: {message}");
        }
    }

    fn refund(minutes: Option<u32>) -> ToolMatch {
        ToolMatch {
            name: "refund_credit".to_owned(),
            arguments: minutes.map(|m| {
                json!({"minutes": m})
                    .as_object()
                    .cloned()
                    .unwrap_or_default()
            }),
        }
    }

    /// A refund held, asked about, agreed to and run; then a second one over `max_calls`.
    fn refunds() -> Vec<Event> {
        let args = json!({"account_id": "NL-10482", "minutes": 60});
        vec![
            call("refund_credit", args.clone(), "held_for_confirmation"),
            guard(
                "confirmation_requested",
                "`refund_credit` held until the caller agrees to {\"minutes\":60}",
            ),
            said(
                Speaker::Agent,
                "I can issue a credit for this outage—would you like me to go ahead?",
            ),
            said(Speaker::Caller, "Yes please."),
            call("refund_credit", args, "ok"),
            call(
                "refund_credit",
                json!({"account_id": "NL-10482", "minutes": 30}),
                "refused",
            ),
            guard("max_calls_reached", "`refund_credit` may run once a call"),
        ]
    }

    #[test]
    fn tool_outcome_finds_a_call_that_ended_so() {
        let held = Expectation::ToolOutcome {
            call: refund(Some(60)),
            outcome: ToolOutcome::HeldForConfirmation,
        };
        assert_eq!(run(&held, refunds()), Ok(()));
        let refused = Expectation::ToolOutcome {
            call: refund(Some(30)),
            outcome: ToolOutcome::Refused,
        };
        assert_eq!(run(&refused, refunds()), Ok(()));
        let not_refused = Expectation::ToolOutcome {
            call: refund(Some(60)),
            outcome: ToolOutcome::Refused,
        };
        fails(
            run(&not_refused, refunds()),
            &[
                "expected a call of `refund_credit` with arguments including {\"minutes\":60} to \
                 end as `refused`",
                "turn 1: refund_credit {\"account_id\":\"NL-10482\",\"minutes\":60} → ok",
                "turn 1: refund_credit {\"account_id\":\"NL-10482\",\"minutes\":30} → refused",
            ],
        );
    }

    #[test]
    fn tool_runs_counts_runs_only() {
        let once = Expectation::ToolRuns {
            call: refund(None),
            count: 1,
        };
        assert_eq!(run(&once, refunds()), Ok(()));
        let none = Expectation::ToolRuns {
            call: refund(Some(30)),
            count: 0,
        };
        assert_eq!(run(&none, refunds()), Ok(()));
        let twice = Expectation::ToolRuns {
            call: refund(None),
            count: 2,
        };
        fails(
            run(&twice, refunds()),
            &["expected `refund_credit` to run 2 times; it ran once"],
        );
        fails(
            run(&once, vec![]),
            &["it ran 0 times", "the model never called `refund_credit`"],
        );
    }

    #[test]
    fn guard_recorded_by_name_and_detail() {
        let reached = |detail: Option<&str>| Expectation::GuardRecorded {
            decision: GuardDecision::MaxCallsReached,
            detail: detail.map(str::to_owned),
        };
        assert_eq!(run(&reached(None), refunds()), Ok(()));
        assert_eq!(
            run(&reached(Some("REFUND_CREDIT` may run once")), refunds()),
            Ok(())
        );
        fails(
            run(&reached(Some("twice")), refunds()),
            &[
                "expected a `max_calls_reached` guard decision saying \"twice\"",
                "turn 0: confirmation_requested: `refund_credit` held",
                "turn 1: max_calls_reached: `refund_credit` may run once a call",
            ],
        );
        fails(
            run(&reached(None), vec![]),
            &["the guard decisions recorded: none"],
        );
    }

    #[test]
    fn must_fail_holds_when_the_check_catches_it() {
        let repeated = vec![
            said(Speaker::Agent, "That’s frustrating—let’s fix it."),
            said(Speaker::Caller, "It is."),
            said(Speaker::Agent, "That's frustrating - let's fix it!"),
        ];
        let caught = |because: Option<&str>| Expectation::MustFail {
            assertion: Box::new(Expectation::NoRepeatedSentence),
            because: because.map(str::to_owned),
        };
        assert_eq!(run(&caught(None), repeated.clone()), Ok(()));
        assert_eq!(
            run(
                &caught(Some("“That’s frustrating let’s fix it”")),
                repeated.clone()
            ),
            Ok(())
        );
        fails(
            run(&caught(Some("something else")), repeated),
            &[
                "expected `no_repeated_sentence: true` to fail because of \"something else\"",
                "it failed for another reason",
            ],
        );
        fails(
            run(
                &caught(None),
                vec![said(Speaker::Agent, "Hello there, caller.")],
            ),
            &[
                "expected `no_repeated_sentence: true` to fail, catching the model's \
               misbehaviour; it held",
            ],
        );
        let escalation = Expectation::MustFail {
            assertion: Box::new(Expectation::EscalatedAfter(Threshold::Failures(2))),
            because: Some("never".to_owned()),
        };
        assert_eq!(run(&escalation, refunds()), Ok(()));
    }
}
