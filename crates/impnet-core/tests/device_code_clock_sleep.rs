//! SPEC §14 "The rest of the imp API" through the device model (issue #9 items 1–4): device
//! code's clocks answer virtual time, `hardware.wakereason()` names the boot,
//! `imp.cancelwakeup` drops a pending timer, and `imp.deepsleepfor`/`server.sleepfor` close the
//! connection, sleep and warm-boot with `nv` kept.

use impnet_core::scenario::parse_toml;
use impnet_core::{run, RunOptions};
use serde_json::Value;

/// The §11 JSON lines of `code` run with the scenario settings `head` (TOML).
fn lines(head: &str, code: &str) -> Vec<Value> {
    let sc = parse_toml(&format!("code = '''\n{code}'''\n{head}\n")).unwrap_or_else(|e| panic!("{e}"));
    let out = run(&sc, &RunOptions::default()).unwrap().to_json_lines();
    out.lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

/// `(t_ms, text)` of every `server.log` line.
fn logs(lines: &[Value]) -> Vec<(f64, String)> {
    lines
        .iter()
        .filter(|l| l["call"] == "server.log")
        .map(|l| (l["t_ms"].as_f64().unwrap(), l["text"].as_str().unwrap().to_string()))
        .collect()
}

fn events<'a>(lines: &'a [Value], event: &str) -> Vec<&'a Value> {
    lines.iter().filter(|l| l["event"] == event).collect()
}

fn t(l: &Value) -> f64 {
    l["t_ms"].as_f64().unwrap()
}

#[test]
fn section14_hardware_millis_is_virtual_time_before_and_after_a_blocked_send() {
    // 12 000 bytes do not fit the default 3 456-byte buffer: S3 blocks the send.
    let code = r#"
server.log("before " + hardware.millis());
agent.send("big", blob(12000));
server.log("after " + hardware.millis());
"#;
    let l = lines("end_ms = 60000", code);
    let send = l.iter().find(|l| l["call"] == "agent.send").unwrap();
    let blocked = send["blocked_ms"].as_f64().unwrap();
    assert!(blocked > 100.0, "the send must block: {send}");
    let logs = logs(&l);
    // L1: main starts at the boot connection, 1 500 ms.
    assert_eq!(logs[0], (1500.0, "before 1500".to_string()));
    // Read right after the send returned (the log itself may block again after it).
    let after_ms = t(send) as u64;
    assert_eq!(logs[1].1, format!("after {after_ms}"));
}

#[test]
fn section14_clocks_in_a_wakeup_callback_answer_its_virtual_time() {
    let code = r#"
imp.wakeup(2.5, function() {
    local d = date();
    server.log(hardware.millis() + " " + hardware.micros() + " " + time() + " " + d.year + "-" + d.month + "-" + d.day + " " + d.hour + ":" + d.min + ":" + d.sec);
});
"#;
    let l = lines("end_ms = 60000", code);
    // 1 500 ms (boot) + 2 500 ms: time() = start_epoch 1 735 689 600 + 4 s; date() is UTC
    // 2025-01-01 00:00:04 (month counts from 0).
    assert_eq!(logs(&l), [(4000.0, "4000 4000000 1735689604 2025-0-1 0:0:4".to_string())]);
}

#[test]
fn section14_wakereason_is_0_at_power_on_and_5_after_an_uncaught_error() {
    let code = r#"
if (!("nv" in getroottable())) ::nv <- { boots = 0 };
nv.boots++;
server.log("boot " + nv.boots + " reason " + hardware.wakereason());
if (nv.boots == 1) throw "fail once";
"#;
    let l = lines("end_ms = 60000", code);
    assert_eq!(logs(&l), [(1500.0, "boot 1 reason 0".to_string()), (11500.0, "boot 2 reason 5".to_string())]);
    assert_eq!(events(&l, "squirrel_restart")[0]["wakereason"], 5);
}

#[test]
fn section14_cancelwakeup_drops_the_pending_callback() {
    let code = r#"
local a = imp.wakeup(1, function() { server.log("a ran"); });
local b = imp.wakeup(2, function() { server.log("b ran"); });
server.log("handles " + (a != null) + " " + (a != b));
imp.cancelwakeup(b);
"#;
    let l = lines("end_ms = 60000", code);
    assert_eq!(logs(&l), [(1500.0, "handles true true".to_string()), (2500.0, "a ran".to_string())]);
    // Nothing is left pending: the run ends once a's log is ACKed, not at b's time.
    assert!(l.last().unwrap()["summary"]["end_ms"].as_f64().unwrap() < 3500.0);
}

#[test]
fn section14_cancelling_a_fired_or_unknown_wakeup_is_harmless() {
    let code = r#"
local first = null;
first = imp.wakeup(1, function() {
    imp.cancelwakeup(first);   // cancels itself while running: already fired
    imp.cancelwakeup(first);
    imp.cancelwakeup(12345);   // never existed
    imp.cancelwakeup(null);
    imp.cancelwakeup("x");
    imp.wakeup(1, function() { server.log("second ran"); });
});
"#;
    let l = lines("end_ms = 60000", code);
    assert!(events(&l, "squirrel_error").is_empty(), "{l:?}");
    assert_eq!(logs(&l), [(3500.0, "second ran".to_string())]);
}

#[test]
fn section14_cancelwakeup_of_one_callback_leaves_another_with_the_same_time() {
    let code = r#"
local f = function() { server.log("kept"); };
local x = imp.wakeup(1, function() { server.log("cancelled"); });
imp.wakeup(1, f);
imp.cancelwakeup(x);
"#;
    let l = lines("end_ms = 60000", code);
    assert_eq!(logs(&l), [(2500.0, "kept".to_string())]);
}

/// A program that logs its boots and then deep-sleeps 60 s through `sleep` (the first boot
/// only), with unACKed bytes in the buffer.
fn sleeper(sleep: &str) -> String {
    format!(
        r#"
if (!("nv" in getroottable())) ::nv <- {{ boots = 0 }};
nv.boots++;
server.log("boot " + nv.boots + " reason " + hardware.wakereason() + " at " + hardware.millis());
if (nv.boots == 1) {{
    agent.send("data", blob(2000));
    {sleep}(60);
    server.log("never");
}}
"#
    )
}

#[test]
fn section14_deepsleepfor_closes_at_once_losing_unacked_bytes_then_warm_boots_with_wakereason_1() {
    let l = lines("end_ms = 200000", &sleeper("imp.deepsleepfor"));
    // No flush: the 2 000-byte message is still unACKed at 1 500 ms and is lost (C2).
    let disc = events(&l, "disconnected");
    assert_eq!((t(disc[0]), disc[0]["reason"].as_i64()), (1500.0, Some(0)));
    let lost = events(&l, "lost");
    assert_eq!(lost.len(), 2, "both messages written at 1 500 ms are lost: {lost:?}");
    let sleep = events(&l, "deep_sleep");
    assert_eq!((t(sleep[0]), sleep[0]["rule"].as_str()), (1500.0, Some("§14")));
    // The call never returns: no line for it, nor for anything after it.
    assert!(l.iter().all(|l| l["text"] != "never"));
    let wake = events(&l, "wake");
    assert_eq!(t(wake[0]), 61500.0);
    // L1 again: the connection comes up connect_ms later and Squirrel restarts from the top.
    let connected: Vec<f64> = events(&l, "connected").iter().map(|e| t(e)).collect();
    assert_eq!(connected, [1500.0, 63000.0]);
    let restart = events(&l, "squirrel_restart");
    assert_eq!(restart.len(), 1);
    assert_eq!((t(restart[0]), restart[0]["wakereason"].as_i64()), (63000.0, Some(1)));
    assert_eq!(
        logs(&l),
        [(1500.0, "boot 1 reason 0 at 1500".to_string()), (63000.0, "boot 2 reason 1 at 63000".to_string())]
    );
}

#[test]
fn section14_server_sleepfor_flushes_first_so_nothing_is_lost() {
    let l = lines("end_ms = 200000", &sleeper("server.sleepfor"));
    // The implicit flush is a server.flush line at the sleepfor's line, returning true once
    // every byte is ACKed; then the connection closes with nothing lost.
    let flush = l.iter().find(|l| l["call"] == "server.flush").expect("the implicit flush");
    assert_eq!(flush["ret"], true);
    assert_eq!(flush["line"], 7);
    assert!(events(&l, "lost").is_empty());
    let acked_before: Vec<&Value> = events(&l, "acked").into_iter().filter(|e| t(e) <= t(flush)).collect();
    assert_eq!(acked_before.len(), 2, "the boot log and the 2 000-byte message");
    let disc = events(&l, "disconnected");
    assert_eq!(t(disc[0]), t(flush));
    let sleep_at = t(events(&l, "deep_sleep")[0]);
    assert_eq!(sleep_at, t(flush));
    assert_eq!(t(events(&l, "wake")[0]), sleep_at + 60000.0);
    let restart = events(&l, "squirrel_restart");
    assert_eq!(restart[0]["wakereason"], 1);
    assert_eq!(logs(&l).len(), 2);
    assert_eq!(logs(&l)[1].1, format!("boot 2 reason 1 at {}", t(restart[0]) as u64));
}

#[test]
fn section14_deep_sleep_resets_capacity_and_policy_and_nv_survives_repeated_sleeps() {
    let code = r#"
if (!("nv" in getroottable())) ::nv <- { boots = 0 };
nv.boots++;
server.log(nv.boots + " cap " + imp.setsendbuffersize(8000));
server.setsendtimeoutpolicy(RETURN_ON_ERROR, WAIT_TIL_SENT, 5);
if (nv.boots < 3) imp.onidle(function() { imp.deepsleepfor(10); });
"#;
    let l = lines("end_ms = 200000", code);
    let texts: Vec<String> = logs(&l).into_iter().map(|(_, s)| s).collect();
    // Each boot finds the default capacity again (L4: Squirrel restarts with a reconnection).
    assert_eq!(texts, ["1 cap 3456", "2 cap 3456", "3 cap 3456"]);
    assert_eq!(events(&l, "squirrel_restart").len(), 2);
    assert_eq!(events(&l, "deep_sleep").len(), 2);
}

#[test]
fn section14_deep_sleep_during_a_wifi_outage_wakes_and_boots_when_the_link_returns() {
    // WiFi is down from 5 s to 40 s; the program sleeps 10 s at 6 s while RECOVERING.
    let code = r#"
if (!("nv" in getroottable())) ::nv <- { boots = 0 };
nv.boots++;
server.log("boot " + nv.boots + " reason " + hardware.wakereason());
if (nv.boots == 1) imp.wakeup(4.5, function() { imp.deepsleepfor(10); });
"#;
    let l = lines("end_ms = 300000\n[network]\noutages = [{ kind = \"wifi\", at_ms = 5000, for_ms = 35000 }]", code);
    assert_eq!(t(events(&l, "deep_sleep")[0]), 6000.0);
    assert_eq!(t(events(&l, "wake")[0]), 16000.0);
    // L1 after the wake: no connection within boot_squirrel_ms, so Squirrel starts 10 s after
    // the wake without one; SUSPEND_ON_ERROR (the default again) keeps trying in the background.
    let restart = events(&l, "squirrel_restart");
    assert_eq!((t(restart[0]), restart[0]["reason"].as_i64(), restart[0]["wakereason"].as_i64()), (26000.0, Some(0), Some(1)));
    // The log at the restart halts Squirrel under SUSPEND_ON_ERROR until the link is back at
    // 40 s + connect_ms (S7).
    let log = l.iter().filter(|l| l["call"] == "server.log").nth(1).unwrap();
    assert_eq!((t(log), log["text"].as_str(), log["rule"].as_str()), (41500.0, Some("boot 2 reason 1"), Some("S7")));
}

#[test]
fn section14_sleep_seconds_are_checked() {
    let code = r#"
try { imp.deepsleepfor(-1); } catch (e) { server.log(e); }
try { server.sleepfor("x"); } catch (e) { server.log(e); }
"#;
    let l = lines("end_ms = 60000", code);
    let texts: Vec<String> = logs(&l).into_iter().map(|(_, s)| s).collect();
    assert_eq!(texts, ["imp.deepsleepfor: seconds must be 0 to 2419198, got -1", "server.sleepfor: seconds must be a number, got string"]);
}

/// S7 + §14: under SUSPEND_ON_ERROR a send during a long WiFi outage halts Squirrel, the
/// connect window fails, the device deep-sleeps, and the wake-up connection warm-boots the
/// script. That restart is a timer wake from deep sleep: its `squirrel_restart` line carries
/// `"wakereason":1`, the value the restarted script reads from `hardware.wakereason()`.
#[test]
fn s7_a_warm_boot_after_the_suspend_cycle_carries_wakereason_1() {
    let code = r#"
server.log("reason " + hardware.wakereason());
imp.wakeup(10, function() { agent.send("r", 1); });
"#;
    let l = lines("end_ms = 700000\n[network]\noutages = [{ kind = \"wifi\", at_ms = 5000, for_ms = 70000 }]", code);
    let kinds: Vec<&str> = l.iter().filter_map(|l| l["event"].as_str()).collect();
    assert!(kinds.windows(2).any(|w| w == ["suspended", "deep_sleep"]), "the S7 cycle deep-sleeps: {kinds:?}");
    let restart = events(&l, "squirrel_restart");
    assert_eq!(restart.len(), 1, "{kinds:?}");
    assert_eq!((restart[0]["rule"].as_str(), restart[0]["reason"].as_i64()), (Some("S7"), Some(5)));
    assert_eq!(restart[0]["wakereason"], 1, "{}", restart[0]);
    let logs = logs(&l);
    assert_eq!(logs[0].1, "reason 0");
    assert_eq!(logs[1], (t(restart[0]), "reason 1".to_string()), "the restarted script reads the line's wakereason");
}
