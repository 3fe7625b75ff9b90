//! The compiled forms of loops and member calls (the interpreter's speed depends on them; the
//! semantics are checked by `tests/loops.rs`).

use super::Compiler;
use crate::bytecode::{Op, Proto};
use crate::heap::Heap;
use crate::parser::parse_program;
use std::rc::Rc;

/// Every function of `source`, compiled.
fn protos(source: &str) -> Vec<Rc<Proto>> {
    let def = parse_program("t.nut", source).expect("parses");
    let mut heap = Heap::new(1 << 20);
    let (mut protos, mut constants) = (Vec::new(), std::collections::HashMap::new());
    Compiler::new(&mut heap, &mut protos, &mut constants).program(&def).expect("compiles");
    protos
}

fn main_code(source: &str) -> Vec<Op> {
    protos(source).last().expect("a main function").code.clone()
}

fn count(code: &[Op], f: impl Fn(&Op) -> bool) -> usize {
    code.iter().filter(|op| f(op)).count()
}

#[test]
fn a_counted_for_loop_ends_each_turn_with_one_test_and_no_jump() {
    let code = main_code("local n = 0; for (local i = 0; i < 1000; i++) n += i; return n;");
    // The head test leaves; the foot test goes round again; nothing jumps back to the head.
    assert_eq!(count(&code, |op| matches!(op, Op::LtLocalJump { when: false, .. })), 1, "{code:?}");
    let foot = code.iter().position(|op| matches!(op, Op::LtLocalIntLoop { limit: 1000, .. })).expect("a foot test");
    let Op::LtLocalIntLoop { back, .. } = code[foot] else { unreachable!() };
    let body = foot + 1 - back as usize;
    let Op::LtLocalJump { target, .. } = code[body - 1] else { panic!("the body follows the head test: {code:?}") };
    assert_eq!(target as usize, foot + 1, "the head test leaves past the foot");
    assert_eq!(count(&code, |op| matches!(op, Op::Jump(_))), 0, "{code:?}");
}

#[test]
fn a_while_loop_repeats_its_test_at_the_foot() {
    let code = main_code("local n = 5; while (n > 0) n--; return n;");
    assert_eq!(count(&code, |op| matches!(op, Op::JumpIfFalse(_))), 1, "{code:?}");
    assert_eq!(count(&code, |op| matches!(op, Op::JumpIfTrue(_))), 1, "{code:?}");
    assert_eq!(count(&code, |op| matches!(op, Op::Jump(_))), 0, "{code:?}");
}

#[test]
fn a_test_that_makes_functions_is_compiled_once() {
    // Repeating it would double the functions at each level of nesting: 2^12 here.
    let mut src = String::from("local n = 0;");
    for _ in 0..12 {
        src.push_str("while ((function() { ");
    }
    src.push_str("return false;");
    for _ in 0..12 {
        src.push_str(" })()) n++; return n;");
    }
    let all = protos(&src);
    assert_eq!(all.len(), 13, "one function per level and the main");
    assert_eq!(count(&all.last().unwrap().code, |op| matches!(op, Op::Jump(_))), 1);
}

#[test]
fn a_long_test_is_compiled_once() {
    let test = (0..40).map(|i| format!("n != {i}")).collect::<Vec<_>>().join(" && ");
    let code = main_code(&format!("local n = 50; while ({test}) n--; return n;"));
    assert_eq!(count(&code, |op| matches!(op, Op::JumpIfTrue(_))), 0, "{code:?}");
}

#[test]
fn a_method_of_a_global_is_prepared_by_one_instruction() {
    let code = main_code("server.log(1); local t = {f = @() 1}; t.f(); server\n.log(2);");
    assert_eq!(count(&code, |op| matches!(op, Op::PrepCallName { .. })), 1, "{code:?}");
    // A local's method, and a method written on the next line, keep their two steps.
    assert_eq!(count(&code, |op| matches!(op, Op::PrepCallK(_))), 2, "{code:?}");
}
