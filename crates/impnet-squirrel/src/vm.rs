//! [`Vm`]: the VM as a host holds it, typed by its host. Every method is a few lines over the
//! host-agnostic [`Machine`], which holds the interpreter, the built-ins and the compiler: a
//! program with three kinds of host carries them once, not three times.

use crate::error::{CompileError, StackFrame};
use crate::heap::{Heap, OutOfMemory};
use crate::host::{erase, Ctx, Handle, Host, Limits, NativeResult, Outcome, Seat};
use crate::machine::{Location, Machine, TaskBusy};
use crate::value::Value;

/// A Squirrel VM carrying host data `H`. See the crate docs for the whole cycle.
pub struct Vm<H: Host> {
    /// The host's own state, handed to every native as [`Ctx::host`].
    pub host: H,
    machine: Machine,
    /// A suspending native's payload, from its return until [`Vm::run`] hands it over.
    parked: Option<H::Suspend>,
}

impl<H: Host> Vm<H> {
    /// A VM with the built-in library in its root table (Squirrel's base functions, `math`,
    /// `blob`, the string and array methods) and SPEC §14's default [`Limits`].
    pub fn new(host: H) -> Vm<H> {
        Vm {
            host,
            machine: Machine::new(),
            parked: None,
        }
    }

    /// Runs the current task for at most `fuel` instructions.
    ///
    /// Returns [`Outcome::Finished`] with the task's result, [`Outcome::Suspended`] when a native
    /// suspended (call [`Vm::resume`] then `run` again), [`Outcome::Error`] when the task failed
    /// (uncaught error, watchdog, memory or call depth), or [`Outcome::OutOfFuel`] when `fuel`
    /// ran out first (`run` again to continue). On an idle VM it returns `Finished(null)`; on a
    /// suspended one it first resumes the call with `null`.
    pub fn run(&mut self, fuel: u64) -> Outcome<H::Suspend> {
        let mut seat = Seat::new(&mut self.host, &mut self.parked);
        match self.machine.run(&mut seat, fuel) {
            Outcome::Finished(v) => Outcome::Finished(v),
            Outcome::Suspended(()) => match self.parked.take() {
                Some(p) => Outcome::Suspended(p),
                None => unreachable!("a native suspends through `erase`, which parks its payload"),
            },
            Outcome::Error(e) => Outcome::Error(e),
            Outcome::OutOfFuel => Outcome::OutOfFuel,
        }
    }

    pub fn limits(&self) -> Limits {
        self.machine.limits()
    }

    pub fn set_limits(&mut self, limits: Limits) {
        self.machine.set_limits(limits);
    }

    /// Seeds `math.rand()`'s stream (default seed 0).
    pub fn seed(&mut self, seed: u64) {
        self.machine.seed(seed);
    }

    pub fn heap(&self) -> &Heap {
        self.machine.heap()
    }

    pub fn heap_mut(&mut self) -> &mut Heap {
        self.machine.heap_mut()
    }

    /// The root table.
    pub fn root(&self) -> Value {
        self.machine.root()
    }

    // ---- natives ----

    /// A native function value, to store anywhere (a table slot, a class member).
    pub fn native(
        &mut self,
        name: &str,
        f: impl Fn(&mut Ctx<'_, H>, &[Value]) -> NativeResult<H::Suspend> + 'static,
    ) -> Value {
        self.machine.native(name, erase(f))
    }

    /// Registers a native as `table.name` (`table` a table or class value).
    pub fn register_in(
        &mut self,
        table: Value,
        name: &str,
        f: impl Fn(&mut Ctx<'_, H>, &[Value]) -> NativeResult<H::Suspend> + 'static,
    ) -> Result<(), OutOfMemory> {
        self.machine.register_in(table, name, erase(f))
    }

    /// Registers a native in the root table (a global function).
    pub fn register(
        &mut self,
        name: &str,
        f: impl Fn(&mut Ctx<'_, H>, &[Value]) -> NativeResult<H::Suspend> + 'static,
    ) -> Result<(), OutOfMemory> {
        let root = self.root();
        self.register_in(root, name, f)
    }

    /// `table.name <- value` for a table or class (`table` the root for a global).
    pub fn set_slot(&mut self, table: Value, name: &str, value: Value) -> Result<(), OutOfMemory> {
        self.machine.set_slot(table, name, value)
    }

    /// A new empty table in the root table under `name` (e.g. `server`), to register natives in.
    pub fn new_global_table(&mut self, name: &str) -> Result<Value, OutOfMemory> {
        self.machine.new_global_table(name)
    }

    // ---- handles ----

    /// Keeps `v` alive (and reachable by the host) until [`Vm::release`].
    pub fn keep(&mut self, v: Value) -> Handle {
        self.machine.keep(v)
    }

    pub fn release(&mut self, h: Handle) -> Option<Value> {
        self.machine.release(h)
    }

    pub fn handle(&self, h: Handle) -> Option<Value> {
        self.machine.handle(h)
    }

    // ---- programs and tasks ----

    /// Compiles `source` (named `file` in errors and traces) to a closure of its top level,
    /// without running it. `const`/`enum` declarations stay visible to later loads.
    pub fn compile(&mut self, file: &str, source: &str) -> Result<Value, CompileError> {
        self.machine.compile(file, source)
    }

    /// Compiles `source` and starts it as the current task (its top level runs with `this` the
    /// root table). Then [`Vm::run`] it.
    pub fn load(&mut self, file: &str, source: &str) -> Result<(), CompileError> {
        self.machine.load(file, source)
    }

    /// Starts a task calling `callee` (a function, or a class to instantiate) with `args`.
    /// `this` is the closure's bound environment if it has one, else the root table. Refused
    /// while another task is unfinished (tasks run one at a time, to completion).
    pub fn start(&mut self, callee: Value, args: &[Value]) -> Result<(), TaskBusy> {
        self.machine.start(callee, args)
    }

    /// [`Vm::start`] on a kept value.
    pub fn start_handle(&mut self, h: Handle, args: &[Value]) -> Result<(), TaskBusy> {
        self.machine.start_handle(h, args)
    }

    /// True when no task is running or suspended.
    pub fn is_idle(&self) -> bool {
        self.machine.is_idle()
    }

    /// True while a native's suspension awaits [`Vm::resume`].
    pub fn is_suspended(&self) -> bool {
        self.machine.is_suspended()
    }

    /// Gives the suspended native call its result; the next [`Vm::run`] continues after it.
    pub fn resume(&mut self, value: Value) {
        self.machine.resume(value);
    }

    /// Makes the suspended native call throw `message` when the task continues.
    pub fn resume_error(&mut self, message: impl Into<String>) {
        self.machine.resume_error(message.into());
    }

    /// Ends the current task where it stands (e.g. the device deep-sleeps while a call is
    /// blocked): its frames are dropped, the VM is idle; globals and handles stay.
    pub fn abort(&mut self) {
        self.machine.abort();
    }

    /// Instructions the current (or last) task has executed.
    pub fn task_instructions(&self) -> u64 {
        self.machine.task_instructions()
    }

    /// Where the current task is: for a suspended task, the line of the call that suspended.
    pub fn location(&self) -> Option<Location> {
        self.machine.location()
    }

    /// The script call stack, innermost first.
    pub fn call_stack(&self) -> Vec<StackFrame> {
        self.machine.call_stack()
    }

    /// Frees every object no task, root table or handle can reach. Runs by itself as the heap
    /// grows; a host may call it between tasks.
    pub fn collect_garbage(&mut self) {
        self.machine.collect_garbage();
    }
}
