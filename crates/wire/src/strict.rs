//! A deserializer over `serde_json::Value` that refuses an array where an object belongs, and
//! refuses unknown fields when the parse does.
//!
//! Serde's derived structs also accept a sequence of their fields in order, so
//! `{"session":["realtime"]}` would parse as a session of type `realtime`. No Realtime client
//! means that, and upstream rejects it, so every parse in this crate goes through
//! [`StrictValue`], which reports such an array as a wrong type. Everything else is passed to
//! `Value`'s own deserializer.
//!
//! Under [`Mode::Refuse`](crate::unknown::Mode) (client events) it also keeps track of where
//! in the event the parse is, for [`TOLERATED`](crate::unknown::TOLERATED), and refuses a field
//! a struct does not name before the struct sees any of its fields, so a misspelt required
//! field (`sesion`) is reported as the unknown parameter it is rather than as a missing one.
//! Structs that keep unknown fields (an [`Extra`](crate::Extra), flattened) are read as maps;
//! their [`Extra`](crate::Extra) refuses instead.

use serde::de::{
    self, DeserializeSeed, Deserializer, IntoDeserializer, MapAccess, SeqAccess, Unexpected,
    Visitor,
};
use serde_json::{Error, Map, Value};

use crate::unknown;

/// A JSON value read with object-shaped types accepting only objects.
pub(crate) struct StrictValue(pub(crate) Value);

macro_rules! forward {
    ($($method:ident)*) => {
        $(
            fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
                self.0.$method(visitor)
            }
        )*
    };
}

impl<'de> Deserializer<'de> for StrictValue {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Object(map) => visitor.visit_map(StrictMap::new(map)),
            Value::Array(list) => visitor.visit_seq(StrictSeq::new(list)),
            other => other.deserialize_any(visitor),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self.0 {
            Value::Object(mut map) => {
                if unknown::refusing() {
                    refuse_unknown(&mut map, fields)?;
                }
                visitor.visit_map(StrictMap::new(map))
            }
            Value::Array(_) => Err(de::Error::invalid_type(Unexpected::Seq, &"an object")),
            other => other.deserialize_struct(name, fields, visitor),
        }
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Object(map) => visitor.visit_map(StrictMap::new(map)),
            // Structs with an `Extra` are read as maps: an array is no more one of those.
            Value::Array(_) => Err(de::Error::invalid_type(Unexpected::Seq, &"an object")),
            other => other.deserialize_map(visitor),
        }
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Array(list) => visitor.visit_seq(StrictSeq::new(list)),
            other => other.deserialize_seq(visitor),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Null => visitor.visit_none(),
            other => visitor.visit_some(StrictValue(other)),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        // Only keyword enums (a string) are modelled with serde enums here.
        self.0.deserialize_enum(name, variants, visitor)
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.0.deserialize_unit_struct(name, visitor)
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value, Error> {
        self.0.deserialize_tuple(len, visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.0.deserialize_tuple_struct(name, len, visitor)
    }

    forward! {
        deserialize_bool deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64
        deserialize_i128 deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64
        deserialize_u128 deserialize_f32 deserialize_f64 deserialize_char deserialize_str
        deserialize_string deserialize_bytes deserialize_byte_buf deserialize_unit
        deserialize_identifier deserialize_ignored_any
    }
}

/// Refuses the fields of `map` that `fields` does not name, or drops them when
/// [`TOLERATED`](unknown::TOLERATED) lists them (a struct without an `Extra` has nowhere to
/// keep them).
fn refuse_unknown(map: &mut Map<String, Value>, fields: &[&str]) -> Result<(), Error> {
    let mut tolerated = Vec::new();
    for key in map.keys() {
        if !fields.contains(&key.as_str()) {
            if unknown::refuses(key) {
                return Err(unknown::unknown(key));
            }
            tolerated.push(key.clone());
        }
    }
    for key in tolerated {
        map.shift_remove(&key);
    }
    Ok(())
}

struct StrictMap {
    entries: serde_json::map::IntoIter,
    /// The entry whose key was read and whose value was not yet.
    pending: Option<(String, Value)>,
}

impl StrictMap {
    fn new(map: Map<String, Value>) -> Self {
        Self {
            entries: map.into_iter(),
            pending: None,
        }
    }
}

impl<'de> MapAccess<'de> for StrictMap {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        match self.entries.next() {
            Some((key, value)) => {
                let pending = self.pending.insert((key, value));
                seed.deserialize(pending.0.as_str().into_deserializer())
                    .map(Some)
            }
            None => Ok(None),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        match self.pending.take() {
            Some((key, value)) => unknown::at_key(&key, || seed.deserialize(StrictValue(value))),
            None => Err(de::Error::custom(
                "a map value was asked for before its key",
            )),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len())
    }
}

struct StrictSeq {
    items: std::vec::IntoIter<Value>,
}

impl StrictSeq {
    fn new(list: Vec<Value>) -> Self {
        Self {
            items: list.into_iter(),
        }
    }
}

impl<'de> SeqAccess<'de> for StrictSeq {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Error> {
        self.items
            .next()
            .map(|value| unknown::at_index(|| seed.deserialize(StrictValue(value))))
            .transpose()
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len())
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;
    use serde_json::json;

    use super::*;

    #[derive(Debug, Deserialize, PartialEq)]
    struct Inner {
        name: String,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Outer {
        inner: Option<Inner>,
        list: Vec<Inner>,
    }

    #[test]
    fn objects_and_arrays_parse_as_usual() {
        let value = json!({"inner": {"name": "a"}, "list": [{"name": "b"}]});
        let outer = Outer::deserialize(StrictValue(value)).expect("valid");
        assert_eq!(outer.list, [Inner { name: "b".into() }]);
    }

    #[test]
    fn an_array_in_place_of_an_object_is_a_wrong_type_at_any_depth() {
        for value in [
            json!(["x", []]),
            json!({"inner": ["a"], "list": []}),
            json!({"inner": null, "list": [["b"]]}),
        ] {
            let err = Outer::deserialize(StrictValue(value.clone())).expect_err("arrays refused");
            assert!(
                err.to_string().contains("expected an object"),
                "{value}: {err}"
            );
        }
    }
}
