//! Latency budgets: how long the agent took, turn by turn, from the end of the caller's speech
//! to its first audio, read from the call's record (the gateway's
//! `speech_stopped_to_first_audio` measurements).

use std::time::Duration;

use switchboard_engine::{GuardDecision, LatencyKind, Speaker};
use switchboard_store::{Event, SessionRecord};

use crate::check::{Failure, turns};
use crate::scenario::{Scenario, Turn};

/// The assertion name budget failures are reported under.
const ASSERTION: &str = "latency";

/// Every speech-end-to-first-audio measurement of the call, with the caller turn it belongs
/// to (counted as the assertions count turns: each caller utterance, or each turn the caller
/// missed, starts one), in the order they were recorded.
pub fn turn_latencies(record: &SessionRecord) -> Vec<(usize, Duration)> {
    let turn_of = turns(record);
    record
        .timeline
        .iter()
        .enumerate()
        .filter_map(|(i, entry)| match &entry.event {
            Event::Latency { kind, duration }
                if *kind == LatencyKind::SpeechStoppedToFirstAudio =>
            {
                Some((turn_of[i], *duration))
            }
            _ => None,
        })
        .collect()
}

/// How many latency budgets `scenario` sets (one per audio turn that has one).
pub(crate) fn budgets(scenario: &Scenario) -> usize {
    scenario
        .turns
        .iter()
        .filter(|t| t.budget(scenario.latency_budget).is_some())
        .count()
}

/// Checks every audio turn's budget against the record: a turn over its budget, or one with
/// no measurement, fails.
pub(crate) fn evaluate(scenario: &Scenario, record: &SessionRecord) -> Vec<Failure> {
    let recorded = record_turns(&scenario.turns, &turn_starts(record));
    let measured = turn_latencies(record);
    let mut nominal = 0;
    let mut failures = Vec::new();
    for (turn, in_record) in scenario.turns.iter().zip(recorded) {
        if !matches!(turn, Turn::WaitForAgent) {
            nominal += 1;
        }
        let Some(budget) = turn.budget(scenario.latency_budget) else {
            continue;
        };
        let budget_ms = budget.as_millis();
        let message = match in_record {
            None => format!(
                "turn {nominal} ({}): the record shows no caller turn for it, so nothing to \
                 measure against the {budget_ms} ms budget",
                turn.describe()
            ),
            Some(number) => match measured.iter().find(|(t, _)| *t == number) {
                Some((_, latency)) if *latency <= budget => continue,
                Some((_, latency)) => format!(
                    "turn {number} ({}): {} ms from the end of the caller's speech to the \
                     agent's first audio, over the {budget_ms} ms budget",
                    turn.describe(),
                    latency.as_millis()
                ),
                None => format!(
                    "turn {number} ({}): not measured (budget {budget_ms} ms): no agent audio \
                     followed the end of the caller's speech",
                    turn.describe()
                ),
            },
        };
        failures.push(Failure {
            assertion: ASSERTION.to_owned(),
            message,
        });
    }
    failures
}

/// What started a caller turn in the record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Start {
    /// The caller said something (words, as text or as recognised audio).
    Utterance,
    /// The caller said nothing until the model's idle timeout (`no_input`).
    NoInput,
    /// The caller's audio could not be understood (`no_match`).
    NoMatch,
}

/// The caller turns of the record, in order: turn N is started by the N-th (1-based).
fn turn_starts(record: &SessionRecord) -> Vec<Start> {
    record
        .timeline
        .iter()
        .filter_map(|entry| match &entry.event {
            Event::Utterance {
                speaker: Speaker::Caller,
                ..
            } => Some(Start::Utterance),
            Event::Guard { decision, .. } if *decision == GuardDecision::NoInput => {
                Some(Start::NoInput)
            }
            Event::Guard { decision, .. } if *decision == GuardDecision::NoMatch => {
                Some(Start::NoMatch)
            }
            _ => None,
        })
        .collect()
}

/// For each scenario turn, the record's turn it became, if any. A silence takes every
/// `no_input` turn in a row (the idle timeout may fire more than once, or not at all);
/// any other caller turn takes the next turn, past `no_input` turns the scenario did not
/// ask for (a timeout that fired while the caller waited).
fn record_turns(turns: &[Turn], starts: &[Start]) -> Vec<Option<usize>> {
    let mut next = 0;
    turns
        .iter()
        .map(|turn| {
            if matches!(turn, Turn::WaitForAgent) {
                return None;
            }
            while starts.get(next) == Some(&Start::NoInput) {
                next += 1;
            }
            if matches!(turn, Turn::Silence(_)) {
                return None;
            }
            let found = (next < starts.len()).then_some(next + 1);
            next += 1;
            found
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::scenario::{AudioTurn, Sound};

    fn speak(text: &str) -> Turn {
        Turn::Audio(AudioTurn {
            sound: Sound::Speak(text.to_owned()),
            barge_in_after: None,
            budget: None,
        })
    }

    #[test]
    fn silences_take_every_idle_timeout_in_a_row() {
        let turns = [
            Turn::WaitForAgent,
            speak("hi"),
            Turn::Silence(Duration::from_secs(12)),
            Turn::Say("yes".to_owned()),
            speak("bye"),
        ];
        let starts = [
            Start::Utterance,
            Start::NoInput,
            Start::NoInput,
            Start::Utterance,
            Start::NoInput,
            Start::NoMatch,
        ];
        assert_eq!(
            record_turns(&turns, &starts),
            [None, Some(1), None, Some(4), Some(6)]
        );
    }

    #[test]
    fn turns_the_record_does_not_have_are_none() {
        let turns = [speak("hi"), speak("again")];
        assert_eq!(record_turns(&turns, &[Start::NoMatch]), [Some(1), None]);
    }
}
