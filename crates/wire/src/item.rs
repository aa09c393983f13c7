//! Conversation items (messages, function calls and their outputs, MCP items) and the
//! content parts of messages, in the GA shape.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use crate::{CallId, Extra, ItemId, Nullable, de};

/// A conversation item.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Item {
    /// A system, user or assistant message.
    Message(MessageItem),
    /// The model calling a function.
    FunctionCall(FunctionCallItem),
    /// The result of a function call, sent back to the model.
    FunctionCallOutput(FunctionCallOutputItem),
    /// The client's answer to an MCP approval request.
    McpApprovalResponse(McpApprovalResponseItem),
    /// The tools an MCP server offers.
    McpListTools(McpListToolsItem),
    /// A call the upstream service made to an MCP server.
    #[serde(rename = "mcp_call")]
    McpCall(McpCallItem),
    /// The upstream service asking whether it may call an MCP tool.
    McpApprovalRequest(McpApprovalRequestItem),
}

impl Item {
    /// The item's id, when it has one.
    pub fn id(&self) -> Option<&ItemId> {
        match self {
            Self::Message(m) => m.id.as_ref(),
            Self::FunctionCall(f) => f.id.as_ref(),
            Self::FunctionCallOutput(o) => o.id.as_ref(),
            Self::McpApprovalResponse(i) => Some(&i.id),
            Self::McpListTools(i) => i.id.as_ref(),
            Self::McpCall(i) => Some(&i.id),
            Self::McpApprovalRequest(i) => Some(&i.id),
        }
    }
}

de::tagged_deserialize!(Item, "type", {
    "message" => Message,
    "function_call" => FunctionCall,
    "function_call_output" => FunctionCallOutput,
    "mcp_approval_response" => McpApprovalResponse,
    "mcp_list_tools" => McpListTools,
    "mcp_call" => McpCall,
    "mcp_approval_request" => McpApprovalRequest,
});

/// `realtime.item`, the `object` of items in server events.
pub const ITEM_OBJECT: &str = "realtime.item";

/// Progress of an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemStatus {
    /// Finished.
    Completed,
    /// Cut short (interrupted, or the response was cancelled).
    Incomplete,
    /// Still being written.
    InProgress,
}

/// Who wrote a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Instructions inserted into the conversation.
    System,
    /// The caller.
    User,
    /// The model.
    Assistant,
}

/// A message item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MessageItem {
    /// `item_…`; clients may choose their own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<ItemId>,
    /// `realtime.item` in server events.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object: Option<String>,
    /// Progress.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<ItemStatus>,
    /// Who wrote it.
    pub role: Role,
    /// The content parts.
    pub content: Vec<ContentPart>,
    /// Fields this type does not name, kept as a server sent them (see [`Extra`]).
    #[serde(flatten)]
    pub extra: Extra,
}

/// A part of a message's content.
///
/// Every part keeps the fields its type does not name in its `extra`, including a field of
/// another part type (`text` on an `input_audio` part), so nothing a server sent is lost.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ContentPart {
    /// Text from the user or system.
    InputText {
        /// The text.
        text: String,
        /// Fields this part does not name, kept as a server sent them (see [`Extra`]).
        #[serde(flatten)]
        extra: Extra,
    },
    /// Audio from the user, with its transcript once known.
    InputAudio {
        /// Base64 audio in the session's input format (omitted in most server events).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        audio: Option<String>,
        /// The transcript; `null` until transcription finishes.
        #[serde(default, skip_serializing_if = "Nullable::is_absent")]
        transcript: Nullable<String>,
        /// Fields this part does not name, kept as a server sent them (see [`Extra`]).
        #[serde(flatten)]
        extra: Extra,
    },
    /// An image from the user.
    InputImage {
        /// A `data:` URL.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        image_url: Option<String>,
        /// `auto`, `low` or `high`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        detail: Option<String>,
        /// Fields this part does not name, kept as a server sent them (see [`Extra`]).
        #[serde(flatten)]
        extra: Extra,
    },
    /// Text from the model.
    OutputText {
        /// The text.
        text: String,
        /// Fields this part does not name, kept as a server sent them (see [`Extra`]).
        #[serde(flatten)]
        extra: Extra,
    },
    /// Audio from the model, with its transcript.
    OutputAudio {
        /// Base64 audio (omitted in most server events).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        audio: Option<String>,
        /// What was said.
        #[serde(default, skip_serializing_if = "Nullable::is_absent")]
        transcript: Nullable<String>,
        /// Fields this part does not name, kept as a server sent them (see [`Extra`]).
        #[serde(flatten)]
        extra: Extra,
    },
    /// Audio from the model as `conversation.item.retrieved` reports it: the part type of
    /// the 2024 protocol, with the audio's format (OpenAI's own reference example:
    /// `{"type":"audio","transcript":…,"audio":…,"format":"pcm16"}`). Servers send it; a
    /// client's item may not carry it (the official client types have `output_audio` only).
    Audio {
        /// Base64 audio.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        audio: Option<String>,
        /// What was said.
        #[serde(default, skip_serializing_if = "Nullable::is_absent")]
        transcript: Nullable<String>,
        /// The audio's format as the 2024 protocol names it (`pcm16`, `g711_ulaw`, …).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        format: Option<String>,
        /// Fields this part does not name, kept as a server sent them (see [`Extra`]).
        #[serde(flatten)]
        extra: Extra,
    },
}

impl ContentPart {
    /// The part types a client may send.
    const CLIENT_KINDS: &'static [&'static str] = &[
        "input_text",
        "input_audio",
        "input_image",
        "output_text",
        "output_audio",
    ];

    /// The part types a server may send.
    const SERVER_KINDS: &'static [&'static str] = &[
        "input_text",
        "input_audio",
        "input_image",
        "output_text",
        "output_audio",
        "audio",
    ];

    /// `input_text` with `text`.
    pub fn input_text(text: impl Into<String>) -> Self {
        Self::InputText {
            text: text.into(),
            extra: Extra::new(),
        }
    }

    /// `output_text` with `text`.
    pub fn output_text(text: impl Into<String>) -> Self {
        Self::OutputText {
            text: text.into(),
            extra: Extra::new(),
        }
    }

    /// The text of the part: the text itself, or the transcript of audio.
    pub fn text(&self) -> Option<&str> {
        match self {
            Self::InputText { text, .. } | Self::OutputText { text, .. } => Some(text),
            Self::InputAudio { transcript, .. }
            | Self::OutputAudio { transcript, .. }
            | Self::Audio { transcript, .. } => transcript.as_value().map(String::as_str),
            Self::InputImage { .. } => None,
        }
    }

    /// The fields this part does not name.
    pub fn extra(&self) -> &Extra {
        match self {
            Self::InputText { extra, .. }
            | Self::InputAudio { extra, .. }
            | Self::InputImage { extra, .. }
            | Self::OutputText { extra, .. }
            | Self::OutputAudio { extra, .. }
            | Self::Audio { extra, .. } => extra,
        }
    }
}

/// The fields of every content part; which ones a part has depends on its type, and the
/// others go back among its unknown fields.
#[derive(Deserialize)]
struct RawPart {
    #[serde(default)]
    text: Nullable<String>,
    #[serde(default)]
    audio: Nullable<String>,
    #[serde(default)]
    transcript: Nullable<String>,
    #[serde(default)]
    image_url: Nullable<String>,
    #[serde(default)]
    detail: Nullable<String>,
    #[serde(default)]
    format: Nullable<String>,
    #[serde(flatten)]
    extra: Extra,
}

/// Puts a field this part type does not have back among the unknown ones, as it came.
fn keep(extra: &mut Extra, name: &'static str, field: Nullable<String>) {
    match field {
        Nullable::Absent => {}
        Nullable::Null => {
            extra.insert(name, Value::Null);
        }
        Nullable::Value(v) => {
            extra.insert(name, Value::String(v));
        }
    }
}

/// An optional string of this part type: absent and `null` both read as `None`, and a `null`
/// is kept among the unknown fields so that it is written back.
fn optional(extra: &mut Extra, name: &'static str, field: Nullable<String>) -> Option<String> {
    match field {
        Nullable::Value(v) => Some(v),
        Nullable::Null => {
            extra.insert(name, Value::Null);
            None
        }
        Nullable::Absent => None,
    }
}

impl<'de> Deserialize<'de> for ContentPart {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(d)?;
        let kind = match de::tag::<D::Error>(&value, "type")? {
            Some(kind) => kind.to_owned(),
            None => return Err(de::missing_tag("type")),
        };
        let kinds = if crate::unknown::refusing() {
            Self::CLIENT_KINDS
        } else {
            Self::SERVER_KINDS
        };
        if !kinds.contains(&kind.as_str()) {
            return Err(de::unknown_tag("type", &kind, kinds));
        }
        let RawPart {
            text,
            audio,
            transcript,
            image_url,
            detail,
            format,
            mut extra,
        } = de::variant(de::untag(value, "type"))?;
        let part = match kind.as_str() {
            "input_text" | "output_text" => {
                let text = match text {
                    Nullable::Value(text) => text,
                    Nullable::Absent => return Err(de::missing_tag("text")),
                    Nullable::Null => {
                        return Err(de::nested("text", "invalid type: null, expected a string"));
                    }
                };
                for (name, field) in [
                    ("audio", audio),
                    ("transcript", transcript),
                    ("image_url", image_url),
                    ("detail", detail),
                    ("format", format),
                ] {
                    keep(&mut extra, name, field);
                }
                if kind == "input_text" {
                    Self::InputText { text, extra }
                } else {
                    Self::OutputText { text, extra }
                }
            }
            "input_audio" | "output_audio" | "audio" => {
                let audio = optional(&mut extra, "audio", audio);
                for (name, field) in [("text", text), ("image_url", image_url), ("detail", detail)]
                {
                    keep(&mut extra, name, field);
                }
                match kind.as_str() {
                    "input_audio" => {
                        keep(&mut extra, "format", format);
                        Self::InputAudio {
                            audio,
                            transcript,
                            extra,
                        }
                    }
                    "output_audio" => {
                        keep(&mut extra, "format", format);
                        Self::OutputAudio {
                            audio,
                            transcript,
                            extra,
                        }
                    }
                    _ => Self::Audio {
                        audio,
                        transcript,
                        format: optional(&mut extra, "format", format),
                        extra,
                    },
                }
            }
            _ => {
                let image_url = optional(&mut extra, "image_url", image_url);
                let detail = optional(&mut extra, "detail", detail);
                for (name, field) in [
                    ("text", text),
                    ("audio", audio),
                    ("transcript", transcript),
                    ("format", format),
                ] {
                    keep(&mut extra, name, field);
                }
                Self::InputImage {
                    image_url,
                    detail,
                    extra,
                }
            }
        };
        Ok(part)
    }
}

/// The model calling a function.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FunctionCallItem {
    /// `item_…`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<ItemId>,
    /// `realtime.item` in server events.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object: Option<String>,
    /// Progress.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<ItemStatus>,
    /// `call_…`; pairs the call with its output.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call_id: Option<CallId>,
    /// The function name.
    pub name: String,
    /// The arguments as a JSON text (empty while streaming).
    pub arguments: String,
    /// Fields this type does not name, kept as a server sent them (see [`Extra`]).
    #[serde(flatten)]
    pub extra: Extra,
}

/// The result of a function call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FunctionCallOutputItem {
    /// `item_…`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<ItemId>,
    /// `realtime.item` in server events.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object: Option<String>,
    /// Progress.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<ItemStatus>,
    /// The call this answers.
    pub call_id: CallId,
    /// The result, usually a JSON text.
    pub output: String,
    /// Fields this type does not name, kept as a server sent them (see [`Extra`]).
    #[serde(flatten)]
    pub extra: Extra,
}

/// The client approving or refusing an MCP tool call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct McpApprovalResponseItem {
    /// `item_…`.
    pub id: ItemId,
    /// The request answered.
    pub approval_request_id: String,
    /// Whether the call may go ahead.
    pub approve: bool,
    /// Why; `null` when no reason was given.
    #[serde(default, skip_serializing_if = "Nullable::is_absent")]
    pub reason: Nullable<String>,
    /// Fields this type does not name, kept as a server sent them (see [`Extra`]).
    #[serde(flatten)]
    pub extra: Extra,
}

/// The tools an MCP server offers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct McpListToolsItem {
    /// `item_…`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<ItemId>,
    /// The server.
    pub server_label: String,
    /// Its tools: `name`, `input_schema`, `description?`, `annotations?`.
    pub tools: Vec<Value>,
    /// Fields this type does not name, kept as a server sent them (see [`Extra`]).
    #[serde(flatten)]
    pub extra: Extra,
}

/// A call the upstream service made to an MCP server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct McpCallItem {
    /// `item_…`.
    pub id: ItemId,
    /// The server.
    pub server_label: String,
    /// The tool.
    pub name: String,
    /// The arguments as a JSON text.
    pub arguments: String,
    /// The approval this call waited for; servers write `null` when there was none.
    #[serde(default, skip_serializing_if = "Nullable::is_absent")]
    pub approval_request_id: Nullable<String>,
    /// The output, once done; `null` before, or when the call failed.
    #[serde(default, skip_serializing_if = "Nullable::is_absent")]
    pub output: Nullable<String>,
    /// The error, if it failed (protocol, execution or HTTP error object); `null` when it
    /// did not.
    #[serde(default, skip_serializing_if = "Nullable::is_absent")]
    pub error: Nullable<Value>,
    /// Fields this type does not name, kept as a server sent them (see [`Extra`]).
    #[serde(flatten)]
    pub extra: Extra,
}

/// The upstream service asking to call an MCP tool.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct McpApprovalRequestItem {
    /// `item_…`; answered by an approval response naming it.
    pub id: ItemId,
    /// The server.
    pub server_label: String,
    /// The tool.
    pub name: String,
    /// The arguments as a JSON text.
    pub arguments: String,
    /// Fields this type does not name, kept as a server sent them (see [`Extra`]).
    #[serde(flatten)]
    pub extra: Extra,
}
