//! A parsed document as one format-neutral tree, for `read` to walk with field paths.
//!
//! TOML documents come from toml's own parse tree (`DeTable`) by a plain walk: no serde
//! deserializer is instantiated for them, so the playground's wasm carries none (issue #10 item
//! 6). JSON files and share links are read by serde_json's streaming parser into the same tree
//! (`Doc`), keeping a key given twice, which `read` then refuses by its path
//! (`libs.a.nut: given twice`); a link's migrations (`codec`) work on that tree too.
//!
//! TOML and link tables are sorted by key, the order the reader has always met them in (errors
//! name the first bad field in that order); JSON files keep the order they are written in.

use super::load::{truncate, Format};
use toml::de::{DeTable, DeValue};

/// A table's entries in reading order.
pub(crate) type Table = Vec<(String, Value)>;

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
    /// Entries in reading order; a key may repeat only in JSON (a file or a link).
    Table(Table),
}

/// A document compiled in as a literal: build.rs writes the first preset's TOML this way, so
/// the playground's first screen reads it without the TOML parser (issue #10 item 6).
#[allow(dead_code)] // build.rs writes only the kinds the first preset holds
pub(crate) enum Lit {
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(&'static str),
    Array(&'static [Lit]),
    Table(&'static [(&'static str, Lit)]),
}

impl Lit {
    /// The tree `Value::from_toml` makes of the same document (tables sorted by key).
    pub(crate) fn value(&self) -> Value {
        match *self {
            Lit::Bool(b) => Value::Bool(b),
            Lit::Int(i) => Value::Int(i),
            Lit::Float(f) => Value::Float(f),
            Lit::Str(s) => Value::Str(s.to_string()),
            Lit::Array(items) => Value::Array(items.iter().map(Lit::value).collect()),
            Lit::Table(entries) => Value::sorted(entries.iter().map(|(k, v)| (k.to_string(), v.value())).collect()),
        }
    }
}

/// How toml's serde support spells a datetime: a table with this one key. Kept, so a datetime
/// where a number or table belongs is refused with the words it always was.
const TOML_DATETIME_KEY: &str = "$__toml_private_datetime";

impl Value {
    fn sorted(mut entries: Table) -> Value {
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        Value::Table(entries)
    }

    /// A share link's tree: every table sorted by key, as links have always been read. The sort
    /// is stable, so a key given twice stays twice for `read` to refuse.
    pub(crate) fn into_link_order(self) -> Value {
        match self {
            Value::Array(items) => Value::Array(items.into_iter().map(Value::into_link_order).collect()),
            Value::Table(entries) => Value::sorted(entries.into_iter().map(|(k, v)| (k, v.into_link_order())).collect()),
            v => v,
        }
    }

    /// The value as a message shows it: a scalar as written (a string cut to 80 characters),
    /// an array or table by its kind in `fmt`'s words.
    pub(crate) fn words(&self, fmt: Format) -> String {
        match self {
            Value::Bool(b) => b.to_string(),
            Value::Int(i) => i.to_string(),
            Value::UInt(u) => u.to_string(),
            // Always with a decimal point or exponent, so 2.0 does not read as the integer 2.
            Value::Float(f) if f.is_finite() && f.abs() >= 1e16 => format!("{f:e}"),
            Value::Float(f) if f.is_finite() && f.fract() == 0.0 => format!("{f:.1}"),
            Value::Float(f) => f.to_string(),
            Value::Str(s) => truncate(&format!("{s:?}"), 80),
            // Only JSON has it.
            Value::Null => "null".into(),
            Value::Array(_) => "an array".into(),
            Value::Table(_) => fmt.container().into(),
        }
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
}

/// A JSON file's or share link's tree, read by serde_json's streaming parser. Keys stay in
/// document order, repeats included.
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
