//! The audio frames that make up most of a call's traffic, read straight into their types.
//!
//! The general path reads a frame into a JSON value first, so that an error can name the
//! field it is about; for audio that copies every frame twice. A frame that is exactly one
//! of these events in its plain shape is read here instead. Anything else (another type, a
//! field of the wrong shape, an over-long event id, a duplicate key, not an object, and for
//! the client's append any field it does not have) returns `None` and takes the general path,
//! which accepts the same frames and reports the rest.
//!
//! A server's audio delta keeps the fields it does not name (`obfuscation`, Azure's
//! `session_id`) as the general path does, read here one by one beside the named ones.

use std::borrow::Cow;
use std::fmt;

use serde::Deserialize;
use serde::de::{Error as _, MapAccess, Visitor};
use serde_json::Value;

use crate::de::MAX_EVENT_ID_LEN;
use crate::{
    ClientEvent, ContentDelta, EventId, Extra, InputAudioBufferAppend, ItemId, ResponseId,
    ServerEvent,
};

const APPEND: &str = "input_audio_buffer.append";
const AUDIO_DELTA: &str = "response.output_audio.delta";

/// A client's append, with nothing else: an unknown field is the general path's to refuse.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Append<'a> {
    #[serde(rename = "type", borrow)]
    ty: Cow<'a, str>,
    #[serde(default)]
    event_id: Option<String>,
    audio: String,
}

/// A server's audio delta, with the fields it does not name.
struct AudioDelta {
    event_id: String,
    response_id: String,
    item_id: String,
    output_index: u32,
    content_index: u32,
    delta: String,
    extra: Extra,
}

impl<'de> Deserialize<'de> for AudioDelta {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(AudioDeltaVisitor)
    }
}

struct AudioDeltaVisitor;

/// Sets a field once; a second value is a duplicate key, which the general path reports.
fn once<T, E: serde::de::Error>(slot: &mut Option<T>, value: T, key: &str) -> Result<(), E> {
    if slot.replace(value).is_some() {
        return Err(E::custom(format_args!("duplicate field `{key}`")));
    }
    Ok(())
}

impl<'de> Visitor<'de> for AudioDeltaVisitor {
    type Value = AudioDelta;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an audio delta")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<AudioDelta, A::Error> {
        let mut ty = false;
        let (mut event_id, mut response_id, mut item_id) = (None, None, None);
        let (mut output_index, mut content_index, mut delta) = (None, None, None);
        let mut extra = Extra::new();
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            match key.as_ref() {
                "type" => {
                    let t: Cow<'de, str> = map.next_value()?;
                    if ty || t != AUDIO_DELTA {
                        return Err(A::Error::custom("not a plain audio delta"));
                    }
                    ty = true;
                }
                "event_id" => once(&mut event_id, map.next_value::<String>()?, &key)?,
                "response_id" => once(&mut response_id, map.next_value::<String>()?, &key)?,
                "item_id" => once(&mut item_id, map.next_value::<String>()?, &key)?,
                "output_index" => once(&mut output_index, map.next_value::<u32>()?, &key)?,
                "content_index" => once(&mut content_index, map.next_value::<u32>()?, &key)?,
                "delta" => once(&mut delta, map.next_value::<String>()?, &key)?,
                // On every GA delta: kept without allocating its name.
                "obfuscation" => {
                    let value = Value::String(map.next_value::<String>()?);
                    if extra.insert("obfuscation", value).is_some() {
                        return Err(A::Error::custom("duplicate field"));
                    }
                }
                other => {
                    let value: Value = map.next_value()?;
                    if extra.insert(other.to_owned(), value).is_some() {
                        return Err(A::Error::custom("duplicate field"));
                    }
                }
            }
        }
        let missing = || A::Error::custom("a field is missing");
        if !ty {
            return Err(missing());
        }
        Ok(AudioDelta {
            event_id: event_id.ok_or_else(missing)?,
            response_id: response_id.ok_or_else(missing)?,
            item_id: item_id.ok_or_else(missing)?,
            output_index: output_index.ok_or_else(missing)?,
            content_index: content_index.ok_or_else(missing)?,
            delta: delta.ok_or_else(missing)?,
            extra,
        })
    }
}

/// Whether `json` can only be an object: serde would read an array into a struct too.
fn is_object(json: &str) -> bool {
    json.trim_start().starts_with('{')
}

fn id_fits(id: &str) -> bool {
    id.len() <= MAX_EVENT_ID_LEN || id.chars().count() <= MAX_EVENT_ID_LEN
}

impl ClientEvent {
    pub(crate) fn fast_path(json: &str) -> Option<Self> {
        client(json)
    }
}

impl ServerEvent {
    pub(crate) fn fast_path(json: &str) -> Option<Self> {
        server(json)
    }
}

fn client(json: &str) -> Option<ClientEvent> {
    if !is_object(json) {
        return None;
    }
    let append: Append<'_> = serde_json::from_str(json).ok()?;
    if append.ty != APPEND || !append.event_id.as_deref().is_none_or(id_fits) {
        return None;
    }
    Some(ClientEvent::InputAudioBufferAppend(
        InputAudioBufferAppend {
            event_id: append.event_id.map(EventId::new),
            audio: append.audio,
        },
    ))
}

fn server(json: &str) -> Option<ServerEvent> {
    if !is_object(json) {
        return None;
    }
    let delta: AudioDelta = serde_json::from_str(json).ok()?;
    if !id_fits(&delta.event_id) {
        return None;
    }
    Some(ServerEvent::ResponseOutputAudioDelta(ContentDelta {
        event_id: EventId::new(delta.event_id),
        response_id: ResponseId::new(delta.response_id),
        item_id: ItemId::new(delta.item_id),
        output_index: delta.output_index,
        content_index: delta.content_index,
        delta: delta.delta,
        extra: delta.extra,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Both paths must agree on every frame the fast one takes.
    fn same_as_general<T: PartialEq + std::fmt::Debug>(
        fast: Option<T>,
        general: Result<T, crate::WireError>,
    ) {
        if let Some(event) = fast {
            assert_eq!(Ok(event), general);
        }
    }

    #[test]
    fn plain_audio_frames_take_the_fast_path_and_match_the_general_one() {
        let frames = [
            r#"{"type":"input_audio_buffer.append","audio":"AAAA"}"#,
            r#"{"event_id":"evt_1","type":"input_audio_buffer.append","audio":"AAAA"}"#,
            r#"{"type":"input_audio_buffer.append","event_id":null,"audio":""}"#,
        ];
        for frame in frames {
            assert!(client(frame).is_some(), "{frame}");
            same_as_general(client(frame), ClientEvent::from_json_general(frame));
        }
        for delta in [
            r#"{"type":"response.output_audio.delta","event_id":"e","response_id":"r","item_id":"i","output_index":0,"content_index":0,"delta":"AAAA"}"#,
            r#"{"type":"response.output_audio.delta","event_id":"e","response_id":"r","item_id":"i","output_index":0,"content_index":0,"delta":"AAAA","obfuscation":"x"}"#,
            r#"{"session_id":"sess_1","type":"response.output_audio.delta","event_id":"e","response_id":"r","item_id":"i","output_index":0,"content_index":0,"delta":"AAAA","x":{"y":[null,1.5]}}"#,
        ] {
            assert!(server(delta).is_some(), "{delta}");
            same_as_general(server(delta), ServerEvent::from_json_general(delta));
        }
    }

    #[test]
    fn a_servers_unknown_fields_are_kept_on_the_fast_path() {
        let delta = r#"{"type":"response.output_audio.delta","event_id":"e","response_id":"r","item_id":"i","output_index":0,"content_index":0,"delta":"AAAA","obfuscation":"x","session_id":"s"}"#;
        let Some(ServerEvent::ResponseOutputAudioDelta(event)) = server(delta) else {
            panic!("a plain delta takes the fast path");
        };
        assert_eq!(event.extra.get("obfuscation"), Some(&"x".into()));
        assert_eq!(event.extra.get("session_id"), Some(&"s".into()));
        let written: serde_json::Value =
            serde_json::from_str(&ServerEvent::ResponseOutputAudioDelta(event).to_json())
                .expect("JSON");
        assert_eq!(
            written,
            serde_json::from_str::<serde_json::Value>(delta).expect("JSON")
        );
    }

    #[test]
    fn a_clients_unknown_field_is_left_for_the_general_path_to_refuse() {
        let frame =
            r#"{"event_id":"evt_1","type":"input_audio_buffer.append","audio":"AAAA","extra":1}"#;
        assert!(client(frame).is_none());
        let err = ClientEvent::from_json(frame).expect_err("refused");
        assert_eq!(err.code(), "unknown_parameter");
        assert_eq!(err.param(), Some("extra"));
        assert_eq!(err.event_id().map(EventId::as_str), Some("evt_1"));
    }

    #[test]
    fn anything_unusual_takes_the_general_path() {
        let long_id = format!(
            r#"{{"type":"input_audio_buffer.append","event_id":"{}","audio":"AAAA"}}"#,
            "x".repeat(MAX_EVENT_ID_LEN + 1)
        );
        for frame in [
            r#"["input_audio_buffer.append",null,"AAAA"]"#,
            r#"{"type":"input_audio_buffer.append","audio":5}"#,
            r#"{"type":"input_audio_buffer.append"}"#,
            r#"{"type":"input_audio_buffer.clear"}"#,
            r#"{"type":"input_audio_buffer.append","audio":"A","audio":"B"}"#,
            long_id.as_str(),
        ] {
            assert!(client(frame).is_none(), "{frame}");
        }
        for delta in [
            r#"{"type":"response.output_audio.delta","event_id":"e"}"#,
            r#"{"type":"response.output_audio.delta","event_id":"e","response_id":"r","item_id":"i","output_index":0,"content_index":0,"delta":"A","delta":"B"}"#,
            r#"{"type":"response.output_audio.delta","event_id":"e","response_id":"r","item_id":"i","output_index":0,"content_index":0,"delta":"A","x":1,"x":2}"#,
            r#"{"type":"response.output_text.delta","event_id":"e","response_id":"r","item_id":"i","output_index":0,"content_index":0,"delta":"A"}"#,
            r#"{"type":"response.output_audio.delta","type":"response.output_audio.delta","event_id":"e","response_id":"r","item_id":"i","output_index":0,"content_index":0,"delta":"A"}"#,
        ] {
            assert!(server(delta).is_none(), "{delta}");
        }
    }
}
