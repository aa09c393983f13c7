//! Fields the model does not name: kept when a server sends them, refused when a client does.
//!
//! The live Realtime API answers a client event carrying a field it does not know with an
//! `unknown_parameter` error (`Unknown parameter: 'session.audio.input.turn_detecton'.`), so a
//! caller learns of its typo. Switchboard answers the same way: [`ClientEvent`] parses refuse
//! such a field, except the few that other SDKs send and the API accepts, listed in
//! [`TOLERATED`] with who sends them.
//!
//! Server events go the other way. A newer server (or Azure, which adds a top-level
//! `session_id` to every event) sends fields this crate has no name for; they are kept in the
//! [`Extra`] of the object that carried them and written back where they came from, so a
//! relayed event reaches the caller as the model sent it.
//!
//! Which of the two applies is a property of the parse, not of the types: `Session` is read
//! from `session.update` (a client) and from `session.updated` (a server). The client parse
//! runs under [`Mode::Refuse`], set for the length of the parse on the current thread; every
//! other read (server events, `serde_json::from_value` anywhere) keeps.
//!
//! [`ClientEvent`]: crate::ClientEvent

use std::borrow::Cow;
use std::cell::{Cell, RefCell};
use std::fmt;

use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use crate::de;

/// Unknown fields of one JSON object, in the order they came.
///
/// Every object type a server sends has one, `#[serde(flatten)]`ed: reading keeps the fields
/// the type does not name, writing puts them back beside the named ones. Empty for objects
/// built in code, and then free: it allocates only when a field is kept. Objects rarely carry
/// more than a few unknown fields (GA audio deltas carry one, `obfuscation`), so they are kept
/// in a list rather than a map; two `Extra`s are equal when they hold the same fields, in any
/// order.
#[derive(Debug, Clone, Default)]
pub struct Extra(Vec<(Cow<'static, str>, Value)>);

impl Extra {
    /// No unknown fields.
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// How many there are.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// The value of an unknown field.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// Adds a field, or replaces it where it was; returns the value it replaced.
    pub fn insert(&mut self, key: impl Into<Cow<'static, str>>, value: Value) -> Option<Value> {
        let key = key.into();
        match self.0.iter_mut().find(|(k, _)| *k == key) {
            Some((_, old)) => Some(std::mem::replace(old, value)),
            None => {
                self.0.push((key, value));
                None
            }
        }
    }

    /// Removes a field; returns its value.
    pub fn remove(&mut self, key: &str) -> Option<Value> {
        let at = self.0.iter().position(|(k, _)| k == key)?;
        Some(self.0.remove(at).1)
    }

    /// The fields, in the order they came.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.0.iter().map(|(k, v)| (k.as_ref(), v))
    }

    /// Applies a partial update as `session.update` does: a field the patch carries replaces
    /// this one's, the others stay.
    pub fn merge(&mut self, patch: Extra) {
        for (key, value) in patch.0 {
            self.insert(key, value);
        }
    }
}

impl PartialEq for Extra {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().all(|(k, v)| other.get(k) == Some(v))
    }
}

impl Eq for Extra {}

impl From<Map<String, Value>> for Extra {
    fn from(map: Map<String, Value>) -> Self {
        Self(map.into_iter().map(|(k, v)| (Cow::Owned(k), v)).collect())
    }
}

impl From<Extra> for Map<String, Value> {
    fn from(extra: Extra) -> Self {
        extra
            .0
            .into_iter()
            .map(|(k, v)| (k.into_owned(), v))
            .collect()
    }
}

impl Serialize for Extra {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (key, value) in &self.0 {
            map.serialize_entry(key.as_ref(), value)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for Extra {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ExtraVisitor;

        impl<'de> Visitor<'de> for ExtraVisitor {
            type Value = Extra;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Extra, A::Error> {
                let mut extra = Extra::new();
                while let Some(key) = access.next_key::<String>()? {
                    let value: Value = access.next_value()?;
                    if refuses(&key) {
                        return Err(unknown(&key));
                    }
                    extra.insert(key, value);
                }
                Ok(extra)
            }
        }

        deserializer.deserialize_map(ExtraVisitor)
    }
}

/// What a parse does with a field no type names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Mode {
    /// Keep it in the object's [`Extra`] (server events, and every read outside a client
    /// parse).
    #[default]
    Keep,
    /// Refuse it with `unknown_parameter`, unless [`TOLERATED`] lists it (client events).
    Refuse,
}

thread_local! {
    static MODE: Cell<Mode> = const { Cell::new(Mode::Keep) };
    /// Where the parse is, from the event, as [`Tolerated::parent`] writes it (keys joined
    /// with `.`, any array element as `[]`); kept only under [`Mode::Refuse`], where
    /// [`TOLERATED`] is matched against it.
    static PATH: RefCell<String> = const { RefCell::new(String::new()) };
}

/// Runs `parse` with `mode` on this thread, restoring the previous mode afterwards (also when
/// `parse` panics).
pub(crate) fn with_mode<T>(mode: Mode, parse: impl FnOnce() -> T) -> T {
    struct Restore {
        mode: Mode,
        path: String,
    }
    impl Drop for Restore {
        fn drop(&mut self) {
            MODE.with(|m| m.set(self.mode));
            PATH.with(|p| *p.borrow_mut() = std::mem::take(&mut self.path));
        }
    }
    let _restore = Restore {
        mode: MODE.with(|m| m.replace(mode)),
        path: PATH.with(|p| std::mem::take(&mut *p.borrow_mut())),
    };
    parse()
}

/// Whether unknown fields are refused on this thread now.
pub(crate) fn refusing() -> bool {
    MODE.with(Cell::get) == Mode::Refuse
}

/// Runs `inner` one key deeper in the path (a no-op unless refusing).
pub(crate) fn at_key<T>(key: &str, inner: impl FnOnce() -> T) -> T {
    at(
        |path| {
            if !path.is_empty() {
                path.push('.');
            }
            path.push_str(key);
        },
        inner,
    )
}

/// Runs `inner` one array element deeper in the path (a no-op unless refusing).
pub(crate) fn at_index<T>(inner: impl FnOnce() -> T) -> T {
    at(|path| path.push_str("[]"), inner)
}

fn at<T>(descend: impl FnOnce(&mut String), inner: impl FnOnce() -> T) -> T {
    if !refusing() {
        return inner();
    }
    struct Ascend(usize);
    impl Drop for Ascend {
        fn drop(&mut self) {
            PATH.with(|p| p.borrow_mut().truncate(self.0));
        }
    }
    let _ascend = Ascend(PATH.with(|p| {
        let mut path = p.borrow_mut();
        let len = path.len();
        descend(&mut path);
        len
    }));
    inner()
}

/// Whether the field `key` of the object the parse is in must be refused: the parse refuses
/// unknown fields and [`TOLERATED`] does not list this one.
pub(crate) fn refuses(key: &str) -> bool {
    if !refusing() {
        return false;
    }
    PATH.with(|p| {
        let parent = p.borrow();
        !TOLERATED
            .iter()
            .any(|t| t.parent == parent.as_str() && t.field == key)
    })
}

/// The serde error for an unknown field `key` of the current object; [`de::classify`] makes
/// it an `unknown_parameter` naming the full path.
pub(crate) fn unknown<E: serde::de::Error>(key: &str) -> E {
    de::nested(key, UNKNOWN_PARAMETER)
}

/// The message [`unknown`] carries.
pub(crate) const UNKNOWN_PARAMETER: &str = "unknown parameter";

/// A field a client may send although the official types do not name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tolerated {
    /// The object it belongs to, from the event: keys joined with `.`, any array index as
    /// `[]` (`session.tools[]`); `""` is the event itself.
    pub parent: &'static str,
    /// The field.
    pub field: &'static str,
    /// Who sends it, and why it must be accepted.
    pub sent_by: &'static str,
}

impl Tolerated {
    /// The full path, as an error would name it (`session.audio.input.turn_detection.model_version`).
    pub fn path(&self) -> String {
        if self.parent.is_empty() {
            self.field.to_owned()
        } else {
            format!("{}.{}", self.parent, self.field)
        }
    }
}

/// Fields of client events that the official SDK types do not name and that are accepted
/// anyway, because a client in use sends them and the live API takes them. Each is kept where
/// it came (in the object's [`Extra`]) and passed on to the model. Every other unknown field of
/// a client event is refused with `unknown_parameter`, as the live API refuses it.
///
/// Fields the official types do name are modelled, not listed here. Fields only servers send
/// (`obfuscation` on deltas, Azure's `session_id`) are kept by every server parse and need no
/// entry.
pub const TOLERATED: &[Tolerated] = &[Tolerated {
    parent: "session.audio.input.turn_detection",
    field: "model_version",
    sent_by: "OpenAI Agents SDK for JavaScript (@openai/agents-realtime, since February 2026, \
                  openai-agents-js#968): written when an agent sets `turnDetection.modelVersion`, \
                  e.g. `\"default\"`",
}];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_written_with_any_index_as_brackets() {
        with_mode(Mode::Refuse, || {
            at_key("session", || {
                at_key("tools", || {
                    at_index(|| {
                        PATH.with(|p| assert_eq!(p.borrow().as_str(), "session.tools[]"));
                    })
                })
            });
            PATH.with(|p| assert_eq!(p.borrow().as_str(), ""));
        });
    }

    #[test]
    fn the_mode_is_restored_after_a_parse() {
        assert!(!refusing());
        with_mode(Mode::Refuse, || {
            assert!(refusing());
            at_key("session", || {
                assert!(refuses("sesion_typo"));
                at_key("audio", || {
                    at_key("input", || {
                        at_key("turn_detection", || assert!(!refuses("model_version")))
                    })
                })
            });
        });
        assert!(!refusing());
        assert!(!refuses("anything"));
    }

    #[test]
    fn every_tolerated_field_says_who_sends_it() {
        for t in TOLERATED {
            assert!(!t.sent_by.trim().is_empty(), "{}", t.path());
        }
    }
}
