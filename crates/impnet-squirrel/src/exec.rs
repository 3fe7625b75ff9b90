//! The interpreter loop. Script calls push a [`Frame`] on the VM's own stack and the loop
//! carries on with it: no Rust recursion per script call, so a native can suspend the VM at any
//! depth and [`Vm::run`] simply returns.

use std::rc::Rc;

use crate::bytecode::{Arith, Op, Proto};
use crate::call::Called;
use crate::error::ErrorKind;
use crate::host::{Outcome, Seat};
use crate::machine::{FrameKind, Machine, TaskState};
use crate::ops::{self, Fault};
use crate::rare::{Flow, Regs};
use crate::value::Value;

/// Why the loop stopped without a fault.
pub(crate) enum Exit {
    /// The task's outermost call returned.
    Finished(Value),
    /// A native suspended (its payload is parked in the seat).
    Suspend,
    /// The instruction budget of this dispatch is spent.
    Budget,
    /// A fault needs unwinding; it waits in [`Machine::fault`] (an `Exit` stays small, so
    /// telling these apart at every suspension is one comparison).
    Fault,
}

impl Machine {
    /// Runs the current task for at most `fuel` instructions.
    ///
    /// Returns [`Outcome::Finished`] with the task's result, [`Outcome::Suspended`] when a native
    /// suspended (call [`Vm::resume`] then `run` again), [`Outcome::Error`] when the task failed
    /// (uncaught error, watchdog, memory or call depth), or [`Outcome::OutOfFuel`] when `fuel`
    /// ran out first (`run` again to continue). On an idle VM it returns `Finished(null)`; on a
    /// suspended one it first resumes the call with `null`. A suspension's payload waits in
    /// the seat, where [`crate::Vm::run`] takes it.
    pub fn run(&mut self, seat: &mut Seat<'_>, fuel: u64) -> Outcome<()> {
        match self.state {
            TaskState::Idle => return Outcome::Finished(Value::Null),
            TaskState::Suspended { .. } => self.resume(Value::Null),
            TaskState::Running => {}
        }
        let mut fuel = fuel;
        if let Some(argc) = self.pending_call.take() {
            self.work_cap = self.watchdog_left();
            let called = self.call(seat, 0, argc as usize, FrameKind::Call);
            let work = std::mem::take(&mut self.work);
            self.task_instructions += work;
            fuel = fuel.saturating_sub(work);
            match called {
                Called::Suspend => return Outcome::Suspended(()),
                Called::Frame | Called::Value => {}
                Called::Fault => {
                    let fault = self.take_fault();
                    if let Err(e) = self.unwind(fault) {
                        return Outcome::Error(Box::new(e));
                    }
                }
            }
        }
        if let Some(message) = self.resume_fault.take() {
            if let Err(e) = self.unwind(Fault::msg(message)) {
                return Outcome::Error(Box::new(e));
            }
        }
        loop {
            if self.frames.is_empty() {
                let v = self.stack.first().copied().unwrap_or(Value::Null);
                self.end_task();
                return Outcome::Finished(v);
            }
            let watchdog_left = self.watchdog_left();
            if watchdog_left == 0 {
                let e = match self.watchdog_fault() {
                    Fault::Error(kind, message) => self.runtime_error(kind, message),
                    Fault::Value(_) => unreachable!("the watchdog fault is an error"),
                };
                self.end_task();
                return Outcome::Error(Box::new(e));
            }
            if fuel == 0 {
                return Outcome::OutOfFuel;
            }
            // Instructions stop at `fuel`; work charged by natives may go past it (never past
            // the watchdog): a native's work is done whole or refused, not cut at a slice's
            // end. What went past is reported as used, so `fuel` can end below zero.
            let budget = fuel.min(watchdog_left);
            self.left = budget;
            let r = self.dispatch(seat, watchdog_left - budget);
            let used = budget - self.left
                + std::mem::take(&mut self.overdraw)
                + std::mem::take(&mut self.work);
            self.task_instructions += used;
            fuel = fuel.saturating_sub(used);
            match r {
                Exit::Finished(v) => {
                    self.end_task();
                    return Outcome::Finished(v);
                }
                Exit::Suspend => return Outcome::Suspended(()),
                Exit::Budget => {}
                Exit::Fault => {
                    let fault = self.take_fault();
                    if let Err(e) = self.unwind(fault) {
                        return Outcome::Error(Box::new(e));
                    }
                }
            }
        }
    }

    // Charged work, for the loop and `rare` alike: `open` before a step that may charge
    // (natives, string `+`, `clone`, ...) lets it charge up to the watchdog (`slack` past
    // `left`); `fold` after takes what it charged from `left`, past it into `overdraw`. `pay`
    // takes work already done (a collection).

    #[inline(always)]
    pub(crate) fn pay(&mut self, units: u64) {
        if units > self.left {
            self.overdraw += units - self.left;
            self.left = 0;
        } else {
            self.left -= units;
        }
    }

    #[inline(always)]
    pub(crate) fn fold(&mut self) {
        if self.work != 0 {
            let work = std::mem::take(&mut self.work);
            self.pay(work);
        }
    }

    #[inline(always)]
    pub(crate) fn open(&mut self, slack: u64) {
        self.fold();
        self.work_cap = self.left + slack;
    }

    /// A collection when one is due, its work paid.
    #[inline(always)]
    pub(crate) fn gc(&mut self) {
        let units = self.collect_if_due();
        if units != 0 {
            self.pay(units);
        }
    }

    /// The stack's top value, taken (null on an empty stack: compiled code never pops one).
    #[inline(always)]
    pub(crate) fn pop(&mut self) -> Value {
        self.stack.pop().unwrap_or(Value::Null)
    }

    #[inline(always)]
    pub(crate) fn top(&self) -> Value {
        *self.stack.last().unwrap_or(&Value::Null)
    }

    /// The fault an `Exit::Fault` or a `Called::Fault` left (set with every one).
    fn take_fault(&mut self) -> Fault {
        self.fault
            .take()
            .unwrap_or_else(|| Fault::msg("internal error: a fault without its value"))
    }

    /// Hands a fault to the innermost `try`, or ends the task with it.
    fn unwind(&mut self, fault: Fault) -> Result<(), crate::error::RuntimeError> {
        let catchable = !matches!(fault, Fault::Error(ErrorKind::Watchdog, _));
        if !catchable {
            // Work refused by the watchdog: the task is charged as if it had run to it.
            self.task_instructions = self.task_instructions.max(self.limits.task_instructions);
        }
        if catchable {
            if let Some(trap) = self.traps.pop() {
                if let Ok(v) = self.fault_value(&fault) {
                    self.frames.truncate(trap.frame as usize + 1);
                    self.close_outers(trap.stack);
                    self.stack.truncate(trap.stack as usize);
                    self.stack.push(v);
                    self.frames[trap.frame as usize].ip = trap.handler;
                    return Ok(());
                }
            }
        }
        let (kind, message) = match fault {
            Fault::Value(v) => (ErrorKind::Runtime, ops::to_display(&self.heap, v)),
            Fault::Error(k, m) => (k, m),
        };
        let e = self.runtime_error(kind, message);
        self.end_task();
        Err(e)
    }

    /// The loop: runs instructions until the budget is spent, the task finishes or suspends,
    /// or a fault needs unwinding.
    ///
    /// It runs at most `self.left` instructions; `slack` is what the watchdog allows past
    /// them: charged work may use it (see `run`). Only the frequent instructions (and the
    /// fast cases of the others) are here; the rest run out of line ([`Machine::rare`]), so
    /// the loop is small enough to keep its locals in registers.
    #[inline(always)]
    fn dispatch(&mut self, seat: &mut Seat<'_>, slack: u64) -> Exit {
        // The innermost frame, as locals; its closure and kind are read from `self.frames`
        // by the few instructions that need them (fewer locals for the loop to keep).
        let frame = *self.frames.last().expect("dispatch with a frame");
        let mut proto: Rc<Proto> = self.protos[frame.proto as usize].clone();
        let mut ip = frame.ip as usize;
        let mut base = frame.base as usize;
        // Where this function's lookup caches begin.
        let mut caches = self.caches.start(frame.proto);

        macro_rules! save {
            () => {
                if let Some(f) = self.frames.last_mut() {
                    f.ip = ip as u32;
                }
            };
        }
        macro_rules! reload {
            () => {
                let frame = *self.frames.last().expect("a frame");
                proto = self.protos[frame.proto as usize].clone();
                ip = frame.ip as usize;
                base = frame.base as usize;
                caches = self.caches.start(frame.proto);
            };
        }
        macro_rules! closure {
            () => {
                self.frames.last().expect("a frame").closure
            };
        }
        macro_rules! tri {
            ($e:expr) => {
                match $e {
                    Ok(v) => v,
                    Err(e) => {
                        save!();
                        self.fault = Some(e.into());
                        return Exit::Fault;
                    }
                }
            };
        }
        macro_rules! call {
            ($slot:expr, $argc:expr) => {{
                save!();
                self.open(slack);
                let called = self.call(seat, $slot, $argc, FrameKind::Call);
                self.fold();
                match called {
                    Called::Frame => {
                        reload!();
                    }
                    Called::Value => {}
                    Called::Suspend => return Exit::Suspend,
                    Called::Fault => return Exit::Fault,
                }
            }};
        }
        // `op` out of line: the instructions not below, and the slow cases of those that are
        // (whose operands are still in place).
        macro_rules! rare {
            ($op:expr) => {{
                let mut at = Regs { ip };
                let flow = self.rare(seat, $op, &proto, base, slack, &mut at);
                ip = at.ip;
                match flow {
                    Ok(Flow::Next) => {}
                    Ok(Flow::Reload) => {
                        reload!();
                    }
                    Ok(Flow::Exit(exit)) => return exit,
                    Err(fault) => {
                        self.fault = Some(fault);
                        return Exit::Fault;
                    }
                }
            }};
        }

        loop {
            if self.left == 0 {
                save!();
                return Exit::Budget;
            }
            self.left -= 1;
            let op = proto.code[ip];
            ip += 1;
            match op {
                Op::Null => self.stack.push(Value::Null),
                Op::True => self.stack.push(Value::Bool(true)),
                Op::False => self.stack.push(Value::Bool(false)),
                Op::Int(i) => self.stack.push(Value::Int(i)),
                Op::Float(f) => self.stack.push(Value::Float(f)),
                Op::Const(k) => self.stack.push(proto.consts[k as usize]),
                Op::Pop => {
                    self.stack.pop();
                }
                Op::PopN(n) => {
                    let len = self.stack.len();
                    self.stack.truncate(len - n as usize);
                }
                Op::Dup2 => {
                    let len = self.stack.len();
                    let (a, b) = (self.stack[len - 2], self.stack[len - 1]);
                    self.stack.push(a);
                    self.stack.push(b);
                }
                Op::GetLocal(s) => self.stack.push(self.stack[base + s as usize]),
                Op::SetLocal(s) => self.stack[base + s as usize] = self.top(),
                Op::GetOuter(i) => self.stack.push(self.outer_get(closure!(), i)),
                Op::SetOuter(i) => {
                    let v = self.top();
                    self.outer_set(closure!(), i, v);
                }
                Op::GetName(k) => {
                    let key = proto.consts[k as usize];
                    let this = self.stack[base];
                    let v = tri!(self.get_name_cached(caches + k as usize, this, key));
                    self.stack.push(v);
                }
                Op::Get => {
                    let key = self.pop();
                    let obj = self.pop();
                    let v = tri!(self.get(obj, key));
                    self.stack.push(v);
                }
                Op::GetK(k) => {
                    let obj = self.pop();
                    let key = proto.consts[k as usize];
                    let v = tri!(self.get_cached(caches + k as usize, obj, key));
                    self.stack.push(v);
                }
                Op::Set => {
                    let v = self.pop();
                    let key = self.pop();
                    let obj = self.pop();
                    tri!(self.set(obj, key, v));
                    self.stack.push(v);
                }
                Op::PrepCall => {
                    let key = self.pop();
                    let obj = self.pop();
                    let f = tri!(self.get(obj, key));
                    self.stack.push(f);
                    self.stack.push(obj);
                }
                Op::PrepCallK(k) => {
                    let obj = self.pop();
                    let key = proto.consts[k as usize];
                    let f = tri!(self.get_cached(caches + k as usize, obj, key));
                    self.stack.push(f);
                    self.stack.push(obj);
                }
                Op::PrepCallName { name, key } => {
                    let this = self.stack[base];
                    let at = caches + name as usize;
                    let obj = tri!(self.get_name_cached(at, this, proto.consts[name as usize]));
                    let at = caches + key as usize;
                    let f = tri!(self.get_cached(at, obj, proto.consts[key as usize]));
                    self.stack.push(f);
                    self.stack.push(obj);
                }
                Op::Call(argc) => {
                    let slot = self.stack.len() - argc as usize - 2;
                    if !matches!(self.stack[slot], Value::Closure(_)) {
                        self.gc();
                    }
                    call!(slot, argc as usize);
                }
                Op::Return | Op::ReturnNull => {
                    let mut v = if let Op::Return = op {
                        self.pop()
                    } else {
                        Value::Null
                    };
                    let kind = self.frames.last().expect("a frame").kind;
                    if let FrameKind::Constructor = kind {
                        v = self.stack[base];
                    }
                    let depth = self.frames.len() as u32 - 1;
                    while self.traps.last().is_some_and(|t| t.frame >= depth) {
                        self.traps.pop();
                    }
                    if self
                        .open_outers
                        .last()
                        .is_some_and(|(s, _)| *s >= base as u32)
                    {
                        self.close_outers(base as u32);
                    }
                    self.stack.truncate(base - 1);
                    if let FrameKind::Operand(depth) = kind {
                        let at = self.stack.len() - depth as usize;
                        self.stack[at] = v;
                    } else {
                        self.stack.push(v);
                    }
                    self.frames.pop();
                    if self.frames.is_empty() {
                        return Exit::Finished(v);
                    }
                    reload!();
                }
                Op::Arith(a) => {
                    let len = self.stack.len();
                    let r = match (self.stack[len - 2], self.stack[len - 1]) {
                        (Value::Int(x), Value::Int(y)) => tri!(ops::int_arith(a, x, y)),
                        (Value::Float(x), Value::Float(y)) if a == Arith::Add => {
                            Value::Float(x + y)
                        }
                        _ => {
                            rare!(op);
                            continue;
                        }
                    };
                    self.stack.truncate(len - 1);
                    self.stack[len - 2] = r;
                }
                Op::Not => {
                    let v = self.pop();
                    self.stack.push(Value::Bool(!v.truthy()));
                }
                Op::Eq | Op::Ne => {
                    let b = self.pop();
                    let a = self.pop();
                    let eq = ops::equals(a, b);
                    self.stack
                        .push(Value::Bool(if let Op::Eq = op { eq } else { !eq }));
                }
                Op::Lt | Op::Le | Op::Gt | Op::Ge | Op::Cmp3 => {
                    let len = self.stack.len();
                    let (Value::Int(x), Value::Int(y)) = (self.stack[len - 2], self.stack[len - 1])
                    else {
                        rare!(op);
                        continue;
                    };
                    self.stack.truncate(len - 1);
                    self.stack[len - 2] = ordered(op, x.cmp(&y));
                }
                Op::Jump(t) => ip = t as usize,
                Op::JumpIfFalse(t) => {
                    if !self.pop().truthy() {
                        ip = t as usize;
                    }
                }
                Op::JumpIfTrue(t) => {
                    if self.pop().truthy() {
                        ip = t as usize;
                    }
                }
                Op::AndJump(t) => {
                    if !self.top().truthy() {
                        ip = t as usize;
                    } else {
                        self.stack.pop();
                    }
                }
                Op::OrJump(t) => {
                    if self.top().truthy() {
                        ip = t as usize;
                    } else {
                        self.stack.pop();
                    }
                }
                Op::ForeachNext { slot, exit } => {
                    let at = base + slot as usize;
                    if !tri!(self.foreach_next(at)) {
                        ip = exit as usize;
                    }
                }
                Op::IncLocal {
                    slot,
                    delta,
                    postfix,
                } => {
                    let at = base + slot as usize;
                    let old = self.stack[at];
                    let Value::Int(i) = old else {
                        rare!(op);
                        continue;
                    };
                    let new = Value::Int(i.wrapping_add(delta as i32));
                    self.stack[at] = new;
                    self.stack.push(if postfix { old } else { new });
                }
                Op::AddLocalInt { slot, n } => {
                    let at = base + slot as usize;
                    match self.stack[at] {
                        Value::Int(i) => self.stack[at] = Value::Int(i.wrapping_add(n)),
                        _ => rare!(op),
                    }
                }
                Op::LtLocalJump { slot, target, when } => {
                    let len = self.stack.len();
                    let (Value::Int(v), Value::Int(limit)) =
                        (self.stack[base + slot as usize], self.stack[len - 1])
                    else {
                        rare!(op);
                        continue;
                    };
                    self.stack.truncate(len - 1);
                    if (v < limit) == when {
                        ip = target as usize;
                    }
                }
                Op::LtLocalIntLoop { slot, back, limit } => match self.stack[base + slot as usize] {
                    Value::Int(v) => {
                        if v < limit {
                            ip -= back as usize;
                        }
                    }
                    _ => rare!(op),
                },
                // Named, not `_`: with every instruction listed the jump table needs no
                // range check.
                Op::SetName(_)
                | Op::NewSlotName(_)
                | Op::Root
                | Op::GetBase
                | Op::NewSlot
                | Op::Delete
                | Op::Closure(_)
                | Op::NewTable
                | Op::TableSlot
                | Op::NewArray(_)
                | Op::NewClass(_)
                | Op::ClassMember { .. }
                | Op::Neg
                | Op::BitNot
                | Op::Typeof
                | Op::Clone
                | Op::In
                | Op::Instanceof
                | Op::CloseOuters(_)
                | Op::PushTrap(_)
                | Op::PopTrap
                | Op::Throw
                | Op::IncOuter { .. }
                | Op::IncName { .. }
                | Op::IncIndex { .. } => rare!(op),
            }
        }
    }
}

/// `Lt`, `Le`, `Gt`, `Ge` or `Cmp3` of two operands ordered `ord`.
pub(crate) fn ordered(op: Op, ord: std::cmp::Ordering) -> Value {
    use std::cmp::Ordering::*;
    match op {
        Op::Lt => Value::Bool(ord == Less),
        Op::Le => Value::Bool(ord != Greater),
        Op::Gt => Value::Bool(ord == Greater),
        Op::Ge => Value::Bool(ord != Less),
        _ => Value::Int(ord as i32),
    }
}

pub(crate) fn increment(v: Value, delta: i8) -> Result<Value, Fault> {
    match v {
        Value::Int(i) => Ok(Value::Int(i.wrapping_add(delta as i32))),
        Value::Float(f) => Ok(Value::Float(f + delta as f32)),
        _ => Err(Fault::msg(format!(
            "arith op {} on between '{}' and 'integer'",
            if delta > 0 { "+" } else { "-" },
            v.type_name()
        ))),
    }
}
