//! Global functions: `array`, `type`, `assert`, `getroottable`, and the string library's
//! globals (`format`, `split`, `strip`, `lstrip`, `rstrip`, `startswith`, `endswith`).

use super::{arity, bad_type, int_arg, natives, str_arg, R};
use crate::host::{Cx, Interrupt};
use crate::machine::Machine;
use crate::value::Value;

pub(crate) fn install(vm: &mut Machine) {
    let root = vm.root();
    natives!(vm, root, {
        "array" => array,
        "type" => type_of,
        "assert" => assert,
        "getroottable" => |ctx: &mut Cx<'_>, _: &[Value]| -> R { Ok(ctx.root()) },
        // The function that is running (the one that called `callee()`).
        "callee" => |ctx: &mut Cx<'_>, _: &[Value]| -> R { Ok(ctx.caller()) },
        "format" => format,
        "split" => split,
        "strip" => |ctx: &mut Cx<'_>, args: &[Value]| strip(ctx, args, true, true),
        "lstrip" => |ctx: &mut Cx<'_>, args: &[Value]| strip(ctx, args, true, false),
        "rstrip" => |ctx: &mut Cx<'_>, args: &[Value]| strip(ctx, args, false, true),
        "startswith" => |ctx: &mut Cx<'_>, args: &[Value]| -> R {
            arity(args, 2, 2)?;
            let (s, p) = (str_arg(ctx.heap, args, 0)?, str_arg(ctx.heap, args, 1)?);
            let n = p.len().min(s.len());
            ctx.charge_bytes(n)?;
            let (s, p) = (str_arg(ctx.heap, args, 0)?, str_arg(ctx.heap, args, 1)?);
            Ok(Value::Bool(s.starts_with(p)))
        },
        "endswith" => |ctx: &mut Cx<'_>, args: &[Value]| -> R {
            arity(args, 2, 2)?;
            let (s, p) = (str_arg(ctx.heap, args, 0)?, str_arg(ctx.heap, args, 1)?);
            let n = p.len().min(s.len());
            ctx.charge_bytes(n)?;
            let (s, p) = (str_arg(ctx.heap, args, 0)?, str_arg(ctx.heap, args, 1)?);
            Ok(Value::Bool(s.ends_with(p)))
        },
    });
}

/// `array(n, fill = null)`.
fn array(ctx: &mut Cx<'_>, args: &[Value]) -> R {
    arity(args, 1, 2)?;
    let n = int_arg(args, 0)?;
    let n = usize::try_from(n).map_err(|_| Interrupt::Error("negative size".into()))?;
    let fill = args.get(1).copied().unwrap_or(Value::Null);
    // Too big for the heap is out of memory whatever the watchdog has left.
    ctx.heap.ensure_room(n.saturating_mul(8))?;
    ctx.charge_values(n)?;
    Ok(ctx.heap.new_array_filled(n, fill)?)
}

fn type_of(ctx: &mut Cx<'_>, args: &[Value]) -> R {
    arity(args, 1, 1)?;
    Ok(ctx.heap.str(args[0].type_name())?)
}

fn assert(ctx: &mut Cx<'_>, args: &[Value]) -> R {
    arity(args, 1, 2)?;
    if args[0].truthy() {
        return Ok(Value::Null);
    }
    match args.get(1) {
        Some(m) => Err(Interrupt::Error(ctx.to_string(*m))),
        None => Err(Interrupt::Error("assertion failed".into())),
    }
}

fn format(ctx: &mut Cx<'_>, args: &[Value]) -> R {
    if args.is_empty() {
        return Err(Interrupt::Error("wrong number of parameters".into()));
    }
    // Charged for what it reads before, and for what it wrote (at most 99 bytes per
    // conversion beyond the strings read) after.
    let read: usize = args
        .iter()
        .map(|v| ctx.heap.as_bytes(*v).map_or(0, <[u8]>::len))
        .sum();
    ctx.charge_bytes(read)?;
    let fmt = str_arg(ctx.heap, args, 0)?;
    let s = super::format::format(ctx.heap, fmt, &args[1..]).map_err(Interrupt::Error)?;
    ctx.charge_bytes(s.len())?;
    Ok(ctx.heap.string(&s)?)
}

/// `split(str, separators, skipempty = false)`: splits at any of the separator characters.
/// One pass over the string with a 256-entry table of the separators; charged for both
/// strings and for each piece made.
fn split(ctx: &mut Cx<'_>, args: &[Value]) -> R {
    arity(args, 2, 3)?;
    let (n, m) = (
        str_arg(ctx.heap, args, 0)?.len(),
        str_arg(ctx.heap, args, 1)?.len(),
    );
    ctx.charge_bytes(n + m)?;
    let s = str_arg(ctx.heap, args, 0)?.to_vec();
    let mut is_sep = [false; 256];
    for &b in str_arg(ctx.heap, args, 1)? {
        is_sep[b as usize] = true;
    }
    let skip_empty = args.get(2).is_some_and(|v| v.truthy());
    let mut parts = Vec::new();
    for piece in s.split(|b| is_sep[*b as usize]) {
        if skip_empty && piece.is_empty() {
            continue;
        }
        ctx.charge(crate::work::PER_OBJECT)?;
        parts.push(ctx.heap.string(piece)?);
    }
    let a = ctx.heap.new_array(Vec::new())?;
    if let Value::Array(r) = a {
        for p in parts {
            ctx.heap.array_push(r, p)?;
        }
    }
    Ok(a)
}

fn strip(ctx: &mut Cx<'_>, args: &[Value], left: bool, right: bool) -> R {
    arity(args, 1, 1)?;
    let Value::Str(_) = args[0] else {
        return Err(bad_type(0, args[0], "string"));
    };
    ctx.charge_bytes(str_arg(ctx.heap, args, 0)?.len())?;
    let s = str_arg(ctx.heap, args, 0)?;
    let ws = |b: &u8| b.is_ascii_whitespace() || *b == 0x0B;
    let start = if left {
        s.iter().position(|b| !ws(b)).unwrap_or(s.len())
    } else {
        0
    };
    let end = if right {
        s.iter().rposition(|b| !ws(b)).map_or(start, |i| i + 1)
    } else {
        s.len()
    };
    let out = s[start..end.max(start)].to_vec();
    Ok(ctx.heap.string(&out)?)
}
