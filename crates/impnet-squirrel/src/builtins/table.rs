//! Methods of tables, functions, classes and instances.

use super::string::tostring;
use super::{arity, bad_type, natives, R};
use crate::heap::Closure;
use crate::host::{Cx, Interrupt};
use crate::machine::Machine;
use crate::ops;
use crate::value::Value;

pub(crate) fn install(vm: &mut Machine) {
    let table = Value::Table(vm.delegates.table);
    natives!(vm, table, {
        "len" => |ctx: &mut Cx<'_>, args: &[Value]| -> R {
            arity(args, 0, 0)?;
            let Value::Table(r) = ctx.this() else { return Ok(Value::Int(0)) };
            Ok(Value::Int(ctx.heap.table(r).len() as i32))
        },
        "rawget" => rawget,
        "rawin" => rawin,
        "rawset" => |ctx: &mut Cx<'_>, args: &[Value]| -> R {
            arity(args, 2, 2)?;
            let Value::Table(r) = ctx.this() else { return Err(bad_type(0, ctx.this(), "table")) };
            if let Value::Null = args[0] {
                return Err(Interrupt::Error("null cannot be used as index".into()));
            }
            ctx.heap.table_insert(r, args[0], args[1])?;
            Ok(ctx.this())
        },
        "rawdelete" => |ctx: &mut Cx<'_>, args: &[Value]| -> R {
            arity(args, 1, 1)?;
            let Value::Table(r) = ctx.this() else { return Err(bad_type(0, ctx.this(), "table")) };
            ctx.charge(crate::work::entries(ctx.heap.table_remove_shift(r, args[0])))?;
            Ok(ctx.heap.table_remove(r, args[0]).unwrap_or(Value::Null))
        },
        "clear" => |ctx: &mut Cx<'_>, args: &[Value]| -> R {
            arity(args, 0, 0)?;
            if let Value::Table(r) = ctx.this() {
                ctx.charge_values(ctx.heap.table(r).len())?;
                ctx.heap.table_clear(r);
            }
            Ok(ctx.this())
        },
        "tostring" => tostring,
    });

    let function = Value::Table(vm.delegates.function);
    natives!(vm, function, {
        // `f.call(env, args...)`: calls with `this` = env.
        "call" => call,
        "pcall" => call,
        // `f.acall([env, args...])`.
        "acall" => |ctx: &mut Cx<'_>, args: &[Value]| -> R {
            arity(args, 1, 1)?;
            let Value::Array(a) = args[0] else { return Err(bad_type(0, args[0], "array")) };
            ctx.charge_values(ctx.heap.array(a).len())?;
            let items = ctx.heap.array(a).clone();
            let Some((this, rest)) = items.split_first() else { return Err(Interrupt::Error("wrong number of parameters".into())) };
            Err(Interrupt::Call { callee: ctx.this(), this: *this, args: rest.to_vec() })
        },
        "pacall" => |ctx: &mut Cx<'_>, args: &[Value]| -> R {
            arity(args, 1, 1)?;
            let Value::Array(a) = args[0] else { return Err(bad_type(0, args[0], "array")) };
            ctx.charge_values(ctx.heap.array(a).len())?;
            let items = ctx.heap.array(a).clone();
            let Some((this, rest)) = items.split_first() else { return Err(Interrupt::Error("wrong number of parameters".into())) };
            Err(Interrupt::Call { callee: ctx.this(), this: *this, args: rest.to_vec() })
        },
        "bindenv" => |ctx: &mut Cx<'_>, args: &[Value]| -> R {
            arity(args, 1, 1)?;
            match ctx.this() {
                Value::Closure(r) => {
                    let c = ctx.heap.closure(r);
                    let copy = Closure {
                        proto: c.proto,
                        outers: c.outers.clone(),
                        defaults: c.defaults.clone(),
                        env: Some(args[0]),
                        base: c.base,
                    };
                    Ok(Value::Closure(ctx.heap.alloc(crate::heap::Obj::Closure(copy))?))
                }
                // Natives take `this` from the call; binding changes nothing.
                other => Ok(other),
            }
        },
        "tostring" => tostring,
    });

    let class = Value::Table(vm.delegates.class);
    natives!(vm, class, {
        "rawget" => rawget,
        "rawin" => rawin,
        "instance" => |ctx: &mut Cx<'_>, _: &[Value]| -> R {
            let Value::Class(c) = ctx.this() else { return Err(bad_type(0, ctx.this(), "class")) };
            ctx.charge_values(ctx.heap.class(c).defaults.len())?;
            let fields = ctx.heap.class(c).defaults.clone();
            ctx.heap.ensure_room(fields.len() * 8)?;
            let i = ctx.heap.alloc(crate::heap::Obj::Instance(crate::heap::Instance { class: c, fields }))?;
            Ok(Value::Instance(i))
        },
        "getbase" => |ctx: &mut Cx<'_>, _: &[Value]| -> R {
            let Value::Class(c) = ctx.this() else { return Ok(Value::Null) };
            Ok(ctx.heap.class(c).base.map_or(Value::Null, Value::Class))
        },
        "tostring" => tostring,
    });

    let instance = Value::Table(vm.delegates.instance);
    natives!(vm, instance, {
        "rawget" => rawget,
        "rawin" => rawin,
        "getclass" => |ctx: &mut Cx<'_>, _: &[Value]| -> R {
            let Value::Instance(i) = ctx.this() else { return Ok(Value::Null) };
            Ok(Value::Class(ctx.heap.instance(i).class))
        },
        "tostring" => tostring,
    });
}

/// The slot of `this` (a table, class or instance) without the built-in methods.
fn raw_lookup(ctx: &Cx<'_>, key: Value) -> Option<Value> {
    match ctx.this() {
        Value::Table(r) => ctx.heap.table(r).get(&key).copied(),
        Value::Class(r) => {
            let c = ctx.heap.class(r);
            c.members
                .get(&key)
                .map(|m| m.field.map_or(m.value, |f| c.defaults[f as usize]))
        }
        Value::Instance(r) => {
            let i = ctx.heap.instance(r);
            let c = ctx.heap.class(i.class);
            c.members
                .get(&key)
                .map(|m| m.field.map_or(m.value, |f| i.fields[f as usize]))
        }
        _ => None,
    }
}

fn rawget(ctx: &mut Cx<'_>, args: &[Value]) -> R {
    arity(args, 1, 1)?;
    raw_lookup(ctx, args[0]).ok_or_else(|| {
        Interrupt::Error(format!(
            "the index '{}' does not exist",
            ops::key_repr(ctx.heap, args[0])
        ))
    })
}

fn rawin(ctx: &mut Cx<'_>, args: &[Value]) -> R {
    arity(args, 1, 1)?;
    Ok(Value::Bool(raw_lookup(ctx, args[0]).is_some()))
}

fn call(ctx: &mut Cx<'_>, args: &[Value]) -> R {
    let Some((this, rest)) = args.split_first() else {
        return Err(Interrupt::Error("wrong number of parameters".into()));
    };
    Err(Interrupt::Call {
        callee: ctx.this(),
        this: *this,
        args: rest.to_vec(),
    })
}
