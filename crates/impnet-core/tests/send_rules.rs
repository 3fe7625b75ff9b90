//! S1–S9: the send path, checked on trace lines.
mod common;
use common::*;
use serde_json::Value;

fn rets(v: &[Value], call: &str) -> Vec<i64> {
    calls(v, call).iter().map(|l| l["ret"].as_i64().unwrap()).collect()
}

#[test]
fn s1_fits_returns_zero_at_once() {
    let v = lines(&send(100, 1));
    let c = &calls(&v, "agent.send")[0];
    assert_eq!((c["ret"].as_i64(), c["blocked_ms"].as_i64(), c["msg"].as_i64()), (Some(0), Some(0), Some(0)));
    assert_eq!(c["rule"], "S1");
    assert_eq!(t(c), 1500.0);
}

#[test]
fn s2_no_disconnect_returns_wouldblock_and_keeps_connection() {
    let v = lines(&[policy("RETURN_ON_ERROR_NO_DISCONNECT", "WAIT_TIL_SENT", 10.0), send(1000, 4), send(5000, 1)].concat());
    assert_eq!(rets(&v, "agent.send"), vec![0, 0, 0, 4, 4]);
    let c = calls(&v, "agent.send");
    assert!(c[3].get("msg").is_none(), "a WOULDBLOCK send creates no message");
    assert_eq!(c[4]["rule"], "S2", "larger than the whole capacity: always 4");
    assert!(events(&v, "disconnected").is_empty());
    assert_eq!(summary(&v)["acked_msgs"], 3);
}

#[test]
fn s3_blocked_send_times_out_drops_and_orders_lines() {
    let v = lines(
        &[
            "[network]\noutages = [{ kind = \"upstream\", at_ms = 1550, for_ms = 100000 }]\n".to_string(),
            policy("RETURN_ON_ERROR", "WAIT_TIL_SENT", 5.0),
            send(1000, 4),
        ]
        .concat(),
    );
    let c = calls(&v, "agent.send");
    assert_eq!(c[3]["ret"], 2);
    assert_eq!(c[3]["rule"], "S3");
    assert_eq!(c[3]["blocked_ms"], 5000);
    // §13 order at a drop: disconnected, lost by id, offline, then the call.
    let d = pos(&v, |l| l["event"] == "disconnected");
    assert_eq!(v[d]["reason"], 0);
    let ids: Vec<i64> = v[d + 1..].iter().take_while(|l| l["event"] == "lost").map(|l| l["msg"].as_i64().unwrap()).collect();
    assert_eq!(ids, vec![0, 1, 2, 3]);
    assert_eq!(v[d + 5]["event"], "offline");
    assert_eq!(v[d + 6]["call"], "agent.send");
    assert_eq!(summary(&v)["lost_bytes"], 3456);
}

#[test]
fn s3_message_larger_than_capacity_is_written_piece_by_piece() {
    let v = lines(&send(10_000, 1));
    let c = &calls(&v, "agent.send")[0];
    assert_eq!(c["ret"], 0);
    assert_eq!(c["rule"], "S3");
    assert!(c["blocked_ms"].as_f64().unwrap() > 200.0);
    assert_eq!(summary(&v)["acked_msgs"], 1);
}

#[test]
fn s4_wait_for_ack_returns_after_the_ack() {
    let v = lines(&[policy("RETURN_ON_ERROR", "WAIT_FOR_ACK", 10.0), send(500, 2)].concat());
    let c = calls(&v, "agent.send");
    assert_eq!(c[0]["rule"], "S4");
    assert_eq!(c[0]["blocked_ms"], 102.164);
    let a = pos(&v, |l| l["event"] == "acked" && l["msg"] == 0);
    let s = pos(&v, |l| l["call"] == "agent.send");
    assert!(a < s, "the acked line comes before the call's line at the same instant");
    assert!((t(c[1]) - t(c[0]) - 102.164).abs() < 1e-9, "the second call starts only after the first is ACKed");
}

#[test]
fn s4_wait_for_ack_timeout_keeps_message_under_no_disconnect() {
    let v = lines(
        &[
            "[network]\noutages = [{ kind = \"upstream\", at_ms = 1501, for_ms = 1000 }]\n".to_string(),
            policy("RETURN_ON_ERROR_NO_DISCONNECT", "WAIT_FOR_ACK", 0.5),
            send(500, 1),
        ]
        .concat(),
    );
    let c = &calls(&v, "agent.send")[0];
    assert_eq!((c["ret"].as_i64(), c["rule"].as_str()), (Some(2), Some("S4")));
    assert!(events(&v, "disconnected").is_empty());
    // The resend after the outage is ACKed after the call returned 2 (§13).
    let a = events(&v, "acked");
    assert_eq!(a.len(), 1);
    assert!(t(a[0]) > t(c));
}

#[test]
fn s5_zero_timeout_twenty_logs_fill_the_buffer_and_disconnect() {
    let v = lines(&[policy("RETURN_ON_ERROR", "WAIT_TIL_SENT", 0.0), step("server.log", "bytes = 200\nrepeat = 20")].concat());
    let r = rets(&v, "server.log");
    assert_eq!(&r[..14], &[0; 14]);
    assert_eq!(r[14], 2);
    assert_eq!(&r[15..], &[1; 5]);
    let c = calls(&v, "server.log");
    assert_eq!(c[14]["rule"], "S5");
    assert!(c[14].get("msg").is_none(), "a send returning 2 under S5 creates no message");
    assert_eq!(events(&v, "lost").len(), 14);
}

#[test]
fn s5_zero_timeout_wait_for_ack_always_times_out() {
    let v = lines(&[policy("RETURN_ON_ERROR_NO_DISCONNECT", "WAIT_FOR_ACK", 0.0), send(10, 2)].concat());
    assert_eq!(rets(&v, "agent.send"), vec![2, 2]);
    assert!(events(&v, "disconnected").is_empty(), "NO_DISCONNECT keeps the link");
    // Issue 8 item 5: each message that fits is written before the 2 (§13 "Messages").
    assert_eq!(summary(&v)["sent_msgs"], 2);
}

/// Issue 8 item 5, SPEC §13 "Messages" and S5: under RETURN_ON_ERROR_NO_DISCONNECT +
/// WAIT_FOR_ACK with timeout 0, a message that fits is written, the call returns 2 at once,
/// and the message stays: it is sent and ACKed later. (The independent model's finding: it
/// used to be silently not written, and the run reported 0 sent.)
#[test]
fn s5_s13_zero_timeout_wait_for_ack_no_disconnect_writes_the_message_and_it_is_acked_later() {
    let v = lines(&[policy("RETURN_ON_ERROR_NO_DISCONNECT", "WAIT_FOR_ACK", 0.0), send(100, 3)].concat());
    let c = calls(&v, "agent.send");
    for (i, l) in c.iter().enumerate() {
        assert_eq!((l["ret"].as_i64(), l["msg"].as_u64(), l["rule"].as_str()), (Some(2), Some(i as u64), Some("S5")));
        assert_eq!(l["blocked_ms"], 0, "returns at once");
        assert_eq!(t(l), 1500.0);
    }
    let acked = events(&v, "acked");
    assert_eq!(acked.iter().map(|a| a["msg"].as_u64().unwrap()).collect::<Vec<_>>(), vec![0, 1, 2]);
    assert!(acked.iter().all(|a| t(a) > 1500.0), "ACKed after the call returned");
    assert!(events(&v, "lost").is_empty() && events(&v, "disconnected").is_empty());
    let s = summary(&v);
    assert_eq!((s["sent_msgs"].as_u64(), s["acked_msgs"].as_u64()), (Some(3), Some(3)));
    // A message that does not fit still creates none (S5 is all or nothing).
    let v = lines(&[policy("RETURN_ON_ERROR_NO_DISCONNECT", "WAIT_FOR_ACK", 0.0), send(3000, 2)].concat());
    let c = calls(&v, "agent.send");
    assert_eq!((c[1]["ret"].as_i64(), c[1].get("msg")), (Some(4), None), "S2 when it does not fit");
}

#[test]
fn s6_link_drop_while_blocked_returns_disconnected() {
    let v = lines(
        &[
            "[network]\noutages = [{ kind = \"wifi\", at_ms = 1600, for_ms = 1000 }]\n".to_string(),
            policy("RETURN_ON_ERROR", "WAIT_TIL_SENT", 30.0),
            send(20_000, 1),
        ]
        .concat(),
    );
    let c = &calls(&v, "agent.send")[0];
    assert_eq!((c["ret"].as_i64(), c["rule"].as_str(), t(c)), (Some(3), Some("S6"), 1600.0));
    assert_eq!(events(&v, "disconnected")[0]["reason"], 1);
    assert_eq!(events(&v, "recovering").len(), 1);
}

#[test]
fn s7_suspend_send_completes_after_reconnection() {
    let v = lines(
        &[
            "[network]\noutages = [{ kind = \"wifi\", at_ms = 5000, for_ms = 15000 }]\n".to_string(),
            step("imp.wakeup", "seconds = 10"),
            send(100, 1),
        ]
        .concat(),
    );
    let c = &calls(&v, "agent.send")[0];
    assert_eq!((c["ret"].as_i64(), c["rule"].as_str()), (Some(0), Some("S7")));
    assert_eq!(t(c), 21_500.0, "outage end + connect_ms");
    assert_eq!(c["blocked_ms"], 10_000);
    assert_eq!(events(&v, "suspended").len(), 1);
    assert!(events(&v, "deep_sleep").is_empty());
}

#[test]
fn s7_failed_window_deep_sleeps_and_restarts_squirrel() {
    let v = lines(
        &[
            "[network]\noutages = [{ kind = \"wifi\", at_ms = 5000, for_ms = 70000 }]\n".to_string(),
            step("imp.wakeup", "seconds = 10"),
            send(100, 1),
        ]
        .concat(),
    );
    let kinds: Vec<&str> = v.iter().filter_map(|l| l["event"].as_str()).collect();
    assert_eq!(kinds, vec!["connected", "disconnected", "recovering", "suspended", "deep_sleep", "wake", "connected", "squirrel_restart", "acked"]);
    let ds = &events(&v, "deep_sleep")[0];
    assert_eq!((t(ds), ds["reason"].as_i64()), (71_500.0, Some(1)));
    assert_eq!(t(events(&v, "wake")[0]), 611_500.0);
    // §14: the warm boot is a timer wake from deep sleep, the same line as device code's.
    assert_eq!(events(&v, "squirrel_restart")[0]["wakereason"], 1);
    // The cut-off call never returned: only the restarted script's calls have lines.
    let w = calls(&v, "imp.wakeup");
    assert_eq!(w.len(), 2);
    assert_eq!(t(w[1]), 613_000.0);
    assert_eq!(t(calls(&v, "agent.send")[0]), 623_000.0);
}

#[test]
fn s8_return_on_error_offline_returns_not_connected() {
    let v = lines(&[policy("RETURN_ON_ERROR", "WAIT_TIL_SENT", 10.0), step("server.disconnect", ""), send(100, 2)].concat());
    assert_eq!(rets(&v, "agent.send"), vec![1, 1]);
    assert!(calls(&v, "agent.send").iter().all(|l| l["rule"] == "S8" && l.get("msg").is_none()));
}

#[test]
fn s9_recovering_send_waits_for_the_link() {
    let v = lines(
        &[
            "[network]\noutages = [{ kind = \"wifi\", at_ms = 2000, for_ms = 2000 }]\n".to_string(),
            policy("RETURN_ON_ERROR", "WAIT_TIL_SENT", 10.0),
            step("imp.wakeup", "seconds = 1"),
            send(100, 1),
        ]
        .concat(),
    );
    let c = &calls(&v, "agent.send")[0];
    assert_eq!((c["ret"].as_i64(), c["rule"].as_str(), t(c)), (Some(0), Some("S9"), 5500.0));
}

#[test]
fn s9_recovering_send_times_out_or_returns_1_at_grace_end() {
    let timeout = lines(
        &[
            "[network]\noutages = [{ kind = \"wifi\", at_ms = 2000, for_ms = 200000 }]\n".to_string(),
            policy("RETURN_ON_ERROR", "WAIT_TIL_SENT", 5.0),
            step("imp.wakeup", "seconds = 1"),
            send(100, 1),
        ]
        .concat(),
    );
    let c = &calls(&timeout, "agent.send")[0];
    assert_eq!((c["ret"].as_i64(), c["rule"].as_str(), c["blocked_ms"].as_i64()), (Some(2), Some("S9"), Some(5000)));
    let grace = lines(
        &[
            "[recover]\ngrace_ms = 3000\n[network]\noutages = [{ kind = \"wifi\", at_ms = 2000, for_ms = 200000 }]\n".to_string(),
            policy("RETURN_ON_ERROR", "WAIT_TIL_SENT", 30.0),
            step("imp.wakeup", "seconds = 1"),
            send(100, 1),
        ]
        .concat(),
    );
    let c = &calls(&grace, "agent.send")[0];
    assert_eq!((c["ret"].as_i64(), t(c)), (Some(1), 5000.0));
}
