//! The response object (`response.created` / `response.done`), its status, details and usage,
//! and the parameters of `response.create`.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use crate::session::{
    AudioFormat, MaxOutputTokens, Modality, Prompt, Reasoning, Tool, ToolChoice, Voice,
};
use crate::{Extra, Item, ItemId, Nullable, ResponseId, de};

/// A response, as reported by `response.created` (in progress, no output) and
/// `response.done` (final, audio stripped).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Response {
    /// `resp_…`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<ResponseId>,
    /// `realtime.response`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object: Option<String>,
    /// Where the response stands.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<ResponseStatus>,
    /// Why it ended as it did.
    #[serde(default, skip_serializing_if = "Nullable::is_absent")]
    pub status_details: Nullable<StatusDetails>,
    /// The items the response produced.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<Vec<Item>>,
    /// `conv_…`, or `null` for an out-of-band response.
    #[serde(default, skip_serializing_if = "Nullable::is_absent")]
    pub conversation_id: Nullable<String>,
    /// Modalities of this response.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_modalities: Option<Vec<Modality>>,
    /// Token cap of this response.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_output_tokens: Option<MaxOutputTokens>,
    /// Output audio format and voice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audio: Option<ResponseAudio>,
    /// Token usage; `null` until the response is done.
    #[serde(default, skip_serializing_if = "Nullable::is_absent")]
    pub usage: Nullable<Usage>,
    /// Metadata given in `response.create`.
    #[serde(default, skip_serializing_if = "Nullable::is_absent")]
    pub metadata: Nullable<BTreeMap<String, String>>,
    /// Fields this type does not name, kept as a server sent them (see [`Extra`]).
    #[serde(flatten)]
    pub extra: Extra,
}

/// `realtime.response`, the `object` of a response.
pub const RESPONSE_OBJECT: &str = "realtime.response";

/// Where a response stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResponseStatus {
    /// Still being generated.
    InProgress,
    /// Finished normally.
    Completed,
    /// Stopped by the client or by turn detection.
    Cancelled,
    /// Stopped by a limit or a filter.
    Incomplete,
    /// Failed; see the details.
    Failed,
}

/// Why a response ended as it did.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct StatusDetails {
    /// The final status (not `in_progress`).
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<ResponseStatus>,
    /// Why it was cancelled or incomplete.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<StatusReason>,
    /// What failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<StatusError>,
    /// Fields this type does not name, kept as a server sent them (see [`Extra`]).
    #[serde(flatten)]
    pub extra: Extra,
}

/// Why a response was cancelled or left incomplete.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StatusReason {
    /// The user started speaking (barge-in).
    TurnDetected,
    /// The client sent `response.cancel`.
    ClientCancelled,
    /// The output token cap was reached.
    MaxOutputTokens,
    /// A content filter stopped it.
    ContentFilter,
}

/// The error behind a failed response.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct StatusError {
    /// Error type.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Error code; servers write `null` for errors without one.
    #[serde(default, skip_serializing_if = "Nullable::is_absent")]
    pub code: Nullable<String>,
    /// A sentence for a person.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Fields this type does not name, kept as a server sent them (see [`Extra`]).
    #[serde(flatten)]
    pub extra: Extra,
}

/// `audio` of a response.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ResponseAudio {
    /// The output settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<ResponseAudioOutput>,
    /// Fields this type does not name, kept as a server sent them (see [`Extra`]).
    #[serde(flatten)]
    pub extra: Extra,
}

/// `audio.output` of a response or of `response.create`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ResponseAudioOutput {
    /// The format.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<AudioFormat>,
    /// The voice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub voice: Option<Voice>,
    /// Fields this type does not name, kept as a server sent them (see [`Extra`]).
    #[serde(flatten)]
    pub extra: Extra,
}

/// Token usage of a response.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Usage {
    /// Input plus output.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_tokens: Option<u64>,
    /// Tokens read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_tokens: Option<u64>,
    /// Tokens written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_tokens: Option<u64>,
    /// Input by kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_token_details: Option<InputTokenDetails>,
    /// Output by kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_token_details: Option<TokenDetails>,
    /// Fields this type does not name, kept as a server sent them (see [`Extra`]).
    #[serde(flatten)]
    pub extra: Extra,
}

/// Input tokens by kind, with the cached share.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct InputTokenDetails {
    /// Text tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text_tokens: Option<u64>,
    /// Audio tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audio_tokens: Option<u64>,
    /// Image tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_tokens: Option<u64>,
    /// Tokens served from the cache.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cached_tokens: Option<u64>,
    /// Cached tokens by kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cached_tokens_details: Option<TokenDetails>,
    /// Fields this type does not name, kept as a server sent them (see [`Extra`]).
    #[serde(flatten)]
    pub extra: Extra,
}

/// Tokens by kind.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TokenDetails {
    /// Text tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text_tokens: Option<u64>,
    /// Audio tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audio_tokens: Option<u64>,
    /// Image tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_tokens: Option<u64>,
    /// Fields this type does not name, kept as a server sent them (see [`Extra`]).
    #[serde(flatten)]
    pub extra: Extra,
}

/// Parameters of `response.create`; each overrides the session for this response only.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ResponseParams {
    /// `auto` (the default conversation) or `none` (out of band: not added to it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversation: Option<ResponseConversation>,
    /// Context for this response instead of the conversation; `[]` means none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input: Option<Vec<InputItem>>,
    /// Instructions for this response.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instructions: Option<String>,
    /// Tools for this response; `[]` disables tools.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tools: Option<Vec<Tool>>,
    /// Tool choice for this response.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_choice: Option<ToolChoice>,
    /// Modalities for this response.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_modalities: Option<Vec<Modality>>,
    /// Output format and voice for this response.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audio: Option<ResponseAudio>,
    /// Token cap for this response.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_output_tokens: Option<MaxOutputTokens>,
    /// Up to 16 pairs, to tell parallel responses apart.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<BTreeMap<String, String>>,
    /// A stored prompt for this response.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt: Option<Prompt>,
    /// Parallel tool calls (later GA).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parallel_tool_calls: Option<bool>,
    /// Reasoning effort (later GA).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reasoning: Option<Reasoning>,
}

/// Which conversation a response writes to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ResponseConversation {
    /// `auto` or `none`.
    Mode(ConversationMode),
    /// A conversation by id.
    Id(String),
}

/// The keyword forms of `response.conversation`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConversationMode {
    /// The default conversation.
    Auto,
    /// Out of band: the output is not added to any conversation.
    None,
}

/// An entry of `response.input`: a whole item or a reference to one in the conversation.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum InputItem {
    /// A reference to an existing item.
    Reference(ItemReference),
    /// An item given in full.
    Item(Item),
}

/// `{"type":"item_reference","id":…}`. Only clients send it, so it keeps no unknown fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename = "item_reference")]
pub struct ItemReference {
    /// The referenced item.
    pub id: ItemId,
}

impl<'de> Deserialize<'de> for ItemReference {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Fields {
            id: ItemId,
        }
        let value = Value::deserialize(d)?;
        match de::tag(&value, "type")? {
            None | Some("item_reference") => {}
            Some(other) => return Err(de::unknown_tag("type", other, &["item_reference"])),
        }
        de::variant(de::untag(value, "type")).map(|f: Fields| Self { id: f.id })
    }
}

impl<'de> Deserialize<'de> for InputItem {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(d)?;
        if de::tag::<D::Error>(&value, "type")? == Some("item_reference") {
            de::variant(value).map(Self::Reference)
        } else {
            de::variant(value).map(Self::Item)
        }
    }
}
