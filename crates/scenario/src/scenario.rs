//! Scenario files: the agent, the model's script, the caller's turns and the expectations.
//!
//! Read through the agent crate's YAML/JSON parser, so every problem (an unknown key, a wrong
//! type, a turn kind this version cannot play) is reported at `file:line:column`.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{Map, Value};
use switchboard_agent::model::{Behaviour, DynamicFlow};
use switchboard_agent::{AgentFile, Document, Span, parse_document};
use switchboard_engine::{GuardDecision, ToolOutcome};
use switchboard_testkit::Script;

use crate::check::LANGUAGES;
use crate::tool_server::ToolServer;
use crate::voice::{self, WavClip};

/// How long one caller turn may wait for the agent's reply, unless the file says otherwise.
pub const DEFAULT_TURN_TIMEOUT: Duration = Duration::from_secs(15);

/// A scenario, loaded and checked.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// The scenario file.
    pub path: PathBuf,
    /// Its `name`.
    pub name: String,
    /// The agent file it runs.
    pub agent_path: PathBuf,
    /// The agent, loaded.
    pub agent: AgentFile,
    /// The model's side: the emulator's script.
    pub script: Script,
    /// The caller's turns, in order.
    pub turns: Vec<Turn>,
    /// What must hold once the call is over.
    pub expect: Vec<Expectation>,
    /// How long each turn may wait for the agent's reply.
    pub turn_timeout: Duration,
    /// The latency budget of every audio turn without its own (`latency_budget_ms`).
    pub latency_budget: Option<Duration>,
    /// The tool server that answers the agent's fixture tools instead, as the fixtures would
    /// (`switchboard test --tool-server`): set by whoever runs the scenario, like a variant's
    /// agent or script, never by the file. `None`: the fixtures answer.
    pub tool_server: Option<ToolServer>,
}

/// One step of the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Turn {
    /// Ask for a response without saying anything (the agent's greeting).
    WaitForAgent,
    /// Say this, as text.
    Say(String),
    /// Send audio (speech, a WAV file, noise), after the agent's reply or over it.
    Audio(AudioTurn),
    /// Say nothing for this long (silence is sent): the model's idle timeout may fire.
    Silence(Duration),
}

impl Turn {
    /// The latency budget for this turn: its own, else the scenario's; only audio turns have
    /// one (their speech has an end to measure from).
    pub fn budget(&self, scenario_budget: Option<Duration>) -> Option<Duration> {
        match self {
            Turn::Audio(audio) => audio.budget.or(scenario_budget),
            _ => None,
        }
    }

    /// A short description for messages, e.g. `speak "Yes please."`.
    pub fn describe(&self) -> String {
        match self {
            Turn::WaitForAgent => "the greeting".to_owned(),
            Turn::Say(text) => format!("{text:?}"),
            Turn::Silence(d) => format!("silence {} ms", d.as_millis()),
            Turn::Audio(audio) => {
                let sound = match &audio.sound {
                    Sound::Speak(text) => format!("speak {text:?}"),
                    Sound::Wav(clip) => format!("wav {}", clip.path.display()),
                    Sound::Noise(d) => format!("noise {} ms", d.as_millis()),
                };
                match audio.barge_in_after {
                    Some(after) => format!("barge-in after {} ms, {sound}", after.as_millis()),
                    None => sound,
                }
            }
        }
    }
}

/// A caller turn made of audio.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AudioTurn {
    /// What the caller sends.
    pub sound: Sound,
    /// `Some`: a barge-in, starting this long after the first audio of the agent's reply to
    /// the turn before. `None`: once that reply has played out.
    pub barge_in_after: Option<Duration>,
    /// This turn's latency budget (speech end to the agent's first audio), over the
    /// scenario's `latency_budget_ms`.
    pub budget: Option<Duration>,
}

/// The audio of a caller turn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sound {
    /// Speech synthesised from this text with espeak-ng when the scenario runs; the emulator
    /// is told the text as the transcript.
    Speak(String),
    /// A WAV file.
    Wav(WavClip),
    /// Loud noise for this long, which server VAD takes for speech but which has no words:
    /// the emulator reports an empty transcript.
    Noise(Duration),
}

/// What a call to a tool must look like.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolMatch {
    /// The tool.
    pub name: String,
    /// Arguments that must be present with these values (a subset, normalised); `None`
    /// matches any arguments.
    pub arguments: Option<Map<String, Value>>,
}

/// How the call must have ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ender {
    /// The gateway hung up after the model called `finish_session`.
    FinishSession,
    /// The caller (the scenario runner) hung up.
    Caller,
}

/// One assertion about the finished call.
#[derive(Debug, Clone, PartialEq)]
pub enum Expectation {
    /// A call matching this ran.
    ToolCalled(ToolMatch),
    /// No call matching this ran.
    ToolNotCalled(ToolMatch),
    /// These tools ran in this order (other calls may come between).
    ToolOrder(Vec<String>),
    /// Each run of this tool was preceded by a confirmation question and the caller's answer.
    ConfirmedBefore(String),
    /// Something said in the call contains this text.
    TranscriptContains(String),
    /// Nothing said in the call contains this text.
    TranscriptNotContains(String),
    /// The call ended this way.
    CallEndedBy(Ender),
    /// The call was (or was not) handed to a person.
    Escalated(bool),
    /// The agent never said the same sentence twice.
    NoRepeatedSentence,
    /// The dynamic flow reached this state (it started there, or a transition led to it).
    StateReached(String),
    /// The dynamic flow went through exactly these states, the initial one first.
    States(Vec<String>),
    /// Every transition the flow took, and every one the model asked for, is an edge of the
    /// agent file's flow.
    OnlyAllowedTransitions,
    /// Each run of this preamble tool (`None`: of every preamble tool of the agent) came with
    /// something the agent said before or with the call.
    PreambleSpoken(Option<String>),
    /// No two consecutive agent turns open with the same words (the variety rule).
    NoIdenticalOpener,
    /// Every agent line of a few words or more is in this language (its English name, e.g.
    /// `English`).
    Language(String),
    /// Before each run of `tool`, the agent read the value of its `argument` back one
    /// character at a time.
    ReadbackOf {
        /// The tool.
        tool: String,
        /// Its argument holding the captured value.
        argument: String,
    },
    /// The agent read this value back one character at a time.
    ReadbackValue(String),
    /// Every turn with unclear audio got a short clarifying question, and no tool call or state
    /// change.
    ClarifiesUnclearAudio,
    /// The call was escalated once this count was reached, and not before.
    EscalatedAfter(Threshold),
    /// A call of this tool (with these arguments) ended with this outcome, as recorded
    /// (`held_for_confirmation`, `refused`, `ok`, …): for calls a guard stopped.
    ToolOutcome {
        /// The tool, and the arguments the call must have had (a subset).
        call: ToolMatch,
        /// How it ended.
        outcome: ToolOutcome,
    },
    /// Exactly this many runs of the tool matched (ran: outcome `ok`, `failed`, `timeout` or
    /// `passed_through`).
    ToolRuns {
        /// The tool, and the arguments a run must have had (a subset).
        call: ToolMatch,
        /// How many runs.
        count: u32,
    },
    /// A guard decision of this kind was recorded, with a detail containing this text.
    GuardRecorded {
        /// Which guard decision.
        decision: GuardDecision,
        /// Text its detail must contain (compared as transcripts are), if any.
        detail: Option<String>,
    },
    /// The inner assertion does not hold: the check catches a misbehaviour of the model that
    /// the engine cannot prevent (a French reply, a repeated sentence, a grouped readback).
    MustFail {
        /// The assertion that must fail.
        assertion: Box<Expectation>,
        /// Text its failure message must contain (compared as transcripts are), if any: it
        /// failed for this reason and not another.
        because: Option<String>,
    },
}

/// What an escalation must follow: N consecutive events of one kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Threshold {
    /// N consecutive failed attempts with one tool (outcome `failed`, `timeout`, `invalid` or
    /// `refused`; a success of that tool starts the count again), as the engine counts them
    /// for `failed_tool_attempts`.
    Failures(u32),
    /// N consecutive turns in which the caller said nothing (`no_input`).
    NoInput(u32),
    /// N consecutive turns whose audio could not be understood (`no_match`).
    NoMatch(u32),
}

impl Expectation {
    /// A short label for reports, e.g. `tool_called: lookup_account`.
    pub fn label(&self) -> String {
        match self {
            Expectation::ToolCalled(m) => format!("tool_called: {}", tool_match_label(m)),
            Expectation::ToolNotCalled(m) => format!("tool_not_called: {}", tool_match_label(m)),
            Expectation::ToolOrder(names) => format!("tool_order: [{}]", names.join(", ")),
            Expectation::ConfirmedBefore(name) => format!("confirmed_before: {name}"),
            Expectation::TranscriptContains(t) => format!("transcript_contains: {t:?}"),
            Expectation::TranscriptNotContains(t) => format!("transcript_not_contains: {t:?}"),
            Expectation::CallEndedBy(Ender::FinishSession) => {
                "call_ended_by: finish_session".to_owned()
            }
            Expectation::CallEndedBy(Ender::Caller) => "call_ended_by: caller".to_owned(),
            Expectation::Escalated(b) => format!("escalated: {b}"),
            Expectation::NoRepeatedSentence => "no_repeated_sentence: true".to_owned(),
            Expectation::StateReached(state) => format!("state_reached: {state}"),
            Expectation::States(states) => format!("states: [{}]", states.join(", ")),
            Expectation::OnlyAllowedTransitions => "only_allowed_transitions: true".to_owned(),
            Expectation::PreambleSpoken(Some(tool)) => format!("preamble_spoken: {tool}"),
            Expectation::PreambleSpoken(None) => "preamble_spoken: true".to_owned(),
            Expectation::NoIdenticalOpener => "no_identical_opener: true".to_owned(),
            Expectation::Language(name) => format!("language: {name}"),
            Expectation::ReadbackOf { tool, argument } => {
                format!("readback: {{tool: {tool}, argument: {argument}}}")
            }
            Expectation::ReadbackValue(value) => format!("readback: {value:?}"),
            Expectation::ClarifiesUnclearAudio => "clarifies_unclear_audio: true".to_owned(),
            Expectation::EscalatedAfter(Threshold::Failures(n)) => {
                format!("escalated_after: {{failures: {n}}}")
            }
            Expectation::EscalatedAfter(Threshold::NoInput(n)) => {
                format!("escalated_after: {{no_input: {n}}}")
            }
            Expectation::EscalatedAfter(Threshold::NoMatch(n)) => {
                format!("escalated_after: {{no_match: {n}}}")
            }
            Expectation::ToolOutcome { call, outcome } => {
                format!("tool_outcome: {} → {outcome}", tool_match_label(call))
            }
            Expectation::ToolRuns { call, count } => {
                format!("tool_runs: {} × {count}", tool_match_label(call))
            }
            Expectation::GuardRecorded {
                decision,
                detail: None,
            } => format!("guard_recorded: {decision}"),
            Expectation::GuardRecorded {
                decision,
                detail: Some(detail),
            } => format!("guard_recorded: {decision} {detail:?}"),
            Expectation::MustFail {
                assertion,
                because: None,
            } => format!("must_fail: {}", assertion.label()),
            Expectation::MustFail {
                assertion,
                because: Some(because),
            } => format!("must_fail: {} because {because:?}", assertion.label()),
        }
    }
}

fn tool_match_label(m: &ToolMatch) -> String {
    match &m.arguments {
        Some(args) => format!("{} {}", m.name, Value::Object(args.clone())),
        None => m.name.clone(),
    }
}

/// A scenario file that could not be loaded, at `file:line:column` when the place is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioError {
    /// The file at fault (the scenario, or the agent or script it names).
    pub file: String,
    /// 1-based line and column, when known.
    pub place: Option<(usize, usize)>,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.place {
            Some((line, column)) => write!(f, "{}:{line}:{column}: {}", self.file, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

impl std::error::Error for ScenarioError {}

/// The keys that make a caller turn, each with the options it takes.
const TURN_KINDS: &[(&str, &[&str])] = &[
    ("say", &[]),
    ("wait_for_agent", &[]),
    ("speak", &["budget_ms"]),
    ("wav", &["heard", "budget_ms"]),
    ("silence", &[]),
    ("noise", &["budget_ms"]),
    ("barge_in", &["budget_ms"]),
];

/// Keys that modify a turn.
const TURN_OPTIONS: &[&str] = &["heard", "budget_ms"];

/// Names other tools give caller turns, refused with the key this format uses.
const UNSUPPORTED_TURNS: &[(&str, &str)] = &[
    ("speech", "speak"),
    ("tts", "speak"),
    ("audio", "wav"),
    ("text", "say"),
    ("interrupt", "barge_in"),
];

/// Longest silence or noise a turn may hold (10 minutes): anything longer is a typo.
const MAX_SOUND_MS: u64 = 600_000;

/// Reads and loads a scenario file.
///
/// # Errors
/// A [`ScenarioError`] at the place of the first problem: in the scenario, or in the agent
/// file or script file it names.
pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| ScenarioError {
        file: file.clone(),
        place: None,
        message: format!("cannot read: {e}"),
    })?;
    from_text(&text, path)
}

/// Loads a scenario from its text; `path` places it (relative paths inside are resolved from
/// its directory) and names it in errors.
///
/// # Errors
/// A [`ScenarioError`] at the place of the first problem.
pub fn from_text(text: &str, path: &Path) -> Result<Scenario, ScenarioError> {
    let file = path.display().to_string();
    let document = parse_document(text).map_err(|d| ScenarioError {
        file: file.clone(),
        place: d.span.map(|s| (s.line, s.column)),
        message: d.message.clone(),
    })?;
    let p = Parser {
        file: &file,
        doc: &document,
    };
    let top = p.object("", &document.value)?;
    p.only_keys(
        "",
        top,
        &[
            "name",
            "agent",
            "model",
            "caller",
            "expect",
            "turn_timeout_ms",
            "latency_budget_ms",
        ],
    )?;
    let name = p.string("name", p.required("", top, "name")?)?.to_owned();
    let dir = path.parent().unwrap_or(Path::new("."));
    let agent_rel = p.string("agent", p.required("", top, "agent")?)?;
    let agent_path = dir.join(agent_rel);
    let agent = load_agent(&agent_path)?;
    let script = p.model(dir, p.required("", top, "model")?)?;
    let turns = p.turns(dir, p.required("", top, "caller")?)?;
    let latency_budget = match top.get("latency_budget_ms") {
        Some(v) => Some(p.millis("latency_budget_ms", v, 1..=u64::MAX)?),
        None => None,
    };
    let expect = match top.get("expect") {
        Some(v) => p.expectations(v, &agent)?,
        None => Vec::new(),
    };
    let turn_timeout = match top.get("turn_timeout_ms") {
        Some(v) => match v.as_u64() {
            Some(ms) if ms > 0 => Duration::from_millis(ms),
            _ => {
                return Err(p.error(
                    "turn_timeout_ms",
                    "`turn_timeout_ms` must be a positive whole number of milliseconds",
                ));
            }
        },
        None => DEFAULT_TURN_TIMEOUT,
    };
    Ok(Scenario {
        path: path.to_owned(),
        name,
        agent_path,
        agent,
        script,
        turns,
        expect,
        turn_timeout,
        latency_budget,
        tool_server: None,
    })
}

fn load_agent(path: &Path) -> Result<AgentFile, ScenarioError> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| ScenarioError {
        file: file.clone(),
        place: None,
        message: format!("cannot read the agent file: {e}"),
    })?;
    match switchboard_agent::load(&text) {
        Ok(loaded) => Ok(loaded.agent),
        Err(diagnostics) => {
            let first = diagnostics.first();
            Err(ScenarioError {
                file,
                place: first.and_then(|d| d.span).map(|s| (s.line, s.column)),
                message: first.map_or_else(
                    || "the agent file does not load".to_owned(),
                    |d| format!("the agent file does not load: {}", d.message),
                ),
            })
        }
    }
}

struct Parser<'a> {
    file: &'a str,
    doc: &'a Document,
}

fn join(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_owned()
    } else {
        format!("{parent}.{key}")
    }
}

fn place(path: &str) -> String {
    if path.is_empty() {
        "the top level".to_owned()
    } else {
        format!("`{path}`")
    }
}

/// Every assertion key, for the message about an unknown one.
const ASSERTIONS: &[&str] = &[
    "tool_called",
    "tool_not_called",
    "tool_order",
    "confirmed_before",
    "transcript_contains",
    "transcript_not_contains",
    "call_ended_by",
    "escalated",
    "no_repeated_sentence",
    "state_reached",
    "states",
    "only_allowed_transitions",
    "preamble_spoken",
    "no_identical_opener",
    "language",
    "readback",
    "clarifies_unclear_audio",
    "escalated_after",
    "tool_outcome",
    "tool_runs",
    "guard_recorded",
    "must_fail",
];

/// Tools every agent has, besides its own.
const COMMON_TOOLS: &[&str] = &[
    "answer",
    "escalate_to_human",
    "finish_session",
    "set_conversation_state",
];

impl Parser<'_> {
    fn error_at(&self, span: Option<Span>, message: impl Into<String>) -> ScenarioError {
        ScenarioError {
            file: self.file.to_owned(),
            place: span.map(|s| (s.line, s.column)),
            message: message.into(),
        }
    }

    fn error(&self, path: &str, message: impl Into<String>) -> ScenarioError {
        self.error_at(self.doc.span_of(path), message)
    }

    fn object<'v>(
        &self,
        path: &str,
        value: &'v Value,
    ) -> Result<&'v Map<String, Value>, ScenarioError> {
        value
            .as_object()
            .ok_or_else(|| self.error(path, format!("{} must be a mapping", place(path))))
    }

    fn only_keys(
        &self,
        path: &str,
        object: &Map<String, Value>,
        allowed: &[&str],
    ) -> Result<(), ScenarioError> {
        for key in object.keys() {
            if !allowed.contains(&key.as_str()) {
                return Err(self.error_at(
                    self.doc.key_span_of(&join(path, key)),
                    format!(
                        "unknown key `{key}` in {}; expected one of: {}",
                        place(path),
                        allowed.join(", ")
                    ),
                ));
            }
        }
        Ok(())
    }

    fn required<'v>(
        &self,
        path: &str,
        object: &'v Map<String, Value>,
        key: &str,
    ) -> Result<&'v Value, ScenarioError> {
        object.get(key).ok_or_else(|| {
            self.error(
                path,
                format!("missing required key `{key}` in {}", place(path)),
            )
        })
    }

    fn string<'v>(&self, path: &str, value: &'v Value) -> Result<&'v str, ScenarioError> {
        match value.as_str() {
            Some(s) if !s.trim().is_empty() => Ok(s),
            _ => Err(self.error(path, format!("{} must be a non-empty string", place(path)))),
        }
    }

    fn boolean(&self, path: &str, value: &Value) -> Result<bool, ScenarioError> {
        value
            .as_bool()
            .ok_or_else(|| self.error(path, format!("{} must be true or false", place(path))))
    }

    fn array<'v>(&self, path: &str, value: &'v Value) -> Result<&'v Vec<Value>, ScenarioError> {
        value
            .as_array()
            .ok_or_else(|| self.error(path, format!("{} must be a list", place(path))))
    }

    /// The one key of a single-key mapping, e.g. `- say: …`.
    fn single<'v>(
        &self,
        path: &str,
        value: &'v Value,
    ) -> Result<(&'v str, &'v Value), ScenarioError> {
        let object = self.object(path, value)?;
        let mut keys = object.iter();
        match (keys.next(), keys.next()) {
            (Some((k, v)), None) => Ok((k.as_str(), v)),
            (None, _) => Err(self.error(path, format!("{} is empty", place(path)))),
            (Some(_), Some((second, _))) => Err(self.error_at(
                self.doc.key_span_of(&join(path, second)),
                format!(
                    "{} must have exactly one key; `{second}` is a second one",
                    place(path)
                ),
            )),
        }
    }

    fn model(&self, dir: &Path, value: &Value) -> Result<Script, ScenarioError> {
        let object = self.object("model", value)?;
        if let Some(script) = object.get("script") {
            self.only_keys("model", object, &["script"])?;
            let rel = self.string("model.script", script)?;
            let path = dir.join(rel);
            return Script::load(&path).map_err(|e| ScenarioError {
                file: path.display().to_string(),
                place: e.line().zip(e.column()),
                message: e.message().to_owned(),
            });
        }
        // An inline script: the same keys as a script file.
        let text =
            serde_json::to_string_pretty(value).map_err(|e| self.error("model", e.to_string()))?;
        Script::from_text(&text, self.file).map_err(|e| {
            let inner = e.message().to_owned();
            // The script's message names the path (`responses[1]`): place it there.
            let terms: Vec<&str> = inner.split('`').skip(1).step_by(2).collect();
            let path = match terms.as_slice() {
                [key, container, ..] if inner.starts_with("unknown key") => {
                    join(&join("model", container), key)
                }
                [first, ..] => join("model", first),
                [] => "model".to_owned(),
            };
            let span = self.doc.key_span_of(&path);
            self.error_at(span, format!("in the inline script under `model`: {inner}"))
        })
    }

    fn turns(&self, dir: &Path, value: &Value) -> Result<Vec<Turn>, ScenarioError> {
        let mut turns = Vec::new();
        for (i, item) in self.array("caller", value)?.iter().enumerate() {
            let path = format!("caller[{i}]");
            let turn = self.turn(dir, &path, item)?;
            if turns.is_empty()
                && matches!(
                    &turn,
                    Turn::Audio(AudioTurn {
                        barge_in_after: Some(_),
                        ..
                    })
                )
            {
                return Err(self.error_at(
                    self.doc.key_span_of(&join(&path, "barge_in")),
                    "a `barge_in` turn interrupts the reply to the turn before it; it cannot \
                     be the first turn",
                ));
            }
            turns.push(turn);
        }
        if turns.is_empty() {
            return Err(self.error("caller", "`caller` needs at least one turn"));
        }
        Ok(turns)
    }

    /// One caller turn: a mapping with one turn key and the options that kind takes.
    fn turn(&self, dir: &Path, path: &str, item: &Value) -> Result<Turn, ScenarioError> {
        let object = self.object(path, item)?;
        let kind_names: Vec<&str> = TURN_KINDS.iter().map(|(k, _)| *k).collect();
        for key in object.keys() {
            if kind_names.contains(&key.as_str()) || TURN_OPTIONS.contains(&key.as_str()) {
                continue;
            }
            let hint = UNSUPPORTED_TURNS
                .iter()
                .find(|(other, _)| other == key)
                .map_or_else(String::new, |(_, ours)| {
                    format!(" (did you mean `{ours}`?)")
                });
            return Err(self.error_at(
                self.doc.key_span_of(&join(path, key)),
                format!(
                    "unknown key `{key}` in `{path}`{hint}; a turn is one of: {}, with the \
                     options {}",
                    kind_names.join(", "),
                    TURN_OPTIONS.join(", ")
                ),
            ));
        }
        let kinds: Vec<&str> = object
            .keys()
            .map(String::as_str)
            .filter(|k| kind_names.contains(k))
            .collect();
        let kind = match kinds.as_slice() {
            [kind] => *kind,
            [] => {
                return Err(self.error(
                    path,
                    format!(
                        "`{path}` is not a turn: it needs one of {}",
                        kind_names.join(", ")
                    ),
                ));
            }
            [first, second, ..] => {
                return Err(self.error_at(
                    self.doc.key_span_of(&join(path, second)),
                    format!(
                        "`{path}` has two turn keys, `{first}` and `{second}`; write each turn \
                         as its own list item"
                    ),
                ));
            }
        };
        let options = TURN_KINDS
            .iter()
            .find(|(k, _)| *k == kind)
            .map_or(&[][..], |(_, o)| *o);
        for key in object.keys().filter(|k| k.as_str() != kind) {
            if !options.contains(&key.as_str()) {
                let takes = if options.is_empty() {
                    "it takes no other keys".to_owned()
                } else {
                    format!("it takes: {}", options.join(", "))
                };
                return Err(self.error_at(
                    self.doc.key_span_of(&join(path, key)),
                    format!("`{key}` does not apply to a `{kind}` turn; {takes}"),
                ));
            }
        }
        let at = join(path, kind);
        let value = &object[kind];
        let budget = match object.get("budget_ms") {
            Some(v) => Some(self.millis(&join(path, "budget_ms"), v, 1..=u64::MAX)?),
            None => None,
        };
        let audio = |sound: Sound| {
            Turn::Audio(AudioTurn {
                sound,
                barge_in_after: None,
                budget,
            })
        };
        Ok(match kind {
            "say" => Turn::Say(self.string(&at, value)?.to_owned()),
            "wait_for_agent" => {
                if !self.boolean(&at, value)? {
                    return Err(
                        self.error(&at, "`wait_for_agent: false` does nothing; remove the turn")
                    );
                }
                Turn::WaitForAgent
            }
            "silence" => Turn::Silence(self.millis(&at, value, 1..=MAX_SOUND_MS)?),
            "barge_in" => Turn::Audio(self.barge_in(dir, &at, value, budget)?),
            _ => audio(self.sound(dir, path, kind, object)?),
        })
    }

    /// The sound of a `speak`, `wav` or `noise` key of the mapping at `path` (a turn, or a
    /// turn's `barge_in`), with the `heard` that may go with a `wav`.
    fn sound(
        &self,
        dir: &Path,
        path: &str,
        kind: &str,
        object: &Map<String, Value>,
    ) -> Result<Sound, ScenarioError> {
        let at = join(path, kind);
        let value = &object[kind];
        if kind != "wav" && object.contains_key("heard") {
            return Err(self.error_at(
                self.doc.key_span_of(&join(path, "heard")),
                format!(
                    "`heard` goes with `wav` only (a `{kind}` turn's transcript is {})",
                    if kind == "speak" {
                        "its text"
                    } else {
                        "always empty"
                    }
                ),
            ));
        }
        Ok(match kind {
            "speak" => Sound::Speak(self.string(&at, value)?.to_owned()),
            "noise" => Sound::Noise(self.millis(&at, value, 1..=MAX_SOUND_MS)?),
            _ => {
                let rel = self.string(&at, value)?;
                let heard = match object.get("heard") {
                    Some(h) => Some(
                        h.as_str()
                            .ok_or_else(|| {
                                self.error(
                                    &join(path, "heard"),
                                    format!(
                                        "`{}` must be text: the words said in the WAV file",
                                        join(path, "heard")
                                    ),
                                )
                            })?
                            .to_owned(),
                    ),
                    None => None,
                };
                let file = dir.join(rel);
                let samples = voice::read_wav(&file)
                    .map_err(|why| self.error(&at, format!("`{rel}`: {why}")))?;
                Sound::Wav(WavClip {
                    path: file,
                    heard,
                    samples: samples.into(),
                })
            }
        })
    }

    /// `barge_in: {after_ms: N, speak | wav (+ heard) | noise: …}`.
    fn barge_in(
        &self,
        dir: &Path,
        at: &str,
        value: &Value,
        budget: Option<Duration>,
    ) -> Result<AudioTurn, ScenarioError> {
        let object = self.object(at, value)?;
        self.only_keys(at, object, &["after_ms", "speak", "wav", "heard", "noise"])?;
        let after = self.millis(
            &join(at, "after_ms"),
            self.required(at, object, "after_ms")?,
            0..=MAX_SOUND_MS,
        )?;
        let sounds: Vec<&str> = ["speak", "wav", "noise"]
            .into_iter()
            .filter(|k| object.contains_key(*k))
            .collect();
        let kind = match sounds.as_slice() {
            [kind] => *kind,
            [] => {
                return Err(self.error(
                    at,
                    format!("`{at}` needs what the caller says: `speak`, `wav` or `noise`"),
                ));
            }
            [first, second, ..] => {
                return Err(self.error_at(
                    self.doc.key_span_of(&join(at, second)),
                    format!("`{at}` has both `{first}` and `{second}`; it takes one"),
                ));
            }
        };
        Ok(AudioTurn {
            sound: self.sound(dir, at, kind, object)?,
            barge_in_after: Some(after),
            budget,
        })
    }

    /// A whole number of milliseconds within `range`.
    fn millis(
        &self,
        path: &str,
        value: &Value,
        range: std::ops::RangeInclusive<u64>,
    ) -> Result<Duration, ScenarioError> {
        match value.as_u64() {
            Some(ms) if range.contains(&ms) => Ok(Duration::from_millis(ms)),
            _ => {
                let what = match (*range.start(), *range.end()) {
                    (0, u64::MAX) => "a whole number of milliseconds".to_owned(),
                    (1, u64::MAX) => "a positive whole number of milliseconds".to_owned(),
                    (lo, hi) => format!("a whole number of milliseconds from {lo} to {hi}"),
                };
                Err(self.error(path, format!("`{path}` must be {what}")))
            }
        }
    }

    fn tool_name(
        &self,
        path: &str,
        value: &Value,
        agent: &AgentFile,
    ) -> Result<String, ScenarioError> {
        let name = self.string(path, value)?;
        let supervisor_tool = agent.supervisor.as_ref().map(|s| s.tool_name.as_str());
        if agent.tools.iter().any(|t| t.name == name)
            || COMMON_TOOLS.contains(&name)
            || supervisor_tool == Some(name)
        {
            Ok(name.to_owned())
        } else {
            let known: Vec<&str> = agent
                .tools
                .iter()
                .map(|t| t.name.as_str())
                .chain(supervisor_tool)
                .collect();
            Err(self.error(
                path,
                format!(
                    "the agent has no tool `{name}`; its tools: {}, and the common tools {}",
                    known.join(", "),
                    COMMON_TOOLS.join(", ")
                ),
            ))
        }
    }

    fn tool_match(
        &self,
        path: &str,
        value: &Value,
        agent: &AgentFile,
    ) -> Result<ToolMatch, ScenarioError> {
        if value.is_string() {
            return Ok(ToolMatch {
                name: self.tool_name(path, value, agent)?,
                arguments: None,
            });
        }
        let object = self.object(path, value)?;
        self.only_keys(path, object, &["name", "arguments"])?;
        let name = self.tool_name(
            &join(path, "name"),
            self.required(path, object, "name")?,
            agent,
        )?;
        let arguments = match object.get("arguments") {
            Some(args) => Some(self.object(&join(path, "arguments"), args)?.clone()),
            None => None,
        };
        Ok(ToolMatch { name, arguments })
    }

    fn expectations(
        &self,
        value: &Value,
        agent: &AgentFile,
    ) -> Result<Vec<Expectation>, ScenarioError> {
        let mut out = Vec::new();
        for (i, item) in self.array("expect", value)?.iter().enumerate() {
            let path = format!("expect[{i}]");
            let (key, v) = self.single(&path, item)?;
            out.push(self.assertion(&path, key, v, agent)?);
        }
        Ok(out)
    }

    /// The assertion `key: v` at `path` (the mapping holding it).
    fn assertion(
        &self,
        path: &str,
        key: &str,
        v: &Value,
        agent: &AgentFile,
    ) -> Result<Expectation, ScenarioError> {
        let at = join(path, key);
        Ok(match key {
            "tool_called" => Expectation::ToolCalled(self.tool_match(&at, v, agent)?),
            "tool_not_called" => Expectation::ToolNotCalled(self.tool_match(&at, v, agent)?),
            "tool_order" => {
                let names = self.array(&at, v)?;
                if names.len() < 2 {
                    return Err(self.error(&at, "`tool_order` needs at least two tools"));
                }
                let names = names
                    .iter()
                    .enumerate()
                    .map(|(j, n)| self.tool_name(&format!("{at}[{j}]"), n, agent))
                    .collect::<Result<_, _>>()?;
                Expectation::ToolOrder(names)
            }
            "confirmed_before" => Expectation::ConfirmedBefore(self.tool_name(&at, v, agent)?),
            "transcript_contains" => {
                Expectation::TranscriptContains(self.string(&at, v)?.to_owned())
            }
            "transcript_not_contains" => {
                Expectation::TranscriptNotContains(self.string(&at, v)?.to_owned())
            }
            "call_ended_by" => match self.string(&at, v)? {
                "finish_session" => Expectation::CallEndedBy(Ender::FinishSession),
                "caller" => Expectation::CallEndedBy(Ender::Caller),
                other => {
                    return Err(self.error(
                        &at,
                        format!("`call_ended_by` is `finish_session` or `caller`, not `{other}`"),
                    ));
                }
            },
            "escalated" => Expectation::Escalated(self.boolean(&at, v)?),
            "no_repeated_sentence" => {
                self.flag(&at, key, v)?;
                Expectation::NoRepeatedSentence
            }
            "state_reached" => Expectation::StateReached(self.state_name(&at, key, v, agent)?),
            "states" => {
                let names = self.array(&at, v)?;
                if names.is_empty() {
                    return Err(self.error(&at, "`states` needs at least one state"));
                }
                let names = names
                    .iter()
                    .enumerate()
                    .map(|(j, n)| self.state_name(&format!("{at}[{j}]"), key, n, agent))
                    .collect::<Result<_, _>>()?;
                Expectation::States(names)
            }
            "only_allowed_transitions" => {
                self.flag(&at, key, v)?;
                self.flow_of(&at, key, agent)?;
                Expectation::OnlyAllowedTransitions
            }
            "preamble_spoken" => Expectation::PreambleSpoken(self.preamble_tool(&at, v, agent)?),
            "no_identical_opener" => {
                self.flag(&at, key, v)?;
                Expectation::NoIdenticalOpener
            }
            "language" => Expectation::Language(self.language(&at, v)?),
            "readback" => self.readback(&at, v, agent)?,
            "clarifies_unclear_audio" => {
                self.flag(&at, key, v)?;
                Expectation::ClarifiesUnclearAudio
            }
            "escalated_after" => Expectation::EscalatedAfter(self.threshold(&at, v)?),
            "tool_outcome" => self.tool_outcome(&at, v, agent)?,
            "tool_runs" => self.tool_runs(&at, v, agent)?,
            "guard_recorded" => self.guard_recorded(&at, v)?,
            "must_fail" => self.must_fail(&at, v, agent)?,
            k => {
                return Err(self.error_at(
                    self.doc.key_span_of(&at),
                    format!(
                        "unknown assertion `{k}` in `{path}`; expected one of: {}",
                        ASSERTIONS.join(", ")
                    ),
                ));
            }
        })
    }

    /// `{name, arguments?, <key>: …}`: the call part of `tool_outcome` and `tool_runs`, whose
    /// own key is `key`.
    fn call_with(
        &self,
        path: &str,
        value: &Value,
        key: &str,
        agent: &AgentFile,
    ) -> Result<(ToolMatch, Value), ScenarioError> {
        let object = self.object(path, value)?;
        self.only_keys(path, object, &["name", "arguments", key])?;
        let own = self.required(path, object, key)?.clone();
        let mut call = object.clone();
        call.remove(key);
        Ok((self.tool_match(path, &Value::Object(call), agent)?, own))
    }

    /// `tool_outcome: {name: NAME, arguments: {…}, outcome: OUTCOME}`.
    fn tool_outcome(
        &self,
        path: &str,
        value: &Value,
        agent: &AgentFile,
    ) -> Result<Expectation, ScenarioError> {
        let (call, outcome) = self.call_with(path, value, "outcome", agent)?;
        let at = join(path, "outcome");
        let outcome = self.string(&at, &outcome)?;
        let Ok(outcome) = outcome.parse() else {
            let known: Vec<&str> = ToolOutcome::ALL.iter().map(|o| o.as_str()).collect();
            return Err(self.error(
                &at,
                format!(
                    "`{outcome}` is not a tool call outcome; expected one of: {}",
                    known.join(", ")
                ),
            ));
        };
        Ok(Expectation::ToolOutcome { call, outcome })
    }

    /// `tool_runs: {name: NAME, arguments: {…}, count: N}`.
    fn tool_runs(
        &self,
        path: &str,
        value: &Value,
        agent: &AgentFile,
    ) -> Result<Expectation, ScenarioError> {
        let (call, count) = self.call_with(path, value, "count", agent)?;
        match count.as_u64().and_then(|n| u32::try_from(n).ok()) {
            Some(count) => Ok(Expectation::ToolRuns { call, count }),
            None => Err(self.error(
                &join(path, "count"),
                "`count` must be a whole number (0 or more)",
            )),
        }
    }

    /// `guard_recorded: DECISION` or `{decision: DECISION, detail: TEXT}`.
    fn guard_recorded(&self, path: &str, value: &Value) -> Result<Expectation, ScenarioError> {
        let (decision_path, decision, detail) = if value.is_string() {
            (path.to_owned(), value, None)
        } else {
            let object = self.object(path, value)?;
            self.only_keys(path, object, &["decision", "detail"])?;
            let detail = match object.get("detail") {
                Some(d) => Some(self.string(&join(path, "detail"), d)?.to_owned()),
                None => None,
            };
            (
                join(path, "decision"),
                self.required(path, object, "decision")?,
                detail,
            )
        };
        let decision = self.string(&decision_path, decision)?;
        let Ok(decision) = decision.parse() else {
            let known: Vec<&str> = GuardDecision::ALL.iter().map(|d| d.as_str()).collect();
            return Err(self.error(
                &decision_path,
                format!(
                    "`{decision}` is not a guard decision; expected one of: {}",
                    known.join(", ")
                ),
            ));
        };
        Ok(Expectation::GuardRecorded { decision, detail })
    }

    /// `must_fail: {ASSERTION: …, because: TEXT}`: one assertion, and optionally `because`.
    fn must_fail(
        &self,
        path: &str,
        value: &Value,
        agent: &AgentFile,
    ) -> Result<Expectation, ScenarioError> {
        let object = self.object(path, value)?;
        let because = match object.get("because") {
            Some(b) => Some(self.string(&join(path, "because"), b)?.to_owned()),
            None => None,
        };
        let mut keys = object.iter().filter(|(k, _)| *k != "because");
        let (key, inner) = match (keys.next(), keys.next()) {
            (Some(first), None) => first,
            (None, _) => {
                return Err(self.error(
                    path,
                    format!(
                        "{} needs the assertion that must fail, e.g. `must_fail: \
                         {{language: English}}`",
                        place(path)
                    ),
                ));
            }
            (Some(_), Some((second, _))) => {
                return Err(self.error_at(
                    self.doc.key_span_of(&join(path, second)),
                    format!(
                        "{} holds one assertion (and `because`); `{second}` is a second one",
                        place(path)
                    ),
                ));
            }
        };
        if key == "must_fail" {
            return Err(self.error_at(
                self.doc.key_span_of(&join(path, key)),
                "`must_fail` inside `must_fail` is the assertion itself; write it directly",
            ));
        }
        Ok(Expectation::MustFail {
            assertion: Box::new(self.assertion(path, key, inner, agent)?),
            because,
        })
    }

    /// An assertion that is either on or absent: `false` would check nothing.
    fn flag(&self, path: &str, key: &str, value: &Value) -> Result<(), ScenarioError> {
        if self.boolean(path, value)? {
            Ok(())
        } else {
            Err(self.error(path, format!("`{key}: false` checks nothing; remove it")))
        }
    }

    /// The agent's dynamic flow, which state assertions need.
    fn flow_of<'a>(
        &self,
        path: &str,
        key: &str,
        agent: &'a AgentFile,
    ) -> Result<&'a DynamicFlow, ScenarioError> {
        agent.dynamic.as_ref().ok_or_else(|| {
            self.error(
                path,
                format!(
                    "`{key}` needs an agent with a dynamic flow (`dynamic:` in the agent file);                      this agent has none"
                ),
            )
        })
    }

    /// A state of the agent's flow; `key` names the assertion, for messages.
    fn state_name(
        &self,
        path: &str,
        key: &str,
        value: &Value,
        agent: &AgentFile,
    ) -> Result<String, ScenarioError> {
        let flow = self.flow_of(path, key, agent)?;
        let name = self.string(path, value)?;
        if flow.states.iter().any(|s| s.id == name) {
            return Ok(name.to_owned());
        }
        let known: Vec<&str> = flow.states.iter().map(|s| s.id.as_str()).collect();
        Err(self.error(
            path,
            format!(
                "the agent's flow has no state `{name}`; its states: {}",
                known.join(", ")
            ),
        ))
    }

    /// `preamble_spoken: TOOL` (a preamble tool of the agent) or `true` (all of them).
    fn preamble_tool(
        &self,
        path: &str,
        value: &Value,
        agent: &AgentFile,
    ) -> Result<Option<String>, ScenarioError> {
        let preamble: Vec<&str> = agent
            .tools
            .iter()
            .filter(|t| t.behaviour == Behaviour::Preamble)
            .map(|t| t.name.as_str())
            .collect();
        if value.is_boolean() {
            self.flag(path, "preamble_spoken", value)?;
            if preamble.is_empty() {
                return Err(self.error(
                    path,
                    "`preamble_spoken: true` checks the agent's preamble tools, and this agent \
                     has none (`behaviour: preamble`)",
                ));
            }
            return Ok(None);
        }
        let name = self.tool_name(path, value, agent)?;
        if preamble.contains(&name.as_str()) {
            return Ok(Some(name));
        }
        Err(self.error(
            path,
            format!(
                "`{name}` is not a preamble tool (`behaviour: preamble`); the agent's preamble \
                 tools: {}",
                if preamble.is_empty() {
                    "none".to_owned()
                } else {
                    preamble.join(", ")
                }
            ),
        ))
    }

    /// A language by its English name or ISO 639-1 code, as its name.
    fn language(&self, path: &str, value: &Value) -> Result<String, ScenarioError> {
        let given = self.string(path, value)?.trim();
        let Some((name, _)) = LANGUAGES.iter().find(|(name, code)| {
            name.eq_ignore_ascii_case(given) || code.eq_ignore_ascii_case(given)
        }) else {
            let known: Vec<String> = LANGUAGES
                .iter()
                .map(|(name, code)| format!("{name} ({code})"))
                .collect();
            return Err(self.error(
                path,
                format!(
                    "`language` cannot identify `{given}`; it knows {}",
                    known.join(", ")
                ),
            ));
        };
        if cfg!(feature = "language-id") {
            Ok((*name).to_owned())
        } else {
            Err(self.error(
                path,
                "`language` needs language identification, which this build leaves out (the \
                 `language-id` feature of switchboard-scenario, on by default)",
            ))
        }
    }

    /// `readback: VALUE` or `readback: {tool: NAME, argument: ARG}`.
    fn readback(
        &self,
        path: &str,
        value: &Value,
        agent: &AgentFile,
    ) -> Result<Expectation, ScenarioError> {
        match value {
            Value::String(_) => Ok(Expectation::ReadbackValue(
                self.string(path, value)?.trim().to_owned(),
            )),
            Value::Number(n) if n.is_u64() => Ok(Expectation::ReadbackValue(n.to_string())),
            Value::Object(object) => {
                self.only_keys(path, object, &["tool", "argument"])?;
                let tool_path = join(path, "tool");
                let tool =
                    self.tool_name(&tool_path, self.required(path, object, "tool")?, agent)?;
                let Some(spec) = agent.tools.iter().find(|t| t.name == tool) else {
                    return Err(self.error(
                        &tool_path,
                        format!("`readback` needs one of the agent's own tools, not `{tool}`"),
                    ));
                };
                let argument_path = join(path, "argument");
                let argument =
                    self.string(&argument_path, self.required(path, object, "argument")?)?;
                let properties = spec.parameters.get("properties").and_then(Value::as_object);
                if properties.is_some_and(|p| !p.contains_key(argument)) {
                    let known: Vec<&str> = properties
                        .map(|p| p.keys().map(String::as_str).collect())
                        .unwrap_or_default();
                    return Err(self.error(
                        &argument_path,
                        format!(
                            "`{tool}` has no argument `{argument}`; its arguments: {}",
                            known.join(", ")
                        ),
                    ));
                }
                Ok(Expectation::ReadbackOf {
                    tool,
                    argument: argument.to_owned(),
                })
            }
            _ => Err(self.error(
                path,
                "`readback` is the value read back (a string of digits or characters) or \
                 `{tool: NAME, argument: ARG}`",
            )),
        }
    }

    /// `{failures: N}`, `{no_input: N}` or `{no_match: N}`.
    fn threshold(&self, path: &str, value: &Value) -> Result<Threshold, ScenarioError> {
        let (key, v) = self.single(path, value)?;
        let at = join(path, key);
        let make: fn(u32) -> Threshold = match key {
            "failures" => Threshold::Failures,
            "no_input" => Threshold::NoInput,
            "no_match" => Threshold::NoMatch,
            k => {
                return Err(self.error_at(
                    self.doc.key_span_of(&at),
                    format!(
                        "unknown key `{k}` in `{path}`; expected one of: failures, no_input, \
                         no_match"
                    ),
                ));
            }
        };
        match v.as_u64().and_then(|n| u32::try_from(n).ok()) {
            Some(n) if n > 0 => Ok(make(n)),
            _ => Err(self.error(&at, format!("`{key}` must be a whole number of at least 1"))),
        }
    }
}
