//! The heap: every string, table, array, closure, class, instance and blob of one VM, in an
//! arena indexed by [`GcRef`]. Sizes are accounted in bytes as objects grow (from lengths, not
//! capacities, so the count is the same on every platform) and checked against a limit; a
//! mark-and-sweep collector frees what the VM can no longer reach. Only the VM decides when to
//! collect (at instruction boundaries, where every live value is on its stack).

use std::collections::HashMap;
use std::rc::Rc;

use foldhash::fast::FixedState;
use indexmap::IndexMap;

use crate::value::{GcRef, Value};

pub type Map = IndexMap<Value, Value, FixedState>;

/// The heap would grow past its limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OutOfMemory;

pub(crate) enum Upval {
    /// Still a local of a live frame: an absolute stack slot.
    Open(u32),
    Closed(Value),
}

pub struct Closure {
    pub(crate) proto: u32,
    pub(crate) outers: Box<[GcRef]>,
    pub(crate) defaults: Box<[Value]>,
    /// Set by `bindenv`: `this` for every call, whatever the call site.
    pub(crate) env: Option<Value>,
    /// For methods: the base class `base` refers to.
    pub(crate) base: Option<GcRef>,
}

pub struct Member {
    pub value: Value,
    /// For per-instance fields: the index of the instance's copy.
    pub field: Option<u32>,
}

pub struct Class {
    pub base: Option<GcRef>,
    /// Inherited members first (copied from the base at creation, as Squirrel does).
    pub members: IndexMap<Value, Member, FixedState>,
    /// Defaults of the per-instance fields, by field index. A table or array default is the
    /// same object in every instance (Squirrel's semantics).
    pub defaults: Vec<Value>,
    /// No new members once an instance exists.
    pub locked: bool,
}

pub struct Instance {
    pub class: GcRef,
    pub fields: Vec<Value>,
}

#[derive(Default)]
pub struct Blob {
    pub data: Vec<u8>,
    pub pos: usize,
}

pub(crate) enum Obj {
    Str(Rc<[u8]>),
    Table(Map),
    Array(Vec<Value>),
    Closure(Closure),
    Upval(Upval),
    Class(Class),
    Instance(Instance),
    Blob(Blob),
    Free(u32),
}

const NO_FREE: u32 = u32::MAX;

impl Obj {
    /// Accounted size: a fixed header plus what the object holds.
    fn size(&self) -> usize {
        const HEAD: usize = 32;
        const SLOT: usize = std::mem::size_of::<Value>();
        HEAD + match self {
            Obj::Str(s) => s.len(),
            Obj::Table(t) => t.len() * (2 * SLOT + 8),
            Obj::Array(a) => a.len() * SLOT,
            Obj::Closure(c) => c.outers.len() * 4 + c.defaults.len() * SLOT,
            Obj::Upval(_) => SLOT,
            Obj::Class(c) => c.members.len() * (3 * SLOT) + c.defaults.len() * SLOT,
            Obj::Instance(i) => i.fields.len() * SLOT,
            Obj::Blob(b) => b.data.len(),
            Obj::Free(_) => 0,
        }
    }
}

pub struct Heap {
    objs: Vec<Obj>,
    marks: Vec<bool>,
    free: u32,
    strings: HashMap<Rc<[u8]>, GcRef, FixedState>,
    bytes: usize,
    limit: usize,
    next_gc: usize,
    collections: u64,
}

/// Below this, never collect.
const GC_FLOOR: usize = 1 << 20;

impl Heap {
    pub(crate) fn new(limit: usize) -> Heap {
        Heap {
            objs: Vec::new(),
            marks: Vec::new(),
            free: NO_FREE,
            strings: HashMap::default(),
            bytes: 0,
            limit,
            next_gc: GC_FLOOR,
            collections: 0,
        }
    }

    /// Bytes the live (and not yet collected) objects account for.
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// Bytes left before the limit.
    pub fn room(&self) -> usize {
        self.limit.saturating_sub(self.bytes)
    }

    pub(crate) fn set_limit(&mut self, limit: usize) {
        self.limit = limit;
    }

    /// Collections run so far.
    pub fn collections(&self) -> u64 {
        self.collections
    }

    /// Arena slots (live, garbage and free): what a collection visits.
    pub(crate) fn slots(&self) -> usize {
        self.objs.len()
    }

    pub(crate) fn wants_collect(&self) -> bool {
        self.bytes > self.next_gc
    }

    /// Refuses an object of `extra` bytes that would not fit, before it is built (the
    /// allocation itself accounts for it).
    pub fn ensure_room(&self, extra: usize) -> Result<(), OutOfMemory> {
        match self.bytes.checked_add(extra) {
            Some(b) if b <= self.limit => Ok(()),
            _ => Err(OutOfMemory),
        }
    }

    /// Refuses growth by `extra` bytes past the limit.
    pub fn charge(&mut self, extra: usize) -> Result<(), OutOfMemory> {
        match self.bytes.checked_add(extra) {
            Some(b) if b <= self.limit => {
                self.bytes = b;
                Ok(())
            }
            _ => Err(OutOfMemory),
        }
    }

    fn release(&mut self, n: usize) {
        self.bytes = self.bytes.saturating_sub(n);
    }

    pub(crate) fn alloc(&mut self, obj: Obj) -> Result<GcRef, OutOfMemory> {
        self.charge(obj.size())?;
        if self.free != NO_FREE {
            let i = self.free;
            let Obj::Free(next) = self.objs[i as usize] else {
                unreachable!("free list points at a live object")
            };
            self.free = next;
            self.objs[i as usize] = obj;
            return Ok(GcRef(i));
        }
        if self.objs.len() >= u32::MAX as usize - 1 {
            return Err(OutOfMemory);
        }
        self.objs.push(obj);
        self.marks.push(false);
        Ok(GcRef(self.objs.len() as u32 - 1))
    }

    pub(crate) fn obj(&self, r: GcRef) -> &Obj {
        &self.objs[r.0 as usize]
    }

    pub(crate) fn obj_mut(&mut self, r: GcRef) -> &mut Obj {
        &mut self.objs[r.0 as usize]
    }

    // ---- strings ----

    /// The interned string with these bytes.
    pub fn string(&mut self, bytes: &[u8]) -> Result<Value, OutOfMemory> {
        if let Some(&r) = self.strings.get(bytes) {
            return Ok(Value::Str(r));
        }
        let rc: Rc<[u8]> = Rc::from(bytes);
        let r = self.alloc(Obj::Str(rc.clone()))?;
        self.strings.insert(rc, r);
        Ok(Value::Str(r))
    }

    /// The interned string with these bytes if one exists (no allocation).
    pub(crate) fn lookup_str(&self, s: &str) -> Option<Value> {
        self.strings.get(s.as_bytes()).map(|&r| Value::Str(r))
    }

    pub fn str(&mut self, s: &str) -> Result<Value, OutOfMemory> {
        self.string(s.as_bytes())
    }

    /// The bytes of a string value.
    pub fn str_bytes(&self, r: GcRef) -> &[u8] {
        match self.obj(r) {
            Obj::Str(s) => s,
            _ => b"",
        }
    }

    /// The bytes if `v` is a string.
    pub fn as_bytes(&self, v: Value) -> Option<&[u8]> {
        match v {
            Value::Str(r) => Some(self.str_bytes(r)),
            _ => None,
        }
    }

    // ---- tables ----

    pub fn new_table(&mut self) -> Result<Value, OutOfMemory> {
        Ok(Value::Table(self.alloc(Obj::Table(Map::default()))?))
    }

    pub fn table(&self, r: GcRef) -> &Map {
        match self.obj(r) {
            Obj::Table(t) => t,
            _ => unreachable!("not a table"),
        }
    }

    pub(crate) fn table_mut(&mut self, r: GcRef) -> &mut Map {
        match self.obj_mut(r) {
            Obj::Table(t) => t,
            _ => unreachable!("not a table"),
        }
    }

    /// Inserts or overwrites a slot (`<-` semantics), accounting a new slot's bytes.
    pub fn table_insert(&mut self, r: GcRef, key: Value, value: Value) -> Result<(), OutOfMemory> {
        let t = self.table_mut(r);
        if let Some(v) = t.get_mut(&key) {
            *v = value;
            return Ok(());
        }
        self.charge(2 * std::mem::size_of::<Value>() + 8)?;
        self.table_mut(r).insert(key, value);
        Ok(())
    }

    /// Entries that move when `key` is removed (insertion order is kept by shifting).
    pub fn table_remove_shift(&self, r: GcRef, key: Value) -> usize {
        let t = self.table(r);
        t.get_index_of(&key).map_or(0, |i| t.len() - i - 1)
    }

    pub fn table_remove(&mut self, r: GcRef, key: Value) -> Option<Value> {
        let v = self.table_mut(r).shift_remove(&key);
        if v.is_some() {
            self.release(2 * std::mem::size_of::<Value>() + 8);
        }
        v
    }

    pub(crate) fn table_clear(&mut self, r: GcRef) {
        let n = self.table(r).len();
        self.table_mut(r).clear();
        self.release(n * (2 * std::mem::size_of::<Value>() + 8));
    }

    /// Sets `t[name] = value` for a string key (for hosts building tables).
    pub fn set_field(&mut self, t: Value, name: &str, value: Value) -> Result<(), OutOfMemory> {
        let key = self.str(name)?;
        match t {
            Value::Table(r) => self.table_insert(r, key, value),
            _ => Ok(()),
        }
    }

    /// `t[name]` for a string key, if `t` is a table holding it.
    pub fn get_field(&self, t: Value, name: &str) -> Option<Value> {
        let Value::Table(r) = t else { return None };
        let key = self.strings.get(name.as_bytes())?;
        self.table(r).get(&Value::Str(*key)).copied()
    }

    // ---- arrays ----

    pub fn new_array(&mut self, items: Vec<Value>) -> Result<Value, OutOfMemory> {
        Ok(Value::Array(self.alloc(Obj::Array(items))?))
    }

    /// An array of `n` copies of `fill`, refused before allocating if it would not fit.
    pub fn new_array_filled(&mut self, n: usize, fill: Value) -> Result<Value, OutOfMemory> {
        let need = n
            .checked_mul(std::mem::size_of::<Value>())
            .ok_or(OutOfMemory)?;
        if self.bytes.saturating_add(need) > self.limit {
            return Err(OutOfMemory);
        }
        self.new_array(vec![fill; n])
    }

    pub fn array(&self, r: GcRef) -> &Vec<Value> {
        match self.obj(r) {
            Obj::Array(a) => a,
            _ => unreachable!("not an array"),
        }
    }

    pub(crate) fn array_mut(&mut self, r: GcRef) -> &mut Vec<Value> {
        match self.obj_mut(r) {
            Obj::Array(a) => a,
            _ => unreachable!("not an array"),
        }
    }

    pub fn array_push(&mut self, r: GcRef, v: Value) -> Result<(), OutOfMemory> {
        self.charge(std::mem::size_of::<Value>())?;
        self.array_mut(r).push(v);
        Ok(())
    }

    /// Resizes to `n`, filling with `fill`; accounted before allocating.
    pub fn array_resize(&mut self, r: GcRef, n: usize, fill: Value) -> Result<(), OutOfMemory> {
        let old = self.array(r).len();
        let slot = std::mem::size_of::<Value>();
        if n > old {
            self.charge((n - old).checked_mul(slot).ok_or(OutOfMemory)?)?;
        } else {
            self.release((old - n) * slot);
        }
        self.array_mut(r).resize(n, fill);
        Ok(())
    }

    /// Accounts for an array whose length changed by in-place edits (`remove`, `insert`, ...).
    pub(crate) fn array_edit<T>(
        &mut self,
        r: GcRef,
        edit: impl FnOnce(&mut Vec<Value>) -> T,
    ) -> Result<T, OutOfMemory> {
        let slot = std::mem::size_of::<Value>();
        let before = self.array(r).len();
        let out = edit(self.array_mut(r));
        let after = self.array(r).len();
        if after > before {
            if let Err(e) = self.charge((after - before) * slot) {
                self.array_mut(r).truncate(before);
                return Err(e);
            }
        } else {
            self.release((before - after) * slot);
        }
        Ok(out)
    }

    // ---- other objects ----

    pub(crate) fn closure(&self, r: GcRef) -> &Closure {
        match self.obj(r) {
            Obj::Closure(c) => c,
            _ => unreachable!("not a closure"),
        }
    }

    pub(crate) fn closure_mut(&mut self, r: GcRef) -> &mut Closure {
        match self.obj_mut(r) {
            Obj::Closure(c) => c,
            _ => unreachable!("not a closure"),
        }
    }

    pub(crate) fn upval(&self, r: GcRef) -> &Upval {
        match self.obj(r) {
            Obj::Upval(u) => u,
            _ => unreachable!("not an upvalue"),
        }
    }

    pub(crate) fn upval_mut(&mut self, r: GcRef) -> &mut Upval {
        match self.obj_mut(r) {
            Obj::Upval(u) => u,
            _ => unreachable!("not an upvalue"),
        }
    }

    pub fn class(&self, r: GcRef) -> &Class {
        match self.obj(r) {
            Obj::Class(c) => c,
            _ => unreachable!("not a class"),
        }
    }

    /// Adds or replaces a class member, accounting a new one.
    pub(crate) fn class_insert(
        &mut self,
        r: GcRef,
        key: Value,
        member: Member,
    ) -> Result<(), OutOfMemory> {
        if !self.class(r).members.contains_key(&key) {
            let extra = if member.field.is_some() { 4 } else { 3 } * std::mem::size_of::<Value>();
            self.charge(extra)?;
            if member.field.is_some() {
                self.class_mut(r).defaults.push(member.value);
            }
        }
        self.class_mut(r).members.insert(key, member);
        Ok(())
    }

    pub(crate) fn class_mut(&mut self, r: GcRef) -> &mut Class {
        match self.obj_mut(r) {
            Obj::Class(c) => c,
            _ => unreachable!("not a class"),
        }
    }

    pub fn instance(&self, r: GcRef) -> &Instance {
        match self.obj(r) {
            Obj::Instance(i) => i,
            _ => unreachable!("not an instance"),
        }
    }

    pub(crate) fn instance_mut(&mut self, r: GcRef) -> &mut Instance {
        match self.obj_mut(r) {
            Obj::Instance(i) => i,
            _ => unreachable!("not an instance"),
        }
    }

    pub fn blob(&self, r: GcRef) -> &Blob {
        match self.obj(r) {
            Obj::Blob(b) => b,
            _ => unreachable!("not a blob"),
        }
    }

    pub fn new_blob(&mut self, data: Vec<u8>) -> Result<Value, OutOfMemory> {
        if self.bytes.saturating_add(data.len()) > self.limit {
            return Err(OutOfMemory);
        }
        Ok(Value::Blob(self.alloc(Obj::Blob(Blob { data, pos: 0 }))?))
    }

    /// Edits a blob, accounting for any change of its length.
    pub fn blob_edit<T>(
        &mut self,
        r: GcRef,
        edit: impl FnOnce(&mut Blob) -> T,
    ) -> Result<T, OutOfMemory> {
        let before = self.blob(r).data.len();
        let Obj::Blob(b) = self.obj_mut(r) else {
            unreachable!("not a blob")
        };
        let out = edit(b);
        let after = b.data.len();
        if after > before {
            if let Err(e) = self.charge(after - before) {
                let Obj::Blob(b) = self.obj_mut(r) else {
                    unreachable!()
                };
                b.data.truncate(before);
                b.pos = b.pos.min(before);
                return Err(e);
            }
        } else {
            self.release(before - after);
        }
        Ok(out)
    }

    /// Grows a blob to `n` bytes, refused before allocating if it would not fit.
    pub fn blob_resize(&mut self, r: GcRef, n: usize) -> Result<(), OutOfMemory> {
        let before = self.blob(r).data.len();
        if n > before && self.bytes.saturating_add(n - before) > self.limit {
            return Err(OutOfMemory);
        }
        self.blob_edit(r, |b| {
            b.data.resize(n, 0);
            b.pos = b.pos.min(n);
        })
    }

    // ---- copying between heaps ----

    /// A deep copy of plain data from another VM's heap (null, bools, numbers, strings,
    /// tables, arrays, blobs; functions, classes and instances become null). Shared and
    /// cyclic structure is preserved. How a host carries `nv` across a restart into a new VM.
    pub fn import(&mut self, from: &Heap, v: Value) -> Result<Value, OutOfMemory> {
        let mut copies: HashMap<GcRef, Value, FixedState> = HashMap::default();
        let mut work: Vec<(GcRef, Value)> = Vec::new();
        let root = self.import_shallow(from, v, &mut copies, &mut work)?;
        while let Some((src, dst)) = work.pop() {
            match (from.obj(src), dst) {
                (Obj::Table(t), Value::Table(d)) => {
                    for (k, x) in t.iter() {
                        let k = self.import_shallow(from, *k, &mut copies, &mut work)?;
                        let x = self.import_shallow(from, *x, &mut copies, &mut work)?;
                        if k != Value::Null {
                            self.table_insert(d, k, x)?;
                        }
                    }
                }
                (Obj::Array(a), Value::Array(d)) => {
                    for x in a.iter() {
                        let x = self.import_shallow(from, *x, &mut copies, &mut work)?;
                        self.array_push(d, x)?;
                    }
                }
                _ => {}
            }
        }
        Ok(root)
    }

    fn import_shallow(
        &mut self,
        from: &Heap,
        v: Value,
        copies: &mut HashMap<GcRef, Value, FixedState>,
        work: &mut Vec<(GcRef, Value)>,
    ) -> Result<Value, OutOfMemory> {
        if let Some(r) = v.gc_ref() {
            if let Some(c) = copies.get(&r) {
                return Ok(*c);
            }
        }
        let copy = match v {
            Value::Null | Value::Bool(_) | Value::Int(_) | Value::Float(_) => return Ok(v),
            Value::Str(r) => self.string(from.str_bytes(r))?,
            Value::Blob(r) => self.new_blob(from.blob(r).data.clone())?,
            Value::Table(r) => {
                let t = self.new_table()?;
                work.push((r, t));
                t
            }
            Value::Array(r) => {
                let a = self.new_array(Vec::new())?;
                work.push((r, a));
                a
            }
            _ => return Ok(Value::Null),
        };
        if let Some(r) = v.gc_ref() {
            copies.insert(r, copy);
        }
        Ok(copy)
    }

    // ---- collection ----

    /// Marks everything reachable from `roots` and frees the rest.
    pub(crate) fn collect(&mut self, roots: impl IntoIterator<Item = GcRef>) {
        let mut gray: Vec<GcRef> = Vec::new();
        for m in self.marks.iter_mut() {
            *m = false;
        }
        for r in roots {
            self.gray(r, &mut gray);
        }
        let mut children: Vec<GcRef> = Vec::new();
        while let Some(r) = gray.pop() {
            children.clear();
            let out = &mut children;
            let val = |out: &mut Vec<GcRef>, v: &Value| out.extend(v.gc_ref());
            match &self.objs[r.0 as usize] {
                Obj::Table(t) => t.iter().for_each(|(k, x)| {
                    val(out, k);
                    val(out, x)
                }),
                Obj::Array(a) => a.iter().for_each(|x| val(out, x)),
                Obj::Closure(c) => {
                    out.extend(c.outers.iter().copied());
                    c.defaults.iter().for_each(|x| val(out, x));
                    if let Some(e) = &c.env {
                        val(out, e);
                    }
                    out.extend(c.base);
                }
                Obj::Upval(Upval::Closed(x)) => val(out, x),
                Obj::Class(c) => {
                    out.extend(c.base);
                    c.members.iter().for_each(|(k, m)| {
                        val(out, k);
                        val(out, &m.value)
                    });
                    c.defaults.iter().for_each(|x| val(out, x));
                }
                Obj::Instance(i) => {
                    out.push(i.class);
                    i.fields.iter().for_each(|x| val(out, x));
                }
                Obj::Str(_) | Obj::Blob(_) | Obj::Upval(Upval::Open(_)) | Obj::Free(_) => {}
            }
            for &c in children.iter() {
                let m = &mut self.marks[c.0 as usize];
                if !*m {
                    *m = true;
                    gray.push(c);
                }
            }
        }
        for i in 0..self.objs.len() {
            if self.marks[i] || matches!(self.objs[i], Obj::Free(_)) {
                continue;
            }
            let size = self.objs[i].size();
            let old = std::mem::replace(&mut self.objs[i], Obj::Free(self.free));
            if let Obj::Str(s) = old {
                self.strings.remove(&s);
            }
            self.free = i as u32;
            self.release(size);
        }
        // Next time: at twice the live size, or, close to the limit, halfway to it -- garbage
        // never causes an out-of-memory, and a heap growing to the limit is scanned only about
        // log2(headroom) more times. A loop allocating while its live data sits within a few
        // bytes of the limit does collect at every few allocations: no gap larger than the
        // headroom can be kept without turning that garbage into out-of-memory errors. So each
        // collection is charged to the task as work ([`crate::work::GC_PER_OBJECT`] per arena
        // slot, issue 13): such a loop ends at the watchdog after a bounded number of them.
        let live = self.bytes;
        self.collections += 1;
        self.next_gc = if live * 2 <= self.limit - self.limit / 8 {
            (live * 2).max(GC_FLOOR)
        } else {
            live + self.limit.saturating_sub(live) / 2
        };
    }

    fn gray(&mut self, r: GcRef, gray: &mut Vec<GcRef>) {
        let m = &mut self.marks[r.0 as usize];
        if !*m {
            *m = true;
            gray.push(r);
        }
    }
}
