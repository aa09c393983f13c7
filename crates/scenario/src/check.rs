//! The assertions, evaluated over a call's stored record.
//!
//! Everything here reads the store's timeline (tool calls with their outcomes, guard
//! decisions, utterances, escalations, how the session ended): the same records
//! `switchboard sessions` shows, so what a scenario checks is what happened.

use std::collections::BTreeMap;

use serde_json::{Map, Value};
use switchboard_engine::Speaker;
use switchboard_store::{Event, SessionRecord};

use crate::scenario::{Ender, Expectation, Scenario, ToolMatch};

/// An assertion that did not hold, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The assertion, as written (e.g. `confirmed_before: refund_credit`).
    pub assertion: String,
    /// Why it failed: the turn, what was expected and what happened.
    pub message: String,
}

/// Tool call outcomes that mean the gateway ran the tool (as opposed to holding, refusing or
/// rejecting the call).
const RAN: &[&str] = &["ok", "failed", "timeout", "passed_through"];

/// A tool call from the timeline, with the caller turn it happened in.
struct Call<'a> {
    turn: usize,
    name: &'a str,
    arguments: &'a Value,
    outcome: &'a str,
    index: usize,
}

impl Call<'_> {
    fn ran(&self) -> bool {
        RAN.contains(&self.outcome)
    }

    fn describe(&self) -> String {
        format!(
            "turn {}: {} {} → {}",
            self.turn, self.name, self.arguments, self.outcome
        )
    }
}

/// For each timeline entry, the caller turn it belongs to: how many caller turns the record
/// shows up to and including it (0 before the caller first spoke). A caller turn is an
/// utterance, or a turn the caller missed: a `no_input` (silence) or `no_match` (audio that
/// could not be understood) guard record.
pub(crate) fn turns(record: &SessionRecord) -> Vec<usize> {
    let mut turn = 0;
    record
        .timeline
        .iter()
        .map(|entry| {
            match &entry.event {
                Event::Utterance {
                    speaker: Speaker::Caller,
                    ..
                } => turn += 1,
                Event::Guard { decision, .. }
                    if decision == "no_input" || decision == "no_match" =>
                {
                    turn += 1;
                }
                _ => {}
            }
            turn
        })
        .collect()
}

/// The record, read once for every assertion.
struct View<'a> {
    record: &'a SessionRecord,
    /// For each timeline entry, the caller turn it belongs to: the number of caller
    /// utterances up to and including it (0 before the caller first spoke).
    turns: Vec<usize>,
    calls: Vec<Call<'a>>,
}

impl<'a> View<'a> {
    fn new(record: &'a SessionRecord) -> Self {
        let turns = turns(record);
        let mut calls = Vec::new();
        for (index, entry) in record.timeline.iter().enumerate() {
            let turn = turns[index];
            match &entry.event {
                Event::ToolCall {
                    name,
                    arguments,
                    outcome,
                    ..
                } => calls.push(Call {
                    turn,
                    name,
                    arguments,
                    outcome,
                    index,
                }),
                _ => {}
            }
        }
        View {
            record,
            turns,
            calls,
        }
    }

    fn attempts(&self, name: &str) -> String {
        let tried: Vec<String> = self
            .calls
            .iter()
            .filter(|c| c.name == name)
            .map(Call::describe)
            .collect();
        if tried.is_empty() {
            format!("the model never called `{name}`")
        } else {
            format!("the model's calls to `{name}`: {}", tried.join("; "))
        }
    }

    fn all_calls(&self) -> String {
        if self.calls.is_empty() {
            "no tool calls".to_owned()
        } else {
            self.calls
                .iter()
                .map(Call::describe)
                .collect::<Vec<_>>()
                .join("; ")
        }
    }

    /// Every utterance, as (turn, speaker, text).
    fn utterances(&self) -> impl Iterator<Item = (usize, Speaker, &'a str)> + '_ {
        self.record
            .timeline
            .iter()
            .enumerate()
            .filter_map(|(i, e)| match &e.event {
                Event::Utterance { speaker, text, .. } => {
                    Some((self.turns[i], *speaker, text.as_str()))
                }
                _ => None,
            })
    }
}

/// Evaluates every expectation of `scenario` against the record of its call; returns the
/// ones that failed.
pub fn evaluate(scenario: &Scenario, record: &SessionRecord) -> Vec<Failure> {
    let view = View::new(record);
    scenario
        .expect
        .iter()
        .filter_map(|e| {
            check(e, &view).err().map(|message| Failure {
                assertion: e.label(),
                message,
            })
        })
        .collect()
}

fn check(expectation: &Expectation, view: &View<'_>) -> Result<(), String> {
    match expectation {
        Expectation::ToolCalled(m) => tool_called(m, view),
        Expectation::ToolNotCalled(m) => tool_not_called(m, view),
        Expectation::ToolOrder(names) => tool_order(names, view),
        Expectation::ConfirmedBefore(name) => confirmed_before(name, view),
        Expectation::TranscriptContains(text) => transcript_contains(text, view),
        Expectation::TranscriptNotContains(text) => transcript_not_contains(text, view),
        Expectation::CallEndedBy(ender) => call_ended_by(*ender, view),
        Expectation::Escalated(expected) => escalated(*expected, view),
        Expectation::NoRepeatedSentence => no_repeated_sentence(view),
    }
}

fn matches_call(m: &ToolMatch, call: &Call<'_>) -> bool {
    call.name == m.name
        && call.ran()
        && m.arguments
            .as_ref()
            .is_none_or(|want| subset(want, call.arguments))
}

fn tool_called(m: &ToolMatch, view: &View<'_>) -> Result<(), String> {
    if view.calls.iter().any(|c| matches_call(m, c)) {
        return Ok(());
    }
    let want = match &m.arguments {
        Some(args) => format!(
            "a run of `{}` with arguments including {}",
            m.name,
            Value::Object(args.clone())
        ),
        None => format!("a run of `{}`", m.name),
    };
    Err(format!(
        "expected {want}; {} (all calls: {})",
        view.attempts(&m.name),
        view.all_calls()
    ))
}

fn tool_not_called(m: &ToolMatch, view: &View<'_>) -> Result<(), String> {
    match view.calls.iter().find(|c| matches_call(m, c)) {
        None => Ok(()),
        Some(call) => Err(format!(
            "expected no run of `{}`; it ran in {}",
            m.name,
            call.describe()
        )),
    }
}

fn tool_order(names: &[String], view: &View<'_>) -> Result<(), String> {
    let mut next = 0;
    for call in view.calls.iter().filter(|c| c.ran()) {
        if next < names.len() && call.name == names[next] {
            next += 1;
        }
    }
    if next == names.len() {
        return Ok(());
    }
    let ran: Vec<&str> = view
        .calls
        .iter()
        .filter(|c| c.ran())
        .map(|c| c.name)
        .collect();
    Err(format!(
        "expected {} in that order; `{}` did not follow (tools that ran, in order: {})",
        names.join(" → "),
        names[next],
        if ran.is_empty() {
            "none".to_owned()
        } else {
            ran.join(" → ")
        }
    ))
}

fn confirmed_before(name: &str, view: &View<'_>) -> Result<(), String> {
    let runs: Vec<&Call<'_>> = view
        .calls
        .iter()
        .filter(|c| c.name == name && c.ran())
        .collect();
    if runs.is_empty() {
        return Err(format!(
            "expected `{name}` to run after a confirmation; it never ran ({})",
            view.attempts(name)
        ));
    }
    let needle = format!("`{name}`");
    for run in runs {
        let timeline = &view.record.timeline[..run.index];
        // The last confirmation request for this tool before the run…
        let asked = timeline.iter().rposition(|e| {
            matches!(&e.event, Event::Guard { decision, detail }
                if (decision == "confirmation_requested" || decision == "confirmation_asked")
                    && detail.contains(&needle))
        });
        let Some(asked) = asked else {
            return Err(format!(
                "turn {}: `{name}` ran with {} but nobody asked the caller first (no \
                 confirmation_asked or confirmation_requested guard decision before it)",
                run.turn, run.arguments
            ));
        };
        // …and the caller's answer between the question and the run.
        let answer = timeline[asked..].iter().find_map(|e| match &e.event {
            Event::Utterance {
                speaker: Speaker::Caller,
                text,
                ..
            } => Some(text.as_str()),
            _ => None,
        });
        if answer.is_none() {
            return Err(format!(
                "turn {}: `{name}` was asked about (turn {}) but ran before the caller answered",
                run.turn, view.turns[asked]
            ));
        }
    }
    Ok(())
}

/// Lowercase, with runs of whitespace made one space.
fn fold(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

fn transcript_contains(text: &str, view: &View<'_>) -> Result<(), String> {
    let needle = fold(text);
    if view
        .utterances()
        .any(|(_, _, said)| fold(said).contains(&needle))
    {
        return Ok(());
    }
    let agent: Vec<String> = view
        .utterances()
        .filter(|(_, s, _)| *s == Speaker::Agent)
        .map(|(turn, _, said)| format!("turn {turn}: {said:?}"))
        .collect();
    Err(format!(
        "expected the transcript to contain {text:?}; nobody said it. The agent said: {}",
        if agent.is_empty() {
            "nothing".to_owned()
        } else {
            agent.join("; ")
        }
    ))
}

fn transcript_not_contains(text: &str, view: &View<'_>) -> Result<(), String> {
    let needle = fold(text);
    match view
        .utterances()
        .find(|(_, _, said)| fold(said).contains(&needle))
    {
        None => Ok(()),
        Some((turn, speaker, said)) => Err(format!(
            "expected nobody to say {text:?}; turn {turn}, the {} said {said:?}",
            match speaker {
                Speaker::Caller => "caller",
                Speaker::Agent => "agent",
            }
        )),
    }
}

fn call_ended_by(ender: Ender, view: &View<'_>) -> Result<(), String> {
    let outcome = view
        .record
        .summary
        .outcome
        .as_deref()
        .unwrap_or("(not ended)");
    match ender {
        Ender::FinishSession => {
            let finished = view
                .calls
                .iter()
                .find(|c| c.name == "finish_session" && c.outcome == "ok");
            match (finished, outcome) {
                (Some(_), "hung_up") => Ok(()),
                (None, _) => Err(format!(
                    "expected the gateway to hang up after `finish_session`; the model never \
                     called it successfully, and the call ended as `{outcome}`"
                )),
                (Some(call), _) => Err(format!(
                    "expected the gateway to hang up after `finish_session` (turn {}); the call \
                     ended as `{outcome}` instead",
                    call.turn
                )),
            }
        }
        Ender::Caller => {
            if outcome == "caller_left" {
                Ok(())
            } else {
                Err(format!(
                    "expected the caller to hang up; the call ended as `{outcome}`"
                ))
            }
        }
    }
}

fn escalated(expected: bool, view: &View<'_>) -> Result<(), String> {
    let escalation = view
        .record
        .timeline
        .iter()
        .enumerate()
        .find_map(|(i, e)| match &e.event {
            Event::Escalation { reason, .. } => Some((view.turns[i], reason.as_str())),
            _ => None,
        });
    match (expected, escalation) {
        (true, Some(_)) | (false, None) => Ok(()),
        (true, None) => Err(format!(
            "expected the call to be escalated to a person; it was not ({})",
            view.attempts("escalate_to_human")
        )),
        (false, Some((turn, reason))) => Err(format!(
            "expected no escalation; turn {turn}: escalated because {reason:?}"
        )),
    }
}

/// Sentences of at least this many words count for `no_repeated_sentence`.
const MIN_SENTENCE_WORDS: usize = 3;

fn sentences(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for c in text.chars() {
        if matches!(c, '.' | '!' | '?' | '\n') {
            out.push(std::mem::take(&mut current));
        } else {
            current.push(c);
        }
    }
    out.push(current);
    out.into_iter()
        .map(|s| {
            s.chars()
                .map(|c| {
                    if c.is_alphanumeric() || c == '\'' {
                        c
                    } else {
                        ' '
                    }
                })
                .collect::<String>()
        })
        .map(|s| fold(&s))
        .filter(|s| s.split(' ').count() >= MIN_SENTENCE_WORDS)
        .collect()
}

fn no_repeated_sentence(view: &View<'_>) -> Result<(), String> {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for (turn, speaker, said) in view.utterances() {
        if speaker != Speaker::Agent {
            continue;
        }
        for sentence in sentences(said) {
            if let Some(first) = seen.get(&sentence) {
                return Err(format!(
                    "expected every agent sentence to be said once; {sentence:?} was said in \
                     turn {first} and again in turn {turn}"
                ));
            }
            seen.insert(sentence, turn);
        }
    }
    Ok(())
}

/// Whether `actual` holds every key of `want` with a matching value (normalised: strings
/// trimmed and compared without case, numbers by value, a number written as a string equal
/// to the number).
pub fn subset(want: &Map<String, Value>, actual: &Value) -> bool {
    let Some(actual) = actual.as_object() else {
        return false;
    };
    want.iter()
        .all(|(k, v)| actual.get(k).is_some_and(|a| same(v, a)))
}

fn number(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn same(want: &Value, actual: &Value) -> bool {
    match (want, actual) {
        (Value::String(w), Value::String(a)) => w.trim().to_lowercase() == a.trim().to_lowercase(),
        (Value::Number(_), _) | (_, Value::Number(_)) => {
            matches!((number(want), number(actual)), (Some(w), Some(a)) if w == a)
        }
        (Value::Object(w), a @ Value::Object(_)) => subset(w, a),
        (Value::Array(w), Value::Array(a)) => {
            w.len() == a.len() && w.iter().zip(a).all(|(w, a)| same(w, a))
        }
        (w, a) => w == a,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn arguments_match_as_a_normalised_subset() {
        let want = json!({"email_or_phone": " 4155550123 ", "minutes": 60});
        let Value::Object(want) = want else { panic!() };
        assert!(subset(
            &want,
            &json!({"email_or_phone": "4155550123", "minutes": 60.0, "x": 1})
        ));
        assert!(subset(
            &want,
            &json!({"email_or_phone": "4155550123", "minutes": "60"})
        ));
        assert!(!subset(&want, &json!({"email_or_phone": "4155550123"})));
        assert!(!subset(
            &want,
            &json!({"email_or_phone": "4155550124", "minutes": 60})
        ));
        let Value::Object(case) = json!({"account_id": "nl-10482"}) else {
            panic!()
        };
        assert!(subset(&case, &json!({"account_id": "NL-10482"})));
    }

    #[test]
    fn sentences_are_folded_and_short_ones_ignored() {
        assert_eq!(
            sentences("Thanks! I have 4-1-5. Is that correct?"),
            vec!["i have 4 1 5".to_owned(), "is that correct".to_owned()]
        );
    }
}
