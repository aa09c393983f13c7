//! Rehearsal scripts: what the emulated model does, response by response.
//!
//! A script is YAML or JSON read through the agent crate's parser, so every problem (an
//! unknown key, a wrong type, an impossible combination) is reported at `file:line:column`.

use std::fmt;
use std::path::Path;
use std::time::Duration;

use serde::Deserialize;
use serde_json::Value;
use switchboard_agent::{Document, Span, parse_document};

use crate::profile::{Profile, known_realtime_model, known_realtime_models};

/// How fast the emulator streams a response's audio.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Pace {
    /// Everything at once, as the real service does (it generates faster than real time).
    #[default]
    Instant,
    /// One audio chunk per chunk duration, so a barge-in or a cancel lands mid-response.
    Realtime,
}

/// One scripted response.
///
/// What the response does, in order, is [`Entry::steps`]; `say`, `say_from_output` and
/// `calls` summarise it for readers of a script (a loaded script fills all of them). An entry
/// built in code with no `steps` plays its `say` (or `say_from_output`), then its `calls`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Entry {
    /// What the caller is reported to have said in the audio turn before this response.
    pub heard: Option<String>,
    /// What the model says: the text of every scripted message, joined with a space.
    pub say: Option<String>,
    /// Say the string under this key of the latest function call output in the conversation
    /// instead (as a model reads a tool's answer to the caller), when `say` is absent.
    pub say_from_output: Option<String>,
    /// Every function call the response makes, in order.
    pub calls: Vec<ScriptedCall>,
    /// The response's output items in order: each message and each call.
    pub steps: Vec<ScriptedStep>,
    /// Frames sent verbatim before the response's events.
    pub raw: Vec<String>,
    /// Close the socket instead of answering.
    pub disconnect: bool,
}

/// One output item of a scripted response.
#[derive(Debug, Clone, PartialEq)]
pub enum ScriptedStep {
    /// An assistant message saying this text.
    Say(String),
    /// An assistant message saying the string under this key of the latest function call
    /// output in the conversation (nothing when there is none).
    SayFromOutput(String),
    /// A function call.
    Call(ScriptedCall),
}

impl Entry {
    /// What the response does, in order: its `steps`, or for an entry built in code without
    /// them, its message then its calls.
    pub(crate) fn plan(&self) -> Vec<ScriptedStep> {
        if !self.steps.is_empty() {
            return self.steps.clone();
        }
        let message = match (&self.say, &self.say_from_output) {
            (Some(text), _) => Some(ScriptedStep::Say(text.clone())),
            (None, Some(key)) => Some(ScriptedStep::SayFromOutput(key.clone())),
            (None, None) => None,
        };
        message
            .into_iter()
            .chain(self.calls.iter().cloned().map(ScriptedStep::Call))
            .collect()
    }
}

/// A function call in a scripted response.
#[derive(Debug, Clone, PartialEq)]
pub struct ScriptedCall {
    /// The function name.
    pub name: String,
    /// The arguments exactly as they go on the wire (JSON text, or whatever the script wrote).
    pub arguments: String,
    /// A fixed `call_id`; the emulator makes a fresh one when absent.
    pub call_id: Option<String>,
}

/// One scripted reply of the supervisor: the text model an agent's `supervisor` asks over
/// Chat Completions, served by the emulator at `POST /v1/chat/completions`.
#[derive(Debug, Clone, PartialEq)]
pub enum SupervisorReply {
    /// The supervisor's answer (streamed as `delta.content`, finishing with `stop`).
    Say(String),
    /// Tool calls (streamed as `delta.tool_calls`, finishing with `tool_calls`): the gateway
    /// runs them and asks again, which takes the next reply.
    Calls(Vec<ScriptedCall>),
    /// An HTTP 500 with an OpenAI-style error body carrying this message.
    Error(String),
}

/// A rehearsal script: settings and the responses in order.
#[derive(Debug, Clone, PartialEq)]
pub struct Script {
    origin: String,
    entries: Vec<Entry>,
    supervisor: Vec<SupervisorReply>,
    audio_chunk: Duration,
    pace: Pace,
    voice_rate: Option<u32>,
    model: Option<Profile>,
}

/// A script that could not be loaded, placed at `origin:line:column` when the place is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptError {
    origin: String,
    place: Option<(usize, usize)>,
    message: String,
}

impl ScriptError {
    fn new(origin: &str, span: Option<Span>, message: impl Into<String>) -> Self {
        Self {
            origin: origin.to_owned(),
            place: span.map(|s| (s.line, s.column)),
            message: message.into(),
        }
    }

    /// 1-based line of the problem, when known.
    pub fn line(&self) -> Option<usize> {
        self.place.map(|(line, _)| line)
    }

    /// 1-based column of the problem, when known.
    pub fn column(&self) -> Option<usize> {
        self.place.map(|(_, column)| column)
    }

    /// What is wrong, without the place.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for ScriptError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.place {
            Some((line, column)) => {
                write!(f, "{}:{line}:{column}: {}", self.origin, self.message)
            }
            None => write!(f, "{}: {}", self.origin, self.message),
        }
    }
}

impl std::error::Error for ScriptError {}

/// The line spoken when the script has no entries left.
pub(crate) const ENDED_LINE: &str = "The rehearsal script has ended.";

const DEFAULT_CHUNK_MS: u32 = 100;
const CHUNK_MS_RANGE: std::ops::RangeInclusive<u32> = 10..=1_000;
const VOICE_RATE_RANGE: std::ops::RangeInclusive<u32> = 80..=450;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScript {
    #[serde(default)]
    audio_chunk_ms: Option<u32>,
    #[serde(default)]
    pace: Option<Pace>,
    #[serde(default)]
    voice_rate: Option<u32>,
    #[serde(default)]
    model: Option<String>,
    responses: Vec<RawEntry>,
    #[serde(default)]
    supervisor: Vec<RawSupervisorReply>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSupervisorReply {
    #[serde(default)]
    say: Option<String>,
    #[serde(default)]
    calls: Option<Vec<RawCall>>,
    #[serde(default)]
    error: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    #[serde(default)]
    heard: Option<String>,
    #[serde(default)]
    say: Option<String>,
    #[serde(default)]
    say_from_output: Option<String>,
    #[serde(default)]
    messages: Option<Vec<String>>,
    #[serde(default)]
    calls: Vec<RawCall>,
    #[serde(default)]
    steps: Option<Vec<RawStep>>,
    #[serde(default)]
    raw: Vec<String>,
    #[serde(default)]
    disconnect: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStep {
    #[serde(default)]
    say: Option<String>,
    #[serde(default)]
    say_from_output: Option<String>,
    #[serde(default)]
    call: Option<RawCall>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCall {
    name: String,
    #[serde(default)]
    arguments: Option<Value>,
    #[serde(default)]
    call_id: Option<String>,
}

impl Script {
    /// Parses a script from YAML or JSON text; `origin` names it in errors (usually its path).
    ///
    /// # Errors
    /// A [`ScriptError`] at the line and column of the first problem.
    pub fn from_text(text: &str, origin: &str) -> Result<Script, ScriptError> {
        let document = parse_document(text)
            .map_err(|d| ScriptError::new(origin, d.span, d.message.clone()))?;
        let raw: RawScript = serde_path_to_error::deserialize(document.value.clone())
            .map_err(|err| type_error(&document, origin, &err.path().to_string(), err.inner()))?;
        let at = |path: &str| document.span_of(path);
        let audio_chunk_ms = raw.audio_chunk_ms.unwrap_or(DEFAULT_CHUNK_MS);
        if !CHUNK_MS_RANGE.contains(&audio_chunk_ms) {
            return Err(ScriptError::new(
                origin,
                at("audio_chunk_ms"),
                format!(
                    "`audio_chunk_ms` must be between {} and {}, got {audio_chunk_ms}",
                    CHUNK_MS_RANGE.start(),
                    CHUNK_MS_RANGE.end()
                ),
            ));
        }
        if let Some(rate) = raw.voice_rate
            && !VOICE_RATE_RANGE.contains(&rate)
        {
            return Err(ScriptError::new(
                origin,
                at("voice_rate"),
                format!(
                    "`voice_rate` must be between {} and {} words per minute, got {rate}",
                    VOICE_RATE_RANGE.start(),
                    VOICE_RATE_RANGE.end()
                ),
            ));
        }
        let model = match &raw.model {
            None => None,
            Some(name) if known_realtime_model(name) => Some(Profile::for_model(name)),
            Some(name) => {
                return Err(ScriptError::new(
                    origin,
                    at("model"),
                    format!(
                        "unknown model `{name}`; expected one of: {}",
                        known_realtime_models().join(", ")
                    ),
                ));
            }
        };
        let mut entries = Vec::with_capacity(raw.responses.len());
        for (i, entry) in raw.responses.into_iter().enumerate() {
            entries.push(scripted_entry(
                &document,
                origin,
                &format!("responses[{i}]"),
                entry,
            )?);
        }
        let supervisor = supervisor_replies(&document, origin, raw.supervisor)?;
        Ok(Script {
            origin: origin.to_owned(),
            entries,
            supervisor,
            audio_chunk: Duration::from_millis(u64::from(audio_chunk_ms)),
            pace: raw.pace.unwrap_or_default(),
            voice_rate: raw.voice_rate,
            model,
        })
    }

    /// Reads and parses a script file.
    ///
    /// # Errors
    /// A [`ScriptError`] naming the file when it cannot be read, or the place of the problem.
    pub fn load(path: impl AsRef<Path>) -> Result<Script, ScriptError> {
        let path = path.as_ref();
        let origin = path.display().to_string();
        let text = std::fs::read_to_string(path)
            .map_err(|err| ScriptError::new(&origin, None, format!("cannot read: {err}")))?;
        Script::from_text(&text, &origin)
    }

    /// A script with these entries and default settings (for tests and programs that build
    /// scripts in code).
    pub fn from_entries(entries: Vec<Entry>) -> Script {
        Script {
            origin: "<script>".to_owned(),
            entries,
            supervisor: Vec::new(),
            audio_chunk: Duration::from_millis(u64::from(DEFAULT_CHUNK_MS)),
            pace: Pace::Instant,
            voice_rate: None,
            model: None,
        }
    }

    /// Sets the supervisor's replies (builder style).
    #[must_use]
    pub fn with_supervisor(mut self, replies: Vec<SupervisorReply>) -> Script {
        self.supervisor = replies;
        self
    }

    /// Sets the pace (builder style).
    #[must_use]
    pub fn with_pace(mut self, pace: Pace) -> Script {
        self.pace = pace;
        self
    }

    /// Where the script came from, as given to [`Script::from_text`].
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The responses, in order.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The supervisor's replies, in order: each Chat Completions request takes the next.
    pub fn supervisor(&self) -> &[SupervisorReply] {
        &self.supervisor
    }

    /// Duration of each `response.output_audio.delta`.
    pub fn audio_chunk(&self) -> Duration {
        self.audio_chunk
    }

    /// The profile the script forces (its `model`), whatever model a connection asks for.
    pub fn model(&self) -> Option<Profile> {
        self.model
    }

    /// Forces a profile (builder style), as a script's `model` does.
    #[must_use]
    pub fn with_model(mut self, profile: Profile) -> Script {
        self.model = Some(profile);
        self
    }

    /// How fast responses are streamed.
    pub fn pace(&self) -> Pace {
        self.pace
    }

    /// espeak-ng speaking rate in words per minute, when set.
    pub fn voice_rate(&self) -> Option<u32> {
        self.voice_rate
    }

    /// Every text the script may speak, including the end-of-script line, so speech can be
    /// synthesized before the first call.
    pub(crate) fn phrases(&self) -> impl Iterator<Item = &str> {
        let joined = self.entries.iter().filter_map(|e| e.say.as_deref());
        let each = self.entries.iter().flat_map(|e| {
            e.steps.iter().filter_map(|step| match step {
                ScriptedStep::Say(text) => Some(text.as_str()),
                _ => None,
            })
        });
        // Both: the 2025 profile speaks a response's messages as one.
        joined.chain(each).chain(std::iter::once(ENDED_LINE))
    }
}

/// The entry at `path`, checked: one of the three shapes of a response's output (`say` or
/// `say_from_output` with `calls`; `messages` with `calls`; `steps`), or `disconnect` alone.
fn scripted_entry(
    document: &Document,
    origin: &str,
    path: &str,
    entry: RawEntry,
) -> Result<Entry, ScriptError> {
    let key_at = |key: &str| document.key_span_of(&format!("{path}.{key}"));
    let speaks = entry.say.is_some() || entry.say_from_output.is_some();
    if entry.disconnect
        && (speaks
            || entry.messages.is_some()
            || entry.steps.is_some()
            || !entry.calls.is_empty()
            || !entry.raw.is_empty())
    {
        return Err(ScriptError::new(
            origin,
            key_at("disconnect"),
            "`disconnect` closes the socket instead of answering, so it cannot be combined \
             with `say`, `messages`, `steps`, `calls` or `raw`",
        ));
    }
    if entry.say.is_some() && entry.say_from_output.is_some() {
        return Err(ScriptError::new(
            origin,
            key_at("say_from_output"),
            "an entry says either `say` or `say_from_output`, not both",
        ));
    }
    if entry.messages.is_some() && speaks {
        return Err(ScriptError::new(
            origin,
            key_at("messages"),
            "`messages` lists every message of the response, so it cannot be combined with \
             `say` or `say_from_output`",
        ));
    }
    if entry.steps.is_some() && (speaks || entry.messages.is_some() || !entry.calls.is_empty()) {
        return Err(ScriptError::new(
            origin,
            key_at("steps"),
            "`steps` lists every message and call of the response in order, so it cannot be \
             combined with `say`, `say_from_output`, `messages` or `calls`",
        ));
    }
    let mut steps = Vec::new();
    if let Some(raw_steps) = entry.steps {
        for (j, step) in raw_steps.into_iter().enumerate() {
            let step_path = format!("{path}.steps[{j}]");
            steps.push(match (step.say, step.say_from_output, step.call) {
                (Some(text), None, None) => ScriptedStep::Say(text),
                (None, Some(key), None) => ScriptedStep::SayFromOutput(key),
                (None, None, Some(call)) => ScriptedStep::Call(scripted_call(
                    document,
                    origin,
                    &format!("{step_path}.call"),
                    call,
                )?),
                _ => {
                    return Err(ScriptError::new(
                        origin,
                        document.span_of(&step_path),
                        "a step has exactly one of `say`, `say_from_output` and `call`",
                    ));
                }
            });
        }
    } else {
        if let Some(text) = &entry.say {
            steps.push(ScriptedStep::Say(text.clone()));
        }
        if let Some(key) = &entry.say_from_output {
            steps.push(ScriptedStep::SayFromOutput(key.clone()));
        }
        if let Some(messages) = entry.messages {
            if messages.is_empty() {
                return Err(ScriptError::new(
                    origin,
                    document.span_of(&format!("{path}.messages")),
                    "`messages` needs at least one message",
                ));
            }
            steps.extend(messages.into_iter().map(ScriptedStep::Say));
        }
        let calls = scripted_calls(document, origin, path, entry.calls)?;
        steps.extend(calls.into_iter().map(ScriptedStep::Call));
    }
    let texts: Vec<&str> = steps
        .iter()
        .filter_map(|s| match s {
            ScriptedStep::Say(text) => Some(text.as_str()),
            _ => None,
        })
        .collect();
    Ok(Entry {
        heard: entry.heard,
        say: (!texts.is_empty()).then(|| texts.join(" ")),
        say_from_output: steps.iter().find_map(|s| match s {
            ScriptedStep::SayFromOutput(key) => Some(key.clone()),
            _ => None,
        }),
        calls: steps
            .iter()
            .filter_map(|s| match s {
                ScriptedStep::Call(call) => Some(call.clone()),
                _ => None,
            })
            .collect(),
        steps,
        raw: entry.raw,
        disconnect: entry.disconnect,
    })
}

/// The calls of the entry or supervisor reply at `path`, checked (see [`scripted_call`]).
fn scripted_calls(
    document: &Document,
    origin: &str,
    path: &str,
    raw: Vec<RawCall>,
) -> Result<Vec<ScriptedCall>, ScriptError> {
    raw.into_iter()
        .enumerate()
        .map(|(j, call)| scripted_call(document, origin, &format!("{path}.calls[{j}]"), call))
        .collect()
}

/// The call at `path`, checked: it has a name, and its arguments become the text sent on the
/// wire.
fn scripted_call(
    document: &Document,
    origin: &str,
    path: &str,
    call: RawCall,
) -> Result<ScriptedCall, ScriptError> {
    if call.name.trim().is_empty() {
        return Err(ScriptError::new(
            origin,
            document.span_of(&format!("{path}.name")),
            "a call needs a function `name`",
        ));
    }
    let arguments = match call.arguments {
        None => "{}".to_owned(),
        Some(Value::String(text)) => text,
        Some(object @ Value::Object(_)) => object.to_string(),
        Some(_) => {
            return Err(ScriptError::new(
                origin,
                document.span_of(&format!("{path}.arguments")),
                "`arguments` must be an object (sent as JSON text) or a string (sent verbatim)",
            ));
        }
    };
    Ok(ScriptedCall {
        name: call.name,
        arguments,
        call_id: call.call_id,
    })
}

/// The `supervisor` replies, each with exactly one of `say`, `calls` and `error`.
fn supervisor_replies(
    document: &Document,
    origin: &str,
    raw: Vec<RawSupervisorReply>,
) -> Result<Vec<SupervisorReply>, ScriptError> {
    let mut replies = Vec::with_capacity(raw.len());
    for (i, reply) in raw.into_iter().enumerate() {
        let path = format!("supervisor[{i}]");
        let reply = match (reply.say, reply.calls, reply.error) {
            (Some(text), None, None) => SupervisorReply::Say(text),
            (None, Some(calls), None) if !calls.is_empty() => {
                SupervisorReply::Calls(scripted_calls(document, origin, &path, calls)?)
            }
            (None, Some(_), None) => {
                return Err(ScriptError::new(
                    origin,
                    document.span_of(&format!("{path}.calls")),
                    "`calls` needs at least one call",
                ));
            }
            (None, None, Some(message)) => SupervisorReply::Error(message),
            _ => {
                return Err(ScriptError::new(
                    origin,
                    document.span_of(&path),
                    "a supervisor reply has exactly one of `say` (its answer), `calls` (tool \
                     calls) and `error` (an HTTP error)",
                ));
            }
        };
        replies.push(reply);
    }
    Ok(replies)
}

/// Turns serde's message at `path` into an error placed on the offending key or value.
fn type_error(
    document: &Document,
    origin: &str,
    path: &str,
    err: &serde_json::Error,
) -> ScriptError {
    let message = err.to_string();
    let path = if path == "." { "" } else { path };
    let place = |p: &str| {
        if p.is_empty() {
            "the top level".to_owned()
        } else {
            format!("`{p}`")
        }
    };
    if let Some(rest) = message.strip_prefix("unknown field `")
        && let Some((key, expected)) = rest.split_once('`')
    {
        // serde_path_to_error may already have stepped into the unknown key.
        let container = path
            .strip_suffix(key)
            .map_or(path, |p| p.trim_end_matches('.'));
        let full = if container.is_empty() {
            key.to_owned()
        } else {
            format!("{container}.{key}")
        };
        let expected: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
        let mut text = format!("unknown key `{key}` in {}", place(container));
        if !expected.is_empty() {
            text.push_str(&format!("; expected one of: {}", expected.join(", ")));
        }
        return ScriptError::new(origin, document.key_span_of(&full), text);
    }
    if let Some(rest) = message.strip_prefix("missing field `")
        && let Some((field, _)) = rest.split_once('`')
    {
        return ScriptError::new(
            origin,
            document.span_of(path),
            format!("missing required key `{field}` in {}", place(path)),
        );
    }
    let detail = message
        .strip_prefix("invalid type: ")
        .map_or(message.clone(), |rest| {
            match rest.split_once(", expected ") {
                Some((got, want)) => format!("expected {want}, found {got}"),
                None => rest.to_owned(),
            }
        });
    ScriptError::new(
        origin,
        document.span_of(path),
        format!("wrong value for {}: {detail}", place(path)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_object_becomes_json_text_and_string_stays_verbatim() {
        let script = Script::from_text(
            "responses:\n  - calls:\n      - name: f\n        arguments: {a: 1}\n      - name: g\n        arguments: '{\"a\": '\n",
            "s.yaml",
        )
        .unwrap();
        let calls = &script.entries()[0].calls;
        assert_eq!(calls[0].arguments, r#"{"a":1}"#);
        assert_eq!(calls[1].arguments, r#"{"a": "#);
    }

    #[test]
    fn disconnect_with_say_is_refused_at_its_key() {
        let err = Script::from_text("responses:\n  - say: hi\n    disconnect: true\n", "s.yaml")
            .unwrap_err();
        assert_eq!((err.line(), err.column()), (Some(3), Some(5)));
    }

    #[test]
    fn supervisor_replies_are_answers_calls_or_errors() {
        let script = Script::from_text(
            "responses: []\nsupervisor:\n  - calls: [{name: f, arguments: {a: 1}}]\n  - say: Done.\n  - error: overloaded\n",
            "s.yaml",
        )
        .unwrap();
        let [
            SupervisorReply::Calls(calls),
            SupervisorReply::Say(text),
            SupervisorReply::Error(why),
        ] = script.supervisor()
        else {
            panic!("{:?}", script.supervisor());
        };
        assert_eq!(
            (calls[0].name.as_str(), calls[0].arguments.as_str()),
            ("f", r#"{"a":1}"#)
        );
        assert_eq!((text.as_str(), why.as_str()), ("Done.", "overloaded"));
    }

    #[test]
    fn a_supervisor_reply_with_two_kinds_or_none_is_refused_where_it_is() {
        for (text, place) in [
            (
                "responses: []\nsupervisor:\n  - say: hi\n    error: no\n",
                (3, 5),
            ),
            ("responses: []\nsupervisor:\n  - say: hi\n  - {}\n", (4, 5)),
            ("responses: []\nsupervisor:\n  - calls: []\n", (3, 12)),
            (
                "responses: []\nsupervisor:\n  - calls: [{name: ' '}]\n",
                (3, 20),
            ),
        ] {
            let err = Script::from_text(text, "s.yaml").unwrap_err();
            assert_eq!(
                (err.line(), err.column()),
                (Some(place.0), Some(place.1)),
                "{err}"
            );
        }
        let err =
            Script::from_text("responses: []\nsupervisor:\n  - sya: hi\n", "s.yaml").unwrap_err();
        assert!(err.message().contains("unknown key `sya`"), "{err}");
    }

    #[test]
    fn chunk_size_out_of_range_is_refused() {
        let err = Script::from_text("audio_chunk_ms: 5\nresponses: []\n", "s.yaml").unwrap_err();
        assert!(err.to_string().starts_with("s.yaml:1:17: "), "{err}");
    }
}
