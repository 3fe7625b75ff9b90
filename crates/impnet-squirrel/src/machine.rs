//! The VM's body, the same whatever its host: its state and the host-facing operations
//! [`crate::Vm`] forwards to (load a program, register natives, run tasks with fuel, suspend
//! and resume, keep handles). It sees the host only as a [`crate::host::Seat`], so the
//! interpreter, the built-ins and the compiler are compiled once per program, not once per host
//! type.

use std::collections::HashMap;
use std::rc::Rc;

use crate::ast::Constant;
use crate::bytecode::Proto;
use crate::cache::Caches;
use crate::compiler::Compiler;
use crate::error::{CompileError, ErrorKind, RuntimeError, StackFrame};
use crate::heap::{Closure, Heap, Obj, OutOfMemory};
use crate::host::{Handle, Handles, Interrupt, Limits, Native};
use crate::ops::Fault;
use crate::parser::parse_program;
use crate::rand::Rand;
use crate::value::{GcRef, NativeId, Value};

#[derive(Clone, Copy, Debug)]
pub(crate) enum FrameKind {
    Call,
    /// A constructor run by `Class(...)`: returns `this` (the new instance).
    Constructor,
    /// An instance's `_tostring` run for `+` with a string (Squirrel's StringCat): its result
    /// replaces the operand this many slots below the call, and the `+` runs again.
    Operand(u8),
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct Frame {
    pub closure: GcRef,
    pub proto: u32,
    pub ip: u32,
    /// Stack index of slot 0 (`this`); the callee sits just below.
    pub base: u32,
    pub kind: FrameKind,
}

/// A `try` in progress: where to unwind to.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Trap {
    pub frame: u32,
    pub stack: u32,
    pub handler: u32,
}

/// The per-type method tables (Squirrel's default delegates).
#[derive(Clone, Copy)]
pub(crate) struct Delegates {
    pub table: GcRef,
    pub array: GcRef,
    pub string: GcRef,
    pub number: GcRef,
    pub function: GcRef,
    pub class: GcRef,
    pub instance: GcRef,
    pub blob: GcRef,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TaskState {
    Idle,
    Running,
    /// A native suspended; its result goes to this stack slot.
    Suspended {
        slot: u32,
    },
}

/// Where a running or suspended task is: the innermost script frame's file and line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    pub file: Rc<str>,
    pub line: u32,
    /// The innermost script function's name.
    pub function: String,
}

/// The VM without its host. See the crate docs for the whole cycle.
pub(crate) struct Machine {
    pub(crate) heap: Heap,
    pub(crate) stack: Vec<Value>,
    pub(crate) frames: Vec<Frame>,
    pub(crate) traps: Vec<Trap>,
    /// Open outers by absolute stack slot, ascending.
    pub(crate) open_outers: Vec<(u32, GcRef)>,
    pub(crate) protos: Vec<Rc<Proto>>,
    /// The lookup caches of `protos`' instructions.
    pub(crate) caches: Caches,
    pub(crate) natives: Vec<(Rc<str>, Native)>,
    /// The file a native called with no script frame sees (a task that calls a native).
    pub(crate) no_file: Rc<str>,
    pub(crate) root: GcRef,
    pub(crate) delegates: Delegates,
    pub(crate) constants: HashMap<String, Constant>,
    pub(crate) handles: Handles,
    pub(crate) limits: Limits,
    pub(crate) state: TaskState,
    /// Instructions the current task has executed, with the work natives and variable-cost
    /// instructions charged ([`crate::work`]).
    pub(crate) task_instructions: u64,
    /// Work charged ([`Machine::charge`], [`crate::Ctx::charge`]) and not yet taken from the fuel.
    pub(crate) work: u64,
    /// What `work` may reach before the task's watchdog refuses (set before each step that
    /// may charge).
    pub(crate) work_cap: u64,
    /// The fault the loop stopped with, until `run` unwinds it.
    pub(crate) fault: Option<Fault>,
    /// Instructions the running dispatch may still execute (a field, not a local of the
    /// loop: one memory operand per instruction instead of a register spilled and reloaded).
    pub(crate) left: u64,
    /// Work paid past the end of a dispatch's fuel (see [`crate::Vm::run`]).
    pub(crate) overdraw: u64,
    pub(crate) rand: Rand,
    /// A value to throw into the suspended call on the next run ([`crate::Vm::resume_error`]).
    pub(crate) resume_fault: Option<String>,
    /// Arguments of a task's first call, made by the next `run`.
    pub(crate) pending_call: Option<u16>,
}

impl Machine {
    /// A VM with the built-in library in its root table (Squirrel's base functions, `math`,
    /// `blob`, the string and array methods) and SPEC §14's default [`Limits`].
    pub fn new() -> Machine {
        let mut heap = Heap::new(Limits::default().heap_bytes);
        let mut table = || match heap.new_table() {
            Ok(Value::Table(r)) => r,
            _ => unreachable!("a fresh heap has room for a table"),
        };
        let root = table();
        let delegates = Delegates {
            table: table(),
            array: table(),
            string: table(),
            number: table(),
            function: table(),
            class: table(),
            instance: table(),
            blob: table(),
        };
        let mut vm = Machine {
            heap,
            stack: Vec::with_capacity(256),
            frames: Vec::with_capacity(32),
            traps: Vec::new(),
            open_outers: Vec::new(),
            protos: Vec::new(),
            caches: Caches::default(),
            natives: Vec::new(),
            no_file: Rc::from(""),
            root,
            delegates,
            constants: HashMap::new(),
            handles: Handles::default(),
            limits: Limits::default(),
            state: TaskState::Idle,
            task_instructions: 0,
            work: 0,
            work_cap: 0,
            fault: None,
            left: 0,
            overdraw: 0,
            rand: Rand::new(0),
            resume_fault: None,
            pending_call: None,
        };
        crate::builtins::install(&mut vm);
        vm
    }

    pub fn limits(&self) -> Limits {
        self.limits
    }

    pub fn set_limits(&mut self, limits: Limits) {
        self.limits = limits;
        self.heap.set_limit(limits.heap_bytes);
    }

    /// Seeds `math.rand()`'s stream (default seed 0).
    pub fn seed(&mut self, seed: u64) {
        self.rand = Rand::new(seed);
    }

    pub fn heap(&self) -> &Heap {
        &self.heap
    }

    pub fn heap_mut(&mut self) -> &mut Heap {
        &mut self.heap
    }

    /// The root table.
    pub fn root(&self) -> Value {
        Value::Table(self.root)
    }

    // ---- natives ----

    /// A native function value, to store anywhere (a table slot, a class member).
    pub fn native(&mut self, name: &str, f: Native) -> Value {
        self.natives.push((name.into(), f));
        Value::Native(NativeId(self.natives.len() as u32 - 1))
    }

    /// Registers a native as `table.name` (`table` a table or class value).
    pub fn register_in(&mut self, table: Value, name: &str, f: Native) -> Result<(), OutOfMemory> {
        let v = self.native(name, f);
        self.set_slot(table, name, v)
    }

    /// `table.name <- value` for a table or class (`table` the root for a global).
    pub fn set_slot(&mut self, table: Value, name: &str, value: Value) -> Result<(), OutOfMemory> {
        let key = self.heap.str(name)?;
        match table {
            Value::Table(r) => self.heap.table_insert(r, key, value),
            Value::Class(c) => self.class_set(c, key, value, true).map_err(|_| OutOfMemory),
            _ => Ok(()),
        }
    }

    /// A new empty table in the root table under `name` (e.g. `server`), to register natives in.
    pub fn new_global_table(&mut self, name: &str) -> Result<Value, OutOfMemory> {
        let t = self.heap.new_table()?;
        self.set_slot(self.root(), name, t)?;
        Ok(t)
    }

    // ---- handles ----

    /// Keeps `v` alive (and reachable by the host) until [`crate::Vm::release`].
    pub fn keep(&mut self, v: Value) -> Handle {
        self.handles.keep(v)
    }

    pub fn release(&mut self, h: Handle) -> Option<Value> {
        self.handles.release(h)
    }

    pub fn handle(&self, h: Handle) -> Option<Value> {
        self.handles.get(h)
    }

    // ---- programs and tasks ----

    /// Compiles `source` (named `file` in errors and traces) to a closure of its top level,
    /// without running it. `const`/`enum` declarations stay visible to later loads.
    pub fn compile(&mut self, file: &str, source: &str) -> Result<Value, CompileError> {
        let def = parse_program(file, source)?;
        let mut compiler = Compiler::new(&mut self.heap, &mut self.protos, &mut self.constants);
        let main = compiler.program(&def);
        self.caches.cover(&self.protos);
        let main = main?;
        let oom = |_| CompileError {
            file: file.into(),
            line: 1,
            col: 1,
            message: "out of memory".into(),
        };
        let closure = self
            .make_closure(main, Box::new([]), Box::new([]))
            .map_err(oom)?;
        Ok(closure)
    }

    /// Compiles `source` and starts it as the current task (its top level runs with `this` the
    /// root table). Then [`crate::Vm::run`] it.
    pub fn load(&mut self, file: &str, source: &str) -> Result<(), CompileError> {
        let main = self.compile(file, source)?;
        if self.start(main, &[]).is_err() {
            return Err(CompileError {
                file: file.into(),
                line: 1,
                col: 1,
                message: "a task is already running".into(),
            });
        }
        Ok(())
    }

    /// Starts a task calling `callee` (a function, or a class to instantiate) with `args`.
    /// `this` is the closure's bound environment if it has one, else the root table. Refused
    /// while another task is unfinished (tasks run one at a time, to completion).
    pub fn start(&mut self, callee: Value, args: &[Value]) -> Result<(), TaskBusy> {
        if self.state != TaskState::Idle {
            return Err(TaskBusy);
        }
        self.stack.clear();
        self.frames.clear();
        self.traps.clear();
        self.task_instructions = 0;
        self.stack.push(callee);
        self.stack.push(self.root());
        self.stack.extend_from_slice(args);
        self.state = TaskState::Running;
        self.pending_call = Some(args.len() as u16);
        Ok(())
    }

    /// [`crate::Vm::start`] on a kept value.
    pub fn start_handle(&mut self, h: Handle, args: &[Value]) -> Result<(), TaskBusy> {
        let callee = self.handles.get(h).unwrap_or(Value::Null);
        self.start(callee, args)
    }

    /// True when no task is running or suspended.
    pub fn is_idle(&self) -> bool {
        self.state == TaskState::Idle
    }

    /// True while a native's suspension awaits [`crate::Vm::resume`].
    pub fn is_suspended(&self) -> bool {
        matches!(self.state, TaskState::Suspended { .. })
    }

    /// Gives the suspended native call its result; the next [`crate::Vm::run`] continues after it.
    pub fn resume(&mut self, value: Value) {
        if let TaskState::Suspended { slot } = self.state {
            self.stack[slot as usize] = value;
            self.state = TaskState::Running;
        }
    }

    /// Makes the suspended native call throw `message` when the task continues.
    pub fn resume_error(&mut self, message: String) {
        if let TaskState::Suspended { .. } = self.state {
            self.resume_fault = Some(message);
            self.state = TaskState::Running;
        }
    }

    /// Ends the current task where it stands (e.g. the device deep-sleeps while a call is
    /// blocked): its frames are dropped, the VM is idle; globals and handles stay.
    pub fn abort(&mut self) {
        self.end_task();
    }

    /// Instructions the current (or last) task has executed.
    pub fn task_instructions(&self) -> u64 {
        self.task_instructions
    }

    /// Where the current task is: for a suspended task, the line of the call that suspended.
    pub fn location(&self) -> Option<Location> {
        let f = self.frames.last()?;
        Some(self.frame_location(f))
    }

    /// The script call stack, innermost first.
    pub fn call_stack(&self) -> Vec<StackFrame> {
        self.frames
            .iter()
            .rev()
            .map(|f| {
                let l = self.frame_location(f);
                StackFrame {
                    function: l.function,
                    file: l.file.to_string(),
                    line: l.line,
                }
            })
            .collect()
    }

    pub(crate) fn frame_location(&self, f: &Frame) -> Location {
        let p = &self.protos[f.proto as usize];
        let at = (f.ip as usize)
            .saturating_sub(1)
            .min(p.lines.len().saturating_sub(1));
        Location {
            file: p.file.clone(),
            line: p.lines.get(at).copied().unwrap_or(0),
            function: p.name.clone(),
        }
    }

    /// Frees every object no task, root table or handle can reach. Runs by itself as the heap
    /// grows; a host may call it between tasks.
    pub fn collect_garbage(&mut self) {
        let mut roots: Vec<GcRef> = Vec::new();
        roots.push(self.root);
        let d = self.delegates;
        roots.extend([
            d.table, d.array, d.string, d.number, d.function, d.class, d.instance, d.blob,
        ]);
        roots.extend(self.stack.iter().filter_map(|v| v.gc_ref()));
        roots.extend(self.frames.iter().map(|f| f.closure));
        roots.extend(self.open_outers.iter().map(|(_, u)| *u));
        roots.extend(
            self.handles
                .slots
                .iter()
                .flatten()
                .filter_map(|v| v.gc_ref()),
        );
        for p in &self.protos {
            roots.extend(p.consts.iter().filter_map(|v| v.gc_ref()));
        }
        self.heap.collect(roots);
    }

    // ---- internals shared with exec ----

    pub(crate) fn make_closure(
        &mut self,
        proto: u32,
        outers: Box<[GcRef]>,
        defaults: Box<[Value]>,
    ) -> Result<Value, OutOfMemory> {
        let c = Closure {
            proto,
            outers,
            defaults,
            env: None,
            base: None,
        };
        Ok(Value::Closure(self.heap.alloc(Obj::Closure(c))?))
    }

    /// Ends the task: closes outers still pointing into the stack and clears it.
    pub(crate) fn end_task(&mut self) {
        self.close_outers(0);
        self.stack.clear();
        self.frames.clear();
        self.traps.clear();
        self.state = TaskState::Idle;
        self.pending_call = None;
        self.resume_fault = None;
    }

    pub(crate) fn close_outers(&mut self, from: u32) {
        while let Some(&(slot, u)) = self.open_outers.last() {
            if slot < from {
                break;
            }
            let v = self
                .stack
                .get(slot as usize)
                .copied()
                .unwrap_or(Value::Null);
            *self.heap.upval_mut(u) = crate::heap::Upval::Closed(v);
            self.open_outers.pop();
        }
    }

    pub(crate) fn runtime_error(&self, kind: ErrorKind, message: String) -> RuntimeError {
        let stack = self.call_stack();
        let (file, line) = stack
            .first()
            .map(|f| (f.file.clone(), f.line))
            .unwrap_or_default();
        RuntimeError {
            kind,
            message,
            file,
            line,
            stack,
        }
    }

    /// The value a `catch` receives for a fault.
    pub(crate) fn fault_value(&mut self, fault: &Fault) -> Result<Value, OutOfMemory> {
        match fault {
            Fault::Value(v) => Ok(*v),
            Fault::Error(_, m) => self.heap.str(m),
        }
    }

    /// The watchdog's error: the task ran (or would run) past its instruction limit.
    pub(crate) fn watchdog_fault(&self) -> Fault {
        Fault::Error(
            ErrorKind::Watchdog,
            format!(
                "watchdog: the task ran {} instructions without returning",
                self.limits.task_instructions
            ),
        )
    }

    /// Instructions the current task may still run before the watchdog.
    pub(crate) fn watchdog_left(&self) -> u64 {
        self.limits
            .task_instructions
            .saturating_sub(self.task_instructions)
    }

    /// Charges `units` of work done by the VM itself (a string `+`, a `clone`, a class's
    /// fields copied), refused before the work when the watchdog cannot pay for it. Like
    /// [`crate::Ctx::charge`] for natives.
    pub(crate) fn charge(&mut self, units: u64) -> Result<(), Fault> {
        match self.work.checked_add(units) {
            Some(w) if w <= self.work_cap => {
                self.work = w;
                Ok(())
            }
            _ => Err(self.watchdog_fault()),
        }
    }

    /// The fault a native's interrupt raises (not for a suspension or a call).
    pub(crate) fn interrupt_fault<S>(&mut self, i: Interrupt<S>) -> Fault {
        match i {
            Interrupt::Throw(v) => Fault::Value(v),
            Interrupt::Error(m) => Fault::msg(m),
            Interrupt::OutOfMemory => Fault::from(OutOfMemory),
            Interrupt::Watchdog => self.watchdog_fault(),
            Interrupt::Suspend(_) | Interrupt::Call { .. } => Fault::msg("bad interrupt"),
        }
    }
}

/// [`crate::Vm::start`] while a task is unfinished.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TaskBusy;

impl std::fmt::Display for TaskBusy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a task is already running")
    }
}

impl std::error::Error for TaskBusy {}
