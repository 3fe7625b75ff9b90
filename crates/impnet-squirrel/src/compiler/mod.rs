//! Syntax tree to bytecode, one function at a time. Locals live in stack slots in declaration
//! order (slot 0 is `this`), so at every statement boundary the stack holds exactly the locals
//! in scope; temporaries go above them. Names resolve to a local, an outer (a captured local of
//! an enclosing function, closed over by reference), a constant, or a slot lookup through
//! `this` then the root table.

use std::collections::HashMap;
use std::rc::Rc;

use crate::ast::*;
use crate::bytecode::{Op, OuterDesc, Proto};
use crate::error::CompileError;
use crate::heap::Heap;
use crate::value::Value;

mod expr;
mod stmt;
#[cfg(test)]
mod tests;

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
            Op::JumpIfTrue(_) => Op::JumpIfTrue(target),
            Op::AndJump(_) => Op::AndJump(target),
            Op::OrJump(_) => Op::OrJump(target),
            Op::PushTrap(_) => Op::PushTrap(target),
            Op::ForeachNext { slot, .. } => Op::ForeachNext { slot, exit: target },
            Op::LtLocalJump { slot, when, .. } => Op::LtLocalJump { slot, target, when },
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
}
