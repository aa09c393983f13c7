//! Single-string literals (`"inf"`, `"auto"`) for unions that mix a keyword with other forms.

macro_rules! literal {
    ($(#[$meta:meta])* $name:ident = $text:literal) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
        pub struct $name;

        impl $name {
            /// The literal as it appears on the wire.
            pub const TEXT: &'static str = $text;
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str($text)
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                if s == $text {
                    Ok($name)
                } else {
                    Err(serde::de::Error::unknown_variant(&s, &[$text]))
                }
            }
        }
    };
}

pub(crate) use literal;
