//! Peak memory (VmHWM) of one run against the number of `agent.send` calls, with and without
//! the full trace. Each measurement runs in a fresh child process, since the high-water mark
//! only ever grows.
//!
//! `cargo run --release -p impnet --example peak_rss` prints a table; summary-only should stay
//! flat as the calls grow tenfold, the full trace should grow with them.

use impnet_core::scenario::{Call, Scenario, Step};
use impnet_core::{run, RunOptions};
use std::process::Command;

fn scenario(calls: u32) -> Scenario {
    let mut step = Step::new(Call::AgentSend { name: "reading".into(), bytes: 100 });
    step.repeat = calls;
    Scenario { steps: vec![step], ..Scenario::default() }
}

/// Peak resident memory of this process in KiB, from /proc (Linux only).
fn vm_hwm_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn child(calls: u32, summary_only: bool) {
    let trace = run(&scenario(calls), &RunOptions { seed: None, summary_only }).expect("runs");
    let peak = vm_hwm_kib().unwrap_or(0);
    println!("{peak} {} {}", trace.entries.len(), trace.summary.sent_msgs);
}

/// A full trace keeps two lines per send plus `connected`, capped at 2 000 000 lines by the
/// engine, so its largest run is one send short of a million.
const FULL_TRACE_MAX_CALLS: u32 = 999_999;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() == 4 && args[1] == "--child" {
        child(args[2].parse().expect("calls"), args[3] == "summary");
        return;
    }
    let exe = std::env::current_exe().expect("own path");
    println!("{:>10}  {:>13}  {:>14}  {:>14}  {:>10}", "calls", "mode", "peak RSS (KiB)", "entries kept", "sent_msgs");
    for mode in ["summary", "full"] {
        for calls in [10_000u32, 100_000, 1_000_000] {
            let calls = if mode == "full" { calls.min(FULL_TRACE_MAX_CALLS) } else { calls };
            let out = Command::new(&exe).args(["--child", &calls.to_string(), mode]).output().expect("child runs");
            let text = String::from_utf8_lossy(&out.stdout);
            let f: Vec<&str> = text.split_whitespace().collect();
            if !out.status.success() || f.len() != 3 {
                println!("{calls:>10}  {mode:>13}  failed: {}", String::from_utf8_lossy(&out.stderr).trim());
                continue;
            }
            println!("{calls:>10}  {mode:>13}  {:>14}  {:>14}  {:>10}", f[0], f[1], f[2]);
        }
    }
}
