//! Syntax tree to bytecode, one function at a time. Locals live in stack slots in declaration
//! order (slot 0 is `this`), so at every statement boundary the stack holds exactly the locals
//! in scope; temporaries go above them. Names resolve to a local, an outer (a captured local of
//! an enclosing function, closed over by reference), a constant, or a slot lookup through
//! `this` then the root table.

use std::collections::HashMap;
use std::rc::Rc;

use crate::ast::*;
use crate::bytecode::{Arith, Op, OuterDesc, Proto};
use crate::error::CompileError;
use crate::heap::Heap;
use crate::value::Value;

/// Most locals (and hidden loop slots) in one function; slot indexes are `u16`.
const MAX_LOCALS: usize = 4096;

struct Local {
    name: String,
    captured: bool,
}

struct LoopCtx {
    /// A `switch` takes `break` but not `continue`.
    is_switch: bool,
    /// Locals in scope where the loop began: `break`/`continue` pop down to it.
    locals: usize,
    trys: usize,
    breaks: Vec<usize>,
    continues: Vec<usize>,
}

struct FnState {
    name: String,
    file: Rc<str>,
    code: Vec<Op>,
    lines: Vec<u32>,
    consts: Vec<Value>,
    const_index: HashMap<ConstKey, u32>,
    protos: Vec<u32>,
    outers: Vec<(String, OuterDesc)>,
    locals: Vec<Local>,
    /// Locals count at the start of each open block.
    scopes: Vec<usize>,
    loops: Vec<LoopCtx>,
    trys: usize,
    nparams: u16,
    ndefaults: u16,
    varargs: bool,
}

#[derive(Hash, PartialEq, Eq)]
enum ConstKey {
    Str(Vec<u8>),
}

enum Var {
    Local(u16),
    Outer(u16),
    Const(Constant),
    Name,
}

pub(crate) struct Compiler<'a> {
    pub heap: &'a mut Heap,
    pub protos: &'a mut Vec<Rc<Proto>>,
    pub constants: &'a mut HashMap<String, Constant>,
    fns: Vec<FnState>,
    line: u32,
}

type CResult<T> = Result<T, CompileError>;

impl<'a> Compiler<'a> {
    pub fn new(
        heap: &'a mut Heap,
        protos: &'a mut Vec<Rc<Proto>>,
        constants: &'a mut HashMap<String, Constant>,
    ) -> Self {
        Compiler {
            heap,
            protos,
            constants,
            fns: Vec::new(),
            line: 1,
        }
    }

    /// Compiles a whole program; returns the index of its main function.
    pub fn program(&mut self, main: &FuncDef) -> CResult<u32> {
        self.function(main)
    }

    fn error<T>(&self, message: impl Into<String>) -> CResult<T> {
        let file = self
            .fns
            .last()
            .map(|f| f.file.to_string())
            .unwrap_or_default();
        Err(CompileError {
            file,
            line: self.line,
            col: 1,
            message: message.into(),
        })
    }

    fn f(&mut self) -> &mut FnState {
        self.fns.last_mut().expect("a function is being compiled")
    }

    fn emit(&mut self, op: Op) -> usize {
        let line = self.line;
        let f = self.f();
        f.code.push(op);
        f.lines.push(line);
        f.code.len() - 1
    }

    fn here(&mut self) -> usize {
        self.f().code.len()
    }

    fn patch(&mut self, at: usize) {
        let target = self.here() as u32;
        self.patch_to(at, target);
    }

    fn patch_to(&mut self, at: usize, target: u32) {
        let op = &mut self.f().code[at];
        *op = match *op {
            Op::Jump(_) => Op::Jump(target),
            Op::JumpIfFalse(_) => Op::JumpIfFalse(target),
            Op::AndJump(_) => Op::AndJump(target),
            Op::OrJump(_) => Op::OrJump(target),
            Op::PushTrap(_) => Op::PushTrap(target),
            Op::ForeachNext { slot, .. } => Op::ForeachNext { slot, exit: target },
            Op::LtLocalJump { slot, .. } => Op::LtLocalJump { slot, target },
            other => other,
        };
    }

    fn constant(&mut self, v: ConstKey) -> CResult<u32> {
        if let Some(&i) = self.f().const_index.get(&v) {
            return Ok(i);
        }
        let value = match &v {
            ConstKey::Str(s) => self
                .heap
                .string(s)
                .or_else(|_| self.error("program too large"))?,
        };
        let f = self.f();
        let i = f.consts.len() as u32;
        f.consts.push(value);
        f.const_index.insert(v, i);
        Ok(i)
    }

    fn str_const(&mut self, s: &[u8]) -> CResult<u32> {
        self.constant(ConstKey::Str(s.to_vec()))
    }

    // ---- functions and scopes ----

    fn function(&mut self, def: &FuncDef) -> CResult<u32> {
        let saved_line = self.line;
        self.line = def.line;
        let mut locals = vec![Local {
            name: "this".into(),
            captured: false,
        }];
        locals.extend(def.params.iter().map(|p| Local {
            name: p.clone(),
            captured: false,
        }));
        if def.varargs {
            locals.push(Local {
                name: "vargv".into(),
                captured: false,
            });
        }
        self.fns.push(FnState {
            name: def.name.clone(),
            file: def.file.clone(),
            code: Vec::new(),
            lines: Vec::new(),
            consts: Vec::new(),
            const_index: HashMap::new(),
            protos: Vec::new(),
            outers: Vec::new(),
            locals,
            scopes: Vec::new(),
            loops: Vec::new(),
            trys: 0,
            nparams: def.params.len() as u16,
            ndefaults: def.defaults.len() as u16,
            varargs: def.varargs,
        });
        for s in &def.body {
            self.stmt(s)?;
        }
        self.emit(Op::ReturnNull);
        let f = self.fns.pop().expect("pushed above");
        self.line = saved_line;
        let proto = Proto {
            name: f.name,
            file: f.file,
            code: f.code,
            lines: f.lines,
            consts: f.consts,
            protos: f.protos,
            outers: f.outers.into_iter().map(|(_, d)| d).collect(),
            nparams: f.nparams,
            ndefaults: f.ndefaults,
            varargs: f.varargs,
        };
        self.protos.push(Rc::new(proto));
        Ok(self.protos.len() as u32 - 1)
    }

    fn begin_scope(&mut self) {
        let n = self.f().locals.len();
        self.f().scopes.push(n);
    }

    fn end_scope(&mut self) {
        let start = self.f().scopes.pop().expect("scope opened");
        self.pop_locals_to(start, true);
    }

    /// Emits the pops (and closes) down to `start` locals; `forget` also drops them from the
    /// compiler's view (false for `break`/`continue`, which jump out without ending the scope).
    fn pop_locals_to(&mut self, start: usize, forget: bool) {
        let f = self.f();
        let n = f.locals.len() - start;
        if n == 0 {
            return;
        }
        let captured = f.locals[start..].iter().any(|l| l.captured);
        if forget {
            f.locals.truncate(start);
        }
        if captured {
            self.emit(Op::CloseOuters(start as u16));
        }
        self.emit(if n == 1 { Op::Pop } else { Op::PopN(n as u16) });
    }

    fn declare(&mut self, name: &str) -> CResult<u16> {
        if self.f().locals.len() >= MAX_LOCALS {
            return self.error("too many local variables");
        }
        self.f().locals.push(Local {
            name: name.to_string(),
            captured: false,
        });
        Ok(self.f().locals.len() as u16 - 1)
    }

    fn resolve(&mut self, name: &str) -> Var {
        let depth = self.fns.len() - 1;
        if let Some(slot) = Self::find_local(&self.fns[depth], name) {
            return Var::Local(slot);
        }
        if let Some(i) = self.resolve_outer(depth, name) {
            return Var::Outer(i);
        }
        if let Some(c) = self.constants.get(name) {
            return Var::Const(c.clone());
        }
        Var::Name
    }

    fn find_local(f: &FnState, name: &str) -> Option<u16> {
        f.locals
            .iter()
            .rposition(|l| l.name == name)
            .map(|i| i as u16)
    }

    fn resolve_outer(&mut self, depth: usize, name: &str) -> Option<u16> {
        if let Some(i) = self.fns[depth].outers.iter().position(|(n, _)| n == name) {
            return Some(i as u16);
        }
        if depth == 0 || name == "this" || name == "vargv" {
            return None;
        }
        let desc = if let Some(slot) = Self::find_local(&self.fns[depth - 1], name) {
            self.fns[depth - 1].locals[slot as usize].captured = true;
            OuterDesc {
                from_parent_local: true,
                index: slot,
            }
        } else {
            let i = self.resolve_outer(depth - 1, name)?;
            OuterDesc {
                from_parent_local: false,
                index: i,
            }
        };
        let f = &mut self.fns[depth];
        f.outers.push((name.to_string(), desc));
        Some(f.outers.len() as u16 - 1)
    }

    // ---- statements ----

    fn stmt(&mut self, s: &Stmt) -> CResult<()> {
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

    fn stmt_local(&mut self, s: &Stmt) -> CResult<()> {
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

    fn stmt_local_function(&mut self, s: &Stmt) -> CResult<()> {
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

    fn stmt_if(&mut self, s: &Stmt) -> CResult<()> {
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

    fn stmt_while(&mut self, s: &Stmt) -> CResult<()> {
        let StmtKind::While(cond, body) = &s.kind else {
            unreachable!()
        };
        let start = self.here();
        self.expr(cond)?;
        let exit = self.emit(Op::JumpIfFalse(0));
        self.push_loop(false);
        self.scoped(body)?;
        self.emit(Op::Jump(start as u32));
        self.patch(exit);
        self.pop_loop(start as u32);
        Ok(())
    }

    fn stmt_do_while(&mut self, s: &Stmt) -> CResult<()> {
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

    fn stmt_for(&mut self, s: &Stmt) -> CResult<()> {
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
        let start = self.here();
        let exit = match cond {
            Some(c) => Some(self.loop_condition(c)?),
            None => None,
        };
        self.push_loop(false);
        self.scoped(body)?;
        let cont = self.here() as u32;
        for e in step {
            self.step_expr(e)?;
        }
        self.emit(Op::Jump(start as u32));
        if let Some(exit) = exit {
            self.patch(exit);
        }
        self.pop_loop(cont);
        self.end_scope();
        Ok(())
    }

    fn stmt_foreach(&mut self, s: &Stmt) -> CResult<()> {
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

    fn stmt_switch(&mut self, s: &Stmt) -> CResult<()> {
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

    fn stmt_jump(&mut self, s: &Stmt) -> CResult<()> {
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

    fn stmt_try(&mut self, s: &Stmt) -> CResult<()> {
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

    /// A loop head: `local < expr` compiles to one fused instruction.
    fn loop_condition(&mut self, c: &Expr) -> CResult<usize> {
        if let ExprKind::Binary(BinOp::Lt, a, b) = &c.kind {
            if let ExprKind::Ident(n) = &a.kind {
                if let Var::Local(slot) = self.resolve(n) {
                    self.expr(b)?;
                    return Ok(self.emit(Op::LtLocalJump { slot, target: 0 }));
                }
            }
        }
        self.expr(c)?;
        Ok(self.emit(Op::JumpIfFalse(0)))
    }

    /// A `for` step: `i++`, `i += n` on a local compile to one fused instruction.
    fn step_expr(&mut self, e: &Expr) -> CResult<()> {
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

    fn case_body(&mut self, body: &[Stmt]) -> CResult<()> {
        self.begin_scope();
        for s in body {
            self.stmt(s)?;
        }
        self.end_scope();
        Ok(())
    }

    /// A statement in its own scope (the body of an `if`, a loop, a `try`).
    fn scoped(&mut self, s: &Stmt) -> CResult<()> {
        self.begin_scope();
        self.stmt(s)?;
        self.end_scope();
        Ok(())
    }

    fn push_loop(&mut self, is_switch: bool) {
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

    fn pop_loop(&mut self, continue_target: u32) {
        let ctx = self.f().loops.pop().expect("loop pushed");
        for j in ctx.breaks {
            self.patch(j);
        }
        for j in ctx.continues {
            self.patch_to(j, continue_target);
        }
    }

    // ---- expressions: each pushes exactly one value ----

    fn expr(&mut self, e: &Expr) -> CResult<()> {
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

    fn expr_ident(&mut self, e: &Expr) -> CResult<()> {
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

    fn expr_index(&mut self, e: &Expr) -> CResult<()> {
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

    fn expr_ternary(&mut self, e: &Expr) -> CResult<()> {
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

    fn expr_new_slot(&mut self, e: &Expr) -> CResult<()> {
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

    fn expr_inc_dec(&mut self, e: &Expr) -> CResult<()> {
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

    fn expr_delete(&mut self, e: &Expr) -> CResult<()> {
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

    fn expr_table(&mut self, e: &Expr) -> CResult<()> {
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

    fn expr_array(&mut self, e: &Expr) -> CResult<()> {
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

    fn expr_class(&mut self, e: &Expr) -> CResult<()> {
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

    fn expr_logic(&mut self, e: &Expr) -> CResult<()> {
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

    fn closure(&mut self, def: &FuncDef) -> CResult<()> {
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

    fn call(&mut self, callee: &Expr, args: &[Expr], line: u32) -> CResult<()> {
        match &callee.kind {
            ExprKind::Index(obj, key) if self.enum_entry(obj, key)?.is_none() => {
                if matches!(obj.kind, ExprKind::Base) {
                    // `base.f()` calls the base class's member with the current `this`.
                    self.emit(Op::GetBase);
                    self.expr(key)?;
                    self.emit(Op::Get);
                    self.emit(Op::GetLocal(0));
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

    fn assign(&mut self, target: &Expr, op: Option<BinOp>, value: &Expr, line: u32) -> CResult<()> {
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
    fn enum_entry(&mut self, obj: &Expr, key: &Expr) -> CResult<Option<Constant>> {
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

    fn push_constant(&mut self, c: &Constant) -> CResult<()> {
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
