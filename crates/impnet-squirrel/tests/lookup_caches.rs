//! Lookups by a constant name remember where they found it (issue 9 item 6: inline caches for
//! `GetName`, `GetK`, `PrepCallK`). A cache is only a hint: each program here changes what a
//! cached lookup would find between two runs of the same instruction, and must see the change.

mod common;
use common::*;

#[test]
fn a_global_is_found_again_after_the_root_table_shifts() {
    // Deleting `g1` moves `g2` to another entry of the root table; `g2` is then replaced.
    let src = r#"
        g1 <- 1; g2 <- 2;
        function f() { return g2; }
        local a = f();
        delete getroottable().g1;
        local b = f();
        g2 = 5;
        local c = f();
        delete getroottable().g2;
        g2 <- 7;
        return [a, b, c, f()];
    "#;
    assert_eq!(eval(src), "[2, 2, 5, 7]");
    let gone = "g <- 1; function f() { return g; } f(); delete getroottable().g; return f();";
    assert_eq!(eval_err(gone).message, "the index 'g' does not exist");
}

#[test]
fn one_call_site_serves_objects_of_many_kinds() {
    // The same `o.name()` and `o.len()` sites see tables, instances of two classes, arrays and
    // strings, in turn.
    let src = r#"
        class A { function name() { return "A"; } function len() { return 1; } }
        class B { function name() { return "B"; } function len() { return 2; } }
        local t = { name = function() { return "t"; }, len = function() { return 3; } };
        local names = [], lens = [];
        foreach (o in [A(), B(), t, A(), t, B()]) names.push(o.name());
        foreach (o in [A(), [1, 2, 3, 4], "hello", t, B(), [], ""]) lens.push(o.len());
        return [names, lens];
    "#;
    assert_eq!(eval(src), r#"[["A", "B", "t", "A", "t", "B"], [1, 4, 5, 3, 2, 0, 0]]"#);
}

#[test]
fn a_table_member_is_found_again_after_it_is_deleted_and_added_back() {
    let src = r#"
        local t = { a = 1, b = 2 };
        local r = [];
        for (local i = 0; i < 3; i++) {
            r.push(t.b);
            if (i == 0) { delete t.a; }
            if (i == 1) { delete t.b; t.c <- 0; t.b <- 9; }
        }
        return r;
    "#;
    assert_eq!(eval(src), "[2, 2, 9]");
}

#[test]
fn a_name_read_in_a_method_follows_this_then_the_root() {
    // One function reads `v` with `this` an instance of A (no `v`: the global) or of B (its
    // field), in turn; then the global changes.
    let src = r#"
        v <- "global";
        function getv() { return v; }
        class A { f = null; constructor() { f = getv; } function get() { return f.call(this); } }
        class B { v = "field"; f = null; constructor() { f = getv; } function get() { return f.call(this); } }
        local r = [];
        foreach (o in [A(), B(), A()]) r.push(o.get());
        v = "changed";
        r.push(A().get());
        return r;
    "#;
    assert_eq!(eval(src), r#"["global", "field", "global", "changed"]"#);
}
