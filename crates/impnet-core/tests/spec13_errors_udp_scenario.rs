//! SPEC §13 conformance, part 3: "Errors", "UDP" and "Scenario" (limits, on_ret, when a run
//! is pending, end_ms).
mod common;
use common::*;
use impnet_core::scenario::parse_toml;
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

fn udp(address: &str, bytes: u64) -> String {
    step("udpsocket.send", &format!("address = \"{address}\"\nport = 9000\nbytes = {bytes}"))
}

fn open(port: &str) -> String {
    step("interface.openudp", port)
}

/// `ret` as a short string, or "error".
fn outcome(l: &Value) -> String {
    if l["error"].is_string() {
        assert!(l.get("ret").is_none(), "an error line carries no ret: {l}");
        "error".into()
    } else {
        l["ret"].to_string()
    }
}

// ----- Errors -----

#[test]
fn s13_every_throw_or_runtime_error_writes_an_error_line_and_the_script_goes_on() {
    let v = run(&[
        step("imp.setsendbuffersize", "size = -1"),                 // B4
        step("imp.setsendbuffersize", "size = 1.5"),                // B4
        policy("RETURN_ON_ERROR", "WAIT_TIL_SENT", -1.0),           // C6: negative timeout
        policy("RETURN_ON_EROR", "WAIT_TIL_SENT", 1.0),             // C6: unknown constant
        step("udpsocket.send", "address = \"10.0.0.1\"\nport = 9000\nbytes = 1"), // no socket
        step("udpsocket.close", ""),                                // no socket
        open("port = 80"),                                          // outside 1024–65535
        open(""),
        udp("8.8.8.8", 1),                                          // U1
        step("udpsocket.send", "address = \"10.0.0.1\"\nport = 68\nbytes = 1"), // U2
        udp("10.0.0.1", 65_508),                                    // U4
        step("server.isconnected", ""),
    ]
    .concat());
    let seq: Vec<(String, String)> =
        v.iter().filter(|l| l.get("call").is_some()).map(|l| (l["call"].as_str().unwrap().to_string(), outcome(l))).collect();
    let errors = seq.iter().filter(|(_, o)| o == "error").count();
    assert_eq!(errors, 10);
    assert_eq!(seq.last().unwrap(), &("server.isconnected".to_string(), "true".to_string()));
    assert!(v.iter().filter(|l| l.get("call").is_some()).all(|l| t(l) == 1500.0 && l["blocked_ms"] == 0));
    // The policy is unchanged by the failed calls: still SUSPEND_ON_ERROR (a send after a
    // disconnect reconnects, S7, instead of returning 1).
    let w = run(&[policy("RETURN_ON_ERROR", "WAIT_TIL_SENT", -1.0), step("server.disconnect", ""), send(10, 1)].concat());
    assert_eq!(calls(&w, "agent.send")[0]["rule"], "S7");
}

#[test]
fn s13_load_refuses_negative_waits_unknown_fields_calls_and_ill_typed_values() {
    let refused = |body: &str| parse_toml(&format!("[[steps]]\n{body}\n")).err().map(|e| e.to_string());
    for (body, field) in [
        ("call = \"imp.sleep\"\nseconds = -1", "seconds"),
        ("call = \"imp.wakeup\"\nseconds = -0.5", "seconds"),
        ("call = \"server.connect\"\ntimeout = -1", "timeout"),
        ("call = \"server.flush\"\ntimeout = -1", "timeout"),
        ("call = \"server.flush\"", "timeout"),
        ("call = \"server.log\"\nbytes = \"ten\"", "bytes"),
        ("call = \"server.log\"\nbytes = 1\ncolour = 1", "colour"),
        ("call = \"server.lg\"", "call"),
    ] {
        let e = refused(body).unwrap_or_else(|| panic!("{body:?} must be refused at load"));
        assert!(e.contains(field), "{body:?}: the error names the field: {e}");
    }
    // Runtime errors, not load errors (C6, B4): the scenario loads.
    assert!(refused("call = \"server.setsendtimeoutpolicy\"\nreconnect = \"X\"\nwait = \"WAIT_TIL_SENT\"\ntimeout = -3").is_none());
    assert!(refused("call = \"imp.setsendbuffersize\"\nsize = -5").is_none());
    // Defaults: server.connect's timeout is 60 (a connect that never succeeds calls back at +60 s).
    let v = run(&[
        outage("wifi", 1600, 100_000),
        policy("RETURN_ON_ERROR", "WAIT_TIL_SENT", 1.0),
        step("server.disconnect", ""),
        step("server.connect", ""),
        "[[on_connect]]\ncall = \"server.isconnected\"\n".into(),
    ]
    .concat());
    assert_eq!(t(events(&v, "handler")[0]), 61_500.0);
}

// ----- UDP -----

#[test]
fn s13_openudp_throws_for_port_outside_1024_65535_or_during_wifi_outage() {
    let v = run(&[open("port = 1023"), open("port = 65536"), open("port = 0"), open("port = 1024"), open("port = 65535"), open("")].concat());
    let r: Vec<String> = calls(&v, "interface.openudp").iter().map(|l| outcome(l)).collect();
    assert_eq!(r, vec!["error", "error", "error", "null", "null", "null"]);
    let w = run(&[outage("wifi", 1600, 1000), step("imp.wakeup", "seconds = 0.5"), open(""), udp("10.0.0.1", 1)].concat());
    let o = calls(&w, "interface.openudp")[0];
    assert_eq!((t(o), outcome(o)), (2000.0, "error".into()));
    assert!(calls(&w, "udpsocket.send")[0]["error"].is_string(), "no socket was opened");
}

#[test]
fn s13_openudp_replaces_the_previous_socket_and_close_twice_is_harmless() {
    let v = run(&[
        open("port = 5000"),
        open("port = 5001"),
        udp("10.0.0.1", 1),
        step("udpsocket.close", ""),
        step("udpsocket.close", ""),
        udp("10.0.0.1", 1),
        open(""),
        udp("10.0.0.1", 1),
    ]
    .concat());
    let r: Vec<String> = calls(&v, "udpsocket.send").iter().map(|l| outcome(l)).collect();
    assert_eq!(r, vec!["0", "error", "0"]);
    assert!(calls(&v, "udpsocket.close").iter().all(|l| l["ret"].is_null()));
}

#[test]
fn s13_udp_bucket_is_full_at_power_on() {
    // refill 0.0001/s: a bucket starting empty would have nothing at 1.5 s.
    let v = run(&["[udp]\nburst = 3\nrefill_per_s = 0.0001\n".to_string(), open(""), step("udpsocket.send", "address = \"10.0.0.1\"\nport = 9000\nbytes = 1\nrepeat = 4")].concat());
    let r: Vec<String> = calls(&v, "udpsocket.send").iter().map(|l| outcome(l)).collect();
    assert_eq!(r, vec!["0", "0", "0", "4"]);
    assert_eq!(summary(&v)["udp_sent"], 3);
}

#[test]
fn s13_udp_sends_returning_1_or_4_or_throwing_take_no_token() {
    let v = run(&[
        "[udp]\nburst = 1\nrefill_per_s = 0.0001\n".to_string(),
        outage("wifi", 1600, 1000),
        open(""),
        udp("8.8.8.8", 1),                  // throws: no token taken
        step("imp.wakeup", "seconds = 0.5"),
        udp("10.0.0.1", 1),                 // 2000: interface down → 1, no token taken
        step("imp.wakeup", "seconds = 1"),
        udp("10.0.0.1", 1),                 // 3000: the one token → 0
        udp("10.0.0.1", 1),                 // none left → 4
        udp("10.0.0.1", 1),                 // still none: the 4 took nothing (and gave nothing)
    ]
    .concat());
    let r: Vec<String> = calls(&v, "udpsocket.send").iter().map(|l| outcome(l)).collect();
    assert_eq!(r, vec!["error", "1", "0", "4", "4"]);
    assert_eq!(calls(&v, "udpsocket.send")[1]["rule"], "U6");
    assert!(calls(&v, "udpsocket.send").iter().filter(|l| l["ret"] != 0).all(|l| l.get("msg").is_none()));
}

#[test]
fn s13_udp_delivery_events_carry_the_send_time_and_follow_the_calls_of_that_instant() {
    let v = run(&[
        open(""),
        udp("10.0.0.1", 1),
        udp("172.16.0.1", 3000),
        step("server.isconnected", ""),
        step("imp.wakeup", "seconds = 1"),
        step("server.isconnected", ""),
    ]
    .concat());
    let seq: Vec<String> = v
        .iter()
        .filter(|l| l.get("summary").is_none())
        .map(|l| format!("{}@{}", l["call"].as_str().or(l["event"].as_str()).unwrap(), t(l)))
        .collect();
    assert_eq!(
        seq,
        vec![
            "connected@1500",
            "interface.openudp@1500",
            "udpsocket.send@1500",
            "udpsocket.send@1500",
            "server.isconnected@1500",
            "imp.wakeup@1500",
            "udp_delivered@1500",
            "udp_delivered@1500",
            "server.isconnected@2500",
        ]
    );
    let d = events(&v, "udp_delivered");
    assert_eq!((d[0]["msg"].as_i64(), d[0]["packets"].as_i64()), (Some(0), Some(1)));
    assert_eq!((d[1]["msg"].as_i64(), d[1]["packets"].as_i64()), (Some(1), Some(3)), "3000 B over a 1460-byte mtu");
}

#[test]
fn s13_udp_octets_are_decimal_without_leading_zeros() {
    let v = run(&[open(""), udp("10.0.0.01", 1), udp("010.0.0.1", 1), udp("10.0.0.0", 1), udp("192.168.255.255", 1), udp("0x0a.0.0.1", 1)].concat());
    let r: Vec<String> = calls(&v, "udpsocket.send").iter().map(|l| outcome(l)).collect();
    assert_eq!(r, vec!["error", "error", "0", "0", "error"]);
}

// ----- Scenario -----

#[test]
fn s13_on_ret_keys_are_return_values_as_strings_including_booleans() {
    // isconnected is false while the link is down (1600–2000) and until the reconnect at 3500.
    let v = run(&[
        outage("wifi", 1600, 400),
        step("imp.wakeup", "seconds = 0.2"),
        "[[steps]]\ncall = \"server.isconnected\"\non_ret = { \"false\" = \"retry\" }\nretry_after_s = 0.5\n".into(),
    ]
    .concat());
    let c: Vec<(f64, bool)> = calls(&v, "server.isconnected").iter().map(|l| (t(l), l["ret"].as_bool().unwrap())).collect();
    assert_eq!(c, vec![(1700.0, false), (2200.0, false), (2700.0, false), (3200.0, false), (3700.0, true)]);
}

#[test]
fn s13_retry_limit_100000_then_the_run_stops_with_a_note() {
    // 5000 bytes never fit the 3456-byte buffer under NO_DISCONNECT: 4 forever.
    let v = run(&[
        policy("RETURN_ON_ERROR_NO_DISCONNECT", "WAIT_TIL_SENT", 1.0),
        "[[steps]]\ncall = \"agent.send\"\nname = \"d\"\nbytes = 5000\non_ret = { \"4\" = \"retry\" }\n".into(),
        step("server.isconnected", ""),
    ]
    .concat());
    assert_eq!(calls(&v, "agent.send").len(), 100_001, "the call and 100 000 retries");
    let note = v.iter().rev().find(|l| l["event"] == "note").expect("a note");
    assert!(note["why"].as_str().unwrap().contains("100000") || note["why"].as_str().unwrap().contains("100 000"));
    assert!(calls(&v, "server.isconnected").is_empty(), "the run stopped");
    // Each retry pauses 10 ms: the last attempt is at 1500 + 100 000 × 10 ms.
    assert_eq!(t(calls(&v, "agent.send").last().unwrap()), 1500.0 + 1_000_000.0);
}

#[test]
fn s13_run_pending_while_a_registered_callback_is_due_else_it_ends() {
    let lost_after_script = |handler: &str| {
        run(&[outage("wifi", 2000, 100_000), policy("RETURN_ON_ERROR", "WAIT_TIL_SENT", 1.0), step("imp.wakeup", "seconds = 0.5"), handler.into()].concat())
    };
    // With [[on_unexpected_disconnect]] the grace timer keeps the run until it fires.
    let v = lost_after_script("[[on_unexpected_disconnect]]\ncall = \"server.isconnected\"\n");
    assert_eq!(summary(&v)["end_ms"], 62_000);
    // Without it, nothing is due: the run ends when the wakeup's idle task is done… at 2000
    // the loss is recorded, and nothing else is pending.
    let w = lost_after_script("");
    assert_eq!(summary(&w)["end_ms"], 2000);
    // An unresolved server.connect with [[on_connect]] keeps the run; without, it does not.
    let connect = |handler: &str| {
        run(&[outage("wifi", 1600, 100_000), policy("RETURN_ON_ERROR", "WAIT_TIL_SENT", 1.0), step("server.disconnect", ""), step("server.connect", "timeout = 30"), handler.into()].concat())
    };
    assert_eq!(summary(&connect("[[on_connect]]\ncall = \"server.isconnected\"\n"))["end_ms"], 31_500);
    assert_eq!(summary(&connect(""))["end_ms"], 1500);
    // Unacked bytes keep it until the last ACK; a booting device keeps it until Squirrel runs.
    assert_eq!(summary(&run(&send(100, 1)))["end_ms"], 1600.564);
}

#[test]
fn s13_end_ms_bounds_the_run() {
    let v = run(&["end_ms = 5000\n".to_string(), step("imp.wakeup", "seconds = 10"), step("server.isconnected", "")].concat());
    assert_eq!(summary(&v)["end_ms"], 5000);
    assert!(calls(&v, "server.isconnected").is_empty());
    assert!(parse_toml("end_ms = 86400001\n").is_err(), "upper bound one virtual day");
}

#[test]
fn b4_error_text_shows_the_value_as_written() {
    let v = run(&[step("imp.setsendbuffersize", "size = -5"), step("imp.setsendbuffersize", "size = 1.5")].concat());
    let e: Vec<&str> = calls(&v, "imp.setsendbuffersize").iter().map(|l| l["error"].as_str().unwrap()).collect();
    assert!(e[0].ends_with("got -5") && e[1].ends_with("got 1.5"), "{e:?}");
}

#[test]
fn s13_u3_a_throwing_openudp_leaves_the_previous_socket_open() {
    let v = run(&[open("port = 5000"), open("port = 80"), udp("10.0.0.1", 1)].concat());
    assert!(calls(&v, "interface.openudp")[1]["error"].is_string());
    assert_eq!(calls(&v, "udpsocket.send")[0]["ret"], 0);
}

#[test]
fn s13_l3_boot_window_over_under_suspend_then_return_policy_goes_offline_without_handler() {
    // Documented choice (explain::choices, L3): the background recovery after the boot window
    // began at 60 000; RETURN_ON_ERROR set at 65 000 gives it the grace limit from then
    // (offline at 120 000), but a failed boot connect is never unexpected: no handler.
    let v = run(&[
        outage("wifi", 0, 200_000),
        step("imp.wakeup", "seconds = 55"),
        policy("RETURN_ON_ERROR", "WAIT_TIL_SENT", 100.0),
        step("imp.wakeup", "seconds = 50"),
        send(10, 1),
        "[[on_unexpected_disconnect]]\ncall = \"server.isconnected\"\n".into(),
    ]
    .concat());
    assert_eq!(events(&v, "recovering").iter().map(|l| t(l)).collect::<Vec<_>>(), vec![60_000.0]);
    let o = events(&v, "offline")[0];
    assert_eq!((t(o), o["reason"].as_i64()), (120_000.0, Some(1)));
    assert!(events(&v, "handler").is_empty());
    // A send waiting out that recovery (S9) gets 1 when it ends, like any grace expiry.
    let c = calls(&v, "agent.send")[0];
    assert_eq!((t(c), c["ret"].as_i64(), c["rule"].as_str()), (120_000.0, Some(1), Some("S9")));
    // A real loss later is unexpected again.
    let w = run(&[
        "[network]\noutages = [{ kind = \"wifi\", at_ms = 0, for_ms = 70000 }, { kind = \"wifi\", at_ms = 100000, for_ms = 100000 }]\n".into(),
        step("imp.wakeup", "seconds = 55"),
        policy("RETURN_ON_ERROR", "WAIT_TIL_SENT", 1.0),
        step("imp.wakeup", "seconds = 200"),
        "[[on_unexpected_disconnect]]\ncall = \"server.isconnected\"\n".into(),
    ]
    .concat());
    assert_eq!(events(&w, "connected").iter().map(|l| t(l)).collect::<Vec<_>>(), vec![71_500.0]);
    let h = events(&w, "handler")[0];
    assert_eq!((t(h), h["handler"].as_str()), (160_000.0, Some("on_unexpected_disconnect")));
}
