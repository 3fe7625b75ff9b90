//! Speed of the model in wasm (headless Chromium): 1 000 000 `agent.send` calls under the SPEC §2
//! defaults (3456-byte buffer, 100 ms RTT, default policy) — the same scenario as the native
//! bench (`cargo bench -p impnet-core --bench sim`), so the two can be compared.
//!
//! Opt-in, it takes a while: `IMPNET_BENCH=1 scripts/test.sh`, or alone:
//!   cargo test --release --target wasm32-unknown-unknown --test bench_wasm -- --include-ignored
//! It prints calls per second and asserts nothing about time.
#![cfg(target_arch = "wasm32")]

use impnet_core::scenario::{Call, Scenario, Step};
use impnet_core::{run, RunOptions};
use wasm_bindgen_test::{console_log, wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

const CALLS: u32 = 1_000_000;

fn million_sends() -> Scenario {
    let mut step = Step::new(Call::AgentSend { name: "reading".into(), bytes: 100 });
    step.repeat = CALLS;
    Scenario { title: "1e6 agent.send".into(), steps: vec![step], ..Scenario::default() }
}

fn now_ms() -> f64 {
    web_sys::window().expect("a window").performance().expect("performance").now()
}

/// Runs the scenario once and reports (label, seconds, trace entries).
fn timed(s: &Scenario, summary_only: bool) -> (f64, impnet_core::Trace) {
    let started = now_ms();
    let trace = run(s, &RunOptions { seed: None, summary_only }).expect("the bench scenario runs");
    ((now_ms() - started) / 1000.0, trace)
}

#[wasm_bindgen_test]
#[ignore]
fn bench_million_agent_send() {
    let s = million_sends();
    let (summary_secs, summary) = timed(&s, true);
    let (full_secs, full) = timed(&s, false);
    // Not a timing assertion: the two modes must agree, or the numbers mean nothing.
    assert_eq!(summary.summary, full.summary, "summary-only must not change the result");
    assert_eq!(full.summary.sent_msgs, u64::from(CALLS));
    let calls = f64::from(CALLS);
    console_log!(
        "bench_wasm: {CALLS} agent.send, {} trace entries, virtual end {}",
        full.entries.len(),
        full.summary.end
    );
    console_log!("bench_wasm: summary-only {summary_secs:8.3} s {:>12.0} calls/s", calls / summary_secs);
    console_log!("bench_wasm: full trace   {full_secs:8.3} s {:>12.0} calls/s", calls / full_secs);
}
