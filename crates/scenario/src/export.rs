//! A recorded call turned into a scenario that replays it (`switchboard sessions export ID
//! --as-scenario`): production calls become regression tests.
//!
//! The record holds what the caller said, what the agent said (what the caller heard of it),
//! the tool calls with their arguments and outcomes, guard decisions and transitions, in the
//! order they were recorded. It does not mark where one model response ends and the next
//! begins, so the responses are put back together from the order of things:
//!
//! - An agent line starts a response; the tool calls recorded after it, until the next line or
//!   caller turn, belong to it (the model speaks before it calls).
//! - A tool call after another one starts a new response unless it began while the other was
//!   still running (then both came in one response). Two calls that begin together and take
//!   no time cannot be told apart and become two responses, which replays deterministically.
//! - Spoken audio is recorded when it has played out, after the calls its response made; an
//!   agent line with a duration is therefore moved back before the calls that started after it.
//!   (Its time comes from the call's clock, the calls' from the recorder's, started a moment
//!   earlier; a call made within that moment before a line may be grouped with it.)
//! - Lines the gateway had the model say out of band (preambles, supervisor fillers: each
//!   recorded as a guard decision quoting it) take no script entry and are left out.
//! - A caller utterance is a `say` turn; the response that follows reports it as `heard`. A
//!   silent turn (`no_input`) becomes a `silence` turn longer than the agent's idle timeout, an
//!   unintelligible one (`no_match`) a `noise` turn.
//! - The supervisor's answers become its script (`supervisor:`), as the responder received
//!   them; a failed question becomes an `error` reply.
//!
//! The expectations are the call's own outcome: each tool call that ran, with its arguments;
//! their order; the states the flow went through; how the call ended; whether it escalated.

use std::fmt::Write as _;
use std::time::Duration;

use serde_json::Value;
use switchboard_agent::AgentFile;
use switchboard_agent::model::TurnDetection;
use switchboard_engine::{CalledBy, GuardDecision, Speaker, ToolOutcome};
use switchboard_store::{Entry, Event, SessionRecord, timestamp};

/// Tools a scenario may name besides the agent's own (as the scenario loader accepts them).
const COMMON_TOOLS: &[&str] = &[
    "answer",
    "escalate_to_human",
    "finish_session",
    "set_conversation_state",
];

/// How much longer than the agent's idle timeout a replayed silent turn lasts.
const SILENCE_MARGIN_MS: u64 = 1_000;

/// How long a replayed unintelligible turn is.
const NOISE_MS: u64 = 1_500;

/// The scenario (YAML text) that replays `record`: the model's side as an inline script, the
/// caller's turns as text, and the call's tool calls, transitions and ending as expectations.
///
/// `agent` is the agent file the call was served with (its tools and flow decide what the
/// expectations may name); `agent_path` is written as the scenario's `agent`, so it must be
/// relative to where the scenario file will be (or absolute).
pub fn scenario_from_record(record: &SessionRecord, agent: &AgentFile, agent_path: &str) -> String {
    // The supervisor's own tool calls are part of its answer, which the replay's supervisor
    // gives back whole: the model never made them, so they are neither replayed nor expected.
    // MCP calls ran at the provider, which the emulator does not play: left out the same way.
    let mut record = record.clone();
    record.timeline.retain(|entry| {
        !matches!(
            entry.event,
            Event::ToolCall {
                called_by: CalledBy::Supervisor | CalledBy::Provider,
                ..
            }
        )
    });
    let record = &record;
    let replay = Replay::of(record, agent);
    let mut out = String::new();
    header(&mut out, record, &replay);
    let s = &record.summary;
    let _ = writeln!(
        out,
        "name: {}",
        scalar(&format!("replay of {} ({})", s.id, s.agent))
    );
    let _ = writeln!(out, "agent: {}", scalar(agent_path));
    model(&mut out, &replay);
    caller(&mut out, &replay);
    expectations(&mut out, record, agent);
    out
}

/// A tool call as the model made it.
#[derive(Debug, Clone, PartialEq)]
struct Made {
    name: String,
    arguments: Value,
    /// When it started and when it was answered, since the call began.
    start: Duration,
    end: Duration,
}

/// One in-band model response.
#[derive(Debug, Clone, PartialEq, Default)]
struct Response {
    heard: Option<String>,
    say: Option<String>,
    calls: Vec<Made>,
}

impl Response {
    /// Whether a call starting at `start` came in this response: it has made none yet, or
    /// one of its calls was still running.
    fn takes_call(&self, start: Duration) -> bool {
        self.calls.is_empty() || self.calls.iter().any(|c| start < c.end)
    }
}

/// A turn of the caller.
#[derive(Debug, Clone, PartialEq)]
enum Turn {
    WaitForAgent,
    Say(String),
    /// Silent for this long.
    Silence(u64),
    /// Sound that could not be understood, this long.
    Noise(u64),
}

/// An answer of the supervisor.
#[derive(Debug, Clone, PartialEq)]
enum Thought {
    Say(String),
    Error(String),
}

/// The call put back together: the model's responses, the caller's turns, the supervisor's
/// answers, and remarks for the file's header.
#[derive(Debug, Default)]
struct Replay {
    responses: Vec<Response>,
    turns: Vec<Turn>,
    supervisor: Vec<Thought>,
    remarks: Vec<String>,
}

impl Replay {
    fn of(record: &SessionRecord, agent: &AgentFile) -> Replay {
        let supervisor_tool = agent.supervisor.as_ref().map(|s| s.tool_name.as_str());
        let mut replay = Replay::default();
        let mut current: Option<Response> = None;
        let mut heard: Option<String> = None;
        let mut silences = 0;
        for entry in in_model_order(&in_band(&record.timeline)) {
            match &entry.event {
                Event::Utterance {
                    speaker: Speaker::Caller,
                    text,
                    ..
                } => {
                    replay.close(&mut current);
                    replay.turns.push(Turn::Say(text.clone()));
                    heard = Some(text.clone());
                }
                Event::Guard { decision, .. } if *decision == GuardDecision::NoInput => {
                    replay.close(&mut current);
                    silences += 1;
                    replay.turns.push(Turn::Silence(silence_ms(agent)));
                    heard = None;
                }
                Event::Guard { decision, .. } if *decision == GuardDecision::NoMatch => {
                    replay.close(&mut current);
                    replay.turns.push(Turn::Noise(NOISE_MS));
                    heard = None;
                }
                Event::Utterance {
                    speaker: Speaker::Agent,
                    text,
                    ..
                } => {
                    replay.close(&mut current);
                    current = Some(Response {
                        heard: heard.take(),
                        say: Some(text.clone()),
                        calls: Vec::new(),
                    });
                }
                Event::ToolCall {
                    name,
                    arguments,
                    outcome,
                    result,
                    duration,
                    ..
                } => {
                    let made = Made {
                        name: name.clone(),
                        arguments: arguments.clone(),
                        start: entry.at,
                        end: entry.at + *duration,
                    };
                    match &mut current {
                        Some(response) if response.takes_call(made.start) => {
                            response.calls.push(made);
                        }
                        _ => {
                            replay.close(&mut current);
                            current = Some(Response {
                                heard: heard.take(),
                                say: None,
                                calls: vec![made],
                            });
                        }
                    }
                    if Some(name.as_str()) == supervisor_tool {
                        replay.supervisor.push(thought(*outcome, result));
                    }
                }
                _ => {}
            }
        }
        replay.close(&mut current);
        if silences > 0 && idle_timeout_ms(agent).is_none() {
            replay.remarks.push(format!(
                "The caller was silent {silences} time(s), but the agent file sets no \
                 `idle_timeout_ms`: the silent turns will not prompt the model as they did."
            ));
        }
        if !replay.supervisor.is_empty() {
            replay.remarks.push(
                "The supervisor's answers replay as the responder received them; the tools \
                 the supervisor called were not recorded and are not called again."
                    .to_owned(),
            );
        }
        replay
    }

    /// Ends the response being put together; the first before the caller speaks is the
    /// greeting, asked for with `wait_for_agent`.
    fn close(&mut self, current: &mut Option<Response>) {
        if let Some(response) = current.take() {
            if self.turns.is_empty() {
                self.turns.push(Turn::WaitForAgent);
            }
            self.responses.push(response);
        }
    }
}

/// The supervisor's answer as the responder got it: the speakable text, or why it failed.
fn thought(outcome: ToolOutcome, result: &Value) -> Thought {
    let text = |key: &str| result.get(key).and_then(Value::as_str).map(str::to_owned);
    match (outcome, text("answer")) {
        (ToolOutcome::Ok, Some(answer)) => Thought::Say(answer),
        _ => Thought::Error(
            text("error").unwrap_or_else(|| format!("the supervisor's answer was {outcome}")),
        ),
    }
}

fn idle_timeout_ms(agent: &AgentFile) -> Option<u64> {
    match &agent.audio.turn_detection {
        TurnDetection::ServerVad {
            idle_timeout_ms, ..
        } => idle_timeout_ms.map(u64::from),
        _ => None,
    }
}

/// A silence long enough for the agent's idle timeout to fire.
fn silence_ms(agent: &AgentFile) -> u64 {
    idle_timeout_ms(agent).unwrap_or(5_000) + SILENCE_MARGIN_MS
}

/// The timeline without the lines the model said out of band (preambles, supervisor fillers,
/// a caller's own `conversation: "none"` requests), which take no script entry: each record
/// says whether its response ran out of band.
fn in_band(timeline: &[Entry]) -> Vec<&Entry> {
    timeline
        .iter()
        .filter(|entry| {
            !(entry.out_of_band
                && matches!(
                    entry.event,
                    Event::Utterance {
                        speaker: Speaker::Agent,
                        ..
                    }
                ))
        })
        .collect()
}

/// `entries` in the order the model produced them. Spoken lines (with a duration) were
/// recorded when they had played out, after the calls of their response: each moves back
/// before the calls that started after it, never past another utterance or a missed turn.
fn in_model_order<'a>(entries: &[&'a Entry]) -> Vec<&'a Entry> {
    let mut order: Vec<&Entry> = Vec::with_capacity(entries.len());
    for &entry in entries {
        let spoken_at = match &entry.event {
            Event::Utterance {
                speaker: Speaker::Agent,
                end,
                ..
            } if *end > entry.at => Some(entry.at),
            _ => None,
        };
        let mut place = order.len();
        if let Some(at) = spoken_at {
            for (i, earlier) in order.iter().enumerate().rev() {
                match &earlier.event {
                    Event::ToolCall { .. } if earlier.at > at => place = i,
                    Event::ToolCall { .. } | Event::Utterance { .. } => break,
                    Event::Guard { decision, .. }
                        if *decision == GuardDecision::NoInput
                            || *decision == GuardDecision::NoMatch =>
                    {
                        break;
                    }
                    _ => {}
                }
            }
        }
        order.insert(place, entry);
    }
    order
}

// ---- writing ----------------------------------------------------------------------

fn header(out: &mut String, record: &SessionRecord, replay: &Replay) {
    let s = &record.summary;
    let _ = writeln!(
        out,
        "# The call {} to agent `{}` ({}), started {}, ended {}, as a scenario.",
        s.id,
        s.agent,
        s.model,
        timestamp::format(s.started_at),
        s.outcome
            .as_deref()
            .unwrap_or("without an ending on record")
    );
    out.push_str(
        "# Written by `switchboard sessions export --as-scenario`; run it with `switchboard test`.\n\
         # The model's side replays what the model said and called, response by response; the\n\
         # caller's turns are what the caller said, as text (the audio is not stored).\n",
    );
    let r = &record.redaction;
    let redacted: Vec<&str> = [
        (r.phone_numbers, "phone numbers as [phone]"),
        (r.card_numbers, "card numbers as [card]"),
        (r.emails, "emails as [email]"),
    ]
    .iter()
    .filter(|(on, _)| *on)
    .map(|(_, what)| *what)
    .collect();
    if !redacted.is_empty() {
        let _ = writeln!(
            out,
            "# Redacted when the call was recorded: {}. The replay sends the placeholders as\n\
             # written; put test values in their place where a tool checks its arguments.",
            redacted.join(", ")
        );
    }
    for remark in &replay.remarks {
        comment(out, remark);
    }
}

/// `text` as `#` lines of at most about 90 characters.
fn comment(out: &mut String, text: &str) {
    let mut line = String::from("#");
    for word in text.split_whitespace() {
        if line.len() + 1 + word.len() > 90 && line.len() > 1 {
            out.push_str(&line);
            out.push('\n');
            line = String::from("#");
        }
        line.push(' ');
        line.push_str(word);
    }
    out.push_str(&line);
    out.push('\n');
}

fn model(out: &mut String, replay: &Replay) {
    out.push_str("model:\n");
    if replay.responses.is_empty() {
        out.push_str("  responses: []\n");
    } else {
        out.push_str("  responses:\n");
    }
    for response in &replay.responses {
        // The entry's lines, the first after the list's dash.
        let mut lines: Vec<String> = Vec::new();
        if let Some(heard) = &response.heard {
            lines.push(format!("heard: {}", scalar(heard)));
        }
        if let Some(say) = &response.say {
            lines.push(format!("say: {}", scalar(say)));
        }
        if !response.calls.is_empty() {
            lines.push("calls:".to_owned());
            for call in &response.calls {
                lines.push(format!("  - name: {}", scalar(&call.name)));
                lines.push(format!("    arguments: {}", arguments(&call.arguments)));
            }
        }
        if lines.is_empty() {
            // An empty response (nothing said, nothing called) leaves no record; kept whole
            // should one ever be put together.
            lines.push("{}".to_owned());
        }
        for (i, line) in lines.iter().enumerate() {
            let lead = if i == 0 { "    - " } else { "      " };
            let _ = writeln!(out, "{lead}{line}");
        }
    }
    if !replay.supervisor.is_empty() {
        out.push_str("  supervisor:\n");
        for thought in &replay.supervisor {
            let _ = match thought {
                Thought::Say(text) => writeln!(out, "    - say: {}", scalar(text)),
                Thought::Error(why) => writeln!(out, "    - error: {}", scalar(why)),
            };
        }
    }
}

/// A call's recorded arguments as the script writes them: an object as it was; anything else
/// (the model sent arguments that were not a JSON object) as text the gateway will refuse
/// again.
fn arguments(value: &Value) -> String {
    match value {
        Value::Object(_) => flow(value),
        _ => scalar("(arguments that are not a JSON object)"),
    }
}

fn caller(out: &mut String, replay: &Replay) {
    out.push_str("caller:\n");
    if replay.turns.is_empty() {
        // A scenario needs a turn; a call where nothing happened still asks for a greeting.
        out.push_str("  - wait_for_agent: true\n");
    }
    for turn in &replay.turns {
        let _ = match turn {
            Turn::WaitForAgent => writeln!(out, "  - wait_for_agent: true"),
            Turn::Say(text) => writeln!(out, "  - say: {}", scalar(text)),
            Turn::Silence(ms) => writeln!(out, "  - silence: {ms}"),
            Turn::Noise(ms) => writeln!(out, "  - noise: {ms}"),
        };
    }
}

fn expectations(out: &mut String, record: &SessionRecord, agent: &AgentFile) {
    let nameable =
        |name: &str| agent.tools.iter().any(|t| t.name == name) || COMMON_TOOLS.contains(&name);
    let mut lines: Vec<String> = Vec::new();
    let mut unnamed: Vec<&str> = Vec::new();
    let mut ran: Vec<&str> = Vec::new();
    let mut called: Vec<(&str, &Value)> = Vec::new();
    let mut transitions: Vec<&str> = Vec::new();
    let mut escalated = false;
    let mut finished = false;
    for entry in &record.timeline {
        match &entry.event {
            Event::ToolCall {
                name,
                arguments,
                outcome,
                ..
            } if outcome.ran() => {
                if name == "finish_session" && *outcome == ToolOutcome::Ok {
                    finished = true;
                }
                if !nameable(name) {
                    if !unnamed.contains(&name.as_str()) {
                        unnamed.push(name);
                    }
                    continue;
                }
                ran.push(name);
                if !called.contains(&(name.as_str(), arguments)) {
                    called.push((name, arguments));
                }
            }
            Event::Transition { to, .. } => transitions.push(to),
            Event::Escalation { .. } => escalated = true,
            _ => {}
        }
    }
    for (name, arguments) in &called {
        lines.push(match arguments {
            Value::Object(map) if !map.is_empty() => format!(
                "tool_called: {{name: {}, arguments: {}}}",
                scalar(name),
                flow(arguments)
            ),
            _ => format!("tool_called: {}", scalar(name)),
        });
    }
    if ran.len() >= 2 {
        let names: Vec<String> = ran.iter().map(|n| scalar(n)).collect();
        lines.push(format!("tool_order: [{}]", names.join(", ")));
    }
    if let Some(flow) = &agent.dynamic {
        let mut states = vec![flow.initial.as_str()];
        states.extend(transitions.iter().copied());
        let states: Vec<String> = states.iter().map(|s| scalar(s)).collect();
        lines.push(format!("states: [{}]", states.join(", ")));
    }
    match record.summary.outcome.as_deref() {
        Some("hung_up") if finished => lines.push("call_ended_by: finish_session".to_owned()),
        Some("caller_left") => lines.push("call_ended_by: caller".to_owned()),
        _ => {}
    }
    lines.push(format!("escalated: {escalated}"));
    if !unnamed.is_empty() {
        comment(
            out,
            &format!(
                "Not asserted, since a scenario cannot name them: {}.",
                unnamed.join(", ")
            ),
        );
    }
    out.push_str("expect:\n");
    for line in lines {
        let _ = writeln!(out, "  - {line}");
    }
}

/// `text` as a YAML scalar: plain when that reads back as the same string, else a
/// double-quoted string (JSON's escapes are YAML's).
fn scalar(text: &str) -> String {
    if plain_is_safe(text) {
        text.to_owned()
    } else {
        Value::String(text.to_owned()).to_string()
    }
}

/// Whether `text` can be written unquoted in block context and still be read as this string:
/// it starts with a letter (or is a path starting `/`, `./` or `../`), has nothing YAML would
/// read as structure (`: `, ` #`, a trailing colon) and is not a word YAML reads as something
/// else.
fn plain_is_safe(text: &str) -> bool {
    let Some(first) = text.chars().next() else {
        return false;
    };
    let reserved = [
        "true", "false", "null", "yes", "no", "on", "off", "y", "n", "~",
    ];
    let path = ["/", "./", "../"].iter().any(|p| text.starts_with(p));
    (first.is_alphabetic() || path)
        && text.trim() == text
        && !text.contains(": ")
        && !text.contains(" #")
        && !text.ends_with(':')
        // Line and paragraph separators and the byte-order mark read badly unquoted.
        && !text
            .chars()
            .any(|c| c.is_control() || matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}'))
        && !reserved.contains(&text.to_ascii_lowercase().as_str())
}

/// A JSON value in YAML flow style (JSON with spaces after `:` and `,`).
fn flow(value: &Value) -> String {
    match value {
        Value::Object(map) => {
            let fields: Vec<String> = map
                .iter()
                .map(|(k, v)| format!("{}: {}", Value::String(k.clone()), flow(v)))
                .collect();
            format!("{{{}}}", fields.join(", "))
        }
        Value::Array(items) => {
            let items: Vec<String> = items.iter().map(flow).collect();
            format!("[{}]", items.join(", "))
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};
    use std::time::{Duration, SystemTime};

    use serde_json::json;
    use switchboard_store::{Redaction, SessionSummary};

    use super::*;
    use crate::scenario::{Ender, Expectation, ToolMatch, Turn as ScenarioTurn};

    fn repo(path: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../..")
            .join(path)
    }

    fn agent(path: &str) -> AgentFile {
        let text = std::fs::read_to_string(repo(path)).unwrap();
        switchboard_agent::load(&text).unwrap().agent
    }

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    fn caller(at: u64, text: &str) -> Entry {
        Entry {
            response_id: None,
            out_of_band: false,
            at: ms(at),
            event: Event::Utterance {
                speaker: Speaker::Caller,
                text: text.into(),
                end: ms(at),
            },
        }
    }

    /// A text line (no duration).
    fn agent_said(at: u64, text: &str) -> Entry {
        spoken(at, at, text)
    }

    /// An audio line heard from `at` to `end`.
    fn spoken(at: u64, end: u64, text: &str) -> Entry {
        Entry {
            response_id: None,
            out_of_band: false,
            at: ms(at),
            event: Event::Utterance {
                speaker: Speaker::Agent,
                text: text.into(),
                end: ms(end),
            },
        }
    }

    fn tool(at: u64, took: u64, name: &str, arguments: Value, outcome: &str) -> Entry {
        Entry {
            response_id: None,
            out_of_band: false,
            at: ms(at),
            event: Event::ToolCall {
                call_id: format!("call_{at}"),
                name: name.into(),
                arguments,
                outcome: outcome.parse().expect("a tool outcome"),
                called_by: switchboard_engine::CalledBy::Model,
                result: json!({"status": "ok"}),
                duration: ms(took),
            },
        }
    }

    fn guard(at: u64, decision: &str, detail: &str) -> Entry {
        Entry {
            response_id: None,
            out_of_band: false,
            at: ms(at),
            event: Event::Guard {
                decision: decision.parse().expect("a guard decision"),
                tool: detail.split('`').nth(1).map(str::to_owned),
                detail: detail.into(),
            },
        }
    }

    fn record(agent: &str, outcome: &str, timeline: Vec<Entry>) -> SessionRecord {
        SessionRecord {
            summary: SessionSummary {
                id: "sess_test".into(),
                agent: agent.into(),
                model: "gpt-realtime".into(),
                started_at: SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_514_400),
                ended_at: None,
                outcome: Some(outcome.into()),
                utterances: 0,
                tool_calls: 0,
                escalated: false,
            },
            redaction: Redaction::default(),
            agent_path: None,
            timeline,
        }
    }

    /// Exports `record` for the agent at `agent_path` and loads the result as a scenario.
    fn export(record: &SessionRecord, agent_path: &str) -> (String, crate::Scenario) {
        let absolute = repo(agent_path).canonicalize().unwrap();
        let yaml = scenario_from_record(record, &agent(agent_path), absolute.to_str().unwrap());
        let scenario = crate::from_text(&yaml, &repo("exported.yaml"))
            .unwrap_or_else(|e| panic!("{e}\n{yaml}"));
        (yaml, scenario)
    }

    const NORTHLOOP: &str = "examples/agents/northloop/agent.yaml";

    /// The rehearsal call as a text call records it.
    fn rehearsal() -> Vec<Entry> {
        vec![
            agent_said(
                5,
                "Thanks for calling NorthLoop Internet—how can I help today?",
            ),
            caller(10, "My internet keeps dropping."),
            agent_said(12, "What's the email or phone number on the account?"),
            caller(20, "It's 415 555 0123."),
            agent_said(22, "I have 4-1-5-5-5-5-0-1-2-3. Is that correct?"),
            caller(30, "Yes, that's right."),
            tool(
                31,
                0,
                "lookup_account",
                json!({"email_or_phone": "4155550123"}),
                "ok",
            ),
            agent_said(33, "Found your account, Alex."),
            tool(
                34,
                0,
                "check_outage",
                json!({"address": "12 Harbor Way, Portland"}),
                "ok",
            ),
            agent_said(
                36,
                "There's an outage in your area—would you like me to go ahead?",
            ),
            guard(
                36,
                "confirmation_asked",
                "the model asked before calling `refund_credit`",
            ),
            caller(40, "Yes please."),
            tool(
                41,
                0,
                "refund_credit",
                json!({"account_id": "NL-10482", "minutes": 60}),
                "ok",
            ),
            agent_said(43, "Credit applied. Anything else?"),
            caller(50, "No, that's all, thanks."),
            agent_said(52, "Happy to help. Goodbye."),
            tool(53, 0, "finish_session", json!({}), "ok"),
            agent_said(55, "The rehearsal script has ended."),
        ]
    }

    #[test]
    fn a_text_call_replays_response_by_response() {
        let (yaml, scenario) = export(&record("northloop", "hung_up", rehearsal()), NORTHLOOP);
        let entries = scenario.script.entries();
        let shape: Vec<(Option<&str>, Option<&str>, Vec<&str>)> = entries
            .iter()
            .map(|e| {
                (
                    e.heard.as_deref(),
                    e.say.as_deref(),
                    e.calls.iter().map(|c| c.name.as_str()).collect(),
                )
            })
            .collect();
        assert_eq!(
            shape,
            [
                (
                    None,
                    Some("Thanks for calling NorthLoop Internet—how can I help today?"),
                    vec![]
                ),
                (
                    Some("My internet keeps dropping."),
                    Some("What's the email or phone number on the account?"),
                    vec![]
                ),
                (
                    Some("It's 415 555 0123."),
                    Some("I have 4-1-5-5-5-5-0-1-2-3. Is that correct?"),
                    vec![]
                ),
                (Some("Yes, that's right."), None, vec!["lookup_account"]),
                (
                    None,
                    Some("Found your account, Alex."),
                    vec!["check_outage"]
                ),
                (
                    None,
                    Some("There's an outage in your area—would you like me to go ahead?"),
                    vec![]
                ),
                (Some("Yes please."), None, vec!["refund_credit"]),
                (None, Some("Credit applied. Anything else?"), vec![]),
                (
                    Some("No, that's all, thanks."),
                    Some("Happy to help. Goodbye."),
                    vec!["finish_session"]
                ),
                (None, Some("The rehearsal script has ended."), vec![]),
            ],
            "{yaml}"
        );
        assert_eq!(
            entries[6].calls[0].arguments,
            r#"{"account_id":"NL-10482","minutes":60}"#
        );
        assert_eq!(
            scenario.turns,
            [
                ScenarioTurn::WaitForAgent,
                ScenarioTurn::Say("My internet keeps dropping.".into()),
                ScenarioTurn::Say("It's 415 555 0123.".into()),
                ScenarioTurn::Say("Yes, that's right.".into()),
                ScenarioTurn::Say("Yes please.".into()),
                ScenarioTurn::Say("No, that's all, thanks.".into()),
            ]
        );
        let called = |name: &str, arguments: Value| {
            Expectation::ToolCalled(ToolMatch {
                name: name.into(),
                arguments: arguments.as_object().cloned(),
            })
        };
        assert_eq!(
            scenario.expect,
            [
                called("lookup_account", json!({"email_or_phone": "4155550123"})),
                called(
                    "check_outage",
                    json!({"address": "12 Harbor Way, Portland"})
                ),
                called(
                    "refund_credit",
                    json!({"account_id": "NL-10482", "minutes": 60})
                ),
                Expectation::ToolCalled(ToolMatch {
                    name: "finish_session".into(),
                    arguments: None
                }),
                Expectation::ToolOrder(
                    [
                        "lookup_account",
                        "check_outage",
                        "refund_credit",
                        "finish_session"
                    ]
                    .map(String::from)
                    .to_vec()
                ),
                Expectation::CallEndedBy(Ender::FinishSession),
                Expectation::Escalated(false),
            ]
        );
        assert!(!yaml.contains("Redacted"), "{yaml}");
    }

    #[test]
    fn spoken_lines_go_back_before_the_calls_their_response_made() {
        // Audio: each line is recorded once played out, after the call its response made.
        let timeline = vec![
            caller(1_000, "Yes, that's right."),
            tool(
                1_400,
                0,
                "lookup_account",
                json!({"email_or_phone": "4155550123"}),
                "ok",
            ),
            tool(
                2_300,
                5,
                "check_outage",
                json!({"address": "12 Harbor Way, Portland"}),
                "ok",
            ),
            spoken(
                2_000,
                4_000,
                "Found your account, Alex. Checking for outages.",
            ),
            spoken(4_000, 6_000, "There's an outage in your area."),
        ];
        let (_, scenario) = export(&record("northloop", "caller_left", timeline), NORTHLOOP);
        let shape: Vec<(Option<&str>, Vec<&str>)> = scenario
            .script
            .entries()
            .iter()
            .map(|e| {
                (
                    e.say.as_deref(),
                    e.calls.iter().map(|c| c.name.as_str()).collect(),
                )
            })
            .collect();
        assert_eq!(
            shape,
            [
                (None, vec!["lookup_account"]),
                (
                    Some("Found your account, Alex. Checking for outages."),
                    vec!["check_outage"]
                ),
                (Some("There's an outage in your area."), vec![]),
            ]
        );
        assert!(
            scenario
                .expect
                .contains(&Expectation::CallEndedBy(Ender::Caller))
        );
    }

    #[test]
    fn calls_running_together_are_one_response_and_calls_in_turn_are_two() {
        let timeline = vec![
            caller(0, "Check both."),
            // One response: the second began while the first was still running.
            tool(100, 800, "check_outage", json!({"address": "1 A St"}), "ok"),
            tool(
                105,
                10,
                "lookup_account",
                json!({"email_or_phone": "a@b.co"}),
                "ok",
            ),
            // After both answers, another response calls again.
            tool(
                1_500,
                10,
                "lookup_account",
                json!({"email_or_phone": "c@d.co"}),
                "failed",
            ),
            agent_said(1_600, "Done."),
        ];
        let (_, scenario) = export(&record("northloop", "caller_left", timeline), NORTHLOOP);
        let calls: Vec<usize> = scenario
            .script
            .entries()
            .iter()
            .map(|e| e.calls.len())
            .collect();
        assert_eq!(calls, [2, 1, 0]);
        // A failed call ran, so it is asserted too; both lookups are.
        let lookups = scenario
            .expect
            .iter()
            .filter(|e| matches!(e, Expectation::ToolCalled(m) if m.name == "lookup_account"))
            .count();
        assert_eq!(lookups, 2);
    }

    #[test]
    fn preambles_and_fillers_take_no_entry_and_refused_calls_are_not_asserted() {
        let timeline = vec![
            caller(0, "Is there an outage?"),
            tool(
                10,
                0,
                "schedule_technician",
                json!({"account_id": "x"}),
                "invalid",
            ),
            guard(
                400,
                "preamble_spoken",
                "`check_outage` is still running: “Let me check that for you.”",
            ),
            tool(30, 900, "check_outage", json!({"address": "1 A St"}), "ok"),
            // Heard in part: its first words lost, the rest cut short by the caller.
            Entry {
                out_of_band: true,
                ..spoken(400, 900, "check that")
            },
            agent_said(1_000, "No outage there."),
        ];
        let (yaml, scenario) = export(&record("northloop", "caller_left", timeline), NORTHLOOP);
        let says: Vec<Option<&str>> = scenario
            .script
            .entries()
            .iter()
            .map(|e| e.say.as_deref())
            .collect();
        assert_eq!(says, [None, None, Some("No outage there.")], "{yaml}");
        assert!(
            !scenario
                .expect
                .iter()
                .any(|e| e.label().contains("schedule_technician")),
            "{yaml}"
        );
    }

    #[test]
    fn a_redacted_record_still_loads_and_says_what_was_redacted() {
        let mut redacted = record(
            "northloop",
            "hung_up",
            vec![
                agent_said(0, "Hi: how can I help? # not a comment"),
                caller(10, "It's [phone], and my email is [email]."),
                tool(
                    20,
                    0,
                    "lookup_account",
                    json!({"email_or_phone": "[phone]"}),
                    "invalid",
                ),
                agent_said(30, "true"),
                caller(40, "\"Quoted\"\nand\ttabbed"),
            ],
        );
        redacted.redaction = Redaction::ALL;
        let (yaml, scenario) = export(&redacted, NORTHLOOP);
        assert!(yaml.contains("# Redacted when the call was recorded: phone numbers as [phone], card numbers as [card], emails as [email]."), "{yaml}");
        let entries = scenario.script.entries();
        assert_eq!(
            entries[0].say.as_deref(),
            Some("Hi: how can I help? # not a comment")
        );
        assert_eq!(
            entries[1].heard.as_deref(),
            Some("It's [phone], and my email is [email].")
        );
        assert_eq!(
            entries[1].calls[0].arguments,
            r#"{"email_or_phone":"[phone]"}"#
        );
        assert_eq!(entries[2].say.as_deref(), Some("true"));
        assert_eq!(
            scenario.turns[2],
            ScenarioTurn::Say("\"Quoted\"\nand\ttabbed".into())
        );
        // Hung up without finish_session: no `call_ended_by` to assert.
        assert!(
            !scenario
                .expect
                .iter()
                .any(|e| matches!(e, Expectation::CallEndedBy(_)))
        );
    }

    #[test]
    fn the_supervisor_answers_replay_and_its_tool_is_not_asserted() {
        let answered = Entry {
            response_id: None,
            out_of_band: false,
            at: ms(100),
            event: Event::ToolCall {
                call_id: "call_sup".into(),
                name: "getNextResponseFromSupervisor".into(),
                arguments: json!({}),
                outcome: ToolOutcome::Ok,
                called_by: switchboard_engine::CalledBy::Model,
                result: json!({"status": "ok", "answer": "Your last payment was forty-five dollars and twenty cents."}),
                duration: ms(900),
            },
        };
        let failed = Entry {
            response_id: None,
            out_of_band: false,
            at: ms(3_000),
            event: Event::ToolCall {
                call_id: "call_sup2".into(),
                name: "getNextResponseFromSupervisor".into(),
                arguments: json!({}),
                outcome: ToolOutcome::Timeout,
                called_by: switchboard_engine::CalledBy::Model,
                result: json!({"status": "error", "error": "the supervisor did not answer in time"}),
                duration: ms(8_000),
            },
        };
        let timeline = vec![
            caller(0, "What was my last payment?"),
            guard(
                50,
                "supervisor_filler",
                "the model said nothing while asking: “One moment.”",
            ),
            Entry {
                out_of_band: true,
                ..spoken(60, 600, "One moment.")
            },
            answered,
            spoken(
                1_100,
                3_000,
                "Your last payment was forty-five dollars and twenty cents.",
            ),
            caller(2_900, "And the one before?"),
            failed,
            spoken(11_100, 12_000, "Sorry, that’s taking longer than expected."),
        ];
        let (yaml, scenario) = export(
            &record("supervisor", "caller_left", timeline),
            "examples/agents/supervisor/agent.yaml",
        );
        use switchboard_testkit::SupervisorReply;
        assert_eq!(
            scenario.script.supervisor(),
            [
                SupervisorReply::Say(
                    "Your last payment was forty-five dollars and twenty cents.".into()
                ),
                SupervisorReply::Error("the supervisor did not answer in time".into()),
            ],
            "{yaml}"
        );
        let calls: Vec<Vec<&str>> = scenario
            .script
            .entries()
            .iter()
            .map(|e| e.calls.iter().map(|c| c.name.as_str()).collect())
            .collect();
        assert_eq!(
            calls,
            [
                vec!["getNextResponseFromSupervisor"],
                vec![],
                vec!["getNextResponseFromSupervisor"],
                vec![]
            ]
        );
        assert!(
            yaml.contains("cannot name them: getNextResponseFromSupervisor"),
            "{yaml}"
        );
    }

    #[test]
    fn the_supervisors_own_tool_calls_are_neither_replayed_nor_expected() {
        let mut by_supervisor = tool(
            150,
            40,
            "getUserAccountInfo",
            json!({"phone_number": "4155550123"}),
            "ok",
        );
        if let Event::ToolCall { called_by, .. } = &mut by_supervisor.event {
            *called_by = CalledBy::Supervisor;
        }
        let timeline = vec![
            caller(0, "What was my last payment?"),
            by_supervisor,
            tool(100, 900, "getNextResponseFromSupervisor", json!({}), "ok"),
            spoken(1_100, 3_000, "It was forty-five dollars."),
        ];
        let (yaml, scenario) = export(
            &record("supervisor", "caller_left", timeline),
            "examples/agents/supervisor/agent.yaml",
        );
        assert!(!yaml.contains("getUserAccountInfo"), "{yaml}");
        let calls: Vec<&str> = scenario
            .script
            .entries()
            .iter()
            .flat_map(|e| e.calls.iter().map(|c| c.name.as_str()))
            .collect();
        assert_eq!(calls, ["getNextResponseFromSupervisor"], "{yaml}");
    }

    #[test]
    fn transitions_become_the_states_and_silences_become_silent_turns() {
        let transition = |at: u64, from: &str, to: &str| Entry {
            response_id: None,
            out_of_band: false,
            at: ms(at),
            event: Event::Transition {
                from: from.into(),
                to: to.into(),
            },
        };
        let flow_agent = agent("examples/agents/dynamic-verify-resolve/agent.yaml");
        let flow = flow_agent.dynamic.as_ref().expect("a dynamic flow");
        let next = flow
            .states
            .iter()
            .find(|s| s.id != flow.initial)
            .map(|s| s.id.clone())
            .expect("a second state");
        let timeline = vec![
            agent_said(0, "Hello."),
            guard(6_000, "no_input", "the caller said nothing (1 in a row)"),
            agent_said(6_100, "Are you still there?"),
            caller(7_000, "Yes."),
            tool(
                7_100,
                0,
                "set_conversation_state",
                json!({"next_state": next}),
                "ok",
            ),
            transition(7_100, &flow.initial, &next),
            agent_said(7_200, "Moving on."),
        ];
        let (yaml, scenario) = export(
            &record(&flow_agent.name, "caller_left", timeline),
            "examples/agents/dynamic-verify-resolve/agent.yaml",
        );
        assert!(
            scenario.expect.contains(&Expectation::States(vec![
                flow.initial.clone(),
                next.clone()
            ])),
            "{yaml}"
        );
        assert!(
            matches!(scenario.turns[1], ScenarioTurn::Silence(_)),
            "{yaml}"
        );
    }

    #[test]
    fn scalars_are_plain_only_when_that_reads_back_the_same() {
        for text in [
            "Hello there.",
            "It's 4-1-5, right?",
            "Café au lait",
            "../agent.yaml",
            "/a b/agent.yaml",
        ] {
            assert_eq!(scalar(text), text);
        }
        for text in [
            "", "yes", "No", "42", "-1", "a: b", "a #b", "end:", " lead", "[x]", "{x}", "*x", "&x",
            "!x", "|", ">", "'q'", "\"q\"", "%x", "@x", "`x", "a\nb",
        ] {
            assert!(scalar(text).starts_with('"'), "{text:?} → {}", scalar(text));
        }
        assert_eq!(
            flow(&json!({"a": [1, "x, y"], "b": {"c": null}})),
            r#"{"a": [1, "x, y"], "b": {"c": null}}"#
        );
    }
}
