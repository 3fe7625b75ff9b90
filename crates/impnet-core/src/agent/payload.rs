//! A message's value between the two VMs (SPEC §15): `agent.send(name, v)` on the device and
//! `device.send(name, v)` on the agent copy `v` out of the sender's heap into a [`Payload`],
//! which the model carries beside the message id; the receiver's handler gets it rebuilt in its
//! own heap. Plain data only, as §14 "Values on the wire" allows; tables keep insertion order.

use crate::code::wire_size::{own_bytes, Walk};
use impnet_squirrel::{Heap, OutOfMemory, Value};

/// Why a value cannot cross: the same rules, caps and messages as §14's wire size.
pub use crate::code::wire_size::Unsendable;

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

impl Payload {
    /// Copies `v` out of `heap`. Refused as §14's wire size refuses (cycles, nesting, more
    /// than 2^20 values or 64 MiB counting a shared value at every place), so the copy -- and
    /// [`Payload::size`] and [`Payload::to_value`] over it -- stay bounded.
    pub fn from_value(heap: &Heap, v: Value) -> Result<Payload, Unsendable> {
        copy_out(heap, v, &mut Walk::default())
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

/// A shared (non-cyclic) sub-value is copied at every place it appears, as it is sent.
fn copy_out(heap: &Heap, v: Value, walk: &mut Walk) -> Result<Payload, Unsendable> {
    walk.visit(v, own_bytes(heap, v))?;
    Ok(match v {
        Value::Null => Payload::Null,
        Value::Bool(b) => Payload::Bool(b),
        Value::Int(i) => Payload::Int(i),
        Value::Float(f) => Payload::Float(f),
        Value::Str(r) => Payload::Str(heap.str_bytes(r).to_vec()),
        Value::Blob(r) => Payload::Blob(heap.blob(r).data.clone()),
        Value::Array(r) => {
            walk.enter(r)?;
            let items = heap.array(r).iter().map(|&i| copy_out(heap, i, walk)).collect::<Result<_, _>>()?;
            walk.leave();
            Payload::Array(items)
        }
        Value::Table(r) => {
            walk.enter(r)?;
            let mut slots = Vec::with_capacity(heap.table(r).len());
            for (&k, &item) in heap.table(r) {
                slots.push((copy_out(heap, k, walk)?, copy_out(heap, item, walk)?));
            }
            walk.leave();
            Payload::Table(slots)
        }
        Value::Closure(_) | Value::Native(_) | Value::Class(_) | Value::Instance(_) => {
            unreachable!("Walk::visit refuses what cannot be sent")
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use impnet_squirrel::{Host, Outcome, Vm};

    struct NoHost;
    impl Host for NoHost {
        type Suspend = ();
    }

    fn copy(src: &str) -> Result<Payload, Unsendable> {
        let mut vm = Vm::new(NoHost);
        vm.load("t.nut", src).unwrap();
        let Outcome::Finished(v) = vm.run(10_000_000) else { panic!("{src} did not finish") };
        Payload::from_value(vm.heap(), v)
    }

    #[test]
    fn s15_a_value_shared_at_every_level_is_refused_not_copied_exponentially() {
        // 2^60 places from 60 arrays: the copy stops at 2^20 values, like the wire size.
        let shared = "local a = [1]; for (local i = 0; i < 60; i++) a = [a, a]; return a";
        assert_eq!(copy(shared), Err(Unsendable::TooLarge));
        // Within the cap a shared value is copied at each place: [x, x] with x = [1].
        let two = Payload::Array(vec![Payload::Int(1)]);
        assert_eq!(copy("local x = [1]; return [x, x]"), Ok(Payload::Array(vec![two.clone(), two])));
    }

    #[test]
    fn s15_a_string_shared_at_many_places_is_refused_past_64_mib() {
        let src = "local s = \"a\"; for (local k = 0; k < 20; k++) s += s; return array(100, s)";
        assert_eq!(copy(src), Err(Unsendable::TooManyBytes));
    }

    #[test]
    fn s15_refusals_name_the_call_as_the_wire_size_does() {
        assert_eq!(copy("local t = {}; t.me <- t; return t"), Err(Unsendable::Cycle));
        assert_eq!(
            copy("return [function() {}]").unwrap_err().in_call("device.send"),
            "device.send cannot send a value of type 'function'"
        );
        let deep = "local a = []; for (local i = 0; i < 1000; i++) a = [a]; return a";
        assert_eq!(copy(deep), Err(Unsendable::TooDeep));
    }
}
