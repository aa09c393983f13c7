//! Identifier newtypes, so a call id can never be passed where an item id is expected.

use std::fmt;

use serde::{Deserialize, Serialize};

macro_rules! id_type {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Wraps an identifier received from or sent to the wire.
            pub fn new(id: impl Into<String>) -> Self {
                Self(id.into())
            }

            /// The identifier as it appears on the wire.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<&str> for $name {
            fn from(id: &str) -> Self {
                Self(id.to_owned())
            }
        }

        impl From<String> for $name {
            fn from(id: String) -> Self {
                Self(id)
            }
        }
    };
}

id_type!(
    /// `event_id` of a client or server event (`event_…` when the server makes it).
    EventId
);
id_type!(
    /// `id` of a conversation item (`item_…`), also used as `item_id` and `previous_item_id`.
    ItemId
);
id_type!(
    /// `call_id` of a function call (`call_…`), the key that pairs a call with its output.
    CallId
);
id_type!(
    /// `id` of a response (`resp_…`).
    ResponseId
);
