//! A Squirrel 3.0 interpreter in pure Rust, as impOS runs the language: 32-bit integers that
//! wrap, 32-bit floats, tables that iterate in insertion order, classes, closures, blobs. It
//! knows nothing of imps: a host binds its own natives.
//!
//! The source goes through [`lexer`] (public: editors colour code with [`lexer::highlight`]),
//! a parser, and a compiler to compact stack bytecode. The VM keeps its frames on its own
//! stack, so a native function can **suspend** the VM at any call depth (inside a method,
//! inside a closure, inside a loop): [`Vm::run`] returns [`Outcome::Suspended`] and the host
//! later gives the call its value with [`Vm::resume`].
//!
//! # Tasks, fuel and limits
//! A *task* is one call run to completion: the program's top level ([`Vm::load`]) or a
//! callback the host kept ([`Vm::keep`], [`Vm::start_handle`]). Tasks run one at a time;
//! [`Vm::start`] refuses while one is unfinished. [`Vm::run`] executes at most `fuel`
//! instructions and returns [`Outcome::OutOfFuel`] when they are spent (charge a run-wide
//! budget with it; [`Vm::task_instructions`] says how many a task used). Work that grows with
//! a native's operands (a `find`, a string `+`, an `insert(0)`) is charged in instructions too,
//! by the weights in [`work`], and may take one run past its fuel, never past the watchdog. The [`Limits`] end a
//! task with an [`Outcome::Error`] whose [`RuntimeError::kind`] says which: a task past
//! 10 000 000 instructions ([`ErrorKind::Watchdog`], not catchable), a heap past 64 MiB
//! ([`ErrorKind::Memory`]), calls nested past 200 ([`ErrorKind::CallDepth`]).
//!
//! # Example: a native that suspends, and a callback task
//! ```
//! use impnet_squirrel::{Host, Interrupt, Outcome, Value, Vm};
//!
//! struct Device { sent: Vec<String>, callback: Option<impnet_squirrel::Handle> }
//! enum Blocked { Send(String) }
//! impl Host for Device { type Suspend = Blocked; }
//!
//! let mut vm = Vm::new(Device { sent: vec![], callback: None });
//! // `agent.send(name, value)` blocks: the host decides later what it returns.
//! let agent = vm.new_global_table("agent").unwrap();
//! vm.register_in(agent, "send", |ctx, args| {
//!     let name = ctx.to_string(args[0]);
//!     Err(Interrupt::Suspend(Blocked::Send(name)))
//! }).unwrap();
//! // `agent.on(fn)` keeps a callback for later.
//! vm.register_in(agent, "on", |ctx, args| {
//!     let h = ctx.keep(args[0]);
//!     ctx.host.callback = Some(h);
//!     Ok(Value::Null)
//! }).unwrap();
//!
//! vm.load("device.nut", r#"
//!     class Sender {
//!         function go(n) { local r = agent.send("reading", n); return r * 2; }
//!     }
//!     local s = Sender();
//!     agent.on(function(x) { return x + 1; });
//!     return s.go(5);
//! "#).unwrap();
//!
//! let Outcome::Suspended(Blocked::Send(name)) = vm.run(1_000_000) else { panic!() };
//! assert_eq!(name, "reading");
//! assert_eq!(vm.location().unwrap().line, 3); // the line of the blocking call
//! vm.resume(Value::Int(21));
//! let Outcome::Finished(v) = vm.run(1_000_000) else { panic!() };
//! assert_eq!(v, Value::Int(42));
//!
//! // Later, with the VM idle: run the kept callback as a new task.
//! let h = vm.host.callback.unwrap();
//! vm.start_handle(h, &[Value::Int(1)]).unwrap();
//! let Outcome::Finished(v) = vm.run(1_000_000) else { panic!() };
//! assert_eq!(v, Value::Int(2));
//! ```
//!
//! # Values and the heap
//! A [`Value`] is 8 bytes and `Copy`; strings, tables, arrays, closures, classes, instances and
//! blobs live in the VM's [`Heap`], which accounts their bytes and collects garbage between
//! instructions. A value the host holds stays valid only while the VM can reach it: keep it
//! with [`Vm::keep`] across runs.

mod access;
mod ast;
mod builtins;
mod bytecode;
mod cache;
mod call;
mod compiler;
mod error;
mod exec;
mod heap;
mod host;
pub mod lexer;
mod machine;
mod ops;
mod parser;
mod rand;
mod rare;
mod value;
mod vm;
pub mod work;

pub use error::{CompileError, ErrorKind, RuntimeError, StackFrame};
pub use heap::{Heap, OutOfMemory};
pub use host::{Ctx, Handle, Host, Interrupt, Limits, NativeFn, NativeResult, Outcome};
pub use machine::{Location, TaskBusy};
pub use ops::{fmt_float, to_display};
pub use rand::{Rand, RAND_MAX};
pub use value::{GcRef, NativeId, Value};
pub use vm::Vm;

/// Parses and compiles `source` without running it: `Ok` or the first error as
/// `file:line:col: message`.
pub fn check(file: &str, source: &str) -> Result<(), CompileError> {
    // No VM (and no built-in library): only what compiling needs.
    let def = parser::parse_program(file, source)?;
    let mut heap = Heap::new(Limits::default().heap_bytes);
    let (mut protos, mut constants) = (Vec::new(), std::collections::HashMap::new());
    compiler::Compiler::new(&mut heap, &mut protos, &mut constants)
        .program(&def)
        .map(|_| ())
}
