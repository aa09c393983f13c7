//! The OpenAI Realtime API wire protocol, and Twilio Media Streams messages.
//!
//! This is the only package that knows the JSON shapes: everything else in Switchboard works
//! with these types.
//!
//! - [`ClientEvent`] and [`ServerEvent`] model every GA event, with
//!   [`from_json`](ClientEvent::from_json) / [`to_json`](ClientEvent::to_json).
//! - [`Session`], [`Item`], [`Response`] and [`ResponseParams`] model the objects they carry.
//! - A frame that does not parse yields a [`WireError`] naming the offending field, which
//!   [`WireError::to_error_object`] turns into the Realtime `error` the sender should get.
//! - Fields no type names are kept when a server sends them and refused when a client does,
//!   as the live API refuses them. A server's unknown fields (`obfuscation` on deltas, Azure's
//!   `session_id`, settings of newer models) go into the [`Extra`] of the object that carried
//!   them and are written back there, so a relayed event reaches the caller as the model sent
//!   it; fields a server may send as `null` are [`Nullable`] and keep their `null`. A client's
//!   unknown field is an `unknown_parameter` error naming its full path
//!   (`session.audio.input.turn_detecton`), except the few other SDKs send that the API
//!   accepts, listed in [`TOLERATED`] with who sends them.
//! - [`beta`] reads beta-shaped client events into the GA model and writes server events in
//!   beta shape, for callers that still speak the 2024 preview protocol. The upstream side is
//!   GA only.
//! - [`twilio`] holds the Media Streams messages of the phone bridge.
//! - [`observe`] holds the gateway's observation events (`switchboard.*`), which a caller
//!   that asks for them receives beside the server events.
//! - [`chat`] holds the Chat Completions requests and streamed replies the supervisor
//!   exchanges with its endpoint (and the emulator serves), with a pure reader for the stream.
//!
//! ```
//! use switchboard_wire::{ClientEvent, ErrorKind};
//!
//! let event = ClientEvent::from_json(r#"{"type":"input_audio_buffer.append","audio":"AAA="}"#)?;
//! assert_eq!(event.event_type(), "input_audio_buffer.append");
//!
//! let err = ClientEvent::from_json(r#"{"type":"conversation.item.truncate","item_id":"item_1"}"#)
//!     .unwrap_err();
//! assert_eq!(err.kind(), ErrorKind::MissingParameter);
//! assert_eq!(err.param(), Some("content_index"));
//!
//! let typo = r#"{"type":"session.update","event_id":"evt_7","session":{"type":"realtime","instructons":"Hi"}}"#;
//! let err = ClientEvent::from_json(typo).unwrap_err();
//! assert_eq!(err.code(), "unknown_parameter");
//! assert_eq!(err.message(), "Unknown parameter: 'session.instructons'.");
//! assert_eq!(err.event_id().map(|id| id.as_str()), Some("evt_7"));
//!
//! let relayed = r#"{"type":"input_audio_buffer.cleared","event_id":"event_1","session_id":"s_1"}"#;
//! let event = switchboard_wire::ServerEvent::from_json(relayed)?;
//! assert!(event.to_json().contains(r#""session_id":"s_1""#));
//! # Ok::<(), switchboard_wire::WireError>(())
//! ```

mod client;
mod de;
mod error;
mod events;
mod fast;
mod ids;
mod item;
mod literal;
mod nullable;
mod response;
mod server;
mod session;
mod strict;
mod unknown;

pub mod beta;
pub mod chat;
pub mod observe;
pub mod twilio;

pub use client::{
    Bare, ClientEvent, ConversationItemCreate, ConversationItemTruncate, InputAudioBufferAppend,
    ItemRequest, ResponseCancel, ResponseCreate, SessionUpdate,
};
pub use error::{ErrorKind, RealtimeError, WireError};
pub use ids::{CallId, EventId, ItemId, ResponseId};
pub use item::{
    ContentPart, FunctionCallItem, FunctionCallOutputItem, ITEM_OBJECT, Item, ItemStatus,
    McpApprovalRequestItem, McpApprovalResponseItem, McpCallItem, McpListToolsItem, MessageItem,
    Role,
};
pub use nullable::Nullable;
pub use response::{
    ConversationMode, InputItem, InputTokenDetails, ItemReference, RESPONSE_OBJECT, Response,
    ResponseAudio, ResponseAudioOutput, ResponseConversation, ResponseParams, ResponseStatus,
    StatusDetails, StatusError, StatusReason, TokenDetails, Usage,
};
pub use server::{
    Committed, ContentDelta, ContentPartEvent, ContentRef, Conversation, ConversationCreated,
    DtmfReceived, DurationUsage, ErrorEvent, EventOnly, FunctionCallArgumentsDelta,
    FunctionCallArgumentsDone, ItemDeleted, ItemEvent, ItemRetrieved, ItemTruncated, Logprob,
    McpArgumentsDelta, McpArgumentsDone, McpCallProgress, McpListToolsProgress,
    OutputAudioBufferEvent, OutputItemEvent, PartKind, RateLimit, RateLimitsUpdated, ResponseEvent,
    ResponsePart, ServerEvent, SessionEvent, SpeechStarted, SpeechStopped, TextDone,
    TimeoutTriggered, TokenUsage, TranscriptDone, TranscriptionCompleted, TranscriptionDelta,
    TranscriptionError, TranscriptionFailed, TranscriptionLanguage, TranscriptionSegment,
    TranscriptionUsage,
};
pub use session::{
    AudioConfig, AudioFormat, AudioInput, AudioOutput, AutoTracing, Eagerness, FunctionChoice,
    FunctionTool, Include, Infinite, MaxOutputTokens, McpAllowedTools, McpApprovalFilter,
    McpApprovalMode, McpChoice, McpRequireApproval, McpTool, McpToolFilter, Modality,
    NamedToolChoice, NoiseReduction, NoiseReductionKind, Prompt, Reasoning, ReasoningEffort,
    RetentionRatio, RetentionRatioKind, SemanticVad, ServerVad, Session, SessionKind, TokenLimits,
    Tool, ToolChoice, ToolChoiceMode, Tracing, TracingConfig, Transcription, Truncation,
    TruncationMode, TurnDetection, Voice,
};
pub use unknown::{Extra, TOLERATED, Tolerated};
