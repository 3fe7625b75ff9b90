//! The syntax tree the parser builds and the compiler walks. Every node carries its source
//! line: runtime errors and the host's line query report it.

use std::rc::Rc;

#[derive(Clone, Debug)]
pub struct Expr {
    pub kind: ExprKind,
    pub line: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnOp {
    Neg,
    Not,
    BitNot,
    Typeof,
    Clone,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    Shl,
    Shr,
    UShr,
    BitAnd,
    BitOr,
    BitXor,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Cmp3,
    In,
    Instanceof,
}

#[derive(Clone, Debug)]
pub enum ExprKind {
    Null,
    Bool(bool),
    Int(i32),
    Float(f32),
    Str(Vec<u8>),
    /// A bare name: a local, an outer local, a constant, or a slot of `this` then the root.
    Ident(String),
    /// `::name`.
    Root(String),
    This,
    Base,
    /// `a.b` (the key is a string) and `a[b]`.
    Index(Box<Expr>, Box<Expr>),
    Call(Box<Expr>, Vec<Expr>),
    Unary(UnOp, Box<Expr>),
    Binary(BinOp, Box<Expr>, Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Ternary(Box<Expr>, Box<Expr>, Box<Expr>),
    /// `target = value` or `target op= value` (`op` is `None` for plain `=`).
    Assign(Box<Expr>, Option<BinOp>, Box<Expr>),
    /// `target <- value`.
    NewSlot(Box<Expr>, Box<Expr>),
    /// `++x`, `x--`, ...: `delta` is +1 or -1.
    IncDec {
        target: Box<Expr>,
        delta: i32,
        prefix: bool,
    },
    Delete(Box<Expr>),
    /// Table literal slots in source order.
    Table(Vec<(Expr, Expr)>),
    Array(Vec<Expr>),
    Function(Rc<FuncDef>),
    Class(Rc<ClassDef>),
}

#[derive(Debug)]
pub struct FuncDef {
    pub name: String,
    pub file: Rc<str>,
    pub line: u32,
    pub params: Vec<String>,
    /// Defaults of the last `defaults.len()` parameters.
    pub defaults: Vec<Expr>,
    pub varargs: bool,
    pub body: Vec<Stmt>,
}

#[derive(Debug)]
pub struct ClassMember {
    pub key: Expr,
    pub value: Expr,
    pub is_static: bool,
}

#[derive(Debug)]
pub struct ClassDef {
    pub base: Option<Expr>,
    pub members: Vec<ClassMember>,
}

#[derive(Clone, Debug)]
pub struct Stmt {
    pub kind: StmtKind,
    pub line: u32,
}

#[derive(Clone, Debug)]
pub enum StmtKind {
    Expr(Expr),
    /// `local a = 1, b;`
    Local(Vec<(String, Option<Expr>)>),
    /// `local function f() {}`: the name is in scope inside its own body.
    LocalFunction(String, Rc<FuncDef>),
    Block(Vec<Stmt>),
    If(Expr, Box<Stmt>, Option<Box<Stmt>>),
    While(Expr, Box<Stmt>),
    DoWhile(Box<Stmt>, Expr),
    For {
        init: Vec<Stmt>,
        cond: Option<Expr>,
        step: Vec<Expr>,
        body: Box<Stmt>,
    },
    Foreach {
        key: Option<String>,
        value: String,
        iterable: Expr,
        body: Box<Stmt>,
    },
    Switch {
        subject: Expr,
        cases: Vec<(Expr, Vec<Stmt>)>,
        default: Option<Vec<Stmt>>,
    },
    Return(Option<Expr>),
    Break,
    Continue,
    Throw(Expr),
    Try(Box<Stmt>, String, Box<Stmt>),
    /// `const` and `enum` are folded at compile time; the parser records them in order.
    Const(String, Constant),
    Empty,
}

/// A compile-time constant (`const`, `enum`).
#[derive(Clone, Debug, PartialEq)]
pub enum Constant {
    Null,
    Bool(bool),
    Int(i32),
    Float(f32),
    Str(Vec<u8>),
    Enum(Vec<(String, Constant)>),
}
