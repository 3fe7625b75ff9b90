//! §13 sentences that must hold on *every* trace, checked over random scenarios whose outages
//! fall on round instants (so they meet connects, timeouts and ACKs at the same microsecond):
//! the drop order, msg ids, summary counts, the codes that create no message, reasons as §3
//! integers, and L2 (the device is never ONLINE while the WiFi is down).
mod common;
use impnet_core::scenario::{Arg, Call, Outage, OutageKind, Scenario, Step};
use impnet_core::trace::{ConnState, EventKind, Line};
use impnet_core::{run, RunOptions};
use proptest::prelude::*;
use serde_json::Value;

fn call() -> impl Strategy<Value = Call> {
    prop_oneof![
        4 => (0u64..8_000).prop_map(|bytes| Call::AgentSend { name: "d".into(), bytes }),
        2 => (0u64..2_000).prop_map(|bytes| Call::ServerLog { bytes }),
        2 => (0..3usize, 0..2usize, prop_oneof![Just(0.0), Just(0.5), Just(2.0), Just(30.0)]).prop_map(|(r, w, t)| Call::SetSendTimeoutPolicy {
            reconnect: Arg::Str(["SUSPEND_ON_ERROR", "RETURN_ON_ERROR", "RETURN_ON_ERROR_NO_DISCONNECT"][r].into()),
            wait: Arg::Str(["WAIT_TIL_SENT", "WAIT_FOR_ACK"][w].into()),
            timeout: Arg::Float(t),
        }),
        1 => (0i64..40_000).prop_map(|n| Call::SetSendBufferSize { size: Arg::Int(n) }),
        1 => prop_oneof![Just(0.0), Just(1.0)].prop_map(|timeout| Call::ServerFlush { timeout }),
        2 => (0u32..40).prop_map(|s| Call::ImpWakeup { seconds: s as f64 * 0.5 }),
        1 => (0u32..4).prop_map(|s| Call::ImpSleep { seconds: s as f64 * 0.5 }),
        1 => Just(Call::ServerDisconnect),
        1 => (0u32..6).prop_map(|s| Call::ServerConnect { timeout: s as f64 * 5.0 }),
        1 => Just(Call::ServerIsConnected),
        1 => (1u64..5_000).prop_map(|bytes| Call::UdpSend { address: Arg::Str("10.0.0.1".into()), port: Arg::Int(9), bytes }),
    ]
}

fn step() -> impl Strategy<Value = Step> {
    (call(), 1u32..4, any::<bool>()).prop_map(|(call, repeat, retry)| common::generated_step(call, repeat, retry))
}

fn outage() -> impl Strategy<Value = Outage> {
    // Multiples of 500 ms: edges coincide with connects (1500, outage end + 1500), timeouts
    // and wakeups.
    (any::<bool>(), 0u64..200, 1u64..150).prop_map(|(wifi, at, len)| Outage {
        kind: if wifi { OutageKind::Wifi } else { OutageKind::Upstream },
        at_ms: at * 500,
        for_ms: len * 500,
    })
}

fn scenario() -> impl Strategy<Value = Scenario> {
    (
        any::<u64>(),
        prop::collection::vec(step(), 1..10),
        prop::collection::vec(outage(), 0..4),
        prop_oneof![Just(0.0), Just(0.2)],
        prop_oneof![Just(65_535u32), Just(3000), Just(141)],
        prop_oneof![Just(None), Just(Some(0u64)), Just(Some(500))],
    )
        .prop_map(|(seed, steps, outages, loss, rwnd, consume)| {
            let mut sc = Scenario { seed, end_ms: 1_500_000, steps, ..Scenario::default() };
            sc.steps.insert(0, Step::new(Call::OpenUdp { port: None }));
            sc.network.outages = outages;
            sc.network.loss = loss;
            sc.on_unexpected_disconnect = vec![Step::new(Call::ServerConnect { timeout: 20.0 })];
            sc.on_connect = vec![Step::new(Call::ServerIsConnected)];
            sc.server.rwnd = rwnd;
            if let Some(b) = consume {
                sc.agent.consume_bps = impnet_core::scenario::Rate::Bps(b);
            }
            sc
        })
}

fn wifi_down(sc: &Scenario, t_us: u64) -> bool {
    sc.network.outages.iter().any(|o| o.kind == OutageKind::Wifi && o.at_ms * 1000 <= t_us && t_us < (o.at_ms + o.for_ms) * 1000)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn s13_trace_shape_holds_on_every_run(sc in scenario()) {
        let trace = run(&sc, &RunOptions::default()).unwrap();
        // L2: WiFi outages are seen at once; nothing happens ONLINE while the WiFi is down.
        // (The `disconnected` and `lost` lines of the drop itself snapshot the state they end.)
        for e in &trace.entries {
            let drop_line = matches!(&e.line, Line::Event(ev) if matches!(ev.event, EventKind::Disconnected | EventKind::Lost));
            prop_assert!(drop_line || !(e.state.conn == Some(ConnState::Online) && wifi_down(&sc, e.t.micros)), "ONLINE during a wifi outage at {:?}: {:?}", e.t, e.line);
        }
        let v: Vec<Value> = trace.entries.iter().map(|e| Value::Object(e.to_json())).collect();
        let ev = |l: &Value| l["event"].as_str().unwrap_or("").to_string();
        let mut acked = std::collections::BTreeSet::new();
        let mut lost = std::collections::BTreeSet::new();
        let mut last_call_msg: Option<i64> = None;
        let mut max_id: i64 = -1;
        // The wait policy in force (L1: WAIT_TIL_SENT until the script sets one, again after a
        // warm boot), followed from the steps the policy lines name.
        let mut wait_for_ack = false;
        for (i, l) in v.iter().enumerate() {
            let step = || l["step"].as_u64().and_then(|s| sc.steps.get(s as usize)).map(|s| &s.call);
            if l["call"] == "server.setsendtimeoutpolicy" && l["ret"].is_null() && l.get("handler").is_none() {
                if let Some(Call::SetSendTimeoutPolicy { wait: Arg::Str(w), .. }) = step() {
                    wait_for_ack = w == "WAIT_FOR_ACK";
                }
            }
            if ev(l) == "squirrel_restart" {
                wait_for_ack = false;
            }
            if let Some(r) = l.get("reason") {
                let r = r.as_i64().unwrap();
                prop_assert!((0..=5).contains(&r), "reason {r} is not a §3 integer");
                if ev(l) == "connected" { prop_assert_eq!(r, 5); }
            }
            if l.get("call").is_some() {
                let ret = l.get("ret").and_then(Value::as_i64);
                let is_send = matches!(l["call"].as_str(), Some("agent.send" | "server.log" | "server.error" | "udpsocket.send"));
                if is_send && (ret == Some(1) || ret == Some(4)) {
                    prop_assert!(l.get("msg").is_none(), "a send returning {ret:?} created a message: {l}");
                }
                if is_send && ret == Some(2) && l["rule"] == "S5" {
                    // §13 "Messages" (issue 8 item 5): S5's 2 creates none when the message does
                    // not fit; under WAIT_FOR_ACK one that fits is written first, so it exists.
                    // Decided from the policy in force and the free space: free space only
                    // grows between two lines (ACKs), so what fit at the line before fits now,
                    // and what passes the capacity never fits.
                    let (name_len, payload) = match step() {
                        Some(Call::AgentSend { name, bytes }) => (name.len() as u64, *bytes),
                        Some(Call::ServerLog { bytes }) => (0, *bytes),
                        other => panic!("S5 on {other:?}"),
                    };
                    let plain = payload + u64::from(sc.device.msg_header) + name_len;
                    let wire = plain + u64::from(sc.device.tls_overhead) * plain.div_ceil(16_384).max(1);
                    // The state before the call: before the drop it caused, whose lines come
                    // first (§13: disconnected, lost, then offline/recovering/suspended).
                    let mut j = i - 1;
                    while j > 0
                        && v[j]["t_ms"] == l["t_ms"]
                        && matches!(ev(&v[j]).as_str(), "disconnected" | "lost" | "offline" | "recovering" | "suspended")
                    {
                        j -= 1;
                    }
                    let before = &trace.entries[j].state;
                    let free_before = u64::from(before.capacity - before.unsent - before.in_flight);
                    let written = trace.entries[i].state.written_total - before.written_total;
                    let msg = l.get("msg").is_some();
                    if !wait_for_ack || wire > u64::from(before.capacity) {
                        prop_assert!(!msg, "S5's 2 created a message that could not be written: {l}");
                    } else if wire <= free_before {
                        prop_assert!(msg, "S5's 2 under WAIT_FOR_ACK with {wire} bytes fitting {free_before} free made no message: {l}");
                    }
                    prop_assert_eq!(written, if msg { wire } else { 0 }, "bytes written by S5's 2: {}", l);
                }
                if let Some(m) = l.get("msg").and_then(Value::as_i64) {
                    prop_assert!(last_call_msg.is_none_or(|p| m > p), "msg ids count up in call order: {l}");
                    last_call_msg = Some(m);
                    max_id = max_id.max(m);
                }
            }
            match ev(l).as_str() {
                "acked" => { prop_assert!(acked.insert(l["msg"].as_i64().unwrap()), "acked twice: {l}"); }
                "lost" => { prop_assert!(lost.insert(l["msg"].as_i64().unwrap()), "lost twice: {l}"); }
                "disconnected" => {
                    // disconnected, the lost events by id, then offline/recovering/suspended.
                    let mut j = i + 1;
                    let mut prev = -1;
                    while v[j]["event"] == "lost" {
                        let id = v[j]["msg"].as_i64().unwrap();
                        prop_assert!(id > prev, "lost events by id");
                        prev = id;
                        prop_assert_eq!(&v[j]["t_ms"], &l["t_ms"]);
                        j += 1;
                    }
                    prop_assert!(matches!(ev(&v[j]).as_str(), "offline" | "recovering" | "suspended"), "after a drop: {}", v[j]);
                    prop_assert_eq!(&v[j]["t_ms"], &l["t_ms"]);
                }
                _ => {}
            }
            if let Some(name) = l["call"].as_str() {
                // step/iter index the call's own list; the line names that step's call.
                let list = match l["handler"].as_str() {
                    None => &sc.steps,
                    Some("on_connect") => &sc.on_connect,
                    Some(_) => &sc.on_unexpected_disconnect,
                };
                let st = &list[l["step"].as_u64().unwrap() as usize];
                prop_assert_eq!(st.call.name(), name);
                prop_assert!(l["iter"].as_u64().unwrap() < st.repeat as u64);
                let blocked = l["blocked_ms"].as_f64().unwrap();
                prop_assert!(blocked >= 0.0 && blocked <= l["t_ms"].as_f64().unwrap());
                match &st.call {
                    // imp.wakeup: ret null, blocked 0; imp.sleep blocks for its duration.
                    Call::ImpWakeup { .. } => prop_assert!(l["ret"].is_null() && blocked == 0.0, "{}", l),
                    Call::ImpSleep { seconds } => prop_assert!(l["ret"].is_null() && (blocked - seconds * 1000.0).abs() < 1e-9, "{}", l),
                    _ => {}
                }
            }
            if matches!(ev(l).as_str(), "udp_delivered" | "udp_lost") {
                // Delivery events carry the send's time.
                let send = v[..i].iter().find(|c| c["call"] == "udpsocket.send" && c["msg"] == l["msg"]);
                prop_assert!(send.is_some_and(|c| c["t_ms"] == l["t_ms"]), "{}", l);
            }
            if l["handler"].is_string() && l.get("call").is_some() {
                prop_assert!(v[..i].iter().any(|h| h["event"] == "handler" && h["handler"] == l["handler"]));
            }
        }
        prop_assert!(acked.is_disjoint(&lost), "a message both ACKed and lost");
        let s = &trace.summary;
        prop_assert_eq!(s.acked_msgs as usize, acked.len());
        prop_assert_eq!(s.lost_msgs as usize, lost.len());
        prop_assert_eq!(s.udp_sent, s.udp_delivered + s.udp_lost);
        prop_assert!(s.sent_msgs as usize >= acked.len() + lost.len());
    }
}
