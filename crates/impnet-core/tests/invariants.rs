//! Property tests over random scenarios: the buffer never exceeds its capacity (T1), bytes are
//! conserved (written = ACKed + lost + held, L4), time never goes back (§13), and a seed fixes
//! the trace (§1).
mod common;
use impnet_core::scenario::{Arg, Call, Outage, OutageKind, Scenario, Step};
use impnet_core::trace::{EventKind, Line};
use impnet_core::{run, RunOptions};
use proptest::prelude::*;

fn policy_step() -> impl Strategy<Value = Call> {
    (0..3usize, 0..2usize, prop_oneof![Just(0.0), Just(0.5), Just(2.0), Just(30.0)]).prop_map(|(r, w, t)| {
        Call::SetSendTimeoutPolicy {
            reconnect: Arg::Str(["SUSPEND_ON_ERROR", "RETURN_ON_ERROR", "RETURN_ON_ERROR_NO_DISCONNECT"][r].into()),
            wait: Arg::Str(["WAIT_TIL_SENT", "WAIT_FOR_ACK"][w].into()),
            timeout: Arg::Float(t),
        }
    })
}

fn call() -> impl Strategy<Value = Call> {
    prop_oneof![
        4 => (0u64..12_000).prop_map(|bytes| Call::AgentSend { name: "d".into(), bytes }),
        2 => (0u64..3_000).prop_map(|bytes| Call::ServerLog { bytes }),
        1 => policy_step(),
        1 => (0i64..40_000).prop_map(|n| Call::SetSendBufferSize { size: Arg::Int(n) }),
        1 => (0.0f64..3.0).prop_map(|timeout| Call::ServerFlush { timeout }),
        1 => (0.0f64..20.0).prop_map(|seconds| Call::ImpWakeup { seconds }),
        1 => (0.0f64..2.0).prop_map(|seconds| Call::ImpSleep { seconds }),
        1 => Just(Call::ServerDisconnect),
        1 => (0.0f64..30.0).prop_map(|timeout| Call::ServerConnect { timeout }),
        1 => (1u64..20_000).prop_map(|bytes| Call::UdpSend { address: Arg::Str("10.0.0.1".into()), port: Arg::Int(9), bytes }),
    ]
}

fn step() -> impl Strategy<Value = Step> {
    (call(), 1u32..6, any::<bool>()).prop_map(|(call, repeat, retry)| common::generated_step(call, repeat, retry))
}

fn outage() -> impl Strategy<Value = Outage> {
    (any::<bool>(), 0u64..120_000, 1u64..90_000).prop_map(|(wifi, at_ms, for_ms)| Outage {
        kind: if wifi { OutageKind::Wifi } else { OutageKind::Upstream },
        at_ms,
        for_ms,
    })
}

fn scenario() -> impl Strategy<Value = Scenario> {
    (
        any::<u64>(),
        prop::collection::vec(step(), 1..12),
        prop::collection::vec(outage(), 0..3),
        prop_oneof![Just(0.0), Just(0.05), Just(0.3)],
        prop_oneof![Just(20u64), Just(100), Just(400)],
        prop_oneof![Just(None), Just(Some(0u64)), Just(Some(3000))],
    )
        .prop_map(|(seed, steps, outages, loss, rtt, consume)| {
            let mut sc = Scenario { seed, end_ms: 900_000, steps, ..Scenario::default() };
            sc.steps.insert(0, Step::new(Call::OpenUdp { port: None }));
            sc.network.outages = outages;
            sc.network.loss = loss;
            sc.network.rtt_ms = rtt;
            sc.server.rwnd = 20_000;
            sc.agent.consume_bps = match consume {
                None => impnet_core::scenario::AgentParams::default().consume_bps,
                Some(b) => impnet_core::scenario::Rate::Bps(b),
            };
            sc.on_unexpected_disconnect = vec![Step::new(Call::ServerConnect { timeout: 20.0 })];
            sc
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn t1_l4_buffer_bounded_bytes_conserved_time_monotone(sc in scenario()) {
        let trace = run(&sc, &RunOptions::default()).unwrap();
        let mut lost = 0u64;
        let mut last = impnet_core::Instant::ZERO;
        for e in &trace.entries {
            prop_assert!(e.t >= last, "time went back at {:?}", e.line);
            last = e.t;
            let s = e.state;
            let held = (s.unsent + s.in_flight) as u64;
            prop_assert!(held <= s.capacity as u64, "held {held} > capacity {}", s.capacity);
            if let Line::Event(ev) = &e.line {
                if ev.event == EventKind::Lost {
                    lost += ev.bytes.unwrap();
                    continue;
                }
            }
            prop_assert_eq!(s.written_total, s.acked_total + lost + held, "bytes not conserved at {:?}", e.line);
        }
        prop_assert!(trace.summary.end >= last);
        prop_assert_eq!(trace.summary.lost_bytes, lost);
        let mut ls = impnet_core::Instant::ZERO;
        for s in &trace.samples {
            prop_assert!(s.t >= ls);
            ls = s.t;
        }
    }

    #[test]
    fn s1_same_seed_same_trace_and_summary_only_agrees(sc in scenario()) {
        let a = run(&sc, &RunOptions::default()).unwrap();
        let b = run(&sc, &RunOptions::default()).unwrap();
        prop_assert_eq!(a.hash(), b.hash());
        let s = run(&sc, &RunOptions { seed: None, summary_only: true }).unwrap();
        prop_assert!(s.entries.is_empty() && s.samples.is_empty());
        prop_assert_eq!(s.summary, a.summary);
    }
}
