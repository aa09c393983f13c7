//! The audio frames that make up most of a call's traffic, read straight into their types.
//!
//! The general path reads a frame into a JSON value first, so that an error can name the
//! field it is about; for audio that copies every frame twice. A frame that is exactly one
//! of these events in its plain shape is read here instead. Anything else (another type, a
//! field of the wrong shape, an over-long event id, a duplicate key, not an object) returns
//! `None` and takes the general path, which accepts the same frames and reports the rest.

use std::borrow::Cow;

use serde::Deserialize;

use crate::de::MAX_EVENT_ID_LEN;
use crate::{
    ClientEvent, ContentDelta, EventId, InputAudioBufferAppend, ItemId, ResponseId, ServerEvent,
};

const APPEND: &str = "input_audio_buffer.append";
const AUDIO_DELTA: &str = "response.output_audio.delta";

#[derive(Deserialize)]
struct Append<'a> {
    #[serde(rename = "type", borrow)]
    ty: Cow<'a, str>,
    #[serde(default)]
    event_id: Option<String>,
    audio: String,
}

#[derive(Deserialize)]
struct AudioDelta<'a> {
    #[serde(rename = "type", borrow)]
    ty: Cow<'a, str>,
    event_id: String,
    response_id: String,
    item_id: String,
    output_index: u32,
    content_index: u32,
    delta: String,
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
    let delta: AudioDelta<'_> = serde_json::from_str(json).ok()?;
    if delta.ty != AUDIO_DELTA {
        return None;
    }
    Some(ServerEvent::ResponseOutputAudioDelta(ContentDelta {
        event_id: EventId::new(delta.event_id),
        response_id: ResponseId::new(delta.response_id),
        item_id: ItemId::new(delta.item_id),
        output_index: delta.output_index,
        content_index: delta.content_index,
        delta: delta.delta,
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
            r#"{"event_id":"evt_1","type":"input_audio_buffer.append","audio":"AAAA","extra":1}"#,
            r#"{"type":"input_audio_buffer.append","event_id":null,"audio":""}"#,
        ];
        for frame in frames {
            assert!(client(frame).is_some(), "{frame}");
            same_as_general(client(frame), ClientEvent::from_json_general(frame));
        }
        let delta = r#"{"type":"response.output_audio.delta","event_id":"e","response_id":"r","item_id":"i","output_index":0,"content_index":0,"delta":"AAAA","obfuscation":"x"}"#;
        assert!(server(delta).is_some());
        same_as_general(server(delta), ServerEvent::from_json_general(delta));
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
        assert!(server(r#"{"type":"response.output_audio.delta","event_id":"e"}"#).is_none());
    }
}
