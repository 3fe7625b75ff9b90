//! Programs whose output must be the same on every platform (SPEC §1 and §14: the same code and
//! seed give the same trace, native and wasm). Shared by `tests/determinism.rs` (native) and the
//! workspace's `tests/squirrel_wasm.rs` (headless Chromium), which assert the same hashes.
//!
//! A program's hash covers every line it prints, its return value and the number of VM
//! instructions it ran (fuel is part of the trace's behaviour: the watchdog and run budget).
#![allow(dead_code)]

use impnet_squirrel::{Host, Limits, Outcome, Value, Vm};

pub struct Printer {
    pub out: Vec<u8>,
}

impl Host for Printer {
    type Suspend = ();
}

/// The seed of `math.rand()` for every program here.
pub const SEED: u64 = 20261129;

/// Floats (f32 arithmetic, libm functions, `%g` and `format`), integers that wrap, bit ops.
pub const NUMBERS: &str = r#"
local acc = 0.0;
for (local i = 1; i <= 200; i++) {
    local x = i * 0.37;
    acc += math.sin(x) * math.cos(x / 3) + math.sqrt(x) - math.pow(x, 0.25) + math.exp(-x) + math.log(x);
    if (i % 40 == 0) print(acc + " " + format("%.6f %d %x", acc, i * 2147483, i * -65537) + " " + (acc / 3.0));
}
local h = 0x811C9DC5;
for (local i = 0; i < 1000; i++) h = ((h ^ i) * 16777619) ^ (h >>> 7) ^ (h << 3);
print(h + " " + (1.0 / 3) + " " + 1e10 + " " + 16777217.0 + " " + (7 / -2) + " " + (-7 % 3));
return acc;
"#;

/// `math.rand()` from the seeded stream, arrays sorted with a comparator, tables in insertion
/// order, strings and blobs.
pub const COLLECTIONS: &str = r#"
local a = [];
for (local i = 0; i < 300; i++) a.push(math.rand() % 1000);
a.sort(function(x, y) { return (x % 7) <=> (y % 7) || x <=> y; });
print(a.slice(0, 20).reduce(function(s, v) { return s + "," + v; }));
local t = {};
foreach (i, v in a) { local k = "k" + (v % 37); if (k in t) t[k] += v; else t[k] <- v; }
local line = "";
foreach (k, v in t) line += k + "=" + v + ";";
print(line);
local words = split("the quick brown fox jumps over the lazy dog", " ");
local up = words.map(function(w) { return w.toupper().slice(0, 2); });
print(up.len() + " " + up.top() + " " + "hello world".find("wor") + " " + "abc".tolower());
local b = blob(16);
for (local i = 0; i < 4; i++) b.writen(i * 1000003, 'i');
b.seek(0);
local s = 0;
while (!b.eos()) s = s * 31 + b.readn('b');
print(s + " " + b.len() + " " + (math.rand() / math.RAND_MAX.tofloat()));
return a.len();
"#;

/// Classes, inheritance, closures capturing locals, `_tostring`, try/catch of runtime errors.
pub const OBJECTS: &str = r#"
class Shape { name = "shape"; function area() { return 0; } function _tostring() { return name + ":" + area(); } }
class Rect extends Shape { w = 0; h = 0; constructor(a, b) { name = "rect"; w = a; h = b; } function area() { return w * h; } }
class Circle extends Shape { r = 0.0; constructor(x) { name = "circle"; r = x; } function area() { return 3.14159 * r * r; } }
local shapes = [];
for (local i = 1; i <= 12; i++) shapes.push(i % 3 == 0 ? Circle(i * 0.5) : Rect(i, i + 1));
local total = 0.0;
foreach (s in shapes) total += s.area();
print("shapes " + shapes[2] + " " + shapes[4] + " total " + total);
local counters = [];
for (local i = 0; i < 5; i++) { local n = i; counters.push(function() { n += 10; return n; }); }
local sum = 0;
foreach (c in counters) sum += c() + c();
print("closures " + sum);
local caught = [];
foreach (src in [function() { return 1 / 0; }, function() { return [1][5]; }, function() { return null.x; }, function() { throw {code = 7}; }]) {
    try { src(); } catch (e) { caught.push(typeof e == "table" ? "code " + e.code : e); }
}
print(caught.reduce(function(a, b) { return a + " | " + b; }));
return total;
"#;

/// The loop-heavy program (the wasm bench runs it with 10x the iterations): integer arithmetic,
/// compares, a branch.
pub const ARITH_LOOP: &str = r#"
local sum = 0;
for (local i = 0; i < 500000; i++) {
    sum += i * 3 % 7;
    if (sum > 100000) sum -= 100000;
}
print(sum);
return sum;
"#;

/// Name, source, and the hash the native run gives (pinned: any platform must give it too).
pub const PROGRAMS: &[(&str, &str, u64)] = &[
    ("numbers", NUMBERS, 0xf980_81d2_8eae_d253),
    ("collections", COLLECTIONS, 0x25be_96d9_f035_de88),
    ("objects", OBJECTS, 0x880b_3f50_dadc_c015),
    ("arith_loop", ARITH_LOOP, 0xafa9_fe17_6077_8ee7),
];

/// A VM with `print` appending `x.tostring()` and a newline to the host's output.
pub fn vm() -> Vm<Printer> {
    let mut vm = Vm::new(Printer { out: Vec::new() });
    vm.seed(SEED);
    vm.register("print", |ctx, args| {
        let s = args.first().map(|v| ctx.to_string(*v)).unwrap_or_default();
        ctx.host.out.extend_from_slice(s.as_bytes());
        ctx.host.out.push(b'\n');
        Ok(Value::Null)
    })
    .expect("print registers");
    vm
}

/// Runs `src` to the end: (its output with the result and instruction count, instructions).
pub fn run(name: &str, src: &str) -> (String, u64) {
    let mut vm = vm();
    vm.set_limits(Limits {
        task_instructions: u64::MAX,
        ..Limits::default()
    });
    vm.load(&format!("{name}.nut"), src)
        .unwrap_or_else(|e| panic!("{name} compiles: {e}"));
    let result = match vm.run(u64::MAX) {
        Outcome::Finished(v) => impnet_squirrel::to_display(vm.heap(), v),
        Outcome::Error(e) => panic!("{name} fails: {e}"),
        Outcome::Suspended(()) | Outcome::OutOfFuel => panic!("{name} stops early"),
    };
    let n = vm.task_instructions();
    let mut out = String::from_utf8_lossy(&vm.host.out).into_owned();
    out.push_str(&format!("=> {result}\ninstructions {n}\n"));
    (out, n)
}

/// FNV-1a, 64 bit: stable everywhere, no dependency.
pub fn hash(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}
