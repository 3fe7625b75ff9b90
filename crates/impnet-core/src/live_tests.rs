//! `LiveDevice` against a loopback "server" inside the test (issue 8 item 3, livecode items 1 and 4).

use super::*;
use crate::program::CallKind;
use crate::scenario::parse_toml;

const TWO_LOGS: &str = r#"
[network]
rtt_ms = 100
[[steps]]
call = "server.log"
bytes = 100
repeat = 2
"#;

/// A loopback "server" inside the test: answers each data frame with an ACK at once.
fn pump(live: &mut LiveDevice, real: &mut u64, sent: &mut u64) -> Vec<Io> {
    let mut seen = Vec::new();
    for _ in 0..10_000 {
        let Some(io) = live.poll_io() else {
            match live.poll_timeout() {
                Some(t) => {
                    *real = (*real).max(t);
                    live.handle_timeout(*real);
                    continue;
                }
                None => break,
            }
        };
        seen.push(io.clone());
        match io {
            Io::Open { socket } => {
                live.handle_opened(*real, socket);
                let w = ServerFrame::Welcome { version: VERSION, rwnd: 65535, knobs: Knobs::default() };
                live.handle_text(*real, socket, &w.to_text());
            }
            Io::Data { socket, len } => {
                *sent += len as u64;
                let a = ServerFrame::Ack { acked_total: *sent, window: 65535 };
                live.handle_text(*real, socket, &a.to_text());
            }
            Io::Close { .. } | Io::Text { .. } => {}
        }
    }
    seen
}

#[test]
fn l1_connects_after_connect_ms_then_sends_and_ends_when_acked() {
    let sc = parse_toml(TWO_LOGS).unwrap();
    let mut live = LiveDevice::new(&sc, LiveOptions { time_scale: 1.0, skip_idle: true });
    let (mut real, mut sent) = (0, 0);
    let seen = pump(&mut live, &mut real, &mut sent);
    assert!(live.is_done());
    assert!(matches!(seen.first(), Some(Io::Open { socket: 1 })));
    assert!(seen.iter().any(|io| matches!(io, Io::Text { text, .. } if text.contains(r#""type":"msg""#))));
    let t = live.finish(real).trace;
    // Two logs of 100 bytes: 100 + 8 header + 29 TLS = 137 wire bytes each.
    assert_eq!(sent, 274);
    assert_eq!((t.summary.sent_msgs, t.summary.acked_msgs), (2, 2));
    let first_call = t.entries.iter().find_map(|e| match &e.line {
        crate::trace::Line::Call(_) => Some(e.t),
        _ => None,
    });
    // L1: with the link up, the first step runs at connect_ms (1500 ms), in virtual time.
    assert_eq!(first_call, Some(Instant::from_millis(1500)));
}

/// Issue 8 item 3: live mode runs any program behind the seam, here device code (§14):
/// its calls are placed by line, in virtual time, as in a simulated run.
#[test]
fn with_program_runs_device_code_live() {
    let sc = parse_toml("code = '''\nserver.log(\"a\");\nserver.log(\"bc\");\n'''\n").unwrap();
    let code = crate::code::of_scenario(&sc).unwrap().unwrap();
    let program = crate::code::bind::DeviceCode::new(code, sc.seed, sc.start_epoch).unwrap();
    let mut live = LiveDevice::with_program(&sc, program, LiveOptions::default());
    let (mut real, mut sent) = (0, 0);
    pump(&mut live, &mut real, &mut sent);
    assert!(live.is_done());
    let t = live.finish(real).trace;
    let lines: Vec<(u32, CallKind)> = t
        .entries
        .iter()
        .filter_map(|e| match &e.line {
            crate::trace::Line::Call(c) => Some((c.code.as_ref()?.site.line, c.call)),
            _ => None,
        })
        .collect();
    assert_eq!(lines, [(1, CallKind::ServerLog), (2, CallKind::ServerLog)]);
    assert_eq!((t.summary.sent_msgs, t.summary.acked_msgs), (2, 2));
}

/// livecode item 1: `of_scenario` runs a scenario's device code, and on a path with no
/// delay and no loss writes exactly the simulated trace (§14's call lines with their
/// `line`s, the texts of `server.log`, `agent.send`'s returns), agent-less as in a run
/// without agent code.
#[test]
fn of_scenario_runs_device_code_and_matches_the_simulation_on_an_ideal_path() {
    let code = "server.log(\"hello\");\nlocal r = agent.send(\"reading\", { v = 42 });\nimp.wakeup(0.5, function() { server.log(\"sent \" + r); });\n";
    let mut sc = parse_toml(&format!("code = '''\n{code}'''\n[network]\nloss = 0.0\n")).unwrap();
    sc.network.rtt_ms = 0;
    let sim = crate::sim::run(&sc, &crate::sim::RunOptions::default()).unwrap();
    let mut live = LiveDevice::of_scenario(&sc, LiveOptions::default()).unwrap();
    let (mut real, mut sent) = (0, 0);
    pump(&mut live, &mut real, &mut sent);
    let live = live.finish(real).trace;
    assert_eq!(live.to_json_lines(), sim.to_json_lines());
    let texts: Vec<String> = live
        .entries
        .iter()
        .filter_map(|e| match &e.line {
            crate::trace::Line::Call(c) => match c.code.as_ref().and_then(|k| k.carried.as_ref()) {
                Some(crate::trace::Carried::Text(t)) => Some(t.to_string()),
                _ => None,
            },
            _ => None,
        })
        .collect();
    assert_eq!(texts, ["hello", "sent 0"]);
    // A step-list scenario goes live as its step list.
    let steps = parse_toml(TWO_LOGS).unwrap();
    let mut live = LiveDevice::of_scenario(&steps, LiveOptions::default()).unwrap();
    let (mut real, mut sent) = (0, 0);
    pump(&mut live, &mut real, &mut sent);
    assert_eq!(live.finish(real).trace.summary.acked_msgs, 2);
}

/// §14 "The rest of the imp API": the live device's `time()` counts from the scenario's
/// `start_epoch` too (1 000 000 000 + the 1 500 ms boot, whole seconds).
#[test]
fn s14_live_device_code_time_counts_from_start_epoch() {
    let toml = "start_epoch = 1000000000\ncode = '''\nserver.log(\"t \" + time());\n'''\n[network]\nloss = 0.0\n";
    let mut sc = parse_toml(toml).unwrap();
    sc.network.rtt_ms = 0;
    let mut live = LiveDevice::of_scenario(&sc, LiveOptions::default()).unwrap();
    let (mut real, mut sent) = (0, 0);
    pump(&mut live, &mut real, &mut sent);
    let json = live.finish(real).trace.to_json_lines();
    assert!(json.contains("\"text\":\"t 1000000001\""), "{json}");
}

/// Issue 8 item 3: the simulation and live mode drive the same device through the same
/// harness, so on a path with no delay and no loss (the test's loopback ACKs at once) a
/// live run writes exactly the simulated trace: L1's connect, T2's serialisation, S1/S3's
/// blocked send and T3's ACKs at the same virtual instants.
#[test]
fn live_and_sim_write_the_same_trace_on_an_ideal_path() {
    let mut sc = parse_toml(
        r#"
[network]
loss = 0.0
uplink_bps = 20000
[[steps]]
call = "server.log"
bytes = 100
repeat = 3
[[steps]]
call = "agent.send"
name = "big"
bytes = 5000
"#,
    )
    .unwrap();
    // The loopback has no delay (the loader wants at least 1 ms; the model takes 0).
    sc.network.rtt_ms = 0;
    let sim = crate::sim::run(&sc, &crate::sim::RunOptions::default()).unwrap();
    let mut live = LiveDevice::new(&sc, LiveOptions::default());
    let (mut real, mut sent) = (0, 0);
    pump(&mut live, &mut real, &mut sent);
    let live = live.finish(real).trace;
    assert!(sim.entries.len() > 8, "{}", sim.to_json_lines());
    let lines = |t: &Trace| t.entries.iter().map(|e| e.to_json_line()).collect::<Vec<_>>();
    assert_eq!(lines(&live), lines(&sim));
    // The whole JSON output (the loops' own turns count as work, which is not in it).
    assert_eq!(live.to_json_lines(), sim.to_json_lines());
}

/// livecode item 4: live, a callback that re-arms `imp.wakeup(0, f)` forever meets the same
/// per-instant callback limit as a simulated run (§14): the run is done at that instant
/// with the note, rather than spinning in the driver's pump.
#[test]
fn an_imp_wakeup_0_poll_forever_ends_a_live_run_with_the_callback_limit() {
    let code = "function poll() { imp.wakeup(0, poll); }\npoll();\n";
    let sc = parse_toml(&format!("end_ms = 20000\ncode = '''\n{code}'''\n")).unwrap();
    let mut live = LiveDevice::of_scenario(&sc, LiveOptions::default()).unwrap();
    let (mut real, mut sent) = (0, 0);
    pump(&mut live, &mut real, &mut sent);
    assert!(live.is_done());
    let t = live.finish(real).trace;
    assert!(matches!(t.summary.stop, Some(crate::budget::Stop::Callbacks { .. })), "{:?}", t.summary.stop);
    let last = t.entries.last().expect("lines");
    assert_eq!(last.t, Instant::from_millis(1500));
    assert!(matches!(&last.line, crate::trace::Line::Event(e) if e.why.contains("imp.wakeup(0, f)")));
}

#[test]
fn hello_knobs_scale_rtt_and_agent_rate_to_real_time() {
    let mut sc = parse_toml(TWO_LOGS).unwrap();
    sc.agent.consume_bps = crate::scenario::Rate::Bps(1000);
    let live = LiveDevice::new(&sc, LiveOptions { time_scale: 10.0, skip_idle: false });
    let k = live.knobs();
    assert_eq!((k.delay_ms, k.consume_bps, k.rwnd), (Some(10), Some(10_000), Some(65535)));
}
