//! String methods, and the conversions every scalar has (`tostring`, `tointeger`, `tofloat`,
//! `tochar`).

use super::{arity, int_arg, natives, str_arg, R};
use crate::host::{Cx, Interrupt};
use crate::machine::Machine;
use crate::ops;
use crate::value::Value;

pub(crate) fn install(vm: &mut Machine) {
    let string = Value::Table(vm.delegates.string);
    natives!(vm, string, {
        "len" => |ctx: &mut Cx<'_>, args: &[Value]| -> R {
            arity(args, 0, 0)?;
            Ok(Value::Int(this_bytes(ctx).len() as i32))
        },
        "tostring" => tostring,
        "tointeger" => tointeger,
        "tofloat" => tofloat,
        "slice" => slice,
        "find" => find,
        "tolower" => |ctx: &mut Cx<'_>, args: &[Value]| -> R {
            arity(args, 0, 0)?;
            ctx.charge_bytes(this_bytes(ctx).len())?;
            let s = this_bytes(ctx).to_ascii_lowercase();
            Ok(ctx.heap.string(&s)?)
        },
        "toupper" => |ctx: &mut Cx<'_>, args: &[Value]| -> R {
            arity(args, 0, 0)?;
            ctx.charge_bytes(this_bytes(ctx).len())?;
            let s = this_bytes(ctx).to_ascii_uppercase();
            Ok(ctx.heap.string(&s)?)
        },
    });
    let number = Value::Table(vm.delegates.number);
    natives!(vm, number, {
        "tostring" => tostring,
        "tointeger" => tointeger,
        "tofloat" => tofloat,
        "tochar" => |ctx: &mut Cx<'_>, args: &[Value]| -> R {
            arity(args, 0, 0)?;
            let c = ctx.this().as_int().unwrap_or(0) as u8;
            Ok(ctx.heap.string(&[c])?)
        },
    });
}

fn this_bytes<'c>(ctx: &'c Cx<'_>) -> &'c [u8] {
    match ctx.this() {
        Value::Str(r) => ctx.heap.str_bytes(r),
        _ => b"",
    }
}

/// `tostring()` for any value (registered on every type).
pub(crate) fn tostring(ctx: &mut Cx<'_>, args: &[Value]) -> R {
    arity(args, 0, 0)?;
    let this = ctx.this();
    if let Value::Str(_) = this {
        return Ok(this);
    }
    // An instance whose class defines `_tostring` prints as that method says.
    if let Value::Instance(i) = this {
        let key = ctx.heap.str("_tostring")?;
        let class = ctx.heap.instance(i).class;
        if let Some(m) = ctx.heap.class(class).members.get(&key) {
            return Err(Interrupt::Call {
                callee: m.value,
                this,
                args: vec![],
            });
        }
    }
    let s = ops::to_bytes(ctx.heap, this);
    Ok(ctx.heap.string(&s)?)
}

fn tointeger(ctx: &mut Cx<'_>, args: &[Value]) -> R {
    arity(args, 0, 0)?;
    ctx.charge_bytes(this_bytes(ctx).len())?;
    Ok(match ctx.this() {
        Value::Int(i) => Value::Int(i),
        Value::Float(f) => Value::Int(f as i32),
        Value::Bool(b) => Value::Int(b as i32),
        Value::Str(r) => {
            let s = String::from_utf8_lossy(ctx.heap.str_bytes(r))
                .trim()
                .to_string();
            match parse_int(&s) {
                Some(i) => Value::Int(i),
                None => match s.parse::<f32>() {
                    Ok(f) => Value::Int(f as i32),
                    Err(_) => return Err(Interrupt::Error("cannot convert the string".into())),
                },
            }
        }
        other => {
            return Err(Interrupt::Error(format!(
                "cannot convert {} to integer",
                other.type_name()
            )))
        }
    })
}

/// Decimal or `0x` hexadecimal, wrapping to 32 bits as Squirrel's lexer does.
fn parse_int(s: &str) -> Option<i32> {
    let (neg, body) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let v = if let Some(hex) = body.strip_prefix("0x").or_else(|| body.strip_prefix("0X")) {
        u32::from_str_radix(hex, 16).ok()? as i32
    } else {
        if body.is_empty() || !body.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        body.bytes().fold(0u32, |a, d| {
            a.wrapping_mul(10).wrapping_add((d - b'0') as u32)
        }) as i32
    };
    Some(if neg { v.wrapping_neg() } else { v })
}

fn tofloat(ctx: &mut Cx<'_>, args: &[Value]) -> R {
    arity(args, 0, 0)?;
    ctx.charge_bytes(this_bytes(ctx).len())?;
    Ok(match ctx.this() {
        Value::Int(i) => Value::Float(i as f32),
        Value::Float(f) => Value::Float(f),
        Value::Bool(b) => Value::Float(b as i32 as f32),
        Value::Str(r) => {
            let s = String::from_utf8_lossy(ctx.heap.str_bytes(r))
                .trim()
                .to_string();
            match s.parse::<f32>() {
                Ok(f) => Value::Float(f),
                Err(_) => match parse_int(&s) {
                    Some(i) => Value::Float(i as f32),
                    None => return Err(Interrupt::Error("cannot convert the string".into())),
                },
            }
        }
        other => {
            return Err(Interrupt::Error(format!(
                "cannot convert {} to float",
                other.type_name()
            )))
        }
    })
}

/// Resolves Squirrel's slice bounds (negative counts from the end) against `len`.
pub(crate) fn slice_bounds<S>(args: &[Value], len: usize) -> Result<(usize, usize), Interrupt<S>> {
    arity(args, 1, 2)?;
    let len_i = len as i64;
    let fix = |i: i64| if i < 0 { i + len_i } else { i };
    let start = fix(int_arg(args, 0)? as i64);
    let end = match args.get(1) {
        Some(Value::Null) | None => len_i,
        Some(_) => fix(int_arg(args, 1)? as i64),
    };
    if start < 0 || start > len_i {
        return Err(Interrupt::Error("slice out of range".into()));
    }
    if end < start || end > len_i {
        return Err(Interrupt::Error("wrong indexes".into()));
    }
    Ok((start as usize, end as usize))
}

fn slice(ctx: &mut Cx<'_>, args: &[Value]) -> R {
    let s = this_bytes(ctx);
    let (a, b) = slice_bounds(args, s.len())?;
    ctx.charge_bytes(b - a)?;
    let s = this_bytes(ctx);
    let out = s[a..b].to_vec();
    Ok(ctx.heap.string(&out)?)
}

/// `find(sub, start = 0)`: the index of `sub`, or null. Linear in both lengths (memmem), and
/// charged as a scan of both.
fn find(ctx: &mut Cx<'_>, args: &[Value]) -> R {
    arity(args, 1, 2)?;
    let s = this_bytes(ctx);
    let sub = str_arg(ctx.heap, args, 0)?;
    let start = if args.len() > 1 { int_arg(args, 1)? } else { 0 };
    let Ok(start) = usize::try_from(start) else {
        return Err(Interrupt::Error("invalid start".into()));
    };
    if start > s.len() {
        return Ok(Value::Null);
    }
    let work = crate::work::search(s.len() - start) + crate::work::bytes(sub.len());
    ctx.charge(work)?;
    let s = this_bytes(ctx);
    let sub = str_arg(ctx.heap, args, 0)?;
    let hit = memchr::memmem::find(&s[start..], sub);
    Ok(hit.map_or(Value::Null, |i| Value::Int((start + i) as i32)))
}
