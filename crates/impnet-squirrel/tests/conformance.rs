//! Language conformance (SPEC §14's feature list, issue 9 item 5): one small program per
//! feature, each asserting on the values it computes.

mod common;
use common::*;

// ---- numbers ----

#[test]
fn integers_are_32_bit_and_wrap() {
    assert_eq!(eval("return 2147483647 + 1;"), "-2147483648");
    assert_eq!(eval("return -2147483648 - 1;"), "2147483647");
    assert_eq!(eval("return 65536 * 65536;"), "0");
    assert_eq!(eval("return 0x7fffffff * 2;"), "-2");
    assert_eq!(eval("return 0xFFFFFFFF;"), "-1");
}

#[test]
fn integer_division_truncates_toward_zero() {
    assert_eq!(
        eval("return [7 / 2, -7 / 2, 7 / -2, 7 % 3, -7 % 3, 7 % -3];"),
        "[3, -3, -3, 1, -1, 1]"
    );
    assert_eq!(eval("return -2147483648 / -1;"), "-2147483648");
}

#[test]
fn division_by_zero_is_an_error() {
    assert_eq!(
        eval_err("local z = 0; return 1 / z;").message,
        "division by zero"
    );
    assert_eq!(
        eval_err("local z = 0; return 1 % z;").message,
        "modulo by zero"
    );
    // Float division by zero is not an error.
    assert_eq!(eval("return 1.0 / 0;"), "inf");
}

#[test]
fn floats_are_32_bit_and_print_as_g() {
    assert_eq!(eval("return 0.1 + 0.2;"), "0.3");
    assert_eq!(eval("return 16777216.0 + 1.0;"), "1.67772e+07");
    assert_eq!(
        eval("return [1.0, 2.5, 1e10, 0.0001, 1.0/3];"),
        "[1, 2.5, 1e+10, 0.0001, 0.333333]"
    );
    assert_eq!(eval("return 7 / 2.0;"), "3.5");
    assert_eq!(eval("return typeof (1 + 1.0);"), "\"float\"");
}

#[test]
fn bitwise_operators_include_unsigned_shift() {
    assert_eq!(
        eval("return [5 & 3, 5 | 3, 5 ^ 3, ~5, 1 << 4, -16 >> 2, -16 >>> 28];"),
        "[1, 7, 6, -6, 16, -4, 15]"
    );
}

#[test]
fn numeric_literals_hex_octal_char_and_exponent() {
    assert_eq!(
        eval("return [0x1F, 017, 'A', '\\n', 1.5e2, .5];"),
        "[31, 15, 65, 10, 150, 0.5]"
    );
}

#[test]
fn compound_assignment_and_increment() {
    assert_eq!(
        eval("local a = 10; a += 5; a -= 3; a *= 2; a /= 4; a %= 4; local b = a++; local c = ++a; return [a, b, c];"),
        "[4, 2, 4]"
    );
    assert_eq!(
        eval("local x = 1; x <<= 3; x |= 1; x >>= 1; x ^= 2; x &= 7; return x;"),
        "6"
    );
    assert_eq!(
        eval("local t = {n = 1}; t.n += 2; t.n++; ++t.n; t[\"n\"] *= 2; return t.n;"),
        "10"
    );
    assert_eq!(eval("local a = [1]; a[0]--; --a[0]; return a;"), "[-1]");
}

#[test]
fn three_way_compare_and_comparisons() {
    assert_eq!(
        eval("return [1 <=> 2, 2 <=> 2, 3 <=> 2, \"a\" < \"b\", 1 < 1.5, 2 >= 2];"),
        "[-1, 0, 1, true, true, true]"
    );
    assert_eq!(
        eval_err("return {} < 1;").message,
        "comparison between 'table' and 'integer'"
    );
}

#[test]
fn equality_across_integer_and_float() {
    assert_eq!(
        eval("return [1 == 1.0, 1 != 2, \"a\" == \"a\", null == null, [] == []];"),
        "[true, true, true, true, false]"
    );
}

#[test]
fn truthiness_of_values() {
    assert_eq!(eval("local r = []; foreach (v in [null, false, 0, 0.0, \"\", [], 1]) r.push(v ? 1 : 0); return r;"), "[0, 0, 0, 0, 1, 1, 1]");
}

#[test]
fn logical_operators_short_circuit_and_yield_operands() {
    assert_eq!(eval("local n = 0; function f() { ::n <- 1; return true; } local a = false && f(); return [a, 0 || \"x\", 1 && 2];"), "[false, \"x\", 2]");
}

// ---- strings ----

#[test]
fn string_concatenation_converts_the_other_side() {
    assert_eq!(
        eval("return \"a\" + 1 + 2.5 + null + true;"),
        "\"a12.5nulltrue\""
    );
    assert_eq!(eval("return 1 + \"a\";"), "\"1a\"");
}

#[test]
fn string_escapes_and_verbatim_strings() {
    assert_eq!(eval("return \"a\\tb\\x41\\\\\";"), "\"a\\tbA\\\\\"");
    assert_eq!(
        eval("return @\"c:\\dir\\\"\"x\"\"\";"),
        "\"c:\\\\dir\\\\\\\"x\\\"\""
    );
    assert_eq!(eval("return @\"two\nlines\".len();"), "9");
}

#[test]
fn string_methods() {
    assert_eq!(
        eval("local s = \"Hello World\"; return [s.len(), s.slice(0, 5), s.slice(-5), s.find(\"o\"), s.find(\"o\", 5), s.find(\"z\"), s.toupper(), s.tolower()];"),
        "[11, \"Hello\", \"World\", 4, 7, null, \"HELLO WORLD\", \"hello world\"]"
    );
    assert_eq!(eval("return [\"42\".tointeger(), \"0x10\".tointeger(), \"2.5\".tofloat(), \"7\".tofloat(), 65.tochar(), 3.9.tointeger(), 5.tofloat()];"), "[42, 16, 2.5, 7, \"A\", 3, 5]");
    assert_eq!(eval("return \"abc\"[1];"), "98");
}

#[test]
fn strip_and_split_globals() {
    assert_eq!(
        eval("return [strip(\"  a b \"), lstrip(\"  a \"), rstrip(\" a  \")];"),
        "[\"a b\", \"a \", \" a\"]"
    );
    assert_eq!(
        eval("return split(\"a,b;;c\", \",;\");"),
        "[\"a\", \"b\", \"\", \"c\"]"
    );
    assert_eq!(
        eval("return split(\"a,b;;c\", \",;\", true);"),
        "[\"a\", \"b\", \"c\"]"
    );
}

#[test]
fn format_conversions() {
    assert_eq!(
        eval(
            r#"return format("%d %i %u %s %x %X %02d %.2f %c %%", 42, -7, -1, "str", 255, 255, 5, 3.14159, 65);"#
        ),
        r#""42 -7 4294967295 str ff FF 05 3.14 A %""#
    );
    assert_eq!(
        eval(
            r#"return format("[%5d|%-5d|%+d|%05.1f|%e|%g|%o|%#x]", 42, 42, 3, 2.25, 1500.0, 0.00001, 8, 255);"#
        ),
        r#""[   42|42   |+3|002.2|1.500000e+03|1e-05|10|0xff]""#
    );
    // Upper-case conversions upper-case letters only, as C's printf: hex digits, the exponent's
    // `E`, `INF`/`NAN`.
    assert_eq!(
        eval(r#"return format("%X|%#X|%E|%G|%G|%F", 48879, 255, 1500.0, 0.00001, 1e300 * 1e300, 1.5);"#),
        r#""BEEF|0XFF|1.500000E+03|1E-05|INF|1.500000""#
    );
    assert_eq!(
        eval(r#"return format("%s and %s", [1].len(), null);"#),
        r#""1 and null""#
    );
    assert_eq!(
        eval_err(r#"return format("%d");"#).message,
        "wrong number of parameters"
    );
}

// ---- tables and arrays ----

#[test]
fn table_slots_in_all_three_syntaxes() {
    assert_eq!(eval("local k = \"z\"; return { a = 1, \"b c\": 2, [k] = 3, [10] = 4, function f() { return 5; } }.len();"), "5");
    assert_eq!(eval("local t = { a = 1 b = 2 }; return t.a + t.b;"), "3");
}

#[test]
fn tables_iterate_in_insertion_order() {
    assert_eq!(eval("local t = {}; t.z <- 1; t.a <- 2; t.m <- 3; delete t.a; t.b <- 4; local ks = []; foreach (k, v in t) ks.push(k); return ks;"), "[\"z\", \"m\", \"b\"]");
}

#[test]
fn newslot_creates_and_assignment_requires_existing_slot() {
    assert_eq!(eval("local t = {}; t.x <- 1; t.x = 2; return t.x;"), "2");
    assert_eq!(
        eval_err("local t = {}; t.x = 1;").message,
        "the index 'x' does not exist"
    );
    assert_eq!(
        eval_err("undeclared = 1;").message,
        "the index 'undeclared' does not exist"
    );
    assert_eq!(eval("g <- 5; g = 6; return ::g;"), "6");
}

#[test]
fn missing_index_error_message() {
    assert_eq!(
        eval_err("local t = {}; return t.missing;").message,
        "the index 'missing' does not exist"
    );
    assert_eq!(
        eval_err("local a = [1]; return a[3];").message,
        "the index '3' does not exist"
    );
}

#[test]
fn delete_and_in() {
    assert_eq!(eval("local t = {a = 1, b = 2}; local old = delete t.a; return [old, \"a\" in t, \"b\" in t, 0 in [5], 1 in [5]];"), "[1, false, true, true, false]");
}

#[test]
fn table_methods_raw_access() {
    assert_eq!(
        eval("local t = {a = 1}; t.rawset(\"b\", 2); local r = [t.rawget(\"a\"), t.rawin(\"b\"), t.rawin(\"c\"), t.len()]; t.rawdelete(\"a\"); r.push(t.len()); t.clear(); r.push(t.len()); return r;"),
        "[1, true, false, 2, 1, 0]"
    );
}

#[test]
fn array_methods() {
    assert_eq!(
        eval("local a = [3, 1, 2]; a.push(4); a.append(5); a.insert(0, 9); local p = a.pop(); local r = a.remove(1); return [a, p, r, a.top(), a.len(), a.find(2)];"),
        "[[9, 1, 2, 4], 5, 3, 4, 4, 2]"
    );
    assert_eq!(eval("local a = [1, 2]; a.extend([3, 4]); a.resize(6, 0); return [a, a.slice(1, 3), a.slice(-2)];"), "[[1, 2, 3, 4, 0, 0], [2, 3], [0, 0]]");
    assert_eq!(
        eval("local a = [1, 2, 3]; a.reverse(); local b = clone a; a.clear(); return [a, b];"),
        "[[], [3, 2, 1]]"
    );
    assert_eq!(eval("return array(3, \"x\");"), "[\"x\", \"x\", \"x\"]");
}

#[test]
fn array_sort_map_filter_reduce_apply() {
    assert_eq!(
        eval("local a = [5, 2, 8, 1]; a.sort(); return a;"),
        "[1, 2, 5, 8]"
    );
    assert_eq!(
        eval("local a = [5, 2, 8, 1]; a.sort(@(x, y) y <=> x); return a;"),
        "[8, 5, 2, 1]"
    );
    assert_eq!(eval("return [1, 2, 3].map(@(v) v * v);"), "[1, 4, 9]");
    assert_eq!(
        eval("return [1, 2, 3, 4].filter(@(i, v) v % 2 == 0);"),
        "[2, 4]"
    );
    assert_eq!(eval("return [1, 2, 3, 4].reduce(@(acc, v) acc + v);"), "10");
    assert_eq!(
        eval("local a = [1, 2]; a.apply(@(v) v + 1); return a;"),
        "[2, 3]"
    );
}

#[test]
fn foreach_over_arrays_tables_strings_and_blobs() {
    assert_eq!(
        eval("local r = []; foreach (i, v in [\"a\", \"b\"]) r.push(i + v); return r;"),
        "[\"0a\", \"1b\"]"
    );
    assert_eq!(
        eval("local r = 0; foreach (c in \"AB\") r += c; return r;"),
        "131"
    );
    assert_eq!(eval("local b = blob(2); b[0] = 1; b[1] = 2; local r = 0; foreach (i, x in b) r += x * (i + 1); return r;"), "5");
}

// ---- functions and closures ----

#[test]
fn closures_capture_by_reference() {
    assert_eq!(
        eval("local n = 0; local inc = function() { n++; }; inc(); inc(); return n;"),
        "2"
    );
    assert_eq!(
        eval("function counter() { local c = 0; return { inc = function() { return ++c; }, get = function() { return c; } }; } local k = counter(); k.inc(); k.inc(); return k.get();"),
        "2"
    );
    // Each loop iteration gets fresh variables.
    assert_eq!(eval("local fs = []; foreach (v in [1, 2, 3]) fs.push(function() { return v; }); return fs.map(@(f) f());"), "[1, 2, 3]");
    assert_eq!(eval("local fs = []; for (local i = 0; i < 3; i++) { local j = i; fs.push(@() j); } return fs.map(@(f) f());"), "[0, 1, 2]");
}

#[test]
fn nested_closures_share_an_outer() {
    assert_eq!(eval("local x = 1; local f = function() { return function() { x += 10; return x; }; }; local g = f(); g(); return [g(), x];"), "[21, 21]");
}

#[test]
fn default_parameters() {
    assert_eq!(eval("function f(a, b = 2, c = \"c\") { return a + b + c; } return [f(1), f(1, 5), f(1, 5, \"z\")];"), "[\"3c\", \"6c\", \"6z\"]");
    assert_eq!(
        eval_err("function f(a, b = 1) {} f();").message,
        "wrong number of parameters"
    );
    assert_eq!(
        eval_err("function f(a) {} f(1, 2);").message,
        "wrong number of parameters"
    );
}

#[test]
fn varargs_and_vargv() {
    assert_eq!(
        eval("function f(a, ...) { return [a, vargv.len(), vargv]; } return f(1, 2, 3);"),
        "[1, 2, [2, 3]]"
    );
    assert_eq!(eval("function f(...) { local s = 0; foreach (v in vargv) s += v; return s; } return f(1, 2, 3, 4);"), "10");
}

#[test]
fn lambdas() {
    assert_eq!(eval("local add = @(a, b) a + b; return add(2, 3);"), "5");
}

#[test]
fn local_function_is_recursive() {
    assert_eq!(
        eval("local function fact(n) { return n <= 1 ? 1 : n * fact(n - 1); } return fact(10);"),
        "3628800"
    );
}

#[test]
fn function_statements_in_root_tables_and_classes() {
    assert_eq!(eval("t <- {}; function t::f() { return 1; } function t.g() { return 2; } function h() { return 3; } return t.f() + t.g() + h();"), "6");
}

#[test]
fn optional_commas_between_call_arguments() {
    assert_eq!(
        eval("function f(a, b, c) { return a * 100 + b * 10 + c; } return f(1 2 3);"),
        "123"
    );
}

#[test]
fn call_pcall_acall_pass_this() {
    assert_eq!(eval("function f(a) { return this.k + a; } local t = {k = 10}; return [f.call(t, 1), f.pcall(t, 2), f.acall([t, 3])];"), "[11, 12, 13]");
}

#[test]
fn bindenv_fixes_this() {
    assert_eq!(
        eval("local a = {name = \"a\"}; local b = {name = \"b\"}; local f = function() { return name; }; local g = f.bindenv(a); b.g <- g; return [g(), b.g(), f.call(b)];"),
        "[\"a\", \"a\", \"b\"]"
    );
}

#[test]
fn unresolved_names_look_up_this_then_root() {
    assert_eq!(
        eval("x <- \"root\"; local t = { x = \"table\", get = function() { return x; } }; local u = { get = t.get }; return [t.get(), u.get()];"),
        "[\"table\", \"root\"]"
    );
    // A plain call passes the caller's `this`.
    assert_eq!(eval("local t = { v = 7, f = function() { return g(); } }; function g() { return v; } return t.f();"), "7");
}

#[test]
fn root_access_with_double_colon() {
    assert_eq!(
        eval("v <- 1; local t = { v = 2, f = function() { return [v, ::v]; } }; return t.f();"),
        "[2, 1]"
    );
    assert_eq!(eval("::w <- 3; ::w += 1; return w;"), "4");
}

#[test]
fn getroottable_is_the_root() {
    assert_eq!(eval("q <- 9; return getroottable().q;"), "9");
}

// ---- classes ----

#[test]
fn class_constructor_and_methods() {
    assert_eq!(
        eval("class P { x = 0; y = 0; constructor(a, b) { x = a; y = b; } function sum() { return x + y; } } local p = P(2, 3); return [p.sum(), p.x];"),
        "[5, 2]"
    );
}

#[test]
fn class_member_defaults_shared_vs_per_instance() {
    // A scalar default is copied per instance; a table or array default is one object shared
    // by every instance (Squirrel's well-known trap).
    assert_eq!(
        eval("class C { n = 0; list = []; } local a = C(); local b = C(); a.n = 5; a.list.push(1); return [a.n, b.n, b.list.len(), a.list == b.list];"),
        "[5, 0, 1, true]"
    );
}

#[test]
fn class_inheritance_base_and_instanceof() {
    assert_eq!(
        eval("class A { v = 1; constructor(x) { v = x; } function who() { return \"A\" + v; } } class B extends A { constructor(x) { base.constructor(x * 2); } function who() { return \"B/\" + base.who(); } } local b = B(5); return [b.who(), b instanceof B, b instanceof A, A(1) instanceof B];"),
        "[\"B/A10\", true, true, false]"
    );
}

#[test]
fn class_static_members() {
    assert_eq!(eval("class S { static count = 3; function get() { return count; } } S.count = 4; return [S.count, S().get()];"), "[4, 4]");
}

#[test]
fn instances_refuse_new_slots() {
    assert_eq!(
        eval_err("class C { a = 1; } local c = C(); c.b <- 2;").message,
        "class instances do not support the new slot operator"
    );
    assert_eq!(
        eval_err("class C { a = 1; } local c = C(); c.b = 2;").message,
        "the index 'b' does not exist"
    );
}

#[test]
fn class_gets_members_before_instantiation() {
    assert_eq!(eval("class C {} C.f <- function() { return 1; }; C.v <- 2; local c = C(); return c.f() + c.v;"), "3");
    assert_eq!(
        eval_err("class C {} local c = C(); C.v <- 2;").message,
        "trying to modify a class that has already been instantiated"
    );
}

#[test]
fn method_this_and_bindenv_callback() {
    assert_eq!(
        eval("class M { total = 0; function add(n) { total += n; } function cb() { return add.bindenv(this); } } local m = M(); local f = m.cb(); f(2); f(3); return m.total;"),
        "5"
    );
}

#[test]
fn typeof_each_type() {
    assert_eq!(
        eval("class C {} return [typeof null, typeof 1, typeof 1.0, typeof true, typeof \"s\", typeof {}, typeof [], typeof print, typeof @() 1, typeof C, typeof C(), typeof blob(1)];"),
        "[\"null\", \"integer\", \"float\", \"bool\", \"string\", \"table\", \"array\", \"function\", \"function\", \"class\", \"instance\", \"blob\"]"
    );
    assert_eq!(eval("return type([]);"), "\"array\"");
}

#[test]
fn clone_is_shallow() {
    assert_eq!(eval("local t = {a = [1]}; local c = clone t; c.a.push(2); c.b <- 1; return [t.a.len(), \"b\" in t];"), "[2, false]");
}

// ---- statements ----

#[test]
fn if_else_while_do_for() {
    assert_eq!(eval("local r = []; local i = 0; while (i < 3) { r.push(i); i++; } do { r.push(i); i++; } while (i < 5); for (local j = 10; j > 7; j -= 1) r.push(j); if (i == 5) r.push(\"y\"); else r.push(\"n\"); return r;"), "[0, 1, 2, 3, 4, 10, 9, 8, \"y\"]");
}

#[test]
fn break_and_continue() {
    assert_eq!(eval("local r = []; for (local i = 0; i < 10; i++) { if (i % 2) continue; if (i > 6) break; r.push(i); } return r;"), "[0, 2, 4, 6]");
    assert_eq!(eval("local r = []; foreach (v in [1, 2, 3, 4]) { local w = v * 2; if (v == 2) continue; if (v == 4) break; r.push(w); } return r;"), "[2, 6]");
}

#[test]
fn switch_with_fallthrough_and_default() {
    assert_eq!(
        eval("function f(x) { local r = []; switch (x) { case 1: r.push(\"one\"); case 2: r.push(\"two\"); break; case \"s\": r.push(\"str\"); break; default: r.push(\"other\"); } return r; } return [f(1), f(2), f(\"s\"), f(9)];"),
        "[[\"one\", \"two\"], [\"two\"], [\"str\"], [\"other\"]]"
    );
}

#[test]
fn try_catch_throw() {
    assert_eq!(
        eval("try { throw \"boom\"; } catch (e) { return \"caught \" + e; }"),
        "\"caught boom\""
    );
    assert_eq!(
        eval("try { local t = {}; t.x; } catch (e) { return e; }"),
        "\"the index 'x' does not exist\""
    );
    assert_eq!(
        eval("local r; try { throw {code = 5}; } catch (e) { r = e.code; } return r;"),
        "5"
    );
    // A throw deep in calls unwinds to the caller's handler.
    assert_eq!(eval("function a() { throw 1; } function b() { a(); return 0; } try { return b(); } catch (e) { return e + 1; }"), "2");
    // Nested try: the inner catch rethrows to the outer.
    assert_eq!(eval("local r = []; try { try { throw \"x\"; } catch (e) { r.push(1); throw e + \"y\"; } } catch (e2) { r.push(e2); } return r;"), "[1, \"xy\"]");
    // return and break inside try leave no handler behind.
    assert_eq!(eval("function f() { try { return 1; } catch (e) {} } f(); try { throw 3; } catch (e) { return e; }"), "3");
    assert_eq!(eval("foreach (v in [1]) { try { break; } catch (e) {} } try { throw 4; } catch (e) { return e; }"), "4");
}

#[test]
fn uncaught_throw_of_a_value_reports_it() {
    let e = eval_err("throw \"custom failure\";");
    assert_eq!(e.message, "custom failure");
    assert_eq!(e.line, 1);
}

#[test]
fn const_and_enum() {
    assert_eq!(eval("const LIMIT = 10; const NAME = \"n\"; enum Color { Red, Green = 5, Blue } return [LIMIT, NAME, Color.Red, Color.Green, Color.Blue];"), "[10, \"n\", 0, 5, 6]");
}

#[test]
fn ternary_operator() {
    assert_eq!(
        eval("local x = 5; return [x > 3 ? \"big\" : \"small\", x < 3 ? 1 : x < 6 ? 2 : 3];"),
        "[\"big\", 2]"
    );
}

#[test]
fn comments_of_all_three_kinds() {
    assert_eq!(
        eval("# hash comment\nlocal a = 1; // line comment\n/* block\ncomment */ return a;"),
        "1"
    );
}

#[test]
fn statements_end_at_newlines_without_semicolons() {
    assert_eq!(eval("local a = 1\nlocal b = 2\nreturn a + b"), "3");
}

// ---- blobs and math ----

#[test]
fn blob_read_write_seek() {
    assert_eq!(
        eval("local b = blob(); b.writen(0x01020304, 'i'); b.writen(7, 'b'); b.writen(-2, 's'); b.writen(1.5, 'f'); b.seek(0); return [b.len(), b.readn('i'), b.readn('b'), b.readn('s'), b.readn('f'), b.tell(), b.eos()];"),
        "[11, 16909060, 7, -2, 1.5, 11, true]"
    );
    assert_eq!(
        eval("local a = blob(); a.writestring(\"hello\"); local b = blob(); a.seek(1); b.writeblob(a.readblob(3)); b.resize(4); return [b.tostring(), b.len()];"),
        "[\"ell\\0\", 4]"
    );
    assert_eq!(eval("local b = blob(4); return [b.len(), b[0]];"), "[4, 0]");
}

#[test]
fn math_library() {
    assert_eq!(eval("return [math.abs(-3), math.fabs(-2.5), math.floor(2.7), math.ceil(2.1), math.sqrt(16), math.pow(2, 10), math.PI > 3.14];"), "[3, 2.5, 2, 3, 4, 1024, true]");
    assert_eq!(
        eval("local r = math.rand(); return r >= 0 && r <= math.RAND_MAX;"),
        "true"
    );
    // Standard Squirrel also has RAND_MAX in the root table (Messenger uses it there).
    assert_eq!(eval("return RAND_MAX == math.RAND_MAX && RAND_MAX > 0;"), "true");
}

#[test]
fn math_rand_is_seeded_by_the_host() {
    let draw = |seed: u64| {
        let mut vm = vm();
        vm.seed(seed);
        let v = run_in(&mut vm, "return [math.rand(), math.rand()];").unwrap();
        render(vm.heap(), v)
    };
    assert_eq!(draw(7), draw(7));
    assert_ne!(draw(7), draw(8));
}

#[test]
fn tostring_of_each_type() {
    assert_eq!(eval("return [1.tostring(), 1.5.tostring(), true.tostring(), null + \"\", \"s\".tostring()];"), "[\"1\", \"1.5\", \"true\", \"null\", \"s\"]");
    assert!(eval("return {}.tostring();").starts_with("\"(table : 0x"));
}

#[test]
fn assert_builtin() {
    assert_eq!(eval_err("assert(1 == 2);").message, "assertion failed");
    assert_eq!(eval("assert(true); return 1;"), "1");
}

#[test]
fn calling_a_non_function_is_an_error() {
    assert_eq!(
        eval_err("local x = 3; x();").message,
        "attempt to call 'integer'"
    );
}

#[test]
fn arith_on_wrong_types_is_an_error() {
    assert_eq!(
        eval_err("return {} + 1;").message,
        "arith op + on between 'table' and 'integer'"
    );
}

#[test]
fn line_and_file_keywords() {
    assert_eq!(
        eval("\n\nreturn [__LINE__, __FILE__];"),
        "[3, \"test.nut\"]"
    );
}

#[test]
fn callee_is_the_running_function() {
    assert_eq!(
        eval("local f = function(n) { return n <= 1 ? 1 : n * callee()(n - 1); }; return f(5);"),
        "120"
    );
}

#[test]
fn foreach_over_a_class_and_an_instance() {
    assert_eq!(
        eval("class C { a = 1; b = \"x\"; } local i = C(); i.a = 5; local r = []; foreach (k, v in C) r.push(k + \"=\" + v); foreach (k, v in i) r.push(k + \"=\" + v); return r;"),
        "[\"a=1\", \"b=x\", \"a=5\", \"b=x\"]"
    );
}

#[test]
fn files_loaded_in_turn_share_globals_and_constants() {
    let mut vm = vm();
    run_in(
        &mut vm,
        "const SCALE = 3; function triple(x) { return x * SCALE; } lib_ready <- true;",
    )
    .unwrap();
    let v = run_in(&mut vm, "return [lib_ready, triple(2), SCALE];").unwrap();
    assert_eq!(render(vm.heap(), v), "[true, 6, 3]");
}

#[test]
fn tostring_uses_the_tostring_metamethod_of_an_instance() {
    assert_eq!(eval("class P { x = 3; function _tostring() { return \"P(\" + x + \")\"; } } return P().tostring();"), "\"P(3)\"");
}

/// Squirrel's StringCat: `+` with a string converts an instance operand, on either side, with
/// its class's `_tostring` (a script method, nested in an expression and in a loop).
#[test]
fn string_plus_instance_uses_its_tostring() {
    let prelude = "class P { x = 0; constructor(v) { x = v; } function _tostring() { return \"P(\" + x + \")\"; } } ";
    assert_eq!(
        eval(&format!("{prelude} return \"a\" + P(3);")),
        "\"aP(3)\""
    );
    assert_eq!(
        eval(&format!("{prelude} return P(4) + \"b\";")),
        "\"P(4)b\""
    );
    assert_eq!(
        eval(&format!("{prelude} local s = \"\"; for (local i = 0; i < 3; i++) s = s + P(i) + \",\"; return [s, 1 + 2];")),
        "[\"P(0),P(1),P(2),\", 3]"
    );
    // Without `_tostring` the default form stays (an instance prints as its kind).
    assert!(eval("class Q {} return \"q:\" + Q();").starts_with("\"q:(instance"));
    // An error in `_tostring` reaches the script's try/catch.
    assert_eq!(
        eval("class E { function _tostring() { throw \"no\"; } } try { return \"a\" + E(); } catch (e) { return e; }"),
        "\"no\""
    );
}

/// Squirrel's this-then-root lookup: an unresolved name in a table's method is found among
/// `this`'s slots and then its built-in methods (a bare `len()`), before the root table.
#[test]
fn unresolved_names_find_the_built_in_methods_of_this() {
    assert_eq!(
        eval("local t = { a = 1, b = 2, function count() { return len(); } }; return t.count();"),
        "3"
    );
    assert_eq!(
        eval("local t = { x = 1, function has(k) { return rawin(k); } }; return [t.has(\"x\"), t.has(\"y\")];"),
        "[true, false]"
    );
    // A slot of `this` still wins over a built-in, and root still answers what `this` lacks.
    assert_eq!(
        eval("::g <- 7; local t = { function len() { return 99; }, function f() { return [len(), g]; } }; return t.f();"),
        "[99, 7]"
    );
}
