//! The agent runtime on its own (SPEC §15, §14 "Event loop"/"Time"), without the device model.

use super::*;
use crate::budget::Budget;
use crate::code::natives::DEFAULT_START_EPOCH;
use crate::code::wire_size::serialised_size;

/// Agent code of one file, without libraries.
fn load(src: &str, seed: u64, start_epoch: u64) -> Result<Agent, CodeError> {
    let code = crate::code::resolve(AGENT_FILE, src, &mut |_| None).expect("no directives");
    Agent::load(&code, seed, start_epoch)
}

fn agent(src: &str) -> (Agent, Budget) {
    let mut a = load(src, 1, DEFAULT_START_EPOCH).expect("compiles");
    let mut budget = Budget::default();
    a.start(Instant::ZERO, &mut budget).unwrap();
    (a, budget)
}

fn events(a: &mut Agent) -> Vec<AgentEvent> {
    std::iter::from_fn(|| a.poll()).collect()
}

fn logs(a: &mut Agent) -> Vec<(u64, String)> {
    events(a)
        .into_iter()
        .filter_map(|e| match e {
            AgentEvent::Call { at, output: AgentOutput::Log { text, .. } } => Some((at.micros / 1000, text)),
            _ => None,
        })
        .collect()
}

/// Runs the agent's event loop until nothing is due.
fn run_all(a: &mut Agent, budget: &mut Budget) {
    while let Some(t) = a.poll_timeout() {
        a.handle_timeout(t, budget).unwrap();
    }
}

#[test]
fn s15_agent_logs_do_not_block_and_carry_the_agent_line() {
    let (mut a, _) = agent("server.log(\"hi\");\n\nserver.error(42);\nserver.log(imp.environment());");
    let ev = events(&mut a);
    let logs: Vec<_> = ev
        .iter()
        .map(|e| match e {
            AgentEvent::Call { at, output: AgentOutput::Log { error, text, file, line } } => (at.micros, *error, text.as_str(), file.as_str(), *line),
            e => panic!("{e:?}"),
        })
        .collect();
    assert_eq!(logs[0], (0, false, "hi", AGENT_FILE, 1));
    assert_eq!(logs[1], (0, true, "42", AGENT_FILE, 3));
    assert_eq!(logs[2].2, "ENVIRONMENT_AGENT", "§15: imp.environment() on the agent");
}

#[test]
fn s15_device_send_returns_null_and_hands_the_value_and_its_wire_size_to_the_model() {
    let (mut a, _) = agent("local r = device.send(\"ack\", {id = 7, ok = true});\nserver.log(r == null);");
    let ev = events(&mut a);
    let AgentEvent::Call { output: AgentOutput::DeviceSend { name, bytes, payload, line, .. }, .. } = &ev[0] else {
        panic!("{ev:?}")
    };
    assert_eq!((name.as_str(), *line), ("ack", 1));
    let want = Payload::Table(vec![
        (Payload::Str(b"id".to_vec()), Payload::Int(7)),
        (Payload::Str(b"ok".to_vec()), Payload::Bool(true)),
    ]);
    assert_eq!(payload, &want);
    // §14 sizes: table 5 + ("id" 7 + int 5) + ("ok" 7 + bool 2).
    assert_eq!(*bytes, 26);
    assert!(matches!(&ev[1], AgentEvent::Call { output: AgentOutput::Log { text, .. }, .. } if text == "true"));
}

#[test]
fn s15_device_send_of_a_function_is_a_runtime_error_naming_the_call() {
    let (mut a, _) = agent("device.send(\"x\", function() {});");
    let ev = events(&mut a);
    assert!(matches!(&ev[..], [AgentEvent::Error { error, line: 1, .. }] if error == "device.send cannot send a value of type 'function'"), "{ev:?}");
}

#[test]
fn s15_payload_size_is_the_device_side_serialised_size() {
    // The same value measured by the device's §14 rule and by the payload that crosses.
    let src = "return [null, true, 1, 2.5, \"abc\", blob(3), {a = [1, 2], b = {c = \"d\"}}];";
    let mut vm = Vm::new(AgentHost::new(0));
    vm.load("t.nut", src).unwrap();
    let Outcome::Finished(v) = vm.run(1_000_000) else { panic!() };
    let p = Payload::from_value(vm.heap(), v).unwrap();
    assert_eq!(p.size(), serialised_size(vm.heap(), v).unwrap());
    // And it rebuilds to an equal value in another heap.
    let mut other = Vm::new(AgentHost::new(0));
    let copy = p.to_value(other.heap_mut()).unwrap();
    assert_eq!(Payload::from_value(other.heap(), copy).unwrap(), p);
}

#[test]
fn s15_a_message_runs_its_device_on_handler_with_the_value_the_device_sent() {
    let (mut a, mut budget) = agent(
        "device.on(\"reading\", function(r) { server.log(r.id + \":\" + r.v + \":\" + r.raw.len()); });",
    );
    let sent = Payload::Table(vec![
        (Payload::Str(b"id".to_vec()), Payload::Int(3)),
        (Payload::Str(b"v".to_vec()), Payload::Float(21.5)),
        (Payload::Str(b"raw".to_vec()), Payload::Blob(vec![1, 2, 3, 4])),
    ]);
    a.receive(Instant::from_millis(1700), 0, "reading".into(), sent);
    assert_eq!(a.poll_timeout(), Some(Instant::from_millis(1700)));
    run_all(&mut a, &mut budget);
    let ev = events(&mut a);
    assert_eq!(ev[0], AgentEvent::Received { at: Instant::from_millis(1700), msg: 0, name: "reading".into() });
    assert!(matches!(&ev[1], AgentEvent::Call { at, output: AgentOutput::Log { text, .. } } if text == "3:21.5:4" && at.micros == 1_700_000), "{ev:?}");
}

#[test]
fn s15_a_message_with_no_handler_for_its_name_is_dropped_with_a_note() {
    let (mut a, mut budget) = agent("device.on(\"a\", function(v) { server.log(v); });");
    a.receive(Instant::from_millis(5), 4, "b".into(), Payload::Int(1));
    run_all(&mut a, &mut budget);
    let ev = events(&mut a);
    assert_eq!(ev, vec![AgentEvent::NoHandler { at: Instant::from_millis(5), msg: 4, name: "b".into() }]);
}

#[test]
fn s14_event_loop_agent_callbacks_run_in_the_order_they_became_due_ties_by_registration() {
    let (mut a, mut budget) = agent(
        "imp.wakeup(2, function() { server.log(\"2s\"); });
         imp.wakeup(1, function() { server.log(\"1s first\"); imp.wakeup(0, function() { server.log(\"1s nested\"); }); });
         imp.wakeup(1, function() { server.log(\"1s second\"); });
         local h = imp.wakeup(1.5, function() { server.log(\"cancelled\"); });
         imp.cancelwakeup(h);
         device.on(\"m\", function(v) { server.log(\"msg \" + v); });",
    );
    // A message due at 2 s, handed in after the 2 s timer was registered: it runs after it.
    a.receive(Instant::from_millis(2000), 0, "m".into(), Payload::Int(9));
    run_all(&mut a, &mut budget);
    let got = logs(&mut a);
    let want: Vec<(u64, String)> =
        [(1000, "1s first"), (1000, "1s second"), (1000, "1s nested"), (2000, "2s"), (2000, "msg 9")]
            .into_iter()
            .map(|(t, s)| (t, s.to_string()))
            .collect();
    assert_eq!(got, want);
    assert_eq!(a.poll_timeout(), None, "nothing left: one-shot timers, cancelled one gone");
}

#[test]
fn s15_time_and_date_with_usec_in_virtual_time() {
    let (mut a, mut budget) = agent(
        "imp.wakeup(86400, function() { imp.wakeup(3661.25, function() { local d = date(); server.log(time() + \" \" + d.day + \" \" + d.hour + \":\" + d.min + \":\" + d.sec + \" \" + d.usec); }); });",
    );
    run_all(&mut a, &mut budget);
    // 2025-01-01T00:00:00Z + 1 day 1 h 1 min 1.25 s.
    assert_eq!(logs(&mut a), vec![(90_061_250, format!("{} 2 1:1:1 250000", DEFAULT_START_EPOCH + 90_061))]);
}

#[test]
fn s15_json_encode_keeps_insertion_order_and_decode_builds_squirrel_values() {
    let (mut a, _) = agent(
        "local s = http.jsonencode({z = 1, a = [true, null, 0.1, \"x\"], m = {k = -2}});
         server.log(s);
         local t = http.jsondecode(\"{\\\"b\\\": 1, \\\"a\\\": [2.5, 3000000000, \\\"s\\\"], \\\"n\\\": null}\");
         local keys = \"\"; foreach (k, v in t) keys += k;
         server.log(keys + \" \" + typeof t.b + \" \" + typeof t.a[0] + \" \" + typeof t.a[1] + \" \" + t.a[2] + \" \" + (t.n == null));
         try { http.jsondecode(\"{oops\"); } catch (e) { server.log(e); }",
    );
    let got = logs(&mut a);
    assert_eq!(got[0].1, r#"{"z":1,"a":[true,null,0.1,"x"],"m":{"k":-2}}"#);
    assert_eq!(got[1].1, "ban integer float float s true");
    assert!(got[2].1.starts_with("http.jsondecode: key must be a string"), "{:?}", got[2]);
}

#[test]
fn s15_other_agent_apis_are_runtime_errors_naming_the_call_and_the_agent_goes_on() {
    let (mut a, mut budget) = agent(
        "imp.wakeup(1, function() { server.log(\"still here\"); });
         http.get(\"http://example.com\").sendsync();",
    );
    run_all(&mut a, &mut budget);
    let ev = events(&mut a);
    assert!(matches!(&ev[0], AgentEvent::Error { error, line: 2, .. } if error == "impnet does not model http.get"), "{ev:?}");
    assert!(matches!(&ev[1], AgentEvent::Call { output: AgentOutput::Log { text, .. }, .. } if text == "still here"));
}

#[test]
fn s14_watchdog_ends_a_runaway_agent_task_and_later_callbacks_still_run() {
    let (mut a, mut budget) = agent(
        "imp.wakeup(1, function() { while (true) {} });
         imp.wakeup(2, function() { server.log(\"after\"); });",
    );
    run_all(&mut a, &mut budget);
    let ev = events(&mut a);
    assert!(matches!(&ev[0], AgentEvent::Error { watchdog: true, line: 1, .. }), "{ev:?}");
    assert!(matches!(&ev[1], AgentEvent::Call { output: AgentOutput::Log { text, .. }, .. } if text == "after"));
    assert!(budget.done().get(Work::Instruction) >= 10_000_000, "the agent's instructions are charged to the run");
}

#[test]
fn issue13_agent_instructions_draw_from_the_run_budget_and_stop_it_when_spent() {
    let mut a = load("local i = 0; while (i < 1000000) i++;", 1, 0).unwrap();
    let mut budget = Budget::new(50_000);
    let e = a.start(Instant::ZERO, &mut budget).unwrap_err();
    assert_eq!(e.work, Work::Instruction);
    assert!(budget.used() <= 50_000);
}

#[test]
fn s15_device_isconnected_answers_the_servers_view() {
    let (mut a, mut budget) = agent("imp.wakeup(1, function() { server.log(device.isconnected()); });\nserver.log(device.isconnected());");
    a.set_device_connected(true);
    run_all(&mut a, &mut budget);
    let got: Vec<String> = logs(&mut a).into_iter().map(|(_, s)| s).collect();
    assert_eq!(got, ["false", "true"]);
}

#[test]
fn s15_agent_code_that_does_not_compile_is_refused_with_file_line_col() {
    let e = load("local x = ;", 0, 0).err().expect("refused");
    assert!(e.to_string().starts_with("agent.nut:1:"), "{e}");
}

#[test]
fn s15_rand_max_is_a_root_constant_as_libraries_expect() {
    // Electric Imp's Messenger computes `_nextId %= RAND_MAX` on both sides.
    let (mut a, _) = agent("server.log(RAND_MAX == math.RAND_MAX);");
    assert_eq!(logs(&mut a), vec![(0, "true".to_string())]);
}

#[test]
fn s14_event_loop_many_timers_run_by_due_time_ties_by_registration_each_a_charged_turn() {
    // 600 timers registered in a scrambled order of due times (0..199 s, three per second).
    let (mut a, mut budget) = agent(
        "for (local i = 0; i < 600; i++) { local k = i; imp.wakeup((i * 7919) % 200, function() { server.log(k); }); }",
    );
    let before = budget.done().get(Work::Turn);
    run_all(&mut a, &mut budget);
    let got: Vec<(u64, u32)> = logs(&mut a).into_iter().map(|(t, k)| (t, k.parse().unwrap())).collect();
    let mut want: Vec<(u64, u32)> = (0..600u32).map(|i| (u64::from(i * 7919 % 200) * 1000, i)).collect();
    want.sort();
    assert_eq!(got, want, "due time, then registration order");
    assert_eq!(budget.done().get(Work::Turn) - before, 600, "one turn per task");
}

#[test]
fn s14_event_loop_a_cancelled_timer_keeps_nothing_due() {
    let (a, _) = agent("local h = imp.wakeup(86000, function() {});\nimp.cancelwakeup(h);\n");
    assert_eq!(a.poll_timeout(), None, "a run is not kept going by a cancelled timer");
}
