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
//!   Unknown fields are ignored, as GA deltas carry extra ones.
//! - [`beta`] reads beta-shaped client events into the GA model and writes server events in
//!   beta shape, for callers that still speak the 2024 preview protocol. The upstream side is
//!   GA only.
//! - [`twilio`] holds the Media Streams messages of the phone bridge.
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

pub mod beta;
pub mod chat;
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
    FunctionTool, Include, Infinite, MaxOutputTokens, McpChoice, McpTool, Modality,
    NamedToolChoice, NoiseReduction, NoiseReductionKind, Prompt, Reasoning, RetentionRatio,
    RetentionRatioKind, SemanticVad, ServerVad, Session, SessionKind, Tool, ToolChoice,
    ToolChoiceMode, Tracing, TracingConfig, Transcription, Truncation, TruncationMode,
    TurnDetection, Voice,
};
