//! Calls: a script function pushes a frame (with defaults and `vargv` filled in); a native runs
//! at once with a [`Ctx`] and may suspend, throw, or hand back a call to make in its place; a
//! class makes an instance and runs its constructor. Also the outers (captured locals).

use crate::error::ErrorKind;
use crate::heap::{Obj, Upval};
use crate::host::{CallVm, Interrupt, Lent, Parked, Seat};
use crate::machine::{Frame, FrameKind, Machine, TaskState};
use crate::ops::Fault;
use crate::value::{GcRef, Value};

/// What a call did.
pub(crate) enum Called {
    /// Pushed a script frame: the loop continues in it.
    Frame,
    /// Finished at once (a native, or a class without constructor): the result is on the stack.
    Value,
    /// A native suspended (its payload is parked in the seat).
    Suspend,
    /// The call failed: the fault waits in [`Machine::fault`] (so what a call returns fits in
    /// a register, at every call).
    Fault,
}

impl Machine {
    /// Calls `stack[slot]` with `this` at `slot + 1` and `argc` arguments above it.
    pub(crate) fn call(
        &mut self,
        seat: &mut Seat<'_>,
        slot: usize,
        argc: usize,
        kind: FrameKind,
    ) -> Called {
        match self.call_checked(seat, slot, argc, kind) {
            Ok(called) => called,
            Err(fault) => {
                self.fault = Some(fault);
                Called::Fault
            }
        }
    }

    #[inline(always)]
    fn call_checked(
        &mut self,
        seat: &mut Seat<'_>,
        slot: usize,
        argc: usize,
        kind: FrameKind,
    ) -> Result<Called, Fault> {
        let (mut argc, mut kind) = (argc, kind);
        loop {
            let callee = self.stack[slot];
            match callee {
                Value::Closure(r) => {
                    self.push_frame(slot, argc, r, kind)?;
                    return Ok(Called::Frame);
                }
                Value::Native(id) => {
                    let this = self.stack[slot + 1];
                    let (file, line, caller) = match self.frames.last() {
                        Some(fr) => {
                            let p = &self.protos[fr.proto as usize];
                            let at = (fr.ip as usize).saturating_sub(1);
                            let line = p.lines.get(at).copied().unwrap_or(0);
                            (&p.file, line, Value::Closure(fr.closure))
                        }
                        None => (&self.no_file, 0, Value::Null),
                    };
                    // Built once, lent to the native behind one pointer. The arguments stay
                    // where they are (borrowed from the stack, a field of its own): natives
                    // never touch the stack.
                    let mut vm = CallVm {
                        this,
                        root: Value::Table(self.root),
                        file,
                        line,
                        handles: &mut self.handles,
                        rand: &mut self.rand,
                        caller,
                        work: &mut self.work,
                        work_cap: self.work_cap,
                    };
                    let lent = Lent {
                        heap: &mut self.heap,
                        seat: &mut *seat,
                        vm: &mut vm,
                    };
                    let r = (self.natives[id.0 as usize].1)(lent, &self.stack[slot + 2..]);
                    self.stack.truncate(slot);
                    match r {
                        Ok(v) => {
                            self.stack.push(v);
                            return Ok(Called::Value);
                        }
                        // Bound, not `_`: the interrupt is then moved, not dropped.
                        Err(Interrupt::Suspend(parked)) => {
                            let Parked = parked;
                            self.stack.push(Value::Null);
                            self.state = TaskState::Suspended { slot: slot as u32 };
                            return Ok(Called::Suspend);
                        }
                        Err(Interrupt::Call { callee, this, args }) => {
                            self.stack.push(callee);
                            self.stack.push(this);
                            self.stack.extend_from_slice(&args);
                            // Loop: call what the native asked for in its place.
                            argc = args.len();
                            continue;
                        }
                        Err(other) => {
                            self.stack.push(Value::Null);
                            return Err(self.interrupt_fault(other));
                        }
                    }
                }
                Value::Class(c) => {
                    self.charge(crate::work::values(self.heap.class(c).defaults.len()))?;
                    let fields = self.heap.class(c).defaults.clone();
                    self.heap.ensure_room(fields.len() * 8)?;
                    let inst = self
                        .heap
                        .alloc(Obj::Instance(crate::heap::Instance { class: c, fields }))?;
                    self.heap.class_mut(c).locked = true;
                    let key = self.heap.str("constructor")?;
                    let ctor = self.heap.class(c).members.get(&key).map(|m| m.value);
                    self.stack[slot + 1] = Value::Instance(inst);
                    match ctor {
                        Some(ctor @ (Value::Closure(_) | Value::Native(_))) => {
                            self.stack[slot] = ctor;
                            if let Value::Native(_) = ctor {
                                // A native constructor: its result is ignored.
                                let r = self.call(seat, slot, argc, FrameKind::Call);
                                self.stack[slot] = Value::Instance(inst);
                                return Ok(r);
                            }
                            kind = FrameKind::Constructor;
                            continue;
                        }
                        _ => {
                            self.stack.truncate(slot);
                            self.stack.push(Value::Instance(inst));
                            return Ok(Called::Value);
                        }
                    }
                }
                other => {
                    return Err(Fault::msg(format!(
                        "attempt to call '{}'",
                        other.type_name()
                    )));
                }
            }
        }
    }

    pub(crate) fn push_frame(
        &mut self,
        slot: usize,
        argc: usize,
        r: GcRef,
        kind: FrameKind,
    ) -> Result<(), Fault> {
        if self.frames.len() >= self.limits.call_depth {
            return Err(Fault::Error(ErrorKind::CallDepth, "stack overflow".into()));
        }
        let c = self.heap.closure(r);
        let proto_idx = c.proto;
        let env = c.env;
        let p = &self.protos[proto_idx as usize];
        let (nparams, ndefaults, varargs) = (p.nparams as usize, p.ndefaults as usize, p.varargs);
        if let Some(env) = env {
            self.stack[slot + 1] = env;
        }
        if argc < nparams {
            let missing = nparams - argc;
            if missing > ndefaults {
                return Err(Fault::msg("wrong number of parameters"));
            }
            let c = self.heap.closure(r);
            let from = c.defaults.len() - missing;
            for i in from..c.defaults.len() {
                let d = self.heap.closure(r).defaults[i];
                self.stack.push(d);
            }
        }
        if varargs {
            let extra = if argc > nparams {
                self.stack.split_off(slot + 2 + nparams)
            } else {
                Vec::new()
            };
            self.heap.ensure_room(extra.len() * 8)?;
            let a = self.heap.new_array(extra)?;
            self.stack.push(a);
        } else if argc > nparams {
            return Err(Fault::msg("wrong number of parameters"));
        }
        self.frames.push(Frame {
            closure: r,
            proto: proto_idx,
            ip: 0,
            base: slot as u32 + 1,
            kind,
        });
        Ok(())
    }

    /// Collects when the heap has grown enough since the last collection; returns the work
    /// done ([`crate::work::GC_PER_OBJECT`] per arena slot), which the caller pays.
    pub(crate) fn collect_if_due(&mut self) -> u64 {
        if !self.heap.wants_collect() {
            return 0;
        }
        self.collect_garbage();
        self.heap.slots() as u64 * crate::work::GC_PER_OBJECT
    }

    pub(crate) fn capture(&mut self, slot: u32) -> Result<GcRef, Fault> {
        let pos = self.open_outers.partition_point(|(s, _)| *s < slot);
        if let Some(&(s, u)) = self.open_outers.get(pos) {
            if s == slot {
                return Ok(u);
            }
        }
        let u = self.heap.alloc(Obj::Upval(Upval::Open(slot)))?;
        self.open_outers.insert(pos, (slot, u));
        Ok(u)
    }

    pub(crate) fn outer_get(&self, closure: GcRef, i: u16) -> Value {
        let u = self.heap.closure(closure).outers[i as usize];
        match self.heap.upval(u) {
            Upval::Open(s) => self.stack[*s as usize],
            Upval::Closed(v) => *v,
        }
    }

    pub(crate) fn outer_set(&mut self, closure: GcRef, i: u16, v: Value) {
        let u = self.heap.closure(closure).outers[i as usize];
        match self.heap.upval_mut(u) {
            Upval::Open(s) => {
                let s = *s as usize;
                self.stack[s] = v;
            }
            Upval::Closed(c) => *c = v,
        }
    }
}
