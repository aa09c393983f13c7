//! Chat Completions, the part of it Switchboard speaks: the supervisor's requests, and the
//! streamed replies an OpenAI-compatible endpoint sends back (the emulator plays one).
//!
//! - [`Request`] is a `POST /chat/completions` body: the model, the [`Message`]s (system,
//!   user, assistant with its [`ToolCall`]s, tool results), the function [`Tool`]s offered,
//!   `stream` and `tool_choice`.
//! - A streamed reply is server-sent events, each `data: <chat.completion.chunk>` ([`Chunk`]),
//!   ending with `data: [DONE]`. [`Sse`] cuts bytes into events, [`Accumulator`] folds chunks
//!   into the assistant's [`Reply`] (text, and tool calls gathered by their `index`), and
//!   [`ReplyReader`] does both from raw bytes, with a size bound, and also reads a server that
//!   ignored `stream: true` and sent one [`Completion`].
//!
//! All of it is pure: bytes in, values out, no IO and no clock. Whatever the endpoint sends
//! becomes a [`Reply`] or a [`ReplyError`] saying what it did wrong, never a panic. As with the
//! Realtime types, unknown fields are ignored (servers add their own).
//!
//! ```
//! use switchboard_wire::chat::{Progress, ReplyReader};
//!
//! let mut reader = ReplyReader::default();
//! let body = "data: {\"choices\":[{\"delta\":{\"content\":\"Hel\"}}]}\n\n\
//!             data: {\"choices\":[{\"delta\":{\"content\":\"lo.\"},\"finish_reason\":\"stop\"}]}\n\n\
//!             data: [DONE]\n\n";
//! let (head, tail) = body.as_bytes().split_at(30); // bytes arrive cut anywhere
//! assert!(matches!(reader.push(head)?, Progress::More));
//! let Progress::Complete(reply) = reader.push(tail)? else { panic!("the reply is whole") };
//! assert_eq!(reply.content, "Hello.");
//! # Ok::<(), switchboard_wire::chat::ReplyError>(())
//! ```

use std::collections::BTreeMap;
use std::fmt;

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use crate::literal::literal;

/// The largest reply [`ReplyReader::default`] reads, in bytes. A supervisor's answer is a few
/// sentences; anything near this is a misbehaving server, and reading on would only hold
/// memory.
pub const MAX_REPLY_BYTES: usize = 256 * 1024;

/// The most tool calls one reply may make; more is a misbehaving server (an `index` of a
/// billion would otherwise be a billion calls to wait for).
pub const MAX_TOOL_CALLS: usize = 16;

/// How much of a bad event or a refusal goes into an error, in characters.
const EXCERPT_CHARS: usize = 200;

literal!(
    /// `"function"`: the only kind of tool and tool call Chat Completions has here.
    Function = "function"
);
literal!(
    /// `"assistant"`: the role of every reply.
    Assistant = "assistant"
);
literal!(
    /// `"chat.completion.chunk"`: the `object` of a streamed chunk.
    ChunkObject = "chat.completion.chunk"
);
literal!(
    /// `"chat.completion"`: the `object` of a whole reply.
    CompletionObject = "chat.completion"
);

// ---- the request ---------------------------------------------------------------------------

/// A `POST /chat/completions` body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Request {
    /// The model asked.
    pub model: String,
    /// The conversation so far, oldest first.
    pub messages: Vec<Message>,
    /// The functions the model may call; left out when empty, as some servers refuse `[]`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tools: Vec<Tool>,
    /// Whether and which tool the model must call; the server's default when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_choice: Option<ToolChoice>,
    /// Whether the reply streams as server-sent events.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub stream: bool,
    /// Streaming options (a usage chunk at the end).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream_options: Option<StreamOptions>,
}

/// Why a request body was refused. The variants are the checks a Chat Completions server makes
/// first, so a server can answer each in its own words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    /// The body is not a JSON object.
    #[error("the body is not a JSON object")]
    NotAnObject,
    /// There is no `model`.
    #[error("the request has no model")]
    NoModel,
    /// `messages` is missing, not an array, or empty.
    #[error("the request has no messages")]
    NoMessages,
    /// A field has the wrong shape.
    #[error("`{path}`: {message}")]
    Invalid {
        /// Where, as `messages[1].role`.
        path: String,
        /// What was wrong.
        message: String,
    },
}

impl Request {
    /// Parses a request body.
    pub fn from_json(body: &[u8]) -> Result<Request, RequestError> {
        let value: Value = serde_json::from_slice(body).map_err(|_| RequestError::NotAnObject)?;
        Request::from_value(value)
    }

    /// Reads a request from JSON already parsed.
    pub fn from_value(value: Value) -> Result<Request, RequestError> {
        let Value::Object(fields) = &value else {
            return Err(RequestError::NotAnObject);
        };
        if !fields.get("model").is_some_and(Value::is_string) {
            return Err(RequestError::NoModel);
        }
        if fields
            .get("messages")
            .and_then(Value::as_array)
            .is_none_or(Vec::is_empty)
        {
            return Err(RequestError::NoMessages);
        }
        serde_path_to_error::deserialize(value).map_err(|e| RequestError::Invalid {
            path: e.path().to_string(),
            message: e.inner().to_string(),
        })
    }
}

/// One message of the conversation, by its `role`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "role", rename_all = "lowercase")]
pub enum Message {
    /// Instructions for the model.
    System {
        /// The text.
        #[serde(deserialize_with = "text")]
        content: String,
    },
    /// What the user says.
    User {
        /// The text.
        #[serde(deserialize_with = "text")]
        content: String,
    },
    /// What the model said or called before, replayed.
    Assistant(AssistantMessage),
    /// A tool's result, answering the call with `tool_call_id`.
    Tool {
        /// The id of the call it answers.
        tool_call_id: String,
        /// The result, as text (JSON, for Switchboard's tools).
        #[serde(deserialize_with = "text")]
        content: String,
    },
}

impl Message {
    /// A system message.
    pub fn system(content: impl Into<String>) -> Message {
        Message::System {
            content: content.into(),
        }
    }

    /// A user message.
    pub fn user(content: impl Into<String>) -> Message {
        Message::User {
            content: content.into(),
        }
    }

    /// A tool result answering `tool_call_id`.
    pub fn tool(tool_call_id: impl Into<String>, content: impl Into<String>) -> Message {
        Message::Tool {
            tool_call_id: tool_call_id.into(),
            content: content.into(),
        }
    }
}

/// An assistant message: text, tool calls, or both.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct AssistantMessage {
    /// The text; `null` when the message only calls tools.
    #[serde(default, deserialize_with = "optional_text")]
    pub content: Option<String>,
    /// The calls it made.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub tool_calls: Vec<ToolCall>,
}

/// A function call the model made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToolCall {
    /// The call's id, which its result names.
    pub id: String,
    /// Always `function`.
    #[serde(rename = "type", default)]
    pub kind: Function,
    /// The function and its arguments.
    pub function: FunctionCall,
}

/// The function a [`ToolCall`] calls.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FunctionCall {
    /// The function's name.
    pub name: String,
    /// The arguments as JSON text, as the model wrote them (they may not parse).
    #[serde(default, deserialize_with = "arguments")]
    pub arguments: String,
}

/// A function the model may call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tool {
    /// Always `function`.
    #[serde(rename = "type", default)]
    pub kind: Function,
    /// The function.
    pub function: FunctionDefinition,
}

impl Tool {
    /// A function tool.
    pub fn function(name: impl Into<String>, description: &str, parameters: Value) -> Tool {
        Tool {
            kind: Function,
            function: FunctionDefinition {
                name: name.into(),
                description: Some(description.to_owned()),
                parameters: Some(parameters),
            },
        }
    }
}

/// A function's name, description and JSON Schema.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FunctionDefinition {
    /// The name the model calls it by.
    pub name: String,
    /// When to call it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The JSON Schema of its arguments, passed through as written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parameters: Option<Value>,
}

/// `tool_choice`: a keyword, or one function by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ToolChoice {
    /// No tool may be called.
    None,
    /// The model decides.
    Auto,
    /// Some tool must be called.
    Required,
    /// This function must be called.
    Function(String),
}

impl Serialize for ToolChoice {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Named<'a> {
            name: &'a str,
        }
        #[derive(Serialize)]
        struct Choice<'a> {
            #[serde(rename = "type")]
            kind: Function,
            function: Named<'a>,
        }
        match self {
            ToolChoice::None => s.serialize_str("none"),
            ToolChoice::Auto => s.serialize_str("auto"),
            ToolChoice::Required => s.serialize_str("required"),
            ToolChoice::Function(name) => Choice {
                kind: Function,
                function: Named { name },
            }
            .serialize(s),
        }
    }
}

impl<'de> Deserialize<'de> for ToolChoice {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Named {
            name: String,
        }
        #[derive(Deserialize)]
        struct Choice {
            #[serde(rename = "type", default)]
            _kind: Function,
            function: Named,
        }
        match Value::deserialize(d)? {
            Value::String(s) => match s.as_str() {
                "none" => Ok(ToolChoice::None),
                "auto" => Ok(ToolChoice::Auto),
                "required" => Ok(ToolChoice::Required),
                other => Err(D::Error::unknown_variant(
                    other,
                    &["none", "auto", "required"],
                )),
            },
            object @ Value::Object(_) => Choice::deserialize(object)
                .map(|c| ToolChoice::Function(c.function.name))
                .map_err(D::Error::custom),
            _ => Err(D::Error::custom(
                "expected a keyword or {\"type\": \"function\", \"function\": {\"name\": …}}",
            )),
        }
    }
}

/// `stream_options`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct StreamOptions {
    /// Whether a last chunk with no choices carries the token usage.
    #[serde(default)]
    pub include_usage: bool,
}

// ---- the reply -----------------------------------------------------------------------------

/// One `chat.completion.chunk` of a streamed reply.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Chunk {
    /// The reply's id, the same in every chunk.
    #[serde(default)]
    pub id: String,
    /// Always `chat.completion.chunk`; written, not checked (some servers leave it out).
    #[serde(default, skip_deserializing)]
    pub object: ChunkObject,
    /// When the reply was made, in Unix seconds.
    #[serde(default)]
    pub created: u64,
    /// The model answering.
    #[serde(default)]
    pub model: String,
    /// The pieces, one per choice; none in a usage-only chunk.
    pub choices: Vec<ChunkChoice>,
    /// The token usage, in the last chunk when asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<Usage>,
}

/// One choice's piece of a [`Chunk`].
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ChunkChoice {
    /// Which choice; Switchboard asks for one, index 0.
    #[serde(default)]
    pub index: u32,
    /// What this piece adds.
    #[serde(default)]
    pub delta: Delta,
    /// Set on the choice's last piece. Written as `null` before then, as the service does.
    #[serde(default)]
    pub finish_reason: Option<FinishReason>,
}

/// What one chunk adds to the message.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Delta {
    /// `assistant`, on the first piece.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<Assistant>,
    /// More text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    /// Pieces of tool calls, each naming its call by `index`.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub tool_calls: Vec<ToolCallDelta>,
}

/// A piece of one tool call: the first carries its id and name, the rest pieces of its
/// arguments.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ToolCallDelta {
    /// Which call this piece belongs to. A few servers leave it out; then the piece's place in
    /// `tool_calls` stands for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index: Option<u32>,
    /// The call's id, on its first piece.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// `function`, on its first piece.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<Function>,
    /// The name and a piece of the arguments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub function: Option<FunctionDelta>,
}

/// The function part of a [`ToolCallDelta`].
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct FunctionDelta {
    /// The function's name, on the call's first piece.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The next piece of the arguments' JSON text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arguments: Option<String>,
}

/// Why a choice ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FinishReason {
    /// The model finished its answer.
    Stop,
    /// The token limit cut it.
    Length,
    /// The model called tools and waits for their results.
    ToolCalls,
    /// A content filter removed some of it.
    ContentFilter,
    /// A reason this model does not know, kept as sent.
    Other(String),
}

impl FinishReason {
    /// The reason as it appears on the wire.
    pub fn as_str(&self) -> &str {
        match self {
            FinishReason::Stop => "stop",
            FinishReason::Length => "length",
            FinishReason::ToolCalls => "tool_calls",
            FinishReason::ContentFilter => "content_filter",
            FinishReason::Other(other) => other,
        }
    }
}

impl fmt::Display for FinishReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for FinishReason {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for FinishReason {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(match String::deserialize(d)?.as_str() {
            "stop" => FinishReason::Stop,
            "length" => FinishReason::Length,
            "tool_calls" => FinishReason::ToolCalls,
            "content_filter" => FinishReason::ContentFilter,
            other => FinishReason::Other(other.to_owned()),
        })
    }
}

/// Token counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Usage {
    /// Tokens in the request.
    #[serde(default)]
    pub prompt_tokens: u64,
    /// Tokens in the reply.
    #[serde(default)]
    pub completion_tokens: u64,
    /// Both.
    #[serde(default)]
    pub total_tokens: u64,
}

/// A whole `chat.completion`: the reply when not streamed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Completion {
    /// The reply's id.
    #[serde(default)]
    pub id: String,
    /// Always `chat.completion`; written, not checked.
    #[serde(default, skip_deserializing)]
    pub object: CompletionObject,
    /// When the reply was made, in Unix seconds.
    #[serde(default)]
    pub created: u64,
    /// The model answering.
    #[serde(default)]
    pub model: String,
    /// The choices; Switchboard asks for one.
    pub choices: Vec<CompletionChoice>,
    /// The token usage.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<Usage>,
}

/// One choice of a [`Completion`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CompletionChoice {
    /// Which choice.
    #[serde(default)]
    pub index: u32,
    /// The message, with `role: assistant`.
    pub message: Message,
    /// Why it ended.
    #[serde(default)]
    pub finish_reason: Option<FinishReason>,
}

/// An OpenAI-style error body, `{"error": {"message", "type", "param", "code"}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// The error.
    pub error: ApiError,
}

/// The `error` object. Servers differ (a bare string, a numeric code), so it is read
/// leniently: only the message matters to Switchboard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApiError {
    /// What went wrong, for people.
    pub message: String,
    /// The error's class (`invalid_request_error`, `server_error`, …).
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// The request field at fault.
    pub param: Option<String>,
    /// A machine-readable code.
    pub code: Option<String>,
}

impl ApiError {
    /// An error of class `kind` saying `message`.
    pub fn new(kind: &str, message: impl Into<String>) -> ApiError {
        ApiError {
            message: message.into(),
            kind: Some(kind.to_owned()),
            param: None,
            code: None,
        }
    }
}

impl<'de> Deserialize<'de> for ApiError {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        fn text(value: Option<&Value>) -> Option<String> {
            match value? {
                Value::String(s) => Some(s.clone()),
                Value::Null => None,
                other => Some(other.to_string()),
            }
        }
        match Value::deserialize(d)? {
            Value::String(message) => Ok(ApiError {
                message,
                kind: None,
                param: None,
                code: None,
            }),
            Value::Object(o) => Ok(ApiError {
                message: text(o.get("message")).unwrap_or_else(|| "no message".to_owned()),
                kind: text(o.get("type")),
                param: text(o.get("param")),
                code: text(o.get("code")),
            }),
            _ => Err(D::Error::custom("an error is a string or an object")),
        }
    }
}

/// Why a server refused a request, from its error body: the `error.message` of an OpenAI-style
/// body, else the start of the body, on one short line (an HTML error page is not a reason).
pub fn refusal(body: &[u8]) -> String {
    match serde_json::from_slice::<ErrorBody>(body) {
        Ok(ErrorBody { error }) => excerpt(&error.message),
        Err(_) => excerpt(&String::from_utf8_lossy(body)),
    }
}

/// `text` on one line, cut to [`EXCERPT_CHARS`], with control characters gone.
fn excerpt(text: &str) -> String {
    let line = text
        .split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    if line.is_empty() {
        return "(an empty body)".to_owned();
    }
    if line.chars().count() <= EXCERPT_CHARS {
        line
    } else {
        let cut: String = line.chars().take(EXCERPT_CHARS).collect();
        format!("{cut}…")
    }
}

// ---- reading a reply -----------------------------------------------------------------------

/// What was wrong with a server's reply. Each says what the server did, so a caller can put
/// the server's name in front ("the supervisor endpoint sent …").
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReplyError {
    /// A line of the event stream is not UTF-8.
    #[error("sent a line that is not UTF-8")]
    NotUtf8,
    /// The reply, or one event of it, is larger than the bound.
    #[error("sent more than {} KiB", .max / 1024)]
    TooLarge {
        /// The bound, in bytes.
        max: usize,
    },
    /// An event's data is not JSON.
    #[error("sent an event that is not JSON: {excerpt}")]
    NotJson {
        /// The start of the data.
        excerpt: String,
    },
    /// An event is JSON but not a `chat.completion.chunk`.
    #[error("sent an event that is not a chat.completion.chunk ({why}): {excerpt}")]
    NotAChunk {
        /// What serde found wrong.
        why: String,
        /// The start of the data.
        excerpt: String,
    },
    /// The server put an error in the stream or the body.
    #[error("reported an error: {message}")]
    Reported {
        /// Its message, on one line.
        message: String,
    },
    /// More tool calls, or a higher `index`, than [`MAX_TOOL_CALLS`].
    #[error("made more than {MAX_TOOL_CALLS} tool calls at once")]
    TooManyCalls,
    /// The stream ended with neither `[DONE]` nor a `finish_reason`.
    #[error("ended its stream before the answer was complete")]
    EndedEarly,
    /// A whole (unstreamed) reply that does not parse.
    #[error("answered with JSON that does not parse ({why})")]
    BadCompletion {
        /// What serde found wrong.
        why: String,
    },
    /// A whole reply without an assistant message in `choices[0]`.
    #[error("answered without `choices[0].message`; is it a Chat Completions endpoint?")]
    NoMessage,
}

/// One event of a Chat Completions stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SseEvent {
    /// An event's data (its `data:` lines joined with `\n`): a chunk's JSON.
    Data(String),
    /// `data: [DONE]`: the reply is complete.
    Done,
}

/// A server-sent-events parser fed with bytes as they arrive: lines may be cut anywhere,
/// inside a UTF-8 character or between a CR and its LF.
///
/// It follows the WHATWG rules as far as Chat Completions uses them: lines end with LF, CRLF
/// or CR; a blank line ends an event; `data` lines are joined with `\n`, one space after the
/// colon dropped; comments (`: keep-alive`) and other fields (`event`, `id`, `retry`) are
/// ignored; a leading byte-order mark is skipped. An event's data of `[DONE]` is
/// [`SseEvent::Done`].
#[derive(Debug, Clone)]
pub struct Sse {
    /// The line being read, not yet ended.
    line: Vec<u8>,
    /// The data of the event being read.
    data: Option<String>,
    /// The last byte was a CR: an LF right after it ends no second line.
    after_cr: bool,
    /// No line has ended yet: a byte-order mark may open this one.
    first_line: bool,
    /// The largest event, in bytes.
    max_event: usize,
}

impl Default for Sse {
    fn default() -> Self {
        Sse::new(MAX_REPLY_BYTES)
    }
}

impl Sse {
    /// A parser refusing events larger than `max_event` bytes.
    pub fn new(max_event: usize) -> Sse {
        Sse {
            line: Vec::new(),
            data: None,
            after_cr: false,
            first_line: true,
            max_event,
        }
    }

    /// Takes the next `bytes`; appends the events they complete to `events`.
    pub fn push(&mut self, bytes: &[u8], events: &mut Vec<SseEvent>) -> Result<(), ReplyError> {
        for &b in bytes {
            let after_cr = std::mem::replace(&mut self.after_cr, b == b'\r');
            match b {
                b'\n' if after_cr => {}
                b'\n' | b'\r' => {
                    let line = std::mem::take(&mut self.line);
                    self.line_done(&line, events)?;
                }
                _ => {
                    self.line.push(b);
                    let pending = self.line.len() + self.data.as_ref().map_or(0, String::len);
                    if pending > self.max_event {
                        return Err(ReplyError::TooLarge {
                            max: self.max_event,
                        });
                    }
                }
            }
        }
        Ok(())
    }

    /// The stream ended: the event still being read, if it has data (servers often drop the
    /// last blank line).
    pub fn finish(&mut self) -> Result<Option<SseEvent>, ReplyError> {
        let line = std::mem::take(&mut self.line);
        let mut events = Vec::new();
        if !line.is_empty() {
            self.line_done(&line, &mut events)?;
        }
        self.line_done(&[], &mut events)?;
        Ok(events.pop())
    }

    fn line_done(&mut self, mut line: &[u8], events: &mut Vec<SseEvent>) -> Result<(), ReplyError> {
        if line.is_empty() {
            self.first_line = false;
            if let Some(data) = self.data.take() {
                events.push(if data.trim() == "[DONE]" {
                    SseEvent::Done
                } else {
                    SseEvent::Data(data)
                });
            }
            return Ok(());
        }
        // The byte-order mark may only open the stream.
        if std::mem::take(&mut self.first_line) {
            line = line.strip_prefix(b"\xef\xbb\xbf").unwrap_or(line);
        }
        let line = std::str::from_utf8(line).map_err(|_| ReplyError::NotUtf8)?;
        let (field, value) = line.split_once(':').unwrap_or((line, ""));
        if field == "data" {
            let value = value.strip_prefix(' ').unwrap_or(value);
            match &mut self.data {
                Some(data) => {
                    data.push('\n');
                    data.push_str(value);
                }
                None => self.data = Some(value.to_owned()),
            }
        }
        Ok(())
    }
}

/// The assistant's reply, put together: its text and the tool calls it made.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Reply {
    /// The text, all pieces joined (empty when it only called tools).
    pub content: String,
    /// The calls, in `index` order, each with an id (made up as `call_<index>` when the
    /// server gave none, so its result can still name it).
    pub tool_calls: Vec<ToolCall>,
    /// Why the reply ended, when the server said.
    pub finish_reason: Option<FinishReason>,
}

impl Reply {
    /// The assistant message to replay before the calls' results, so each `tool` message
    /// follows the call it answers.
    pub fn to_message(&self) -> Message {
        Message::Assistant(AssistantMessage {
            content: (!self.content.is_empty()).then(|| self.content.clone()),
            tool_calls: self.tool_calls.clone(),
        })
    }
}

/// A tool call being streamed: its pieces so far.
#[derive(Debug, Clone, Default)]
struct PartialCall {
    id: String,
    name: String,
    arguments: String,
}

/// Folds the chunks of one streamed reply into a [`Reply`]. Only choice 0 is read (one is
/// asked for); usage-only chunks add nothing.
#[derive(Debug, Clone, Default)]
pub struct Accumulator {
    content: String,
    calls: BTreeMap<u32, PartialCall>,
    finish_reason: Option<FinishReason>,
}

impl Accumulator {
    /// Takes the next chunk.
    pub fn push(&mut self, chunk: Chunk) -> Result<(), ReplyError> {
        let Some(choice) = chunk.choices.into_iter().find(|c| c.index == 0) else {
            return Ok(());
        };
        if let Some(reason) = choice.finish_reason {
            self.finish_reason = Some(reason);
        }
        if let Some(text) = choice.delta.content {
            self.content.push_str(&text);
        }
        for (position, piece) in choice.delta.tool_calls.into_iter().enumerate() {
            let index = piece
                .index
                .unwrap_or_else(|| u32::try_from(position).unwrap_or(u32::MAX));
            if usize::try_from(index).map_or(true, |i| i >= MAX_TOOL_CALLS) {
                return Err(ReplyError::TooManyCalls);
            }
            let call = self.calls.entry(index).or_default();
            if let Some(id) = piece.id.filter(|id| !id.is_empty()) {
                call.id = id;
            }
            if let Some(function) = piece.function {
                if let Some(name) = function.name.filter(|n| !n.is_empty()) {
                    call.name = name;
                }
                if let Some(arguments) = function.arguments {
                    call.arguments.push_str(&arguments);
                }
            }
        }
        Ok(())
    }

    /// Why the reply ended, once a chunk has said.
    pub fn finish_reason(&self) -> Option<&FinishReason> {
        self.finish_reason.as_ref()
    }

    /// The reply as read so far.
    pub fn finish(self) -> Reply {
        let tool_calls = self
            .calls
            .into_iter()
            .map(|(index, call)| ToolCall {
                id: if call.id.is_empty() {
                    format!("call_{index}")
                } else {
                    call.id
                },
                kind: Function,
                function: FunctionCall {
                    name: call.name,
                    arguments: call.arguments,
                },
            })
            .collect();
        Reply {
            content: self.content,
            tool_calls,
            finish_reason: self.finish_reason,
        }
    }
}

/// What a [`ReplyReader`] made of the bytes so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Progress {
    /// The reply is not complete yet.
    More,
    /// `[DONE]` arrived: the reply is whole. Later bytes are ignored, and
    /// [`ReplyReader::end`] gives the same reply again.
    Complete(Reply),
}

/// How the body is being read, decided by its first byte that is not whitespace.
#[derive(Debug, Clone)]
enum Body {
    Undecided,
    /// Server-sent events.
    Stream(Sse, Accumulator),
    /// One JSON completion, from a server that ignored `stream: true`.
    Whole(Vec<u8>),
    /// `[DONE]` was read: the reply.
    Complete(Reply),
}

/// Reads one reply from raw body bytes: a stream of chunks, or a whole [`Completion`] from a
/// server that does not stream, told apart by the body's first character (`{` opens JSON;
/// an event stream starts with a field or a comment). At most `max_bytes` are read.
#[derive(Debug, Clone)]
pub struct ReplyReader {
    body: Body,
    read: usize,
    max_bytes: usize,
}

impl Default for ReplyReader {
    fn default() -> Self {
        ReplyReader::new(MAX_REPLY_BYTES)
    }
}

impl ReplyReader {
    /// A reader refusing replies longer than `max_bytes`.
    pub fn new(max_bytes: usize) -> ReplyReader {
        ReplyReader {
            body: Body::Undecided,
            read: 0,
            max_bytes,
        }
    }

    /// Takes the next bytes of the body. Once the reply is complete, says so again for
    /// whatever follows.
    pub fn push(&mut self, mut bytes: &[u8]) -> Result<Progress, ReplyError> {
        if let Body::Complete(reply) = &self.body {
            return Ok(Progress::Complete(reply.clone()));
        }
        self.read = self.read.saturating_add(bytes.len());
        if self.read > self.max_bytes {
            return Err(ReplyError::TooLarge {
                max: self.max_bytes,
            });
        }
        if matches!(self.body, Body::Undecided) {
            let start = bytes.iter().position(|b| !b.is_ascii_whitespace());
            let Some(start) = start else {
                return Ok(Progress::More);
            };
            bytes = &bytes[start..];
            self.body = if bytes[0] == b'{' {
                Body::Whole(Vec::new())
            } else {
                Body::Stream(Sse::new(self.max_bytes), Accumulator::default())
            };
        }
        match &mut self.body {
            Body::Stream(sse, accumulator) => {
                let mut events = Vec::new();
                sse.push(bytes, &mut events)?;
                for event in events {
                    if let Some(reply) = take_event(accumulator, event)? {
                        self.body = Body::Complete(reply.clone());
                        return Ok(Progress::Complete(reply));
                    }
                }
                Ok(Progress::More)
            }
            Body::Whole(whole) => {
                whole.extend_from_slice(bytes);
                Ok(Progress::More)
            }
            Body::Undecided | Body::Complete(_) => Ok(Progress::More),
        }
    }

    /// The body ended: the reply, if it is whole. A stream without `[DONE]` is whole only if
    /// a `finish_reason` came first.
    pub fn end(self) -> Result<Reply, ReplyError> {
        match self.body {
            Body::Undecided => Err(ReplyError::EndedEarly),
            Body::Complete(reply) => Ok(reply),
            Body::Whole(body) => whole_reply(&body),
            Body::Stream(mut sse, mut accumulator) => {
                if let Some(event) = sse.finish()?
                    && let Some(reply) = take_event(&mut accumulator, event)?
                {
                    return Ok(reply);
                }
                if accumulator.finish_reason().is_some() {
                    Ok(accumulator.finish())
                } else {
                    Err(ReplyError::EndedEarly)
                }
            }
        }
    }
}

/// Folds one event in; the reply once `[DONE]` arrives.
fn take_event(accumulator: &mut Accumulator, event: SseEvent) -> Result<Option<Reply>, ReplyError> {
    match event {
        SseEvent::Done => Ok(Some(std::mem::take(accumulator).finish())),
        SseEvent::Data(data) => {
            accumulator.push(parse_chunk(&data)?)?;
            Ok(None)
        }
    }
}

/// One event's data as a chunk, or what the server sent instead.
pub fn parse_chunk(data: &str) -> Result<Chunk, ReplyError> {
    let value: Value = serde_json::from_str(data).map_err(|_| ReplyError::NotJson {
        excerpt: excerpt(data),
    })?;
    if let Some(error) = value.get("error") {
        return Err(reported(error));
    }
    serde_path_to_error::deserialize(value).map_err(|e| ReplyError::NotAChunk {
        why: e.to_string(),
        excerpt: excerpt(data),
    })
}

fn reported(error: &Value) -> ReplyError {
    let message = ApiError::deserialize(error).map_or_else(|_| error.to_string(), |e| e.message);
    ReplyError::Reported {
        message: excerpt(&message),
    }
}

/// A reply from a server that answered with one JSON completion.
fn whole_reply(body: &[u8]) -> Result<Reply, ReplyError> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| ReplyError::BadCompletion { why: e.to_string() })?;
    if let Some(error) = value.get("error") {
        return Err(reported(error));
    }
    let has_message = value
        .get("choices")
        .and_then(|c| c.get(0))
        .is_some_and(|c| c.get("message").is_some());
    if !has_message {
        return Err(ReplyError::NoMessage);
    }
    let completion: Completion = serde_path_to_error::deserialize(value)
        .map_err(|e| ReplyError::BadCompletion { why: e.to_string() })?;
    let Some(CompletionChoice {
        message: Message::Assistant(message),
        finish_reason,
        ..
    }) = completion.choices.into_iter().next()
    else {
        return Err(ReplyError::NoMessage);
    };
    if message.tool_calls.len() > MAX_TOOL_CALLS {
        return Err(ReplyError::TooManyCalls);
    }
    Ok(Reply {
        content: message.content.unwrap_or_default(),
        tool_calls: message.tool_calls,
        finish_reason,
    })
}

// ---- lenient field readers -----------------------------------------------------------------

/// A message's `content`: a string, or an array of content parts whose text parts are joined
/// (images and other parts say nothing to a text model here).
fn text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    optional_text(d)?.ok_or_else(|| D::Error::custom("content is null"))
}

fn optional_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    struct Part {
        #[serde(default)]
        text: String,
    }
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Content {
        Text(String),
        Parts(Vec<Part>),
    }
    Ok(
        Option::<Content>::deserialize(d)?.map(|content| match content {
            Content::Text(text) => text,
            Content::Parts(parts) => parts.into_iter().map(|p| p.text).collect(),
        }),
    )
}

/// A call's `arguments`: JSON text as the service sends it; some servers send the object
/// itself, which is written back as text.
fn arguments<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::String(s) => s,
        Value::Null => String::new(),
        other => other.to_string(),
    })
}

/// `null` read as the type's default (an empty list), as some servers write it.
fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn events(sse: &mut Sse, bytes: &[u8]) -> Vec<SseEvent> {
        let mut out = Vec::new();
        sse.push(bytes, &mut out).expect("events");
        out
    }

    fn data(text: &str) -> SseEvent {
        SseEvent::Data(text.to_owned())
    }

    /// Reads `body` whole, cut once at `cut`.
    fn read_cut(body: &[u8], cut: usize) -> Result<Reply, ReplyError> {
        let mut reader = ReplyReader::default();
        for piece in [&body[..cut], &body[cut..]] {
            if let Progress::Complete(reply) = reader.push(piece)? {
                return Ok(reply);
            }
        }
        reader.end()
    }

    const STREAM: &str = "data: {\"choices\":[{\"delta\":{\"role\":\"assistant\",\"content\":\"Your bal\"}}]}\r\n\r\n\
                          : keep-alive\n\n\
                          event: message\nid: 7\nretry: 100\n\
                          data: {\"choices\":[{\"delta\":{\"content\":\"ance is €5 – ok.\"},\"finish_reason\":\"stop\"}]}\n\n\
                          data: [DONE]\n\n";

    #[test]
    fn a_stream_cut_at_every_byte_reads_the_same() {
        let bytes = STREAM.as_bytes();
        for cut in 0..=bytes.len() {
            let reply = read_cut(bytes, cut).unwrap_or_else(|e| panic!("cut at {cut}: {e}"));
            assert_eq!(reply.content, "Your balance is €5 – ok.", "cut at {cut}");
            assert_eq!(reply.finish_reason, Some(FinishReason::Stop));
        }
        // And fed one byte at a time.
        let mut reader = ReplyReader::default();
        let mut complete = None;
        for b in bytes {
            if let Progress::Complete(reply) = reader.push(std::slice::from_ref(b)).expect("ok") {
                complete = Some(reply);
            }
        }
        assert_eq!(
            complete.map(|r| r.content).as_deref(),
            Some("Your balance is €5 – ok.")
        );
    }

    #[test]
    fn sse_lines_end_with_lf_crlf_or_cr_even_when_cr_and_lf_are_split() {
        let mut sse = Sse::default();
        assert_eq!(events(&mut sse, b"data: a\r"), []);
        assert_eq!(
            events(&mut sse, b"\n"),
            [],
            "the LF after a CR ends no line"
        );
        assert_eq!(events(&mut sse, b"\r\n"), [data("a")]);
        assert_eq!(
            events(&mut sse, b"data: b\r\rdata: c\n\n"),
            [data("b"), data("c")]
        );
    }

    #[test]
    fn sse_joins_data_lines_and_ignores_comments_and_other_fields() {
        let mut sse = Sse::default();
        let got = events(
            &mut sse,
            b": comment\n\nevent: x\ndata: one\ndata:two\nid: 3\ndata\n\n: ping\n\n",
        );
        assert_eq!(got, [data("one\ntwo\n")]);
        // Only one space after the colon is dropped.
        assert_eq!(events(&mut sse, b"data:  x\n\n"), [data(" x")]);
    }

    #[test]
    fn sse_done_and_a_leading_byte_order_mark() {
        let mut sse = Sse::default();
        assert_eq!(
            events(&mut sse, b"\xef\xbb\xbfdata: 1\n\ndata: [DONE]\n\n"),
            [data("1"), SseEvent::Done]
        );
        // Later, the same bytes are part of a field name, not a mark.
        assert_eq!(events(&mut sse, b"\xef\xbb\xbfdata: 2\n\n"), []);
    }

    #[test]
    fn sse_finish_keeps_an_event_missing_its_blank_line() {
        let mut sse = Sse::default();
        assert_eq!(events(&mut sse, b"data: last"), []);
        assert_eq!(sse.finish(), Ok(Some(data("last"))));
        assert_eq!(Sse::default().finish(), Ok(None));
    }

    #[test]
    fn sse_refuses_bytes_that_are_not_utf8_and_events_over_the_bound() {
        let mut out = Vec::new();
        assert_eq!(
            Sse::default().push(b"data: \xff\xfe\n", &mut out),
            Err(ReplyError::NotUtf8)
        );
        let mut sse = Sse::new(16);
        assert_eq!(sse.push(b"data: 0123456789\n", &mut out), Ok(()));
        assert_eq!(
            sse.push(b"data: 0123456789", &mut out),
            Err(ReplyError::TooLarge { max: 16 }),
            "the data so far and the line being read count together"
        );
    }

    #[test]
    fn tool_call_pieces_are_gathered_by_index() {
        let mut acc = Accumulator::default();
        for data in [
            r#"{"choices":[{"delta":{"tool_calls":[{"index":1,"id":"b","type":"function","function":{"name":"two","arguments":""}}]}}]}"#,
            r#"{"choices":[{"delta":{"tool_calls":[{"index":0,"id":"a","function":{"name":"one","arguments":"{\"x\""}}]}}]}"#,
            r#"{"choices":[{"delta":{"tool_calls":[{"index":0,"function":{"arguments":":1}"}}]}}]}"#,
            r#"{"choices":[{"delta":{"tool_calls":[{"function":{"arguments":"{}"}}]}}]}"#,
            r#"{"choices":[{"delta":{"content":null,"tool_calls":null},"finish_reason":"tool_calls"}]}"#,
        ] {
            acc.push(parse_chunk(data).expect("a chunk"))
                .expect("taken");
        }
        let reply = acc.finish();
        let calls: Vec<(&str, &str, &str)> = reply
            .tool_calls
            .iter()
            .map(|c| {
                (
                    c.id.as_str(),
                    c.function.name.as_str(),
                    c.function.arguments.as_str(),
                )
            })
            .collect();
        // The piece without an index belongs to the call at its place (0).
        assert_eq!(calls, [("a", "one", "{\"x\":1}{}"), ("b", "two", "")]);
        assert_eq!(reply.finish_reason, Some(FinishReason::ToolCalls));
        assert_eq!(reply.content, "");
    }

    #[test]
    fn a_call_without_an_id_gets_one_and_the_replay_message_carries_the_calls() {
        let mut acc = Accumulator::default();
        let chunk = r#"{"choices":[{"delta":{"tool_calls":[{"index":2,"function":{"name":"f","arguments":"{}"}}]}}]}"#;
        acc.push(parse_chunk(chunk).expect("a chunk"))
            .expect("taken");
        let reply = acc.finish();
        assert_eq!(reply.tool_calls[0].id, "call_2");
        assert_eq!(
            serde_json::to_value(reply.to_message()).expect("JSON"),
            json!({"role": "assistant", "content": null, "tool_calls": [
                {"id": "call_2", "type": "function", "function": {"name": "f", "arguments": "{}"}}
            ]})
        );
    }

    #[test]
    fn unknown_fields_other_choices_and_usage_chunks_are_ignored() {
        let mut acc = Accumulator::default();
        for data in [
            r#"{"id":"x","object":"chat.completion.chunk","obfuscation":"abc","system_fingerprint":null,"choices":[{"index":0,"logprobs":null,"delta":{"content":"Hi","refusal":null,"extra":1}}]}"#,
            r#"{"choices":[{"index":1,"delta":{"content":" other choice"}}]}"#,
            r#"{"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":1,"total_tokens":4}}"#,
            r#"{"choices":[{"delta":{},"finish_reason":"something_new"}]}"#,
        ] {
            acc.push(parse_chunk(data).expect(data)).expect("taken");
        }
        let reply = acc.finish();
        assert_eq!(reply.content, "Hi");
        assert_eq!(
            reply.finish_reason,
            Some(FinishReason::Other("something_new".into()))
        );
    }

    #[test]
    fn bad_events_are_typed_errors() {
        assert!(matches!(
            parse_chunk("not json"),
            Err(ReplyError::NotJson { .. })
        ));
        for data in [
            "[1,2]",
            r#"{"no":"choices"}"#,
            r#"{"choices":[{"delta":{"content":7}}]}"#,
            r#"{"choices":[{"delta":{"tool_calls":[{"index":99999999999}]}}]}"#,
        ] {
            assert!(
                matches!(parse_chunk(data), Err(ReplyError::NotAChunk { .. })),
                "{data}"
            );
        }
        for (data, message) in [
            (
                r#"{"error":{"message":"overloaded\nnow"}}"#,
                "overloaded now",
            ),
            (r#"{"error":"rate limited"}"#, "rate limited"),
            (r#"{"error":{"code":503}}"#, "no message"),
        ] {
            assert_eq!(
                parse_chunk(data),
                Err(ReplyError::Reported {
                    message: message.into()
                }),
                "{data}"
            );
        }
        let mut acc = Accumulator::default();
        let far = r#"{"choices":[{"delta":{"tool_calls":[{"index":16}]}}]}"#;
        assert_eq!(
            acc.push(parse_chunk(far).expect("a chunk")),
            Err(ReplyError::TooManyCalls)
        );
    }

    #[test]
    fn a_bad_event_in_a_stream_stops_the_read() {
        let body = b"data: {\"choices\":[{\"delta\":{\"content\":\"Hel\n\n";
        let mut reader = ReplyReader::default();
        assert!(matches!(reader.push(body), Err(ReplyError::NotJson { .. })));
    }

    #[test]
    fn a_stream_without_done_is_whole_only_after_a_finish_reason() {
        let finished = "data: {\"choices\":[{\"delta\":{\"content\":\"All set.\"}}]}\n\n\
                        data: {\"choices\":[{\"delta\":{},\"finish_reason\":\"stop\"}]}";
        let mut reader = ReplyReader::default();
        assert_eq!(reader.push(finished.as_bytes()), Ok(Progress::More));
        assert_eq!(reader.end().map(|r| r.content).as_deref(), Ok("All set."));

        let cut = "data: {\"choices\":[{\"delta\":{\"content\":\"Your balance is\"}}]}\n\n";
        let mut reader = ReplyReader::default();
        assert_eq!(reader.push(cut.as_bytes()), Ok(Progress::More));
        assert_eq!(reader.end(), Err(ReplyError::EndedEarly));

        assert_eq!(ReplyReader::default().end(), Err(ReplyError::EndedEarly));
        let mut reader = ReplyReader::default();
        assert_eq!(
            reader.push(b"Hello! I am a web server.\n"),
            Ok(Progress::More)
        );
        assert_eq!(reader.end(), Err(ReplyError::EndedEarly));
    }

    #[test]
    fn bytes_after_done_are_ignored() {
        let mut reader = ReplyReader::default();
        let Ok(Progress::Complete(reply)) = reader
            .push(b"data: {\"choices\":[{\"delta\":{\"content\":\"ok\"}}]}\n\ndata: [DONE]\n\n")
        else {
            panic!("complete")
        };
        assert_eq!(reply.content, "ok");
        assert_eq!(
            reader.push(b"garbage\xff\n\n"),
            Ok(Progress::Complete(reply.clone()))
        );
        assert_eq!(reader.end(), Ok(reply));
    }

    #[test]
    fn the_size_bound_holds_for_the_whole_reply() {
        let mut reader = ReplyReader::new(64);
        let event = "data: {\"choices\":[{\"delta\":{\"content\":\"x\"}}]}\n\n";
        assert_eq!(reader.push(event.as_bytes()), Ok(Progress::More));
        assert_eq!(
            reader.push(event.as_bytes()),
            Err(ReplyError::TooLarge { max: 64 })
        );
        assert_eq!(
            ReplyError::TooLarge {
                max: MAX_REPLY_BYTES
            }
            .to_string(),
            "sent more than 256 KiB"
        );
    }

    #[test]
    fn a_server_that_does_not_stream_is_read_whole() {
        let completion = json!({
            "id": "chatcmpl-1", "object": "chat.completion",
            "choices": [{"index": 0, "finish_reason": "tool_calls", "message": {
                "role": "assistant", "content": null, "refusal": null,
                "tool_calls": [{"id": "c1", "type": "function",
                    "function": {"name": "f", "arguments": {"zip": "98101"}}}]}}],
        })
        .to_string();
        let bytes = completion.as_bytes();
        for cut in 0..=bytes.len() {
            let reply = read_cut(bytes, cut).expect("a reply");
            assert_eq!(reply.tool_calls.len(), 1);
            assert_eq!(
                reply.tool_calls[0].function.arguments, r#"{"zip":"98101"}"#,
                "an object given as arguments is kept as JSON text"
            );
        }
        let whole = |body: &str| {
            let mut reader = ReplyReader::default();
            reader.push(body.as_bytes())?;
            reader.end()
        };
        assert!(matches!(
            whole("  {\"choices\": ["),
            Err(ReplyError::BadCompletion { .. })
        ));
        assert_eq!(whole(r#"{"object": "list"}"#), Err(ReplyError::NoMessage));
        assert_eq!(
            whole(r#"{"error": {"message": "nope"}}"#),
            Err(ReplyError::Reported {
                message: "nope".into()
            })
        );
        assert_eq!(
            whole(r#"{"choices":[{"message":{"role":"assistant","content":[{"type":"text","text":"Hi"}]}}]}"#)
                .map(|r| r.content)
                .as_deref(),
            Ok("Hi"),
            "content parts are joined"
        );
    }

    #[test]
    fn a_request_round_trips_and_leaves_out_what_is_empty() {
        let request = Request {
            model: "gpt-5".into(),
            messages: vec![
                Message::system("Be brief."),
                Message::user("Hi"),
                Message::Assistant(AssistantMessage {
                    content: None,
                    tool_calls: vec![ToolCall {
                        id: "c1".into(),
                        kind: Function,
                        function: FunctionCall {
                            name: "f".into(),
                            arguments: "{}".into(),
                        },
                    }],
                }),
                Message::tool("c1", "{\"ok\":true}"),
            ],
            tools: vec![Tool::function("f", "Does f.", json!({"type": "object"}))],
            tool_choice: Some(ToolChoice::Function("f".into())),
            stream: true,
            stream_options: None,
        };
        let value = serde_json::to_value(&request).expect("JSON");
        assert_eq!(
            value,
            json!({
                "model": "gpt-5",
                "messages": [
                    {"role": "system", "content": "Be brief."},
                    {"role": "user", "content": "Hi"},
                    {"role": "assistant", "content": null, "tool_calls": [
                        {"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}]},
                    {"role": "tool", "tool_call_id": "c1", "content": "{\"ok\":true}"},
                ],
                "tools": [{"type": "function", "function": {"name": "f", "description": "Does f.", "parameters": {"type": "object"}}}],
                "tool_choice": {"type": "function", "function": {"name": "f"}},
                "stream": true,
            })
        );
        assert_eq!(Request::from_value(value), Ok(request.clone()));

        let bare = Request {
            tools: Vec::new(),
            tool_choice: None,
            stream: false,
            ..request
        };
        let value = serde_json::to_value(&bare).expect("JSON");
        assert_eq!(value.get("tools"), None, "no empty tool list");
        assert_eq!(value.get("stream"), None);
        for (choice, text) in [
            (ToolChoice::None, "none"),
            (ToolChoice::Auto, "auto"),
            (ToolChoice::Required, "required"),
        ] {
            assert_eq!(serde_json::to_value(&choice).expect("JSON"), json!(text));
            assert_eq!(
                serde_json::from_value::<ToolChoice>(json!(text)).ok(),
                Some(choice)
            );
        }
    }

    #[test]
    fn bad_requests_say_which_check_failed() {
        assert_eq!(
            Request::from_json(b"not json"),
            Err(RequestError::NotAnObject)
        );
        assert_eq!(Request::from_json(b"[1]"), Err(RequestError::NotAnObject));
        assert_eq!(
            Request::from_json(br#"{"messages":[{"role":"user","content":"x"}]}"#),
            Err(RequestError::NoModel)
        );
        assert_eq!(
            Request::from_json(br#"{"model":"m","messages":[]}"#),
            Err(RequestError::NoMessages)
        );
        let Err(RequestError::Invalid { path, .. }) = Request::from_json(
            br#"{"model":"m","messages":[{"role":"user"},{"role":"robot","content":"x"}]}"#,
        ) else {
            panic!("invalid")
        };
        assert_eq!(path, "messages[0]");
        assert!(matches!(
            Request::from_json(br#"{"model":"m","messages":[{"role":"robot","content":"x"}]}"#),
            Err(RequestError::Invalid { .. })
        ));
        assert!(matches!(
            Request::from_json(br#"{"model":"m","messages":[{"role":"user","content":"x"}],"tool_choice":"maybe"}"#),
            Err(RequestError::Invalid { .. })
        ));
    }

    #[test]
    fn chunks_and_completions_are_written_in_the_documented_shape() {
        let chunk = Chunk {
            id: "chatcmpl-1".into(),
            object: ChunkObject,
            created: 7,
            model: "m".into(),
            choices: vec![ChunkChoice {
                index: 0,
                delta: Delta {
                    content: Some("Hi".into()),
                    ..Delta::default()
                },
                finish_reason: None,
            }],
            usage: None,
        };
        assert_eq!(
            serde_json::to_value(&chunk).expect("JSON"),
            json!({"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 7,
                   "model": "m", "choices": [{"index": 0, "delta": {"content": "Hi"}, "finish_reason": null}]})
        );
        assert_eq!(
            serde_json::to_value(ErrorBody {
                error: ApiError::new("server_error", "overloaded")
            })
            .expect("JSON"),
            json!({"error": {"message": "overloaded", "type": "server_error", "param": null, "code": null}})
        );
    }

    #[test]
    fn a_refusal_is_one_short_line() {
        let long = "x ".repeat(500);
        assert!(refusal(long.as_bytes()).chars().count() <= EXCERPT_CHARS + 1);
        assert_eq!(
            refusal(br#"{"error":{"message":"Rate limit\nreached"}}"#),
            "Rate limit reached"
        );
        assert_eq!(refusal(b""), "(an empty body)");
        assert_eq!(
            refusal(b"<html>\n<b>Bad</b> gateway</html>"),
            "<html> <b>Bad</b> gateway</html>"
        );
    }

    proptest::proptest! {
        #[test]
        fn a_reply_cut_anywhere_reads_the_same(cuts in proptest::collection::vec(0..STREAM.len(), 0..8)) {
            let bytes = STREAM.as_bytes();
            let mut cuts = cuts;
            cuts.sort_unstable();
            let mut reader = ReplyReader::default();
            let mut start = 0;
            for cut in cuts.into_iter().chain([bytes.len()]) {
                reader.push(&bytes[start..cut]).expect("no error");
                start = cut;
            }
            proptest::prop_assert_eq!(reader.end().expect("whole").content, "Your balance is €5 – ok.");
        }

        #[test]
        fn arbitrary_bytes_never_panic(chunks in proptest::collection::vec(proptest::collection::vec(proptest::num::u8::ANY, 0..64), 0..8)) {
            let mut reader = ReplyReader::new(256);
            for chunk in &chunks {
                if reader.push(chunk).is_err() {
                    return Ok(());
                }
            }
            let _ = reader.end();
        }
    }
}
