//! The cost of one model call (issue 8 item 4): `N` calls of one kind, summary only, so an
//! instruction counter sees the per-call path alone. Measure two sizes and divide the
//! difference (the setup cancels out):
//! `valgrind --tool=callgrind target/release/examples/calls isconnected 200000` (and 100000).
//! Kinds: `isconnected` (returns at once) and `send` (100-byte agent.send at 100 ms RTT).
//! `CALLS_FULL=1` keeps the full trace instead (the cost of writing lines).
use impnet_core::scenario::{Call, Scenario, Step};
use impnet_core::{run, RunOptions};

fn main() {
    let mut args = std::env::args().skip(1);
    let kind = args.next().unwrap_or_else(|| "isconnected".into());
    let n: u32 = args.next().and_then(|s| s.parse().ok()).unwrap_or(1_000_000);
    let call = match kind.as_str() {
        "isconnected" => Call::ServerIsConnected,
        "send" => Call::AgentSend { name: "reading".into(), bytes: 100 },
        other => {
            eprintln!("calls: unknown kind `{other}` (isconnected, send)");
            std::process::exit(2);
        }
    };
    let mut step = Step::new(call);
    step.repeat = n;
    let sc = Scenario { steps: vec![step], ..Scenario::default() };
    let t0 = std::time::Instant::now();
    let summary_only = std::env::var_os("CALLS_FULL").is_none();
    match run(&sc, &RunOptions { seed: None, summary_only }) {
        Ok(t) => println!("{n} {kind}: {:.3} s, virtual end {} ms", t0.elapsed().as_secs_f64(), t.summary.end),
        Err(e) => println!("{n} {kind}: {e}"),
    }
}
