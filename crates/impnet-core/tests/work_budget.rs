//! Issue 13 "The model's work budget": one budget per run that calls, segments, UDP packets,
//! events and loop turns all draw from; when it runs out the run stops with a note naming the
//! limit and how far it got, and the summary says so. The two attacks of the issue, the load
//! bound on `udp.mtu`, and a property over random scenarios within the load limits.
mod common;
use impnet_core::budget::{Budget, Stop, Work};
use impnet_core::scenario::{parse_toml, validate, Arg, Call, Outage, OutageKind, Scenario, Step};
use impnet_core::sim::run_with_budget;
use impnet_core::trace::{EventKind, Line, Trace};
use impnet_core::{run, RunOptions};
use proptest::prelude::*;

const SUMMARY_ONLY: RunOptions = RunOptions { seed: None, summary_only: true };

/// The run stopped on the work budget, within it, with its note as the last line.
fn assert_budget_stop(t: &Trace, limit: u64, work: Work) {
    match t.summary.stop {
        Some(Stop::Budget { exhausted, .. }) => {
            assert_eq!((exhausted.work, exhausted.limit), (work, limit));
        }
        other => panic!("expected a work-budget stop, got {other:?}"),
    }
    assert!(t.summary.work <= limit, "{} units spent of {limit}", t.summary.work);
    assert!(t.summary.to_json_line().contains(r#""stopped":"work_budget""#), "{}", t.summary.to_json_line());
}

fn note(t: &Trace) -> String {
    match &t.entries.last().expect("a line").line {
        Line::Event(e) if e.event == EventKind::Note => e.why.clone(),
        other => panic!("the last line is not the note: {other:?}"),
    }
}

#[test]
fn issue13_udp_mtu_1_is_refused_at_load_naming_the_field() {
    let e = parse_toml("[udp]\nmtu = 1\n").unwrap_err().to_string();
    assert!(e.contains("udp.mtu") && e.contains("68"), "{e}");
    assert!(parse_toml("[udp]\nmtu = 68\n").is_ok());
}

/// Item 1: the burst of 65 507-byte datagrams at the smallest MTU the loader accepts, a
/// bucket that never empties, 1 000 000 sends: 964 packet draws each.
const UDP_BURST: &str = "[udp]\nmtu = 68\nburst = 1000000\nrefill_per_s = 1000000\n\
[[steps]]\ncall = \"interface.openudp\"\n\
[[steps]]\ncall = \"udpsocket.send\"\naddress = \"192.168.1.2\"\nport = 9\nbytes = 65507\nrepeat = 1000000\n";

#[test]
fn issue13_udp_burst_at_the_smallest_mtu_stops_on_the_budget_with_a_note() {
    let sc = parse_toml(UDP_BURST).expect("accepted at load");
    let t = run(&sc, &RunOptions::default()).expect("the run ends");
    assert_budget_stop(&t, Budget::DEFAULT, Work::Packet);
    let why = note(&t);
    assert!(why.contains("work budget") && why.contains("UDP packets") && why.contains("calls"), "{why}");
    // It got somewhere: each datagram was 964 packets, and every one sent was drawn.
    let sent = t.summary.udp_sent;
    assert!(sent > 1_000 && sent < 1_000_000, "{sent}");
    let done = match t.summary.stop {
        Some(Stop::Budget { exhausted, .. }) => exhausted.done,
        _ => unreachable!(),
    };
    assert_eq!(done.get(Work::Packet), sent * 964);
}

/// Item 2: handler lists of 10 000 calls that run again at each of 1 000 short outages
/// (RETURN_ON_ERROR, no grace: on_unexpected_disconnect at once; it reconnects, and
/// on_connect runs its own 10 000).
fn handler_storm() -> String {
    let outages: Vec<String> =
        (0..1_000).map(|i| format!("{{ kind = \"wifi\", at_ms = {}, for_ms = 10 }}", 3_000 + i * 50)).collect();
    let list = |name: &str| {
        "[[NAME]]\ncall = \"server.isconnected\"\n".replace("NAME", name).repeat(9_999)
            + &format!("[[{name}]]\ncall = \"server.connect\"\ntimeout = 0.001\n")
    };
    format!(
        "[recover]\ngrace_ms = 0\n[network]\noutages = [{}]\n{}[[steps]]\ncall = \"imp.wakeup\"\nseconds = 86000\n{}{}",
        outages.join(", "),
        common::policy("RETURN_ON_ERROR", "WAIT_TIL_SENT", 1.0),
        list("on_unexpected_disconnect"),
        list("on_connect"),
    )
}

#[test]
fn issue13_handler_lists_run_at_every_outage_stop_on_the_budget_with_a_note() {
    let toml = handler_storm();
    assert!(toml.len() < 1 << 20, "within the 1 MiB file limit");
    let sc = parse_toml(&toml).expect("accepted at load");
    let t = run(&sc, &SUMMARY_ONLY).expect("the run ends");
    assert_budget_stop(&t, Budget::DEFAULT, Work::Call);
    let Some(Stop::Budget { exhausted, at }) = t.summary.stop else { unreachable!() };
    // Far more calls than written (20 000): the handlers ran again and again, and the budget,
    // not the static 10 000 000-call limit, is what stopped them.
    assert!(exhausted.done.get(Work::Call) > 1_000_000, "{}", exhausted.done);
    assert!(at > impnet_core::Instant::from_millis(3_000) && at < impnet_core::Instant::from_millis(53_000), "{at}");
    assert_eq!(t.summary.end, at);
}

#[test]
fn issue13_a_full_trace_stops_where_the_summary_only_run_stops() {
    // Charges do not depend on what is kept: the same scenario stops at the same point.
    let sc = parse_toml(&common::send(100, 1_000)).unwrap();
    let budget = || Budget::new(10_000);
    let full = run_with_budget(&sc, &RunOptions::default(), budget()).unwrap();
    let summary = run_with_budget(&sc, &SUMMARY_ONLY, budget()).unwrap();
    assert_eq!(full.summary, summary.summary);
    assert!(full.summary.stop.is_some());
    assert!(note(&full).contains("10000 units"), "{}", note(&full));
}

// ----- property: random scenarios within the load limits -----

fn call() -> impl Strategy<Value = Call> {
    prop_oneof![
        3 => (0u64..70_000).prop_map(|bytes| Call::AgentSend { name: "d".into(), bytes }),
        2 => (0u64..(1 << 20)).prop_map(|bytes| Call::ServerLog { bytes }),
        2 => (0..3usize, 0..2usize, prop_oneof![Just(0.0), Just(0.5), Just(30.0)]).prop_map(|(r, w, t)| Call::SetSendTimeoutPolicy {
            reconnect: Arg::Str(["SUSPEND_ON_ERROR", "RETURN_ON_ERROR", "RETURN_ON_ERROR_NO_DISCONNECT"][r].into()),
            wait: Arg::Str(["WAIT_TIL_SENT", "WAIT_FOR_ACK"][w].into()),
            timeout: Arg::Float(t),
        }),
        1 => (0i64..(1 << 20)).prop_map(|n| Call::SetSendBufferSize { size: Arg::Int(n) }),
        1 => (0u32..40).prop_map(|s| Call::ImpWakeup { seconds: s as f64 * 0.5 }),
        1 => Just(Call::ServerDisconnect),
        1 => (0u32..6).prop_map(|s| Call::ServerConnect { timeout: s as f64 * 0.01 }),
        2 => Just(Call::ServerIsConnected),
        2 => (0u64..=65_507).prop_map(|bytes| Call::UdpSend { address: Arg::Str("10.0.0.1".into()), port: Arg::Int(9), bytes }),
    ]
}

fn step() -> impl Strategy<Value = Step> {
    (call(), prop_oneof![1u32..4, 1u32..1_000_000], any::<bool>())
        .prop_map(|(call, repeat, retry)| common::generated_step(call, repeat, retry))
}

fn scenario() -> impl Strategy<Value = Scenario> {
    (
        any::<u64>(),
        prop::collection::vec(step(), 1..6),
        prop::collection::vec(step(), 0..4),
        (0u64..1_000, 1u64..2_000, 0usize..1_000),
        (68u32..2_000, 0u32..1_000_000, 64u32..2_000, prop_oneof![Just(0.0), Just(0.3)], 1u64..60_000),
    )
        .prop_map(|(seed, steps, handler, (first, every, n), (mtu, burst, mss, loss, keepalive))| {
            let mut sc = Scenario { seed, steps, ..Scenario::default() };
            sc.steps.insert(0, Step::new(Call::OpenUdp { port: None }));
            sc.network.outages = (0..n as u64)
                .map(|i| Outage { kind: if i % 3 == 0 { OutageKind::Upstream } else { OutageKind::Wifi }, at_ms: first + i * every, for_ms: every / 2 + 1 })
                .collect();
            sc.network.loss = loss;
            sc.recover.grace_ms = 0;
            sc.on_unexpected_disconnect = handler.clone();
            sc.on_connect = handler;
            sc.udp.mtu = mtu;
            sc.udp.burst = burst;
            sc.udp.refill_per_s = burst as f64;
            sc.device.mss = mss;
            sc.keepalive.idle_ms = keepalive;
            sc.keepalive.ack_ms = keepalive;
            sc
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    /// Every scenario the loader accepts finishes within its budget: the run ends, spends at
    /// most the budget, and either completes or stops with the note last; and a stopped run
    /// is exactly the start of the same run given more budget (the budget cuts, it never
    /// changes what happened).
    #[test]
    fn issue13_random_scenarios_within_the_load_limits_finish_within_the_budget(sc in scenario(), limit in 1u64..400_000) {
        prop_assume!(validate(&sc).is_ok());
        let opts = RunOptions::default();
        let small = run_with_budget(&sc, &opts, Budget::new(limit)).expect("the run ends");
        prop_assert!(small.summary.work <= limit);
        let Some(stop) = small.summary.stop else { return Ok(()) };
        let budget_or_retries = matches!(stop, Stop::Budget { .. } | Stop::Retries { .. });
        prop_assert!(budget_or_retries);
        prop_assert_eq!(note(&small), stop.to_string());
        let more = run_with_budget(&sc, &opts, Budget::new(limit * 2)).expect("the run ends");
        prop_assert!(more.summary.work <= limit * 2);
        let kept = &small.entries[..small.entries.len() - 1];
        prop_assert!(more.entries.len() >= kept.len());
        prop_assert_eq!(kept, &more.entries[..kept.len()]);
    }
}
