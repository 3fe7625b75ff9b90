//! The compiled form: a stack machine of 8-byte instructions. Each function is a [`Proto`]; a
//! frame's slot 0 is `this`, then the parameters, then the locals.

use crate::value::Value;

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Op {
    Null,
    True,
    False,
    Int(i32),
    Float(f32),
    /// Push `consts[i]`.
    Const(u32),
    Pop,
    PopN(u16),
    /// `a b` -> `a b a b`.
    Dup2,
    GetLocal(u16),
    SetLocal(u16),
    GetOuter(u16),
    SetOuter(u16),
    /// Unresolved name `consts[i]`: `this` then the root table.
    GetName(u32),
    SetName(u32),
    /// `name <- v`: a new slot in `this`.
    NewSlotName(u32),
    /// Push the root table.
    Root,
    GetBase,
    /// `obj key` -> `obj[key]`.
    Get,
    /// `obj` -> `obj[consts[i]]`.
    GetK(u32),
    /// `obj key value` -> `value`.
    Set,
    NewSlot,
    /// `obj key` -> the removed value.
    Delete,
    /// `obj key` -> `method obj`: a member call's callee and its `this`.
    PrepCall,
    /// `obj` -> `method obj` for key `consts[i]`.
    PrepCallK(u32),
    /// `GetName(name)` then `PrepCallK(key)` in one: `-> method obj` for `obj.key(...)` where
    /// `obj` is an unresolved name (`agent.send(...)`, `server.log(...)`: most imp API calls).
    PrepCallName {
        name: u32,
        key: u16,
    },
    /// `callee this arg1..argN` -> result.
    Call(u16),
    Return,
    ReturnNull,
    /// `default1..defaultN` -> the closure of `protos[i]`.
    Closure(u32),
    NewTable,
    /// `table key value` -> `table`.
    TableSlot,
    /// `item1..itemN` -> array.
    NewArray(u32),
    /// `base?` -> class (`has_base` says whether a base is on the stack).
    NewClass(bool),
    /// `class key value` -> `class`.
    ClassMember {
        is_static: bool,
    },
    Arith(Arith),
    Neg,
    Not,
    BitNot,
    Typeof,
    Clone,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Cmp3,
    In,
    Instanceof,
    Jump(u32),
    /// Pops the condition.
    JumpIfFalse(u32),
    /// Pops the condition (a loop's test at its foot: go round again).
    JumpIfTrue(u32),
    /// `&&`: if the top is false jump keeping it, else pop it.
    AndJump(u32),
    /// `||`: if the top is true jump keeping it, else pop it.
    OrJump(u32),
    /// `foreach`: slots `s..s+4` hold the iterable, the position, the key and the value.
    ForeachNext {
        slot: u16,
        exit: u32,
    },
    /// Close upvalues of locals from slot `s` up (end of a scope with captured locals).
    CloseOuters(u16),
    /// `try`: on an error, unwind to here and jump to the handler.
    PushTrap(u32),
    PopTrap,
    Throw,
    /// `++`/`--` on a local, outer, name or index (`obj key` on the stack): pushes the old
    /// value if `postfix`, else the new one.
    IncLocal {
        slot: u16,
        delta: i8,
        postfix: bool,
    },
    IncOuter {
        idx: u16,
        delta: i8,
        postfix: bool,
    },
    IncName {
        name: u32,
        delta: i8,
        postfix: bool,
    },
    IncIndex {
        delta: i8,
        postfix: bool,
    },
    /// Fused `local += int` for loop counters.
    AddLocalInt {
        slot: u16,
        n: i32,
    },
    /// Fused `local < top` comparison and jump for loops: jumps when the comparison comes out
    /// `when` (false at a loop's head: leave it; true at its foot: go round again).
    LtLocalJump {
        slot: u16,
        target: u32,
        when: bool,
    },
    /// A loop's foot for `local < integer`: jumps `back` instructions (from the next one)
    /// while the local is below `limit`. (Fields sized to keep an instruction 8 bytes.)
    LtLocalIntLoop {
        slot: u8,
        back: u16,
        limit: i32,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arith {
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    Shl,
    Shr,
    UShr,
    And,
    Or,
    Xor,
}

impl Arith {
    pub fn symbol(self) -> &'static str {
        match self {
            Arith::Add => "+",
            Arith::Sub => "-",
            Arith::Mul => "*",
            Arith::Div => "/",
            Arith::Mod => "%",
            Arith::Shl => "<<",
            Arith::Shr => ">>",
            Arith::UShr => ">>>",
            Arith::And => "&",
            Arith::Or => "|",
            Arith::Xor => "^",
        }
    }
}

/// An outer variable of a closure: a local of the enclosing function or one of its outers.
#[derive(Clone, Copy, Debug)]
pub struct OuterDesc {
    pub from_parent_local: bool,
    pub index: u16,
}

#[derive(Debug)]
pub struct Proto {
    pub name: String,
    pub file: std::rc::Rc<str>,
    pub code: Vec<Op>,
    /// Source line of each instruction.
    pub lines: Vec<u32>,
    pub consts: Vec<Value>,
    /// VM-wide indexes of the functions defined inside this one.
    pub protos: Vec<u32>,
    pub outers: Vec<OuterDesc>,
    /// Declared parameters (without `this`).
    pub nparams: u16,
    pub ndefaults: u16,
    pub varargs: bool,
}
