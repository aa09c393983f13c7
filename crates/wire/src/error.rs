//! Errors for events that cannot be parsed, and the Realtime `error` object they become.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::{EventId, Extra};

/// What was wrong with an incoming message. Each kind maps to one Realtime error `code`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The frame is not JSON at all.
    InvalidJson,
    /// The frame is JSON but not an event: not an object, or without a `type`.
    InvalidEvent,
    /// A required field is missing.
    MissingParameter,
    /// A field has the wrong JSON type (a string where a number belongs, …).
    InvalidType,
    /// A field has the right type but a value outside what the protocol allows, including an
    /// unknown event `type`.
    InvalidValue,
    /// A client event carries a field the protocol does not have (a typo, or a setting of
    /// another API), as the live API refuses it.
    UnknownParameter,
}

impl ErrorKind {
    /// The Realtime error `code` for this kind.
    pub fn code(self) -> &'static str {
        match self {
            Self::InvalidJson => "invalid_json",
            Self::InvalidEvent => "invalid_event",
            Self::MissingParameter => "missing_required_parameter",
            Self::InvalidType => "invalid_type",
            Self::InvalidValue => "invalid_value",
            Self::UnknownParameter => "unknown_parameter",
        }
    }
}

/// An incoming message that could not be parsed. The sender is at fault; the session carries
/// on after answering with [`WireError::to_error_object`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WireError {
    kind: ErrorKind,
    message: String,
    param: Option<String>,
    event_id: Option<EventId>,
}

impl WireError {
    pub(crate) fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
            param: None,
            event_id: None,
        }
    }

    pub(crate) fn with_param(mut self, param: impl Into<String>) -> Self {
        self.param = Some(param.into());
        self
    }

    pub(crate) fn with_event_id(mut self, event_id: Option<EventId>) -> Self {
        self.event_id = event_id;
        self
    }

    /// Replaces the parameter path and its mentions in the message (used when a translated
    /// event's error must name the field the sender actually wrote).
    pub(crate) fn rewrite_param(&mut self, from: String, to: String) {
        self.message = self
            .message
            .replace(&format!("'{from}'"), &format!("'{to}'"));
        self.param = Some(to);
    }

    /// What was wrong.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The Realtime error `code`, e.g. `missing_required_parameter`.
    pub fn code(&self) -> &'static str {
        self.kind.code()
    }

    /// A sentence for a person, naming the offending field.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The offending field as a path, e.g. `session.audio.input.format.rate`.
    pub fn param(&self) -> Option<&str> {
        self.param.as_deref()
    }

    /// The `event_id` of the offending event, when it had a readable one.
    pub fn event_id(&self) -> Option<&EventId> {
        self.event_id.as_ref()
    }

    /// The Realtime `error` object that reports this to the sender.
    pub fn to_error_object(&self) -> RealtimeError {
        RealtimeError {
            kind: RealtimeError::INVALID_REQUEST.to_owned(),
            code: Some(self.code().to_owned()),
            message: self.message.clone(),
            param: self.param.clone(),
            event_id: self.event_id.clone(),
            extra: Extra::new(),
        }
    }
}

impl fmt::Display for WireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.message, self.code())
    }
}

impl std::error::Error for WireError {}

/// The `error` object carried by the Realtime `error` server event.
///
/// `code`, `param` and `event_id` are always written, as `null` when unknown, because that is
/// what the upstream service sends and what clients test for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RealtimeError {
    /// `invalid_request_error` when the client was at fault, `server_error` otherwise.
    #[serde(rename = "type")]
    pub kind: String,
    /// A stable machine-readable code such as `invalid_value`.
    #[serde(default)]
    pub code: Option<String>,
    /// A sentence for a person.
    pub message: String,
    /// The offending parameter path.
    #[serde(default)]
    pub param: Option<String>,
    /// The client `event_id` of the event that caused the error.
    #[serde(default)]
    pub event_id: Option<EventId>,
    /// Fields this type does not name, kept as a server sent them (see [`Extra`]).
    #[serde(flatten)]
    pub extra: Extra,
}

impl RealtimeError {
    /// `type` of an error caused by the client's request.
    pub const INVALID_REQUEST: &'static str = "invalid_request_error";
    /// `type` of an error on the server's side.
    pub const SERVER_ERROR: &'static str = "server_error";

    /// An error the client caused, with a code and an optional parameter path.
    pub fn invalid_request(code: &str, message: impl Into<String>, param: Option<String>) -> Self {
        Self {
            kind: Self::INVALID_REQUEST.to_owned(),
            code: Some(code.to_owned()),
            message: message.into(),
            param,
            event_id: None,
            extra: Extra::new(),
        }
    }

    /// An error on the server's side (a tool, the model, the gateway).
    pub fn server_error(code: &str, message: impl Into<String>) -> Self {
        Self {
            kind: Self::SERVER_ERROR.to_owned(),
            code: Some(code.to_owned()),
            message: message.into(),
            param: None,
            event_id: None,
            extra: Extra::new(),
        }
    }

    /// Names the client event that caused the error.
    pub fn for_event(mut self, event_id: Option<EventId>) -> Self {
        self.event_id = event_id;
        self
    }
}
