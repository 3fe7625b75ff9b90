//! Expressions: assignment, `?:`, binary operators by precedence climbing, unary and
//! postfix operators, literals, functions, lambdas and classes.

use std::rc::Rc;

use super::{Bin, PResult, Parser};
use crate::ast::*;
use crate::lexer::{Keyword as K, Punct as P, TokenKind as T};

impl Parser {
    // ---- expressions ----

    pub(super) fn expr(&mut self) -> PResult<Expr> {
        self.expr_no_comma()
    }

    pub(super) fn expr_no_comma(&mut self) -> PResult<Expr> {
        self.nest()?;
        let r = self.assignment();
        self.depth -= 1;
        r
    }

    pub(super) fn assignment(&mut self) -> PResult<Expr> {
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

    pub(super) fn check_target(&self, e: &Expr, newslot: bool) -> PResult<()> {
        match &e.kind {
            ExprKind::Ident(_) | ExprKind::Index(..) | ExprKind::Root(_) => Ok(()),
            ExprKind::Base | ExprKind::This if !newslot => {
                self.error("cannot assign to 'this' or 'base'")
            }
            _ => self.error("can't assign expression"),
        }
    }

    pub(super) fn ternary(&mut self) -> PResult<Expr> {
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
    pub(super) fn binary_op(&self) -> Option<(Bin, u8)> {
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
    pub(super) fn binary(&mut self, min_level: u8) -> PResult<Expr> {
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

    pub(super) fn unary(&mut self) -> PResult<Expr> {
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

    pub(super) fn nested_unary(&mut self) -> PResult<Expr> {
        self.nest()?;
        let r = self.unary();
        self.depth -= 1;
        r
    }

    pub(super) fn postfix_expr(&mut self) -> PResult<Expr> {
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

    pub(super) fn primary(&mut self) -> PResult<Expr> {
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

    pub(super) fn array_literal(&mut self) -> PResult<ExprKind> {
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

    pub(super) fn table_literal(&mut self) -> PResult<ExprKind> {
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
    pub(super) fn lambda(&mut self, line: u32) -> PResult<ExprKind> {
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
