//! The built-in library: Squirrel's base functions, the string/blob/math libraries impOS
//! ships, and each type's methods (the default delegates). Methods that call back into script
//! code (`map`, `filter`, `reduce`, `apply`, `sort`) are written in Squirrel (`prelude.nut`),
//! so a native suspending inside their callback is no special case.

mod array;
mod base;
mod blob;
pub mod format;
mod math;
mod string;
mod table;

use crate::host::{Interrupt, NativeResult, Parked, Seat};
use crate::machine::Machine;
use crate::value::Value;

/// What a built-in returns: built-ins never suspend.
pub(crate) type R = NativeResult<Parked>;

const PRELUDE: &str = include_str!("prelude.nut");

pub(crate) fn install(vm: &mut Machine) {
    base::install(vm);
    string::install(vm);
    array::install(vm);
    table::install(vm);
    blob::install(vm);
    math::install(vm);
    // The prelude returns a table of array methods written in Squirrel.
    let prelude = vm
        .compile("<builtin>", PRELUDE)
        .expect("the prelude compiles");
    // No host yet: the prelude calls built-ins only.
    let (mut host, mut parked) = ((), None::<()>);
    let mut seat = Seat::new(&mut host, &mut parked);
    if vm.start(prelude, &[]).is_ok() {
        if let crate::Outcome::Finished(Value::Table(t)) = vm.run(&mut seat, 1_000_000) {
            let methods: Vec<(Value, Value)> =
                vm.heap.table(t).iter().map(|(k, v)| (*k, *v)).collect();
            for (k, v) in methods {
                let _ = vm.heap.table_insert(vm.delegates.array, k, v);
            }
        }
    }
}

/// Fails with Squirrel's message unless `min <= args.len() <= max`.
pub(crate) fn arity<S>(args: &[Value], min: usize, max: usize) -> Result<(), Interrupt<S>> {
    if args.len() < min || args.len() > max {
        return Err(Interrupt::Error("wrong number of parameters".into()));
    }
    Ok(())
}

pub(crate) fn bad_type<S>(i: usize, v: Value, expected: &str) -> Interrupt<S> {
    Interrupt::Error(format!(
        "parameter {} has an invalid type '{}' ; expected: '{expected}'",
        i + 1,
        v.type_name()
    ))
}

pub(crate) fn int_arg<S>(args: &[Value], i: usize) -> Result<i32, Interrupt<S>> {
    match args.get(i).copied().unwrap_or(Value::Null) {
        Value::Int(n) => Ok(n),
        Value::Float(f) => Ok(f as i32),
        v => Err(bad_type(i, v, "integer|float")),
    }
}

pub(crate) fn float_arg<S>(args: &[Value], i: usize) -> Result<f32, Interrupt<S>> {
    match args.get(i).copied().unwrap_or(Value::Null) {
        Value::Int(n) => Ok(n as f32),
        Value::Float(f) => Ok(f),
        v => Err(bad_type(i, v, "integer|float")),
    }
}

pub(crate) fn str_arg<'h, S>(
    heap: &'h crate::Heap,
    args: &[Value],
    i: usize,
) -> Result<&'h [u8], Interrupt<S>> {
    match args.get(i).copied().unwrap_or(Value::Null) {
        Value::Str(r) => Ok(heap.str_bytes(r)),
        v => Err(bad_type(i, v, "string")),
    }
}

/// Registers natives into a table value.
macro_rules! natives {
    ($vm:expr, $table:expr, { $($name:literal => $f:expr,)* }) => {{
        let table = $table;
        $( let _ = $vm.register_in(table, $name, crate::host::builtin($f)); )*
    }};
}
pub(crate) use natives;
