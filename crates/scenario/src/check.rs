//! The assertions, evaluated over a call's stored record.
//!
//! Everything here reads the store's timeline (tool calls with their outcomes, guard
//! decisions, utterances, escalations, how the session ended): the same records
//! `switchboard sessions` shows, so what a scenario checks is what happened.

use std::collections::BTreeMap;

use serde_json::{Map, Value};
use switchboard_agent::AgentFile;
use switchboard_agent::model::{Behaviour, DynamicFlow};
use switchboard_agent::render::STATE_TOOL;
use switchboard_engine::{GuardDecision, Speaker, ToolOutcome};
use switchboard_speech::{Comparison, normalise_text, readback_matches, sentence_key};
use switchboard_store::{Event, SessionRecord};

use crate::scenario::{Ender, Expectation, Scenario, Threshold, ToolMatch};

mod outcomes;

/// An assertion that did not hold, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The assertion, as written (e.g. `confirmed_before: refund_credit`).
    pub assertion: String,
    /// Why it failed: the turn, what was expected and what happened.
    pub message: String,
}

/// A tool call from the timeline, with the caller turn it happened in.
struct Call<'a> {
    turn: usize,
    name: &'a str,
    arguments: &'a Value,
    outcome: ToolOutcome,
    /// What the model got back (for a refusal: why).
    result: &'a Value,
    /// Where the call's record is in the timeline (recorded when the call finished).
    index: usize,
}

impl Call<'_> {
    fn ran(&self) -> bool {
        self.outcome.ran()
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
                    if *decision == GuardDecision::NoInput
                        || *decision == GuardDecision::NoMatch =>
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
    /// The agent the call ran (its flow, its preamble tools, its escalation tool).
    agent: &'a AgentFile,
    /// For each timeline entry, the caller turn it belongs to: the number of caller
    /// utterances up to and including it (0 before the caller first spoke).
    turns: Vec<usize>,
    calls: Vec<Call<'a>>,
}

impl<'a> View<'a> {
    fn new(record: &'a SessionRecord, agent: &'a AgentFile) -> Self {
        let turns = turns(record);
        let mut calls = Vec::new();
        for (index, entry) in record.timeline.iter().enumerate() {
            if let Event::ToolCall {
                name,
                arguments,
                outcome,
                result,
                ..
            } = &entry.event
            {
                calls.push(Call {
                    turn: turns[index],
                    name,
                    arguments,
                    outcome: *outcome,
                    result,
                    index,
                });
            }
        }
        View {
            record,
            agent,
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

    /// What the agent said in `turn`, for messages.
    fn agent_lines(&self, turn: usize) -> String {
        let lines: Vec<String> = self
            .utterances()
            .filter(|(t, s, _)| *t == turn && *s == Speaker::Agent)
            .map(|(_, _, said)| format!("{said:?}"))
            .collect();
        if lines.is_empty() {
            "nothing".to_owned()
        } else {
            lines.join(" / ")
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
    let view = View::new(record, &scenario.agent);
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
        Expectation::StateReached(state) => state_reached(state, view),
        Expectation::States(states) => states_visited(states, view),
        Expectation::OnlyAllowedTransitions => only_allowed_transitions(view),
        Expectation::PreambleSpoken(tool) => preamble_spoken(tool.as_deref(), view),
        Expectation::NoIdenticalOpener => no_identical_opener(view),
        Expectation::Language(name) => language(name, view),
        Expectation::ReadbackOf { tool, argument } => readback_of(tool, argument, view),
        Expectation::ReadbackValue(value) => readback_value(value, view),
        Expectation::ClarifiesUnclearAudio => clarifies_unclear_audio(view),
        Expectation::EscalatedAfter(threshold) => escalated_after(*threshold, view),
        Expectation::ToolOutcome { call, outcome } => outcomes::tool_outcome(call, *outcome, view),
        Expectation::ToolRuns { call, count } => outcomes::tool_runs(call, *count, view),
        Expectation::GuardRecorded { decision, detail } => {
            outcomes::guard_recorded(*decision, detail.as_deref(), view)
        }
        Expectation::MustFail { assertion, because } => {
            outcomes::must_fail(assertion, because.as_deref(), view)
        }
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
    for run in runs {
        let timeline = &view.record.timeline[..run.index];
        // The last confirmation request for this tool before the run…
        let asked = timeline.iter().rposition(|e| {
            matches!(&e.event, Event::Guard { decision, tool: Some(tool), .. }
                if (*decision == GuardDecision::ConfirmationRequested || *decision == GuardDecision::ConfirmationAsked)
                    && tool == name)
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

fn transcript_contains(text: &str, view: &View<'_>) -> Result<(), String> {
    let needle = normalise_text(text);
    if view
        .utterances()
        .any(|(_, _, said)| normalise_text(said).contains(&needle))
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
    let needle = normalise_text(text);
    match view
        .utterances()
        .find(|(_, _, said)| normalise_text(said).contains(&needle))
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
                .find(|c| c.name == "finish_session" && c.outcome == ToolOutcome::Ok);
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

/// The sentences of `text` that count, each as its [`sentence_key`] (so typography, case and
/// punctuation do not make a sentence new): split at `.`, `!`, `?` and line breaks, after
/// NFKC (so `…` and a full-width `？` end one too).
fn sentences(text: &str) -> Vec<String> {
    normalise_text(text)
        .split(['.', '!', '?', '\n'])
        .map(sentence_key)
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

// ---- the dynamic flow ----------------------------------------------------------------

/// The agent's dynamic flow. The loader refuses state assertions for an agent without one, so
/// this only fails for a scenario built by hand.
fn flow<'a>(view: &View<'a>) -> Result<&'a DynamicFlow, String> {
    view.agent
        .dynamic
        .as_ref()
        .ok_or_else(|| "the agent has no dynamic flow (`dynamic:`), so it has no states".to_owned())
}

/// The states the flow went through, each with the turn it was entered in: the initial state
/// (turn 0), then where each recorded transition led.
fn visited<'a>(flow: &'a DynamicFlow, view: &View<'a>) -> Vec<(usize, &'a str)> {
    let mut path = vec![(0, flow.initial.as_str())];
    for (i, entry) in view.record.timeline.iter().enumerate() {
        if let Event::Transition { to, .. } = &entry.event {
            path.push((view.turns[i], to.as_str()));
        }
    }
    path
}

/// `verify → resolve (turn 3)`.
fn show_path(path: &[(usize, &str)]) -> String {
    path.iter()
        .enumerate()
        .map(|(i, (turn, state))| {
            if i == 0 {
                format!("`{state}`")
            } else {
                format!("`{state}` (turn {turn})")
            }
        })
        .collect::<Vec<_>>()
        .join(" → ")
}

/// The state the model asked for in a `set_conversation_state` call.
fn next_state<'a>(call: &Call<'a>) -> &'a str {
    call.arguments
        .get("next_state")
        .and_then(Value::as_str)
        .unwrap_or("(none)")
}

/// Why the gateway refused a call, from the error it sent the model.
fn refusal(call: &Call<'_>) -> String {
    match call.result.get("error").and_then(Value::as_str) {
        Some(why) => format!("{}: {why}", call.outcome),
        None => call.outcome.to_string(),
    }
}

/// "; the model's state changes that did not happen: …", or nothing.
fn refused_moves(view: &View<'_>) -> String {
    let refused: Vec<String> = view
        .calls
        .iter()
        .filter(|c| c.name == STATE_TOOL && c.outcome != ToolOutcome::Ok)
        .map(|c| format!("turn {}: to `{}` ({})", c.turn, next_state(c), refusal(c)))
        .collect();
    if refused.is_empty() {
        String::new()
    } else {
        format!(
            "; the model's state changes that did not happen: {}",
            refused.join("; ")
        )
    }
}

fn state_reached(state: &str, view: &View<'_>) -> Result<(), String> {
    let flow = flow(view)?;
    let path = visited(flow, view);
    if path.iter().any(|(_, s)| *s == state) {
        return Ok(());
    }
    Err(format!(
        "expected the flow to reach `{state}`; it went through {}{}",
        show_path(&path),
        refused_moves(view)
    ))
}

fn states_visited(expected: &[String], view: &View<'_>) -> Result<(), String> {
    let flow = flow(view)?;
    let path = visited(flow, view);
    let got: Vec<&str> = path.iter().map(|(_, s)| *s).collect();
    if got.iter().copied().eq(expected.iter().map(String::as_str)) {
        return Ok(());
    }
    let at = got
        .iter()
        .zip(expected)
        .position(|(g, e)| *g != e.as_str())
        .unwrap_or(got.len().min(expected.len()));
    let name = |s: Option<&str>| s.map_or("nothing more".to_owned(), |s| format!("`{s}`"));
    Err(format!(
        "expected exactly the states {}; the flow went through {} (state {}: expected {}, \
         was {}){}",
        expected
            .iter()
            .map(|s| format!("`{s}`"))
            .collect::<Vec<_>>()
            .join(" → "),
        show_path(&path),
        at + 1,
        name(expected.get(at).map(String::as_str)),
        name(got.get(at).copied()),
        refused_moves(view)
    ))
}

/// "resolve, close", or "none (a terminal state)".
fn exits(flow: &DynamicFlow, state: &str) -> (Vec<String>, String) {
    let allowed: Vec<String> = flow
        .states
        .iter()
        .find(|s| s.id == state)
        .map(|s| s.transitions.clone())
        .unwrap_or_default();
    let shown = if allowed.is_empty() {
        "none (a terminal state)".to_owned()
    } else {
        allowed
            .iter()
            .map(|s| format!("`{s}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    (allowed, shown)
}

/// Every transition the flow took, and every one the model asked for (even when the gateway
/// refused it), is an edge of the agent file's flow — checked against the file, not taken
/// from the gateway's word.
fn only_allowed_transitions(view: &View<'_>) -> Result<(), String> {
    let flow = flow(view)?;
    let mut current = flow.initial.as_str();
    for (i, entry) in view.record.timeline.iter().enumerate() {
        let turn = view.turns[i];
        match &entry.event {
            Event::Transition { from, to } => {
                if from != current {
                    return Err(format!(
                        "turn {turn}: the flow moved from `{from}` to `{to}`, but it was in \
                         `{current}`"
                    ));
                }
                let (allowed, shown) = exits(flow, from);
                if !allowed.contains(to) {
                    return Err(format!(
                        "turn {turn}: the flow moved from `{from}` to `{to}`, which the agent \
                         file does not allow (from `{from}`: {shown})"
                    ));
                }
                current = to;
            }
            Event::ToolCall { .. } => {
                let Some(call) = view.calls.iter().find(|c| c.index == i) else {
                    continue;
                };
                // An accepted change is checked by its transition record.
                if call.name != STATE_TOOL || call.outcome == ToolOutcome::Ok {
                    continue;
                }
                let next = next_state(call);
                let (allowed, shown) = exits(flow, current);
                if !allowed.iter().any(|s| s == next) {
                    return Err(format!(
                        "turn {turn}: the model asked to move from `{current}` to `{next}`, \
                         which the agent file does not allow (from `{current}`: {shown}); the \
                         gateway refused it ({})",
                        refusal(call)
                    ));
                }
            }
            _ => {}
        }
    }
    Ok(())
}

// ---- preambles -----------------------------------------------------------------------

/// Whether, in the call's turn and before its record, the agent spoke since the previous tool
/// call, or the gateway had the model speak one of the tool's preamble phrases while it ran.
///
/// Records are in the order the call made them: text the model wrote in the response that
/// made a call is recorded before the call's own record (written when the call finishes), and
/// so are the gateway's `preamble_spoken` decision (taken while the tool still runs) and its
/// `preamble_by_model` note (taken when the call came in a response that also spoke, whose
/// audio is only recorded once heard).
fn spoke_before(call: &Call<'_>, view: &View<'_>) -> bool {
    let mut after_other_call = false;
    for i in (0..call.index).rev() {
        if view.turns[i] != call.turn {
            break;
        }
        match &view.record.timeline[i].event {
            Event::Guard {
                decision,
                tool: Some(tool),
                ..
            } if (*decision == GuardDecision::PreambleSpoken
                || *decision == GuardDecision::PreambleByModel)
                && *tool == call.name =>
            {
                return true;
            }
            Event::ToolCall { name, .. } => {
                if *name == call.name {
                    break;
                }
                // Words before another call belong to that call.
                after_other_call = true;
            }
            Event::Utterance {
                speaker: Speaker::Agent,
                ..
            } if !after_other_call => return true,
            _ => {}
        }
    }
    false
}

fn preamble_spoken(tool: Option<&str>, view: &View<'_>) -> Result<(), String> {
    let tools: Vec<&str> = match tool {
        Some(t) => vec![t],
        None => view
            .agent
            .tools
            .iter()
            .filter(|t| t.behaviour == Behaviour::Preamble)
            .map(|t| t.name.as_str())
            .collect(),
    };
    let runs: Vec<&Call<'_>> = view
        .calls
        .iter()
        .filter(|c| c.ran() && tools.contains(&c.name))
        .collect();
    if runs.is_empty() {
        return Err(match tool {
            Some(t) => format!(
                "expected a preamble with each run of `{t}`; it never ran, so there was nothing \
                 to check ({})",
                view.attempts(t)
            ),
            None => format!(
                "expected a preamble with each run of a preamble tool ({}); none of them ran, so \
                 there was nothing to check (all calls: {})",
                tools.join(", "),
                view.all_calls()
            ),
        });
    }
    for run in runs {
        if !spoke_before(run, view) {
            return Err(format!(
                "turn {}: `{}` ran with {} but the agent said nothing before or with the call, \
                 and the gateway spoke no preamble phrase for it (the agent in turn {}: {})",
                run.turn,
                run.name,
                run.arguments,
                run.turn,
                view.agent_lines(run.turn)
            ));
        }
    }
    Ok(())
}

// ---- variety -------------------------------------------------------------------------

/// Words of an opener.
const OPENER_WORDS: usize = 3;

/// How a turn opens: the first [`OPENER_WORDS`] words of its first sentence, as
/// [`sentence_key`] writes them (lower case, without punctuation, typography made plain).
fn opener(text: &str) -> String {
    let normalised = normalise_text(text);
    let first = normalised.split(['.', '!', '?']).next().unwrap_or_default();
    sentence_key(first)
        .split(' ')
        .take(OPENER_WORDS)
        .collect::<Vec<_>>()
        .join(" ")
}

fn no_identical_opener(view: &View<'_>) -> Result<(), String> {
    // The first agent line of each turn in which the agent spoke.
    let mut firsts: Vec<(usize, &str)> = Vec::new();
    for (turn, speaker, said) in view.utterances() {
        if speaker == Speaker::Agent
            && firsts.last().is_none_or(|(t, _)| *t != turn)
            && !opener(said).is_empty()
        {
            firsts.push((turn, said));
        }
    }
    for pair in firsts.windows(2) {
        let [(t1, a), (t2, b)] = pair else { continue };
        if opener(a) == opener(b) {
            return Err(format!(
                "expected consecutive agent turns to open differently; turns {t1} and {t2} both \
                 open with {:?} (turn {t1}: {a:?}; turn {t2}: {b:?})",
                opener(a)
            ));
        }
    }
    Ok(())
}

// ---- language ------------------------------------------------------------------------

/// The languages `language` can identify, as (name, ISO 639-1 code). Identification only
/// chooses among these, so a short line cannot be taken for a language no agent speaks.
pub(crate) const LANGUAGES: &[(&str, &str)] = &[
    ("English", "en"),
    ("French", "fr"),
    ("German", "de"),
    ("Italian", "it"),
    ("Portuguese", "pt"),
    ("Spanish", "es"),
];

/// Agent lines with fewer words (with at least one letter) than this are not identified: a
/// word or two ("Okay.", "Alex?") says little about the language.
#[cfg(feature = "language-id")]
const MIN_LANGUAGE_WORDS: usize = 4;

#[cfg(feature = "language-id")]
fn language_words(text: &str) -> usize {
    text.split_whitespace()
        .filter(|w| w.chars().any(char::is_alphabetic))
        .count()
}

#[cfg(feature = "language-id")]
fn identify(text: &str) -> Option<&'static str> {
    use lingua::{Language, LanguageDetector, LanguageDetectorBuilder};
    use std::sync::OnceLock;

    const KNOWN: [(Language, &str); 6] = [
        (Language::English, "English"),
        (Language::French, "French"),
        (Language::German, "German"),
        (Language::Italian, "Italian"),
        (Language::Portuguese, "Portuguese"),
        (Language::Spanish, "Spanish"),
    ];
    // Language models load on first use; one detector serves every scenario of a run.
    static DETECTOR: OnceLock<LanguageDetector> = OnceLock::new();
    let detector = DETECTOR.get_or_init(|| {
        let languages: Vec<Language> = KNOWN.iter().map(|(l, _)| *l).collect();
        LanguageDetectorBuilder::from_languages(&languages).build()
    });
    let found = detector.detect_language_of(text)?;
    KNOWN.iter().find(|(l, _)| *l == found).map(|(_, n)| *n)
}

#[cfg(feature = "language-id")]
fn language(name: &str, view: &View<'_>) -> Result<(), String> {
    for (turn, speaker, said) in view.utterances() {
        if speaker != Speaker::Agent || language_words(said) < MIN_LANGUAGE_WORDS {
            continue;
        }
        match identify(said) {
            Some(found) if found == name => {}
            Some(found) => {
                return Err(format!(
                    "expected every agent line in {name}; turn {turn}: the agent spoke {found}: \
                     {said:?}"
                ));
            }
            None => {
                return Err(format!(
                    "expected every agent line in {name}; turn {turn}: the language of {said:?} \
                     could not be told"
                ));
            }
        }
    }
    Ok(())
}

#[cfg(not(feature = "language-id"))]
fn language(name: &str, _view: &View<'_>) -> Result<(), String> {
    // The loader refuses `language` in this build; a scenario built by hand still gets a
    // reason, not a pass.
    Err(format!(
        "cannot check that the agent spoke {name}: this build has no language identification \
         (the `language-id` feature of switchboard-scenario)"
    ))
}

// ---- readback ------------------------------------------------------------------------

/// Number words that say several digits at once ("fifteen", "forty", "five hundred").
const GROUPING_WORDS: &[&str] = &[
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
    "twenty",
    "thirty",
    "forty",
    "fifty",
    "sixty",
    "seventy",
    "eighty",
    "ninety",
    "hundred",
    "thousand",
    "million",
];

/// The first word of `text` that says several characters at once: a run of two or more
/// digits ("415") or a number word ("fifteen").
fn grouped_word(text: &str) -> Option<&str> {
    text.split(|c: char| !c.is_alphanumeric()).find(|w| {
        (w.len() > 1 && w.chars().all(|c| c.is_ascii_digit()))
            || GROUPING_WORDS.contains(&w.to_lowercase().as_str())
    })
}

/// How one piece of what the agent said reads the value back.
#[derive(Debug, PartialEq, Eq)]
enum Reading {
    /// Every character, one at a time, in order.
    Correct,
    /// The right characters, but some said together ("415 555 0123").
    Grouped(String),
    /// A different character at this 0-based position.
    Wrong {
        index: usize,
        expected: Option<char>,
        heard: Option<char>,
    },
    /// No reading of this value: other characters from the first one, or none.
    Unrelated,
}

impl Reading {
    /// How far the reading got: the characters read right, and a correct reading first.
    fn rank(&self) -> (usize, usize) {
        match self {
            Reading::Correct => (usize::MAX, 2),
            Reading::Grouped(_) => (usize::MAX, 1),
            Reading::Wrong { index, .. } => (*index, 0),
            Reading::Unrelated => (0, 0),
        }
    }
}

fn reading(said: &str, value: &str) -> Reading {
    match readback_matches(said, value) {
        Comparison::Match => match grouped_word(said) {
            None => Reading::Correct,
            Some(word) => Reading::Grouped(word.to_owned()),
        },
        // A difference at the very first character is another number, not this value.
        Comparison::Mismatch {
            index,
            expected,
            heard,
        } if index > 0 => Reading::Wrong {
            index,
            expected,
            heard,
        },
        _ => Reading::Unrelated,
    }
}

/// The pieces a readback may be in: a whole line, and each of its sentences (so another number
/// in the same line does not spoil it).
fn pieces(text: &str) -> impl Iterator<Item = &str> {
    std::iter::once(text).chain(
        text.split(['.', '!', '?', ';'])
            .map(str::trim)
            .filter(|s| !s.is_empty()),
    )
}

/// Checks that among `lines` (turn, text) the value was read back character by character.
/// `before` names what it had to come before, for messages.
fn read_back(value: &str, lines: &[(usize, &str)], before: &str) -> Result<(), String> {
    let spelled: Vec<String> = value
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase().to_string())
        .collect();
    let spelled = spelled.join("-");
    let best = lines
        .iter()
        .flat_map(|(turn, line)| pieces(line).map(move |p| (*turn, p, reading(p, value))))
        .max_by_key(|(_, _, r)| r.rank());
    match best {
        Some((_, _, Reading::Correct)) => Ok(()),
        Some((turn, piece, Reading::Grouped(word))) => Err(format!(
            "expected {value:?} read back one character at a time ({spelled}){before}; turn \
             {turn}: the agent read it as a grouped number ({word:?} in {piece:?})"
        )),
        Some((
            turn,
            piece,
            Reading::Wrong {
                index,
                expected,
                heard,
            },
        )) => Err(format!(
            "expected {value:?} read back one character at a time ({spelled}){before}; turn \
             {turn}: the agent read back {piece:?}, whose character {} is {} where the value has \
             {}",
            index + 1,
            heard.map_or("missing".to_owned(), |c| format!("`{c}`")),
            expected.map_or("no more characters".to_owned(), |c| format!("`{c}`")),
        )),
        Some((_, _, Reading::Unrelated)) | None => Err(format!(
            "expected {value:?} read back one character at a time ({spelled}){before}; the \
             agent never read it back (it said: {})",
            if lines.is_empty() {
                "nothing".to_owned()
            } else {
                lines
                    .iter()
                    .map(|(turn, line)| format!("turn {turn}: {line:?}"))
                    .collect::<Vec<_>>()
                    .join("; ")
            }
        )),
    }
}

/// The agent's lines recorded before timeline entry `index`.
fn agent_lines_before<'a>(view: &View<'a>, index: usize) -> Vec<(usize, &'a str)> {
    view.record.timeline[..index]
        .iter()
        .enumerate()
        .filter_map(|(i, e)| match &e.event {
            Event::Utterance {
                speaker: Speaker::Agent,
                text,
                ..
            } => Some((view.turns[i], text.as_str())),
            _ => None,
        })
        .collect()
}

/// A tool argument as the characters it holds.
fn argument_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn readback_of(tool: &str, argument: &str, view: &View<'_>) -> Result<(), String> {
    let runs: Vec<&Call<'_>> = view
        .calls
        .iter()
        .filter(|c| c.name == tool && c.ran())
        .collect();
    if runs.is_empty() {
        return Err(format!(
            "expected `{argument}` of `{tool}` read back before the tool ran; it never ran, so \
             there was no value to compare ({})",
            view.attempts(tool)
        ));
    }
    for run in runs {
        let Some(value) = run.arguments.get(argument).and_then(argument_text) else {
            return Err(format!(
                "turn {}: `{tool}` ran with {}, without a `{argument}` to compare",
                run.turn, run.arguments
            ));
        };
        let before = format!(" before `{tool}` ran (turn {})", run.turn);
        read_back(&value, &agent_lines_before(view, run.index), &before)?;
    }
    Ok(())
}

fn readback_value(value: &str, view: &View<'_>) -> Result<(), String> {
    let lines = agent_lines_before(view, view.record.timeline.len());
    read_back(value, &lines, "")
}

// ---- unclear audio -------------------------------------------------------------------

/// Most words of a clarifying question.
const MAX_CLARIFY_WORDS: usize = 15;

fn clarifies_unclear_audio(view: &View<'_>) -> Result<(), String> {
    let timeline = &view.record.timeline;
    let unclear: Vec<usize> = timeline
        .iter()
        .enumerate()
        .filter(
            |(_, e)| matches!(&e.event, Event::Guard { decision, .. } if *decision == GuardDecision::NoMatch),
        )
        .map(|(i, _)| view.turns[i])
        .collect();
    if unclear.is_empty() {
        return Err(
            "expected a clarifying question after unclear audio; no turn had unclear audio (no \
             `no_match` guard decision), so there was nothing to check"
                .to_owned(),
        );
    }
    for turn in unclear {
        let in_turn = || {
            timeline
                .iter()
                .enumerate()
                .filter(move |(i, _)| view.turns[*i] == turn)
                .map(|(_, e)| &e.event)
        };
        // At the escalation threshold the agent hands over instead of asking again.
        if in_turn().any(
            |e| matches!(e, Event::Guard { decision, .. } if *decision == GuardDecision::EscalationThreshold),
        ) {
            continue;
        }
        let why = "the caller's audio could not be understood";
        // What the model did first: calls and moves are recorded whatever the output
        // modality; then what the agent said.
        if let Some(call) = view.calls.iter().find(|c| c.turn == turn) {
            return Err(format!(
                "turn {turn}: {why}, yet the model called `{}` with {} ({}); expected only a \
                 clarifying question",
                call.name, call.arguments, call.outcome
            ));
        }
        if let Some((from, to)) = in_turn().find_map(|e| match e {
            Event::Transition { from, to } => Some((from, to)),
            _ => None,
        }) {
            return Err(format!(
                "turn {turn}: {why}, yet the flow moved from `{from}` to `{to}`; expected only a \
                 clarifying question"
            ));
        }
        let said: Vec<&str> = in_turn()
            .filter_map(|e| match e {
                Event::Utterance {
                    speaker: Speaker::Agent,
                    text,
                    ..
                } => Some(text.as_str()),
                _ => None,
            })
            .collect();
        let reply = said.join(" ");
        let reply = reply.trim();
        if reply.is_empty() {
            return Err(format!("turn {turn}: {why}, and the agent said nothing"));
        }
        let question = normalise_text(reply)
            .trim_end_matches(['"', '\'', ')'])
            .ends_with('?');
        if !question {
            return Err(format!(
                "turn {turn}: {why}; expected a short clarifying question, the agent said \
                 {reply:?} (not a question)"
            ));
        }
        let words = reply.split_whitespace().count();
        if words > MAX_CLARIFY_WORDS {
            return Err(format!(
                "turn {turn}: {why}; expected a short clarifying question (at most \
                 {MAX_CLARIFY_WORDS} words), the agent said {words} words: {reply:?}"
            ));
        }
    }
    Ok(())
}

// ---- escalation thresholds -----------------------------------------------------------

/// What `escalated_after` counts, for messages.
fn counted(threshold: Threshold) -> (&'static str, u32) {
    match threshold {
        Threshold::Failures(n) => ("consecutive failed attempts with one tool", n),
        Threshold::NoInput(n) => ("consecutive no-input turns", n),
        Threshold::NoMatch(n) => ("consecutive no-match turns", n),
    }
}

fn escalated_after(threshold: Threshold, view: &View<'_>) -> Result<(), String> {
    let (what, n) = counted(threshold);
    let tool = view
        .agent
        .escalation
        .as_ref()
        .map_or("escalate_to_human", |e| e.tool.as_str());
    // Walk the call, counting as the engine does: per tool, a success resets its count; a
    // caller's words reset the silence and no-match counts.
    let mut failures: BTreeMap<&str, u32> = BTreeMap::new();
    let mut silent = 0;
    let mut unclear = 0;
    let mut reached: Option<usize> = None;
    let mut exceeded: Option<usize> = None;
    // Where the call was first escalated, and the count standing then.
    let mut escalation: Option<(usize, u32)> = None;
    let mut most = 0;
    for (i, entry) in view.record.timeline.iter().enumerate() {
        let standing = match threshold {
            Threshold::Failures(_) => failures.values().copied().max().unwrap_or(0),
            Threshold::NoInput(_) => silent,
            Threshold::NoMatch(_) => unclear,
        };
        let count = match &entry.event {
            Event::ToolCall { name, outcome, .. } => {
                if escalation.is_none() && *name == tool && outcome.ran() {
                    escalation = Some((i, standing));
                }
                if outcome.counts_as_failed_attempt() {
                    let c = failures.entry(name.as_str()).or_insert(0);
                    *c += 1;
                    matches!(threshold, Threshold::Failures(_)).then_some(*c)
                } else {
                    if *outcome == ToolOutcome::Ok {
                        failures.remove(name.as_str());
                    }
                    None
                }
            }
            Event::Utterance {
                speaker: Speaker::Caller,
                ..
            } => {
                silent = 0;
                unclear = 0;
                None
            }
            Event::Guard { decision, .. } if *decision == GuardDecision::NoInput => {
                silent += 1;
                matches!(threshold, Threshold::NoInput(_)).then_some(silent)
            }
            Event::Guard { decision, .. } if *decision == GuardDecision::NoMatch => {
                unclear += 1;
                matches!(threshold, Threshold::NoMatch(_)).then_some(unclear)
            }
            Event::Escalation { .. } => {
                if escalation.is_none() {
                    escalation = Some((i, standing));
                }
                None
            }
            _ => None,
        };
        if let Some(c) = count {
            most = most.max(c);
            if c == n && reached.is_none() {
                reached = Some(i);
            }
            if c == n + 1 && exceeded.is_none() {
                exceeded = Some(i);
            }
        }
    }
    let turn = |i: usize| view.turns[i];
    match (escalation, reached) {
        (None, None) => Err(format!(
            "expected an escalation after {n} {what}; there was none, and never {n} such \
             (at most {most})"
        )),
        (None, Some(r)) => Err(format!(
            "expected an escalation after {n} {what} (reached in turn {}); the call was never \
             escalated ({})",
            turn(r),
            view.attempts(tool)
        )),
        (Some((e, before)), None) => Err(format!(
            "expected an escalation after {n} {what}; turn {}: escalated after only {before} \
             (there were never {n})",
            turn(e)
        )),
        (Some((e, before)), Some(r)) if e < r => Err(format!(
            "expected an escalation after {n} {what}, not before; turn {}: escalated after only \
             {before} (the {n}th came in turn {})",
            turn(e),
            turn(r)
        )),
        (Some((e, _)), Some(r)) => match exceeded {
            Some(x) if x < e => Err(format!(
                "expected an escalation right after {n} {what} (turn {}); another came first \
                 (turn {}), and the escalation only in turn {}",
                turn(r),
                turn(x),
                turn(e)
            )),
            _ => Ok(()),
        },
    }
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

    // ---- every assertion over a synthetic record ----------------------------------------

    use std::time::{Duration, UNIX_EPOCH};
    use switchboard_store::{Entry, Redaction, SessionSummary};

    fn load(text: &str) -> AgentFile {
        switchboard_agent::load(text)
            .expect("the agent loads")
            .agent
    }

    fn northloop() -> AgentFile {
        load(include_str!(
            "../../../examples/agents/northloop/agent.yaml"
        ))
    }

    fn flow_agent() -> AgentFile {
        load(include_str!(
            "../../../examples/agents/dynamic-verify-resolve/agent.yaml"
        ))
    }

    fn caller(text: &str) -> Event {
        Event::Utterance {
            speaker: Speaker::Caller,
            text: text.to_owned(),
            end: Duration::ZERO,
        }
    }

    fn agent(text: &str) -> Event {
        Event::Utterance {
            speaker: Speaker::Agent,
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

    fn refused(name: &str, arguments: Value, why: &str) -> Event {
        Event::ToolCall {
            call_id: format!("call_{name}"),
            name: name.to_owned(),
            arguments,
            outcome: ToolOutcome::Refused,
            called_by: switchboard_engine::CalledBy::Model,
            result: json!({"status": "error", "error": why}),
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

    fn moved(from: &str, to: &str) -> Event {
        Event::Transition {
            from: from.to_owned(),
            to: to.to_owned(),
        }
    }

    fn escalation(reason: &str) -> Event {
        Event::Escalation {
            reason: reason.to_owned(),
            summary: None,
        }
    }

    fn record(events: Vec<Event>, outcome: &str) -> SessionRecord {
        SessionRecord {
            summary: SessionSummary {
                id: "sess_1".to_owned(),
                agent: "test".to_owned(),
                model: "gpt-realtime".to_owned(),
                started_at: UNIX_EPOCH,
                ended_at: None,
                outcome: Some(outcome.to_owned()),
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
        }
    }

    fn ended(
        expectation: &Expectation,
        agent: &AgentFile,
        events: Vec<Event>,
        outcome: &str,
    ) -> Result<(), String> {
        let record = record(events, outcome);
        check(expectation, &View::new(&record, agent))
    }

    fn run(expectation: &Expectation, agent: &AgentFile, events: Vec<Event>) -> Result<(), String> {
        ended(expectation, agent, events, "hung_up")
    }

    /// The failure message, which must contain every one of `parts`.
    #[track_caller]
    fn fails(result: Result<(), String>, parts: &[&str]) {
        let message = result.expect_err("the assertion must fail");
        for part in parts {
            assert!(message.contains(part), "{part:?} not in: {message}");
        }
    }

    fn tool(name: &str, arguments: Option<Value>) -> ToolMatch {
        ToolMatch {
            name: name.to_owned(),
            arguments: arguments.and_then(|a| a.as_object().cloned()),
        }
    }

    /// The rehearsal call, shortened: a readback, a lookup, a silent preamble tool the gateway
    /// spoke for, a held refund, the caller's yes, the refund and the goodbye.
    fn rehearsal() -> Vec<Event> {
        vec![
            agent("Thanks for calling NorthLoop Internet—how can I help today?"),
            caller("My internet keeps dropping."),
            agent("That's frustrating—let's fix it. What's the phone number on the account?"),
            caller("It's 415 555 0123."),
            agent("Thanks. I have 4-1-5-5-5-5-0-1-2-3. Is that correct?"),
            caller("Yes, that's right."),
            call(
                "lookup_account",
                json!({"email_or_phone": "4155550123"}),
                "ok",
            ),
            guard(
                "preamble_spoken",
                "`check_outage` is still running: “Let me look up network status for your area.”",
            ),
            call(
                "check_outage",
                json!({"address": "12 Harbor Way, Portland"}),
                "ok",
            ),
            agent(
                "There's an outage. I can issue a credit for this outage—would you like me to go ahead?",
            ),
            guard(
                "confirmation_asked",
                "the model asked before calling `refund_credit`",
            ),
            caller("Yes please."),
            call(
                "refund_credit",
                json!({"account_id": "NL-10482", "minutes": 60}),
                "ok",
            ),
            agent("Credit applied. Anything else before we wrap?"),
            caller("No, thanks."),
            agent("Happy to help. Goodbye!"),
            call("finish_session", json!({}), "ok"),
        ]
    }

    #[test]
    fn tool_called_and_not_called() {
        let nl = northloop();
        let want = Expectation::ToolCalled(tool(
            "lookup_account",
            Some(json!({"email_or_phone": "4155550123"})),
        ));
        assert_eq!(run(&want, &nl, rehearsal()), Ok(()));
        let other = Expectation::ToolCalled(tool(
            "lookup_account",
            Some(json!({"email_or_phone": "4155550999"})),
        ));
        fails(
            run(&other, &nl, rehearsal()),
            &["\"4155550999\"", "turn 3: lookup_account", "→ ok"],
        );
        let held = vec![call(
            "refund_credit",
            json!({"account_id": "NL-10482", "minutes": 60}),
            "held_for_confirmation",
        )];
        fails(
            run(
                &Expectation::ToolCalled(tool("refund_credit", None)),
                &nl,
                held,
            ),
            &["held_for_confirmation"],
        );
        let not = Expectation::ToolNotCalled(tool("schedule_technician", None));
        assert_eq!(run(&not, &nl, rehearsal()), Ok(()));
        let not = Expectation::ToolNotCalled(tool("check_outage", None));
        fails(
            run(&not, &nl, rehearsal()),
            &["it ran in turn 3: check_outage"],
        );
    }

    #[test]
    fn tool_order_holds_or_names_what_did_not_follow() {
        let nl = northloop();
        let names = |n: &[&str]| n.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        let order = Expectation::ToolOrder(names(&[
            "lookup_account",
            "refund_credit",
            "finish_session",
        ]));
        assert_eq!(run(&order, &nl, rehearsal()), Ok(()));
        let order = Expectation::ToolOrder(names(&["refund_credit", "lookup_account"]));
        fails(
            run(&order, &nl, rehearsal()),
            &[
                "`lookup_account` did not follow",
                "lookup_account → check_outage → refund_credit → finish_session",
            ],
        );
    }

    #[test]
    fn confirmed_before_needs_a_question_and_an_answer() {
        let nl = northloop();
        let confirmed = Expectation::ConfirmedBefore("refund_credit".to_owned());
        assert_eq!(run(&confirmed, &nl, rehearsal()), Ok(()));
        let unasked = vec![
            caller("My internet was down."),
            call(
                "refund_credit",
                json!({"account_id": "NL-10482", "minutes": 60}),
                "ok",
            ),
        ];
        fails(
            run(&confirmed, &nl, unasked),
            &[
                "turn 1: `refund_credit` ran",
                "nobody asked the caller first",
            ],
        );
        let unanswered = vec![
            caller("My internet was down."),
            guard(
                "confirmation_asked",
                "the model asked before calling `refund_credit`",
            ),
            call(
                "refund_credit",
                json!({"account_id": "NL-10482", "minutes": 60}),
                "ok",
            ),
        ];
        fails(
            run(&confirmed, &nl, unanswered),
            &["asked about (turn 1) but ran before the caller answered"],
        );
        fails(run(&confirmed, &nl, vec![]), &["it never ran"]);
    }

    #[test]
    fn transcript_contains_and_not_contains() {
        let nl = northloop();
        let has = Expectation::TranscriptContains("4-1-5-5-5-5-0-1-2-3".to_owned());
        assert_eq!(run(&has, &nl, rehearsal()), Ok(()));
        let has = Expectation::TranscriptContains("I promise".to_owned());
        fails(
            run(&has, &nl, rehearsal()),
            &["nobody said it", "turn 0: \"Thanks for calling"],
        );
        let hasnt = Expectation::TranscriptNotContains("I promise".to_owned());
        assert_eq!(run(&hasnt, &nl, rehearsal()), Ok(()));
        let hasnt = Expectation::TranscriptNotContains("YES PLEASE".to_owned());
        fails(
            run(&hasnt, &nl, rehearsal()),
            &["turn 4, the caller said \"Yes please.\""],
        );
    }

    #[test]
    fn call_ended_by_reads_the_outcome() {
        let nl = northloop();
        let finish = Expectation::CallEndedBy(Ender::FinishSession);
        assert_eq!(ended(&finish, &nl, rehearsal(), "hung_up"), Ok(()));
        fails(
            ended(&finish, &nl, rehearsal(), "caller_left"),
            &["(turn 5)", "ended as `caller_left`"],
        );
        fails(
            ended(&finish, &nl, vec![caller("bye")], "caller_left"),
            &["never called it successfully"],
        );
        let caller_left = Expectation::CallEndedBy(Ender::Caller);
        assert_eq!(ended(&caller_left, &nl, vec![], "caller_left"), Ok(()));
        fails(
            ended(&caller_left, &nl, vec![], "hung_up"),
            &["ended as `hung_up`"],
        );
    }

    #[test]
    fn escalated_or_not() {
        let nl = northloop();
        let handed = vec![
            caller("Get me a person."),
            call(
                "escalate_to_human",
                json!({"reason": "asked for a person"}),
                "ok",
            ),
            escalation("the caller asked for a person"),
        ];
        assert_eq!(
            run(&Expectation::Escalated(true), &nl, handed.clone()),
            Ok(())
        );
        fails(
            run(&Expectation::Escalated(false), &nl, handed),
            &["turn 1: escalated because \"the caller asked for a person\""],
        );
        assert_eq!(
            run(&Expectation::Escalated(false), &nl, rehearsal()),
            Ok(())
        );
        fails(
            run(&Expectation::Escalated(true), &nl, rehearsal()),
            &["never called `escalate_to_human`"],
        );
    }

    #[test]
    fn no_repeated_sentence_names_both_turns() {
        let nl = northloop();
        assert_eq!(
            run(&Expectation::NoRepeatedSentence, &nl, rehearsal()),
            Ok(())
        );
        let repeats = vec![
            agent("Let me see what I can do."),
            caller("It's slow."),
            agent("Hmm. Let me see what I can do!"),
        ];
        fails(
            run(&Expectation::NoRepeatedSentence, &nl, repeats),
            &["\"let me see what i can do\" was said in turn 0 and again in turn 1"],
        );
    }

    #[test]
    fn no_repeated_sentence_ignores_typography() {
        let nl = northloop();
        let variants = vec![
            agent("“That’s frustrating — I’m sorry.”"),
            caller("It's slow."),
            agent("\"THAT'S  frustrating - i'm ｓorry!\""),
        ];
        fails(
            run(&Expectation::NoRepeatedSentence, &nl, variants),
            &["\"that's frustrating i'm sorry\" was said in turn 0 and again in turn 1"],
        );
    }

    /// A verify → resolve call in the dynamic flow, with a refused jump before it.
    fn flow_call(jump_first: bool) -> Vec<Event> {
        let mut events = vec![agent("Hi, what's the phone number on the account?")];
        if jump_first {
            events.push(refused(
                "set_conversation_state",
                json!({"next_state": "resolve"}),
                "cannot leave `verify` yet: missing account_id",
            ));
        }
        events.extend([
            caller("4155550123"),
            call(
                "lookup_account",
                json!({"email_or_phone": "4155550123"}),
                "ok",
            ),
            moved("verify", "resolve"),
            call(
                "set_conversation_state",
                json!({"next_state": "resolve"}),
                "ok",
            ),
            agent("Found you. Which window suits you?"),
        ]);
        events
    }

    #[test]
    fn state_reached_or_where_the_flow_went() {
        let flow = flow_agent();
        let reached = Expectation::StateReached("resolve".to_owned());
        assert_eq!(run(&reached, &flow, flow_call(false)), Ok(()));
        let initial = Expectation::StateReached("verify".to_owned());
        assert_eq!(run(&initial, &flow, vec![]), Ok(()));
        let stuck = vec![
            caller("Just book it."),
            refused(
                "set_conversation_state",
                json!({"next_state": "resolve"}),
                "cannot leave `verify` yet: missing account_id",
            ),
        ];
        fails(
            run(&reached, &flow, stuck),
            &[
                "expected the flow to reach `resolve`; it went through `verify`",
                "turn 1: to `resolve` (refused: cannot leave `verify` yet: missing account_id)",
            ],
        );
    }

    #[test]
    fn states_must_match_exactly() {
        let flow = flow_agent();
        let both = Expectation::States(vec!["verify".to_owned(), "resolve".to_owned()]);
        assert_eq!(run(&both, &flow, flow_call(false)), Ok(()));
        fails(
            run(&both, &flow, vec![caller("hello")]),
            &[
                "went through `verify`",
                "state 2: expected `resolve`, was nothing more",
            ],
        );
        let only = Expectation::States(vec!["verify".to_owned()]);
        fails(
            run(&only, &flow, flow_call(false)),
            &[
                "`verify` → `resolve` (turn 1)",
                "state 2: expected nothing more, was `resolve`",
            ],
        );
    }

    #[test]
    fn only_allowed_transitions_checks_the_agent_file() {
        let flow = flow_agent();
        let allowed = Expectation::OnlyAllowedTransitions;
        assert_eq!(run(&allowed, &flow, flow_call(false)), Ok(()));
        // `resolve` is terminal: a recorded move out of it is wrong whatever the gateway did.
        let mut back = flow_call(false);
        back.push(moved("resolve", "verify"));
        fails(
            run(&allowed, &flow, back),
            &[
                "turn 1: the flow moved from `resolve` to `verify`, which the agent file does not allow",
                "none (a terminal state)",
            ],
        );
        let mut skipped = flow_call(false);
        skipped.push(moved("verify", "resolve"));
        fails(
            run(&allowed, &flow, skipped),
            &["moved from `verify` to `resolve`, but it was in `resolve`"],
        );
        // The model asking for an edge the file lacks fails even though the gateway refused.
        let mut asked = flow_call(false);
        asked.push(refused(
            "set_conversation_state",
            json!({"next_state": "verify"}),
            "cannot switch from `resolve` to `verify`; allowed: none (this state is terminal)",
        ));
        fails(
            run(&allowed, &flow, asked),
            &[
                "turn 1: the model asked to move from `resolve` to `verify`",
                "the gateway refused it (refused: cannot switch",
            ],
        );
        // An allowed edge refused for a missing slot is not a forbidden transition.
        assert_eq!(run(&allowed, &flow, flow_call(true)), Ok(()));
    }

    #[test]
    fn preamble_spoken_by_the_model_or_the_gateway() {
        let nl = northloop();
        let outage = Expectation::PreambleSpoken(Some("check_outage".to_owned()));
        // The gateway spoke a phrase while the silent tool ran.
        assert_eq!(run(&outage, &nl, rehearsal()), Ok(()));
        let said = vec![
            caller("It's 12 Harbor Way."),
            agent("Let me look up network status for your area."),
            call("check_outage", json!({"address": "12 Harbor Way"}), "ok"),
        ];
        assert_eq!(run(&outage, &nl, said), Ok(()));
        // Words before another call in the same turn belong to that call.
        let silent = vec![
            caller("It's 415 555 0123."),
            agent("Looking up your account now."),
            call(
                "lookup_account",
                json!({"email_or_phone": "4155550123"}),
                "ok",
            ),
            call("check_outage", json!({"address": "12 Harbor Way"}), "ok"),
            agent("No outage in your area."),
        ];
        fails(
            run(&outage, &nl, silent.clone()),
            &[
                "turn 1: `check_outage` ran with {\"address\":\"12 Harbor Way\"}",
                "the agent said nothing before or with the call",
                "\"No outage in your area.\"",
            ],
        );
        let every = Expectation::PreambleSpoken(None);
        fails(run(&every, &nl, silent), &["`check_outage` ran"]);
        fails(
            run(&every, &nl, vec![caller("hi")]),
            &["check_outage, escalate_to_human", "none of them ran"],
        );
        fails(
            run(&outage, &nl, vec![caller("hi")]),
            &["it never ran", "never called `check_outage`"],
        );
    }

    #[test]
    fn no_identical_opener_compares_the_first_three_words() {
        let nl = northloop();
        let varied = vec![
            agent("Thanks for calling. How can I help?"),
            caller("My internet is down."),
            agent("Got it, let me check."),
            caller("Sure."),
            agent("Got it. The outage ends at six."),
        ];
        assert_eq!(run(&Expectation::NoIdenticalOpener, &nl, varied), Ok(()));
        let same = vec![
            agent("Thanks for calling. How can I help?"),
            caller("My internet is down."),
            agent("Got it, let me check the line."),
            caller("Sure."),
            agent("Got it — let me look at the outage map."),
        ];
        fails(
            run(&Expectation::NoIdenticalOpener, &nl, same),
            &[
                "turns 1 and 2 both open with \"got it let\"",
                "turn 2: \"Got it — let me look at the outage map.\"",
            ],
        );
        assert_eq!(opener("I’m on it. Sure."), "i'm on it");
    }

    #[cfg(feature = "language-id")]
    #[test]
    fn language_identifies_each_agent_line() {
        let nl = northloop();
        let english = Expectation::Language("English".to_owned());
        assert_eq!(run(&english, &nl, rehearsal()), Ok(()));
        let french = vec![
            agent("Thanks for calling NorthLoop Internet—how can I help today?"),
            caller("Bonjour, mon internet ne marche plus."),
            agent("Bonjour! Je suis désolé, pouvez-vous me donner votre numéro de téléphone?"),
            agent("Oui."),
        ];
        fails(
            run(&english, &nl, french.clone()),
            &["turn 1: the agent spoke French: \"Bonjour! Je suis désolé"],
        );
        // Short lines are not identified, and the caller's language does not count.
        let short = vec![
            caller("Bonjour, mon internet ne marche plus."),
            agent("Oui, merci."),
        ];
        assert_eq!(run(&english, &nl, short), Ok(()));
        let in_french = Expectation::Language("French".to_owned());
        fails(
            run(&in_french, &nl, french),
            &["turn 0: the agent spoke English"],
        );
    }

    #[test]
    fn readback_of_a_tool_argument() {
        let nl = northloop();
        let readback = Expectation::ReadbackOf {
            tool: "lookup_account".to_owned(),
            argument: "email_or_phone".to_owned(),
        };
        assert_eq!(run(&readback, &nl, rehearsal()), Ok(()));
        let with = |line: &str| {
            vec![
                caller("It's 415 555 0123."),
                agent(line),
                caller("Yes."),
                call(
                    "lookup_account",
                    json!({"email_or_phone": "4155550123"}),
                    "ok",
                ),
                agent("I have 4-1-5-5-5-5-0-1-2-3 on file."),
            ]
        };
        assert_eq!(
            run(
                &readback,
                &nl,
                with("Four one five, five five five, zero one two three. Right?")
            ),
            Ok(())
        );
        fails(
            run(&readback, &nl, with("So that's 415 555 0123, correct?")),
            &[
                "before `lookup_account` ran (turn 2)",
                "turn 1: the agent read it as a grouped number (\"415\"",
            ],
        );
        fails(
            run(
                &readback,
                &nl,
                with("That's four fifteen, five five five, oh one two three?"),
            ),
            &["grouped number (\"fifteen\""],
        );
        fails(
            run(
                &readback,
                &nl,
                with("I have 4-1-5-5-5-5-0-1-2-4. Is that correct?"),
            ),
            &[
                "(4-1-5-5-5-5-0-1-2-3)",
                "turn 1: the agent read back \"I have 4-1-5-5-5-5-0-1-2-4\"",
                "character 10 is `4` where the value has `3`",
            ],
        );
        // Said only after the tool ran: too late.
        fails(
            run(&readback, &nl, with("Thanks, one moment.")),
            &[
                "the agent never read it back",
                "turn 1: \"Thanks, one moment.\"",
            ],
        );
        fails(
            run(&readback, &nl, vec![caller("hi")]),
            &["it never ran, so there was no value to compare"],
        );
        let value = Expectation::ReadbackValue("415-555-0123".to_owned());
        assert_eq!(run(&value, &nl, rehearsal()), Ok(()));
        // Anywhere in the call, so the line after the lookup counts too.
        assert_eq!(run(&value, &nl, with("Thanks, one moment.")), Ok(()));
        let short = vec![
            caller("It's 415 555 0123."),
            agent("Is it 4-1-5-5-5-5-0-1-2?"),
        ];
        fails(
            run(&value, &nl, short),
            &["turn 1", "character 10 is missing where the value has `3`"],
        );
    }

    /// A caller turn whose audio could not be understood, and what followed it.
    fn unclear(then: Vec<Event>) -> Vec<Event> {
        let mut events = vec![
            agent("Thanks for calling NorthLoop Internet—how can I help today?"),
            guard(
                "no_match",
                "the caller's audio could not be understood (1 in a row)",
            ),
        ];
        events.extend(then);
        events.push(caller("My internet is down."));
        events.push(agent("Sorry to hear that. What's the address?"));
        events
    }

    #[test]
    fn clarifies_unclear_audio_with_a_short_question_and_nothing_else() {
        let nl = northloop();
        let clarify = Expectation::ClarifiesUnclearAudio;
        assert_eq!(
            run(
                &clarify,
                &nl,
                unclear(vec![agent(
                    "Sorry, I didn't catch that. Could you say it again?"
                )])
            ),
            Ok(())
        );
        fails(
            run(&clarify, &nl, rehearsal()),
            &["no turn had unclear audio", "nothing to check"],
        );
        fails(
            run(&clarify, &nl, unclear(vec![])),
            &["turn 1: the caller's audio could not be understood, and the agent said nothing"],
        );
        fails(
            run(
                &clarify,
                &nl,
                unclear(vec![agent("I'll check for outages now.")]),
            ),
            &["turn 1", "\"I'll check for outages now.\" (not a question)"],
        );
        let long = "Sorry, the line is really noisy on my end and I could not make out \
                    what you said just now, could you repeat that for me please?";
        fails(
            run(&clarify, &nl, unclear(vec![agent(long)])),
            &["at most 15 words", "the agent said 27 words"],
        );
        fails(
            run(
                &clarify,
                &nl,
                unclear(vec![
                    agent("Sorry, could you repeat that?"),
                    call("check_outage", json!({"address": "12 Harbor Way"}), "ok"),
                ]),
            ),
            &["turn 1", "yet the model called `check_outage`"],
        );
        let flow = flow_agent();
        fails(
            run(
                &clarify,
                &flow,
                unclear(vec![
                    moved("verify", "resolve"),
                    agent("Sorry, could you repeat that?"),
                ]),
            ),
            &["yet the flow moved from `verify` to `resolve`"],
        );
        // At the escalation threshold the agent hands over instead.
        assert_eq!(
            run(
                &clarify,
                &nl,
                unclear(vec![
                    guard("escalation_threshold", "3 consecutive no-match events"),
                    agent("Thanks for your patience—I’m connecting you with a specialist now."),
                    call(
                        "escalate_to_human",
                        json!({"reason": "unclear audio"}),
                        "ok"
                    ),
                ])
            ),
            Ok(())
        );
    }

    fn lookup(outcome: &str) -> Event {
        call(
            "lookup_account",
            json!({"email_or_phone": "4155559999"}),
            outcome,
        )
    }

    fn escalate() -> Vec<Event> {
        vec![
            call(
                "escalate_to_human",
                json!({"reason": "two lookups failed"}),
                "ok",
            ),
            escalation("two lookups failed"),
        ]
    }

    #[test]
    fn escalated_after_failures_not_before() {
        let nl = northloop();
        let after_two = Expectation::EscalatedAfter(Threshold::Failures(2));
        let mut good = vec![
            caller("415 555 9999"),
            lookup("failed"),
            caller("Try again."),
        ];
        good.push(lookup("timeout"));
        good.extend(escalate());
        assert_eq!(run(&after_two, &nl, good.clone()), Ok(()));
        fails(
            run(
                &Expectation::EscalatedAfter(Threshold::Failures(3)),
                &nl,
                good,
            ),
            &["turn 2: escalated after only 2", "there were never 3"],
        );
        let mut early = vec![caller("415 555 9999"), lookup("failed")];
        early.extend(escalate());
        early.extend([caller("Hello?"), lookup("failed")]);
        fails(
            run(&after_two, &nl, early),
            &["not before; turn 1: escalated after only 1 (the 2th came in turn 2)"],
        );
        // A success in between starts the count again.
        let mut reset = vec![
            caller("x"),
            lookup("failed"),
            lookup("ok"),
            lookup("failed"),
        ];
        reset.extend(escalate());
        fails(run(&after_two, &nl, reset), &["escalated after only 1"]);
        let never = vec![caller("x"), lookup("failed"), lookup("invalid")];
        fails(
            run(&after_two, &nl, never),
            &["(reached in turn 1); the call was never escalated"],
        );
        let mut late = vec![caller("x"), lookup("failed"), lookup("failed"), caller("y")];
        late.push(lookup("failed"));
        late.extend(escalate());
        fails(
            run(&after_two, &nl, late),
            &["right after 2", "(turn 1); another came first (turn 2)"],
        );
        fails(
            run(&after_two, &nl, rehearsal()),
            &["there was none, and never 2 such (at most 0)"],
        );
    }

    #[test]
    fn escalated_after_silences_or_unclear_turns() {
        let nl = northloop();
        let silence = || guard("no_input", "the caller said nothing");
        let after_three = Expectation::EscalatedAfter(Threshold::NoInput(3));
        let mut good = vec![agent("Hello?"), silence(), silence(), silence()];
        good.push(guard(
            "escalation_threshold",
            "3 consecutive no-input events",
        ));
        good.extend(escalate());
        assert_eq!(run(&after_three, &nl, good.clone()), Ok(()));
        fails(
            run(
                &Expectation::EscalatedAfter(Threshold::NoMatch(3)),
                &nl,
                good,
            ),
            &["turn 3: escalated after only 0 (there were never 3)"],
        );
        // The caller's words start the count again.
        let mut broken = vec![silence(), silence(), caller("Sorry, hi."), silence()];
        broken.extend(escalate());
        fails(
            run(&after_three, &nl, broken),
            &["turn 4: escalated after only 1"],
        );
        let unclear_turn = || guard("no_match", "the caller's audio could not be understood");
        let mut good = vec![unclear_turn(), unclear_turn()];
        good.extend(escalate());
        assert_eq!(
            run(
                &Expectation::EscalatedAfter(Threshold::NoMatch(2)),
                &nl,
                good
            ),
            Ok(())
        );
    }
}
