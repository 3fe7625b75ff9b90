//! A message's value between the two VMs (SPEC §15): `agent.send(name, v)` on the device and
//! `device.send(name, v)` on the agent copy `v` out of the sender's heap into a [`Payload`],
//! which the model carries beside the message id; the receiver's handler gets it rebuilt in its
//! own heap. Plain data only, as §14 "Values on the wire" allows; tables keep insertion order.

use impnet_squirrel::{GcRef, Heap, OutOfMemory, Value};
use std::fmt;

/// Containers nested deeper than this are refused (the VM's call depth limit, as `wire_size`).
const MAX_NESTING: usize = 200;

#[derive(Clone, Debug, PartialEq)]
pub enum Payload {
    Null,
    Bool(bool),
    Int(i32),
    Float(f32),
    /// Squirrel strings are bytes, not necessarily UTF-8.
    Str(Vec<u8>),
    Blob(Vec<u8>),
    Array(Vec<Payload>),
    Table(Vec<(Payload, Payload)>),
}

/// Why a value cannot cross: a runtime error in the script that tried, naming its call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Unsendable {
    /// Functions, classes and instances have no serialised form (§14).
    Type(&'static str),
    /// A table or array that contains itself.
    Cycle,
    TooDeep,
}

impl Unsendable {
    pub fn in_call(&self, call: &str) -> String {
        match self {
            Unsendable::Type(t) => format!("{call} cannot send a value of type '{t}'"),
            Unsendable::Cycle => format!("{call} cannot send a table or array that contains itself"),
            Unsendable::TooDeep => format!("{call} cannot send containers nested deeper than {MAX_NESTING}"),
        }
    }
}

impl fmt::Display for Unsendable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.in_call("send"))
    }
}

impl Payload {
    /// Copies `v` out of `heap`.
    pub fn from_value(heap: &Heap, v: Value) -> Result<Payload, Unsendable> {
        copy_out(heap, v, &mut Vec::new())
    }

    /// Builds the value in `heap` (the receiver's).
    pub fn to_value(&self, heap: &mut Heap) -> Result<Value, OutOfMemory> {
        Ok(match self {
            Payload::Null => Value::Null,
            Payload::Bool(b) => Value::Bool(*b),
            Payload::Int(i) => Value::Int(*i),
            Payload::Float(f) => Value::Float(*f),
            Payload::Str(s) => heap.string(s)?,
            Payload::Blob(b) => heap.new_blob(b.clone())?,
            Payload::Array(items) => {
                let mut vs = Vec::with_capacity(items.len());
                for item in items {
                    vs.push(item.to_value(heap)?);
                }
                heap.new_array(vs)?
            }
            Payload::Table(slots) => {
                let t = heap.new_table()?;
                let Value::Table(r) = t else { unreachable!("new_table makes a table") };
                for (k, v) in slots {
                    let (k, v) = (k.to_value(heap)?, v.to_value(heap)?);
                    heap.table_insert(r, k, v)?;
                }
                t
            }
        })
    }

    /// §14's serialised size (the same numbers as `code::wire_size::serialised_size`).
    pub fn size(&self) -> u64 {
        match self {
            Payload::Null => 1,
            Payload::Bool(_) => 2,
            Payload::Int(_) | Payload::Float(_) => 5,
            Payload::Str(b) | Payload::Blob(b) => 5 + b.len() as u64,
            Payload::Array(items) => 5 + items.iter().map(Payload::size).sum::<u64>(),
            Payload::Table(slots) => 5 + slots.iter().map(|(k, v)| k.size() + v.size()).sum::<u64>(),
        }
    }
}

/// `path` holds the containers being copied, outermost first: meeting one again is a cycle.
fn copy_out(heap: &Heap, v: Value, path: &mut Vec<GcRef>) -> Result<Payload, Unsendable> {
    Ok(match v {
        Value::Null => Payload::Null,
        Value::Bool(b) => Payload::Bool(b),
        Value::Int(i) => Payload::Int(i),
        Value::Float(f) => Payload::Float(f),
        Value::Str(r) => Payload::Str(heap.str_bytes(r).to_vec()),
        Value::Blob(r) => Payload::Blob(heap.blob(r).data.clone()),
        Value::Array(r) | Value::Table(r) => {
            if path.contains(&r) {
                return Err(Unsendable::Cycle);
            }
            if path.len() >= MAX_NESTING {
                return Err(Unsendable::TooDeep);
            }
            path.push(r);
            let out = if let Value::Array(_) = v {
                let items = heap.array(r).clone();
                Payload::Array(items.into_iter().map(|i| copy_out(heap, i, path)).collect::<Result<_, _>>()?)
            } else {
                let slots: Vec<(Value, Value)> = heap.table(r).iter().map(|(&k, &v)| (k, v)).collect();
                let mut out = Vec::with_capacity(slots.len());
                for (k, v) in slots {
                    out.push((copy_out(heap, k, path)?, copy_out(heap, v, path)?));
                }
                Payload::Table(out)
            };
            path.pop();
            out
        }
        Value::Closure(_) | Value::Native(_) | Value::Class(_) | Value::Instance(_) => {
            return Err(Unsendable::Type(v.type_name()))
        }
    })
}
