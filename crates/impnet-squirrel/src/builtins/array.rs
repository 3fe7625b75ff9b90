//! Array methods (the ones that call back into script code are in `prelude.nut`).

use super::string::{slice_bounds, tostring};
use super::{arity, bad_type, int_arg, natives, R};
use crate::host::{Cx, Interrupt, Parked};
use crate::machine::Machine;
use crate::ops;
use crate::value::{GcRef, Value};

pub(crate) fn install(vm: &mut Machine) {
    let array = Value::Table(vm.delegates.array);
    natives!(vm, array, {
        "len" => |ctx: &mut Cx<'_>, args: &[Value]| -> R {
            arity(args, 0, 0)?;
            Ok(Value::Int(ctx.heap.array(this(ctx)?).len() as i32))
        },
        "push" => push,
        "append" => push,
        "extend" => |ctx: &mut Cx<'_>, args: &[Value]| -> R {
            arity(args, 1, 1)?;
            let r = this(ctx)?;
            let Value::Array(other) = args[0] else { return Err(bad_type(0, args[0], "array")) };
            ctx.charge_values(ctx.heap.array(other).len())?;
            let items = ctx.heap.array(other).clone();
            for v in items {
                ctx.heap.array_push(r, v)?;
            }
            Ok(ctx.this())
        },
        "pop" => |ctx: &mut Cx<'_>, args: &[Value]| -> R {
            arity(args, 0, 0)?;
            let r = this(ctx)?;
            ctx.heap.array_edit(r, |a| a.pop())?.ok_or_else(|| Interrupt::Error("pop on an empty array".into()))
        },
        "top" => |ctx: &mut Cx<'_>, args: &[Value]| -> R {
            arity(args, 0, 0)?;
            let r = this(ctx)?;
            ctx.heap.array(r).last().copied().ok_or_else(|| Interrupt::Error("top() on a empty array".into()))
        },
        "insert" => |ctx: &mut Cx<'_>, args: &[Value]| -> R {
            arity(args, 2, 2)?;
            let r = this(ctx)?;
            let i = int_arg(args, 0)?;
            let len = ctx.heap.array(r).len();
            let i = usize::try_from(i).ok().filter(|i| *i <= len).ok_or_else(|| Interrupt::Error("index out of range".into()))?;
            ctx.charge_values(len - i)?;
            let v = args[1];
            ctx.heap.array_edit(r, |a| a.insert(i, v))?;
            Ok(Value::Null)
        },
        "remove" => |ctx: &mut Cx<'_>, args: &[Value]| -> R {
            arity(args, 1, 1)?;
            let r = this(ctx)?;
            let i = int_arg(args, 0)?;
            let len = ctx.heap.array(r).len();
            let i = usize::try_from(i).ok().filter(|i| *i < len).ok_or_else(|| Interrupt::Error("index out of range".into()))?;
            ctx.charge_values(len - i)?;
            Ok(ctx.heap.array_edit(r, |a| a.remove(i))?)
        },
        "resize" => |ctx: &mut Cx<'_>, args: &[Value]| -> R {
            arity(args, 1, 2)?;
            let r = this(ctx)?;
            let n = usize::try_from(int_arg(args, 0)?).map_err(|_| Interrupt::Error("negative size".into()))?;
            let grow = n.saturating_sub(ctx.heap.array(r).len());
            ctx.heap.ensure_room(grow.saturating_mul(8))?;
            ctx.charge_values(grow)?;
            ctx.heap.array_resize(r, n, args.get(1).copied().unwrap_or(Value::Null))?;
            Ok(Value::Null)
        },
        "reverse" => |ctx: &mut Cx<'_>, args: &[Value]| -> R {
            arity(args, 0, 0)?;
            let r = this(ctx)?;
            ctx.charge_values(ctx.heap.array(r).len())?;
            ctx.heap.array_edit(r, |a| a.reverse())?;
            Ok(ctx.this())
        },
        "clear" => |ctx: &mut Cx<'_>, args: &[Value]| -> R {
            arity(args, 0, 0)?;
            let r = this(ctx)?;
            ctx.heap.array_edit(r, |a| a.clear())?;
            Ok(Value::Null)
        },
        "slice" => |ctx: &mut Cx<'_>, args: &[Value]| -> R {
            let r = this(ctx)?;
            let (a, b) = slice_bounds(args, ctx.heap.array(r).len())?;
            ctx.charge_values(b - a)?;
            let items = ctx.heap.array(r)[a..b].to_vec();
            ctx.heap.ensure_room(items.len() * 8)?;
            Ok(ctx.heap.new_array(items)?)
        },
        "find" => |ctx: &mut Cx<'_>, args: &[Value]| -> R {
            arity(args, 1, 1)?;
            let r = this(ctx)?;
            ctx.charge_values(ctx.heap.array(r).len())?;
            let hit = ctx.heap.array(r).iter().position(|v| ops::equals(*v, args[0]));
            Ok(hit.map_or(Value::Null, |i| Value::Int(i as i32)))
        },
        "tostring" => tostring,
    });
}

fn this(ctx: &Cx<'_>) -> Result<GcRef, Interrupt<Parked>> {
    match ctx.this() {
        Value::Array(r) => Ok(r),
        v => Err(bad_type(0, v, "array")),
    }
}

fn push(ctx: &mut Cx<'_>, args: &[Value]) -> R {
    arity(args, 1, 1)?;
    let r = this(ctx)?;
    ctx.heap.array_push(r, args[0])?;
    Ok(Value::Null)
}
