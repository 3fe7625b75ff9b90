//! Issue 13 / SPEC §14 watchdog: work that grows with a native's operands is charged to the
//! task's instructions (`impnet_squirrel::work` has the weights), so a program whose every
//! instruction asks for a megabyte of work stops at the watchdog after a bounded amount of
//! it, and a host charging its run-wide budget with the instructions used sees the work too.
//! The assertions are on the error and on the charged work, never on wall time (the
//! before/after times are in docs/device-code.md, from `examples/work.rs`).

mod common;
use common::*;
use impnet_squirrel::{work, ErrorKind, Limits, Outcome, Value};

const WATCHDOG: u64 = 10_000_000;

/// Runs `src` with `s` a string of `len` "a"s (made by the host, so its making costs the task
/// nothing) until it fails; `src` counts its iterations in the root slot `n`. The error kind
/// and message, the instructions charged, and how many iterations it got through.
fn run_until_error(len: usize, src: &str) -> (ErrorKind, String, u64, i32) {
    let mut vm = vm();
    let s = vm.heap_mut().string(&vec![b'a'; len]).unwrap();
    vm.set_slot(vm.root(), "s", s).unwrap();
    let e = run_in(&mut vm, &format!("n <- 0;\n{src}")).expect_err("the loop never ends by itself");
    let n = vm.heap().get_field(vm.root(), "n").and_then(|v| v.as_int()).unwrap_or(-1);
    (e.kind, e.message, vm.task_instructions(), n)
}

fn assert_watchdog(kind: ErrorKind, message: &str, charged: u64) {
    assert_eq!(kind, ErrorKind::Watchdog, "{message}");
    assert_eq!(message, "watchdog: the task ran 10000000 instructions without returning");
    assert_eq!(charged, WATCHDOG, "the whole allowance is charged");
}

#[test]
fn issue13_find_of_a_near_miss_in_a_megabyte_stops_at_the_watchdog() {
    // A 1 KiB needle that fails at its last byte at every position of a 1 MiB haystack: each
    // find is charged its search, so the watchdog allows about 19 of them (it allowed ~2 M).
    let (kind, message, charged, n) =
        run_until_error(1 << 20, "local p = s.slice(0, 1023) + \"b\";\nwhile (true) { s.find(p); n++; }");
    assert_watchdog(kind, &message, charged);
    let per_find = work::search(1 << 20) + work::bytes(1024);
    assert!(n >= 1 && n as u64 <= WATCHDOG / per_find, "{n} finds");
}

#[test]
fn issue13_find_is_linear_and_still_finds() {
    // Linear search (memmem) must keep find's answers: first hit, start offset, no hit.
    assert_eq!(eval("return \"abcabc\".find(\"ca\");"), "2");
    assert_eq!(eval("return \"abcabc\".find(\"bc\", 2);"), "4");
    assert_eq!(eval("return \"abcabc\".find(\"x\");"), "null");
    assert_eq!(eval("return \"abc\".find(\"\");"), "0");
    assert_eq!(eval("return \"abc\".find(\"c\", 3);"), "null");
}

#[test]
fn issue13_split_with_a_megabyte_of_separators_stops_at_the_watchdog() {
    // 64 KiB split at any of 1 MiB of separators: one pass over each with a 256-entry table.
    let (kind, message, charged, n) = run_until_error(
        1 << 20,
        "local t = s.slice(0, 65536); local seps = \"b\";\n\
         for (local k = 0; k < 20; k++) seps += seps;\n\
         while (true) { split(t, seps); n++; }",
    );
    assert_watchdog(kind, &message, charged);
    let per_split = work::bytes(65536 + (1 << 20)) + work::PER_OBJECT;
    assert!(n >= 1 && n as u64 <= WATCHDOG / per_split, "{n} splits");
    // Still Squirrel's split: any separator character, empty pieces kept unless asked.
    assert_eq!(eval("return split(\"a,b;;c\", \",;\");"), "[\"a\", \"b\", \"\", \"c\"]");
    assert_eq!(eval("return split(\"a,b;;c\", \";,\", true);"), "[\"a\", \"b\", \"c\"]");
}

#[test]
fn issue13_concatenating_a_big_string_in_a_loop_stops_at_the_watchdog() {
    // Every `+` copies 16 MiB: charged for reading both sides and writing the result.
    let (kind, message, charged, n) = run_until_error(16 << 20, "while (true) { local t = s + \"x\"; n++; }");
    assert_watchdog(kind, &message, charged);
    let per_concat = work::bytes(2 * ((16 << 20) + 1));
    assert!(n >= 1 && n as u64 <= WATCHDOG / per_concat, "{n} concatenations");
}

#[test]
fn issue13_string_doubling_stops_at_the_watchdog_or_else_the_heap() {
    // Doubling to 32 MiB copies ~64 MiB each step: the watchdog ends it first ...
    let (kind, message, charged, n) = run_until_error(0, "local s = \"x\";\nwhile (true) { s += s; n++; }");
    assert_watchdog(kind, &message, charged);
    assert!((20..26).contains(&n), "{n} doublings");
    // ... and without a watchdog the heap limit still does, before allocating.
    let mut vm = vm();
    vm.set_limits(Limits { task_instructions: u64::MAX, ..Limits::default() });
    let e = run_in(&mut vm, "local s = \"x\";\nwhile (true) s += s;").unwrap_err();
    assert_eq!((e.kind, e.line), (ErrorKind::Memory, 2));
    assert!(vm.heap().bytes() <= Limits::default().heap_bytes);
}

#[test]
fn issue13_inserting_at_the_front_in_a_loop_stops_at_the_watchdog() {
    // insert(0) moves the whole array: quadratic in the loop count, charged per element.
    let (kind, message, charged, n) =
        run_until_error(0, "local a = [];\nwhile (true) { a.insert(0, n); n++; }");
    assert_watchdog(kind, &message, charged);
    // Charged sum over i < n of values(i) <= 10 M, so n stays near sqrt(2 * 8 * 10 M).
    let moved: u64 = (0..n as usize).map(work::values).sum();
    assert!(moved <= WATCHDOG && n > 1_000 && n < 13_000, "{n} inserts, {moved} units");
    // remove(0) likewise.
    let (kind, message, charged, n) = run_until_error(
        0,
        "local a = array(1000000, 0);\nwhile (true) { a.remove(0); a.push(n); n++; }",
    );
    assert_watchdog(kind, &message, charged);
    assert!(n >= 1 && n as u64 <= WATCHDOG / work::values(999_999), "{n} removes");
}

#[test]
fn issue13_the_charge_is_exactly_the_documented_weight() {
    // The same bytecode over a short and a long string: the instructions differ by exactly
    // the weights of the extra bytes (find's search, tolower's read, slice's copy).
    let charged = |len: usize, call: &str| {
        let mut vm = vm();
        let s = vm.heap_mut().string(&vec![b'a'; len]).unwrap();
        vm.set_slot(vm.root(), "s", s).unwrap();
        run_in(&mut vm, &format!("return {call};")).unwrap();
        vm.task_instructions()
    };
    let (short, long) = (64, 64 + 640_000);
    assert_eq!(
        charged(long, "s.find(\"b\")") - charged(short, "s.find(\"b\")"),
        work::search(long) - work::search(short)
    );
    assert_eq!(charged(long, "s.tolower()") - charged(short, "s.tolower()"), 80_000);
    assert_eq!(charged(long, "s.slice(1)") - charged(short, "s.slice(1)"), 80_000);
    assert_eq!(charged(long, "s + s") - charged(short, "s + s"), 4 * 80_000);
}

#[test]
fn issue13_work_past_a_slice_is_reported_as_used_fuel() {
    // A host that runs slices of 1 000 instructions charges its budget with what each run
    // used: a 4 MiB tolower in one call shows up whole, beyond the slice.
    let mut vm = vm();
    let s = vm.heap_mut().string(&vec![b'a'; 4 << 20]).unwrap();
    vm.set_slot(vm.root(), "s", s).unwrap();
    vm.load("t.nut", "s.tolower();").unwrap();
    // The first run stops after the call (its fuel is overdrawn), reporting all of it.
    assert!(matches!(vm.run(1_000), Outcome::OutOfFuel));
    let first = vm.task_instructions();
    assert!(first >= work::bytes(4 << 20) && first < work::bytes(4 << 20) + 1_000, "{first}");
    assert!(matches!(vm.run(1_000), Outcome::Finished(_)));
}

#[test]
fn issue13_a_host_native_that_charges_is_refused_before_its_work() {
    // `Ctx::charge` refuses before the native does anything, with the watchdog's error, which
    // try/catch cannot catch.
    let mut vm = vm();
    vm.register("costly", |ctx, args| {
        let units = args[0].as_int().unwrap_or(0) as u64;
        ctx.charge(units)?;
        ctx.host.printed.push(format!("did {units}"));
        Ok(Value::Null)
    })
    .unwrap();
    let e = run_in(&mut vm, "costly(5);\ntry { costly(20000000); } catch (e) { print(\"caught\"); }\n")
        .unwrap_err();
    assert_eq!((e.kind, e.line), (ErrorKind::Watchdog, 2));
    assert_eq!(vm.host.printed, ["did 5"]);
    assert_eq!(vm.task_instructions(), WATCHDOG);
    // A charge that fits is counted whole: 5 units plus a handful of instructions.
    let mut vm = vm_with_costly();
    run_in(&mut vm, "costly(1000000);").unwrap();
    assert!((1_000_000..1_000_010).contains(&vm.task_instructions()));
}

fn vm_with_costly() -> impnet_squirrel::Vm<TestHost> {
    let mut vm = vm();
    vm.register("costly", |ctx, args| {
        ctx.charge(args[0].as_int().unwrap_or(0) as u64)?;
        Ok(Value::Null)
    })
    .unwrap();
    vm
}

#[test]
fn issue13_near_the_heap_limit_each_collection_is_charged() {
    // ~200 000 small live tables fill an 8 MiB heap to within 4 KiB of its limit; then a loop
    // makes garbage tables. Every few allocations the collector must run (a bigger gap would
    // turn that garbage into out-of-memory errors), and each run visits every object: it is
    // charged per object, so the loop ends at the watchdog after a bounded number of them
    // (uncharged, ~30 000 collections of 200 000 objects fitted in the watchdog).
    let mut vm = vm();
    let heap = 8 << 20;
    vm.set_limits(Limits { heap_bytes: heap, ..Limits::default() });
    let keep = vm.heap_mut().new_array(vec![]).unwrap();
    vm.set_slot(vm.root(), "keep", keep).unwrap();
    let Value::Array(r) = keep else { unreachable!() };
    let mut live = 0u64;
    while vm.heap().room() > 4096 {
        let t = vm.heap_mut().new_table().unwrap();
        vm.heap_mut().array_push(r, t).unwrap();
        live += 1;
    }
    assert!(live > 100_000, "{live} live tables");
    let before = vm.heap().collections();
    let e = run_in(&mut vm, "while (true) { local t = {}; }").unwrap_err();
    // A collection cannot be refused, so it is paid after it ran: the last one may take the
    // count past the watchdog by its own work.
    let charged = vm.task_instructions();
    assert_eq!(e.kind, ErrorKind::Watchdog);
    assert!(charged >= WATCHDOG && charged <= WATCHDOG + work::GC_PER_OBJECT * (live + 1_000), "{charged}");
    let collections = vm.heap().collections() - before;
    assert!(collections >= 1, "the loop made the collector run");
    assert!(
        collections <= WATCHDOG / (work::GC_PER_OBJECT * live) + 1,
        "{collections} collections of {live} live objects"
    );
}
