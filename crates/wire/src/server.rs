//! Events the Realtime API sends to a client (GA).

use serde::{Deserialize, Serialize};

use crate::events::event_enum;
use crate::{
    CallId, EventId, Extra, Item, ItemId, Nullable, RealtimeError, Response, ResponseId, Session,
};

event_enum! {
    /// An event from the server (the model towards Switchboard, or Switchboard towards a caller).
    pub enum ServerEvent (unknown fields: Keep) {
        /// Something the client sent failed; most errors leave the session open.
        Error(ErrorEvent) = "error",
        /// The first event of a session, with its initial configuration.
        SessionCreated(SessionEvent) = "session.created",
        /// The full effective session after a `session.update`.
        SessionUpdated(SessionEvent) = "session.updated",
        /// The default conversation exists (optional in GA).
        ConversationCreated(ConversationCreated) = "conversation.created",
        /// An item was added (beta name, still in the GA union).
        ConversationItemCreated(ItemEvent) = "conversation.item.created",
        /// An item was added to the conversation.
        ConversationItemAdded(ItemEvent) = "conversation.item.added",
        /// An item is final.
        ConversationItemDone(ItemEvent) = "conversation.item.done",
        /// The answer to `conversation.item.retrieve`, with audio.
        ConversationItemRetrieved(ItemRetrieved) = "conversation.item.retrieved",
        /// An assistant audio item was cut where playback stopped.
        ConversationItemTruncated(ItemTruncated) = "conversation.item.truncated",
        /// An item was removed.
        ConversationItemDeleted(ItemDeleted) = "conversation.item.deleted",
        /// Part of a user item's transcript.
        InputTranscriptionDelta(TranscriptionDelta) = "conversation.item.input_audio_transcription.delta",
        /// A user item's transcript is final.
        InputTranscriptionCompleted(TranscriptionCompleted) = "conversation.item.input_audio_transcription.completed",
        /// Transcription of a user item failed.
        InputTranscriptionFailed(TranscriptionFailed) = "conversation.item.input_audio_transcription.failed",
        /// A diarized segment of a user item.
        InputTranscriptionSegment(TranscriptionSegment) = "conversation.item.input_audio_transcription.segment",
        /// The input buffer became a user item.
        InputAudioBufferCommitted(Committed) = "input_audio_buffer.committed",
        /// The input buffer was dropped.
        InputAudioBufferCleared(EventOnly) = "input_audio_buffer.cleared",
        /// Voice activity detection heard speech begin.
        InputAudioBufferSpeechStarted(SpeechStarted) = "input_audio_buffer.speech_started",
        /// Voice activity detection heard speech end.
        InputAudioBufferSpeechStopped(SpeechStopped) = "input_audio_buffer.speech_stopped",
        /// The caller was silent for `idle_timeout_ms`.
        InputAudioBufferTimeoutTriggered(TimeoutTriggered) = "input_audio_buffer.timeout_triggered",
        /// A DTMF key on a SIP call.
        InputAudioBufferDtmfEventReceived(DtmfReceived) = "input_audio_buffer.dtmf_event_received",
        /// A response started.
        ResponseCreated(ResponseEvent) = "response.created",
        /// A response ended (completed, cancelled, incomplete or failed).
        ResponseDone(ResponseEvent) = "response.done",
        /// A response began an output item.
        ResponseOutputItemAdded(OutputItemEvent) = "response.output_item.added",
        /// An output item is final.
        ResponseOutputItemDone(OutputItemEvent) = "response.output_item.done",
        /// A content part began.
        ResponseContentPartAdded(ContentPartEvent) = "response.content_part.added",
        /// A content part is final.
        ResponseContentPartDone(ContentPartEvent) = "response.content_part.done",
        /// Text output.
        ResponseOutputTextDelta(ContentDelta) = "response.output_text.delta",
        /// Text output is final.
        ResponseOutputTextDone(TextDone) = "response.output_text.done",
        /// Base64 audio output.
        ResponseOutputAudioDelta(ContentDelta) = "response.output_audio.delta",
        /// Audio output is final.
        ResponseOutputAudioDone(ContentRef) = "response.output_audio.done",
        /// Transcript of audio output.
        ResponseOutputAudioTranscriptDelta(ContentDelta) = "response.output_audio_transcript.delta",
        /// Transcript of audio output is final.
        ResponseOutputAudioTranscriptDone(TranscriptDone) = "response.output_audio_transcript.done",
        /// Function call arguments, streamed.
        ResponseFunctionCallArgumentsDelta(FunctionCallArgumentsDelta) = "response.function_call_arguments.delta",
        /// Function call arguments are final.
        ResponseFunctionCallArgumentsDone(FunctionCallArgumentsDone) = "response.function_call_arguments.done",
        /// MCP call arguments, streamed.
        ResponseMcpCallArgumentsDelta(McpArgumentsDelta) = "response.mcp_call_arguments.delta",
        /// MCP call arguments are final.
        ResponseMcpCallArgumentsDone(McpArgumentsDone) = "response.mcp_call_arguments.done",
        /// An MCP call is running.
        ResponseMcpCallInProgress(McpCallProgress) = "response.mcp_call.in_progress",
        /// An MCP call finished.
        ResponseMcpCallCompleted(McpCallProgress) = "response.mcp_call.completed",
        /// An MCP call failed.
        ResponseMcpCallFailed(McpCallProgress) = "response.mcp_call.failed",
        /// Listing an MCP server's tools began.
        McpListToolsInProgress(McpListToolsProgress) = "mcp_list_tools.in_progress",
        /// Listing an MCP server's tools finished.
        McpListToolsCompleted(McpListToolsProgress) = "mcp_list_tools.completed",
        /// Listing an MCP server's tools failed.
        McpListToolsFailed(McpListToolsProgress) = "mcp_list_tools.failed",
        /// Rate limits after a response; do not rely on its position.
        RateLimitsUpdated(RateLimitsUpdated) = "rate_limits.updated",
        /// Output audio playback started (WebRTC/SIP).
        OutputAudioBufferStarted(OutputAudioBufferEvent) = "output_audio_buffer.started",
        /// Output audio playback stopped (WebRTC/SIP).
        OutputAudioBufferStopped(OutputAudioBufferEvent) = "output_audio_buffer.stopped",
        /// Output audio was cleared (WebRTC/SIP).
        OutputAudioBufferCleared(OutputAudioBufferEvent) = "output_audio_buffer.cleared",
    }
}

impl ServerEvent {
    /// An `error` event carrying `error`.
    pub fn error(event_id: EventId, error: RealtimeError) -> Self {
        Self::Error(ErrorEvent {
            event_id,
            error,
            extra: Extra::new(),
        })
    }
}

/// `error`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorEvent {
    /// Server-chosen id.
    pub event_id: EventId,
    /// What went wrong.
    pub error: RealtimeError,
    /// Fields this type does not name, kept as a server sent them (see [`Extra`]).
    #[serde(flatten)]
    pub extra: Extra,
}

/// An event with nothing but its id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventOnly {
    /// Server-chosen id.
    pub event_id: EventId,
    /// Fields this type does not name, kept as a server sent them (see [`Extra`]).
    #[serde(flatten)]
    pub extra: Extra,
}

/// `session.created` and `session.updated`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionEvent {
    /// Server-chosen id.
    pub event_id: EventId,
    /// The full effective session.
    pub session: Session,
    /// Fields this type does not name, kept as a server sent them (see [`Extra`]).
    #[serde(flatten)]
    pub extra: Extra,
}

/// `conversation.created`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConversationCreated {
    /// Server-chosen id.
    pub event_id: EventId,
    /// The conversation.
    pub conversation: Conversation,
    /// Fields this type does not name, kept as a server sent them (see [`Extra`]).
    #[serde(flatten)]
    pub extra: Extra,
}

/// A conversation.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Conversation {
    /// `conv_…`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// `realtime.conversation`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object: Option<String>,
    /// Fields this type does not name, kept as a server sent them (see [`Extra`]).
    #[serde(flatten)]
    pub extra: Extra,
}

/// `conversation.item.added`, `.done` and `.created`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemEvent {
    /// Server-chosen id.
    pub event_id: EventId,
    /// The item before this one; `null` at the start.
    #[serde(default, skip_serializing_if = "Nullable::is_absent")]
    pub previous_item_id: Nullable<ItemId>,
    /// The item (without audio bytes).
    pub item: Item,
    /// Fields this type does not name, kept as a server sent them (see [`Extra`]).
    #[serde(flatten)]
    pub extra: Extra,
}

/// `conversation.item.retrieved`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemRetrieved {
    /// Server-chosen id.
    pub event_id: EventId,
    /// The item, with audio.
    pub item: Item,
    /// Fields this type does not name, kept as a server sent them (see [`Extra`]).
    #[serde(flatten)]
    pub extra: Extra,
}

/// `conversation.item.truncated`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemTruncated {
    /// Server-chosen id.
    pub event_id: EventId,
    /// The assistant item.
    pub item_id: ItemId,
    /// Its content part.
    pub content_index: u32,
    /// Where it was cut, in ms of its audio.
    pub audio_end_ms: u64,
    /// Fields this type does not name, kept as a server sent them (see [`Extra`]).
    #[serde(flatten)]
    pub extra: Extra,
}

/// `conversation.item.deleted`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemDeleted {
    /// Server-chosen id.
    pub event_id: EventId,
    /// The removed item.
    pub item_id: ItemId,
    /// Fields this type does not name, kept as a server sent them (see [`Extra`]).
    #[serde(flatten)]
    pub extra: Extra,
}

/// A token and its log probability.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Logprob {
    /// The token.
    pub token: String,
    /// Its UTF-8 bytes.
    pub bytes: Vec<u8>,
    /// Its log probability.
    pub logprob: f64,
    /// Fields this type does not name, kept as a server sent them (see [`Extra`]).
    #[serde(flatten)]
    pub extra: Extra,
}

/// `conversation.item.input_audio_transcription.delta`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TranscriptionDelta {
    /// Server-chosen id.
    pub event_id: EventId,
    /// The user item.
    pub item_id: ItemId,
    /// Its content part.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_index: Option<u32>,
    /// New transcript text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delta: Option<String>,
    /// Log probabilities, when included.
    #[serde(default, skip_serializing_if = "Nullable::is_absent")]
    pub logprobs: Nullable<Vec<Logprob>>,
    /// Fields this type does not name, kept as a server sent them (see [`Extra`]).
    #[serde(flatten)]
    pub extra: Extra,
}

/// `conversation.item.input_audio_transcription.completed`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TranscriptionCompleted {
    /// Server-chosen id.
    pub event_id: EventId,
    /// The user item.
    pub item_id: ItemId,
    /// Its content part.
    pub content_index: u32,
    /// The whole transcript.
    pub transcript: String,
    /// What the transcription cost. Real servers sent none until at least mid-2025, so an
    /// event without it is read (and relayed) as it came.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<TranscriptionUsage>,
    /// Log probabilities, when included.
    #[serde(default, skip_serializing_if = "Nullable::is_absent")]
    pub logprobs: Nullable<Vec<Logprob>>,
    /// Detected languages (later GA): `[{"code":"en"}]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub languages: Option<Vec<TranscriptionLanguage>>,
    /// Fields this type does not name, kept as a server sent them (see [`Extra`]).
    #[serde(flatten)]
    pub extra: Extra,
}

/// A detected language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TranscriptionLanguage {
    /// ISO-639-1 code.
    pub code: String,
    /// Fields this type does not name, kept as a server sent them (see [`Extra`]).
    #[serde(flatten)]
    pub extra: Extra,
}

/// What a transcription cost: tokens, or seconds for `whisper-1`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum TranscriptionUsage {
    /// Billed by tokens.
    Tokens(TokenUsage),
    /// Billed by duration.
    Duration(DurationUsage),
}

crate::de::tagged_deserialize!(TranscriptionUsage, "type", {
    "tokens" => Tokens,
    "duration" => Duration,
});

/// Transcription billed by tokens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenUsage {
    /// Tokens read.
    pub input_tokens: u64,
    /// Tokens written.
    pub output_tokens: u64,
    /// Both.
    pub total_tokens: u64,
    /// Input tokens by kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_token_details: Option<crate::TokenDetails>,
    /// Fields this type does not name, kept as a server sent them (see [`Extra`]).
    #[serde(flatten)]
    pub extra: Extra,
}

/// Transcription billed by duration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DurationUsage {
    /// Seconds of audio.
    pub seconds: f64,
    /// Fields this type does not name, kept as a server sent them (see [`Extra`]).
    #[serde(flatten)]
    pub extra: Extra,
}

/// `conversation.item.input_audio_transcription.failed`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TranscriptionFailed {
    /// Server-chosen id.
    pub event_id: EventId,
    /// The user item.
    pub item_id: ItemId,
    /// Its content part.
    pub content_index: u32,
    /// What went wrong.
    pub error: TranscriptionError,
    /// Fields this type does not name, kept as a server sent them (see [`Extra`]).
    #[serde(flatten)]
    pub extra: Extra,
}

/// The error of a failed transcription.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TranscriptionError {
    /// Error type.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Error code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// A sentence for a person.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The offending parameter; the server writes `null` when there is none.
    #[serde(default, skip_serializing_if = "Nullable::is_absent")]
    pub param: Nullable<String>,
    /// Fields this type does not name, kept as a server sent them (see [`Extra`]).
    #[serde(flatten)]
    pub extra: Extra,
}

/// `conversation.item.input_audio_transcription.segment`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TranscriptionSegment {
    /// Server-chosen id.
    pub event_id: EventId,
    /// The user item.
    pub item_id: ItemId,
    /// Its content part.
    pub content_index: u32,
    /// The segment's id.
    pub id: String,
    /// What was said.
    pub text: String,
    /// Who said it.
    pub speaker: String,
    /// Start, in seconds.
    pub start: f64,
    /// End, in seconds.
    pub end: f64,
    /// Fields this type does not name, kept as a server sent them (see [`Extra`]).
    #[serde(flatten)]
    pub extra: Extra,
}

/// `input_audio_buffer.committed`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Committed {
    /// Server-chosen id.
    pub event_id: EventId,
    /// The user item that will be created.
    pub item_id: ItemId,
    /// The item before it.
    #[serde(default, skip_serializing_if = "Nullable::is_absent")]
    pub previous_item_id: Nullable<ItemId>,
    /// Fields this type does not name, kept as a server sent them (see [`Extra`]).
    #[serde(flatten)]
    pub extra: Extra,
}

/// `input_audio_buffer.speech_started`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpeechStarted {
    /// Server-chosen id.
    pub event_id: EventId,
    /// The user item the speech will become.
    pub item_id: ItemId,
    /// Ms of input audio since the session began, including prefix padding.
    pub audio_start_ms: u64,
    /// Fields this type does not name, kept as a server sent them (see [`Extra`]).
    #[serde(flatten)]
    pub extra: Extra,
}

/// `input_audio_buffer.speech_stopped`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpeechStopped {
    /// Server-chosen id.
    pub event_id: EventId,
    /// The user item.
    pub item_id: ItemId,
    /// Ms of input audio since the session began, including the silence duration.
    pub audio_end_ms: u64,
    /// Fields this type does not name, kept as a server sent them (see [`Extra`]).
    #[serde(flatten)]
    pub extra: Extra,
}

/// `input_audio_buffer.timeout_triggered`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeoutTriggered {
    /// Server-chosen id.
    pub event_id: EventId,
    /// The (silent) user item.
    pub item_id: ItemId,
    /// Start of the idle span, ms.
    pub audio_start_ms: u64,
    /// End of the idle span, ms.
    pub audio_end_ms: u64,
    /// Fields this type does not name, kept as a server sent them (see [`Extra`]).
    #[serde(flatten)]
    pub extra: Extra,
}

/// `input_audio_buffer.dtmf_event_received` (SIP); the one event without `event_id`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DtmfReceived {
    /// The key, e.g. `9`.
    pub event: String,
    /// Unix seconds.
    pub received_at: i64,
    /// Fields this type does not name, kept as a server sent them (see [`Extra`]).
    #[serde(flatten)]
    pub extra: Extra,
}

/// `response.created` and `response.done`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResponseEvent {
    /// Server-chosen id.
    pub event_id: EventId,
    /// The response.
    pub response: Response,
    /// Fields this type does not name, kept as a server sent them (see [`Extra`]).
    #[serde(flatten)]
    pub extra: Extra,
}

/// `response.output_item.added` and `.done`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutputItemEvent {
    /// Server-chosen id.
    pub event_id: EventId,
    /// The response.
    pub response_id: ResponseId,
    /// Position of the item in the response.
    pub output_index: u32,
    /// The item.
    pub item: Item,
    /// Fields this type does not name, kept as a server sent them (see [`Extra`]).
    #[serde(flatten)]
    pub extra: Extra,
}

/// `response.content_part.added` and `.done`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContentPartEvent {
    /// Server-chosen id.
    pub event_id: EventId,
    /// The response.
    pub response_id: ResponseId,
    /// The item.
    pub item_id: ItemId,
    /// Position of the item in the response.
    pub output_index: u32,
    /// Position of the part in the item.
    pub content_index: u32,
    /// The part.
    pub part: ResponsePart,
    /// Fields this type does not name, kept as a server sent them (see [`Extra`]).
    #[serde(flatten)]
    pub extra: Extra,
}

/// A content part in `response.content_part.*`; its type stays `audio`/`text` in GA.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResponsePart {
    /// `audio` or `text`.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<PartKind>,
    /// Text, for text parts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Transcript, for audio parts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transcript: Option<String>,
    /// Base64 audio, rarely present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audio: Option<String>,
    /// Fields this type does not name, kept as a server sent them (see [`Extra`]).
    #[serde(flatten)]
    pub extra: Extra,
}

/// Kind of a response content part.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PartKind {
    /// Text.
    Text,
    /// Audio with transcript.
    Audio,
}

/// Points at one content part of one item of one response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContentRef {
    /// Server-chosen id.
    pub event_id: EventId,
    /// The response.
    pub response_id: ResponseId,
    /// The item.
    pub item_id: ItemId,
    /// Position of the item in the response.
    pub output_index: u32,
    /// Position of the part in the item.
    pub content_index: u32,
    /// Fields this type does not name, kept as a server sent them (see [`Extra`]).
    #[serde(flatten)]
    pub extra: Extra,
}

/// A streamed piece of text, transcript or base64 audio.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContentDelta {
    /// Server-chosen id.
    pub event_id: EventId,
    /// The response.
    pub response_id: ResponseId,
    /// The item.
    pub item_id: ItemId,
    /// Position of the item in the response.
    pub output_index: u32,
    /// Position of the part in the item.
    pub content_index: u32,
    /// The new piece.
    pub delta: String,
    /// Fields this type does not name, kept as a server sent them (see [`Extra`]).
    #[serde(flatten)]
    pub extra: Extra,
}

/// `response.output_text.done`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TextDone {
    /// Server-chosen id.
    pub event_id: EventId,
    /// The response.
    pub response_id: ResponseId,
    /// The item.
    pub item_id: ItemId,
    /// Position of the item in the response.
    pub output_index: u32,
    /// Position of the part in the item.
    pub content_index: u32,
    /// The whole text.
    pub text: String,
    /// Fields this type does not name, kept as a server sent them (see [`Extra`]).
    #[serde(flatten)]
    pub extra: Extra,
}

/// `response.output_audio_transcript.done`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TranscriptDone {
    /// Server-chosen id.
    pub event_id: EventId,
    /// The response.
    pub response_id: ResponseId,
    /// The item.
    pub item_id: ItemId,
    /// Position of the item in the response.
    pub output_index: u32,
    /// Position of the part in the item.
    pub content_index: u32,
    /// The whole transcript.
    pub transcript: String,
    /// Fields this type does not name, kept as a server sent them (see [`Extra`]).
    #[serde(flatten)]
    pub extra: Extra,
}

/// `response.function_call_arguments.delta`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FunctionCallArgumentsDelta {
    /// Server-chosen id.
    pub event_id: EventId,
    /// The response.
    pub response_id: ResponseId,
    /// The function call item.
    pub item_id: ItemId,
    /// Position of the item in the response.
    pub output_index: u32,
    /// The call.
    pub call_id: CallId,
    /// More of the arguments text.
    pub delta: String,
    /// Fields this type does not name, kept as a server sent them (see [`Extra`]).
    #[serde(flatten)]
    pub extra: Extra,
}

/// `response.function_call_arguments.done`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FunctionCallArgumentsDone {
    /// Server-chosen id.
    pub event_id: EventId,
    /// The response.
    pub response_id: ResponseId,
    /// The function call item.
    pub item_id: ItemId,
    /// Position of the item in the response.
    pub output_index: u32,
    /// The call.
    pub call_id: CallId,
    /// The function.
    pub name: String,
    /// The whole arguments text.
    pub arguments: String,
    /// Fields this type does not name, kept as a server sent them (see [`Extra`]).
    #[serde(flatten)]
    pub extra: Extra,
}

/// `response.mcp_call_arguments.delta`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct McpArgumentsDelta {
    /// Server-chosen id.
    pub event_id: EventId,
    /// The response.
    pub response_id: ResponseId,
    /// The MCP call item.
    pub item_id: ItemId,
    /// Position of the item in the response.
    pub output_index: u32,
    /// More of the arguments text.
    pub delta: String,
    /// Fields this type does not name, kept as a server sent them (see [`Extra`]).
    #[serde(flatten)]
    pub extra: Extra,
}

/// `response.mcp_call_arguments.done`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct McpArgumentsDone {
    /// Server-chosen id.
    pub event_id: EventId,
    /// The response.
    pub response_id: ResponseId,
    /// The MCP call item.
    pub item_id: ItemId,
    /// Position of the item in the response.
    pub output_index: u32,
    /// The whole arguments text.
    pub arguments: String,
    /// Fields this type does not name, kept as a server sent them (see [`Extra`]).
    #[serde(flatten)]
    pub extra: Extra,
}

/// `response.mcp_call.*`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct McpCallProgress {
    /// Server-chosen id.
    pub event_id: EventId,
    /// The MCP call item.
    pub item_id: ItemId,
    /// Position of the item in the response.
    pub output_index: u32,
    /// Fields this type does not name, kept as a server sent them (see [`Extra`]).
    #[serde(flatten)]
    pub extra: Extra,
}

/// `mcp_list_tools.*`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct McpListToolsProgress {
    /// Server-chosen id.
    pub event_id: EventId,
    /// The list-tools item.
    pub item_id: ItemId,
    /// Fields this type does not name, kept as a server sent them (see [`Extra`]).
    #[serde(flatten)]
    pub extra: Extra,
}

/// `rate_limits.updated`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RateLimitsUpdated {
    /// Server-chosen id.
    pub event_id: EventId,
    /// The limits.
    pub rate_limits: Vec<RateLimit>,
    /// Fields this type does not name, kept as a server sent them (see [`Extra`]).
    #[serde(flatten)]
    pub extra: Extra,
}

/// One rate limit.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct RateLimit {
    /// `requests` or `tokens`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u64>,
    /// What is left.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remaining: Option<u64>,
    /// Seconds until it resets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reset_seconds: Option<f64>,
    /// Fields this type does not name, kept as a server sent them (see [`Extra`]).
    #[serde(flatten)]
    pub extra: Extra,
}

/// `output_audio_buffer.*`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutputAudioBufferEvent {
    /// Server-chosen id.
    pub event_id: EventId,
    /// The response whose audio it is.
    pub response_id: ResponseId,
    /// Fields this type does not name, kept as a server sent them (see [`Extra`]).
    #[serde(flatten)]
    pub extra: Extra,
}
