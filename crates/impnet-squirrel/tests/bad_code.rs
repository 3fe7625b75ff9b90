//! Bad code (issue 9 item 5, SPEC §14 limits): compile errors as `file:line:col: message`;
//! the watchdog, the call depth and the heap limit end a task as a runtime error of their own
//! kind, never as a crash, a hang or unbounded memory.

mod common;
use common::*;
use impnet_squirrel::{check, ErrorKind, Limits, Outcome};

fn compile_error(src: &str) -> String {
    check("device.nut", src)
        .expect_err("must not compile")
        .to_string()
}

#[test]
fn compile_errors_name_file_line_and_column() {
    assert_eq!(
        compile_error("local a = 1;\nlocal b = (2;\n"),
        "device.nut:2:13: expected ')', found ';'"
    );
    assert_eq!(
        compile_error("local s = \"abc\n"),
        "device.nut:1:11: newline in a constant"
    );
    assert_eq!(
        compile_error("\n  local x = 1 $ 2;"),
        "device.nut:2:15: unexpected character '$'"
    );
    assert_eq!(
        compile_error("if (x) {\n"),
        "device.nut:2:1: expected '}', found end of file"
    );
    assert_eq!(
        compile_error("local a = 1 local b = 2"),
        "device.nut:1:13: end of statement expected (; or lf), found 'local'"
    );
    assert_eq!(
        compile_error("/* never closed"),
        "device.nut:1:1: missing \"*/\" in comment"
    );
    assert_eq!(
        compile_error("local x = 09;"),
        "device.nut:1:11: invalid octal number"
    );
    assert!(compile_error("while (1) {}\nbreak;").starts_with("device.nut:2:"));
    assert!(compile_error("const C = 1; C = 2;").contains("can't assign to a constant"));
    assert!(compile_error("enum E { A } return E.B;").contains("invalid enum"));
}

#[test]
fn deep_nesting_is_a_compile_error_not_a_stack_overflow() {
    let src = format!("return {}1{};", "(".repeat(10_000), ")".repeat(10_000));
    assert!(compile_error(&src).contains("nested too deeply"));
    let src = format!("{}{}", "{".repeat(10_000), "}".repeat(10_000));
    assert!(compile_error(&src).contains("nested too deeply"));
}

#[test]
fn endless_loop_hits_the_watchdog() {
    let mut vm = vm();
    vm.load("loop.nut", "local i = 0;\nwhile (true) {\n  i++;\n}")
        .unwrap();
    let e = loop {
        match vm.run(1_000_000) {
            Outcome::OutOfFuel => continue,
            Outcome::Error(e) => break e,
            other => panic!("{other:?}"),
        }
    };
    assert_eq!(e.kind, ErrorKind::Watchdog);
    assert_eq!(vm.task_instructions(), 10_000_000);
    assert!(e.line == 2 || e.line == 3, "line {}", e.line);
}

#[test]
fn watchdog_cannot_be_caught() {
    let mut vm = vm();
    vm.set_limits(Limits {
        task_instructions: 10_000,
        ..Limits::default()
    });
    let e = run_in(
        &mut vm,
        "while (true) { try { while (true) {} } catch (e) {} }",
    )
    .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Watchdog);
}

#[test]
fn deep_recursion_is_a_runtime_error() {
    let e = eval_err("function f(n) { return f(n + 1) + 1; }\nf(0);");
    assert_eq!(e.kind, ErrorKind::CallDepth);
    assert_eq!(e.message, "stack overflow");
    assert_eq!(e.stack.len(), 200);
    // A script can catch it and carry on.
    assert_eq!(
        eval("function f(n) { return f(n + 1); } try { f(0); } catch (e) { return e; }"),
        "\"stack overflow\""
    );
}

#[test]
fn a_hundred_million_element_array_is_a_runtime_error() {
    let e = eval_err("local a = array(100000000, 0);");
    assert_eq!(
        (e.kind, e.message.as_str()),
        (ErrorKind::Memory, "out of memory")
    );
    let e = eval_err("local a = [1]; a.resize(100000000);");
    assert_eq!(e.kind, ErrorKind::Memory);
}

#[test]
fn growing_an_array_forever_ends_at_the_heap_limit() {
    // A smaller heap than the default 64 MiB keeps the test quick; the rule is the same.
    let limits = Limits {
        task_instructions: u64::MAX,
        heap_bytes: 8 << 20,
        ..Limits::default()
    };
    let mut vm = vm();
    vm.set_limits(limits);
    let e = run_in(
        &mut vm,
        "local a = []; for (local i = 0; i < 100000000; i++) a.push(i);",
    )
    .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Memory);
    assert!(vm.heap().bytes() <= limits.heap_bytes);
}

#[test]
fn string_doubling_is_a_runtime_error() {
    // With the default watchdog the copies' work ends it first (tests/native_work.rs); here
    // without one, the heap limit does, before allocating.
    let mut vm = vm();
    vm.set_limits(Limits {
        task_instructions: u64::MAX,
        ..Limits::default()
    });
    let e = run_in(&mut vm, "local s = \"x\";\nwhile (true) s += s;").unwrap_err();
    assert_eq!(e.kind, ErrorKind::Memory);
    assert_eq!(e.line, 2);
    assert!(vm.heap().bytes() <= Limits::default().heap_bytes);
}

#[test]
fn garbage_does_not_count_against_the_limit() {
    // 200 MB of short-lived strings under a 64 MiB heap: the collector keeps up.
    let mut vm = vm();
    vm.set_limits(Limits {
        task_instructions: u64::MAX,
        ..Limits::default()
    });
    let v = run_in(&mut vm, "local s = \"\"; local n = 0; for (local i = 0; i < 200; i++) { s = format(\"%d\", i); local big = blob(1000000); n += big.len(); } return n;").unwrap();
    assert_eq!(render(vm.heap(), v), "200000000");
}

#[test]
fn runtime_errors_carry_line_file_and_stack() {
    let mut vm = vm();
    vm.load("dev.nut", "function inner() {\n  local t = {};\n  return t.x;\n}\nfunction outer() { return inner(); }\nouter();").unwrap();
    let Outcome::Error(e) = vm.run(1_000_000) else {
        panic!("expected an error")
    };
    assert_eq!(
        (e.file.as_str(), e.line, e.message.as_str()),
        ("dev.nut", 3, "the index 'x' does not exist")
    );
    let frames: Vec<(String, u32)> = e
        .stack
        .iter()
        .map(|f| (f.function.clone(), f.line))
        .collect();
    assert_eq!(
        frames,
        [
            ("inner".to_string(), 3),
            ("outer".to_string(), 5),
            ("main".to_string(), 6)
        ]
    );
}

#[test]
fn nesting_just_under_the_limit_compiles_and_runs() {
    // Deep programs the parser accepts must also compile and run on a test thread's stack
    // (and the browser's): parentheses, blocks, calls, indexes, tables, arrays, unary minus.
    let n = 30;
    let shapes = [
        format!("return {}1{};", "(".repeat(n), ")".repeat(n)),
        format!(
            "local x = 0; {} x = 1; {} return x;",
            "{".repeat(n),
            "}".repeat(n)
        ),
        format!(
            "function f(x) {{ return x; }} return {}1{};",
            "f(".repeat(n),
            ")".repeat(n)
        ),
        format!(
            "local a = [0]; return {}0{};",
            "a[".repeat(n),
            "]".repeat(n)
        ),
        format!("return {}1{};", "{a = ".repeat(n), "}".repeat(n)),
        format!("return {}1;", "- ".repeat(n)),
        format!("return {}1{};", "[".repeat(n), "]".repeat(n)),
        format!(
            "return {}1{};",
            "(function() { return ".repeat(n / 3),
            "})()".repeat(n / 3)
        ),
    ];
    for src in &shapes {
        let mut vm = vm();
        run_in(&mut vm, src).unwrap_or_else(|e| panic!("{src}: {e}"));
    }
}
