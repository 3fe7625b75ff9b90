//! SPEC §11/§13 conformance, part 1: trace lines, drop order, reasons, messages, transmission.
//! Each test pins one or a few sentences of §13 ("Trace lines", "Messages", "Transmission")
//! on a small scenario's JSON trace, with times worked out by hand from the §2 defaults:
//! connect_ms 1500, RTT 100 ms, 250 000 B/s (576 B = 2.304 ms), rto 200 ms, capacity 3456,
//! wire size of `agent.send("data", 1000)` = 1000 + 8 + 4 + 29 = 1041.
mod common;
use common::*;
use serde_json::Value;

/// Runs `toml` and checks §13 "lines are in time order" on every trace it is given.
fn run(toml: &str) -> Vec<Value> {
    let v = lines(toml);
    let ts: Vec<f64> = v.iter().filter(|l| l.get("summary").is_none()).map(t).collect();
    assert!(ts.windows(2).all(|w| w[0] <= w[1]), "§13: lines are in time order: {ts:?}");
    v
}

/// The non-summary lines from `i` on, as "call:<name>" / "event:<name>" labels.
fn labels(v: &[Value], from: usize, n: usize) -> Vec<String> {
    v[from..from + n]
        .iter()
        .map(|l| match l["call"].as_str() {
            Some(c) => format!("call:{c}"),
            None => format!("event:{}", l["event"].as_str().unwrap_or("?")),
        })
        .collect()
}

fn upstream(at_ms: u64, for_ms: u64) -> String {
    format!("[network]\noutages = [{{ kind = \"upstream\", at_ms = {at_ms}, for_ms = {for_ms} }}]\n")
}

fn wifi(at_ms: u64, for_ms: u64) -> String {
    format!("[network]\noutages = [{{ kind = \"wifi\", at_ms = {at_ms}, for_ms = {for_ms} }}]\n")
}

fn ids(v: &[Value], ev: &str) -> Vec<i64> {
    events(v, ev).iter().map(|l| l["msg"].as_i64().unwrap()).collect()
}

// ----- Trace lines -----

#[test]
fn s13_call_line_written_at_return_t_is_return_time_blocked_is_return_minus_start() {
    // Three sends fill 3123 of 3456 bytes; the fourth blocks until the ACK of the second
    // segment (last byte left at 1500 + 2·2.304 ms) frees enough: 1604.608 ms.
    let v = run(&send(1000, 4));
    let c = calls(&v, "agent.send");
    assert_eq!((t(c[2]), c[2]["blocked_ms"].as_f64()), (1500.0, Some(0.0)));
    assert_eq!((t(c[3]), c[3]["blocked_ms"].as_f64()), (1604.608, Some(104.608)));
    // Written at return: the blocked call's line comes after the ACK that released it.
    let acked0 = pos(&v, |l| l["event"] == "acked" && l["msg"] == 0);
    let fourth = pos(&v, |l| l["call"] == "agent.send" && l["iter"] == 3);
    assert!(acked0 < fourth);
}

#[test]
fn s13_step_iter_count_within_own_list_and_handler_calls_carry_handler() {
    let v = run(&[
        policy("RETURN_ON_ERROR", "WAIT_TIL_SENT", 10.0),
        step("server.disconnect", ""),
        step("server.connect", "timeout = 30"),
        "[[on_connect]]\ncall = \"server.isconnected\"\nrepeat = 2\n[[on_connect]]\ncall = \"server.log\"\nbytes = 10\n".into(),
    ]
    .concat());
    let main = calls(&v, "server.connect")[0];
    assert_eq!((main["step"].as_i64(), main["iter"].as_i64()), (Some(2), Some(0)));
    assert!(main.get("handler").is_none(), "main-list calls carry no handler key");
    let h: Vec<(i64, i64, &str)> = v
        .iter()
        .filter(|l| l["handler"] == "on_connect" && l.get("call").is_some())
        .map(|l| (l["step"].as_i64().unwrap(), l["iter"].as_i64().unwrap(), l["call"].as_str().unwrap()))
        .collect();
    assert_eq!(h, vec![(0, 0, "server.isconnected"), (0, 1, "server.isconnected"), (1, 0, "server.log")]);
}

#[test]
fn s13_on_ret_retry_repeats_same_step_and_iter_after_max_of_pause_and_10ms() {
    // NO_DISCONNECT: the second 3000-byte send does not fit (4); retried with pause 0 → 10 ms.
    let retry = "on_ret = { \"4\" = \"retry\" }\n";
    let v = run(&[
        policy("RETURN_ON_ERROR_NO_DISCONNECT", "WAIT_TIL_SENT", 10.0),
        format!("[[steps]]\ncall = \"agent.send\"\nname = \"data\"\nbytes = 3000\nrepeat = 2\n{retry}"),
    ]
    .concat());
    let c = calls(&v, "agent.send");
    assert_eq!(c[1]["ret"], 4);
    assert!(c[1..].iter().all(|l| l["step"] == 1 && l["iter"] == 1), "a retry repeats step 1 iter 1");
    assert_eq!((t(c[1]), t(c[2])), (1500.0, 1510.0));
    assert_eq!(c.last().unwrap()["ret"], 0);
    let w = run(&[
        policy("RETURN_ON_ERROR_NO_DISCONNECT", "WAIT_TIL_SENT", 10.0),
        format!("[[steps]]\ncall = \"agent.send\"\nname = \"data\"\nbytes = 3000\nrepeat = 2\n{retry}retry_after_s = 0.5\n"),
    ]
    .concat());
    let c = calls(&w, "agent.send");
    assert_eq!((t(c[1]), t(c[2])), (1500.0, 2000.0));
}

#[test]
fn s13_retry_pause_is_idle_so_handlers_run_during_it() {
    // A send retried on "1" (not connected) every 5 s; the user connect's callback fires
    // during a pause, at 1500 + 1500 ms, not after the retries.
    let v = run(&[
        policy("RETURN_ON_ERROR", "WAIT_TIL_SENT", 10.0),
        step("server.disconnect", ""),
        step("server.connect", "timeout = 30"),
        "[[steps]]\ncall = \"server.log\"\nbytes = 10\non_ret = { \"1\" = \"retry\" }\nretry_after_s = 5\n".into(),
        "[[on_connect]]\ncall = \"server.isconnected\"\n".into(),
    ]
    .concat());
    let h = &events(&v, "handler")[0];
    assert_eq!(t(h), 3000.0);
    let logs = calls(&v, "server.log");
    assert_eq!((t(logs[0]), logs[0]["ret"].as_i64()), (1500.0, Some(1)));
    assert_eq!((t(logs[1]), logs[1]["ret"].as_i64()), (6500.0, Some(0)));
}

#[test]
fn s13_wakeup_returns_null_unblocked_sleep_blocks_for_its_duration() {
    let v = run(&[step("imp.wakeup", "seconds = 2"), step("imp.sleep", "seconds = 3"), step("server.isconnected", "")].concat());
    let w = calls(&v, "imp.wakeup")[0];
    assert_eq!((t(w), w["ret"].is_null(), w["blocked_ms"].as_f64()), (1500.0, true, Some(0.0)));
    let s = calls(&v, "imp.sleep")[0];
    assert_eq!((t(s), s["ret"].is_null(), s["blocked_ms"].as_f64()), (6500.0, true, Some(3000.0)));
    assert_eq!(t(calls(&v, "server.isconnected")[0]), 6500.0);
}

#[test]
fn s13_sleep_is_busy_so_a_handler_waits_for_it_to_end() {
    let v = run(&[
        policy("RETURN_ON_ERROR", "WAIT_TIL_SENT", 10.0),
        step("server.disconnect", ""),
        step("server.connect", "timeout = 30"),
        step("imp.sleep", "seconds = 5"),
        "[[on_connect]]\ncall = \"server.isconnected\"\n".into(),
    ]
    .concat());
    // Connected at 3000, but Squirrel is busy until 6500.
    assert_eq!(t(events(&v, "connected")[1]), 3000.0);
    assert_eq!(t(events(&v, "handler")[0]), 6500.0);
}

#[test]
fn s13_reasons_connected_5_wifi_1_keepalive_4_timeout_and_disconnect_0() {
    let v = run(&[wifi(2000, 1000), step("imp.wakeup", "seconds = 3"), step("server.disconnect", "")].concat());
    let r = |ev: &str| events(&v, ev).iter().map(|l| l["reason"].as_i64().unwrap()).collect::<Vec<_>>();
    assert_eq!(r("connected"), vec![5, 5]);
    assert_eq!(r("disconnected"), vec![1, 0], "wifi loss 1, server.disconnect 0");
    assert_eq!(r("recovering"), vec![1]);
    assert_eq!(r("offline"), vec![0]);
    let k = run(&[upstream(2000, 300_000), step("imp.wakeup", "seconds = 200")].concat());
    let d = events(&k, "disconnected")[0];
    assert_eq!((t(d), d["reason"].as_i64()), (106_500.0, Some(4)), "keepalive: 60 s idle + 45 s unanswered");
    assert_eq!(events(&k, "recovering")[0]["reason"], 4);
    let s = run(&[upstream(1500, 100_000), policy("RETURN_ON_ERROR", "WAIT_TIL_SENT", 1.0), send(1000, 4)].concat());
    assert_eq!((events(&s, "disconnected")[0]["reason"].as_i64(), events(&s, "offline")[0]["reason"].as_i64()), (Some(0), Some(0)));
}

#[test]
fn s13_failed_attempt_reason_is_the_reason_at_the_moment_it_failed() {
    let connect_fails = |outage: String, timeout: f64| {
        run(&[
            outage,
            policy("RETURN_ON_ERROR", "WAIT_TIL_SENT", 10.0),
            step("server.disconnect", ""),
            step("server.connect", &format!("timeout = {timeout}")),
            "[[on_connect]]\ncall = \"server.isconnected\"\n".into(),
        ]
        .concat())
    };
    // wifi outage: NO_WIFI (1); upstream outage: NO_SERVER (4); neither (timeout < connect_ms): 0.
    for (outage, timeout, reason) in [(wifi(1600, 100_000), 5.0, 1), (upstream(1600, 100_000), 5.0, 4), (String::new(), 1.0, 0)] {
        let v = connect_fails(outage, timeout);
        let off = events(&v, "offline");
        let h = events(&v, "handler")[0];
        assert_eq!(off.last().unwrap()["reason"], reason);
        assert_eq!((h["handler"].as_str(), h["reason"].as_i64()), (Some("on_connect"), Some(reason)));
        assert_eq!(t(h), 1500.0 + timeout * 1000.0);
    }
    // The reason is the one at the deadline, not at the start: an upstream outage that has
    // ended by then gives 0... and a wifi outage that started meanwhile gives 1.
    let v = connect_fails("[network]\noutages = [{ kind = \"upstream\", at_ms = 1600, for_ms = 400 }, { kind = \"wifi\", at_ms = 2500, for_ms = 100000 }]\n".to_string(), 5.0);
    assert_eq!(events(&v, "handler")[0]["reason"], 1);
}

#[test]
fn s13_drop_order_disconnected_lost_then_offline_then_call() {
    // RETURN_ON_ERROR, timeout 1 s; every segment is lost in the upstream outage; the 4th send
    // has 333 bytes written when it times out at 2500.
    let v = run(&[
        upstream(1500, 100_000),
        policy("RETURN_ON_ERROR", "WAIT_TIL_SENT", 1.0),
        send(1000, 4),
        "[[on_unexpected_disconnect]]\ncall = \"server.isconnected\"\n".into(),
    ]
    .concat());
    let d = pos(&v, |l| l["event"] == "disconnected");
    assert_eq!(
        labels(&v, d, 8),
        ["event:disconnected", "event:lost", "event:lost", "event:lost", "event:lost", "event:offline", "call:agent.send", "event:handler"]
    );
    assert!(v[d..d + 7].iter().all(|l| t(l) == 2500.0));
    assert_eq!(ids(&v, "lost"), vec![0, 1, 2, 3], "lost events by id");
    let bytes: Vec<i64> = events(&v, "lost").iter().map(|l| l["bytes"].as_i64().unwrap()).collect();
    assert_eq!(bytes, vec![1041, 1041, 1041, 333]);
    assert_eq!((v[d + 6]["ret"].as_i64(), v[d + 6]["msg"].as_i64()), (Some(2), Some(3)));
}

#[test]
fn s13_drop_order_wifi_loss_disconnected_lost_recovering_then_s6_call() {
    let v = run(&[wifi(1550, 5000), policy("RETURN_ON_ERROR", "WAIT_TIL_SENT", 10.0), send(1000, 4)].concat());
    let d = pos(&v, |l| l["event"] == "disconnected");
    assert_eq!(
        labels(&v, d, 7),
        ["event:disconnected", "event:lost", "event:lost", "event:lost", "event:lost", "event:recovering", "call:agent.send"]
    );
    let c = &v[d + 6];
    assert_eq!((t(c), c["ret"].as_i64(), c["rule"].as_str()), (1550.0, Some(3), Some("S6")));
}

#[test]
fn s13_drop_order_suspend_blocked_send_disconnected_lost_suspended_and_no_call_line() {
    let v = run(&[wifi(1550, 5000), send(1000, 4)].concat());
    let d = pos(&v, |l| l["event"] == "disconnected");
    assert_eq!(
        labels(&v, d, 7),
        ["event:disconnected", "event:lost", "event:lost", "event:lost", "event:lost", "event:suspended", "event:connected"]
    );
    assert_eq!(v[d + 5]["reason"], 1, "suspended carries the loss reason");
    assert!(events(&v, "recovering").is_empty(), "a blocked send starts S7 at once, not L3a");
}

// ----- Messages -----

#[test]
fn s13_one_id_counter_for_tcp_messages_and_udp_datagrams() {
    let v = run(&[
        step("interface.openudp", ""),
        send(100, 1),
        step("udpsocket.send", "address = \"192.168.1.2\"\nport = 9000\nbytes = 10"),
        send(100, 1),
    ]
    .concat());
    let msgs: Vec<(String, i64)> =
        v.iter().filter(|l| l.get("call").is_some() && l.get("msg").is_some()).map(|l| (l["call"].as_str().unwrap().into(), l["msg"].as_i64().unwrap())).collect();
    assert_eq!(msgs, vec![("agent.send".into(), 0), ("udpsocket.send".into(), 1), ("agent.send".into(), 2)]);
    assert_eq!(ids(&v, "acked"), vec![0, 2]);
    assert_eq!(ids(&v, "udp_delivered"), vec![1]);
}

#[test]
fn s13_sends_returning_1_4_or_2_under_s5_create_no_message() {
    // 4: NO_DISCONNECT, does not fit.
    let v = run(&[policy("RETURN_ON_ERROR_NO_DISCONNECT", "WAIT_TIL_SENT", 10.0), send(3000, 2), send(10, 1)].concat());
    let c = calls(&v, "agent.send");
    assert_eq!((c[1]["ret"].as_i64(), c[1].get("msg")), (Some(4), None));
    assert_eq!(c[2]["msg"], 1, "the id counter did not move for the refused send");
    // 2 under S5 (timeout 0), WAIT_TIL_SENT and WAIT_FOR_ACK.
    let v = run(&[policy("RETURN_ON_ERROR", "WAIT_TIL_SENT", 0.0), send(1000, 4)].concat());
    let c = calls(&v, "agent.send");
    assert_eq!((c[3]["ret"].as_i64(), c[3].get("msg")), (Some(2), None));
    assert_eq!(ids(&v, "lost"), vec![0, 1, 2]);
    assert_eq!(summary(&v)["sent_msgs"], 3);
    // Issue 8 item 5, §13 "Messages": under WAIT_FOR_ACK a message that fits is written
    // before S5's immediate 2, so it exists (and RETURN_ON_ERROR loses it with the drop).
    let v = run(&[policy("RETURN_ON_ERROR", "WAIT_FOR_ACK", 0.0), send(10, 1)].concat());
    let c = calls(&v, "agent.send")[0];
    assert_eq!((c["ret"].as_i64(), c["msg"].as_i64(), c["rule"].as_str()), (Some(2), Some(0), Some("S5")));
    assert_eq!(summary(&v)["sent_msgs"], 1);
    assert_eq!(ids(&v, "lost"), vec![0]);
    // 1: not connected (S8).
    let v = run(&[policy("RETURN_ON_ERROR", "WAIT_TIL_SENT", 10.0), step("server.disconnect", ""), send(10, 1)].concat());
    let c = calls(&v, "agent.send")[0];
    assert_eq!((c["ret"].as_i64(), c.get("msg")), (Some(1), None));
    assert_eq!(summary(&v)["sent_msgs"], 0);
}

#[test]
fn s13_s3_timeout_without_a_written_byte_creates_no_message() {
    // 3415 + 12 + 29 = 3456: the buffer is full; nothing is ACKed in the upstream outage, so
    // the next send never writes a byte before its timeout: 2 with no message.
    let v = run(&[upstream(1500, 100_000), policy("RETURN_ON_ERROR", "WAIT_TIL_SENT", 1.0), send(3415, 1), send(10, 1)].concat());
    let c = calls(&v, "agent.send");
    assert_eq!((c[0]["ret"].as_i64(), c[0]["msg"].as_i64()), (Some(0), Some(0)));
    assert_eq!((c[1]["ret"].as_i64(), c[1].get("msg"), t(c[1])), (Some(2), None, 2500.0));
    assert_eq!(summary(&v)["sent_msgs"], 1);
    // One free byte is enough for the message to exist (its first byte entered the buffer).
    let w = run(&[upstream(1500, 100_000), policy("RETURN_ON_ERROR", "WAIT_TIL_SENT", 1.0), send(3414, 1), send(10, 1)].concat());
    let c = calls(&w, "agent.send");
    assert_eq!((c[1]["ret"].as_i64(), c[1]["msg"].as_i64()), (Some(2), Some(1)));
    assert_eq!(events(&w, "lost")[1]["bytes"], 1, "lost_bytes counts the one written byte");
}

#[test]
fn s13_wire_size_plaintext_plus_tls_per_16384_byte_record() {
    // Lost bytes right after the write = the whole wire size (nothing ACKed yet).
    let lost = |call: &str| {
        let v = run(&[policy("RETURN_ON_ERROR", "WAIT_TIL_SENT", 10.0), step("imp.setsendbuffersize", "size = 30720"), call.to_string(), step("server.disconnect", "")].concat());
        summary(&v)["lost_bytes"].as_i64().unwrap()
    };
    let agent = |name: &str, bytes: u64| format!("[[steps]]\ncall = \"agent.send\"\nname = \"{name}\"\nbytes = {bytes}\n");
    // plaintext 16 384 → one record; 16 385 → two.
    assert_eq!(lost(&agent("data", 16_372)), 16_384 + 29);
    assert_eq!(lost(&agent("data", 16_373)), 16_385 + 2 * 29);
    // The name counts in UTF-8 bytes ("é" is 2); logs have name "".
    assert_eq!(lost(&agent("é", 100)), 100 + 8 + 2 + 29);
    assert_eq!(lost(&step("server.log", "bytes = 100")), 100 + 8 + 29);
    assert_eq!(lost(&step("server.error", "bytes = 0")), 8 + 29);
}

#[test]
fn s13_summary_tcp_counts_and_udp_counts_separately_lost_bytes_are_written_unacked() {
    let v = run(&[
        "[udp]\nburst = 1\n".to_string(),
        step("interface.openudp", ""),
        step("udpsocket.send", "address = \"10.1.2.3\"\nport = 9000\nbytes = 10\nrepeat = 2"),
        send(100, 1),
        step("imp.wakeup", "seconds = 1"),
        policy("RETURN_ON_ERROR", "WAIT_TIL_SENT", 10.0),
        send(1000, 4),
    ]
    .concat());
    let s = summary(&v);
    // TCP: msg 1 ACKed; at the end four sent, the 4th partly written, then all ACKed.
    assert_eq!((s["sent_msgs"].as_i64(), s["acked_msgs"].as_i64(), s["lost_msgs"].as_i64()), (Some(5), Some(5), Some(0)));
    assert_eq!((s["udp_sent"].as_i64(), s["udp_delivered"].as_i64(), s["udp_lost"].as_i64()), (Some(1), Some(1), Some(0)));
    let w = run(&[policy("RETURN_ON_ERROR", "WAIT_TIL_SENT", 10.0), send(1000, 4), step("server.disconnect", "")].concat());
    // The 4th send returned at 1604.608 after two segments (1152 B) were ACKed: held 3456 −
    // 1152 + (the 4th's remaining 708 B) = 3012 written, unACKed bytes at the drop... plus
    // whatever else was ACKed in the same instant (nothing: the disconnect runs at 1604.608).
    let lost: i64 = events(&w, "lost").iter().map(|l| l["bytes"].as_i64().unwrap()).sum();
    assert_eq!(summary(&w)["lost_bytes"].as_i64(), Some(lost));
    assert_eq!(lost, 4 * 1041 - 1152);
    // Msg 0 (bytes 0..1041) was completed by the second segment's ACK (0..1152) at 1604.608.
    assert_eq!(ids(&w, "acked"), vec![0]);
    assert_eq!(summary(&w)["lost_msgs"], 3);
}

#[test]
fn s13_goodput_counts_from_the_first_send_method_call_whatever_it_returned() {
    // The first send returns 1 at 1500 (offline); the one that is ACKed runs at 6500.
    let v = run(&[
        policy("RETURN_ON_ERROR", "WAIT_TIL_SENT", 10.0),
        step("server.disconnect", ""),
        send(1000, 1),
        step("server.connect", "timeout = 10"),
        step("imp.wakeup", "seconds = 5"),
        send(1000, 1),
    ]
    .concat());
    assert_eq!(calls(&v, "agent.send")[0]["ret"], 1);
    // 1041 bytes: last byte leaves at 6500 + 4.164 ms, ACK one RTT later.
    let last_ack = t(events(&v, "acked")[0]);
    assert_eq!(last_ack, 6604.164);
    let g = summary(&v)["goodput_bps"].as_f64().unwrap();
    let expect = 1000.0 / ((last_ack - 1500.0) / 1000.0);
    assert!((g - expect).abs() < 0.001, "goodput {g}, expected {expect}");
}

// ----- Transmission -----

#[test]
fn s13_segments_are_min_of_mss_unsent_window_and_acked_one_by_one() {
    // rwnd 1000: the first segment is 576 (mss), the second 424 (window room), then the rest
    // waits for ACKs. Msg 0 (1041 B) completes with the third segment: 41 bytes sent after the
    // first ACK (1602.304) — one at a time on the uplink, ACK per segment.
    let v = run(&["[server]\nrwnd = 1000\n".to_string(), send(1000, 1)].concat());
    let a = t(events(&v, "acked")[0]);
    // seg1 576 B leaves 1502.304, ACKed 1602.304; seg2 424 B leaves 1504.0, ACKed 1604.0;
    // at 1602.304 the room is 576 but only 41 bytes are unsent: 0.164 ms → ACK 1702.468.
    assert_eq!(a, 1702.468);
}

#[test]
fn s13_upstream_outage_in_second_half_loses_only_the_ack_first_half_the_segment() {
    // A 137-byte log (100 + 8 + 29) leaves at 1500.548 (last byte), reaches the server at
    // 1550.548, its ACK would arrive at 1600.548. Either way the resend starts at 1700.548,
    // leaves 1701.096 and is ACKed at 1801.096.
    for outage in [upstream(1560, 20), upstream(1520, 20)] {
        let v = run(&[outage, step("server.log", "bytes = 100")].concat());
        let a = events(&v, "acked");
        assert_eq!(a.len(), 1, "one ACKed event, no double delivery");
        assert_eq!(t(a[0]), 1801.096);
    }
    // An outage that ends just before t+RTT/2 … one that touches only [t, t+RTT/2] boundary.
    let v = run(&[upstream(1600, 1), step("server.log", "bytes = 100")].concat());
    assert_eq!(t(events(&v, "acked")[0]), 1801.096, "the ACK arrival instant itself is covered");
}

#[test]
fn s13_kth_consecutive_loss_waits_rto_times_2_to_the_k_minus_1() {
    // 137-byte log, 0.548 ms on the uplink. Departures (last byte): 1500.548 lost; resend
    // at +200 → 1701.096 lost; +400 → 2101.644 lost; +800 → 2902.192 delivered (the outage
    // is over at 2500), ACK at 3002.192.
    let v = run(&[upstream(1500, 1000), step("server.log", "bytes = 100")].concat());
    assert_eq!(t(events(&v, "acked")[0]), 3002.192);
    // rto_ms sets the base.
    let w = run(&["[network]\nrto_ms = 300\noutages = [{ kind = \"upstream\", at_ms = 1500, for_ms = 1000 }]\n".to_string(), step("server.log", "bytes = 100")].concat());
    // 1500.548 lost, +300 → 1801.096 lost, +600 → 2401.644 lost, +1200 → 3602.192, ACK 3702.192.
    assert_eq!(t(events(&w, "acked")[0]), 3702.192);
}

#[test]
fn s13_resends_go_before_new_data() {
    // Msg 0 (137 B) is lost once (segment in [1500.548, 1550.548] meets the outage); its resend
    // is due at 1700.548. Msg 1 (3041 B) is written at 1699.9: its first segment occupies the
    // uplink until 1702.204; then the resend goes before msg 1's next segment: it leaves at
    // 1702.752 and is ACKed at 1802.752.
    let v = run(&[
        upstream(1520, 20),
        step("server.log", "bytes = 100"),
        step("imp.wakeup", "seconds = 0.1999"),
        send(3000, 1),
    ]
    .concat());
    assert_eq!(t(calls(&v, "agent.send")[0]), 1699.9);
    let a0 = events(&v, "acked").into_iter().find(|l| l["msg"] == 0).unwrap();
    assert_eq!(t(a0), 1802.752);
}

#[test]
fn s13_probes_and_keepalives_are_not_lost_at_random() {
    // loss = 1: every data segment is lost, but the keepalive is answered: no drop at 106.5 s.
    let v = run(&["[network]\nloss = 1.0\n".to_string(), step("imp.wakeup", "seconds = 200")].concat());
    assert!(events(&v, "disconnected").is_empty());
}

#[test]
fn s13_udp_loss_has_its_own_random_stream() {
    let udp = step("udpsocket.send", "address = \"10.0.0.2\"\nport = 9000\nbytes = 3000\nrepeat = 20");
    let fates = |tcp: &str| {
        let v = run(&["[network]\nloss = 0.3\n[udp]\nburst = 100\n".to_string(), step("interface.openudp", ""), tcp.to_string(), udp.clone()].concat());
        v.iter().filter(|l| l["event"] == "udp_delivered" || l["event"] == "udp_lost").map(|l| l["event"].as_str().unwrap().to_string()).collect::<Vec<_>>()
    };
    let alone = fates("");
    let with_tcp = fates(&send(1000, 3));
    assert_eq!(alone.len(), 20);
    assert!(alone.iter().any(|f| f == "udp_lost") && alone.iter().any(|f| f == "udp_delivered"));
    assert_eq!(alone, with_tcp, "TCP segments drawing losses do not shift UDP's stream");
}

#[test]
fn s13_blocking_policies_write_piece_by_piece_even_past_capacity_only_s5_is_all_or_nothing() {
    // 10 000 B (10 041 wire) into a 3456-byte buffer: written as ACKs free space, returns 0.
    let v = run(&[policy("RETURN_ON_ERROR", "WAIT_TIL_SENT", 10.0), send(10_000, 1)].concat());
    let c = calls(&v, "agent.send")[0];
    assert_eq!((c["ret"].as_i64(), c["msg"].as_i64(), c["rule"].as_str()), (Some(0), Some(0), Some("S3")));
    assert!(c["blocked_ms"].as_f64().unwrap() > 0.0);
    assert_eq!(summary(&v)["acked_msgs"], 1);
    // Timeout 0: nothing is written, no message, and RETURN_ON_ERROR drops the (empty) link.
    let w = run(&[policy("RETURN_ON_ERROR", "WAIT_TIL_SENT", 0.0), send(10_000, 1)].concat());
    let c = calls(&w, "agent.send")[0];
    assert_eq!((c["ret"].as_i64(), c.get("msg"), c["rule"].as_str(), c["blocked_ms"].as_f64()), (Some(2), None, Some("S5"), Some(0.0)));
    assert!(events(&w, "lost").is_empty());
    assert_eq!(labels(&w, 2, 3), ["event:disconnected", "event:offline", "call:agent.send"]);
}

#[test]
fn s13_zero_window_probe_also_starts_when_data_is_written_into_a_closed_window() {
    // rwnd 141 = exactly msg 0: its ACK (1600.564) advertises 0 while nothing else waits.
    // Msg 1 is written at 2500 into the closed window: a probe follows rto later (2700), its
    // answer (2800) carries the window the agent has drained by 2750 (all 141 B at 141 B/s),
    // and msg 1 goes: ACKed at 2800 + 0.564 + 100 — not at the keepalive a minute later.
    let v = run(&[
        "[server]\nrwnd = 141\n[agent]\nconsume_bps = 141\n".to_string(),
        send(100, 1),
        step("imp.wakeup", "seconds = 1"),
        send(100, 1),
    ]
    .concat());
    let a: Vec<f64> = events(&v, "acked").into_iter().map(t).collect();
    assert_eq!(a, vec![1600.564, 2900.564]);
}
