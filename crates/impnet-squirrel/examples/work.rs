//! Size-proportional work against the watchdog (issue 13): programs whose every instruction
//! asks a native (or `+`) for work that grows with its operands. Each runs as one task with
//! SPEC §14's limits; prints how it ended, the instructions charged and the wall time.
//!     cargo run --profile native -p impnet-squirrel --example work -- [ITERATIONS] [NAME]
//! ITERATIONS (default 1 000 000) bounds each loop, so a VM that does not charge the work
//! can be measured with a small count and the time per iteration extrapolated.
use impnet_squirrel::{Host, Outcome, Vm};
use std::time::Instant;

struct Quiet;
impl Host for Quiet {
    type Suspend = ();
}

/// A 1 MiB string of "a" in `s` (20 doublings).
const MIB_OF_A: &str = "local s = \"a\"; for (local k = 0; k < 20; k++) s += s;";

fn programs() -> Vec<(&'static str, String)> {
    vec![
        // 1 MiB haystack, 1 KiB needle that fails at its last byte at every position.
        (
            "find_near_miss",
            format!("{MIB_OF_A} local p = s.slice(0, 1023) + \"b\"; for (local i = 0; i < N; i++) s.find(p);"),
        ),
        // 64 KiB to split at any of 1 MiB of separators (none present).
        (
            "split_long_separators",
            format!("{MIB_OF_A} local t = s.slice(0, 65536); local seps = \"b\"; for (local k = 0; k < 20; k++) seps += seps; for (local i = 0; i < N; i++) split(t, seps);"),
        ),
        // A 16 MiB string copied by every `+`.
        (
            "big_concat",
            format!("{MIB_OF_A} for (local k = 0; k < 4; k++) s += s; for (local i = 0; i < N; i++) local t = s + \"x\";"),
        ),
        // The string doubles until the heap's limit.
        (
            "doubling_concat",
            "local s = \"x\"; for (local i = 0; i < N; i++) s += s;".to_string(),
        ),
        // Quadratic: every insert moves the whole array.
        (
            "insert_front",
            "local a = []; for (local i = 0; i < N; i++) a.insert(0, i);".to_string(),
        ),
        (
            "remove_front",
            "local a = array(1000000, 0); for (local i = 0; i < N; i++) { a.remove(0); a.push(i); }".to_string(),
        ),
        (
            "tolower",
            format!("{MIB_OF_A} for (local i = 0; i < N; i++) s.tolower();"),
        ),
        (
            "clone_array",
            "local a = array(1000000, 0); for (local i = 0; i < N; i++) local b = clone a;".to_string(),
        ),
        (
            "blob_copy",
            "local b = blob(4000000); for (local i = 0; i < N; i++) b.tostring();".to_string(),
        ),
        // Tables keep insertion order, so deleting the first key shifts all the others.
        (
            "delete_first_key",
            "local t = {}; for (local i = 0; i < 200000; i++) t[i] <- i; for (local i = 0; i < N; i++) { delete t[i]; t[i + 200000] <- i; }".to_string(),
        ),
        // Plain instructions, for the time of one.
        (
            "arith_loop",
            "local x = 0; for (local i = 0; i < N; i++) x += i * 2;".to_string(),
        ),
    ]
}

fn main() {
    let mut args = std::env::args().skip(1);
    let n: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(1_000_000);
    let only = args.next();
    for (name, src) in programs() {
        if only.as_deref().is_some_and(|o| o != name) {
            continue;
        }
        let src = src.replace("< N;", &format!("< {n};"));
        let mut vm = Vm::new(Quiet);
        vm.load("work.nut", &src).expect("compiles");
        let t = Instant::now();
        let end = loop {
            match vm.run(u64::MAX) {
                Outcome::Finished(_) => break "finished".to_string(),
                Outcome::Error(e) => break format!("{:?}: {}", e.kind, e.message),
                _ => {}
            }
        };
        let ms = t.elapsed().as_secs_f64() * 1e3;
        let ins = vm.task_instructions();
        println!(
            "{name:24} {ms:10.1} ms  {ins:>10} instructions  {:6.1} ns/instruction  {end}",
            ms * 1e6 / ins.max(1) as f64
        );
    }
}
