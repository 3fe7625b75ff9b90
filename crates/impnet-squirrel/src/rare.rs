//! The interpreter's instructions that run out of its loop ([`crate::exec`]): the rare ones
//! (classes, closures, `try`, `delete`, ...) and the slow cases of the frequent ones (an
//! `Arith` that is not on two integers, a comparison of strings). Kept apart so the loop stays
//! small enough for its locals to live in registers; the loop hands over the few it keeps
//! ([`Regs`]) and continues as the returned [`Flow`] says.

use crate::bytecode::{Arith, Op, Proto};
use crate::call::Called;
use crate::exec::{increment, ordered, Exit};
use crate::host::Seat;
use crate::machine::{FrameKind, Machine};
use crate::ops::{self, Fault};
use crate::value::Value;

/// The loop's locals an out-of-line instruction may change.
pub(crate) struct Regs {
    /// The next instruction.
    pub ip: usize,
}

/// How the loop goes on after an out-of-line instruction.
pub(crate) enum Flow {
    /// With the next instruction (`Regs::ip`).
    Next,
    /// In the innermost frame, which changed (a call was made): reload it.
    Reload,
    /// It stops.
    Exit(Exit),
}

impl Machine {
    /// Runs `op` (its `ip` already advanced) out of the loop. A fault returned has its frame's
    /// `ip` saved, as the loop's own faults do.
    #[inline(never)]
    pub(crate) fn rare(
        &mut self,
        seat: &mut Seat<'_>,
        op: Op,
        proto: &Proto,
        base: usize,
        slack: u64,
        at: &mut Regs,
    ) -> Result<Flow, Fault> {
        macro_rules! save {
            () => {
                if let Some(f) = self.frames.last_mut() {
                    f.ip = at.ip as u32;
                }
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
                        return Err(e.into());
                    }
                }
            };
        }

        match op {
            Op::SetName(k) => {
                let key = proto.consts[k as usize];
                let this = self.stack[base];
                let v = self.top();
                tri!(self.set_name(this, key, v));
            }
            Op::NewSlotName(k) => {
                let key = proto.consts[k as usize];
                let this = self.stack[base];
                let v = self.top();
                tri!(self.new_slot(this, key, v));
            }
            Op::Root => self.stack.push(Value::Table(self.root)),
            Op::GetBase => {
                let b = self.heap.closure(closure!()).base;
                self.stack.push(b.map_or(Value::Null, Value::Class));
            }
            Op::NewSlot => {
                let v = self.pop();
                let key = self.pop();
                let obj = self.pop();
                tri!(self.new_slot(obj, key, v));
                self.stack.push(v);
            }
            Op::Delete => {
                let key = self.pop();
                let obj = self.pop();
                self.open(slack);
                let v = self.delete(obj, key);
                self.fold();
                let v = tri!(v);
                self.stack.push(v);
            }
            Op::Closure(i) => {
                self.gc();
                let global = proto.protos[i as usize];
                let child = self.protos[global as usize].clone();
                let mut outers = Vec::with_capacity(child.outers.len());
                for d in &child.outers {
                    let u = if d.from_parent_local {
                        tri!(self.capture((base + d.index as usize) as u32))
                    } else {
                        self.heap.closure(closure!()).outers[d.index as usize]
                    };
                    outers.push(u);
                }
                let nd = child.ndefaults as usize;
                let defaults = self.stack.split_off(self.stack.len() - nd);
                let c = tri!(self.make_closure(global, outers.into(), defaults.into()));
                self.stack.push(c);
            }
            Op::NewTable => {
                self.gc();
                let t = tri!(self.heap.new_table());
                self.stack.push(t);
            }
            Op::TableSlot => {
                let v = self.pop();
                let key = self.pop();
                let t = self.top();
                tri!(self.new_slot(t, key, v));
            }
            Op::NewArray(n) => {
                self.gc();
                tri!(self.heap.ensure_room(n as usize * 8));
                let items = self.stack.split_off(self.stack.len() - n as usize);
                let a = tri!(self.heap.new_array(items));
                self.stack.push(a);
            }
            Op::NewClass(has_base) => {
                self.gc();
                let base_class = if has_base { Some(self.pop()) } else { None };
                let c = tri!(self.new_class(base_class));
                self.stack.push(c);
            }
            Op::ClassMember { is_static } => {
                let v = self.pop();
                let key = self.pop();
                let Value::Class(c) = self.top() else {
                    unreachable!("class member without class")
                };
                tri!(self.class_set(c, key, v, is_static));
            }
            Op::Arith(a) => {
                let len = self.stack.len();
                let (x, y) = (self.stack[len - 2], self.stack[len - 1]);
                if let Some((depth, f, inst)) = self.string_cat_operand(a, x, y) {
                    // Run `_tostring` first; its result takes the operand's place and this
                    // `+` runs again (ip back on it) with two strings.
                    at.ip -= 1;
                    save!();
                    let slot = self.stack.len();
                    self.stack.push(f);
                    self.stack.push(inst);
                    self.open(slack);
                    let called = self.call(seat, slot, 0, FrameKind::Operand(depth));
                    self.fold();
                    return match called {
                        Called::Frame => Ok(Flow::Reload),
                        Called::Value => {
                            let s = self.pop();
                            let at = self.stack.len() - depth as usize;
                            self.stack[at] = s;
                            Ok(Flow::Next)
                        }
                        Called::Suspend => Ok(Flow::Exit(Exit::Suspend)),
                        Called::Fault => Ok(Flow::Exit(Exit::Fault)),
                    };
                }
                let r = match (x, y) {
                    (Value::Int(x), Value::Int(y)) => tri!(ops::int_arith(a, x, y)),
                    (Value::Float(x), Value::Float(y)) if a == Arith::Add => Value::Float(x + y),
                    _ => {
                        self.gc();
                        self.open(slack);
                        tri!(self.charge(ops::arith_work(&self.heap, a, x, y)));
                        self.fold();
                        tri!(ops::arith(&mut self.heap, a, x, y))
                    }
                };
                self.stack.truncate(len - 1);
                self.stack[len - 2] = r;
            }
            Op::Neg => {
                let v = self.pop();
                let r = match v {
                    Value::Int(i) => Value::Int(i.wrapping_neg()),
                    Value::Float(f) => Value::Float(-f),
                    _ => tri!(Err(Fault::msg(format!(
                        "attempt to negate a {}",
                        v.type_name()
                    )))),
                };
                self.stack.push(r);
            }
            Op::BitNot => {
                let v = self.pop();
                let r = match v {
                    Value::Int(i) => Value::Int(!i),
                    _ => tri!(Err(Fault::msg(format!(
                        "attempt to perform a bitwise op on a {}",
                        v.type_name()
                    )))),
                };
                self.stack.push(r);
            }
            Op::Typeof => {
                let v = self.pop();
                let s = tri!(self.heap.str(v.type_name()));
                self.stack.push(s);
            }
            Op::Clone => {
                let v = self.pop();
                self.gc();
                self.open(slack);
                let c = self.clone_value(v);
                self.fold();
                let c = tri!(c);
                self.stack.push(c);
            }
            Op::Lt | Op::Le | Op::Gt | Op::Ge | Op::Cmp3 => {
                let b = self.pop();
                let a = self.pop();
                let ord = match (a, b) {
                    (Value::Int(x), Value::Int(y)) => x.cmp(&y),
                    _ => {
                        self.open(slack);
                        tri!(self.charge(ops::compare_work(&self.heap, a, b)));
                        self.fold();
                        tri!(ops::compare(&self.heap, a, b))
                    }
                };
                self.stack.push(ordered(op, ord));
            }
            Op::In => {
                let obj = self.pop();
                let key = self.pop();
                let r = tri!(self.contains(obj, key));
                self.stack.push(Value::Bool(r));
            }
            Op::Instanceof => {
                let class = self.pop();
                let v = self.pop();
                let r = tri!(self.instance_of(v, class));
                self.stack.push(Value::Bool(r));
            }
            Op::CloseOuters(s) => self.close_outers((base + s as usize) as u32),
            Op::PushTrap(handler) => {
                self.traps.push(crate::machine::Trap {
                    frame: self.frames.len() as u32 - 1,
                    stack: self.stack.len() as u32,
                    handler,
                });
            }
            Op::PopTrap => {
                self.traps.pop();
            }
            Op::Throw => {
                let v = self.pop();
                save!();
                return Err(Fault::Value(v));
            }
            Op::IncLocal {
                slot,
                delta,
                postfix,
            } => {
                let at_slot = base + slot as usize;
                let old = self.stack[at_slot];
                let new = tri!(increment(old, delta));
                self.stack[at_slot] = new;
                self.stack.push(if postfix { old } else { new });
            }
            Op::IncOuter {
                idx,
                delta,
                postfix,
            } => {
                let old = self.outer_get(closure!(), idx);
                let new = tri!(increment(old, delta));
                self.outer_set(closure!(), idx, new);
                self.stack.push(if postfix { old } else { new });
            }
            Op::IncName {
                name,
                delta,
                postfix,
            } => {
                let key = proto.consts[name as usize];
                let this = self.stack[base];
                let old = tri!(self.get_name(this, key));
                let new = tri!(increment(old, delta));
                tri!(self.set_name(this, key, new));
                self.stack.push(if postfix { old } else { new });
            }
            Op::IncIndex { delta, postfix } => {
                let key = self.pop();
                let obj = self.pop();
                let old = tri!(self.get(obj, key));
                let new = tri!(increment(old, delta));
                tri!(self.set(obj, key, new));
                self.stack.push(if postfix { old } else { new });
            }
            Op::AddLocalInt { slot, n } => {
                let at_slot = base + slot as usize;
                self.stack[at_slot] = match self.stack[at_slot] {
                    Value::Int(i) => Value::Int(i.wrapping_add(n)),
                    other => {
                        self.open(slack);
                        let work = ops::arith_work(&self.heap, Arith::Add, other, Value::Int(n));
                        tri!(self.charge(work));
                        self.fold();
                        tri!(ops::arith(&mut self.heap, Arith::Add, other, Value::Int(n)))
                    }
                };
            }
            Op::LtLocalJump { slot, target, when } => {
                let limit = self.pop();
                let v = self.stack[base + slot as usize];
                let less = match (v, limit) {
                    (Value::Int(a), Value::Int(b)) => a < b,
                    _ => {
                        self.open(slack);
                        tri!(self.charge(ops::compare_work(&self.heap, v, limit)));
                        self.fold();
                        tri!(ops::compare(&self.heap, v, limit)) == std::cmp::Ordering::Less
                    }
                };
                if less == when {
                    at.ip = target as usize;
                }
            }
            Op::LtLocalIntLoop { slot, back, limit } => {
                let v = self.stack[base + slot as usize];
                let limit = Value::Int(limit);
                self.open(slack);
                tri!(self.charge(ops::compare_work(&self.heap, v, limit)));
                self.fold();
                if tri!(ops::compare(&self.heap, v, limit)) == std::cmp::Ordering::Less {
                    at.ip -= back as usize;
                }
            }
            // The loop runs the rest itself.
            _ => unreachable!("{op:?} runs in the loop"),
        }
        Ok(Flow::Next)
    }
}
