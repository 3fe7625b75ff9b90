//! Statements: locals, blocks, branches, loops (with `break`/`continue` across scopes and
//! `try`s), `switch`, `try`/`catch`, `return`, `throw`, `const`/`enum`.

use super::{CResult, Compiler, LoopCtx, Var};
use crate::ast::*;
use crate::bytecode::Op;

/// The longest loop test (in instructions) compiled twice, at the head and the foot.
const MAX_REPEATED_TEST: usize = 32;

impl Compiler<'_> {
    // ---- statements ----

    pub(super) fn stmt(&mut self, s: &Stmt) -> CResult<()> {
        self.line = s.line;
        match &s.kind {
            StmtKind::Empty => {}
            StmtKind::Expr(e) => {
                self.expr(e)?;
                self.emit(Op::Pop);
            }
            StmtKind::Local(..) => self.stmt_local(s)?,
            StmtKind::LocalFunction(..) => self.stmt_local_function(s)?,
            StmtKind::Block(body) => {
                self.begin_scope();
                for s in body {
                    self.stmt(s)?;
                }
                self.end_scope();
            }
            StmtKind::If(..) => self.stmt_if(s)?,
            StmtKind::While(..) => self.stmt_while(s)?,
            StmtKind::DoWhile(..) => self.stmt_do_while(s)?,
            StmtKind::For { .. } => self.stmt_for(s)?,
            StmtKind::Foreach { .. } => self.stmt_foreach(s)?,
            StmtKind::Switch { .. } => self.stmt_switch(s)?,
            StmtKind::Return(value) => {
                match value {
                    Some(e) => {
                        self.expr(e)?;
                        self.emit(Op::Return);
                    }
                    None => {
                        self.emit(Op::ReturnNull);
                    }
                };
            }
            StmtKind::Break | StmtKind::Continue => self.stmt_jump(s)?,
            StmtKind::Throw(e) => {
                self.expr(e)?;
                self.emit(Op::Throw);
            }
            StmtKind::Try(..) => self.stmt_try(s)?,
            StmtKind::Const(name, value) => {
                self.constants.insert(name.clone(), value.clone());
            }
        }
        Ok(())
    }

    pub(super) fn stmt_local(&mut self, s: &Stmt) -> CResult<()> {
        let StmtKind::Local(list) = &s.kind else {
            unreachable!()
        };
        for (name, init) in list {
            match init {
                Some(e) => self.expr(e)?,
                None => {
                    self.emit(Op::Null);
                }
            }
            self.declare(name)?;
        }
        Ok(())
    }

    pub(super) fn stmt_local_function(&mut self, s: &Stmt) -> CResult<()> {
        let StmtKind::LocalFunction(name, def) = &s.kind else {
            unreachable!()
        };
        self.emit(Op::Null);
        let slot = self.declare(name)?;
        self.closure(def)?;
        self.emit(Op::SetLocal(slot));
        self.emit(Op::Pop);
        Ok(())
    }

    pub(super) fn stmt_if(&mut self, s: &Stmt) -> CResult<()> {
        let StmtKind::If(cond, then, other) = &s.kind else {
            unreachable!()
        };
        self.expr(cond)?;
        let skip = self.emit(Op::JumpIfFalse(0));
        self.scoped(then)?;
        if let Some(other) = other {
            let end = self.emit(Op::Jump(0));
            self.patch(skip);
            self.scoped(other)?;
            self.patch(end);
        } else {
            self.patch(skip);
        }
        Ok(())
    }

    pub(super) fn stmt_while(&mut self, s: &Stmt) -> CResult<()> {
        let StmtKind::While(cond, body) = &s.kind else {
            unreachable!()
        };
        let head = self.here();
        let exit = self.loop_condition(cond, false)?;
        let repeat = self.repeatable(head);
        self.push_loop(false);
        let start = self.here();
        self.scoped(body)?;
        let cont = self.here() as u32;
        self.loop_foot(repeat.then_some(cond), start, head)?;
        self.patch(exit);
        self.pop_loop(cont);
        Ok(())
    }

    pub(super) fn stmt_do_while(&mut self, s: &Stmt) -> CResult<()> {
        let StmtKind::DoWhile(body, cond) = &s.kind else {
            unreachable!()
        };
        let start = self.here();
        self.push_loop(false);
        self.scoped(body)?;
        let cont = self.here() as u32;
        self.line = cond.line;
        self.expr(cond)?;
        let exit = self.emit(Op::JumpIfFalse(0));
        self.emit(Op::Jump(start as u32));
        self.patch(exit);
        self.pop_loop(cont);
        Ok(())
    }

    pub(super) fn stmt_for(&mut self, s: &Stmt) -> CResult<()> {
        let StmtKind::For {
            init,
            cond,
            step,
            body,
        } = &s.kind
        else {
            unreachable!()
        };
        self.begin_scope();
        for s in init {
            self.stmt(s)?;
        }
        let head = self.here();
        let exit = match cond {
            Some(c) => Some(self.loop_condition(c, false)?),
            None => None,
        };
        let repeat = self.repeatable(head);
        self.push_loop(false);
        let start = self.here();
        self.scoped(body)?;
        let cont = self.here() as u32;
        for e in step {
            self.step_expr(e)?;
        }
        self.loop_foot(cond.as_ref().filter(|_| repeat), start, head)?;
        if let Some(exit) = exit {
            self.patch(exit);
        }
        self.pop_loop(cont);
        self.end_scope();
        Ok(())
    }

    pub(super) fn stmt_foreach(&mut self, s: &Stmt) -> CResult<()> {
        let StmtKind::Foreach {
            key,
            value,
            iterable,
            body,
        } = &s.kind
        else {
            unreachable!()
        };
        self.begin_scope();
        self.expr(iterable)?;
        let slot = self.declare("$iterable")?;
        self.emit(Op::Int(0));
        self.declare("$position")?;
        self.emit(Op::Null);
        self.declare(key.as_deref().unwrap_or("$key"))?;
        self.emit(Op::Null);
        self.declare(value)?;
        let start = self.here();
        let exit = self.emit(Op::ForeachNext { slot, exit: 0 });
        self.push_loop(false);
        self.scoped(body)?;
        let cont = self.here() as u32;
        // Each iteration's key and value are fresh variables for closures.
        let captured = self.f().locals[slot as usize + 2..]
            .iter()
            .any(|l| l.captured);
        if captured {
            self.emit(Op::CloseOuters(slot + 2));
        }
        self.emit(Op::Jump(start as u32));
        self.patch(exit);
        self.pop_loop(cont);
        self.end_scope();
        Ok(())
    }

    pub(super) fn stmt_switch(&mut self, s: &Stmt) -> CResult<()> {
        let StmtKind::Switch {
            subject,
            cases,
            default,
        } = &s.kind
        else {
            unreachable!()
        };
        self.begin_scope();
        self.expr(subject)?;
        let slot = self.declare("$switch")?;
        self.push_loop(true);
        let mut pending_body: Option<usize> = None;
        for (value, body) in cases {
            self.line = value.line;
            self.emit(Op::GetLocal(slot));
            self.expr(value)?;
            self.emit(Op::Eq);
            let next = self.emit(Op::JumpIfFalse(0));
            if let Some(j) = pending_body.take() {
                self.patch(j);
            }
            self.case_body(body)?;
            pending_body = Some(self.emit(Op::Jump(0)));
            self.patch(next);
        }
        if let Some(j) = pending_body.take() {
            self.patch(j);
        }
        if let Some(body) = default {
            self.case_body(body)?;
        }
        let end = self.here() as u32;
        self.pop_loop(end);
        self.end_scope();
        Ok(())
    }

    pub(super) fn stmt_jump(&mut self, s: &Stmt) -> CResult<()> {
        let is_break = matches!(s.kind, StmtKind::Break);
        let Some(i) = self
            .f()
            .loops
            .iter()
            .rposition(|l| is_break || !l.is_switch)
        else {
            return self.error(if is_break {
                "'break' has to be in a loop block"
            } else {
                "'continue' has to be in a loop block"
            });
        };
        let (locals, trys) = (self.f().loops[i].locals, self.f().loops[i].trys);
        for _ in trys..self.f().trys {
            self.emit(Op::PopTrap);
        }
        self.pop_locals_to(locals, false);
        let j = self.emit(Op::Jump(0));
        let ctx = &mut self.f().loops[i];
        if is_break {
            ctx.breaks.push(j);
        } else {
            ctx.continues.push(j);
        }
        Ok(())
    }

    pub(super) fn stmt_try(&mut self, s: &Stmt) -> CResult<()> {
        let StmtKind::Try(body, name, handler) = &s.kind else {
            unreachable!()
        };
        let trap = self.emit(Op::PushTrap(0));
        self.f().trys += 1;
        self.scoped(body)?;
        self.f().trys -= 1;
        self.emit(Op::PopTrap);
        let end = self.emit(Op::Jump(0));
        self.patch(trap);
        // The VM pushes the error value: it is the catch variable's slot.
        self.begin_scope();
        self.declare(name)?;
        self.scoped(handler)?;
        self.end_scope();
        self.patch(end);
        Ok(())
    }

    /// A loop's test: `local < expr` compiles to one fused instruction. At the head (`when`
    /// false) it leaves the loop; at the foot (`when` true) it goes round again.
    pub(super) fn loop_condition(&mut self, c: &Expr, when: bool) -> CResult<usize> {
        if let Some((slot, b)) = self.local_lt(c) {
            self.expr(b)?;
            return Ok(self.emit(Op::LtLocalJump { slot, target: 0, when }));
        }
        self.expr(c)?;
        Ok(self.emit(if when { Op::JumpIfTrue(0) } else { Op::JumpIfFalse(0) }))
    }

    /// Whether the loop test compiled from `head` on may be compiled again at the loop's foot,
    /// so each turn ends with the test rather than a jump back to it (one instruction fewer a
    /// turn). Not when it makes functions: a test holding a function holding a loop would
    /// double the code at each level.
    fn repeatable(&mut self, head: usize) -> bool {
        let code = &self.f().code[head..];
        code.len() <= MAX_REPEATED_TEST && !code.iter().any(|op| matches!(op, Op::Closure(_) | Op::NewClass(_)))
    }

    /// `local < b`: the local's slot and `b`.
    fn local_lt<'e>(&mut self, c: &'e Expr) -> Option<(u16, &'e Expr)> {
        let ExprKind::Binary(BinOp::Lt, a, b) = &c.kind else { return None };
        let ExprKind::Ident(n) = &a.kind else { return None };
        match self.resolve(n) {
            Var::Local(slot) => Some((slot, b)),
            _ => None,
        }
    }

    /// `local < integer` with the local in the first 256 slots: its slot, the integer and the
    /// integer's line (where the test's errors are reported, as at the head).
    fn int_bound(&mut self, c: &Expr) -> Option<(u8, i32, u32)> {
        let (slot, b) = self.local_lt(c)?;
        let ExprKind::Int(limit) = b.kind else { return None };
        Some((u8::try_from(slot).ok()?, limit, b.line))
    }

    /// The end of a turn: the test again (jumping back to the body at `start` while it holds),
    /// or a jump back to the test at `head`.
    fn loop_foot(&mut self, test: Option<&Expr>, start: usize, head: usize) -> CResult<()> {
        match test {
            Some(c) => {
                if let Some((slot, limit, line)) = self.int_bound(c) {
                    if let Ok(back) = u16::try_from(self.here() + 1 - start) {
                        self.line = line;
                        self.emit(Op::LtLocalIntLoop { slot, back, limit });
                        return Ok(());
                    }
                }
                let again = self.loop_condition(c, true)?;
                self.patch_to(again, start as u32);
            }
            None => {
                self.emit(Op::Jump(head as u32));
            }
        }
        Ok(())
    }

    /// A `for` step: `i++`, `i += n` on a local compile to one fused instruction.
    pub(super) fn step_expr(&mut self, e: &Expr) -> CResult<()> {
        self.line = e.line;
        let fused = match &e.kind {
            ExprKind::IncDec { target, delta, .. } => Some((target, *delta)),
            ExprKind::Assign(target, Some(BinOp::Add), v) => match v.kind {
                ExprKind::Int(n) => Some((target, n)),
                _ => None,
            },
            _ => None,
        };
        if let Some((target, n)) = fused {
            if let ExprKind::Ident(name) = &target.kind {
                if let Var::Local(slot) = self.resolve(name) {
                    self.emit(Op::AddLocalInt { slot, n });
                    return Ok(());
                }
            }
        }
        self.expr(e)?;
        self.emit(Op::Pop);
        Ok(())
    }

    pub(super) fn case_body(&mut self, body: &[Stmt]) -> CResult<()> {
        self.begin_scope();
        for s in body {
            self.stmt(s)?;
        }
        self.end_scope();
        Ok(())
    }

    /// A statement in its own scope (the body of an `if`, a loop, a `try`).
    pub(super) fn scoped(&mut self, s: &Stmt) -> CResult<()> {
        self.begin_scope();
        self.stmt(s)?;
        self.end_scope();
        Ok(())
    }

    pub(super) fn push_loop(&mut self, is_switch: bool) {
        let f = self.f();
        let ctx = LoopCtx {
            is_switch,
            locals: f.locals.len(),
            trys: f.trys,
            breaks: vec![],
            continues: vec![],
        };
        f.loops.push(ctx);
    }

    pub(super) fn pop_loop(&mut self, continue_target: u32) {
        let ctx = self.f().loops.pop().expect("loop pushed");
        for j in ctx.breaks {
            self.patch(j);
        }
        for j in ctx.continues {
            self.patch_to(j, continue_target);
        }
    }
}
