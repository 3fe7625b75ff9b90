//! Loops and member calls as the compiler lays them out for speed (the test repeated at a
//! loop's foot, `local < integer` fused, `name.method()` prepared at once): the language's
//! semantics stay Squirrel's (SPEC §14 language: `for`, `while`, `do`/`while`, `break`,
//! `continue`, unresolved names through `this` then the root table).

mod common;
use common::{eval, eval_err, printed, vm};

#[test]
fn for_with_an_integer_bound_runs_each_turn_once() {
    assert_eq!(eval("local n = 0; for (local i = 0; i < 10; i++) n += i; return n;"), "45");
    assert_eq!(eval("local n = 0; for (local i = 10; i < 10; i++) n++; return n;"), "0");
    assert_eq!(eval("local n = 0; for (local i = -3; i < 0; i += 1) n++; return n;"), "3");
}

#[test]
fn continue_and_break_in_a_for_loop_with_its_test_at_the_foot() {
    let src = "local s = []; for (local i = 0; i < 10; i++) { if (i % 2) continue; if (i > 6) break; s.push(i); } return s;";
    assert_eq!(eval(src), "[0, 2, 4, 6]");
}

#[test]
fn a_loop_variable_changed_in_the_body_is_tested_as_it_is() {
    // Past the bound inside the body: the foot test leaves.
    assert_eq!(eval("local n = 0; for (local i = 0; i < 10; i++) { n++; i += 100; } return n;"), "1");
    // A float loop variable takes the slow path of the fused test.
    assert_eq!(eval("local n = 0; for (local i = 0; i < 3; i++) { if (i == 0) i = 0.5; n++; } return n;"), "3");
}

#[test]
fn a_foot_test_that_fails_reports_the_line_of_the_test() {
    let e = eval_err("local i = 0;\nfor (; i < 3;\n  i++) {\n  i = \"x\";\n}");
    assert_eq!(e.line, 2, "{e}");
    let e = eval_err("local i = 0;\nwhile (i <\n  3) {\n  i = \"x\";\n}");
    assert_eq!(e.line, 3, "{e}");
}

#[test]
fn a_while_test_is_evaluated_once_per_turn_and_once_more_to_leave() {
    let src = "local calls = 0; local n = 4; function more() { calls++; return n > 0; } while (more()) n--; return calls;";
    assert_eq!(eval(src), "5");
    let src = "local calls = 0; function more(i) { calls++; return i < 3; } for (local i = 0; more(i); i++) {} return calls;";
    assert_eq!(eval(src), "4");
}

#[test]
fn a_do_while_and_an_endless_for_still_loop() {
    assert_eq!(eval("local n = 0; do { n++; } while (n < 5); return n;"), "5");
    assert_eq!(eval("local n = 0; for (;;) { if (++n == 7) break; } return n;"), "7");
    assert_eq!(eval("local n = 0; while (true) { if (++n == 3) break; } return n;"), "3");
}

#[test]
fn a_test_making_a_closure_runs_each_turn() {
    let src = "local n = 3; local seen = 0; while ((function() { seen++; return n-- > 0; })()) {} return seen;";
    assert_eq!(eval(src), "4");
}

#[test]
fn a_counted_loop_costs_two_instructions_a_turn() {
    // The increment and the foot test: nothing else runs per turn of an empty body.
    let count = |n: u32| {
        let mut vm = vm();
        common::run_in(&mut vm, &format!("for (local i = 0; i < {n}; i++) {{}}")).expect("runs");
        vm.task_instructions()
    };
    assert_eq!(count(1_001) - count(1), 2_000);
}

#[test]
fn a_method_of_an_unresolved_name_looks_in_this_then_the_root_table() {
    let src = "
        log <- { say = @(x) print(\"root \" + x) };
        class C { log = null; constructor() { log = { say = @(x) print(\"member \" + x) }; } function run() { log.say(1); ::log.say(2); } }
        C().run();
        log.say(3);";
    assert_eq!(printed(src), ["member 1", "root 2", "root 3"]);
}

#[test]
fn a_method_of_a_missing_name_or_a_missing_method_is_an_error_at_its_line() {
    let e = eval_err("local a = 1;\nnosuch.f();");
    assert_eq!((e.line, e.message.as_str()), (2, "the index 'nosuch' does not exist"));
    let e = eval_err("t <- {};\n\nt.f();");
    assert_eq!((e.line, e.message.as_str()), (3, "the index 'f' does not exist"));
}
