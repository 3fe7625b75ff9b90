mod common;
use common::*;

#[test]
fn smoke() {
    assert_eq!(eval("return 1 + 2;"), "3");
    assert_eq!(eval("local a = [1, 2, 3]; local s = 0; foreach (v in a) s += v; return s;"), "6");
    assert_eq!(eval("function f(x) { return x * 2; } return f(21);"), "42");
    assert_eq!(eval("local t = { a = 1, \"b\": 2, [3] = 4 }; return t;"), "{a: 1, b: 2, 3: 4}");
    assert_eq!(eval("class A { x = 1; function get() { return x; } } return A().get();"), "1");
    assert_eq!(eval("return [1,2,3].map(@(v) v * 10);"), "[10, 20, 30]");
    assert_eq!(eval("return format(\"%d %s %.2f %02d %x\", 5, \"hi\", 1.5, 7, 255);"), "\"5 hi 1.50 07 ff\"");
}
