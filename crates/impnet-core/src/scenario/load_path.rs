//! Field paths for scenario errors (`steps[3].bytes`), without wrapping every visitor.
//!
//! A deserializer over `serde_value::Value` that keeps the path it is at in a thread-local
//! stack (a key pushed while its value is read, an index while its element is) and stamps
//! that path into an error when the error is made. serde_path_to_error did the same by
//! wrapping each `Deserialize` impl's visitor, map and seed in its own generic types, which
//! made it the largest single item in the playground's wasm; here only the one deserializer
//! below is generic over visitors, as `serde_value`'s own was.

use serde::de::{self, DeserializeSeed, Deserializer, EnumAccess, IntoDeserializer, MapAccess, SeqAccess, VariantAccess, Visitor};
use serde::Deserialize;
use serde_value::Value;
use std::cell::RefCell;
use std::fmt::{self, Write};

enum Segment {
    Key(String),
    Index(usize),
}

thread_local! {
    static PATH: RefCell<Vec<Segment>> = const { RefCell::new(Vec::new()) };
}

/// The segment is on the path while this lives (errors that a visitor catches and recovers
/// from unwind through it too).
struct Step;

impl Step {
    fn push(seg: Segment) -> Step {
        PATH.with(|p| p.borrow_mut().push(seg));
        Step
    }
}

impl Drop for Step {
    fn drop(&mut self) {
        PATH.with(|p| p.borrow_mut().pop());
    }
}

fn current_path() -> String {
    PATH.with(|p| {
        let mut out = String::new();
        for seg in p.borrow().iter() {
            match seg {
                Segment::Key(k) => {
                    if !out.is_empty() {
                        out.push('.');
                    }
                    out.push_str(k);
                }
                Segment::Index(i) => {
                    let _ = write!(out, "[{i}]");
                }
            }
        }
        out
    })
}

/// A serde message and the path it arose at (`""` for the root).
#[derive(Debug)]
pub(super) struct PathError {
    pub path: String,
    pub message: String,
}

impl fmt::Display for PathError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

impl std::error::Error for PathError {}

impl de::Error for PathError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        PathError { path: current_path(), message: msg.to_string() }
    }
}

/// `T` from `v`; an error names the path where it arose.
pub(super) fn deserialize<'de, T: Deserialize<'de>>(v: Value) -> Result<T, PathError> {
    PATH.with(|p| p.borrow_mut().clear());
    T::deserialize(ValueDe(v))
}

/// A key as a path segment; keys that are not strings (never in TOML or JSON) show as `?`.
fn key_name(k: &Value) -> String {
    match k {
        Value::String(s) => s.clone(),
        _ => "?".into(),
    }
}

struct ValueDe(Value);

impl<'de> Deserializer<'de> for ValueDe {
    type Error = PathError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, PathError> {
        match self.0 {
            Value::Bool(v) => visitor.visit_bool(v),
            Value::U8(v) => visitor.visit_u8(v),
            Value::U16(v) => visitor.visit_u16(v),
            Value::U32(v) => visitor.visit_u32(v),
            Value::U64(v) => visitor.visit_u64(v),
            Value::I8(v) => visitor.visit_i8(v),
            Value::I16(v) => visitor.visit_i16(v),
            Value::I32(v) => visitor.visit_i32(v),
            Value::I64(v) => visitor.visit_i64(v),
            Value::F32(v) => visitor.visit_f32(v),
            Value::F64(v) => visitor.visit_f64(v),
            Value::Char(v) => visitor.visit_char(v),
            Value::String(v) => visitor.visit_string(v),
            Value::Unit => visitor.visit_unit(),
            Value::Option(None) => visitor.visit_none(),
            Value::Option(Some(v)) => visitor.visit_some(ValueDe(*v)),
            Value::Newtype(v) => visitor.visit_newtype_struct(ValueDe(*v)),
            Value::Seq(v) => visitor.visit_seq(SeqDe { items: v.into_iter(), index: 0 }),
            Value::Map(v) => visitor.visit_map(MapDe { entries: v.into_iter(), value: None }),
            Value::Bytes(v) => visitor.visit_byte_buf(v),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, PathError> {
        match self.0 {
            Value::Option(None) | Value::Unit => visitor.visit_none(),
            Value::Option(Some(v)) => visitor.visit_some(ValueDe(*v)),
            v => visitor.visit_some(ValueDe(v)),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(self, _name: &'static str, visitor: V) -> Result<V::Value, PathError> {
        match self.0 {
            Value::Newtype(v) => visitor.visit_newtype_struct(ValueDe(*v)),
            v => visitor.visit_newtype_struct(ValueDe(v)),
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, PathError> {
        match self.0 {
            Value::String(s) => visitor.visit_enum(s.into_deserializer()),
            Value::Map(m) if m.len() == 1 => {
                let (variant, value) = m.into_iter().next().expect("one entry");
                visitor.visit_enum(EnumDe { variant, value })
            }
            v => ValueDe(v).deserialize_any(visitor),
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf unit
        unit_struct seq tuple tuple_struct map struct identifier ignored_any
    }
}

struct SeqDe {
    items: std::vec::IntoIter<Value>,
    index: usize,
}

impl<'de> SeqAccess<'de> for SeqDe {
    type Error = PathError;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, PathError> {
        let Some(v) = self.items.next() else { return Ok(None) };
        let _at = Step::push(Segment::Index(self.index));
        self.index += 1;
        seed.deserialize(ValueDe(v)).map(Some)
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len())
    }
}

struct MapDe {
    entries: std::collections::btree_map::IntoIter<Value, Value>,
    /// The value of the key last read, with that key's name.
    value: Option<(String, Value)>,
}

impl<'de> MapAccess<'de> for MapDe {
    type Error = PathError;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, PathError> {
        let Some((k, v)) = self.entries.next() else { return Ok(None) };
        self.value = Some((key_name(&k), v));
        seed.deserialize(ValueDe(k)).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, PathError> {
        let (key, v) = self.value.take().ok_or_else(|| de::Error::custom("a map value without its key"))?;
        let _at = Step::push(Segment::Key(key));
        seed.deserialize(ValueDe(v))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len())
    }
}

struct EnumDe {
    variant: Value,
    value: Value,
}

impl<'de> EnumAccess<'de> for EnumDe {
    type Error = PathError;
    type Variant = VariantDe;

    fn variant_seed<V: DeserializeSeed<'de>>(self, seed: V) -> Result<(V::Value, VariantDe), PathError> {
        let name = key_name(&self.variant);
        let v = seed.deserialize(ValueDe(self.variant))?;
        Ok((v, VariantDe { name, value: self.value }))
    }
}

struct VariantDe {
    name: String,
    value: Value,
}

impl<'de> VariantAccess<'de> for VariantDe {
    type Error = PathError;

    fn unit_variant(self) -> Result<(), PathError> {
        let _at = Step::push(Segment::Key(self.name));
        de::Deserialize::deserialize(ValueDe(self.value))
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, PathError> {
        let _at = Step::push(Segment::Key(self.name));
        seed.deserialize(ValueDe(self.value))
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, PathError> {
        let _at = Step::push(Segment::Key(self.name));
        ValueDe(self.value).deserialize_any(visitor)
    }

    fn struct_variant<V: Visitor<'de>>(self, _fields: &'static [&'static str], visitor: V) -> Result<V::Value, PathError> {
        let _at = Step::push(Segment::Key(self.name));
        ValueDe(self.value).deserialize_any(visitor)
    }
}
