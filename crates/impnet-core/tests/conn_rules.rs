//! C1–C6 (connection API) and L1–L4 (lifecycle), checked on trace lines.
mod common;
use common::*;

const HANDLER_LOG: &str = "call = \"server.log\"\nbytes = 10\n";

#[test]
fn c1_return_on_error_connect_is_async_and_calls_back() {
    let v = lines(
        &[
            policy("RETURN_ON_ERROR", "WAIT_TIL_SENT", 10.0),
            step("server.disconnect", ""),
            step("server.connect", "timeout = 30"),
            step("server.isconnected", ""),
            format!("[[on_connect]]\n{HANDLER_LOG}"),
        ]
        .concat(),
    );
    let c = &calls(&v, "server.connect")[0];
    assert_eq!((c["ret"].is_null(), c["blocked_ms"].as_i64(), c["rule"].as_str()), (true, Some(0), Some("C1")));
    assert_eq!(calls(&v, "server.isconnected")[0]["ret"], false, "returns before the connection is up");
    let h = &events(&v, "handler")[0];
    assert_eq!((h["handler"].as_str(), h["reason"].as_i64(), t(h)), (Some("on_connect"), Some(5), 3000.0));
    let log = &calls(&v, "server.log")[0];
    assert_eq!((log["handler"].as_str(), log["ret"].as_i64()), (Some("on_connect"), Some(0)));
}

#[test]
fn c1_connect_timeout_reports_no_wifi_and_already_connected_has_no_callback() {
    let v = lines(
        &[
            "[network]\noutages = [{ kind = \"wifi\", at_ms = 2000, for_ms = 100000 }]\n".to_string(),
            policy("RETURN_ON_ERROR", "WAIT_TIL_SENT", 10.0),
            step("server.connect", "timeout = 5"),
            step("imp.wakeup", "seconds = 70"),
            step("server.connect", "timeout = 5"),
            format!("[[on_connect]]\n{HANDLER_LOG}"),
        ]
        .concat(),
    );
    let h = events(&v, "handler");
    assert_eq!(h.len(), 1, "the first connect found the device connected: no callback");
    assert_eq!((h[0]["reason"].as_i64(), t(h[0])), (Some(1), 76_500.0));
    assert_eq!(calls(&v, "server.log")[0]["ret"], 1);
}

#[test]
fn c2_disconnect_loses_unacked_bytes() {
    let v = lines(&[policy("RETURN_ON_ERROR", "WAIT_TIL_SENT", 10.0), send(1000, 2), step("server.disconnect", "")].concat());
    let kinds: Vec<&str> = v.iter().filter_map(|l| l["event"].as_str()).collect();
    assert_eq!(kinds, vec!["connected", "disconnected", "lost", "lost", "offline"]);
    assert_eq!(events(&v, "lost")[0]["bytes"], 1041);
    assert_eq!(summary(&v)["lost_msgs"], 2);
    assert_eq!(calls(&v, "server.disconnect")[0]["rule"], "C2");
}

#[test]
fn c3_l2_isconnected_stays_true_during_upstream_outage_until_keepalive() {
    let v = lines(
        &[
            "[network]\noutages = [{ kind = \"upstream\", at_ms = 2000, for_ms = 300000 }]\n".to_string(),
            step("imp.wakeup", "seconds = 10"),
            step("server.isconnected", ""),
            step("imp.wakeup", "seconds = 120"),
            step("server.isconnected", ""),
        ]
        .concat(),
    );
    let c = calls(&v, "server.isconnected");
    assert_eq!((c[0]["ret"].as_bool(), c[1]["ret"].as_bool()), (Some(true), Some(false)));
    // Keepalive: 60 s after the last traffic (the connect at 1.5 s), then 45 s unanswered.
    let d = &events(&v, "disconnected")[0];
    assert_eq!((t(d), d["reason"].as_i64()), (106_500.0, Some(4)));
}

#[test]
fn c4_flush_true_when_acked_false_when_offline_or_timed_out() {
    let v = lines(
        &[
            "[network]\noutages = [{ kind = \"upstream\", at_ms = 2000, for_ms = 10000 }]\n".to_string(),
            send(1000, 1),
            step("server.flush", "timeout = 5"),
            step("imp.wakeup", "seconds = 1"),
            send(1000, 1),
            step("server.flush", "timeout = 2"),
            step("server.isconnected", ""),
        ]
        .concat(),
    );
    let f = calls(&v, "server.flush");
    assert_eq!((f[0]["ret"].as_bool(), f[1]["ret"].as_bool()), (Some(true), Some(false)));
    assert_eq!(f[1]["blocked_ms"], 2000);
    assert_eq!(calls(&v, "server.isconnected")[0]["ret"], true, "a flush timeout never drops the link");
    let off = lines(&[policy("RETURN_ON_ERROR", "WAIT_TIL_SENT", 1.0), step("server.disconnect", ""), step("server.flush", "timeout = 5")].concat());
    let f = &calls(&off, "server.flush")[0];
    assert_eq!((f["ret"].as_bool(), f["blocked_ms"].as_i64()), (Some(false), Some(0)));
}

#[test]
fn c5_unexpected_disconnect_fires_after_grace_only_under_return_policies() {
    let scenario = |pol: &str| {
        [
            "[network]\noutages = [{ kind = \"wifi\", at_ms = 5000, for_ms = 100000 }]\n".to_string(),
            pol.to_string(),
            // Keeps the run going past the grace period: a future outage alone does not (§13).
            step("imp.wakeup", "seconds = 80"),
            format!("[[on_unexpected_disconnect]]\n{HANDLER_LOG}"),
        ]
        .concat()
    };
    let v = lines(&scenario(&policy("RETURN_ON_ERROR", "WAIT_TIL_SENT", 10.0)));
    let h = &events(&v, "handler")[0];
    assert_eq!((h["handler"].as_str(), h["reason"].as_i64(), t(h)), (Some("on_unexpected_disconnect"), Some(1), 65_000.0));
    let s = lines(&scenario(""));
    assert!(events(&s, "handler").is_empty(), "never under SUSPEND_ON_ERROR");
}

#[test]
fn c5_recovery_within_grace_is_silent() {
    let v = lines(
        &[
            "[network]\noutages = [{ kind = \"wifi\", at_ms = 5000, for_ms = 10000 }]\n".to_string(),
            policy("RETURN_ON_ERROR", "WAIT_TIL_SENT", 10.0),
            step("imp.wakeup", "seconds = 20"),
            format!("[[on_unexpected_disconnect]]\n{HANDLER_LOG}"),
        ]
        .concat(),
    );
    assert!(events(&v, "handler").is_empty());
    assert_eq!(t(events(&v, "connected")[1]), 16_500.0);
}

#[test]
fn c6_unknown_constant_or_negative_timeout_is_a_runtime_error() {
    let v = lines(
        &[
            policy("RETURN_ON_EROR", "WAIT_TIL_SENT", 10.0),
            policy("RETURN_ON_ERROR", "WAIT_TIL_SENT", -1.0),
            step("server.disconnect", ""),
            send(10, 1),
        ]
        .concat(),
    );
    let c = calls(&v, "server.setsendtimeoutpolicy");
    assert!(c.iter().all(|l| l["error"].is_string() && l["rule"] == "C6"));
    // The policy is still SUSPEND_ON_ERROR: the send reconnects (S7) instead of returning 1.
    assert_eq!(calls(&v, "agent.send")[0]["rule"], "S7");
    assert_eq!(calls(&v, "agent.send")[0]["ret"], 0);
}

#[test]
fn l1_first_step_runs_at_connect_or_after_boot_timeout() {
    let v = lines(&step("server.isconnected", ""));
    assert_eq!(t(calls(&v, "server.isconnected")[0]), 1500.0);
    let w = lines(&["[network]\noutages = [{ kind = \"wifi\", at_ms = 0, for_ms = 20000 }]\n".to_string(), step("server.isconnected", "")].concat());
    let c = &calls(&w, "server.isconnected")[0];
    assert_eq!((t(c), c["ret"].as_bool()), (10_000.0, Some(false)));
}

#[test]
fn l3_failed_boot_connect_is_not_unexpected() {
    let v = lines(
        &[
            "[network]\noutages = [{ kind = \"wifi\", at_ms = 0, for_ms = 100000 }]\n".to_string(),
            policy("RETURN_ON_ERROR", "WAIT_TIL_SENT", 10.0),
            format!("[[on_unexpected_disconnect]]\n{HANDLER_LOG}"),
        ]
        .concat(),
    );
    let off = &events(&v, "offline")[0];
    assert_eq!((t(off), off["reason"].as_i64()), (60_000.0, Some(1)));
    assert!(events(&v, "handler").is_empty());
}

#[test]
fn l3a_suspend_idle_link_loss_recovers_in_background() {
    let v = lines(
        &[
            "[network]\noutages = [{ kind = \"wifi\", at_ms = 5000, for_ms = 3000 }]\n".to_string(),
            step("imp.wakeup", "seconds = 10"),
            send(10, 1),
        ]
        .concat(),
    );
    assert_eq!(events(&v, "recovering").len(), 1);
    assert!(events(&v, "suspended").is_empty(), "back before the next send: no S7");
    assert_eq!(calls(&v, "agent.send")[0]["rule"], "S1");
}

#[test]
fn l4_capacity_survives_a_disconnect_and_lost_bytes_are_counted() {
    let v = lines(
        &[
            policy("RETURN_ON_ERROR", "WAIT_TIL_SENT", 10.0),
            step("imp.setsendbuffersize", "size = 8192"),
            send(4000, 1),
            step("server.disconnect", ""),
            step("server.connect", "timeout = 10"),
            step("imp.wakeup", "seconds = 3"),
            step("imp.setsendbuffersize", "size = 1"),
        ]
        .concat(),
    );
    assert_eq!(calls(&v, "imp.setsendbuffersize")[1]["ret"], 8192);
    assert_eq!(summary(&v)["lost_bytes"], 4041);
}

#[test]
fn l4_warm_boot_resets_capacity_to_default() {
    let v = lines(
        &[
            "[network]\noutages = [{ kind = \"wifi\", at_ms = 5000, for_ms = 70000 }]\n".to_string(),
            step("imp.setsendbuffersize", "size = 8192"),
            step("imp.wakeup", "seconds = 10"),
            send(10, 1),
        ]
        .concat(),
    );
    let c = calls(&v, "imp.setsendbuffersize");
    assert_eq!(c.len(), 2);
    assert_eq!(c[1]["ret"], 3456, "after squirrel_restart the capacity is the default again");
}
