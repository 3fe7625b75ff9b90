//! What a host sees: the [`Host`] trait that names its suspension payload, the [`Ctx`] a native
//! function gets, what a native returns ([`Interrupt`]), and what a run gives back
//! ([`Outcome`]).
//!
//! Inside, the VM knows its host only as `dyn Any` (a [`Seat`]), so its body compiles once
//! whatever the host: a host's native is wrapped once ([`erase`]) into a [`Native`] that
//! downcasts the host and parks a suspension's payload where [`crate::Vm`] picks it up.

use std::any::Any;
use std::rc::Rc;

use crate::error::RuntimeError;
use crate::heap::{Heap, OutOfMemory};
use crate::rand::Rand;
use crate::value::Value;

/// The host's state, reachable from every native through [`Ctx::host`].
pub trait Host: 'static {
    /// What a native hands to the host when it suspends the VM (e.g. "send these bytes").
    type Suspend: 'static;
}

/// A native function: gets its call context and arguments (without `this`: see
/// [`Ctx::this`]) and returns a value, or interrupts.
pub type NativeFn<H> = Rc<dyn Fn(&mut Ctx<'_, H>, &[Value]) -> NativeResult<<H as Host>::Suspend>>;

pub type NativeResult<S> = Result<Value, Interrupt<S>>;

/// A native as the VM holds it, whatever its host: built-ins are written this way, a host's
/// natives are wrapped by [`erase`].
pub(crate) type Native = Rc<dyn Fn(&mut Cx<'_>, &[Value]) -> NativeResult<Parked>>;

/// The context of a [`Native`]: the host seen as `dyn Any`.
pub(crate) type Cx<'a> = Ctx<'a, dyn Any>;

/// A suspension whose payload waits in the [`Seat`]'s `parked` slot.
#[derive(Debug)]
pub(crate) struct Parked;

/// The host's state and the slot a suspending native parks its payload in (an
/// `Option<H::Suspend>`), lent to the VM for one run.
pub(crate) struct Seat<'a> {
    pub host: &'a mut dyn Any,
    pub parked: &'a mut dyn Any,
}

/// Wraps a host's native for the VM: the one place a native sees its host typed.
pub(crate) fn erase<H: Host>(
    f: impl Fn(&mut Ctx<'_, H>, &[Value]) -> NativeResult<H::Suspend> + 'static,
) -> Native {
    Rc::new(move |cx: &mut Cx<'_>, args: &[Value]| {
        let mut ctx = cx.typed::<H>();
        match f(&mut ctx, args) {
            Ok(v) => Ok(v),
            // A suspension's payload moves once, straight to the slot (a loop of model calls
            // suspends once a turn).
            Err(Interrupt::Suspend(p)) => {
                if let Some(slot) = ctx.parked.downcast_mut::<Option<H::Suspend>>() {
                    *slot = Some(p);
                }
                Err(Interrupt::Suspend(Parked))
            }
            Err(i) => Err(unsuspended(i)),
        }
    })
}

/// A typed native's interrupt other than a suspension, for the VM.
#[cold]
fn unsuspended<S>(i: Interrupt<S>) -> Interrupt<Parked> {
    match i {
        Interrupt::Suspend(_) => Interrupt::Suspend(Parked),
        Interrupt::Throw(v) => Interrupt::Throw(v),
        Interrupt::Error(m) => Interrupt::Error(m),
        Interrupt::OutOfMemory => Interrupt::OutOfMemory,
        Interrupt::Call { callee, this, args } => Interrupt::Call { callee, this, args },
        Interrupt::Watchdog => Interrupt::Watchdog,
    }
}

/// How a native leaves other than by returning a value.
#[derive(Debug)]
pub enum Interrupt<S> {
    /// Throw this value: scripts catch it with `try`/`catch`.
    Throw(Value),
    /// Throw an error with this message (the catch variable gets the message string).
    Error(String),
    /// The heap limit was reached (see [`Limits::heap_bytes`]).
    OutOfMemory,
    /// Suspend the VM: [`crate::Vm::run`] returns [`Outcome::Suspended`] with the payload, and
    /// [`crate::Vm::resume`] later gives the call its value. The script's frames stay as they
    /// are, at whatever call depth.
    Suspend(S),
    /// Replace this native call with a call of `callee` (with `this` and `args`): its result
    /// becomes the native's result. How `.call()` and friends reach back into script code
    /// without Rust recursion.
    Call {
        callee: Value,
        this: Value,
        args: Vec<Value>,
    },
    /// The work a native was asked to do would take the task past its watchdog
    /// ([`Ctx::charge`]): the task ends with [`crate::ErrorKind::Watchdog`], which scripts
    /// cannot catch.
    Watchdog,
}

impl<S> From<OutOfMemory> for Interrupt<S> {
    fn from(_: OutOfMemory) -> Self {
        Interrupt::OutOfMemory
    }
}

/// What [`crate::Vm::run`] ended with.
#[derive(Debug)]
pub enum Outcome<S> {
    /// The task returned this value; the VM is idle and can start another task.
    Finished(Value),
    /// A native suspended; call [`crate::Vm::resume`] (or [`crate::Vm::resume_error`]), then
    /// `run` again.
    Suspended(S),
    /// The task failed and is over; the VM is idle.
    Error(RuntimeError),
    /// The fuel given to this `run` is spent; `run` again to continue.
    OutOfFuel,
}

/// A value the host keeps alive across runs (e.g. a callback registered with the host).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Handle(pub(crate) u32);

/// The VM's limits. The defaults are SPEC §14's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Instructions one task may execute before it fails with [`crate::ErrorKind::Watchdog`].
    pub task_instructions: u64,
    /// Heap bytes before an allocation fails with [`crate::ErrorKind::Memory`].
    pub heap_bytes: usize,
    /// Nested script calls before a call fails with [`crate::ErrorKind::CallDepth`].
    pub call_depth: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            task_instructions: 10_000_000,
            heap_bytes: 64 << 20,
            call_depth: 200,
        }
    }
}

/// Kept values, by [`Handle`].
#[derive(Default)]
pub(crate) struct Handles {
    pub slots: Vec<Option<Value>>,
    pub free: Vec<u32>,
}

impl Handles {
    pub fn keep(&mut self, v: Value) -> Handle {
        match self.free.pop() {
            Some(i) => {
                self.slots[i as usize] = Some(v);
                Handle(i)
            }
            None => {
                self.slots.push(Some(v));
                Handle(self.slots.len() as u32 - 1)
            }
        }
    }

    pub fn release(&mut self, h: Handle) -> Option<Value> {
        let v = self.slots.get_mut(h.0 as usize)?.take();
        if v.is_some() {
            self.free.push(h.0);
        }
        v
    }

    pub fn get(&self, h: Handle) -> Option<Value> {
        self.slots.get(h.0 as usize).copied().flatten()
    }
}

/// A native's view of the VM during its call.
pub struct Ctx<'a, H: ?Sized> {
    pub heap: &'a mut Heap,
    pub host: &'a mut H,
    /// Where [`erase`] puts a suspension's payload.
    pub(crate) parked: &'a mut dyn Any,
    pub(crate) this: Value,
    pub(crate) root: Value,
    pub(crate) file: &'a Rc<str>,
    pub(crate) line: u32,
    pub(crate) handles: &'a mut Handles,
    pub(crate) rand: &'a mut Rand,
    /// The script function that made this call (for `callee()`).
    pub(crate) caller: Value,
    /// Units of work charged so far by natives in this step ([`Ctx::charge`]).
    pub(crate) work: &'a mut u64,
    /// What `work` may reach before the task's watchdog refuses.
    pub(crate) work_cap: u64,
}

impl Cx<'_> {
    /// This context with its host downcast to `H`: the VM's host is always the `H` whose
    /// natives it holds ([`crate::Vm`] builds both).
    fn typed<H: Host>(&mut self) -> Ctx<'_, H> {
        Ctx {
            heap: &mut *self.heap,
            host: self
                .host
                .downcast_mut::<H>()
                .expect("a VM's natives run with its own host"),
            parked: &mut *self.parked,
            this: self.this,
            root: self.root,
            file: self.file,
            line: self.line,
            handles: &mut *self.handles,
            rand: &mut *self.rand,
            caller: self.caller,
            work: &mut *self.work,
            work_cap: self.work_cap,
        }
    }
}

impl<H: ?Sized> Ctx<'_, H> {
    /// The object the function was called on (`server` for `server.log(x)`).
    pub fn this(&self) -> Value {
        self.this
    }

    /// The root table.
    pub fn root(&self) -> Value {
        self.root
    }

    /// The line of the script call that called this native.
    pub fn line(&self) -> u32 {
        self.line
    }

    /// The file of the script call that called this native.
    pub fn file(&self) -> &str {
        self.file
    }

    /// [`Ctx::file`] as the VM holds it, for a host that keeps it (no copy per call).
    pub fn file_shared(&self) -> Rc<str> {
        self.file.clone()
    }

    /// Keeps `v` alive until [`Ctx::release`] or [`crate::Vm::release`].
    pub fn keep(&mut self, v: Value) -> Handle {
        self.handles.keep(v)
    }

    pub fn release(&mut self, h: Handle) -> Option<Value> {
        self.handles.release(h)
    }

    pub fn handle(&self, h: Handle) -> Option<Value> {
        self.handles.get(h)
    }

    /// The VM's `math.rand()` stream (seeded with [`crate::Vm::seed`]).
    pub fn rand(&mut self) -> &mut Rand {
        self.rand
    }

    /// Charges `units` of work (in instructions; see [`crate::work`] for the weights) before
    /// doing it: work proportional to the bytes or elements a native touches. Refused with
    /// [`Interrupt::Watchdog`] when the task's remaining allowance cannot pay for it, so the
    /// work is never done. The charge counts against the watchdog and is reported as used fuel
    /// ([`crate::Vm::task_instructions`]).
    pub fn charge<S>(&mut self, units: u64) -> Result<(), Interrupt<S>> {
        match self.work.checked_add(units) {
            Some(w) if w <= self.work_cap => {
                *self.work = w;
                Ok(())
            }
            _ => Err(Interrupt::Watchdog),
        }
    }

    /// [`Ctx::charge`] for scanning or copying `n` bytes.
    pub fn charge_bytes<S>(&mut self, n: usize) -> Result<(), Interrupt<S>> {
        self.charge(crate::work::bytes(n))
    }

    /// [`Ctx::charge`] for moving or comparing `n` array elements.
    pub fn charge_values<S>(&mut self, n: usize) -> Result<(), Interrupt<S>> {
        self.charge(crate::work::values(n))
    }

    /// An error for a native to return: `return Err(ctx.error("bad"))`.
    pub fn error<S>(&self, message: impl Into<String>) -> Interrupt<S> {
        Interrupt::Error(message.into())
    }

    /// A string value (interned).
    pub fn string(&mut self, s: &str) -> Result<Value, OutOfMemory> {
        self.heap.str(s)
    }

    /// `v.tostring()` as Squirrel prints it.
    pub fn to_string(&self, v: Value) -> String {
        crate::ops::to_display(self.heap, v)
    }
}
