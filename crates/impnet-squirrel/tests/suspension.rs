//! The host API (issue 9 item 1): natives that suspend at any call depth and resume with a
//! value, the call-site line of a suspended call, callback handles run as new tasks, fuel.

mod common;
use common::*;
use impnet_squirrel::{Interrupt, Outcome, Value};

#[test]
fn suspends_inside_a_method_inside_a_closure_inside_a_loop() {
    let mut vm = vm();
    vm.load(
        "device.nut",
        r#"
class Sender {
    sent = null;
    constructor() { sent = []; }
    function send(x) {
        local r = wait(x);
        sent.push(r);
        return r;
    }
}
local s = Sender();
local each = function(v) { return s.send(v * 10); };
local total = 0;
for (local i = 1; i <= 3; i++) {
    total += each(i);
}
return [total, s.sent];
"#,
    )
    .unwrap();
    for (i, expect) in [10, 20, 30].iter().enumerate() {
        match vm.run(1_000_000) {
            Outcome::Suspended(Wait::Value(v)) => assert_eq!(v, expect.to_string()),
            other => panic!("expected a suspension, got {other:?}"),
        }
        let at = vm.location().unwrap();
        assert_eq!(
            (&*at.file, at.line, at.function.as_str()),
            ("device.nut", 6, "send")
        );
        let names: Vec<String> = vm.call_stack().into_iter().map(|f| f.function).collect();
        assert_eq!(names, ["send", "unknown", "main"]);
        vm.resume(Value::Int(i as i32 + 1));
    }
    match vm.run(1_000_000) {
        Outcome::Finished(v) => assert_eq!(render(vm.heap(), v), "[6, [1, 2, 3]]"),
        other => panic!("{other:?}"),
    }
    assert!(vm.is_idle());
}

#[test]
fn suspends_inside_a_prelude_callback() {
    // `map` is written in Squirrel: a suspension inside its callback is an ordinary one.
    let mut vm = vm();
    vm.load("t.nut", "return [1, 2].map(@(v) wait(v) + 100);")
        .unwrap();
    let mut n = 0;
    loop {
        match vm.run(1_000_000) {
            Outcome::Suspended(_) => {
                n += 1;
                vm.resume(Value::Int(n));
            }
            Outcome::Finished(v) => {
                assert_eq!(render(vm.heap(), v), "[101, 102]");
                break;
            }
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn resume_error_throws_at_the_call_site() {
    let mut vm = vm();
    vm.load(
        "t.nut",
        "try { wait(1); return \"no\"; } catch (e) { return \"caught: \" + e; }",
    )
    .unwrap();
    assert!(matches!(vm.run(1000), Outcome::Suspended(_)));
    vm.resume_error("link down");
    match vm.run(1000) {
        Outcome::Finished(v) => assert_eq!(render(vm.heap(), v), "\"caught: link down\""),
        other => panic!("{other:?}"),
    }
}

#[test]
fn callback_handle_runs_as_a_new_task() {
    let mut vm = vm();
    let cb_slot = std::rc::Rc::new(std::cell::Cell::new(None));
    let slot = cb_slot.clone();
    vm.register("onevent", move |ctx, args| {
        slot.set(Some(ctx.keep(args[0])));
        Ok(Value::Null)
    })
    .unwrap();
    let out = run_in(
        &mut vm,
        r#"
count <- 0;
class Manager {
    name = "m";
    function start() { onevent(handler.bindenv(this)); }
    function handler(n) { ::count += n; local r = wait(name); return name + r; }
}
Manager().start();
return "main done";
"#,
    )
    .unwrap();
    assert_eq!(render(vm.heap(), out), "\"main done\"");
    // The main task is over: the callback survives only through its handle.
    vm.collect_garbage();
    let h = cb_slot.get().expect("callback kept");
    vm.start_handle(h, &[Value::Int(5)]).unwrap();
    assert!(
        vm.start_handle(h, &[Value::Int(5)]).is_err(),
        "one task at a time"
    );
    match vm.run(1_000_000) {
        Outcome::Suspended(Wait::Value(v)) => assert_eq!(v, "\"m\""),
        other => panic!("{other:?}"),
    }
    assert_eq!(vm.location().unwrap().line, 6);
    let s = vm.heap_mut().str("!").unwrap();
    vm.resume(s);
    match vm.run(1_000_000) {
        Outcome::Finished(v) => assert_eq!(render(vm.heap(), v), "\"m!\""),
        other => panic!("{other:?}"),
    }
    let count = vm.heap().get_field(vm.root(), "count").unwrap();
    assert_eq!(count, Value::Int(5));
    assert!(vm.release(h).is_some());
}

#[test]
fn a_throwing_callback_ends_only_its_task() {
    let mut vm = vm();
    let f = vm
        .compile("cb.nut", "local x = {}; return x.nope;")
        .unwrap();
    let h = vm.keep(f);
    vm.start_handle(h, &[]).unwrap();
    match vm.run(1000) {
        Outcome::Error(e) => {
            assert_eq!(e.message, "the index 'nope' does not exist");
            assert_eq!((e.file.as_str(), e.line), ("cb.nut", 1));
        }
        other => panic!("{other:?}"),
    }
    assert!(vm.is_idle());
    vm.start_handle(h, &[]).unwrap();
    assert!(matches!(vm.run(1000), Outcome::Error(_)));
}

#[test]
fn fuel_splits_a_task_into_runs() {
    let mut vm = vm();
    vm.load(
        "t.nut",
        "local s = 0; for (local i = 0; i < 1000; i++) s += i; return s;",
    )
    .unwrap();
    let mut runs = 0;
    let result = loop {
        runs += 1;
        match vm.run(100) {
            Outcome::OutOfFuel => continue,
            Outcome::Finished(v) => break v,
            other => panic!("{other:?}"),
        }
    };
    assert_eq!(result, Value::Int(499500));
    assert!(runs > 20, "{runs} runs of 100 instructions");
    // Every run but the last spent exactly its 100 instructions.
    let used = vm.task_instructions();
    assert!(
        used > (runs - 1) * 100 && used <= runs * 100,
        "{used} instructions in {runs} runs"
    );
}

#[test]
fn natives_in_tables_and_classes_see_this_and_line() {
    let mut vm = vm();
    let server = vm.new_global_table("server").unwrap();
    vm.register_in(server, "log", |ctx, args| {
        let line = ctx.line();
        let text = ctx.to_string(args[0]);
        let is_server = ctx.heap.get_field(ctx.this(), "kind").is_some();
        ctx.host.printed.push(format!("{line}:{text}:{is_server}"));
        Ok(Value::Null)
    })
    .unwrap();
    let kind = vm.heap_mut().str("server").unwrap();
    vm.set_slot(server, "kind", kind).unwrap();
    run_in(&mut vm, "server.log(\"a\");\n\nserver.log(1 + 1);").unwrap();
    assert_eq!(vm.host.printed, ["1:a:true", "3:2:true"]);
}

#[test]
fn a_native_error_is_catchable_with_its_message() {
    let mut vm = vm();
    vm.register("fail", |_, _| {
        Err(Interrupt::Error("device says no".into()))
    })
    .unwrap();
    let v = run_in(&mut vm, "try { fail(); } catch (e) { return e; }").unwrap();
    assert_eq!(render(vm.heap(), v), "\"device says no\"");
}

#[test]
fn import_copies_plain_data_into_another_vm() {
    // How `nv` survives a restart: deep copy into the new VM, cycles and sharing kept.
    let mut old = vm();
    let v = run_in(
        &mut old,
        "local t = {n = 1, s = \"x\", list = [1, 2.5, null], f = function() {}}; t.me <- t; return t;",
    )
    .unwrap();
    let mut new = vm();
    let copy = new.heap_mut().import(old.heap(), v).unwrap();
    new.set_slot(new.root(), "nv", copy).unwrap();
    let out = run_in(&mut new, "return [nv.n, nv.s, nv.list, nv.f, nv.me == nv];").unwrap();
    assert_eq!(
        render(new.heap(), out),
        "[1, \"x\", [1, 2.5, null], null, true]"
    );
}

#[test]
fn abort_ends_a_suspended_task_and_keeps_globals() {
    let mut vm = vm();
    vm.load("t.nut", "g <- 1; wait(0); g = 2;").unwrap();
    assert!(matches!(vm.run(1000), Outcome::Suspended(_)));
    vm.abort();
    assert!(vm.is_idle());
    let v = run_in(&mut vm, "return g;").unwrap();
    assert_eq!(v, Value::Int(1));
}

/// Two VMs with hosts of different types, in one program, suspending in turn: each native sees
/// its own host and each run hands back its own payload (issue 10 item 6: the VM's body is
/// shared by every host type, the host and the payload travel through it type-erased).
#[test]
fn vms_with_different_hosts_keep_their_own_host_and_payload() {
    use impnet_squirrel::{Host, Vm};
    struct Counter(u32);
    impl Host for Counter {
        type Suspend = u32;
    }
    struct Named(&'static str);
    impl Host for Named {
        type Suspend = String;
    }
    let mut counter = Vm::new(Counter(0));
    counter
        .register("tick", |ctx, _| {
            ctx.host.0 += 1;
            Err(Interrupt::Suspend(ctx.host.0))
        })
        .unwrap();
    let mut named = Vm::new(Named("agent"));
    named
        .register("ask", |ctx, args| {
            let q = ctx.to_string(args[0]);
            Err(Interrupt::Suspend(format!("{}:{q}", ctx.host.0)))
        })
        .unwrap();
    counter.load("a.nut", "local s = 0; for (local i = 0; i < 3; i++) s += tick(); return s").unwrap();
    named.load("b.nut", "return ask(\"x\") + ask(\"y\")").unwrap();
    for i in 1..=3 {
        let Outcome::Suspended(n) = counter.run(1_000) else { panic!("tick {i} did not suspend") };
        assert_eq!(n, i);
        counter.resume(Value::Int(n as i32 * 10));
        if i < 3 {
            let Outcome::Suspended(q) = named.run(1_000) else { panic!("ask {i} did not suspend") };
            assert_eq!(q, if i == 1 { "agent:x" } else { "agent:y" });
            let s = named.heap_mut().str(&q).unwrap();
            named.resume(s);
        }
    }
    let Outcome::Finished(v) = counter.run(1_000) else { panic!("the counter did not finish") };
    assert_eq!(v, Value::Int(60));
    let Outcome::Finished(v) = named.run(1_000) else { panic!("the asker did not finish") };
    assert_eq!(impnet_squirrel::to_display(named.heap(), v), "agent:xagent:y");
    assert_eq!(counter.host.0, 3);
}
