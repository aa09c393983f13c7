//! A field that can be absent, explicitly `null`, or set.
//!
//! The Realtime protocol gives `null` a meaning of its own: in `session.update`, an absent
//! `turn_detection` leaves it as it is, while `null` turns it off. `Option` cannot tell the two
//! apart, so those fields use [`Nullable`].

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Absent, `null`, or a value. Use with
/// `#[serde(default, skip_serializing_if = "Nullable::is_absent")]`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Nullable<T> {
    /// The field was not sent: "leave as it is".
    #[default]
    Absent,
    /// The field was sent as `null`: "turn this off".
    Null,
    /// The field was sent with a value.
    Value(T),
}

impl<T> Nullable<T> {
    /// True when the field was not sent.
    pub fn is_absent(&self) -> bool {
        matches!(self, Self::Absent)
    }

    /// True when the field was sent as `null`.
    pub fn is_null(&self) -> bool {
        matches!(self, Self::Null)
    }

    /// The value, if one was sent.
    pub fn into_value(self) -> Option<T> {
        match self {
            Self::Value(v) => Some(v),
            Self::Absent | Self::Null => None,
        }
    }

    /// The value, if one was sent.
    pub fn as_value(&self) -> Option<&T> {
        match self {
            Self::Value(v) => Some(v),
            Self::Absent | Self::Null => None,
        }
    }

    /// Applies a partial update: an absent patch keeps `self`, anything else replaces it.
    pub fn merge(&mut self, patch: Nullable<T>) {
        if !patch.is_absent() {
            *self = patch;
        }
    }
}

impl<T> From<Option<T>> for Nullable<T> {
    fn from(value: Option<T>) -> Self {
        value.map_or(Self::Null, Self::Value)
    }
}

impl<T: Serialize> Serialize for Nullable<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Value(v) => v.serialize(serializer),
            Self::Absent | Self::Null => serializer.serialize_none(),
        }
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Nullable<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(Option::<T>::deserialize(deserializer)?.into())
    }
}
