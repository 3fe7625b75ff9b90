//! `http.jsonencode(v)` / `http.jsondecode(s)` (SPEC §15) through serde_json, over
//! [`Payload`] so that the walk (cycles, nesting, unsendable types) is the one messages use.
//! Tables keep insertion order both ways (`preserve_order`), so output is deterministic.

use super::payload::Payload;
use serde_json::{Map, Number, Value as Json};

/// `v` as JSON text. Keys are `tostring`ed as impCloud does; blobs and non-UTF-8 strings
/// become strings (lossy); a float that JSON cannot hold (NaN, infinity) is an error.
pub fn encode(p: &Payload) -> Result<String, String> {
    Ok(to_json(p)?.to_string())
}

fn to_json(p: &Payload) -> Result<Json, String> {
    Ok(match p {
        Payload::Null => Json::Null,
        Payload::Bool(b) => Json::Bool(*b),
        Payload::Int(i) => Json::from(*i),
        // 32-bit floats widen through their shortest decimal form: 0.1 stays 0.1.
        Payload::Float(f) => {
            let wide: f64 = f.to_string().parse().unwrap_or(f64::from(*f));
            Json::Number(Number::from_f64(wide).ok_or_else(|| format!("http.jsonencode cannot encode the float {f}"))?)
        }
        Payload::Str(b) | Payload::Blob(b) => Json::String(String::from_utf8_lossy(b).into_owned()),
        Payload::Array(items) => Json::Array(items.iter().map(to_json).collect::<Result<_, _>>()?),
        Payload::Table(slots) => {
            let mut m = Map::new();
            for (k, v) in slots {
                m.insert(key(k), to_json(v)?);
            }
            Json::Object(m)
        }
    })
}

fn key(k: &Payload) -> String {
    match k {
        Payload::Str(b) | Payload::Blob(b) => String::from_utf8_lossy(b).into_owned(),
        Payload::Int(i) => i.to_string(),
        Payload::Float(f) => impnet_squirrel::fmt_float(*f),
        Payload::Bool(b) => b.to_string(),
        Payload::Null => "null".into(),
        Payload::Array(_) => "(array)".into(),
        Payload::Table(_) => "(table)".into(),
    }
}

/// JSON text as a Squirrel value: integers that fit 32 bits stay integers, other numbers
/// become (32-bit) floats. Bad JSON is an error naming where it failed.
pub fn decode(text: &str) -> Result<Payload, String> {
    let j: Json = serde_json::from_str(text).map_err(|e| format!("http.jsondecode: {e}"))?;
    Ok(from_json(j))
}

fn from_json(j: Json) -> Payload {
    match j {
        Json::Null => Payload::Null,
        Json::Bool(b) => Payload::Bool(b),
        Json::Number(n) => match n.as_i64().and_then(|i| i32::try_from(i).ok()) {
            Some(i) => Payload::Int(i),
            None => Payload::Float(n.as_f64().unwrap_or(0.0) as f32),
        },
        Json::String(s) => Payload::Str(s.into_bytes()),
        Json::Array(items) => Payload::Array(items.into_iter().map(from_json).collect()),
        Json::Object(m) => Payload::Table(m.into_iter().map(|(k, v)| (Payload::Str(k.into_bytes()), from_json(v))).collect()),
    }
}
