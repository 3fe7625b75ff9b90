//! The worst scenarios the loader accepts, each run against the default work budget and timed
//! (issue 13): how the budget's weights were chosen, and the evidence that no accepted
//! scenario keeps a CPU busy for long. A measurement, not a test:
//! `cargo run --profile native -p impnet-core --example budget [--summary-only]`.

use impnet_core::budget::{Budget, Work};
use impnet_core::scenario::parse_toml;
use impnet_core::{run, RunOptions};

/// One handler list of 10 000 quick calls (each returns at once while offline).
fn handler(list: &str, call: &str) -> String {
    format!("[[{list}]]\ncall = \"{call}\"\n").repeat(9_999) + &format!("[[{list}]]\ncall = \"server.connect\"\ntimeout = 0.001\n")
}

fn outages(n: u64, every_ms: u64, for_ms: u64) -> String {
    let list: Vec<String> = (0..n).map(|i| format!("{{ kind = \"wifi\", at_ms = {}, for_ms = {for_ms} }}", 3_000 + i * every_ms)).collect();
    format!("[network]\noutages = [{}]\n", list.join(", "))
}

fn scenarios() -> Vec<(&'static str, String)> {
    let policy = "[[steps]]\ncall = \"server.setsendtimeoutpolicy\"\nreconnect = \"RETURN_ON_ERROR\"\nwait = \"WAIT_TIL_SENT\"\ntimeout = 1\n";
    vec![
        (
            "udp burst at the smallest mtu",
            "[udp]\nmtu = 68\nburst = 1000000\nrefill_per_s = 1000000\n[[steps]]\ncall = \"interface.openudp\"\n\
             [[steps]]\ncall = \"udpsocket.send\"\naddress = \"192.168.1.2\"\nport = 9\nbytes = 65507\nrepeat = 1000000\n"
                .into(),
        ),
        (
            "1000 outages x handler lists of 10000 calls",
            format!(
                "[recover]\ngrace_ms = 0\n{}{policy}[[steps]]\ncall = \"imp.wakeup\"\nseconds = 86000\n{}{}",
                outages(1_000, 50, 10),
                handler("on_unexpected_disconnect", "server.isconnected"),
                handler("on_connect", "server.isconnected")
            ),
        ),
        (
            "1000000 agent.send (the bench)",
            "[[steps]]\ncall = \"agent.send\"\nname = \"reading\"\nbytes = 100\nrepeat = 1000000\n".into(),
        ),
        (
            "smallest segments, fastest link, lossy, 1 MiB logs",
            "[device]\nmss = 64\nbuffer_default = 1048576\nbuffer_max = 1048576\n[network]\nrtt_ms = 1\nuplink_bps = 10000000000\nloss = 0.5\n\
             [server]\nrwnd = 1073741824\n[[steps]]\ncall = \"server.log\"\nbytes = 1048576\nrepeat = 1000000\n"
                .into(),
        ),
        (
            "keepalive every ms through a day-long upstream outage",
            "[keepalive]\nidle_ms = 1\nack_ms = 1\n[device]\nconnect_ms = 0\n[network]\noutages = [{ kind = \"upstream\", at_ms = 2000, for_ms = 86000000 }]\n\
             [[steps]]\ncall = \"imp.wakeup\"\nseconds = 86000\n"
                .into(),
        ),
        (
            "10 000 000 isconnected",
            "[[steps]]\ncall = \"server.isconnected\"\nrepeat = 1000000\n".repeat(10),
        ),
    ]
}

fn main() {
    let summary_only = std::env::args().any(|a| a == "--summary-only");
    println!("default budget {} units; weights: {}", Budget::DEFAULT, Work::ALL.map(|w| format!("{} {}", w.as_str(), w.weight())).join(", "));
    for (name, toml) in scenarios() {
        let sc = match parse_toml(&toml) {
            Ok(s) => s,
            Err(e) => {
                println!("{name}: refused: {e}");
                continue;
            }
        };
        let t0 = std::time::Instant::now();
        let r = run(&sc, &RunOptions { seed: None, summary_only });
        let secs = t0.elapsed().as_secs_f64();
        match r {
            Ok(t) => {
                let stop = t.summary.stop.map_or("completed".to_string(), |s| s.to_string());
                println!(
                    "{name}: {secs:.3} s, {} units ({:.1} ns/unit), {} lines; {stop}",
                    t.summary.work,
                    secs * 1e9 / t.summary.work.max(1) as f64,
                    t.entries.len()
                );
            }
            Err(e) => println!("{name}: {secs:.3} s, error: {e}"),
        }
    }
}
