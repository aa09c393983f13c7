//! Twilio Media Streams messages: what Twilio sends over a `<Connect><Stream>` WebSocket, and
//! what may be sent back on a bidirectional stream.
//!
//! Twilio writes counters and timestamps as decimal strings; they are parsed into numbers here
//! and written back as strings. Fields of Twilio's messages that this crate does not name are
//! kept (in each object's [`Extra`]), as for the Realtime server's events.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use crate::de;
use crate::{ErrorKind, Extra, WireError};

/// A message from Twilio.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum TwilioInbound {
    /// The first message: the socket is up.
    Connected(Connected),
    /// Stream metadata: call, stream, format, custom parameters.
    Start(Start),
    /// About 20 ms of base64 µ-law audio from the caller.
    Media(MediaIn),
    /// A key pressed by the caller.
    Dtmf(DtmfIn),
    /// A mark we sent, echoed once the audio before it has played (or was cleared).
    Mark(MarkIn),
    /// The last message: the call or stream ended.
    Stop(Stop),
}

impl TwilioInbound {
    /// The `event` values Twilio sends.
    pub const EVENTS: &'static [&'static str] =
        &["connected", "start", "media", "dtmf", "mark", "stop"];

    /// Parses one text frame from Twilio.
    pub fn from_json(json: &str) -> Result<Self, WireError> {
        let value: Value = serde_json::from_str(json).map_err(|e| {
            WireError::new(
                ErrorKind::InvalidJson,
                format!("The message is not valid JSON: {e}."),
            )
        })?;
        if !value.is_object() {
            return Err(WireError::new(
                ErrorKind::InvalidEvent,
                "A Twilio message must be a JSON object.",
            ));
        }
        let tag = match de::tag::<serde_json::Error>(&value, "event") {
            Ok(Some(tag)) => tag.to_owned(),
            Ok(None) => {
                return Err(WireError::new(
                    ErrorKind::InvalidEvent,
                    "The 'event' field is missing.",
                ));
            }
            Err(e) => return Err(de::classify("", &e.to_string())),
        };
        // The message reads the frame without its `event`, which serde writes itself.
        let value = de::untag(value, "event");
        let parsed = match tag.as_str() {
            "connected" => de::from_value(value).map(Self::Connected),
            "start" => de::from_value(value).map(Self::Start),
            "media" => de::from_value(value).map(Self::Media),
            "dtmf" => de::from_value(value).map(Self::Dtmf),
            "mark" => de::from_value(value).map(Self::Mark),
            "stop" => de::from_value(value).map(Self::Stop),
            other => {
                return Err(WireError::new(
                    ErrorKind::InvalidValue,
                    format!(
                        "Invalid value: '{other}'. Supported events are: {}.",
                        Self::EVENTS.join(", ")
                    ),
                )
                .with_param("event"));
            }
        };
        parsed.map_err(|l| l.into_error())
    }

    /// Writes the message as Twilio would send it (for tests and simulators).
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("Twilio messages hold only JSON-safe data")
    }
}

/// A message to Twilio on a bidirectional stream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum TwilioOutbound {
    /// Audio to play, queued in order.
    Media(MediaOut),
    /// A playback checkpoint, echoed back when reached.
    Mark(MarkOut),
    /// Drops all queued audio (barge-in).
    Clear(Clear),
}

impl TwilioOutbound {
    /// Writes the message as a text frame.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("Twilio messages hold only JSON-safe data")
    }

    /// Parses a message meant for Twilio (for tests and simulators).
    pub fn from_json(json: &str) -> Result<Self, WireError> {
        let value: Value = serde_json::from_str(json).map_err(|e| {
            WireError::new(
                ErrorKind::InvalidJson,
                format!("The message is not valid JSON: {e}."),
            )
        })?;
        de::from_value(value).map_err(|l| l.into_error())
    }
}

/// `connected`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Connected {
    /// `Call`.
    pub protocol: String,
    /// `1.0.0`.
    pub version: String,
    /// Fields this type does not name, kept as Twilio sent them (see [`Extra`]).
    #[serde(flatten)]
    pub extra: Extra,
}

/// `start`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Start {
    /// Message counter.
    #[serde(with = "decimal")]
    pub sequence_number: u64,
    /// `MZ…`.
    pub stream_sid: String,
    /// The metadata.
    pub start: StartMeta,
    /// Fields this type does not name, kept as Twilio sent them (see [`Extra`]).
    #[serde(flatten)]
    pub extra: Extra,
}

/// The metadata in `start`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StartMeta {
    /// `AC…`.
    pub account_sid: String,
    /// `CA…`.
    pub call_sid: String,
    /// `MZ…`.
    pub stream_sid: String,
    /// `inbound`, `outbound`.
    #[serde(default)]
    pub tracks: Vec<String>,
    /// The audio format.
    pub media_format: MediaFormat,
    /// `<Parameter>` values from the TwiML.
    #[serde(default)]
    pub custom_parameters: BTreeMap<String, String>,
    /// Fields this type does not name, kept as Twilio sent them (see [`Extra`]).
    #[serde(flatten)]
    pub extra: Extra,
}

/// The audio format of a stream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MediaFormat {
    /// `audio/x-mulaw`.
    pub encoding: String,
    /// 8000.
    pub sample_rate: u32,
    /// 1.
    pub channels: u16,
    /// Fields this type does not name, kept as Twilio sent them (see [`Extra`]).
    #[serde(flatten)]
    pub extra: Extra,
}

/// `media` from Twilio.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MediaIn {
    /// Message counter.
    #[serde(with = "decimal")]
    pub sequence_number: u64,
    /// `MZ…`.
    pub stream_sid: String,
    /// The audio.
    pub media: MediaChunk,
    /// Fields this type does not name, kept as Twilio sent them (see [`Extra`]).
    #[serde(flatten)]
    pub extra: Extra,
}

/// The audio in an inbound `media`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MediaChunk {
    /// `inbound`.
    pub track: String,
    /// Chunk counter.
    #[serde(with = "decimal")]
    pub chunk: u64,
    /// Ms since the stream started.
    #[serde(with = "decimal")]
    pub timestamp: u64,
    /// Base64 µ-law, 8 kHz mono.
    pub payload: String,
    /// Fields this type does not name, kept as Twilio sent them (see [`Extra`]).
    #[serde(flatten)]
    pub extra: Extra,
}

/// `dtmf`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DtmfIn {
    /// Message counter.
    #[serde(with = "decimal")]
    pub sequence_number: u64,
    /// `MZ…`.
    pub stream_sid: String,
    /// The key.
    pub dtmf: Dtmf,
    /// Fields this type does not name, kept as Twilio sent them (see [`Extra`]).
    #[serde(flatten)]
    pub extra: Extra,
}

/// A key press.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dtmf {
    /// `inbound_track`.
    pub track: String,
    /// `0`–`9`, `*`, `#`.
    pub digit: String,
    /// Fields this type does not name, kept as Twilio sent them (see [`Extra`]).
    #[serde(flatten)]
    pub extra: Extra,
}

/// `mark` from Twilio.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MarkIn {
    /// Message counter.
    #[serde(with = "decimal")]
    pub sequence_number: u64,
    /// `MZ…`.
    pub stream_sid: String,
    /// The mark.
    pub mark: Mark,
    /// Fields this type does not name, kept as Twilio sent them (see [`Extra`]).
    #[serde(flatten)]
    pub extra: Extra,
}

/// A named mark.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mark {
    /// The label we chose.
    pub name: String,
}

/// `stop`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Stop {
    /// Message counter.
    #[serde(with = "decimal")]
    pub sequence_number: u64,
    /// `MZ…`.
    pub stream_sid: String,
    /// Which call ended.
    pub stop: StopMeta,
    /// Fields this type does not name, kept as Twilio sent them (see [`Extra`]).
    #[serde(flatten)]
    pub extra: Extra,
}

/// The metadata in `stop`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StopMeta {
    /// `AC…`.
    pub account_sid: String,
    /// `CA…`.
    pub call_sid: String,
    /// Fields this type does not name, kept as Twilio sent them (see [`Extra`]).
    #[serde(flatten)]
    pub extra: Extra,
}

/// `media` to Twilio.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MediaOut {
    /// `MZ…`.
    pub stream_sid: String,
    /// The audio.
    pub media: Payload,
}

/// Outbound audio.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payload {
    /// Base64 µ-law, 8 kHz mono, no header.
    pub payload: String,
}

/// `mark` to Twilio.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MarkOut {
    /// `MZ…`.
    pub stream_sid: String,
    /// The mark.
    pub mark: Mark,
}

/// `clear` to Twilio.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Clear {
    /// `MZ…`.
    pub stream_sid: String,
}

/// Numbers that Twilio writes as decimal strings (it also accepts plain numbers on input).
mod decimal {
    use super::*;

    pub(super) fn serialize<S: Serializer>(n: &u64, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(n)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
        match Value::deserialize(d)? {
            Value::String(s) => s.parse().map_err(|_| {
                de::invalid(format_args!(
                    "\"{s}\", expected a decimal number in a string"
                ))
            }),
            Value::Number(n) => n
                .as_u64()
                .ok_or_else(|| de::invalid(format_args!("{n}, expected a non-negative integer"))),
            other => Err(serde::de::Error::custom(format_args!(
                "invalid type: {}, expected a decimal number in a string",
                if other.is_null() {
                    "null"
                } else {
                    "another type"
                }
            ))),
        }
    }
}
