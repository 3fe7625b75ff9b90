//! A parsed document as one format-neutral tree, for `read` to walk with field paths.
//!
//! TOML documents come from toml's own parse tree (`DeTable`) and share links from a
//! `serde_json::Value`, both by a plain walk: no serde deserializer is instantiated for them, so
//! the playground's wasm carries none (issue #10 item 6). JSON files are read by serde_json's
//! streaming parser into the same tree (`Doc`), keeping keys in document order and a key given
//! twice, which `read` then refuses by its path.
//!
//! TOML and link tables are sorted by key, the order the reader has always met them in (errors
//! name the first bad field in that order); JSON files keep the order they are written in.

use toml::de::{DeTable, DeValue};

/// One value of a scenario document.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Value {
    Bool(bool),
    Int(i64),
    /// An integer above `i64::MAX`.
    UInt(u64),
    Float(f64),
    Str(String),
    /// JSON `null`; reads as "not given" where a field is optional.
    Null,
    Array(Vec<Value>),
    /// Entries in reading order; a key may repeat only in a JSON file.
    Table(Vec<(String, Value)>),
}

/// How toml's serde support spells a datetime: a table with this one key. Kept, so a datetime
/// where a number or table belongs is refused with the words it always was.
const TOML_DATETIME_KEY: &str = "$__toml_private_datetime";

impl Value {
    fn sorted(mut entries: Vec<(String, Value)>) -> Value {
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        Value::Table(entries)
    }

    /// A TOML document's tree. A number that does not fit 64 bits is refused here: the error is
    /// its byte offset and the reason.
    pub(crate) fn from_toml(root: DeTable<'_>) -> Result<Value, (usize, &'static str)> {
        let mut entries = Vec::with_capacity(root.len());
        for (k, v) in root {
            let span = v.span();
            entries.push((k.into_inner().into_owned(), Self::from_toml_value(v.into_inner(), span.start)?));
        }
        Ok(Value::sorted(entries))
    }

    fn from_toml_value(v: DeValue<'_>, offset: usize) -> Result<Value, (usize, &'static str)> {
        Ok(match v {
            DeValue::String(s) => Value::Str(s.into_owned()),
            DeValue::Integer(i) => {
                if let Ok(n) = i64::from_str_radix(i.as_str(), i.radix()) {
                    Value::Int(n)
                } else if let Ok(n) = u64::from_str_radix(i.as_str(), i.radix()) {
                    Value::UInt(n)
                } else {
                    return Err((offset, "integer number overflowed"));
                }
            }
            DeValue::Float(f) => match f.as_str().parse::<f64>() {
                // A finite literal too large for f64 parses as inf: toml refuses that.
                Ok(x) if !x.is_infinite() || f.as_str().contains("inf") => Value::Float(x),
                _ => return Err((offset, "floating-point number overflowed")),
            },
            DeValue::Boolean(b) => Value::Bool(b),
            DeValue::Datetime(d) => Value::Table(vec![(TOML_DATETIME_KEY.into(), Value::Str(d.to_string()))]),
            DeValue::Array(mut items) => Value::Array(
                items
                    .iter_mut()
                    .map(|item| {
                        let offset = item.span().start;
                        Self::from_toml_value(std::mem::replace(item.get_mut(), DeValue::Boolean(false)), offset)
                    })
                    .collect::<Result<_, _>>()?,
            ),
            DeValue::Table(t) => Self::from_toml(t)?,
        })
    }

    /// A share link's payload (its keys are unique: `codec` refuses a key given twice).
    pub(crate) fn from_json(v: serde_json::Value) -> Value {
        match v {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(b),
            serde_json::Value::Number(n) => {
                if let Some(i) = n.as_i64() {
                    Value::Int(i)
                } else if let Some(u) = n.as_u64() {
                    Value::UInt(u)
                } else {
                    Value::Float(n.as_f64().unwrap_or(f64::NAN))
                }
            }
            serde_json::Value::String(s) => Value::Str(s),
            serde_json::Value::Array(items) => Value::Array(items.into_iter().map(Value::from_json).collect()),
            serde_json::Value::Object(m) => Value::sorted(m.into_iter().map(|(k, v)| (k, Value::from_json(v))).collect()),
        }
    }
}

/// A JSON file's tree, read by serde_json's streaming parser (the CLI's; the playground reads
/// TOML and links, so its wasm does not carry this). Keys stay in document order, repeats
/// included.
pub(crate) struct Doc(pub Value);

impl<'de> serde::Deserialize<'de> for Doc {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Doc, D::Error> {
        d.deserialize_any(DocVisitor).map(Doc)
    }
}

struct DocVisitor;

impl<'de> serde::de::Visitor<'de> for DocVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Int(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(i64::try_from(v).map_or(Value::UInt(v), Value::Int))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::Float(v))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::Str(v.to_string()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::Str(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(Doc(v)) = seq.next_element()? {
            items.push(v);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            let Doc(v) = map.next_value()?;
            entries.push((key, v));
        }
        Ok(Value::Table(entries))
    }
}
