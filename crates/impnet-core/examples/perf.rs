//! One million `agent.send` calls under the default buffer at 100 ms RTT, timed.
//! `cargo run --release -p impnet-core --example perf` (a measurement, not a test).
use impnet_core::{run, scenario::parse_toml, RunOptions};

fn main() {
    let sc = parse_toml(
        r#"
[network]
rtt_ms = 100
[[steps]]
call = "agent.send"
name = "d"
bytes = 10
repeat = 1000000
"#,
    )
    .expect("valid scenario");
    // The full trace of a million calls (two million lines) is over the entry cap, so that
    // run reports `TooManyEvents`; the full-trace figure uses 100 000 calls.
    let mut small = sc.clone();
    small.steps[0].repeat = 100_000;
    for (sc, summary_only) in [(&sc, true), (&small, false)] {
        let t0 = std::time::Instant::now();
        let trace = match run(sc, &RunOptions { seed: None, summary_only }) {
            Ok(t) => t,
            Err(e) => {
                println!("summary_only={summary_only}: {e} after {:.3} s", t0.elapsed().as_secs_f64());
                continue;
            }
        };
        let dt = t0.elapsed();
        println!(
            "summary_only={summary_only}: {:.3} s wall, {} entries, {} samples, sent {} acked {}, virtual {} ms",
            dt.as_secs_f64(),
            trace.entries.len(),
            trace.samples.len(),
            trace.summary.sent_msgs,
            trace.summary.acked_msgs,
            trace.summary.end
        );
    }
}
