//! Value semantics that need the heap but not the call stack: `tostring`, arithmetic,
//! comparison and equality, with Squirrel's error messages.

use std::cmp::Ordering;

use crate::bytecode::Arith;
use crate::error::ErrorKind;
use crate::heap::{Heap, OutOfMemory};
use crate::value::Value;

/// An error on its way to a `catch` or out of the task.
#[derive(Debug)]
pub(crate) enum Fault {
    /// `throw v`.
    Value(Value),
    Error(ErrorKind, String),
}

impl Fault {
    pub fn msg(message: impl Into<String>) -> Fault {
        Fault::Error(ErrorKind::Runtime, message.into())
    }
}

impl From<OutOfMemory> for Fault {
    fn from(_: OutOfMemory) -> Fault {
        Fault::Error(ErrorKind::Memory, "out of memory".into())
    }
}

/// A float as Squirrel prints it (C's `%g`).
pub fn fmt_float(f: f32) -> String {
    fmt_g(f as f64, 6, false)
}

/// C's `%g` with `precision` significant digits (`alt`: keep trailing zeros, as `%#g`).
pub fn fmt_g(x: f64, precision: usize, alt: bool) -> String {
    if x.is_nan() {
        return if x.is_sign_negative() {
            "-nan".into()
        } else {
            "nan".into()
        };
    }
    if x.is_infinite() {
        return if x < 0.0 { "-inf".into() } else { "inf".into() };
    }
    let p = precision.max(1);
    if x == 0.0 {
        let zero = if alt {
            format!("{:.*}", p - 1, 0.0)
        } else {
            "0".into()
        };
        return if x.is_sign_negative() {
            format!("-{zero}")
        } else {
            zero
        };
    }
    let e = format!("{:.*e}", p - 1, x);
    let (mantissa, exp) = e.split_once('e').unwrap_or((&e, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if exp < -4 || exp >= p as i32 {
        let m = if alt {
            mantissa.to_string()
        } else {
            trim_zeros(mantissa)
        };
        format!("{m}e{}{:02}", if exp < 0 { '-' } else { '+' }, exp.abs())
    } else {
        let decimals = (p as i32 - 1 - exp).max(0) as usize;
        let s = format!("{:.*}", decimals, x);
        if alt {
            s
        } else {
            trim_zeros(&s)
        }
    }
}

fn trim_zeros(s: &str) -> String {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s.to_string()
    }
}

/// `tostring()` of any value.
pub fn to_display(heap: &Heap, v: Value) -> String {
    match v {
        Value::Str(r) => String::from_utf8_lossy(heap.str_bytes(r)).into_owned(),
        _ => String::from_utf8_lossy(&to_bytes(heap, v)).into_owned(),
    }
}

/// `tostring()` as bytes (strings keep bytes that are not UTF-8).
pub fn to_bytes(heap: &Heap, v: Value) -> Vec<u8> {
    match v {
        Value::Null => b"null".to_vec(),
        Value::Bool(b) => {
            if b {
                b"true".to_vec()
            } else {
                b"false".to_vec()
            }
        }
        Value::Int(i) => i.to_string().into_bytes(),
        Value::Float(f) => fmt_float(f).into_bytes(),
        Value::Str(r) => heap.str_bytes(r).to_vec(),
        Value::Native(n) => format!("(function : 0x{:08x})", n.0).into_bytes(),
        // Squirrel prints the object's address; the arena index is as unique and deterministic.
        other => {
            let r = other.gc_ref().map_or(0, |r| r.0);
            format!("({} : 0x{:08x})", other.type_name(), r).into_bytes()
        }
    }
}

/// How a key appears in "the index '...' does not exist".
pub fn key_repr(heap: &Heap, key: Value) -> String {
    match key {
        Value::Str(_) | Value::Int(_) | Value::Float(_) | Value::Bool(_) | Value::Null => {
            to_display(heap, key)
        }
        other => other.type_name().to_string(),
    }
}

pub fn index_error(heap: &Heap, key: Value) -> Fault {
    Fault::msg(format!(
        "the index '{}' does not exist",
        key_repr(heap, key)
    ))
}

/// Squirrel's `==`: numbers by value across integer and float, everything else by identity
/// (strings are interned, so equal strings are identical).
pub fn equals(a: Value, b: Value) -> bool {
    match (a, b) {
        (Value::Int(x), Value::Float(y)) => x as f32 == y,
        (Value::Float(x), Value::Int(y)) => x == y as f32,
        (Value::Float(x), Value::Float(y)) => x == y,
        _ => a == b,
    }
}

pub fn compare(heap: &Heap, a: Value, b: Value) -> Result<Ordering, Fault> {
    let ord = match (a, b) {
        (Value::Int(x), Value::Int(y)) => Some(x.cmp(&y)),
        (Value::Str(x), Value::Str(y)) => Some(heap.str_bytes(x).cmp(heap.str_bytes(y))),
        _ => match (a.as_float(), b.as_float()) {
            (Some(x), Some(y)) if !matches!(a, Value::Bool(_)) && !matches!(b, Value::Bool(_)) => {
                Some(x.partial_cmp(&y).unwrap_or(Ordering::Equal))
            }
            _ => None,
        },
    };
    ord.ok_or_else(|| {
        Fault::msg(format!(
            "comparison between '{}' and '{}'",
            a.type_name(),
            b.type_name()
        ))
    })
}

/// The work (in instructions, [`crate::work`]) of `a op b` beyond its instruction: a string
/// `+` reads both sides and writes (and interns) as many bytes.
pub(crate) fn arith_work(heap: &Heap, op: Arith, a: Value, b: Value) -> u64 {
    let len = |v: Value| match v {
        Value::Str(r) => heap.str_bytes(r).len(),
        _ => 0,
    };
    if op == Arith::Add {
        crate::work::bytes(2 * (len(a) + len(b)))
    } else {
        0
    }
}

/// The work of comparing `a` and `b`: strings compare byte by byte.
pub(crate) fn compare_work(heap: &Heap, a: Value, b: Value) -> u64 {
    match (a, b) {
        (Value::Str(x), Value::Str(y)) => {
            crate::work::bytes(heap.str_bytes(x).len().min(heap.str_bytes(y).len()))
        }
        _ => 0,
    }
}

pub fn arith(heap: &mut Heap, op: Arith, a: Value, b: Value) -> Result<Value, Fault> {
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => int_arith(op, x, y),
        (Value::Str(_), _) | (_, Value::Str(_)) if op == Arith::Add => {
            let len = |v: Value| match v {
                Value::Str(r) => heap.str_bytes(r).len(),
                _ => 32,
            };
            // Refused before building it: string doubling in a loop ends here.
            if len(a) + len(b) > heap.room() {
                return Err(OutOfMemory.into());
            }
            let mut s = to_bytes(heap, a);
            let tail = to_bytes(heap, b);
            s.extend_from_slice(&tail);
            Ok(heap.string(&s)?)
        }
        (Value::Int(_) | Value::Float(_), Value::Int(_) | Value::Float(_)) => {
            let (x, y) = (a.as_float().unwrap_or(0.0), b.as_float().unwrap_or(0.0));
            let r = match op {
                Arith::Add => x + y,
                Arith::Sub => x - y,
                Arith::Mul => x * y,
                Arith::Div => x / y,
                Arith::Mod => x % y,
                _ => {
                    return Err(Fault::msg(format!(
                        "bitwise op between '{}' and '{}'",
                        a.type_name(),
                        b.type_name()
                    )))
                }
            };
            Ok(Value::Float(r))
        }
        _ => Err(Fault::msg(format!(
            "arith op {} on between '{}' and '{}'",
            op.symbol(),
            a.type_name(),
            b.type_name()
        ))),
    }
}

/// 32-bit integer arithmetic: wrapping, truncating division, division by zero an error.
#[inline]
pub fn int_arith(op: Arith, x: i32, y: i32) -> Result<Value, Fault> {
    Ok(Value::Int(match op {
        Arith::Add => x.wrapping_add(y),
        Arith::Sub => x.wrapping_sub(y),
        Arith::Mul => x.wrapping_mul(y),
        Arith::Div => {
            if y == 0 {
                return Err(Fault::msg("division by zero"));
            }
            x.wrapping_div(y)
        }
        Arith::Mod => {
            if y == 0 {
                return Err(Fault::msg("modulo by zero"));
            }
            x.wrapping_rem(y)
        }
        Arith::Shl => x.wrapping_shl(y as u32),
        Arith::Shr => x.wrapping_shr(y as u32),
        Arith::UShr => ((x as u32).wrapping_shr(y as u32)) as i32,
        Arith::And => x & y,
        Arith::Or => x | y,
        Arith::Xor => x ^ y,
    }))
}
