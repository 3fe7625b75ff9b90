//! The Squirrel VM in wasm32, in headless Chromium.
//!
//! SPEC §1 and §14 (determinism): the shared conformance programs
//! (`crates/impnet-squirrel/tests/programs/mod.rs`: floats and libm, seeded `math.rand`,
//! sorting, tables, blobs, classes, errors) print the same output and run the same number of
//! instructions as natively, checked by the same pinned hashes `cargo test -p impnet-squirrel
//! --test determinism` asserts.
//!
//! Plus an opt-in bench (like `bench_wasm.rs`): VM instructions per second on the loop-heavy
//! program, in release:
//!   scripts/wasm-env.sh cargo test --profile wasm-release -p impnet-playground \
//!     --target wasm32-unknown-unknown --test squirrel_wasm -- --include-ignored
//! It prints the rate and asserts nothing about time.
#![cfg(target_arch = "wasm32")]

#[path = "../crates/impnet-squirrel/tests/programs/mod.rs"]
mod programs;

use impnet_squirrel::{Limits, Outcome};
use wasm_bindgen_test::{console_log, wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn s14_programs_give_the_native_hashes_in_wasm() {
    for (name, src, pinned) in programs::PROGRAMS {
        let (out, _) = programs::run(name, src);
        let h = programs::hash(out.as_bytes());
        assert_eq!(
            h, *pinned,
            "{name}: hash {h:#018x} in wasm, native {pinned:#018x}; output:\n{out}"
        );
    }
}

fn now_ms() -> f64 {
    web_sys::window()
        .expect("a window")
        .performance()
        .expect("performance")
        .now()
}

#[wasm_bindgen_test]
#[ignore]
fn bench_vm_instructions_per_second() {
    // Ten times the determinism run's iterations: long enough to time (~85 M instructions).
    let src = programs::ARITH_LOOP.replace("500000", "5000000");
    let mut best = 0.0f64;
    for round in 0..3 {
        let mut vm = programs::vm();
        vm.set_limits(Limits {
            task_instructions: u64::MAX,
            ..Limits::default()
        });
        vm.load("arith_loop.nut", &src)
            .expect("the bench program compiles");
        let started = now_ms();
        let outcome = vm.run(u64::MAX);
        let secs = (now_ms() - started) / 1000.0;
        // Not a timing assertion: the program must have run to its end, or the rate means nothing.
        assert!(
            matches!(outcome, Outcome::Finished(_)),
            "the bench program finishes"
        );
        let n = vm.task_instructions();
        let rate = n as f64 / secs;
        best = best.max(rate);
        console_log!(
            "squirrel_wasm: round {round}: {n} instructions in {secs:.3} s: {:.1} M instructions/s",
            rate / 1e6
        );
    }
    console_log!("squirrel_wasm: best {:.1} M instructions/s", best / 1e6);
}
