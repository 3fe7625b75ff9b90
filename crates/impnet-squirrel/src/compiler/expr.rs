//! Expressions: each compiles to code that pushes exactly one value.

use super::{CResult, Compiler, Var};
use crate::ast::*;
use crate::bytecode::{Arith, Op};

impl Compiler<'_> {
    // ---- expressions: each pushes exactly one value ----

    pub(super) fn expr(&mut self, e: &Expr) -> CResult<()> {
        self.line = e.line;
        match &e.kind {
            ExprKind::Null => {
                self.emit(Op::Null);
            }
            ExprKind::Bool(b) => {
                self.emit(if *b { Op::True } else { Op::False });
            }
            ExprKind::Int(i) => {
                self.emit(Op::Int(*i));
            }
            ExprKind::Float(x) => {
                self.emit(Op::Float(*x));
            }
            ExprKind::Str(s) => {
                let k = self.str_const(s)?;
                self.emit(Op::Const(k));
            }
            ExprKind::Ident(..) => self.expr_ident(e)?,
            ExprKind::Root(name) => {
                self.emit(Op::Root);
                let k = self.str_const(name.as_bytes())?;
                self.emit(Op::GetK(k));
            }
            ExprKind::This => {
                self.emit(Op::GetLocal(0));
            }
            ExprKind::Base => {
                self.emit(Op::GetBase);
            }
            ExprKind::Index(..) => self.expr_index(e)?,
            ExprKind::Call(callee, args) => self.call(callee, args, e.line)?,
            ExprKind::Unary(op, x) => {
                self.expr(x)?;
                self.line = e.line;
                self.emit(match op {
                    UnOp::Neg => Op::Neg,
                    UnOp::Not => Op::Not,
                    UnOp::BitNot => Op::BitNot,
                    UnOp::Typeof => Op::Typeof,
                    UnOp::Clone => Op::Clone,
                });
            }
            ExprKind::Binary(op, a, b) => {
                self.expr(a)?;
                self.expr(b)?;
                self.line = e.line;
                self.emit(binary_op(*op));
            }
            ExprKind::And(..) | ExprKind::Or(..) => self.expr_logic(e)?,
            ExprKind::Ternary(..) => self.expr_ternary(e)?,
            ExprKind::Assign(target, op, value) => self.assign(target, *op, value, e.line)?,
            ExprKind::NewSlot(..) => self.expr_new_slot(e)?,
            ExprKind::IncDec { .. } => self.expr_inc_dec(e)?,
            ExprKind::Delete(..) => self.expr_delete(e)?,
            ExprKind::Table(..) => self.expr_table(e)?,
            ExprKind::Array(..) => self.expr_array(e)?,
            ExprKind::Function(def) => self.closure(def)?,
            ExprKind::Class(..) => self.expr_class(e)?,
        }
        Ok(())
    }

    pub(super) fn expr_ident(&mut self, e: &Expr) -> CResult<()> {
        let ExprKind::Ident(name) = &e.kind else {
            unreachable!()
        };
        match self.resolve(name) {
            Var::Local(slot) => {
                self.emit(Op::GetLocal(slot));
            }
            Var::Outer(i) => {
                self.emit(Op::GetOuter(i));
            }
            Var::Const(c) => self.push_constant(&c)?,
            Var::Name => {
                let k = self.str_const(name.as_bytes())?;
                self.emit(Op::GetName(k));
            }
        };
        Ok(())
    }

    pub(super) fn expr_index(&mut self, e: &Expr) -> CResult<()> {
        let ExprKind::Index(obj, key) = &e.kind else {
            unreachable!()
        };
        if let Some(c) = self.enum_entry(obj, key)? {
            return self.push_constant(&c);
        }
        self.expr(obj)?;
        self.line = e.line;
        if let ExprKind::Str(s) = &key.kind {
            let k = self.str_const(s)?;
            self.emit(Op::GetK(k));
        } else {
            self.expr(key)?;
            self.line = e.line;
            self.emit(Op::Get);
        }
        Ok(())
    }

    pub(super) fn expr_ternary(&mut self, e: &Expr) -> CResult<()> {
        let ExprKind::Ternary(c, a, b) = &e.kind else {
            unreachable!()
        };
        self.expr(c)?;
        let other = self.emit(Op::JumpIfFalse(0));
        self.expr(a)?;
        let end = self.emit(Op::Jump(0));
        self.patch(other);
        self.expr(b)?;
        self.patch(end);
        Ok(())
    }

    pub(super) fn expr_new_slot(&mut self, e: &Expr) -> CResult<()> {
        let ExprKind::NewSlot(target, value) = &e.kind else {
            unreachable!()
        };
        match &target.kind {
            ExprKind::Ident(name) => {
                self.expr(value)?;
                self.line = e.line;
                let k = self.str_const(name.as_bytes())?;
                self.emit(Op::NewSlotName(k));
            }
            ExprKind::Root(name) => {
                self.emit(Op::Root);
                let k = self.str_const(name.as_bytes())?;
                self.emit(Op::Const(k));
                self.expr(value)?;
                self.line = e.line;
                self.emit(Op::NewSlot);
            }
            ExprKind::Index(obj, key) => {
                self.expr(obj)?;
                self.expr(key)?;
                self.expr(value)?;
                self.line = e.line;
                self.emit(Op::NewSlot);
            }
            _ => return self.error("can't assign expression"),
        };
        Ok(())
    }

    pub(super) fn expr_inc_dec(&mut self, e: &Expr) -> CResult<()> {
        let ExprKind::IncDec {
            target,
            delta,
            prefix,
        } = &e.kind
        else {
            unreachable!()
        };
        let (delta, postfix) = (*delta as i8, !*prefix);
        match &target.kind {
            ExprKind::Ident(name) => match self.resolve(name) {
                Var::Local(slot) => {
                    self.emit(Op::IncLocal {
                        slot,
                        delta,
                        postfix,
                    });
                }
                Var::Outer(idx) => {
                    self.emit(Op::IncOuter {
                        idx,
                        delta,
                        postfix,
                    });
                }
                Var::Const(_) => return self.error("can't assign to a constant"),
                Var::Name => {
                    let name = self.str_const(name.as_bytes())?;
                    self.emit(Op::IncName {
                        name,
                        delta,
                        postfix,
                    });
                }
            },
            ExprKind::Root(name) => {
                self.emit(Op::Root);
                let k = self.str_const(name.as_bytes())?;
                self.emit(Op::Const(k));
                self.emit(Op::IncIndex { delta, postfix });
            }
            ExprKind::Index(obj, key) => {
                self.expr(obj)?;
                self.expr(key)?;
                self.line = e.line;
                self.emit(Op::IncIndex { delta, postfix });
            }
            _ => return self.error("can't assign expression"),
        }
        Ok(())
    }

    pub(super) fn expr_delete(&mut self, e: &Expr) -> CResult<()> {
        let ExprKind::Delete(target) = &e.kind else {
            unreachable!()
        };
        match &target.kind {
            ExprKind::Index(obj, key) => {
                self.expr(obj)?;
                self.expr(key)?;
            }
            ExprKind::Ident(name) => {
                self.emit(Op::GetLocal(0));
                let k = self.str_const(name.as_bytes())?;
                self.emit(Op::Const(k));
            }
            ExprKind::Root(name) => {
                self.emit(Op::Root);
                let k = self.str_const(name.as_bytes())?;
                self.emit(Op::Const(k));
            }
            _ => return self.error("can't delete an expression"),
        }
        self.line = e.line;
        self.emit(Op::Delete);
        Ok(())
    }

    pub(super) fn expr_table(&mut self, e: &Expr) -> CResult<()> {
        let ExprKind::Table(slots) = &e.kind else {
            unreachable!()
        };
        self.emit(Op::NewTable);
        for (k, v) in slots {
            self.expr(k)?;
            self.expr(v)?;
            self.emit(Op::TableSlot);
        }
        Ok(())
    }

    pub(super) fn expr_array(&mut self, e: &Expr) -> CResult<()> {
        let ExprKind::Array(items) = &e.kind else {
            unreachable!()
        };
        for item in items {
            self.expr(item)?;
        }
        self.line = e.line;
        self.emit(Op::NewArray(items.len() as u32));
        Ok(())
    }

    pub(super) fn expr_class(&mut self, e: &Expr) -> CResult<()> {
        let ExprKind::Class(def) = &e.kind else {
            unreachable!()
        };
        if let Some(base) = &def.base {
            self.expr(base)?;
        }
        self.line = e.line;
        self.emit(Op::NewClass(def.base.is_some()));
        for m in &def.members {
            self.expr(&m.key)?;
            self.expr(&m.value)?;
            self.emit(Op::ClassMember {
                is_static: m.is_static,
            });
        }
        Ok(())
    }

    pub(super) fn expr_logic(&mut self, e: &Expr) -> CResult<()> {
        let (ExprKind::And(a, b) | ExprKind::Or(a, b)) = &e.kind else {
            unreachable!()
        };
        self.expr(a)?;
        let j = self.emit(if matches!(e.kind, ExprKind::And(..)) {
            Op::AndJump(0)
        } else {
            Op::OrJump(0)
        });
        self.expr(b)?;
        self.patch(j);
        Ok(())
    }

    pub(super) fn closure(&mut self, def: &FuncDef) -> CResult<()> {
        for d in &def.defaults {
            self.expr(d)?;
        }
        let line = self.line;
        let idx = self.function(def)?;
        self.line = line;
        self.f().protos.push(idx);
        let local = self.f().protos.len() as u32 - 1;
        self.emit(Op::Closure(local));
        Ok(())
    }

    pub(super) fn call(&mut self, callee: &Expr, args: &[Expr], line: u32) -> CResult<()> {
        match &callee.kind {
            ExprKind::Index(obj, key) if self.enum_entry(obj, key)?.is_none() => {
                if matches!(obj.kind, ExprKind::Base) {
                    // `base.f()` calls the base class's member with the current `this`.
                    self.emit(Op::GetBase);
                    self.expr(key)?;
                    self.emit(Op::Get);
                    self.emit(Op::GetLocal(0));
                } else if let Some((name, key)) = self.name_method(obj, key, callee.line)? {
                    self.line = callee.line;
                    self.emit(Op::PrepCallName { name, key });
                } else {
                    self.expr(obj)?;
                    self.line = callee.line;
                    if let ExprKind::Str(s) = &key.kind {
                        let k = self.str_const(s)?;
                        self.emit(Op::PrepCallK(k));
                    } else {
                        self.expr(key)?;
                        self.emit(Op::PrepCall);
                    }
                }
            }
            _ => {
                // `f(x)` passes the caller's `this` (Squirrel: `f(x)` is `this.f(x)`).
                self.expr(callee)?;
                self.emit(Op::GetLocal(0));
            }
        }
        if args.len() > u16::MAX as usize - 1 {
            return self.error("too many arguments");
        }
        for a in args {
            self.expr(a)?;
        }
        self.line = line;
        self.emit(Op::Call(args.len() as u16));
        Ok(())
    }

    /// The constants of `name.key` when `name` is unresolved (a global, or a member of
    /// `this`) and `key` a string, written on one line: its call prepares with one
    /// [`Op::PrepCallName`]. (Lines apart, each part keeps its own line for errors.)
    fn name_method(&mut self, obj: &Expr, key: &Expr, line: u32) -> CResult<Option<(u32, u16)>> {
        let (ExprKind::Ident(name), ExprKind::Str(method)) = (&obj.kind, &key.kind) else { return Ok(None) };
        if obj.line != line || !matches!(self.resolve(name), Var::Name) {
            return Ok(None);
        }
        let name = self.str_const(name.as_bytes())?;
        let method = self.str_const(method)?;
        Ok(u16::try_from(method).ok().map(|m| (name, m)))
    }

    pub(super) fn assign(
        &mut self,
        target: &Expr,
        op: Option<BinOp>,
        value: &Expr,
        line: u32,
    ) -> CResult<()> {
        let arith = |op: Option<BinOp>| op.map(binary_op);
        match &target.kind {
            ExprKind::Ident(name) => {
                let var = self.resolve(name);
                if let Some(op) = arith(op) {
                    self.expr(target)?;
                    self.expr(value)?;
                    self.line = line;
                    self.emit(op);
                } else {
                    self.expr(value)?;
                    self.line = line;
                }
                match var {
                    Var::Local(slot) => self.emit(Op::SetLocal(slot)),
                    Var::Outer(i) => self.emit(Op::SetOuter(i)),
                    Var::Const(_) => return self.error("can't assign to a constant"),
                    Var::Name => {
                        let k = self.str_const(name.as_bytes())?;
                        self.emit(Op::SetName(k))
                    }
                };
            }
            ExprKind::Index(_, _) | ExprKind::Root(_) => {
                match &target.kind {
                    ExprKind::Index(obj, key) => {
                        self.expr(obj)?;
                        self.expr(key)?;
                    }
                    ExprKind::Root(name) => {
                        self.emit(Op::Root);
                        let k = self.str_const(name.as_bytes())?;
                        self.emit(Op::Const(k));
                    }
                    _ => unreachable!(),
                }
                if let Some(op) = arith(op) {
                    self.emit(Op::Dup2);
                    self.line = line;
                    self.emit(Op::Get);
                    self.expr(value)?;
                    self.line = line;
                    self.emit(op);
                } else {
                    self.expr(value)?;
                }
                self.line = line;
                self.emit(Op::Set);
            }
            _ => return self.error("can't assign expression"),
        }
        Ok(())
    }

    /// `Enum.Entry` folds to its constant.
    pub(super) fn enum_entry(&mut self, obj: &Expr, key: &Expr) -> CResult<Option<Constant>> {
        let (ExprKind::Ident(name), ExprKind::Str(k)) = (&obj.kind, &key.kind) else {
            return Ok(None);
        };
        let Var::Const(Constant::Enum(entries)) = self.resolve(name) else {
            return Ok(None);
        };
        match entries.iter().find(|(n, _)| n.as_bytes() == k.as_slice()) {
            Some((_, c)) => Ok(Some(c.clone())),
            None => self.error(format!(
                "invalid enum [no '{}' field in '{name}']",
                String::from_utf8_lossy(k)
            )),
        }
    }

    pub(super) fn push_constant(&mut self, c: &Constant) -> CResult<()> {
        match c {
            Constant::Null => self.emit(Op::Null),
            Constant::Bool(true) => self.emit(Op::True),
            Constant::Bool(false) => self.emit(Op::False),
            Constant::Int(i) => self.emit(Op::Int(*i)),
            Constant::Float(x) => self.emit(Op::Float(*x)),
            Constant::Str(s) => {
                let k = self.str_const(s)?;
                self.emit(Op::Const(k))
            }
            Constant::Enum(entries) => {
                self.emit(Op::NewTable);
                for (k, v) in entries {
                    let k = self.str_const(k.as_bytes())?;
                    self.emit(Op::Const(k));
                    self.push_constant(v)?;
                    self.emit(Op::TableSlot);
                }
                0
            }
        };
        Ok(())
    }
}
fn binary_op(op: BinOp) -> Op {
    match op {
        BinOp::Add => Op::Arith(Arith::Add),
        BinOp::Sub => Op::Arith(Arith::Sub),
        BinOp::Mul => Op::Arith(Arith::Mul),
        BinOp::Div => Op::Arith(Arith::Div),
        BinOp::Mod => Op::Arith(Arith::Mod),
        BinOp::Shl => Op::Arith(Arith::Shl),
        BinOp::Shr => Op::Arith(Arith::Shr),
        BinOp::UShr => Op::Arith(Arith::UShr),
        BinOp::BitAnd => Op::Arith(Arith::And),
        BinOp::BitOr => Op::Arith(Arith::Or),
        BinOp::BitXor => Op::Arith(Arith::Xor),
        BinOp::Eq => Op::Eq,
        BinOp::Ne => Op::Ne,
        BinOp::Lt => Op::Lt,
        BinOp::Le => Op::Le,
        BinOp::Gt => Op::Gt,
        BinOp::Ge => Op::Ge,
        BinOp::Cmp3 => Op::Cmp3,
        BinOp::In => Op::In,
        BinOp::Instanceof => Op::Instanceof,
    }
}
