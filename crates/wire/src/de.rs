//! Deserialization plumbing: tagged unions that keep the full path of a bad field, and the
//! mapping from serde's messages to [`WireError`]s.
//!
//! Serde's own internally tagged enums buffer their input and lose track of where in it an
//! error happened, so `item.content[0].text` would be reported as just `item`. The unions here
//! are dispatched by hand instead: the variant is deserialized with `serde_path_to_error`, and
//! its inner path travels to the top inside the error message, between [`NESTED`] markers,
//! where [`classify`] joins the pieces again.

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::strict::StrictValue;
use crate::unknown::{self, Mode};
use crate::{ErrorKind, EventId, WireError};

/// Separates an inner path from the message it belongs to. A control character, so it can
/// never come from real input.
const NESTED: char = '\u{1f}';

/// The longest `event_id` the protocol allows.
pub(crate) const MAX_EVENT_ID_LEN: usize = 512;

/// A deserialization failure and where it happened.
pub(crate) struct Located {
    path: String,
    message: String,
}

/// Deserializes `T` from a JSON value, remembering the path of any error.
pub(crate) fn from_value<T: DeserializeOwned>(value: Value) -> Result<T, Located> {
    serde_path_to_error::deserialize(StrictValue(value)).map_err(|e| Located {
        path: e.path().to_string(),
        message: e.inner().to_string(),
    })
}

/// Deserializes one variant of a hand-dispatched union, carrying the inner path outward.
pub(crate) fn variant<T: DeserializeOwned, E: serde::de::Error>(value: Value) -> Result<T, E> {
    from_value(value).map_err(|l| nested(&l.path, &l.message))
}

/// An error at `path` below the current position.
pub(crate) fn nested<E: serde::de::Error>(path: &str, message: &str) -> E {
    E::custom(format_args!("{NESTED}{path}{NESTED}{message}"))
}

/// Implements `Deserialize` for an enum of newtype variants tagged by a field, keeping the
/// path of errors inside the variant. The variant reads the object without its tag (serde
/// writes the tag itself), so the tag is never taken for an unknown field.
macro_rules! tagged_deserialize {
    ($ty:ident, $tag:literal, { $($name:literal => $variant:ident),* $(,)? }) => {
        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let value = <serde_json::Value as serde::Deserialize>::deserialize(d)?;
                let tag = $crate::de::tag(&value, $tag)?.map(str::to_owned);
                match tag.as_deref() {
                    $( Some($name) => $crate::de::variant($crate::de::untag(value, $tag)).map(Self::$variant), )*
                    Some(other) => Err($crate::de::unknown_tag($tag, other, &[$($name),*])),
                    None => Err($crate::de::missing_tag($tag)),
                }
            }
        }
    };
}

pub(crate) use tagged_deserialize;

/// The object without its tag `name`, for the member type to read (anything else as it is).
pub(crate) fn untag(mut value: Value, name: &str) -> Value {
    if let Value::Object(map) = &mut value {
        map.shift_remove(name);
    }
    value
}

/// Reads the string tag `name` of a union member. `Ok(None)` when the tag is absent.
pub(crate) fn tag<'a, E: serde::de::Error>(
    value: &'a Value,
    name: &str,
) -> Result<Option<&'a str>, E> {
    let Value::Object(map) = value else {
        return Err(E::custom(format_args!(
            "invalid type: {}, expected an object",
            describe(value)
        )));
    };
    match map.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(other) => Err(nested(
            name,
            &format!("invalid type: {}, expected a string", describe(other)),
        )),
    }
}

/// Deserializes a union of keywords (a string) and an object form, such as `tool_choice`.
///
/// Serde's untagged enums would report any failure as "matches none" at the union itself;
/// dispatching on the JSON type keeps the path of an error inside the object form.
pub(crate) fn keyword_or_object<K, O, T, E>(
    value: Value,
    keyword: impl FnOnce(K) -> T,
    object: impl FnOnce(O) -> T,
) -> Result<T, E>
where
    K: DeserializeOwned,
    O: DeserializeOwned,
    E: serde::de::Error,
{
    match value {
        Value::String(_) => variant(value).map(keyword),
        Value::Object(_) => variant(value).map(object),
        other => Err(E::custom(format_args!(
            "invalid type: {}, expected a string or an object",
            describe(&other)
        ))),
    }
}

/// The error for a union whose tag names no known member.
pub(crate) fn unknown_tag<E: serde::de::Error>(name: &str, found: &str, expected: &[&str]) -> E {
    nested(
        name,
        &format!("unknown variant `{found}`, expected {}", one_of(expected)),
    )
}

/// The error for a union without its tag.
pub(crate) fn missing_tag<E: serde::de::Error>(name: &str) -> E {
    E::custom(format_args!("missing field `{name}`"))
}

fn one_of(expected: &[&str]) -> String {
    let quoted: Vec<String> = expected.iter().map(|e| format!("`{e}`")).collect();
    format!("one of {}", quoted.join(", "))
}

/// Describes a JSON value the way serde does in "invalid type" messages.
fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".to_owned(),
        Value::Bool(b) => format!("boolean `{b}`"),
        Value::Number(n) if n.is_f64() => format!("floating point `{n}`"),
        Value::Number(n) => format!("integer `{n}`"),
        Value::String(s) => format!("string {s:?}"),
        Value::Array(_) => "sequence".to_owned(),
        Value::Object(_) => "map".to_owned(),
    }
}

/// Parses one event frame: JSON syntax, the `type` tag, then the typed payload, which reads
/// the event without its `type` and keeps or refuses fields no type names as `mode` says.
///
/// `dispatch` maps a known type to its payload parser and returns `None` for an unknown one.
pub(crate) fn parse_event<T>(
    json: &str,
    types: &[&str],
    mode: Mode,
    dispatch: impl FnOnce(&str, Value) -> Option<Result<T, Located>>,
) -> Result<T, WireError> {
    let value: Value = serde_json::from_str(json).map_err(|e| {
        WireError::new(
            ErrorKind::InvalidJson,
            format!("The event is not valid JSON: {e}."),
        )
    })?;
    parse_event_value(value, types, mode, dispatch)
}

/// Like [`parse_event`], for a frame already read as JSON.
pub(crate) fn parse_event_value<T>(
    mut value: Value,
    types: &[&str],
    mode: Mode,
    dispatch: impl FnOnce(&str, Value) -> Option<Result<T, Located>>,
) -> Result<T, WireError> {
    let Value::Object(map) = &mut value else {
        return Err(WireError::new(
            ErrorKind::InvalidEvent,
            format!("An event must be a JSON object, not {}.", describe(&value)),
        ));
    };
    let event_id = read_event_id(map.get("event_id"))?;
    let fail = |e: WireError| e.with_event_id(event_id.clone());
    // The payload reads the event without its `type`, which serde writes itself.
    let ty = match map.shift_remove("type") {
        None | Some(Value::Null) => {
            return Err(fail(WireError::new(
                ErrorKind::InvalidEvent,
                "The 'type' field is missing.",
            )));
        }
        Some(Value::String(ty)) => ty,
        Some(other) => {
            return Err(fail(
                WireError::new(
                    ErrorKind::InvalidType,
                    format!(
                        "Invalid type for 'type': expected a string, but got {} instead.",
                        describe(&other)
                    ),
                )
                .with_param("type"),
            ));
        }
    };
    match unknown::with_mode(mode, || dispatch(&ty, value)) {
        Some(Ok(event)) => Ok(event),
        Some(Err(located)) => Err(fail(located.into_error())),
        None => Err(fail(
            WireError::new(
                ErrorKind::InvalidValue,
                format!(
                    "Invalid value for 'type': '{ty}'. Supported values are: {}.",
                    types
                        .iter()
                        .map(|t| format!("'{t}'"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
            .with_param("type"),
        )),
    }
}

/// Reads `event_id` before anything else, so that every later error can name the event.
pub(crate) fn read_event_id(value: Option<&Value>) -> Result<Option<EventId>, WireError> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(id)) if id.chars().count() <= MAX_EVENT_ID_LEN => {
            Ok(Some(EventId::new(id.clone())))
        }
        Some(Value::String(_)) => Err(WireError::new(
            ErrorKind::InvalidValue,
            format!("Invalid 'event_id': string too long. Expected at most {MAX_EVENT_ID_LEN} characters."),
        )
        .with_param("event_id")),
        Some(other) => Err(WireError::new(
            ErrorKind::InvalidType,
            format!(
                "Invalid type for 'event_id': expected a string, but got {} instead.",
                describe(other)
            ),
        )
        .with_param("event_id")),
    }
}

/// Joins two parameter paths; `.` and the empty string stand for "here".
pub(crate) fn join(outer: &str, inner: &str) -> String {
    let outer = if outer == "." { "" } else { outer };
    let inner = if inner == "." { "" } else { inner };
    match (outer.is_empty(), inner.is_empty()) {
        (true, _) => inner.to_owned(),
        (false, true) => outer.to_owned(),
        (false, false) if inner.starts_with('[') => format!("{outer}{inner}"),
        (false, false) => format!("{outer}.{inner}"),
    }
}

/// Turns a serde message at `path` into a [`WireError`] with the right code and parameter.
pub(crate) fn classify(path: &str, message: &str) -> WireError {
    if let Some(rest) = message.strip_prefix(NESTED)
        && let Some((inner, rest)) = rest.split_once(NESTED)
    {
        return classify(&join(path, inner), rest);
    }
    let at = |p: &str| {
        if p.is_empty() {
            "the event".to_owned()
        } else {
            format!("'{p}'")
        }
    };
    let path = join(path, "");
    if message == unknown::UNKNOWN_PARAMETER {
        return WireError::new(
            ErrorKind::UnknownParameter,
            format!("Unknown parameter: '{path}'."),
        )
        .with_param(path);
    }
    if let Some(field) = between(message, "missing field `", "`") {
        let param = join(&path, field);
        return WireError::new(
            ErrorKind::MissingParameter,
            format!("Missing required parameter: '{param}'."),
        )
        .with_param(param);
    }
    let error = if let Some(rest) = message.strip_prefix("invalid type: ") {
        let (got, expected) = rest
            .split_once(", expected ")
            .unwrap_or((rest, "another type"));
        let expected = plain_type(expected);
        WireError::new(
            ErrorKind::InvalidType,
            format!(
                "Invalid type for {}: expected {expected}, but got {got} instead.",
                at(&path)
            ),
        )
    } else if let Some(found) = between(message, "unknown variant `", "`") {
        let expected = message.split_once(", expected ").map_or("", |(_, e)| e);
        WireError::new(
            ErrorKind::InvalidValue,
            format!(
                "Invalid value for {}: '{found}'. Supported values are {expected}.",
                at(&path)
            ),
        )
    } else if message.starts_with("data did not match any variant") {
        WireError::new(
            ErrorKind::InvalidValue,
            format!(
                "Invalid value for {}: it matches none of the accepted forms.",
                at(&path)
            ),
        )
    } else {
        let detail = message.strip_prefix("invalid value: ").unwrap_or(message);
        WireError::new(
            ErrorKind::InvalidValue,
            format!("Invalid value for {}: {detail}.", at(&path)),
        )
    };
    if path.is_empty() {
        error
    } else {
        error.with_param(path)
    }
}

/// Words serde's Rust type names for people who write JSON.
fn plain_type(expected: &str) -> &str {
    match expected {
        "u8" | "u16" | "u32" | "u64" => "a non-negative integer",
        "i8" | "i16" | "i32" | "i64" => "an integer",
        "f32" | "f64" => "a number",
        "a sequence" => "an array",
        "a map" => "an object",
        other => other,
    }
}

fn between<'a>(s: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let rest = s.strip_prefix(start)?;
    rest.split_once(end).map(|(inside, _)| inside)
}

/// A custom error for values serde cannot check by type alone.
pub(crate) fn invalid<E: serde::de::Error>(message: impl std::fmt::Display) -> E {
    E::custom(format_args!("invalid value: {message}"))
}

impl Located {
    /// The [`WireError`] for this failure.
    pub(crate) fn into_error(self) -> WireError {
        classify(&self.path, &self.message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_paths_with_dots_and_brackets() {
        assert_eq!(join(".", "a"), "a");
        assert_eq!(join("a", "b"), "a.b");
        assert_eq!(join("a", "[0].b"), "a[0].b");
        assert_eq!(join("a", "."), "a");
    }

    #[test]
    fn nested_paths_are_joined_at_every_level() {
        let inner = format!("{NESTED}content[0]{NESTED}missing field `text`");
        let outer = format!("{NESTED}item{NESTED}{inner}");
        let e = classify(".", &outer);
        assert_eq!(e.kind(), ErrorKind::MissingParameter);
        assert_eq!(e.param(), Some("item.content[0].text"));
    }

    #[test]
    fn invalid_type_names_both_types() {
        let e = classify("audio_end_ms", "invalid type: string \"x\", expected u64");
        assert_eq!(e.kind(), ErrorKind::InvalidType);
        assert!(
            e.message()
                .contains("expected a non-negative integer, but got string \"x\""),
            "{}",
            e.message()
        );
    }
}
