//! A Squirrel value: 8 bytes, `Copy`. Scalars are inline; everything else is a [`GcRef`] into
//! the VM's [`crate::Heap`].

use std::hash::{Hash, Hasher};

/// An object in the heap. Valid while the object is reachable from the VM (its stack, the root
/// table, or a [`crate::Handle`]); a host that keeps a value across `run` calls keeps it with
/// [`crate::Vm::keep`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct GcRef(pub(crate) u32);

/// Index of a native function registered in the VM.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct NativeId(pub(crate) u32);

// Aligned as a u64: copies are one load and one store, not a field at a time.
#[derive(Clone, Copy, Debug)]
#[repr(align(8))]
pub enum Value {
    Null,
    Bool(bool),
    Int(i32),
    Float(f32),
    /// Strings are interned: two equal strings are the same `GcRef`.
    Str(GcRef),
    Table(GcRef),
    Array(GcRef),
    Closure(GcRef),
    Native(NativeId),
    Class(GcRef),
    Instance(GcRef),
    Blob(GcRef),
}

/// Identity: the equality of table keys (strings are interned, floats compare by bits). The
/// language's `==` (where `1 == 1.0`) is [`crate::Vm`]'s business.
impl PartialEq for Value {
    fn eq(&self, other: &Value) -> bool {
        use Value::*;
        match (self, other) {
            (Null, Null) => true,
            (Bool(a), Bool(b)) => a == b,
            (Int(a), Int(b)) => a == b,
            (Float(a), Float(b)) => a.to_bits() == b.to_bits(),
            (Native(a), Native(b)) => a == b,
            (Str(a), Str(b))
            | (Table(a), Table(b))
            | (Array(a), Array(b))
            | (Closure(a), Closure(b))
            | (Class(a), Class(b))
            | (Instance(a), Instance(b))
            | (Blob(a), Blob(b)) => a == b,
            _ => false,
        }
    }
}

impl Eq for Value {}

impl Hash for Value {
    fn hash<H: Hasher>(&self, h: &mut H) {
        use Value::*;
        std::mem::discriminant(self).hash(h);
        match self {
            Null => {}
            Bool(b) => b.hash(h),
            Int(i) => i.hash(h),
            Float(f) => f.to_bits().hash(h),
            Native(n) => n.hash(h),
            Str(r) | Table(r) | Array(r) | Closure(r) | Class(r) | Instance(r) | Blob(r) => {
                r.hash(h)
            }
        }
    }
}

impl Value {
    /// The name `typeof` gives.
    pub fn type_name(self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "bool",
            Value::Int(_) => "integer",
            Value::Float(_) => "float",
            Value::Str(_) => "string",
            Value::Table(_) => "table",
            Value::Array(_) => "array",
            Value::Closure(_) | Value::Native(_) => "function",
            Value::Class(_) => "class",
            Value::Instance(_) => "instance",
            Value::Blob(_) => "blob",
        }
    }

    /// Squirrel's truth: `null`, `false`, `0` and `0.0` are false, everything else true.
    pub fn truthy(self) -> bool {
        match self {
            Value::Null => false,
            Value::Bool(b) => b,
            Value::Int(i) => i != 0,
            Value::Float(f) => f != 0.0,
            _ => true,
        }
    }

    pub fn gc_ref(self) -> Option<GcRef> {
        match self {
            Value::Str(r)
            | Value::Table(r)
            | Value::Array(r)
            | Value::Closure(r)
            | Value::Class(r)
            | Value::Instance(r)
            | Value::Blob(r) => Some(r),
            _ => None,
        }
    }

    pub fn as_int(self) -> Option<i32> {
        match self {
            Value::Int(i) => Some(i),
            Value::Float(f) => Some(f as i32),
            _ => None,
        }
    }

    pub fn as_float(self) -> Option<f32> {
        match self {
            Value::Int(i) => Some(i as f32),
            Value::Float(f) => Some(f),
            _ => None,
        }
    }
}
