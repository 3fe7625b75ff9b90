//! Recursive descent over the token stream into [`crate::ast`]. Nesting is capped
//! ([`MAX_NESTING`]) so hostile input is a compile error, never a Rust stack overflow.

use std::rc::Rc;

use crate::ast::*;
use crate::error::CompileError;
use crate::lexer::{tokenize, Keyword as K, Punct as P, Token, TokenKind as T};

/// Deepest nesting of expressions and statements the parser accepts.
pub const MAX_NESTING: u32 = 64;

pub struct Parser {
    toks: Vec<Token>,
    pos: usize,
    file: Rc<str>,
    depth: u32,
}

type PResult<T> = Result<T, CompileError>;

#[derive(Clone, Copy)]
enum Bin {
    Or,
    And,
    Op(BinOp),
}

/// Parses a whole program: its top level is the body of the `main` function.
pub fn parse_program(file: &str, src: &str) -> PResult<Rc<FuncDef>> {
    let toks = tokenize(file, src)?;
    let mut p = Parser {
        toks,
        pos: 0,
        file: file.into(),
        depth: 0,
    };
    let mut body = Vec::new();
    while !p.at_eof() {
        body.push(p.statement()?);
    }
    Ok(Rc::new(FuncDef {
        name: "main".into(),
        file: p.file.clone(),
        line: 1,
        params: vec![],
        defaults: vec![],
        varargs: true,
        body,
    }))
}

impl Parser {
    fn cur(&self) -> &Token {
        &self.toks[self.pos.min(self.toks.len() - 1)]
    }

    fn tok(&self) -> &T {
        &self.cur().kind
    }

    fn line(&self) -> u32 {
        self.cur().span.line
    }

    fn at_eof(&self) -> bool {
        matches!(self.tok(), T::Eof)
    }

    fn advance(&mut self) -> T {
        let t = self.tok().clone();
        self.pos += 1;
        t
    }

    fn is_p(&self, p: P) -> bool {
        matches!(self.tok(), T::Punct(q) if *q == p)
    }

    fn is_k(&self, k: K) -> bool {
        matches!(self.tok(), T::Keyword(q) if *q == k)
    }

    fn eat_p(&mut self, p: P) -> bool {
        let hit = self.is_p(p);
        if hit {
            self.advance();
        }
        hit
    }

    fn eat_k(&mut self, k: K) -> bool {
        let hit = self.is_k(k);
        if hit {
            self.advance();
        }
        hit
    }

    fn error<X>(&self, message: impl Into<String>) -> PResult<X> {
        let span = self.cur().span;
        Err(CompileError {
            file: self.file.to_string(),
            line: span.line,
            col: span.col,
            message: message.into(),
        })
    }

    fn describe(&self) -> String {
        match self.tok() {
            T::Ident(s) => format!("'{s}'"),
            T::Keyword(k) => format!("'{}'", k.as_str()),
            T::Int(_) | T::Float(_) => "a number".into(),
            T::Str(_) => "a string".into(),
            T::Punct(p) => format!("'{}'", p.as_str()),
            T::Eof => "end of file".into(),
            T::Comment | T::Error => "?".into(),
        }
    }

    fn expect_p(&mut self, p: P) -> PResult<()> {
        if self.eat_p(p) {
            Ok(())
        } else {
            self.error(format!(
                "expected '{}', found {}",
                p.as_str(),
                self.describe()
            ))
        }
    }

    fn ident(&mut self) -> PResult<String> {
        match self.tok() {
            T::Ident(s) => {
                let s = s.clone();
                self.advance();
                Ok(s)
            }
            // `constructor` is an ordinary name outside class bodies (e.g. `base.constructor()`).
            T::Keyword(K::Constructor) => {
                self.advance();
                Ok("constructor".into())
            }
            _ => self.error(format!("expected an identifier, found {}", self.describe())),
        }
    }

    fn nest(&mut self) -> PResult<()> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            return self.error(format!(
                "program nested too deeply (more than {MAX_NESTING} levels)"
            ));
        }
        Ok(())
    }

    /// A newline between the previous token and this one ends a statement like `;` does.
    fn newline_before(&self) -> bool {
        self.pos == 0
            || self.pos >= self.toks.len()
            || self.toks[self.pos - 1].span.line < self.cur().span.line
    }

    fn end_statement(&mut self) -> PResult<()> {
        if self.eat_p(P::Semi) || self.is_p(P::RBrace) || self.at_eof() || self.newline_before() {
            Ok(())
        } else {
            self.error(format!(
                "end of statement expected (; or lf), found {}",
                self.describe()
            ))
        }
    }

    // ---- statements ----

    fn statement(&mut self) -> PResult<Stmt> {
        self.nest()?;
        let r = self.statement_inner();
        self.depth -= 1;
        r
    }

    /// Dispatches on the first token. Each statement has its own small function: this one is
    /// on the recursion path of nested blocks and must keep a small stack frame.
    fn statement_inner(&mut self) -> PResult<Stmt> {
        let line = self.line();
        let kind = match self.tok() {
            T::Punct(P::Semi) => {
                self.advance();
                StmtKind::Empty
            }
            T::Punct(P::LBrace) => {
                self.advance();
                StmtKind::Block(self.block_rest()?)
            }
            T::Keyword(K::If) => self.if_stmt()?,
            T::Keyword(K::While) => self.while_stmt()?,
            T::Keyword(K::Do) => self.do_stmt()?,
            T::Keyword(K::For) => self.for_stmt()?,
            T::Keyword(K::Foreach) => self.foreach_stmt()?,
            T::Keyword(K::Switch) => self.switch_stmt()?,
            T::Keyword(K::Local) => self.local_stmt(line)?,
            T::Keyword(K::Return) => self.return_stmt()?,
            T::Keyword(K::Break) => {
                self.advance();
                self.end_statement()?;
                StmtKind::Break
            }
            T::Keyword(K::Continue) => {
                self.advance();
                self.end_statement()?;
                StmtKind::Continue
            }
            T::Keyword(K::Throw) => {
                self.advance();
                let e = self.expr()?;
                self.end_statement()?;
                StmtKind::Throw(e)
            }
            T::Keyword(K::Try) => self.try_stmt()?,
            T::Keyword(K::Function) => self.function_stmt(line)?,
            T::Keyword(K::Class) => self.class_stmt(line)?,
            T::Keyword(K::Const) => self.const_stmt()?,
            T::Keyword(K::Enum) => self.enum_stmt()?,
            _ => {
                let e = self.expr()?;
                self.end_statement()?;
                StmtKind::Expr(e)
            }
        };
        Ok(Stmt { kind, line })
    }

    fn paren_expr(&mut self) -> PResult<Expr> {
        self.expect_p(P::LParen)?;
        let e = self.expr()?;
        self.expect_p(P::RParen)?;
        Ok(e)
    }

    fn if_stmt(&mut self) -> PResult<StmtKind> {
        self.advance();
        let cond = self.paren_expr()?;
        let then = Box::new(self.statement()?);
        let other = if self.eat_k(K::Else) {
            Some(Box::new(self.statement()?))
        } else {
            None
        };
        Ok(StmtKind::If(cond, then, other))
    }

    fn while_stmt(&mut self) -> PResult<StmtKind> {
        self.advance();
        let cond = self.paren_expr()?;
        Ok(StmtKind::While(cond, Box::new(self.statement()?)))
    }

    fn do_stmt(&mut self) -> PResult<StmtKind> {
        self.advance();
        let body = Box::new(self.statement()?);
        if !self.eat_k(K::While) {
            return self.error("expected 'while' after do body");
        }
        let cond = self.paren_expr()?;
        Ok(StmtKind::DoWhile(body, cond))
    }

    fn for_stmt(&mut self) -> PResult<StmtKind> {
        self.advance();
        self.expect_p(P::LParen)?;
        let mut init = Vec::new();
        if self.is_k(K::Local) {
            let l = self.line();
            self.advance();
            init.push(Stmt {
                kind: StmtKind::Local(self.local_list()?),
                line: l,
            });
        } else if !self.is_p(P::Semi) {
            for e in self.expr_list()? {
                init.push(Stmt {
                    line: e.line,
                    kind: StmtKind::Expr(e),
                });
            }
        }
        self.expect_p(P::Semi)?;
        let cond = if self.is_p(P::Semi) {
            None
        } else {
            Some(self.expr()?)
        };
        self.expect_p(P::Semi)?;
        let step = if self.is_p(P::RParen) {
            vec![]
        } else {
            self.expr_list()?
        };
        self.expect_p(P::RParen)?;
        let body = Box::new(self.statement()?);
        Ok(StmtKind::For {
            init,
            cond,
            step,
            body,
        })
    }

    fn foreach_stmt(&mut self) -> PResult<StmtKind> {
        self.advance();
        self.expect_p(P::LParen)?;
        let first = self.ident()?;
        let (key, value) = if self.eat_p(P::Comma) {
            (Some(first), self.ident()?)
        } else {
            (None, first)
        };
        if !self.eat_k(K::In) {
            return self.error("expected 'in'");
        }
        let iterable = self.expr()?;
        self.expect_p(P::RParen)?;
        let body = Box::new(self.statement()?);
        Ok(StmtKind::Foreach {
            key,
            value,
            iterable,
            body,
        })
    }

    fn switch_stmt(&mut self) -> PResult<StmtKind> {
        self.advance();
        let subject = self.paren_expr()?;
        self.expect_p(P::LBrace)?;
        let mut cases = Vec::new();
        let mut default = None;
        loop {
            if self.eat_k(K::Case) {
                let v = self.expr()?;
                self.expect_p(P::Colon)?;
                cases.push((v, self.case_body()?));
            } else if self.eat_k(K::Default) {
                self.expect_p(P::Colon)?;
                default = Some(self.case_body()?);
            } else {
                break;
            }
        }
        self.expect_p(P::RBrace)?;
        Ok(StmtKind::Switch {
            subject,
            cases,
            default,
        })
    }

    fn local_stmt(&mut self, line: u32) -> PResult<StmtKind> {
        self.advance();
        if self.eat_k(K::Function) {
            let name = self.ident()?;
            let f = self.function_rest(name.clone(), line)?;
            return Ok(StmtKind::LocalFunction(name, f));
        }
        let list = self.local_list()?;
        self.end_statement()?;
        Ok(StmtKind::Local(list))
    }

    fn return_stmt(&mut self) -> PResult<StmtKind> {
        self.advance();
        let value =
            if self.is_p(P::Semi) || self.is_p(P::RBrace) || self.at_eof() || self.newline_before()
            {
                None
            } else {
                Some(self.expr()?)
            };
        self.end_statement()?;
        Ok(StmtKind::Return(value))
    }

    fn try_stmt(&mut self) -> PResult<StmtKind> {
        self.advance();
        let body = Box::new(self.statement()?);
        if !self.eat_k(K::Catch) {
            return self.error("expected 'catch'");
        }
        self.expect_p(P::LParen)?;
        let name = self.ident()?;
        self.expect_p(P::RParen)?;
        let handler = Box::new(self.statement()?);
        Ok(StmtKind::Try(body, name, handler))
    }

    /// `name(.name)*` after `function` or `class`: the slot the definition goes into.
    fn slot_path(&mut self, line: u32) -> PResult<(Expr, String)> {
        let mut name = self.ident()?;
        let mut target = Expr {
            kind: ExprKind::Ident(name.clone()),
            line,
        };
        while self.eat_p(P::ColonColon) || self.eat_p(P::Dot) {
            name = self.ident()?;
            let key = Expr {
                kind: ExprKind::Str(name.clone().into_bytes()),
                line,
            };
            target = Expr {
                kind: ExprKind::Index(Box::new(target), Box::new(key)),
                line,
            };
        }
        Ok((target, name))
    }

    /// `function a.b.c(...) {}` is `a.b.c <- function(...) {}`.
    fn function_stmt(&mut self, line: u32) -> PResult<StmtKind> {
        self.advance();
        let (target, name) = self.slot_path(line)?;
        let f = self.function_rest(name, line)?;
        let value = Expr {
            kind: ExprKind::Function(f),
            line,
        };
        Ok(StmtKind::Expr(Expr {
            kind: ExprKind::NewSlot(Box::new(target), Box::new(value)),
            line,
        }))
    }

    fn class_stmt(&mut self, line: u32) -> PResult<StmtKind> {
        self.advance();
        let (target, _) = self.slot_path(line)?;
        let class = self.class_rest(line)?;
        Ok(StmtKind::Expr(Expr {
            kind: ExprKind::NewSlot(Box::new(target), Box::new(class)),
            line,
        }))
    }

    fn const_stmt(&mut self) -> PResult<StmtKind> {
        self.advance();
        let name = self.ident()?;
        self.expect_p(P::Assign)?;
        let c = self.constant()?;
        self.end_statement()?;
        Ok(StmtKind::Const(name, c))
    }

    fn enum_stmt(&mut self) -> PResult<StmtKind> {
        self.advance();
        let name = self.ident()?;
        self.expect_p(P::LBrace)?;
        let mut entries = Vec::new();
        let mut next = 0i32;
        while !self.eat_p(P::RBrace) {
            if self.at_eof() {
                return self.error("expected '}', found end of file");
            }
            let key = self.ident()?;
            let value = if self.eat_p(P::Assign) {
                self.constant()?
            } else {
                Constant::Int(next)
            };
            if let Constant::Int(i) = value {
                next = i.wrapping_add(1);
            }
            entries.push((key, value));
            self.eat_p(P::Comma);
        }
        self.eat_p(P::Semi);
        Ok(StmtKind::Const(name, Constant::Enum(entries)))
    }

    fn constant(&mut self) -> PResult<Constant> {
        let neg = self.eat_p(P::Minus);
        let c = match self.advance() {
            T::Int(i) => Constant::Int(if neg { i.wrapping_neg() } else { i }),
            T::Float(f) => Constant::Float(if neg { -f } else { f }),
            T::Str(s) if !neg => Constant::Str(s),
            T::Keyword(K::True) if !neg => Constant::Bool(true),
            T::Keyword(K::False) if !neg => Constant::Bool(false),
            T::Keyword(K::Null) if !neg => Constant::Null,
            _ => {
                self.pos -= 1;
                return self.error("scalar expected : integer, float or string");
            }
        };
        Ok(c)
    }

    fn case_body(&mut self) -> PResult<Vec<Stmt>> {
        let mut body = Vec::new();
        while !self.is_k(K::Case)
            && !self.is_k(K::Default)
            && !self.is_p(P::RBrace)
            && !self.at_eof()
        {
            body.push(self.statement()?);
        }
        Ok(body)
    }

    fn block_rest(&mut self) -> PResult<Vec<Stmt>> {
        let mut body = Vec::new();
        while !self.eat_p(P::RBrace) {
            if self.at_eof() {
                return self.error("expected '}', found end of file");
            }
            body.push(self.statement()?);
        }
        Ok(body)
    }

    fn local_list(&mut self) -> PResult<Vec<(String, Option<Expr>)>> {
        let mut list = Vec::new();
        loop {
            let name = self.ident()?;
            let init = if self.eat_p(P::Assign) {
                Some(self.expr_no_comma()?)
            } else {
                None
            };
            list.push((name, init));
            if !self.eat_p(P::Comma) {
                return Ok(list);
            }
        }
    }

    fn expr_list(&mut self) -> PResult<Vec<Expr>> {
        let mut list = vec![self.expr()?];
        while self.eat_p(P::Comma) {
            list.push(self.expr()?);
        }
        Ok(list)
    }

    /// After `function name`: `(params) { body }`.
    /// `(a, b = 1, ...)`: names, the defaults of the trailing parameters, and varargs.
    fn params(&mut self) -> PResult<(Vec<String>, Vec<Expr>, bool)> {
        self.expect_p(P::LParen)?;
        let mut params = Vec::new();
        let mut defaults = Vec::new();
        let mut varargs = false;
        while !self.eat_p(P::RParen) {
            if self.eat_p(P::Ellipsis) {
                varargs = true;
                self.expect_p(P::RParen)?;
                break;
            }
            params.push(self.ident()?);
            if self.eat_p(P::Assign) {
                defaults.push(self.expr_no_comma()?);
            } else if !defaults.is_empty() {
                return self
                    .error("expected '=' (parameters after one with a default need one too)");
            }
            if !self.eat_p(P::Comma) && !self.is_p(P::RParen) {
                return self.error(format!("expected ',' or ')', found {}", self.describe()));
            }
        }
        Ok((params, defaults, varargs))
    }

    /// After `function name`: `(params) { body }`.
    fn function_rest(&mut self, name: String, line: u32) -> PResult<Rc<FuncDef>> {
        let (params, defaults, varargs) = self.params()?;
        let body = if self.eat_p(P::LBrace) {
            self.block_rest()?
        } else {
            return self.error(format!("expected '{{', found {}", self.describe()));
        };
        Ok(Rc::new(FuncDef {
            name,
            file: self.file.clone(),
            line,
            params,
            defaults,
            varargs,
            body,
        }))
    }

    /// After `class [name]`: `[extends Base] { members }`.
    fn class_rest(&mut self, line: u32) -> PResult<Expr> {
        let base = if self.eat_k(K::Extends) {
            Some(self.postfix_expr()?)
        } else {
            None
        };
        self.expect_p(P::LBrace)?;
        let mut members = Vec::new();
        while !self.eat_p(P::RBrace) {
            if self.at_eof() {
                return self.error("expected '}', found end of file");
            }
            let is_static = self.eat_k(K::Static);
            let (key, value) = self.slot(true)?;
            members.push(ClassMember {
                key,
                value,
                is_static,
            });
            if !self.eat_p(P::Semi) {
                self.eat_p(P::Comma);
            }
        }
        Ok(Expr {
            kind: ExprKind::Class(Rc::new(ClassDef { base, members })),
            line,
        })
    }

    /// One slot of a table or class body: `k = v`, `"k": v`, `[e] = v`, `function f() {}`,
    /// and in a class `constructor(...) {}`.
    fn slot(&mut self, in_class: bool) -> PResult<(Expr, Expr)> {
        let line = self.line();
        let s = |b: String| Expr {
            kind: ExprKind::Str(b.into_bytes()),
            line,
        };
        if self.eat_k(K::Function) {
            let name = self.ident()?;
            let f = self.function_rest(name.clone(), line)?;
            return Ok((
                s(name),
                Expr {
                    kind: ExprKind::Function(f),
                    line,
                },
            ));
        }
        if in_class && self.is_k(K::Constructor) {
            self.advance();
            let f = self.function_rest("constructor".into(), line)?;
            return Ok((
                s("constructor".into()),
                Expr {
                    kind: ExprKind::Function(f),
                    line,
                },
            ));
        }
        if self.eat_p(P::LBracket) {
            let key = self.expr()?;
            self.expect_p(P::RBracket)?;
            self.expect_p(P::Assign)?;
            return Ok((key, self.expr_no_comma()?));
        }
        if let T::Str(bytes) = self.tok().clone() {
            self.advance();
            let key = Expr {
                kind: ExprKind::Str(bytes),
                line,
            };
            if !self.eat_p(P::Colon) {
                self.expect_p(P::Assign)?;
            }
            return Ok((key, self.expr_no_comma()?));
        }
        let name = self.ident()?;
        if !self.eat_p(P::Assign) && !self.eat_p(P::Colon) {
            return self.error(format!("expected '=', found {}", self.describe()));
        }
        Ok((s(name), self.expr_no_comma()?))
    }

    // ---- expressions ----

    pub fn expr(&mut self) -> PResult<Expr> {
        self.expr_no_comma()
    }

    fn expr_no_comma(&mut self) -> PResult<Expr> {
        self.nest()?;
        let r = self.assignment();
        self.depth -= 1;
        r
    }

    fn assignment(&mut self) -> PResult<Expr> {
        let lhs = self.ternary()?;
        let line = self.line();
        let op = match self.tok() {
            T::Punct(P::Assign) => None,
            T::Punct(P::NewSlot) => {
                self.advance();
                Self::check_target(self, &lhs, true)?;
                let rhs = self.expr_no_comma()?;
                return Ok(Expr {
                    kind: ExprKind::NewSlot(Box::new(lhs), Box::new(rhs)),
                    line,
                });
            }
            T::Punct(P::PlusAssign) => Some(BinOp::Add),
            T::Punct(P::MinusAssign) => Some(BinOp::Sub),
            T::Punct(P::MulAssign) => Some(BinOp::Mul),
            T::Punct(P::DivAssign) => Some(BinOp::Div),
            T::Punct(P::ModAssign) => Some(BinOp::Mod),
            T::Punct(P::AndAssign) => Some(BinOp::BitAnd),
            T::Punct(P::OrAssign) => Some(BinOp::BitOr),
            T::Punct(P::XorAssign) => Some(BinOp::BitXor),
            T::Punct(P::ShlAssign) => Some(BinOp::Shl),
            T::Punct(P::ShrAssign) => Some(BinOp::Shr),
            T::Punct(P::UShrAssign) => Some(BinOp::UShr),
            _ => return Ok(lhs),
        };
        self.advance();
        Self::check_target(self, &lhs, false)?;
        let rhs = self.expr_no_comma()?;
        Ok(Expr {
            kind: ExprKind::Assign(Box::new(lhs), op, Box::new(rhs)),
            line,
        })
    }

    fn check_target(&self, e: &Expr, newslot: bool) -> PResult<()> {
        match &e.kind {
            ExprKind::Ident(_) | ExprKind::Index(..) | ExprKind::Root(_) => Ok(()),
            ExprKind::Base | ExprKind::This if !newslot => {
                self.error("cannot assign to 'this' or 'base'")
            }
            _ => self.error("can't assign expression"),
        }
    }

    fn ternary(&mut self) -> PResult<Expr> {
        let cond = self.binary(0)?;
        if self.is_p(P::Question) {
            let line = self.line();
            self.advance();
            let a = self.expr_no_comma()?;
            self.expect_p(P::Colon)?;
            let b = self.expr_no_comma()?;
            return Ok(Expr {
                kind: ExprKind::Ternary(Box::new(cond), Box::new(a), Box::new(b)),
                line,
            });
        }
        Ok(cond)
    }

    /// The binary operator at the current token and its precedence level (Squirrel's, loosest
    /// first: `||`, `&&`, `|`, `^`, `&`, equality, comparison, shifts, `+ -`, `* / %`).
    fn binary_op(&self) -> Option<(Bin, u8)> {
        let b = |op| Some((Bin::Op(op), 0));
        let (op, level) = match self.tok() {
            T::Punct(P::OrOr) => return Some((Bin::Or, 0)),
            T::Punct(P::AndAnd) => return Some((Bin::And, 1)),
            T::Punct(P::Pipe) => (b(BinOp::BitOr), 2),
            T::Punct(P::Caret) => (b(BinOp::BitXor), 3),
            T::Punct(P::Amp) => (b(BinOp::BitAnd), 4),
            T::Punct(P::EqEq) => (b(BinOp::Eq), 5),
            T::Punct(P::Ne) => (b(BinOp::Ne), 5),
            T::Punct(P::Cmp3) => (b(BinOp::Cmp3), 5),
            T::Punct(P::Lt) => (b(BinOp::Lt), 6),
            T::Punct(P::Le) => (b(BinOp::Le), 6),
            T::Punct(P::Gt) => (b(BinOp::Gt), 6),
            T::Punct(P::Ge) => (b(BinOp::Ge), 6),
            T::Keyword(K::In) => (b(BinOp::In), 6),
            T::Keyword(K::Instanceof) => (b(BinOp::Instanceof), 6),
            T::Punct(P::Shl) => (b(BinOp::Shl), 7),
            T::Punct(P::Shr) => (b(BinOp::Shr), 7),
            T::Punct(P::UShr) => (b(BinOp::UShr), 7),
            T::Punct(P::Plus) => (b(BinOp::Add), 8),
            T::Punct(P::Minus) => (b(BinOp::Sub), 8),
            T::Punct(P::Star) => (b(BinOp::Mul), 9),
            T::Punct(P::Slash) => (b(BinOp::Div), 9),
            T::Punct(P::Percent) => (b(BinOp::Mod), 9),
            _ => return None,
        };
        op.map(|(o, _)| (o, level))
    }

    /// Precedence climbing: one Rust frame per operator level actually nested, not per level
    /// of the grammar.
    fn binary(&mut self, min_level: u8) -> PResult<Expr> {
        let mut lhs = self.unary()?;
        while let Some((op, level)) = self.binary_op() {
            if level < min_level {
                break;
            }
            let line = self.line();
            self.advance();
            self.nest()?;
            let rhs = self.binary(level + 1);
            self.depth -= 1;
            let (l, r) = (Box::new(lhs), Box::new(rhs?));
            let kind = match op {
                Bin::Or => ExprKind::Or(l, r),
                Bin::And => ExprKind::And(l, r),
                Bin::Op(o) => ExprKind::Binary(o, l, r),
            };
            lhs = Expr { kind, line };
        }
        Ok(lhs)
    }

    fn unary(&mut self) -> PResult<Expr> {
        let line = self.line();
        let op = match self.tok() {
            T::Punct(P::Minus) => UnOp::Neg,
            T::Punct(P::Not) => UnOp::Not,
            T::Punct(P::Tilde) => UnOp::BitNot,
            T::Keyword(K::Typeof) => UnOp::Typeof,
            T::Keyword(K::Clone) => UnOp::Clone,
            T::Punct(P::Inc) | T::Punct(P::Dec) => {
                let delta = if self.is_p(P::Inc) { 1 } else { -1 };
                self.advance();
                let target = self.nested_unary()?;
                self.check_target(&target, false)?;
                return Ok(Expr {
                    kind: ExprKind::IncDec {
                        target: Box::new(target),
                        delta,
                        prefix: true,
                    },
                    line,
                });
            }
            T::Keyword(K::Delete) => {
                self.advance();
                let target = self.nested_unary()?;
                if !matches!(
                    target.kind,
                    ExprKind::Index(..) | ExprKind::Ident(_) | ExprKind::Root(_)
                ) {
                    return self.error("can't delete an expression");
                }
                return Ok(Expr {
                    kind: ExprKind::Delete(Box::new(target)),
                    line,
                });
            }
            _ => return self.postfix_expr(),
        };
        self.advance();
        let operand = self.nested_unary()?;
        // Fold `-literal` so `-2147483648` and `const X = -1` read as literals.
        Ok(match (op, &operand.kind) {
            (UnOp::Neg, ExprKind::Int(i)) => Expr {
                kind: ExprKind::Int(i.wrapping_neg()),
                line,
            },
            (UnOp::Neg, ExprKind::Float(f)) => Expr {
                kind: ExprKind::Float(-f),
                line,
            },
            _ => Expr {
                kind: ExprKind::Unary(op, Box::new(operand)),
                line,
            },
        })
    }

    fn nested_unary(&mut self) -> PResult<Expr> {
        self.nest()?;
        let r = self.unary();
        self.depth -= 1;
        r
    }

    fn postfix_expr(&mut self) -> PResult<Expr> {
        let mut e = self.primary()?;
        loop {
            let line = self.line();
            match self.tok() {
                T::Punct(P::Dot) => {
                    self.advance();
                    let name = self.ident()?;
                    let key = Expr {
                        kind: ExprKind::Str(name.into_bytes()),
                        line,
                    };
                    e = Expr {
                        kind: ExprKind::Index(Box::new(e), Box::new(key)),
                        line,
                    };
                }
                T::Punct(P::LBracket) if !self.newline_before() => {
                    self.advance();
                    let key = self.expr()?;
                    self.expect_p(P::RBracket)?;
                    e = Expr {
                        kind: ExprKind::Index(Box::new(e), Box::new(key)),
                        line,
                    };
                }
                T::Punct(P::LParen) if !self.newline_before() => {
                    self.advance();
                    let mut args = Vec::new();
                    while !self.eat_p(P::RParen) {
                        if self.at_eof() {
                            return self.error("expected ')', found end of file");
                        }
                        args.push(self.expr_no_comma()?);
                        // Commas between arguments are optional in Squirrel.
                        self.eat_p(P::Comma);
                    }
                    e = Expr {
                        kind: ExprKind::Call(Box::new(e), args),
                        line,
                    };
                }
                T::Punct(P::Inc) | T::Punct(P::Dec) if !self.newline_before() => {
                    let delta = if self.is_p(P::Inc) { 1 } else { -1 };
                    self.check_target(&e, false)?;
                    self.advance();
                    return Ok(Expr {
                        kind: ExprKind::IncDec {
                            target: Box::new(e),
                            delta,
                            prefix: false,
                        },
                        line,
                    });
                }
                _ => return Ok(e),
            }
        }
    }

    fn primary(&mut self) -> PResult<Expr> {
        let line = self.line();
        let kind = match self.advance() {
            T::Int(i) => ExprKind::Int(i),
            T::Float(f) => ExprKind::Float(f),
            T::Str(s) => ExprKind::Str(s),
            T::Ident(s) => ExprKind::Ident(s),
            T::Keyword(K::Null) => ExprKind::Null,
            T::Keyword(K::True) => ExprKind::Bool(true),
            T::Keyword(K::False) => ExprKind::Bool(false),
            T::Keyword(K::This) => ExprKind::This,
            T::Keyword(K::Base) => ExprKind::Base,
            T::Keyword(K::Constructor) => ExprKind::Ident("constructor".into()),
            T::Keyword(K::Line) => ExprKind::Int(line as i32),
            T::Keyword(K::File) => ExprKind::Str(self.file.as_bytes().to_vec()),
            T::Punct(P::ColonColon) => ExprKind::Root(self.ident()?),
            T::Punct(P::LParen) => {
                let inner = self.expr()?;
                self.expect_p(P::RParen)?;
                return Ok(inner);
            }
            T::Punct(P::LBracket) => self.array_literal()?,
            T::Punct(P::LBrace) => self.table_literal()?,
            T::Keyword(K::Function) => {
                let name = if let T::Ident(_) = self.tok() {
                    self.ident()?
                } else {
                    "unknown".into()
                };
                ExprKind::Function(self.function_rest(name, line)?)
            }
            T::Punct(P::At) => self.lambda(line)?,
            T::Keyword(K::Class) => return self.class_rest(line),
            _ => {
                self.pos -= 1;
                return self.error(format!("expression expected, found {}", self.describe()));
            }
        };
        Ok(Expr { kind, line })
    }

    fn array_literal(&mut self) -> PResult<ExprKind> {
        let mut items = Vec::new();
        while !self.eat_p(P::RBracket) {
            if self.at_eof() {
                return self.error("expected ']', found end of file");
            }
            items.push(self.expr_no_comma()?);
            self.eat_p(P::Comma);
        }
        Ok(ExprKind::Array(items))
    }

    fn table_literal(&mut self) -> PResult<ExprKind> {
        let mut slots = Vec::new();
        while !self.eat_p(P::RBrace) {
            if self.at_eof() {
                return self.error("expected '}', found end of file");
            }
            slots.push(self.slot(false)?);
            self.eat_p(P::Comma);
        }
        Ok(ExprKind::Table(slots))
    }

    /// `@(params) expr`: a function returning `expr`.
    fn lambda(&mut self, line: u32) -> PResult<ExprKind> {
        let (params, defaults, varargs) = self.params()?;
        let value = self.expr_no_comma()?;
        let body = vec![Stmt {
            line: value.line,
            kind: StmtKind::Return(Some(value)),
        }];
        let f = FuncDef {
            name: "unknown".into(),
            file: self.file.clone(),
            line,
            params,
            defaults,
            varargs,
            body,
        };
        Ok(ExprKind::Function(Rc::new(f)))
    }
}
