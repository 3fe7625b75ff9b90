//! Recursive descent over the token stream into [`crate::ast`]. Nesting is capped
//! ([`MAX_NESTING`]) so hostile input is a compile error, never a Rust stack overflow.

use std::rc::Rc;

use crate::ast::*;
use crate::error::CompileError;
use crate::lexer::{tokenize, Keyword as K, Punct as P, Token, TokenKind as T};

mod expr;

/// Deepest nesting of expressions and statements the parser accepts.
pub const MAX_NESTING: u32 = 64;

pub struct Parser {
    toks: Vec<Token>,
    pos: usize,
    file: Rc<str>,
    depth: u32,
}

pub(crate) type PResult<T> = Result<T, CompileError>;

#[derive(Clone, Copy)]
pub(crate) enum Bin {
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
}
