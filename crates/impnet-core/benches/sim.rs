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

/// SPEC §2 defaults (3456-byte buffer, 100 ms RTT, default policy) and one step repeated.
fn million_sends() -> Scenario {
    let mut step = Step::new(Call::AgentSend { name: "reading".into(), bytes: 100 });
    step.repeat = CALLS;
    Scenario { title: "1e6 agent.send".into(), steps: vec![step], ..Scenario::default() }
}

fn opts(summary_only: bool) -> RunOptions {
    RunOptions { seed: None, summary_only }
}

/// One run of each kind, timed by hand, so events per second can be printed next to calls.
fn report(s: &Scenario) {
    let started = Instant::now();
    let full = run(s, &opts(false)).expect("the bench scenario runs");
    let full_secs = started.elapsed().as_secs_f64();
    let events = full.entries.len() as f64;
    let started = Instant::now();
    let summary = run(s, &opts(true)).expect("the bench scenario runs");
    let summary_secs = started.elapsed().as_secs_f64();
    assert_eq!(summary.summary, full.summary, "summary-only must not change the result");
    let calls = f64::from(CALLS);
    println!("sim: {CALLS} agent.send, {} trace entries, {} flow samples, virtual end {} ms",
        full.entries.len(), full.samples.len(), full.summary.end);
    println!("sim: full trace   {full_secs:8.3} s  {:>12.0} calls/s  {:>12.0} events/s", calls / full_secs, events / full_secs);
    println!("sim: summary-only {summary_secs:8.3} s  {:>12.0} calls/s  {:>12.0} events/s (events counted in the full run)",
        calls / summary_secs, events / summary_secs);
}

fn benches(c: &mut Criterion) {
    let s = million_sends();
    let mut g = c.benchmark_group("million_agent_send");
    g.sample_size(10);
    g.throughput(Throughput::Elements(u64::from(CALLS)));
    g.bench_function("full_trace", |b| b.iter(|| run(&s, &opts(false)).unwrap()));
    g.bench_function("summary_only", |b| b.iter(|| run(&s, &opts(true)).unwrap()));
    g.finish();
}

criterion_group!(sim, benches);

fn main() {
    report(&million_sends());
    sim();
    Criterion::default().configure_from_args().final_summary();
}
