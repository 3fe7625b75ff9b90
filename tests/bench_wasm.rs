//! Speed of the model in wasm (headless Chromium): 1 000 000 `agent.send` calls under the SPEC §2
//! defaults (3456-byte buffer, 100 ms RTT, default policy) — the same scenario as the native
//! bench (`cargo bench -p impnet-core --bench sim`), so the two can be compared.
//!
//! Opt-in, it takes a while: `IMPNET_BENCH=1 scripts/test.sh`, or alone:
//!   cargo test --profile wasm-release --target wasm32-unknown-unknown --test bench_wasm -- --include-ignored
//! It prints calls per second and asserts nothing about time.
#![cfg(target_arch = "wasm32")]

use impnet_core::scenario::{Call, Scenario, Step};
use impnet_core::{run, RunOptions};
use wasm_bindgen_test::{console_log, wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

const CALLS: u32 = 1_000_000;
/// The full trace of 1e6 sends passes the engine's 2e6-line cap (a call line and an `acked`
/// event each, plus the boot lines), so the full-trace run does one call fewer, as the native
/// bench does.
const FULL_CALLS: u32 = CALLS - 1;

fn million_sends(calls: u32) -> Scenario {
    let mut step = Step::new(Call::AgentSend { name: "reading".into(), bytes: 100 });
    step.repeat = calls;
    Scenario { title: "1e6 agent.send".into(), steps: vec![step], ..Scenario::default() }
}

fn now_ms() -> f64 {
    web_sys::window().expect("a window").performance().expect("performance").now()
}

/// Runs the scenario once: (seconds, trace).
fn timed(s: &Scenario, summary_only: bool) -> (f64, impnet_core::Trace) {
    let started = now_ms();
    let trace = run(s, &RunOptions { seed: None, summary_only })
        .unwrap_or_else(|e| panic!("the bench scenario runs (summary_only {summary_only}): {e}"));
    ((now_ms() - started) / 1000.0, trace)
}

#[wasm_bindgen_test]
#[ignore]
fn bench_million_agent_send() {
    let (summary_secs, summary) = timed(&million_sends(CALLS), true);
    // Not timing assertions: every send must have gone out, or the numbers mean nothing.
    assert_eq!(summary.summary.sent_msgs, u64::from(CALLS));
    let (full_secs, full) = timed(&million_sends(FULL_CALLS), false);
    assert_eq!(full.summary.sent_msgs, u64::from(FULL_CALLS));
    console_log!(
        "bench_wasm: summary-only {CALLS} agent.send {summary_secs:8.3} s {:>12.0} calls/s (virtual end {})",
        f64::from(CALLS) / summary_secs,
        summary.summary.end
    );
    console_log!(
        "bench_wasm: full trace   {FULL_CALLS} agent.send {full_secs:8.3} s {:>12.0} calls/s ({} trace entries)",
        f64::from(FULL_CALLS) / full_secs,
        full.entries.len()
    );
}
