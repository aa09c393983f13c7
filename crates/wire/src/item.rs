//! Conversation items (messages, function calls and their outputs, MCP items) and the
//! content parts of messages, in the GA shape.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use crate::{CallId, ItemId, Nullable, de};

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
}

/// A part of a message's content.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ContentPart {
    /// Text from the user or system.
    InputText {
        /// The text.
        text: String,
    },
    /// Audio from the user, with its transcript once known.
    InputAudio {
        /// Base64 audio in the session's input format (omitted in most server events).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        audio: Option<String>,
        /// The transcript; `null` until transcription finishes.
        #[serde(default, skip_serializing_if = "Nullable::is_absent")]
        transcript: Nullable<String>,
    },
    /// An image from the user.
    InputImage {
        /// A `data:` URL.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        image_url: Option<String>,
        /// `auto`, `low` or `high`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        detail: Option<String>,
    },
    /// Text from the model.
    OutputText {
        /// The text.
        text: String,
    },
    /// Audio from the model, with its transcript.
    OutputAudio {
        /// Base64 audio (omitted in most server events).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        audio: Option<String>,
        /// What was said.
        #[serde(default, skip_serializing_if = "Nullable::is_absent")]
        transcript: Nullable<String>,
    },
}

impl ContentPart {
    const KINDS: &'static [&'static str] = &[
        "input_text",
        "input_audio",
        "input_image",
        "output_text",
        "output_audio",
    ];

    /// The text of the part: the text itself, or the transcript of audio.
    pub fn text(&self) -> Option<&str> {
        match self {
            Self::InputText { text } | Self::OutputText { text } => Some(text),
            Self::InputAudio { transcript, .. } | Self::OutputAudio { transcript, .. } => {
                transcript.as_value().map(String::as_str)
            }
            Self::InputImage { .. } => None,
        }
    }
}

/// The fields of every content part; which ones are required depends on the type.
#[derive(Deserialize)]
struct RawPart {
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    audio: Option<String>,
    #[serde(default)]
    transcript: Nullable<String>,
    #[serde(default)]
    image_url: Option<String>,
    #[serde(default)]
    detail: Option<String>,
}

impl<'de> Deserialize<'de> for ContentPart {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(d)?;
        let kind = match de::tag::<D::Error>(&value, "type")? {
            Some(kind) => kind.to_owned(),
            None => return Err(de::missing_tag("type")),
        };
        let raw: RawPart = de::variant(value)?;
        let text = |text: Option<String>| text.ok_or_else(|| de::missing_tag::<D::Error>("text"));
        match kind.as_str() {
            "input_text" => Ok(Self::InputText {
                text: text(raw.text)?,
            }),
            "output_text" => Ok(Self::OutputText {
                text: text(raw.text)?,
            }),
            "input_audio" => Ok(Self::InputAudio {
                audio: raw.audio,
                transcript: raw.transcript,
            }),
            "output_audio" => Ok(Self::OutputAudio {
                audio: raw.audio,
                transcript: raw.transcript,
            }),
            "input_image" => Ok(Self::InputImage {
                image_url: raw.image_url,
                detail: raw.detail,
            }),
            other => Err(de::unknown_tag("type", other, Self::KINDS)),
        }
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
    /// Why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
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
    /// The approval this call waited for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approval_request_id: Option<String>,
    /// The output, once done.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<String>,
    /// The error, if it failed (protocol, execution or HTTP error object).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<Value>,
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
}
