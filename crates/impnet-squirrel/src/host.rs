//! What a host sees: the [`Host`] trait that names its suspension payload, the [`Ctx`] a native
//! function gets, what a native returns ([`Interrupt`]), and what a run gives back
//! ([`Outcome`]).
//!
//! Inside, the VM does not know its host's type (a [`Seat`] holds it as an [`AnyMut`]), so its
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

/// The host's state and the slot a suspending native parks its payload in (an
/// `Option<H::Suspend>`), lent to the VM for one run.
pub(crate) struct Seat<'s> {
    pub host: AnyMut<'s>,
    pub parked: AnyMut<'s>,
}

/// `&'a mut dyn Any` with the type's id beside the address instead of behind a vtable: a
/// checked downcast ([`AnyMut::get`]) compares two constants inline, where
/// `<dyn Any>::downcast_mut` calls through the vtable to learn the id (every native call took
/// two such calls, the host and the parked slot: issue 9 item 6).
pub(crate) struct AnyMut<'a> {
    ptr: NonNull<()>,
    ty: TypeId,
    /// Holds the `&'a mut` it was made from.
    borrow: PhantomData<&'a mut ()>,
}

impl<'a> AnyMut<'a> {
    pub fn new<T: 'static>(value: &'a mut T) -> AnyMut<'a> {
        AnyMut {
            ptr: NonNull::from(value).cast(),
            ty: TypeId::of::<T>(),
            borrow: PhantomData,
        }
    }

    /// The value, if it is a `T`.
    #[inline]
    pub fn get<T: 'static>(&mut self) -> Option<&mut T> {
        if self.ty != TypeId::of::<T>() {
            return None;
        }
        // SAFETY: `ptr` and `ty` were made together, by `new`, from one `&'a mut T0` with
        // `ty == TypeId::of::<T0>()`, and this value holds that exclusive borrow for `'a`
        // (nothing else can reach the `T0` meanwhile). The ids being equal, `T` is `T0`: `ptr`
        // points to a live, aligned `T`. The result borrows `self` mutably, so it is the only
        // reference made from `ptr` while it lives.
        Some(unsafe { self.ptr.cast::<T>().as_mut() })
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
        let Some(host) = lent.seat.host.get::<H>() else {
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
                if let Some(slot) = lent.seat.parked.get::<Option<H::Suspend>>() {
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
    use super::AnyMut;

    #[test]
    fn any_mut_gives_its_value_as_its_own_type_only() {
        // Issue 9 item 6: the inline check stands for `<dyn Any>::downcast_mut`'s, and refuses
        // as it does.
        let mut host = 7u32;
        let mut any = AnyMut::new(&mut host);
        assert!(any.get::<i32>().is_none(), "another type of the same size");
        assert!(any.get::<Option<u32>>().is_none());
        *any.get::<u32>().expect("its own type") += 1;
        assert_eq!(any.get::<u32>().copied(), Some(8));
        assert_eq!(host, 8, "written through to the lent value");
    }
}
