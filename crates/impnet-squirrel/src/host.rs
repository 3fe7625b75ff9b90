//! What a host sees: the [`Host`] trait that names its suspension payload, the [`Ctx`] a native
//! function gets, what a native returns ([`Interrupt`]), and what a run gives back
//! ([`Outcome`]).
//!
//! Inside, the VM does not know its host's type (a [`Seat`] holds it type-erased), so its
//! body compiles once whatever the host: a host's native is wrapped once ([`erase`]) into a
//! [`Native`] that takes its host out of the seat and parks a suspension's payload where
//! [`crate::Vm`] picks it up.

use std::any::TypeId;
use std::marker::PhantomData;
use std::ptr::NonNull;
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

/// A native as the VM holds it, whatever its host: a built-in wrapped by [`builtin`], a host's
/// native by [`erase`]. Boxed, not shared: the VM's table is its one owner (an `Rc` would make
/// each call step over its counts to reach the closure).
pub(crate) type Native = Box<dyn Fn(Lent<'_, '_>, &[Value]) -> NativeResult<Parked>>;

/// What the VM lends a [`Native`] for one call: three pointers, the call's [`CallVm`] built
/// once by the VM and seen by the native's [`Ctx`] through its pointer, not copied.
pub(crate) struct Lent<'a, 's> {
    pub heap: &'a mut Heap,
    pub seat: &'a mut Seat<'s>,
    pub vm: &'a mut CallVm<'a>,
}

/// The context of a built-in: it sees no host.
pub(crate) type Cx<'a> = Ctx<'a, ()>;

/// A suspension whose payload waits in the [`Seat`]'s `parked` slot.
#[derive(Debug)]
pub(crate) struct Parked;

/// The host's state and the slot a suspending native parks its payload in, lent to the VM for
/// one run: `(&'s mut H, &'s mut Option<H::Suspend>)` with `H` known at run time only, as
/// `dyn Any` would hold it but with the type's id beside the addresses instead of behind a
/// vtable. [`Seat::get`]'s check is then two compares inline, where `<dyn Any>::downcast_mut`
/// calls through the vtable to learn the id (a native call took two such calls, the host and
/// the parked slot: issue 9 item 6); one id covers both, made together.
pub(crate) struct Seat<'s> {
    host: NonNull<()>,
    parked: NonNull<()>,
    /// `TypeId::of::<(H, S)>()` for a host `H` whose payloads are `S`.
    ty: TypeId,
    /// Holds the two `&'s mut` it was made from.
    borrow: PhantomData<&'s mut ()>,
}

impl<'s> Seat<'s> {
    pub fn new<H: 'static, S: 'static>(host: &'s mut H, parked: &'s mut Option<S>) -> Seat<'s> {
        Seat {
            host: NonNull::from(host).cast(),
            parked: NonNull::from(parked).cast(),
            ty: TypeId::of::<(H, S)>(),
            borrow: PhantomData,
        }
    }

    /// The host and the parked slot, if they are an `H` and an `Option<S>`.
    #[inline]
    pub fn get<H: 'static, S: 'static>(&mut self) -> Option<(&mut H, &mut Option<S>)> {
        if self.ty != TypeId::of::<(H, S)>() {
            return None;
        }
        // SAFETY: the fields were made together, by `new::<H0, S0>`, from two `&'s mut` (an
        // `H0` and an `Option<S0>`, distinct borrows, so not overlapping) with `ty ==
        // TypeId::of::<(H0, S0)>()`, and this value holds both exclusive borrows for `'s`
        // (nothing else can reach them meanwhile). The ids being equal, `(H, S)` is `(H0, S0)`:
        // each pointer points to a live, aligned value of its type. The results borrow `self`
        // mutably, so they are the only references made from the pointers while they live.
        Some(unsafe { (self.host.cast::<H>().as_mut(), self.parked.cast::<Option<S>>().as_mut()) })
    }
}

/// Wraps a built-in for the VM's table.
pub(crate) fn builtin(
    f: impl Fn(&mut Cx<'_>, &[Value]) -> NativeResult<Parked> + 'static,
) -> Native {
    Box::new(move |lent: Lent<'_, '_>, args: &[Value]| {
        let mut ctx = Ctx {
            heap: lent.heap,
            // A `&mut ()` as long as the call's (leaking a zero-sized box allocates nothing).
            host: Box::leak(Box::new(())),
            vm: lent.vm,
        };
        f(&mut ctx, args)
    })
}

/// Wraps a host's native for the VM: the one place a native sees its host typed.
pub(crate) fn erase<H: Host>(
    f: impl Fn(&mut Ctx<'_, H>, &[Value]) -> NativeResult<H::Suspend> + 'static,
) -> Native {
    Box::new(move |lent: Lent<'_, '_>, args: &[Value]| {
        // A VM's natives run with its own host (`Vm<H>` builds both): this never refuses.
        let Some((host, parked)) = lent.seat.get::<H, H::Suspend>() else {
            return Err(Interrupt::Error("a native ran with another host".into()));
        };
        let mut ctx = Ctx {
            heap: lent.heap,
            host,
            vm: lent.vm,
        };
        match f(&mut ctx, args) {
            Ok(v) => Ok(v),
            // A suspension's payload moves once, straight to the slot (a loop of model calls
            // suspends once a turn).
            Err(Interrupt::Suspend(p)) => {
                *parked = Some(p);
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
    /// The task failed and is over; the VM is idle. (Boxed: an `Outcome` is returned at every
    /// suspension and stays two words.)
    Error(Box<RuntimeError>),
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
    /// The rest, built once per call by the VM (seen through this pointer, not copied).
    pub(crate) vm: &'a mut CallVm<'a>,
}

/// The VM's part of a native's [`Ctx`].
pub(crate) struct CallVm<'a> {
    pub this: Value,
    pub root: Value,
    pub file: &'a Rc<str>,
    pub line: u32,
    pub handles: &'a mut Handles,
    pub rand: &'a mut Rand,
    /// The script function that made this call (for `callee()`).
    pub caller: Value,
    /// Units of work charged so far by natives in this step ([`Ctx::charge`]).
    pub work: &'a mut u64,
    /// What `work` may reach before the task's watchdog refuses.
    pub work_cap: u64,
}

impl<H: ?Sized> Ctx<'_, H> {
    /// The object the function was called on (`server` for `server.log(x)`).
    pub fn this(&self) -> Value {
        self.vm.this
    }

    /// The root table.
    pub fn root(&self) -> Value {
        self.vm.root
    }

    /// The script function that made this call (`callee()`).
    pub(crate) fn caller(&self) -> Value {
        self.vm.caller
    }

    /// The line of the script call that called this native.
    pub fn line(&self) -> u32 {
        self.vm.line
    }

    /// The file of the script call that called this native.
    pub fn file(&self) -> &str {
        self.vm.file
    }

    /// [`Ctx::file`] as the VM holds it, for a host that keeps it (no copy per call; a host
    /// that keeps the last one compares pointers, no count changes).
    pub fn file_shared(&self) -> &Rc<str> {
        self.vm.file
    }

    /// Keeps `v` alive until [`Ctx::release`] or [`crate::Vm::release`].
    pub fn keep(&mut self, v: Value) -> Handle {
        self.vm.handles.keep(v)
    }

    pub fn release(&mut self, h: Handle) -> Option<Value> {
        self.vm.handles.release(h)
    }

    pub fn handle(&self, h: Handle) -> Option<Value> {
        self.vm.handles.get(h)
    }

    /// The VM's `math.rand()` stream (seeded with [`crate::Vm::seed`]).
    pub fn rand(&mut self) -> &mut Rand {
        self.vm.rand
    }

    /// Charges `units` of work (in instructions; see [`crate::work`] for the weights) before
    /// doing it: work proportional to the bytes or elements a native touches. Refused with
    /// [`Interrupt::Watchdog`] when the task's remaining allowance cannot pay for it, so the
    /// work is never done. The charge counts against the watchdog and is reported as used fuel
    /// ([`crate::Vm::task_instructions`]).
    pub fn charge<S>(&mut self, units: u64) -> Result<(), Interrupt<S>> {
        match self.vm.work.checked_add(units) {
            Some(w) if w <= self.vm.work_cap => {
                *self.vm.work = w;
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

#[cfg(test)]
mod tests {
    use super::Seat;

    #[test]
    fn a_seat_gives_its_host_and_slot_as_their_own_types_only() {
        // Issue 9 item 6: the inline check stands for `<dyn Any>::downcast_mut`'s, and refuses
        // as it does, for the host and the payload type alike.
        let (mut host, mut parked) = (7u32, None::<u8>);
        let mut seat = Seat::new(&mut host, &mut parked);
        assert!(seat.get::<i32, u8>().is_none(), "another host type of the same size");
        assert!(seat.get::<u32, i8>().is_none(), "another payload type");
        assert!(seat.get::<u8, u32>().is_none(), "the two swapped");
        let (h, p) = seat.get::<u32, u8>().expect("its own types");
        *h += 1;
        *p = Some(3);
        assert_eq!(seat.get::<u32, u8>().map(|(h, p)| (*h, *p)), Some((8, Some(3))));
        assert_eq!((host, parked), (8, Some(3)), "written through to the lent values");
    }
}
