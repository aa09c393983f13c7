//! The macro that turns a list of `Variant(Payload) = "wire.type"` lines into an event enum
//! with its serializer, its parser and its list of type strings, so the three cannot disagree.
//! The enum says what its parser does with fields no type names (`Keep` for server events,
//! `Refuse` for client events; see [`crate::unknown`]).

macro_rules! event_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident (unknown fields: $mode:ident) {
            $( $(#[$vmeta:meta])* $variant:ident($payload:ty) = $wire:literal, )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, serde::Serialize)]
        #[serde(tag = "type")]
        pub enum $name {
            $( $(#[$vmeta])* #[serde(rename = $wire)] $variant($payload), )*
        }

        impl $name {
            /// Every event type this enum covers, as written on the wire.
            pub const TYPES: &'static [&'static str] = &[$($wire),*];

            /// What a parse does with fields the types do not name.
            const UNKNOWN_FIELDS: crate::unknown::Mode = crate::unknown::Mode::$mode;

            /// The event's `type` as written on the wire.
            pub fn event_type(&self) -> &'static str {
                match self {
                    $( Self::$variant(_) => $wire, )*
                }
            }

            fn dispatch(
                ty: &str,
                value: serde_json::Value,
            ) -> Option<Result<Self, crate::de::Located>> {
                match ty {
                    $( $wire => Some(crate::de::from_value(value).map(Self::$variant)), )*
                    _ => None,
                }
            }

            /// Parses one GA event from a JSON text frame.
            pub fn from_json(json: &str) -> Result<Self, crate::WireError> {
                match Self::fast_path(json) {
                    Some(event) => Ok(event),
                    None => Self::from_json_general(json),
                }
            }

            /// The general path of [`from_json`](Self::from_json), for every frame.
            pub(crate) fn from_json_general(json: &str) -> Result<Self, crate::WireError> {
                crate::de::parse_event(json, Self::TYPES, Self::UNKNOWN_FIELDS, Self::dispatch)
            }

            /// Parses one GA event from a JSON value.
            pub fn from_value(value: serde_json::Value) -> Result<Self, crate::WireError> {
                crate::de::parse_event_value(
                    value,
                    Self::TYPES,
                    Self::UNKNOWN_FIELDS,
                    Self::dispatch,
                )
            }

            /// Writes the event as a GA JSON text frame.
            pub fn to_json(&self) -> String {
                serde_json::to_string(self).expect("events hold only JSON-safe data")
            }

            /// Writes the event as a GA JSON value.
            pub fn to_value(&self) -> serde_json::Value {
                serde_json::to_value(self).expect("events hold only JSON-safe data")
            }
        }
    };
}

pub(crate) use event_enum;
