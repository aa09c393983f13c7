//! Events a client sends to the Realtime API (GA).

use serde::{Deserialize, Serialize};

use crate::events::event_enum;
use crate::{EventId, Item, ItemId, ResponseId, ResponseParams, Session};

event_enum! {
    /// An event from a client (a caller, or Switchboard towards the model).
    pub enum ClientEvent (unknown fields: Refuse) {
        /// Changes the session; answered by `session.updated` with the full effective session.
        SessionUpdate(SessionUpdate) = "session.update",
        /// Appends base64 audio to the input buffer.
        InputAudioBufferAppend(InputAudioBufferAppend) = "input_audio_buffer.append",
        /// Commits the input buffer as a user item (manual turns).
        InputAudioBufferCommit(Bare) = "input_audio_buffer.commit",
        /// Drops the input buffer.
        InputAudioBufferClear(Bare) = "input_audio_buffer.clear",
        /// Stops playback of buffered output (WebRTC/SIP).
        OutputAudioBufferClear(Bare) = "output_audio_buffer.clear",
        /// Adds an item to the conversation.
        ConversationItemCreate(ConversationItemCreate) = "conversation.item.create",
        /// Asks for an item, with its audio.
        ConversationItemRetrieve(ItemRequest) = "conversation.item.retrieve",
        /// Cuts an assistant audio item at the point the caller stopped hearing it.
        ConversationItemTruncate(ConversationItemTruncate) = "conversation.item.truncate",
        /// Removes an item.
        ConversationItemDelete(ItemRequest) = "conversation.item.delete",
        /// Asks the model for a response.
        ResponseCreate(ResponseCreate) = "response.create",
        /// Cancels the response in progress.
        ResponseCancel(ResponseCancel) = "response.cancel",
    }
}

impl ClientEvent {
    /// The client's `event_id`, if it sent one.
    pub fn event_id(&self) -> Option<&EventId> {
        match self {
            Self::SessionUpdate(e) => e.event_id.as_ref(),
            Self::InputAudioBufferAppend(e) => e.event_id.as_ref(),
            Self::InputAudioBufferCommit(e)
            | Self::InputAudioBufferClear(e)
            | Self::OutputAudioBufferClear(e) => e.event_id.as_ref(),
            Self::ConversationItemCreate(e) => e.event_id.as_ref(),
            Self::ConversationItemRetrieve(e) | Self::ConversationItemDelete(e) => {
                e.event_id.as_ref()
            }
            Self::ConversationItemTruncate(e) => e.event_id.as_ref(),
            Self::ResponseCreate(e) => e.event_id.as_ref(),
            Self::ResponseCancel(e) => e.event_id.as_ref(),
        }
    }
}

/// An event with no payload but its optional `event_id`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Bare {
    /// Client-chosen id, echoed in errors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_id: Option<EventId>,
}

/// `session.update`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionUpdate {
    /// Client-chosen id, echoed in errors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_id: Option<EventId>,
    /// The fields to change; `type` is required.
    pub session: Session,
}

/// `input_audio_buffer.append`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputAudioBufferAppend {
    /// Client-chosen id, echoed in errors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_id: Option<EventId>,
    /// Base64 audio in the session's input format.
    pub audio: String,
}

/// `conversation.item.create`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConversationItemCreate {
    /// Client-chosen id, echoed in errors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_id: Option<EventId>,
    /// Insert after this item; `root` inserts first; absent appends.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_item_id: Option<ItemId>,
    /// The item.
    pub item: Item,
}

impl ConversationItemCreate {
    /// Appends a message of `role` with one `input_text` part: a caller's typed turn, or the
    /// engine's system note.
    pub fn text_message(role: crate::Role, text: impl Into<String>) -> Self {
        Self {
            event_id: None,
            previous_item_id: None,
            item: crate::Item::Message(crate::MessageItem {
                id: None,
                object: None,
                status: None,
                role,
                content: vec![crate::ContentPart::input_text(text)],
                extra: crate::Extra::new(),
            }),
        }
    }
}

/// `conversation.item.retrieve` and `conversation.item.delete`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemRequest {
    /// Client-chosen id, echoed in errors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_id: Option<EventId>,
    /// The item.
    pub item_id: ItemId,
}

/// `conversation.item.truncate`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConversationItemTruncate {
    /// Client-chosen id, echoed in errors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_id: Option<EventId>,
    /// The assistant message to cut.
    pub item_id: ItemId,
    /// The content part, 0 in practice.
    pub content_index: u32,
    /// Milliseconds of the item's audio that were played.
    pub audio_end_ms: u64,
}

/// `response.create`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ResponseCreate {
    /// Client-chosen id, echoed in errors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_id: Option<EventId>,
    /// Overrides for this response.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<ResponseParams>,
}

/// `response.cancel`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ResponseCancel {
    /// Client-chosen id, echoed in errors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_id: Option<EventId>,
    /// The response to cancel; the current one when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_id: Option<ResponseId>,
}
