//! How fast the model runs: 1 000 000 `agent.send` calls under the default buffer (3456 B) at
//! 100 ms RTT, keeping the full trace and keeping only the summary.
//!
//! `cargo bench -p impnet-core --bench sim` prints, before criterion's own statistics, one
//! timed run of each with simulated calls per second and trace events per second.
//! Peak memory against the number of calls: `cargo run --release -p impnet --example peak_rss`.

use criterion::{criterion_group, Criterion, Throughput};
use impnet_core::scenario::{Call, Scenario, Step};
use impnet_core::{run, RunOptions};
use std::time::Instant;

const CALLS: u32 = 1_000_000;
/// The full trace keeps two lines per send (call, `acked`) plus `connected`, and the engine
/// caps a trace at 2 000 000 lines (`record::MAX_ENTRIES`): one send fewer fits.
const FULL_CALLS: u32 = CALLS - 1;

/// SPEC §2 defaults (3456-byte buffer, 100 ms RTT, default policy) and one step repeated.
fn sends(calls: u32) -> Scenario {
    let mut step = Step::new(Call::AgentSend { name: "reading".into(), bytes: 100 });
    step.repeat = calls;
    Scenario { title: format!("{calls} agent.send"), steps: vec![step], ..Scenario::default() }
}

fn opts(summary_only: bool) -> RunOptions {
    RunOptions { seed: None, summary_only }
}

/// One run of each kind, timed by hand, so events per second can be printed next to calls.
fn report() {
    let started = Instant::now();
    let full = run(&sends(FULL_CALLS), &opts(false)).expect("the bench scenario runs");
    let full_secs = started.elapsed().as_secs_f64();
    let events = full.entries.len() as f64;
    // Summary-only of the very same scenario, to check it changes nothing but memory.
    let same = run(&sends(FULL_CALLS), &opts(true)).expect("the bench scenario runs");
    assert_eq!(same.summary, full.summary, "summary-only must not change the result");
    let started = Instant::now();
    let summary = run(&sends(CALLS), &opts(true)).expect("the bench scenario runs");
    let summary_secs = started.elapsed().as_secs_f64();
    println!(
        "sim: full trace of {FULL_CALLS} agent.send: {} entries, {} flow samples, virtual end {} ms",
        full.entries.len(),
        full.samples.len(),
        full.summary.end
    );
    println!(
        "sim: full trace   {full_secs:8.3} s  {:>12.0} calls/s  {:>12.0} events/s",
        f64::from(FULL_CALLS) / full_secs,
        events / full_secs
    );
    println!(
        "sim: summary-only {summary_secs:8.3} s  {:>12.0} calls/s  {:>12.0} events/s ({CALLS} calls, virtual end {} ms; \
         events = the full run's lines per call)",
        f64::from(CALLS) / summary_secs,
        events / f64::from(FULL_CALLS) * f64::from(CALLS) / summary_secs,
        summary.summary.end
    );
}

fn benches(c: &mut Criterion) {
    let mut g = c.benchmark_group("million_agent_send");
    g.sample_size(10);
    let full = sends(FULL_CALLS);
    g.throughput(Throughput::Elements(u64::from(FULL_CALLS)));
    g.bench_function("full_trace", |b| b.iter(|| run(&full, &opts(false)).unwrap()));
    let summary = sends(CALLS);
    g.throughput(Throughput::Elements(u64::from(CALLS)));
    g.bench_function("summary_only", |b| b.iter(|| run(&summary, &opts(true)).unwrap()));
    g.finish();
}

criterion_group!(sim, benches);

fn main() {
    report();
    sim();
    Criterion::default().configure_from_args().final_summary();
}
