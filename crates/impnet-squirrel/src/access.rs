//! Reading, writing, creating and deleting slots of every kind of value, with Squirrel's rules
//! (and messages): tables, arrays, strings, blobs, classes and instances, each falling back to
//! its type's built-in methods (the default delegates).

use crate::heap::{Class, Member, Obj};
use crate::machine::Machine;
use crate::ops::{self, Fault};
use crate::value::{GcRef, Value};

impl Machine {
    pub(crate) fn delegate_of(&self, v: Value) -> Option<GcRef> {
        let d = &self.delegates;
        Some(match v {
            Value::Table(_) => d.table,
            Value::Array(_) => d.array,
            Value::Str(_) => d.string,
            Value::Int(_) | Value::Float(_) | Value::Bool(_) => d.number,
            Value::Closure(_) | Value::Native(_) => d.function,
            Value::Class(_) => d.class,
            Value::Instance(_) => d.instance,
            Value::Blob(_) => d.blob,
            Value::Null => return None,
        })
    }

    /// `obj[key]` without falling back to the built-in methods; `None` if absent.
    pub(crate) fn raw_get(&self, obj: Value, key: Value) -> Result<Option<Value>, Fault> {
        let key = numeric_index(obj, key);
        Ok(match obj {
            Value::Table(r) => self.heap.table(r).get(&key).copied(),
            Value::Array(r) => match key {
                Value::Int(i) => self
                    .heap
                    .array(r)
                    .get(usize::try_from(i).unwrap_or(usize::MAX))
                    .copied(),
                _ => None,
            },
            Value::Str(r) => match key {
                Value::Int(i) => self
                    .heap
                    .str_bytes(r)
                    .get(usize::try_from(i).unwrap_or(usize::MAX))
                    .map(|b| Value::Int(*b as i8 as i32)),
                _ => None,
            },
            Value::Blob(r) => match key {
                Value::Int(i) => self
                    .heap
                    .blob(r)
                    .data
                    .get(usize::try_from(i).unwrap_or(usize::MAX))
                    .map(|b| Value::Int(*b as i32)),
                _ => None,
            },
            Value::Instance(r) => {
                let inst = self.heap.instance(r);
                self.heap
                    .class(inst.class)
                    .members
                    .get(&key)
                    .map(|m| match m.field {
                        Some(i) => inst.fields[i as usize],
                        None => m.value,
                    })
            }
            Value::Class(r) => self.heap.class(r).members.get(&key).map(|m| match m.field {
                Some(i) => self.heap.class(r).defaults[i as usize],
                None => m.value,
            }),
            _ => None,
        })
    }

    /// `obj[key]` / `obj.key`.
    pub(crate) fn get(&self, obj: Value, key: Value) -> Result<Value, Fault> {
        if let Some(v) = self.raw_get(obj, key)? {
            return Ok(v);
        }
        if let Value::Str(_) = key {
            if let Some(d) = self.delegate_of(obj) {
                if let Some(v) = self.heap.table(d).get(&key) {
                    return Ok(*v);
                }
            }
        }
        Err(ops::index_error(&self.heap, key))
    }

    /// An unresolved name: a slot of `this` (its built-in methods included, so a bare `len()`
    /// in a table's method is the table's), else of the root table: Squirrel's this-then-root.
    pub(crate) fn get_name(&self, this: Value, key: Value) -> Result<Value, Fault> {
        if let Some(v) = self.raw_get(this, key)? {
            return Ok(v);
        }
        if let (Value::Str(_), Some(d)) = (key, self.delegate_of(this)) {
            if let Some(v) = self.heap.table(d).get(&key) {
                return Ok(*v);
            }
        }
        if let Some(v) = self.heap.table(self.root).get(&key) {
            return Ok(*v);
        }
        Err(ops::index_error(&self.heap, key))
    }

    /// For `x + y` with a string and an instance whose class has `_tostring`: which operand
    /// to convert first (1 = the top of the stack, 2 = below it), the method, and the instance.
    pub(crate) fn string_cat_operand(
        &self,
        op: crate::bytecode::Arith,
        x: Value,
        y: Value,
    ) -> Option<(u8, Value, Value)> {
        if op != crate::bytecode::Arith::Add {
            return None;
        }
        let (depth, inst) = match (x, y) {
            (Value::Instance(_), Value::Str(_)) => (2, x),
            (Value::Str(_), Value::Instance(_)) => (1, y),
            _ => return None,
        };
        let Value::Instance(r) = inst else {
            return None;
        };
        let key = self.heap.lookup_str("_tostring")?;
        let class = self.heap.instance(r).class;
        let m = self.heap.class(class).members.get(&key)?;
        Some((depth, m.value, inst))
    }

    /// `name = v` for an unresolved name: the slot of `this` if it has one, else of the root
    /// table; a slot neither has is an error (globals are created with `<-`).
    pub(crate) fn set_name(&mut self, this: Value, key: Value, v: Value) -> Result<(), Fault> {
        if self.raw_get(this, key)?.is_some() {
            return self.set(this, key, v);
        }
        let root = Value::Table(self.root);
        if self.heap.table(self.root).contains_key(&key) {
            return self.set(root, key, v);
        }
        Err(ops::index_error(&self.heap, key))
    }

    /// `obj[key] = v`: only an existing slot.
    pub(crate) fn set(&mut self, obj: Value, key: Value, v: Value) -> Result<(), Fault> {
        let key = numeric_index(obj, key);
        match obj {
            Value::Table(r) => match self.heap.table_mut(r).get_mut(&key) {
                Some(slot) => {
                    *slot = v;
                    Ok(())
                }
                None => Err(ops::index_error(&self.heap, key)),
            },
            Value::Array(r) => {
                let Value::Int(i) = key else {
                    return Err(ops::index_error(&self.heap, key));
                };
                match self
                    .heap
                    .array_mut(r)
                    .get_mut(usize::try_from(i).unwrap_or(usize::MAX))
                {
                    Some(slot) => {
                        *slot = v;
                        Ok(())
                    }
                    None => Err(ops::index_error(&self.heap, key)),
                }
            }
            Value::Blob(r) => {
                let (Value::Int(i), Some(b)) = (key, v.as_int()) else {
                    return Err(ops::index_error(&self.heap, key));
                };
                let len = self.heap.blob(r).data.len();
                let Some(i) = usize::try_from(i).ok().filter(|i| *i < len) else {
                    return Err(ops::index_error(&self.heap, key));
                };
                self.heap.blob_edit(r, |blob| blob.data[i] = b as u8)?;
                Ok(())
            }
            Value::Instance(r) => {
                let class = self.heap.instance(r).class;
                match self
                    .heap
                    .class(class)
                    .members
                    .get(&key)
                    .and_then(|m| m.field)
                {
                    Some(i) => {
                        self.heap.instance_mut(r).fields[i as usize] = v;
                        Ok(())
                    }
                    None => Err(ops::index_error(&self.heap, key)),
                }
            }
            Value::Class(r) => {
                let field = match self.heap.class(r).members.get(&key) {
                    Some(m) => m.field,
                    None => return Err(ops::index_error(&self.heap, key)),
                };
                let c = self.heap.class_mut(r);
                match field {
                    Some(i) => c.defaults[i as usize] = v,
                    None => {
                        if let Some(m) = c.members.get_mut(&key) {
                            m.value = v;
                        }
                    }
                }
                Ok(())
            }
            _ => Err(ops::index_error(&self.heap, key)),
        }
    }

    /// `obj[key] <- v`: creates the slot (tables, and classes before their first instance).
    pub(crate) fn new_slot(&mut self, obj: Value, key: Value, v: Value) -> Result<(), Fault> {
        match obj {
            Value::Table(r) => {
                if let Value::Null = key {
                    return Err(Fault::msg("null cannot be used as index"));
                }
                self.heap.table_insert(r, key, v)?;
                Ok(())
            }
            Value::Class(c) => self.class_set(c, key, v, false),
            Value::Instance(_) => Err(Fault::msg(
                "class instances do not support the new slot operator",
            )),
            Value::Array(_) => self.set(obj, key, v),
            _ => Err(Fault::msg(format!("trying to set '{}'", obj.type_name()))),
        }
    }

    pub(crate) fn delete(&mut self, obj: Value, key: Value) -> Result<Value, Fault> {
        match obj {
            Value::Table(r) => {
                self.charge(crate::work::entries(self.heap.table_remove_shift(r, key)))?;
                self.heap
                    .table_remove(r, key)
                    .ok_or_else(|| ops::index_error(&self.heap, key))
            }
            Value::Instance(_) | Value::Class(_) => Err(Fault::msg(format!(
                "cannot delete a slot from {}",
                obj.type_name()
            ))),
            _ => Err(Fault::msg(format!(
                "trying to delete a slot from a '{}'",
                obj.type_name()
            ))),
        }
    }

    /// `key in obj`.
    pub(crate) fn contains(&self, obj: Value, key: Value) -> Result<bool, Fault> {
        Ok(match obj {
            Value::Table(_)
            | Value::Array(_)
            | Value::Str(_)
            | Value::Blob(_)
            | Value::Instance(_)
            | Value::Class(_) => self.raw_get(obj, key).unwrap_or(None).is_some(),
            _ => false,
        })
    }

    pub(crate) fn instance_of(&self, v: Value, class: Value) -> Result<bool, Fault> {
        let Value::Class(target) = class else {
            return Err(Fault::msg("cannot apply instanceof between a non-class"));
        };
        let Value::Instance(i) = v else {
            return Ok(false);
        };
        let mut c = Some(self.heap.instance(i).class);
        while let Some(k) = c {
            if k == target {
                return Ok(true);
            }
            c = self.heap.class(k).base;
        }
        Ok(false)
    }

    /// `clone v`: a shallow copy of a table, array, instance or blob.
    pub(crate) fn clone_value(&mut self, v: Value) -> Result<Value, Fault> {
        Ok(match v {
            Value::Table(r) => {
                self.charge(crate::work::entries(self.heap.table(r).len()))?;
                let t = self.heap.table(r).clone();
                self.heap.ensure_room(t.len() * 24)?;
                Value::Table(self.heap.alloc(Obj::Table(t))?)
            }
            Value::Array(r) => {
                self.charge(crate::work::values(self.heap.array(r).len()))?;
                let a = self.heap.array(r).clone();
                self.heap.ensure_room(a.len() * 8)?;
                Value::Array(self.heap.alloc(Obj::Array(a))?)
            }
            Value::Instance(r) => {
                self.charge(crate::work::values(self.heap.instance(r).fields.len()))?;
                let i = self.heap.instance(r);
                let copy = crate::heap::Instance {
                    class: i.class,
                    fields: i.fields.clone(),
                };
                Value::Instance(self.heap.alloc(Obj::Instance(copy))?)
            }
            Value::Blob(r) => {
                self.charge(crate::work::bytes(self.heap.blob(r).data.len()))?;
                let data = self.heap.blob(r).data.clone();
                self.heap.new_blob(data)?
            }
            other => other,
        })
    }

    /// `class extends base { }`: inherits a copy of the base's members.
    pub(crate) fn new_class(&mut self, base: Option<Value>) -> Result<Value, Fault> {
        let base = match base {
            None => None,
            Some(Value::Class(b)) => Some(b),
            Some(other) => {
                return Err(Fault::msg(format!(
                    "trying to inherit from a {}",
                    other.type_name()
                )))
            }
        };
        let mut class = Class {
            base,
            members: Default::default(),
            defaults: Vec::new(),
            locked: false,
        };
        if let Some(b) = base {
            let bc = self.heap.class(b);
            class.members = bc
                .members
                .iter()
                .map(|(k, m)| {
                    (
                        *k,
                        Member {
                            value: m.value,
                            field: m.field,
                        },
                    )
                })
                .collect();
            class.defaults = bc.defaults.clone();
            self.heap
                .ensure_room(class.members.len() * 24 + class.defaults.len() * 8)?;
        }
        Ok(Value::Class(self.heap.alloc(Obj::Class(class))?))
    }

    /// Adds or replaces a class member. Functions and `static` members live in the class;
    /// other members are per-instance fields whose default each instance copies (a table or
    /// array default is therefore shared by all instances, as in Squirrel).
    pub(crate) fn class_set(
        &mut self,
        c: GcRef,
        key: Value,
        v: Value,
        is_static: bool,
    ) -> Result<(), Fault> {
        if self.heap.class(c).locked {
            return Err(Fault::msg(
                "trying to modify a class that has already been instantiated",
            ));
        }
        if let Value::Closure(f) = v {
            // `base` inside a method is the base of the class that holds it.
            let base = self.heap.class(c).base;
            self.heap.closure_mut(f).base = base;
        }
        let is_method = is_static || matches!(v, Value::Closure(_) | Value::Native(_));
        let existing = self.heap.class(c).members.get(&key).map(|m| m.field);
        match (existing, is_method) {
            (Some(Some(i)), false) => {
                self.heap.class_mut(c).defaults[i as usize] = v;
            }
            (Some(_), true) => {
                if let Some(m) = self.heap.class_mut(c).members.get_mut(&key) {
                    *m = Member {
                        value: v,
                        field: None,
                    };
                }
            }
            (Some(None), false) | (None, false) => {
                let i = self.heap.class(c).defaults.len() as u32;
                if existing.is_some() {
                    self.heap.class_mut(c).members.shift_remove(&key);
                }
                self.heap.class_insert(
                    c,
                    key,
                    Member {
                        value: v,
                        field: Some(i),
                    },
                )?;
            }
            (None, true) => {
                self.heap.class_insert(
                    c,
                    key,
                    Member {
                        value: v,
                        field: None,
                    },
                )?;
            }
        }
        Ok(())
    }

    /// One step of `foreach`: slots `at..at+4` are the iterable, the position, the key and
    /// the value. False when done.
    pub(crate) fn foreach_next(&mut self, at: usize) -> Result<bool, Fault> {
        let obj = self.stack[at];
        let Value::Int(pos) = self.stack[at + 1] else {
            return Ok(false);
        };
        let i = pos as usize;
        let (key, value) = match obj {
            Value::Array(r) => match self.heap.array(r).get(i) {
                Some(v) => (Value::Int(pos), *v),
                None => return Ok(false),
            },
            Value::Table(r) => match self.heap.table(r).get_index(i) {
                Some((k, v)) => (*k, *v),
                None => return Ok(false),
            },
            Value::Str(r) => match self.heap.str_bytes(r).get(i) {
                Some(b) => (Value::Int(pos), Value::Int(*b as i8 as i32)),
                None => return Ok(false),
            },
            Value::Blob(r) => match self.heap.blob(r).data.get(i) {
                Some(b) => (Value::Int(pos), Value::Int(*b as i32)),
                None => return Ok(false),
            },
            Value::Class(r) => match self.heap.class(r).members.get_index(i) {
                Some((k, m)) => (
                    *k,
                    m.field
                        .map_or(m.value, |f| self.heap.class(r).defaults[f as usize]),
                ),
                None => return Ok(false),
            },
            Value::Instance(r) => {
                let class = self.heap.instance(r).class;
                match self.heap.class(class).members.get_index(i) {
                    Some((k, m)) => (
                        *k,
                        m.field
                            .map_or(m.value, |f| self.heap.instance(r).fields[f as usize]),
                    ),
                    None => return Ok(false),
                }
            }
            Value::Null => return Ok(false),
            other => return Err(Fault::msg(format!("cannot iterate {}", other.type_name()))),
        };
        self.stack[at + 1] = Value::Int(pos + 1);
        self.stack[at + 2] = key;
        self.stack[at + 3] = value;
        Ok(true)
    }
}

/// Arrays, strings and blobs take a float index as its integer part, as Squirrel does.
fn numeric_index(obj: Value, key: Value) -> Value {
    match (obj, key) {
        (Value::Array(_) | Value::Str(_) | Value::Blob(_), Value::Float(f)) => Value::Int(f as i32),
        _ => key,
    }
}
