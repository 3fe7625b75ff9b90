//! SPEC §14 device programs of our own (`tests/programs/`), before the device model runs
//! them: each compiles with the imp API bound and runs its tasks against a stand-in model
//! where every call succeeds; the bad programs end as the runtime errors §14 names, never as a
//! crash, a hang or unbounded memory.

use impnet_core::code::natives::{install, DeviceHost};
use impnet_core::program::Call;
use impnet_squirrel::{ErrorKind, Handle, Outcome, RuntimeError, Value, Vm};

fn program(name: &str) -> String {
    let path = format!("{}/tests/programs/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Runs main and every callback; returns the calls made and the first uncaught error.
fn run(name: &str) -> (Vec<Call>, Option<RuntimeError>) {
    let mut vm = Vm::new(DeviceHost::default());
    install(&mut vm);
    vm.load(name, &program(name)).unwrap_or_else(|e| panic!("{e}"));
    let mut calls = Vec::new();
    let mut due: Vec<(u64, u64, Handle, Value)> = Vec::new();
    let mut seq = 0u64;
    loop {
        loop {
            match vm.run(100_000_000) {
                Outcome::Suspended(m) => {
                    let reply = match &m.call {
                        Call::ImpWakeup { seconds, callback } => {
                            seq += 1;
                            if let Some(h) = callback.and_then(|c| vm.host.callback(c)) {
                                due.push((vm.host.now_us + (seconds * 1e6) as u64, seq, h, Value::Null));
                            }
                            Value::Int(seq as i32)
                        }
                        Call::ServerConnect { callback, .. } => {
                            seq += 1;
                            if let Some(h) = callback.and_then(|c| vm.host.callback(c)) {
                                due.push((vm.host.now_us + 1_500_000, seq, h, Value::Int(5)));
                            }
                            Value::Null
                        }
                        Call::ServerIsConnected | Call::ServerFlush { .. } => Value::Bool(true),
                        Call::OpenUdp { .. } => vm.handle(m.object.unwrap()).unwrap(),
                        Call::SetSendTimeoutPolicy { .. }
                        | Call::ServerDisconnect
                        | Call::UdpClose
                        | Call::ImpSleep { .. }
                        | Call::OnIdle { .. }
                        | Call::OnUnexpectedDisconnect { .. } => Value::Null,
                        _ => Value::Int(0),
                    };
                    calls.push(m.call);
                    vm.resume(reply);
                }
                Outcome::Finished(_) => break,
                Outcome::Error(e) => return (calls, Some(e)),
                Outcome::OutOfFuel => panic!("{name}: no end in 100M instructions"),
            }
        }
        due.sort_by_key(|d| (d.0, d.1));
        if due.is_empty() || calls.len() > 10_000 {
            return (calls, None);
        }
        let (t, _, h, arg) = due.remove(0);
        vm.host.now_us = t;
        let args: Vec<Value> = if arg == Value::Null { vec![] } else { vec![arg] };
        vm.start_handle(h, &args).unwrap();
    }
}

fn count(calls: &[Call], name: &str) -> usize {
    calls.iter().filter(|c| c.kind().as_str() == name).count()
}

#[test]
fn connection_manager_class_sends_readings_from_a_method() {
    let (calls, err) = run("connection_manager.nut");
    assert!(err.is_none(), "{err:?}");
    // 40 readings, each a table { n, temp }: 5 + ("n" 6 + 5) + ("temp" 9 + 5) = 30 bytes.
    assert_eq!(count(&calls, "agent.send"), 40);
    assert!(calls.iter().any(|c| matches!(c, Call::AgentSend { name, bytes: 30, .. } if &**name == "reading")), "{calls:?}");
}

#[test]
fn promise_chain_runs_each_then_in_its_own_wakeup_task() {
    let (calls, err) = run("promise_chain.nut");
    assert!(err.is_none(), "{err:?}");
    let sends: Vec<_> = calls.iter().filter(|c| c.kind().as_str() == "agent.send").collect();
    assert_eq!(sends.len(), 2, "{calls:?}");
    // The chain's last step logs "chain ended with 20": 1 → 2 → 20.
    assert!(calls.contains(&Call::ServerLog { bytes: 19, text: Some("chain ended with 20".into()) }), "{calls:?}");
}

#[test]
fn streamer_sends_64_kb_as_sixteen_4_kb_chunks() {
    let (calls, err) = run("streamer_64k.nut");
    assert!(err.is_none(), "{err:?}");
    let chunk = |c: &&Call| matches!(c, Call::AgentSend { name, bytes: 4101, .. } if &**name == "chunk");
    assert_eq!(calls.iter().filter(chunk).count(), 16, "4096 + 5 bytes each");
    let done = "sent 65536 bytes, blocked 0 times";
    assert!(calls.contains(&Call::ServerLog { bytes: done.len() as u64, text: Some(done.into()) }), "{calls:?}");
}

#[test]
fn transmitter_checks_the_connection_then_sends() {
    let (calls, err) = run("transmitter_outage.nut");
    assert!(err.is_none(), "{err:?}");
    assert!(count(&calls, "server.isconnected") >= 1);
    assert_eq!(count(&calls, "server.isconnected"), count(&calls, "agent.send"));
}

#[test]
fn an_error_deep_in_a_method_is_uncaught_and_names_its_line() {
    let (_, err) = run("error_restart.nut");
    let e = err.expect("the sensor read fails");
    assert_eq!(e.kind, ErrorKind::Runtime);
    assert_eq!(e.message, "the index 'temperature' does not exist");
    assert_eq!((e.file.as_str(), e.line), ("error_restart.nut", 10));
}

#[test]
fn section14_a_compile_error_is_file_line_col() {
    let e = impnet_squirrel::check("compile_error.nut", &program("bad/compile_error.nut")).unwrap_err();
    assert!(e.to_string().starts_with("compile_error.nut:2:"), "{e}");
}

#[test]
fn section14_an_endless_loop_hits_the_watchdog() {
    let (_, err) = run("bad/endless_loop.nut");
    assert_eq!(err.expect("watchdog").kind, ErrorKind::Watchdog);
}

#[test]
fn section14_deep_recursion_is_a_runtime_error() {
    let (_, err) = run("bad/deep_recursion.nut");
    assert_eq!(err.expect("call depth").kind, ErrorKind::CallDepth);
}

#[test]
fn section14_a_100_million_element_array_is_a_runtime_error() {
    let (calls, err) = run("bad/huge_array.nut");
    assert_eq!(err.expect("heap limit").kind, ErrorKind::Memory);
    assert!(calls.is_empty());
}

#[test]
fn section14_string_doubling_is_a_runtime_error() {
    // The copies are charged as work (issue 13): the watchdog ends it before the heap limit
    // (which ends it without a watchdog: impnet-squirrel's tests/native_work.rs).
    let (_, err) = run("bad/string_doubling.nut");
    assert_eq!(err.expect("watchdog").kind, ErrorKind::Watchdog);
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
