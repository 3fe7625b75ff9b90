//! The `math` table. Floats are 32-bit (a SPEC §14 choice); `rand` draws from the VM's own
//! seeded stream ([`crate::Vm::seed`]).

use super::{arity, float_arg, int_arg, natives, R};
use crate::host::Cx;
use crate::machine::Machine;
use crate::rand::RAND_MAX;
use crate::value::Value;

macro_rules! float_fn {
    ($f:expr) => {
        |_: &mut Cx<'_>, args: &[Value]| -> R {
            arity(args, 1, 1)?;
            let x = float_arg(args, 0)?;
            Ok(Value::Float($f(x)))
        }
    };
}

pub(crate) fn install(vm: &mut Machine) {
    let Ok(math) = vm.new_global_table("math") else {
        return;
    };
    let _ = vm.set_slot(math, "PI", Value::Float(std::f32::consts::PI));
    let _ = vm.set_slot(math, "RAND_MAX", Value::Int(RAND_MAX));
    // Squirrel's standard math library also puts RAND_MAX in the root table, and libraries use
    // it there (Electric Imp's Messenger: `_nextId %= RAND_MAX`, on device and agent alike).
    let root = vm.root();
    let _ = vm.set_slot(root, "RAND_MAX", Value::Int(RAND_MAX));
    natives!(vm, math, {
        "abs" => |_: &mut Cx<'_>, args: &[Value]| -> R {
            arity(args, 1, 1)?;
            Ok(Value::Int(int_arg(args, 0)?.wrapping_abs()))
        },
        "fabs" => float_fn!(f32::abs),
        "floor" => float_fn!(libm::floorf),
        "ceil" => float_fn!(libm::ceilf),
        "sqrt" => float_fn!(libm::sqrtf),
        "sin" => float_fn!(libm::sinf),
        "cos" => float_fn!(libm::cosf),
        "tan" => float_fn!(libm::tanf),
        "asin" => float_fn!(libm::asinf),
        "acos" => float_fn!(libm::acosf),
        "atan" => float_fn!(libm::atanf),
        "exp" => float_fn!(libm::expf),
        "log" => float_fn!(libm::logf),
        "log10" => float_fn!(libm::log10f),
        "pow" => |_: &mut Cx<'_>, args: &[Value]| -> R {
            arity(args, 2, 2)?;
            Ok(Value::Float(libm::powf(float_arg(args, 0)?, float_arg(args, 1)?)))
        },
        "atan2" => |_: &mut Cx<'_>, args: &[Value]| -> R {
            arity(args, 2, 2)?;
            Ok(Value::Float(libm::atan2f(float_arg(args, 0)?, float_arg(args, 1)?)))
        },
        "rand" => |ctx: &mut Cx<'_>, args: &[Value]| -> R {
            arity(args, 0, 0)?;
            Ok(Value::Int(ctx.rand().next_int()))
        },
        "srand" => |ctx: &mut Cx<'_>, args: &[Value]| -> R {
            arity(args, 1, 1)?;
            *ctx.rand() = crate::rand::Rand::new(int_arg(args, 0)? as u32 as u64);
            Ok(Value::Null)
        },
    });
}
