//! Inline caches for lookups by a constant key (`GetName`, `GetK`, `PrepCallK`): a function
//! that calls `agent.send` in a loop finds `agent` in the root table and `send` in `agent` by
//! hashing on every turn; a cache remembers the entry each was found at and checks it before
//! use, so a turn reads two entries instead.
//!
//! A cache is one [`Ic`] per constant of each function ([`Caches`]). It is only a hint: before
//! use, the entry it names must still hold the key being looked up, in the object being
//! looked in; anything else is a miss and the lookup takes the full path (which refills the
//! cache). A miss that a hit elsewhere relied on (an instance's class and its built-in methods
//! lack a global's name) is only trusted while that class is frozen and the same object: for
//! as long as no collection could have reused its slot.

use crate::bytecode::Proto;
use crate::heap::Map;
use crate::machine::Machine;
use crate::ops::Fault;
use crate::value::{GcRef, Value};

/// Where a constant key was found last time.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) enum Ic {
    #[default]
    Empty,
    /// In table `table`'s own slots, entry `idx`.
    Table { table: GcRef, idx: u32 },
    /// In the members of an instance's class `class`, entry `idx` (a method or a field).
    Member { class: GcRef, idx: u32 },
    /// A built-in method of a value with no slots of that name (an array's `len`): entry
    /// `idx` of the type's delegate `table`.
    Delegate { table: GcRef, idx: u32 },
    /// A global read from a method of an instance of `class` (neither the class nor the
    /// instances' built-in methods have the name): entry `idx` of the root table, while the
    /// heap has made `epoch` collections (a collection may give the class's slot to another).
    Global { class: GcRef, idx: u32, epoch: u64 },
}

/// The caches of every function of a VM: one per constant, a function's from `start[proto]`.
#[derive(Default)]
pub(crate) struct Caches {
    ics: Vec<Ic>,
    start: Vec<u32>,
}

impl Caches {
    /// Makes room for the functions compiled since the last call.
    pub fn cover(&mut self, protos: &[std::rc::Rc<Proto>]) {
        for p in &protos[self.start.len()..] {
            self.start.push(self.ics.len() as u32);
            self.ics.resize(self.ics.len() + p.consts.len(), Ic::Empty);
        }
    }

    /// Where function `proto`'s caches begin.
    pub fn start(&self, proto: u32) -> usize {
        self.start[proto as usize] as usize
    }
}

/// `map`'s entry `idx` if its key is `key`.
#[inline]
fn entry(map: &Map, idx: u32, key: Value) -> Option<Value> {
    match map.get_index(idx as usize) {
        Some((k, v)) if *k == key => Some(*v),
        _ => None,
    }
}

/// Values whose slots never hold a string key: a string key is one of their built-in methods
/// or nothing.
fn no_string_slots(v: Value) -> bool {
    matches!(
        v,
        Value::Array(_)
            | Value::Str(_)
            | Value::Blob(_)
            | Value::Int(_)
            | Value::Float(_)
            | Value::Bool(_)
            | Value::Closure(_)
            | Value::Native(_)
    )
}

impl Machine {
    /// `obj.key` ([`Machine::get`]) through cache `at`. The check is inlined in the
    /// interpreter loop; a miss is not.
    #[inline(always)]
    pub(crate) fn get_cached(&mut self, at: usize, obj: Value, key: Value) -> Result<Value, Fault> {
        match self.hit(self.caches.ics[at], obj, key) {
            Some(v) => Ok(v),
            None => self.get_missed(at, obj, key),
        }
    }

    #[inline(never)]
    fn get_missed(&mut self, at: usize, obj: Value, key: Value) -> Result<Value, Fault> {
        if let Some((v, ic)) = self.locate(obj, key) {
            self.caches.ics[at] = ic;
            return Ok(v);
        }
        self.get(obj, key)
    }

    /// The unresolved name `key` ([`Machine::get_name`]) through cache `at`, checked inline.
    #[inline(always)]
    pub(crate) fn get_name_cached(
        &mut self,
        at: usize,
        this: Value,
        key: Value,
    ) -> Result<Value, Fault> {
        match self.hit(self.caches.ics[at], this, key) {
            Some(v) => Ok(v),
            None => self.get_name_missed(at, this, key),
        }
    }

    #[inline(never)]
    fn get_name_missed(&mut self, at: usize, this: Value, key: Value) -> Result<Value, Fault> {
        let ic = self.caches.ics[at];
        if let (Ic::Global { class, idx, epoch }, Value::Instance(i)) = (ic, this) {
            if self.heap.instance(i).class == class && self.heap.collections() == epoch {
                if let Some(v) = entry(self.heap.table(self.root), idx, key) {
                    return Ok(v);
                }
            }
        }
        if let Some((v, ic)) = self.locate(this, key) {
            self.caches.ics[at] = ic;
            return Ok(v);
        }
        if let (Value::Instance(i), Value::Str(_)) = (this, key) {
            // Not in the class (`locate` looked): a global, unless a built-in method.
            let class = self.heap.instance(i).class;
            if !self.heap.table(self.delegates.instance).contains_key(&key) {
                if let Some((idx, _, v)) = self.heap.table(self.root).get_full(&key) {
                    let epoch = self.heap.collections();
                    let idx = idx as u32;
                    self.caches.ics[at] = Ic::Global { class, idx, epoch };
                    return Ok(*v);
                }
            }
        }
        self.get_name(this, key)
    }

    /// The value `ic` points at, if it still holds `key` for `obj`.
    #[inline(always)]
    fn hit(&self, ic: Ic, obj: Value, key: Value) -> Option<Value> {
        match (ic, obj) {
            (Ic::Table { table, idx }, Value::Table(t)) if t == table => {
                entry(self.heap.table(t), idx, key)
            }
            (Ic::Member { class, idx }, Value::Instance(i)) => {
                let inst = self.heap.instance(i);
                if inst.class != class {
                    return None;
                }
                match self.heap.class(class).members.get_index(idx as usize) {
                    Some((k, m)) if *k == key => {
                        Some(m.field.map_or(m.value, |f| inst.fields[f as usize]))
                    }
                    _ => None,
                }
            }
            (Ic::Delegate { table, idx }, v) if no_string_slots(v) => {
                if self.delegate_of(v) != Some(table) {
                    return None;
                }
                entry(self.heap.table(table), idx, key)
            }
            _ => None,
        }
    }

    /// `obj.key` when it is found where a cache can point: a table's own slot, an instance's
    /// class member, or the built-in method of a value without slots of its own. `None` for
    /// anything else, found or not.
    fn locate(&self, obj: Value, key: Value) -> Option<(Value, Ic)> {
        match obj {
            Value::Table(table) => {
                let (idx, _, v) = self.heap.table(table).get_full(&key)?;
                let idx = idx as u32;
                Some((*v, Ic::Table { table, idx }))
            }
            Value::Instance(i) => {
                let inst = self.heap.instance(i);
                let class = inst.class;
                let (idx, _, m) = self.heap.class(class).members.get_full(&key)?;
                let v = m.field.map_or(m.value, |f| inst.fields[f as usize]);
                let idx = idx as u32;
                Some((v, Ic::Member { class, idx }))
            }
            v if no_string_slots(v) && matches!(key, Value::Str(_)) => {
                let table = self.delegate_of(v)?;
                let (idx, _, v) = self.heap.table(table).get_full(&key)?;
                let idx = idx as u32;
                Some((*v, Ic::Delegate { table, idx }))
            }
            _ => None,
        }
    }
}
