//! SPEC §13 conformance, part 2: "Lifecycle" and "Send path and API". Times are worked out by
//! hand from the §2 defaults (connect_ms 1500, RTT 100 ms, 250 000 B/s, rto 200 ms, grace
//! 60 s, connect window 60 s, deep sleep 540 s, keepalive 60 s + 45 s). A 100-byte
//! `agent.send("data")` is 141 wire bytes (0.564 ms on the uplink); a 100-byte log is 137.
mod common;
use common::*;
use impnet_core::device::{Device, NetCommand};
use impnet_core::scenario::parse_toml;
use impnet_core::{Duration, Instant};
use serde_json::Value;

fn run(toml: &str) -> Vec<Value> {
    let v = lines(toml);
    let ts: Vec<f64> = v.iter().filter(|l| l.get("summary").is_none()).map(t).collect();
    assert!(ts.windows(2).all(|w| w[0] <= w[1]), "§13: lines are in time order: {ts:?}");
    v
}

fn outage(kind: &str, at_ms: u64, for_ms: u64) -> String {
    format!("[network]\noutages = [{{ kind = \"{kind}\", at_ms = {at_ms}, for_ms = {for_ms} }}]\n")
}

fn at(v: &[Value], ev: &str) -> Vec<f64> {
    events(v, ev).into_iter().map(t).collect()
}

const ON_CONNECT: &str = "[[on_connect]]\ncall = \"server.isconnected\"\n";
const ON_UNEXPECTED: &str = "[[on_unexpected_disconnect]]\ncall = \"server.isconnected\"\n";

// ----- Lifecycle -----

#[test]
fn s13_boot_attempt_lasts_connect_window_then_suspend_keeps_trying_without_limit() {
    let v = run(&[outage("wifi", 0, 100_000), step("imp.wakeup", "seconds = 95")].concat());
    let r = events(&v, "recovering")[0];
    assert_eq!((t(r), r["reason"].as_i64()), (60_000.0, Some(1)));
    assert_eq!(at(&v, "connected"), vec![101_500.0], "still trying after the window: up at outage end + connect_ms");
    assert!(events(&v, "deep_sleep").is_empty() && events(&v, "offline").is_empty());
}

#[test]
fn s13_boot_attempt_under_return_policy_goes_offline_with_no_handler_and_stops_trying() {
    let v = run(&[
        outage("wifi", 0, 100_000),
        policy("RETURN_ON_ERROR", "WAIT_TIL_SENT", 10.0),
        step("imp.wakeup", "seconds = 95"),
        ON_UNEXPECTED.into(),
    ]
    .concat());
    let o = events(&v, "offline")[0];
    assert_eq!((t(o), o["reason"].as_i64()), (60_000.0, Some(1)));
    assert!(events(&v, "handler").is_empty());
    assert!(events(&v, "connected").is_empty(), "RETURN policies reconnect only on server.connect");
}

#[test]
fn s13_connect_completes_after_connect_ms_of_uninterrupted_uptime() {
    let v = run(&[outage("wifi", 1000, 2000), step("server.isconnected", "")].concat());
    assert_eq!(at(&v, "connected"), vec![4500.0], "begun before, cut by the outage: end 3000 + 1500");
    // Two short cuts: [1000,1200) restarts it; [2000,2100) cuts 1200+1500 again → 2100 + 1500.
    let w = run(&[
        "[network]\noutages = [{ kind = \"wifi\", at_ms = 1000, for_ms = 200 }, { kind = \"upstream\", at_ms = 2000, for_ms = 100 }]\n".to_string(),
        step("server.isconnected", ""),
    ]
    .concat());
    assert_eq!(at(&w, "connected"), vec![3600.0]);
}

#[test]
fn s13_suspend_link_lost_while_send_blocked_starts_s7_at_once_while_idle_l3a() {
    let blocked = run(&[outage("wifi", 1550, 5000), send(1000, 4)].concat());
    let s = events(&blocked, "suspended")[0];
    assert_eq!((t(s), s["reason"].as_i64()), (1550.0, Some(1)));
    assert!(events(&blocked, "recovering").is_empty());
    let idle = run(&[outage("wifi", 2000, 5000), step("imp.wakeup", "seconds = 10")].concat());
    let r = events(&idle, "recovering")[0];
    assert_eq!((t(r), r["reason"].as_i64()), (2000.0, Some(1)));
    assert!(events(&idle, "suspended").is_empty());
    assert_eq!(at(&idle, "connected"), vec![1500.0, 8500.0]);
}

#[test]
fn s13_after_s7_reconnection_the_call_runs_again_with_fresh_timeout_and_new_msg_id() {
    // WAIT_FOR_ACK, timeout 5 s: msg 0 is written at 1500; WiFi drops at 1550 before its ACK.
    // Reconnected at 6550 + 1500 = 8050 (past the original 6500 deadline): the call runs
    // again as msg 1 and its ACK comes at 8050 + 0.564 + 100.
    let v = run(&[
        outage("wifi", 1550, 5000),
        policy("SUSPEND_ON_ERROR", "WAIT_FOR_ACK", 5.0),
        send(100, 1),
    ]
    .concat());
    assert_eq!(events(&v, "lost")[0]["msg"], 0);
    assert_eq!(events(&v, "lost")[0]["bytes"], 141, "bytes written before are lost");
    let c = calls(&v, "agent.send");
    assert_eq!(c.len(), 1);
    assert_eq!(
        (t(c[0]), c[0]["ret"].as_i64(), c[0]["msg"].as_i64(), c[0]["rule"].as_str(), c[0]["blocked_ms"].as_f64()),
        (8150.564, Some(0), Some(1), Some("S7"), Some(6650.564))
    );
}

#[test]
fn s13_deep_sleep_cuts_calls_off_and_restart_resets_capacity_policy_socket_keeps_bucket_and_ids() {
    let udp = step("udpsocket.send", "address = \"10.0.0.9\"\nport = 9000\nbytes = 10");
    let v = run(&[
        "[udp]\nburst = 2\nrefill_per_s = 0.0001\n".to_string(),
        outage("wifi", 2000, 100_000),
        udp.clone(),                                            // 0: no socket yet: throws
        step("interface.openudp", ""),                          // 1
        udp.clone(),                                            // 2: token 1 of 2
        send(100, 1),                                           // 3: under the default policy
        policy("SUSPEND_ON_ERROR", "WAIT_FOR_ACK", 5.0),        // 4
        step("imp.setsendbuffersize", "size = 8192"),           // 5
        step("imp.wakeup", "seconds = 1"),                      // 6
        send(100, 1),                                           // 7: at 2500, needs the server
        udp,                                                    // 8
    ]
    .concat());
    // S7 at 2500; the window fails (reason 1: WiFi still down), deep sleep, wake at 602 500,
    // connected 604 000, warm boot.
    assert_eq!(at(&v, "suspended"), vec![2500.0]);
    let ds = events(&v, "deep_sleep")[0];
    assert_eq!((t(ds), ds["reason"].as_i64()), (62_500.0, Some(1)));
    assert_eq!(at(&v, "wake"), vec![602_500.0]);
    assert_eq!(at(&v, "squirrel_restart"), vec![604_000.0]);
    let r = pos(&v, |l| l["event"] == "squirrel_restart");
    assert_eq!(v[r - 1]["event"], "connected");
    // The send cut off at 2500 never returns: no line for it.
    let sends: Vec<(f64, i64, &str)> =
        calls(&v, "agent.send").iter().map(|l| (t(l), l["msg"].as_i64().unwrap(), l["rule"].as_str().unwrap())).collect();
    // After the restart the policy is the default again (WAIT_TIL_SENT: S1, not S4) and ids
    // carry on (0 and 2 were taken before).
    assert_eq!(sends, vec![(1500.0, 1, "S1"), (604_000.0, 3, "S1"), (605_100.564, 4, "S4")]);
    let u: Vec<String> = calls(&v, "udpsocket.send")
        .iter()
        .map(|l| if l["error"].is_string() { "error".into() } else { format!("{}:{}", l["ret"], l.get("msg").map_or("-".into(), |m| m.to_string())) })
        .collect();
    // The socket is gone after the restart (step 0 throws again); the bucket is not refilled:
    // one token was left, so step 8 finds none.
    assert_eq!(u, vec!["error", "0:0", "error", "0:2", "4:-"]);
    let sizes: Vec<i64> = calls(&v, "imp.setsendbuffersize").iter().map(|l| l["ret"].as_i64().unwrap()).collect();
    assert_eq!(sizes, vec![3456, 3456], "capacity back to buffer_default after the warm boot");
}

#[test]
fn s13_grace_follows_policy_in_force_counted_from_the_original_loss() {
    // Lost at 2000 under SUSPEND (L3a, no limit); RETURN_ON_ERROR set at 2500: the grace ends
    // at 2000 + 60 000, not 2500 + 60 000.
    let v = run(&[
        outage("wifi", 2000, 100_000),
        step("imp.wakeup", "seconds = 1"),
        policy("RETURN_ON_ERROR", "WAIT_TIL_SENT", 10.0),
        step("imp.wakeup", "seconds = 100"),
        ON_UNEXPECTED.into(),
    ]
    .concat());
    let o = events(&v, "offline")[0];
    assert_eq!((t(o), o["reason"].as_i64()), (62_000.0, Some(1)));
    assert_eq!(at(&v, "handler"), vec![62_000.0]);
    // The other way: switching to SUSPEND_ON_ERROR during a RETURN recovery lifts the limit.
    let w = run(&[
        outage("wifi", 2000, 100_000),
        policy("RETURN_ON_ERROR", "WAIT_TIL_SENT", 10.0),
        step("imp.wakeup", "seconds = 1"),
        policy("SUSPEND_ON_ERROR", "WAIT_TIL_SENT", 10.0),
        step("imp.wakeup", "seconds = 105"),
        ON_UNEXPECTED.into(),
    ]
    .concat());
    assert!(events(&w, "offline").is_empty() && events(&w, "handler").is_empty());
    assert_eq!(at(&w, "connected"), vec![1500.0, 103_500.0]);
}

#[test]
fn s13_keepalive_counts_from_the_last_thing_received() {
    // The log's ACK arrives at 1600.548; the path breaks at 2000: keepalive at 61 600.548,
    // unanswered for 45 s.
    let v = run(&[outage("upstream", 2000, 300_000), step("server.log", "bytes = 100"), step("imp.wakeup", "seconds = 200")].concat());
    let d = events(&v, "disconnected")[0];
    assert_eq!((t(d), d["reason"].as_i64()), (106_600.548, Some(4)));
}

#[test]
fn s13_keepalive_runs_whether_or_not_data_is_outstanding() {
    // The only ACK is lost (outage from 1600): data stays outstanding and is retransmitted;
    // the keepalive still fires 60 s after the connect and the blocked send gets S6's 3.
    let v = run(&[outage("upstream", 1600, 300_000), policy("RETURN_ON_ERROR", "WAIT_FOR_ACK", 200.0), send(100, 1)].concat());
    let d = events(&v, "disconnected")[0];
    assert_eq!((t(d), d["reason"].as_i64()), (106_500.0, Some(4)));
    let c = calls(&v, "agent.send")[0];
    assert_eq!((t(c), c["ret"].as_i64(), c["rule"].as_str()), (106_500.0, Some(3), Some("S6")));
}

#[test]
fn s13_zero_window_probe_after_rto_doubling_up_to_60_s() {
    let sc = parse_toml(&send(1000, 1)).unwrap();
    let mut d = Device::new(&sc, 0, false);
    while d.poll_command().is_some() {}
    let t0 = Instant::from_millis(1500);
    d.handle_connected(t0);
    let first = d.poll_transmit(t0).expect("a segment");
    let t1 = t0 + Duration::from_millis(100);
    // The ACK advertises a zero window; 465 bytes are still unsent and nothing is in flight.
    d.handle_ack(t1, first, 0);
    assert!(d.poll_transmit(t1).is_none(), "a zero window stalls the sender");
    let rtt = Duration::from_millis(100);
    let mut answer: Option<Instant> = None;
    let mut probes = vec![];
    while probes.len() < 11 {
        let next = [d.poll_timeout(), answer].into_iter().flatten().min().unwrap();
        if answer == Some(next) {
            answer = None;
            d.handle_answer(next, 0);
        } else {
            d.handle_timeout(next);
        }
        while let Some(c) = d.poll_command() {
            assert_eq!(c, NetCommand::WindowProbe, "answered probes keep the keepalive quiet");
            probes.push((next - t1).micros as f64 / 1000.0);
            answer = Some(next + rtt);
        }
    }
    // rto·2^k: 200, 400, … 51 200, then capped at 60 000.
    assert_eq!(probes, vec![200.0, 600.0, 1400.0, 3000.0, 6200.0, 12_600.0, 25_400.0, 51_000.0, 102_200.0, 162_200.0, 222_200.0]);
    // The window opens: the rest goes out at once.
    let now = Instant::from_micros(t1.micros + 222_300_000);
    d.handle_answer(now, 65_535);
    assert_eq!(d.poll_transmit(now).map(|s| s.len), Some(465));
}

// ----- Send path and API -----

#[test]
fn s13_flush_timeout_never_drops_and_not_connected_returns_false_at_once() {
    let v = run(&[
        outage("upstream", 1500, 100_000),
        policy("RETURN_ON_ERROR", "WAIT_TIL_SENT", 1.0),
        send(100, 1),
        step("server.flush", "timeout = 2"),
        step("server.isconnected", ""),
    ]
    .concat());
    let f = calls(&v, "server.flush")[0];
    assert_eq!((t(f), f["ret"].as_bool(), f["blocked_ms"].as_f64()), (3500.0, Some(false), Some(2000.0)));
    assert_eq!(calls(&v, "server.isconnected")[0]["ret"], true, "C3: undetected upstream outage");
    assert!(events(&v, "disconnected").iter().all(|l| t(l) > 3500.0), "the flush timeout dropped nothing");
    let w = run(&[outage("wifi", 2000, 10_000), step("imp.wakeup", "seconds = 1"), step("server.flush", "timeout = 10")].concat());
    let f = calls(&w, "server.flush")[0];
    assert_eq!((t(f), f["ret"].as_bool(), f["blocked_ms"].as_f64()), (2500.0, Some(false), Some(0.0)));
}

#[test]
fn s13_s9_send_waits_out_recovering_proceeds_times_out_or_returns_1_at_grace_end() {
    let s9 = |for_ms: u64, timeout: f64| {
        run(&[
            outage("wifi", 2000, for_ms),
            policy("RETURN_ON_ERROR", "WAIT_TIL_SENT", timeout),
            step("imp.wakeup", "seconds = 1"),
            send(100, 1),
            ON_UNEXPECTED.into(),
        ]
        .concat())
    };
    // Restored at 7000 + 1500: the call proceeds.
    let v = s9(5000, 100.0);
    let c = calls(&v, "agent.send")[0];
    assert_eq!((t(c), c["ret"].as_i64(), c["rule"].as_str(), c["msg"].as_i64()), (8500.0, Some(0), Some("S9"), Some(0)));
    // Timeout first: 2, no further drop.
    let v = s9(100_000, 3.0);
    let c = calls(&v, "agent.send")[0];
    assert_eq!((t(c), c["ret"].as_i64(), c["rule"].as_str(), c.get("msg")), (5500.0, Some(2), Some("S9"), None));
    assert!(events(&v, "offline").iter().all(|l| t(l) == 62_000.0));
    // Grace first: offline, then the call returns 1, then the handler.
    let v = s9(100_000, 100.0);
    let o = pos(&v, |l| l["event"] == "offline");
    assert_eq!(v[o + 1]["call"], "agent.send");
    assert_eq!((t(&v[o + 1]), v[o + 1]["ret"].as_i64(), v[o + 1]["rule"].as_str()), (62_000.0, Some(1), Some("S9")));
    assert_eq!(v[o + 2]["event"], "handler");
}

#[test]
fn s13_wait_for_ack_no_disconnect_timed_out_message_stays_and_may_be_acked_later() {
    // The 137-byte log is lost three times (resends at +200, +400, +800 ms): ACK at 3002.192.
    let run_with = |reconnect: &str| {
        run(&[outage("upstream", 1520, 1000), policy(reconnect, "WAIT_FOR_ACK", 1.0), step("server.log", "bytes = 100")].concat())
    };
    let v = run_with("RETURN_ON_ERROR_NO_DISCONNECT");
    let c = calls(&v, "server.log")[0];
    assert_eq!((t(c), c["ret"].as_i64(), c["msg"].as_i64()), (2500.0, Some(2), Some(0)));
    let a = events(&v, "acked")[0];
    assert_eq!((t(a), a["msg"].as_i64()), (3002.192, Some(0)));
    assert_eq!((summary(&v)["acked_msgs"].as_i64(), summary(&v)["lost_msgs"].as_i64()), (Some(1), Some(0)));
    let w = run_with("RETURN_ON_ERROR");
    assert_eq!(events(&w, "lost")[0]["msg"], 0, "without NO_DISCONNECT the timeout drops it");
    assert!(events(&w, "acked").is_empty());
}

#[test]
fn s13_disconnect_cancels_a_pending_connect_or_recovery_without_callback() {
    let v = run(&[
        policy("RETURN_ON_ERROR", "WAIT_TIL_SENT", 10.0),
        step("server.disconnect", ""),
        step("server.connect", "timeout = 10"),
        step("server.disconnect", ""),
        step("imp.wakeup", "seconds = 20"),
        ON_CONNECT.into(),
    ]
    .concat());
    assert!(events(&v, "handler").is_empty());
    assert_eq!(at(&v, "connected"), vec![1500.0]);
    let w = run(&[
        outage("wifi", 2000, 100_000),
        policy("RETURN_ON_ERROR", "WAIT_TIL_SENT", 10.0),
        step("imp.wakeup", "seconds = 1"),
        step("server.disconnect", ""),
        step("imp.wakeup", "seconds = 100"),
        ON_UNEXPECTED.into(),
    ]
    .concat());
    assert!(events(&w, "handler").is_empty(), "no on_unexpected_disconnect for a cancelled recovery");
    let o = events(&w, "offline")[0];
    assert_eq!((t(o), o["reason"].as_i64()), (2500.0, Some(0)));
    assert_eq!(at(&w, "connected"), vec![1500.0]);
}

#[test]
fn s13_second_connect_keeps_trying_from_the_first_replaces_callback_and_deadline_from_now() {
    let two = |outages: String, gap: f64, timeout: f64| {
        run(&[
            outages,
            policy("RETURN_ON_ERROR", "WAIT_TIL_SENT", 10.0),
            step("server.disconnect", ""),
            step("server.connect", &format!("timeout = {timeout}")),
            step("imp.sleep", &format!("seconds = {gap}")),
            step("server.connect", &format!("timeout = {timeout}")),
            step("imp.wakeup", "seconds = 20"),
            ON_CONNECT.into(),
        ]
        .concat())
    };
    // Link up: the first attempt (1500) completes at 3000, the second connect (2000) does not
    // restart it; one callback.
    let v = two(String::new(), 0.5, 10.0);
    assert_eq!(at(&v, "connected"), vec![1500.0, 3000.0]);
    let h = events(&v, "handler");
    assert_eq!(h.len(), 1);
    assert_eq!((t(h[0]), h[0]["reason"].as_i64()), (3000.0, Some(5)));
    // WiFi down: the deadline is the second call's (4500 + 5000), not the first's (6500).
    let w = two(outage("wifi", 1600, 100_000), 3.0, 5.0);
    let h = events(&w, "handler");
    assert_eq!(h.len(), 1);
    assert_eq!((t(h[0]), h[0]["reason"].as_i64()), (9500.0, Some(1)));
}

#[test]
fn s13_connect_during_return_recovery_becomes_a_user_connect() {
    let v = run(&[
        outage("wifi", 2000, 68_000),
        policy("RETURN_ON_ERROR", "WAIT_TIL_SENT", 10.0),
        step("imp.wakeup", "seconds = 1"),
        step("server.connect", "timeout = 100"),
        ON_CONNECT.into(),
        ON_UNEXPECTED.into(),
    ]
    .concat());
    // No grace limit at 62 000; on_connect fires on success at 70 000 + 1500.
    let h: Vec<(f64, &str, i64)> = events(&v, "handler").iter().map(|l| (t(l), l["handler"].as_str().unwrap(), l["reason"].as_i64().unwrap())).collect();
    assert_eq!(h, vec![(71_500.0, "on_connect", 5)]);
    assert!(events(&v, "offline").is_empty());
}

#[test]
fn s13_suspend_connect_while_not_connected_follows_s7() {
    let v = run(&[outage("wifi", 2000, 10_000), step("imp.wakeup", "seconds = 1"), step("server.connect", ""), step("server.isconnected", "")].concat());
    let s = events(&v, "suspended")[0];
    assert_eq!((t(s), s["reason"].as_i64()), (2500.0, Some(0)));
    let c = calls(&v, "server.connect")[0];
    assert_eq!((t(c), c["rule"].as_str(), c["blocked_ms"].as_f64(), c["ret"].is_null()), (13_500.0, Some("S7"), Some(11_000.0), true));
    assert!(events(&v, "handler").is_empty());
}

#[test]
fn s13_b1_b2_capacity_rules_and_capacity_survives_a_disconnect() {
    let v = run(&[
        policy("RETURN_ON_ERROR", "WAIT_TIL_SENT", 10.0),
        step("imp.setsendbuffersize", "size = 8192"),  // B1: grows → ret 3456
        step("imp.setsendbuffersize", "size = 4000"),  // B1: never shrinks → ret 8192
        step("imp.setsendbuffersize", "size = 40000"), // B1: min(n, max) → ret 8192
        step("server.disconnect", ""),
        step("imp.setsendbuffersize", "size = 1000"),  // B2: clamp up to default → ret 30720
        step("imp.setsendbuffersize", "size = 5000"),  // B2: may shrink → ret 3456
        step("imp.setsendbuffersize", "size = 0"),     // ret 5000
    ]
    .concat());
    let r: Vec<i64> = calls(&v, "imp.setsendbuffersize").iter().map(|l| l["ret"].as_i64().unwrap()).collect();
    assert_eq!(r, vec![3456, 8192, 8192, 30_720, 3456, 5000]);
}

#[test]
fn s13_l2_wifi_outage_starting_as_the_connect_completes_interrupts_it() {
    // The boot connect would complete at 1500, the instant WiFi drops: the up-time was not
    // uninterrupted through completion, so it completes at outage end + connect_ms, and the
    // device is never ONLINE during the outage (L2: WiFi outages are seen at once).
    let v = run(&[outage("wifi", 1500, 5000), step("server.isconnected", ""), send(100, 1)].concat());
    assert_eq!(at(&v, "connected"), vec![8000.0]);
    let c = calls(&v, "server.isconnected")[0];
    assert_eq!((t(c), c["ret"].as_bool()), (8000.0, Some(true)));
    // The same at a reconnection: lost at 2000, back at 3000 + 1500 = 4500 would meet the next
    // outage starting at 4500 exactly.
    let w = run(&[
        "[network]\noutages = [{ kind = \"wifi\", at_ms = 2000, for_ms = 1000 }, { kind = \"wifi\", at_ms = 4500, for_ms = 1000 }]\n".to_string(),
        step("imp.wakeup", "seconds = 10"),
    ]
    .concat());
    assert_eq!(at(&w, "connected"), vec![1500.0, 7000.0]);
    assert_eq!(events(&w, "disconnected").len(), 1);
}

#[test]
fn s13_same_instant_connect_or_ack_wins_over_a_deadline() {
    // Documented choice (explain::choices, §13 instant order). S7 window 2500 → 62 500; WiFi
    // back at 61 000, connect done at 62 500 = the deadline: connected, no deep sleep.
    let v = run(&[outage("wifi", 2000, 59_000), step("imp.wakeup", "seconds = 1"), send(100, 1)].concat());
    assert!(events(&v, "deep_sleep").is_empty());
    let c = calls(&v, "agent.send")[0];
    assert_eq!((t(c), c["rule"].as_str()), (62_500.0, Some("S7")));
    // WAIT_FOR_ACK with a timeout equal to the ACK time (0.564 + 100 ms): ACKed, returns 0.
    let w = run(&[policy("RETURN_ON_ERROR", "WAIT_FOR_ACK", 0.100564), send(100, 1)].concat());
    assert_eq!(calls(&w, "agent.send")[0]["ret"], 0);
    let x = run(&[policy("RETURN_ON_ERROR", "WAIT_FOR_ACK", 0.100563), send(100, 1)].concat());
    assert_eq!(calls(&x, "agent.send")[0]["ret"], 2, "1 µs earlier the timeout comes first");
}
