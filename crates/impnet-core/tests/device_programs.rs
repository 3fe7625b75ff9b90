//! SPEC §14 device programs of our own (`tests/programs/`) run against the real device model
//! (`impnet_core::run` on a scenario holding the code, with the program's `.toml` beside it
//! where it has one): realistic programs through outages, and bad programs that end as the
//! runtime errors §14 names (`squirrel_error` lines), never as a crash, a hang or unbounded
//! memory (issue #9 item 6).

use impnet_core::code::natives::{install, DeviceHost};
use impnet_core::scenario::parse_toml;
use impnet_core::{run, RunOptions};
use impnet_squirrel::{Outcome, Vm};
use serde_json::Value;

fn program(name: &str) -> String {
    let path = format!("{}/tests/programs/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Runs `tests/programs/<name>.nut` with `<name>.toml`'s conditions (if any) and `extra` TOML
/// on top; the §11 JSON lines.
fn run_program(name: &str, extra: &str) -> Vec<Value> {
    let conditions = std::fs::read_to_string(format!("{}/tests/programs/{name}.toml", env!("CARGO_MANIFEST_DIR"))).unwrap_or_default();
    let code = program(&format!("{name}.nut"));
    let sc = parse_toml(&format!("code = '''\n{code}'''\n{extra}\n{conditions}")).unwrap_or_else(|e| panic!("{name}: {e}"));
    let out = run(&sc, &RunOptions::default()).unwrap_or_else(|e| panic!("{name}: {e}")).to_json_lines();
    out.lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

fn calls<'a>(lines: &'a [Value], call: &str) -> Vec<&'a Value> {
    lines.iter().filter(|l| l["call"] == call).collect()
}

fn events<'a>(lines: &'a [Value], event: &str) -> Vec<&'a Value> {
    lines.iter().filter(|l| l["event"] == event).collect()
}

fn t(l: &Value) -> f64 {
    l["t_ms"].as_f64().unwrap()
}

fn summary(lines: &[Value]) -> &Value {
    &lines.last().unwrap()["summary"]
}

#[test]
fn connection_manager_class_rides_out_a_wifi_outage_and_flushes_its_log_queue_on_reconnect() {
    // WiFi down 20 s – 120 s (connection_manager.toml), RETURN_ON_ERROR with a 10 s timeout.
    let l = run_program("connection_manager", "");
    assert!(events(&l, "squirrel_error").is_empty());
    // S9: sends while RECOVERING wait out their 10 s timeout and return 2, and the class
    // queues a log line for each (itself a blocked server.log that returns 2).
    let sends = calls(&l, "agent.send");
    let timed_out: Vec<f64> = sends.iter().filter(|s| s["ret"] == 2).map(|s| t(s)).collect();
    assert_eq!(timed_out, [31500.0, 56500.0]);
    // C5: the grace period (60 s) ends at 80 s; the bindenv-bound method runs as the
    // on_unexpected_disconnect handler with NO_WIFI and asks for a connect with its callback.
    let handlers: Vec<(f64, &str, i64)> = events(&l, "handler")
        .iter()
        .map(|h| (t(h), h["handler"].as_str().unwrap(), h["reason"].as_i64().unwrap()))
        .collect();
    assert_eq!(handlers, [(80000.0, "on_unexpected_disconnect", 1), (110000.0, "on_connect", 1), (121500.0, "on_connect", 5)]);
    // C1: the first connect times out during the outage (NO_WIFI, the callback retries 5 s
    // later); the retry's connect succeeds 1.5 s after the WiFi is back.
    assert_eq!(t(events(&l, "connected")[1]), 121500.0);
    // The queue, oldest first, flushed by the on_connect callback, then its onConnect hook.
    let flushed: Vec<&str> = calls(&l, "server.log")
        .iter()
        .filter(|c| c["handler"] == "on_connect")
        .map(|c| {
            assert_eq!((t(c), c["ret"].as_i64()), (121500.0, Some(0)));
            c["text"].as_str().unwrap()
        })
        .collect();
    assert_eq!(flushed, ["reading failed with 2", "reading failed with 2", "reading failed with 1", "disconnected, reason 1", "back online"]);
    // While OFFLINE the class sends nothing (it checks its own _connected flag).
    assert!(sends.iter().all(|s| !(80000.0 < t(s) && t(s) < 121500.0)), "{sends:?}");
    // Every reading is one table { n, temp }: 5 + ("n" 6 + 5) + ("temp" 9 + 5) = 30 bytes; 40
    // readings in all, so 39 reschedules.
    assert!(sends.iter().all(|s| s["name"] == "reading" && s["bytes"] == 30));
    assert_eq!(calls(&l, "imp.wakeup").iter().filter(|w| w["line"] == 60).count(), 39);
}

#[test]
fn promise_chain_runs_each_then_in_its_own_wakeup_task_in_order() {
    let l = run_program("promise_chain", "");
    assert!(events(&l, "squirrel_error").is_empty());
    // WAIT_FOR_ACK (S4): each step's send blocks one round trip, and the next then() only
    // runs after it, in its own imp.wakeup(0) task.
    let steps: Vec<(f64, i64, &str)> = l
        .iter()
        .filter(|c| c["call"] == "agent.send" || c["call"] == "server.log")
        .map(|c| (t(c), c["line"].as_i64().unwrap(), c["handler"].as_str().unwrap()))
        .collect();
    assert_eq!(steps.iter().map(|s| s.1).collect::<Vec<_>>(), [43, 44, 45]);
    assert!(steps.iter().all(|s| s.2 == "imp.wakeup"));
    assert!(steps[0].0 > 1600.0 && steps[1].0 > steps[0].0 + 100.0 && steps[2].0 > steps[1].0 + 100.0, "{steps:?}");
    let log = calls(&l, "server.log")[0];
    assert_eq!((log["text"].as_str(), log["rule"].as_str()), (Some("chain ended with 20"), Some("S4")));
    assert_eq!(summary(&l)["acked_msgs"], 3);
}

#[test]
fn streamer_sends_64_kb_as_sixteen_4_kb_chunks_requeued_on_wouldblock() {
    let l = run_program("streamer_64k", "");
    assert!(events(&l, "squirrel_error").is_empty());
    let sends = calls(&l, "agent.send");
    // S2: under NO_DISCONNECT a chunk that does not fit returns 4 at once and is not written.
    let would_block: Vec<&&Value> = sends.iter().filter(|s| s["ret"] == 4).collect();
    assert!(!would_block.is_empty());
    assert!(would_block.iter().all(|s| s["rule"] == "S2" && s["blocked_ms"] == 0 && s.get("msg").is_none()));
    // Sixteen chunks get through, each a blob of 4 096 bytes (5 + 4 096 on the wire format).
    let sent: Vec<&&Value> = sends.iter().filter(|s| s["ret"] == 0).collect();
    assert_eq!(sent.len(), 16);
    assert!(sent.iter().all(|s| s["bytes"] == 4101 && s["name"] == "chunk"));
    // The streamer counts its own re-queues: the log says exactly how many 4s it saw.
    let log = calls(&l, "server.log")[0];
    assert_eq!(log["text"].as_str().unwrap(), format!("sent 65536 bytes, blocked {} times", would_block.len()));
    // No drop: NO_DISCONNECT keeps the connection; everything is ACKed.
    assert!(events(&l, "disconnected").is_empty());
    assert_eq!(summary(&l)["acked_msgs"], 17);
    assert_eq!(summary(&l)["lost_msgs"], 0);
}

#[test]
fn transmitter_pattern_reconnects_through_server_connect_callbacks_after_a_wifi_outage() {
    // WiFi down 40 s – 160 s (transmitter_outage.toml); a measurement every 30 s.
    let l = run_program("transmitter_outage", "");
    assert!(events(&l, "squirrel_error").is_empty());
    // C3: while the link is down server.isconnected() is false and transmitter() calls
    // server.connect(fn, 30) instead of sending.
    let connects = calls(&l, "server.connect");
    assert!(connects.iter().all(|c| 40000.0 < t(c) && t(c) < 161500.0), "{connects:?}");
    assert!(!connects.is_empty());
    // C1: callbacks during the outage get NO_WIFI (the script waits retryTime); the one after
    // the WiFi is back gets SERVER_CONNECTED and sends from inside the callback.
    let on_connect: Vec<(f64, i64)> = events(&l, "handler").iter().map(|h| (t(h), h["reason"].as_i64().unwrap())).collect();
    assert!(on_connect.iter().all(|&(at, r)| if at < 160000.0 { r == 1 } else { r == 5 }), "{on_connect:?}");
    assert_eq!(on_connect.last(), Some(&(161500.0, 5)));
    let sends = calls(&l, "agent.send");
    let from_callback: Vec<&&Value> = sends.iter().filter(|s| s["handler"] == "on_connect").collect();
    assert_eq!(from_callback.len(), 1);
    assert_eq!((t(from_callback[0]), from_callback[0]["ret"].as_i64()), (161500.0, Some(0)));
    // No send is attempted while the device knows it is offline, and none fails.
    assert!(calls(&l, "agent.send").iter().all(|s| s["ret"] == 0));
    // Every send follows an isconnected() that returned true at the same instant.
    for s in calls(&l, "agent.send") {
        let checked = calls(&l, "server.isconnected").iter().any(|c| t(c) == t(s) && c["ret"] == true);
        assert!(checked, "{s}");
    }
}

#[test]
fn an_error_deep_in_a_method_is_a_squirrel_error_naming_its_line() {
    let l = run_program("error_restart", "end_ms = 5000");
    let e = events(&l, "squirrel_error")[0];
    assert_eq!(e["error"], "the index 'temperature' does not exist");
    assert_eq!((t(e), e["line"].as_i64()), (1500.0, Some(10)));
}

/// A bad program's first `squirrel_error` line, run for 20 virtual seconds (two boots).
fn first_error(name: &str) -> (Value, Vec<Value>) {
    let code = program(name);
    let sc = parse_toml(&format!("end_ms = 20000\ncode = '''\n{code}'''\n")).unwrap();
    let lines: Vec<Value> =
        run(&sc, &RunOptions::default()).unwrap().to_json_lines().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let e = events(&lines, "squirrel_error").first().map(|e| (*e).clone()).unwrap_or_else(|| panic!("{name}: no error"));
    (e, lines)
}

#[test]
fn section14_a_compile_error_is_file_line_col() {
    let e = impnet_squirrel::check("compile_error.nut", &program("bad/compile_error.nut")).unwrap_err();
    assert!(e.to_string().starts_with("compile_error.nut:2:"), "{e}");
}

#[test]
fn section14_an_endless_loop_hits_the_watchdog_and_squirrel_restarts() {
    let (e, lines) = first_error("bad/endless_loop.nut");
    assert_eq!(e["error"], "watchdog: the task ran 10000000 instructions without returning");
    // §14: restarted 10 s later, it loops again.
    let at: Vec<f64> = events(&lines, "squirrel_error").iter().map(|e| t(e)).collect();
    assert_eq!(at, [1500.0, 11500.0]);
}

#[test]
fn section14_deep_recursion_is_a_runtime_error() {
    assert_eq!(first_error("bad/deep_recursion.nut").0["error"], "stack overflow");
}

#[test]
fn section14_a_100_million_element_array_is_a_runtime_error() {
    let (e, lines) = first_error("bad/huge_array.nut");
    assert_eq!(e["error"], "out of memory");
    assert!(lines.iter().all(|l| l.get("call").is_none()));
}

#[test]
fn section14_string_doubling_is_a_runtime_error() {
    // The copies are charged as work (issue 13): the watchdog ends it before the heap limit
    // (which ends it without a watchdog: impnet-squirrel's tests/native_work.rs).
    let (e, _) = first_error("bad/string_doubling.nut");
    assert!(e["error"].as_str().unwrap().starts_with("watchdog"), "{e}");
}

#[test]
fn section14_unmodelled_hardware_is_a_runtime_error_naming_the_call() {
    let mut vm = Vm::new(DeviceHost::default());
    install(&mut vm);
    vm.load("hw.nut", "hardware.i2c89.configure(CLOCK_SPEED_400_KHZ);").unwrap();
    // CLOCK_SPEED_400_KHZ is not defined either: the first error is the missing constant.
    let Outcome::Error(e) = vm.run(1_000_000) else { panic!() };
    assert!(e.message.contains("CLOCK_SPEED_400_KHZ"), "{e}");
    vm.load("hw.nut", "hardware.i2c89.configure(400000);").unwrap();
    let Outcome::Error(e) = vm.run(1_000_000) else { panic!() };
    assert_eq!(e.message, "impnet does not model hardware.i2c89");
    vm.load("hw.nut", "local v = hardware.voltage();").unwrap();
    let Outcome::Error(e) = vm.run(1_000_000) else { panic!() };
    assert_eq!(e.message, "impnet does not model hardware.voltage");
}

#[test]
fn section14_virtual_time_answers() {
    let mut vm = Vm::new(DeviceHost { now_us: 90_061_500_000, start_epoch: 1_735_689_600, ..Default::default() });
    install(&mut vm);
    vm.load("t.nut", "local d = date(); return format(\"%d-%02d-%02d %02d:%02d:%02d %d %d %d\", d.year, d.month + 1, d.day, d.hour, d.min, d.sec, d.wday, hardware.millis(), time());").unwrap();
    let Outcome::Finished(v) = vm.run(1_000_000) else { panic!() };
    // 90 061.5 s after 2025-01-01T00:00:00Z (a Wednesday): 2025-01-02 01:01:01, a Thursday.
    let s = impnet_squirrel::to_display(vm.heap(), v);
    assert_eq!(s, format!("2025-01-02 01:01:01 4 {} {}", 90_061_500i32, 1_735_689_600 + 90_061));
}

#[test]
fn issue13_a_program_that_throws_at_the_top_all_day_stops_on_the_work_budget() {
    // §14 "Determinism and limits": restarting every 10 s for a virtual day would be 8 640
    // fresh VMs; each restart is charged to the run's budget, so the run stops with a note.
    let sc = parse_toml("code = '''\nthrow \"x\";\n'''\n").unwrap();
    let lines: Vec<Value> =
        run(&sc, &RunOptions::default()).unwrap().to_json_lines().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let restarts = events(&lines, "squirrel_restart").len();
    assert!((10..8_640).contains(&restarts), "{restarts} restarts");
    assert_eq!(summary(&lines)["stopped"], "work_budget");
    let note = events(&lines, "note");
    assert!(note.last().unwrap()["why"].as_str().unwrap().contains("work budget"), "{note:?}");
}

/// The §11 JSON lines of `code` run with `head` (TOML), full or summary-only.
fn run_code(code: &str, head: &str, summary_only: bool) -> Vec<Value> {
    let sc = parse_toml(&format!("code = '''\n{code}'''\n{head}\n")).unwrap();
    let opts = RunOptions { summary_only, ..RunOptions::default() };
    let t = run(&sc, &opts).unwrap_or_else(|e| panic!("the run ends with a trace, not an error: {e}"));
    t.to_json_lines().lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

#[test]
fn section14_an_imp_wakeup_0_poll_that_rearms_forever_stops_at_its_instant_with_a_note() {
    // Squirrel runs in zero virtual time (§14), so `imp.wakeup(0, poll)` re-armed forever holds
    // the run at one instant: it stops after MAX_CALLBACKS_PER_INSTANT callbacks with a note,
    // keeping its trace (it used to end in "past 2 000 000 trace lines" after minutes).
    let code = "local n = 0;\nfunction poll() {\n  n++;\n  imp.wakeup(0, poll);\n}\nserver.log(\"start\");\npoll();\n";
    let limit = impnet_core::limits::MAX_CALLBACKS_PER_INSTANT;
    for summary_only in [false, true] {
        let l = run_code(code, "end_ms = 20000", summary_only);
        assert_eq!(summary(&l)["stopped"], "callback_limit", "summary_only {summary_only}");
        if summary_only {
            continue;
        }
        let note = events(&l, "note");
        let note = note.last().expect("a note says why the run stopped");
        assert_eq!(t(note), 1500.0, "at the instant main ran (L1)");
        let why = note["why"].as_str().unwrap();
        assert!(why.contains(&format!("more than {limit} Squirrel callbacks")) && why.contains("imp.wakeup(0, f)"), "{why}");
        // main's call, then one per callback run.
        assert_eq!(calls(&l, "imp.wakeup").len() as u64, limit + 1);
    }
}

#[test]
fn section14_imp_wakeup_0_polls_that_end_or_wait_run_to_the_end_time() {
    // A poll that stops re-arming after 1 000 rounds finishes; one that waits 10 ms between
    // rounds lets time pass and runs until end_ms. Neither meets the callback limit.
    let done = "local n = 0;\nfunction poll() {\n  if (++n < 1000) imp.wakeup(0, poll);\n  else server.log(\"done \" + n);\n}\npoll();\n";
    let l = run_code(done, "end_ms = 20000", false);
    assert!(summary(&l).get("stopped").is_none(), "{}", summary(&l));
    assert_eq!(calls(&l, "server.log")[0]["text"], "done 1000");
    let waits = "function poll() {\n  imp.wakeup(0.01, poll);\n}\npoll();\n";
    let l = run_code(waits, "end_ms = 5000", false);
    assert!(summary(&l).get("stopped").is_none(), "{}", summary(&l));
    let w = calls(&l, "imp.wakeup");
    assert!(t(w.last().unwrap()) >= 4990.0 && t(w.last().unwrap()) <= 5000.0, "runs to end_ms: {}", w.last().unwrap());
}
