//! Scenario files: the agent, the model's script, the caller's turns and the expectations.
//!
//! Read through the agent crate's YAML/JSON parser, so every problem (an unknown key, a wrong
//! type, a turn kind this version cannot play) is reported at `file:line:column`.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{Map, Value};
use switchboard_agent::{AgentFile, Document, Span, parse_document};
use switchboard_testkit::Script;

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
}

/// One step of the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Turn {
    /// Ask for a response without saying anything (the agent's greeting).
    WaitForAgent,
    /// Say this, as text.
    Say(String),
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

/// Keys a caller turn may have in a later version; refused with a clear message for now.
const UNSUPPORTED_TURNS: &[&str] = &[
    "speak", "speech", "wav", "audio", "silence", "noise", "barge_in",
];

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
        ],
    )?;
    let name = p.string("name", p.required("", top, "name")?)?.to_owned();
    let dir = path.parent().unwrap_or(Path::new("."));
    let agent_rel = p.string("agent", p.required("", top, "agent")?)?;
    let agent_path = dir.join(agent_rel);
    let agent = load_agent(&agent_path)?;
    let script = p.model(dir, p.required("", top, "model")?)?;
    let turns = p.turns(p.required("", top, "caller")?)?;
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

    fn turns(&self, value: &Value) -> Result<Vec<Turn>, ScenarioError> {
        let mut turns = Vec::new();
        for (i, turn) in self.array("caller", value)?.iter().enumerate() {
            let path = format!("caller[{i}]");
            let (key, v) = self.single(&path, turn)?;
            let at = join(&path, key);
            match key {
                "say" => turns.push(Turn::Say(self.string(&at, v)?.to_owned())),
                "wait_for_agent" => {
                    if !self.boolean(&at, v)? {
                        return Err(self
                            .error(&at, "`wait_for_agent: false` does nothing; remove the turn"));
                    }
                    turns.push(Turn::WaitForAgent);
                }
                k if UNSUPPORTED_TURNS.contains(&k) => {
                    return Err(self.error_at(
                        self.doc.key_span_of(&at),
                        format!(
                            "`{k}` turns are not supported in this version; only text turns \
                             (`say`) and `wait_for_agent` are"
                        ),
                    ));
                }
                k => {
                    return Err(self.error_at(
                        self.doc.key_span_of(&at),
                        format!(
                            "unknown key `{k}` in `{path}`; expected one of: say, wait_for_agent"
                        ),
                    ));
                }
            }
        }
        if turns.is_empty() {
            return Err(self.error("caller", "`caller` needs at least one turn"));
        }
        Ok(turns)
    }

    fn tool_name(
        &self,
        path: &str,
        value: &Value,
        agent: &AgentFile,
    ) -> Result<String, ScenarioError> {
        let name = self.string(path, value)?;
        if agent.tools.iter().any(|t| t.name == name) || COMMON_TOOLS.contains(&name) {
            Ok(name.to_owned())
        } else {
            let known: Vec<&str> = agent.tools.iter().map(|t| t.name.as_str()).collect();
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
            let at = join(&path, key);
            out.push(match key {
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
                    if !self.boolean(&at, v)? {
                        return Err(self.error(&at, "`no_repeated_sentence: false` checks nothing; remove it"));
                    }
                    Expectation::NoRepeatedSentence
                }
                k => {
                    return Err(self.error_at(
                        self.doc.key_span_of(&at),
                        format!(
                            "unknown assertion `{k}` in `{path}`; expected one of: tool_called, \
                             tool_not_called, tool_order, confirmed_before, transcript_contains, \
                             transcript_not_contains, call_ended_by, escalated, no_repeated_sentence"
                        ),
                    ));
                }
            });
        }
        Ok(out)
    }
}
