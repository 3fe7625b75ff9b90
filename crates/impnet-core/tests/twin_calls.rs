//! SPEC §14 twins, before the device model runs them: every preset's `presets/<id>.nut`
//! compiles and, against a stand-in model where every call succeeds, makes exactly the calls
//! of its step list (the same `Call` values: names, sizes, policies, addresses, seconds) in
//! the same order. The imp API natives (`code::natives`) build those `Call`s; the full trace
//! comparison against the device model comes with the program binding (issue #9).

use impnet_core::code::natives::{install, DeviceHost, ModelCall};
use impnet_core::presets;
use impnet_core::scenario::{parse_toml, Call};
use impnet_squirrel::{Handle, Outcome, Value, Vm};

/// What the stand-in model answers: success everywhere, wakeups run in time order.
fn calls_of(source: &str) -> Vec<Call> {
    let mut vm = Vm::new(DeviceHost::default());
    install(&mut vm);
    vm.load("twin.nut", source).expect("compiles");
    let mut calls = Vec::new();
    let mut timers: Vec<(u64, u64, Handle)> = Vec::new();
    let mut seq = 0;
    loop {
        loop {
            match vm.run(10_000_000) {
                Outcome::Suspended(m) => {
                    let reply = answer(&mut vm, &m, &mut timers, &mut seq);
                    calls.push(m.call);
                    vm.resume(reply);
                }
                Outcome::Finished(_) => break,
                Outcome::Error(e) => panic!("runtime error: {e}"),
                Outcome::OutOfFuel => panic!("ran out of fuel"),
            }
        }
        timers.sort();
        if timers.is_empty() {
            return calls;
        }
        let (due, _, h) = timers.remove(0);
        vm.host.now_us = due;
        vm.start_handle(h, &[]).unwrap();
    }
}

fn answer(vm: &mut Vm<DeviceHost>, m: &ModelCall, timers: &mut Vec<(u64, u64, Handle)>, seq: &mut u64) -> Value {
    match &m.call {
        Call::AgentSend { .. } | Call::ServerLog { .. } | Call::ServerError { .. } | Call::UdpSend { .. } => Value::Int(0),
        Call::SetSendBufferSize { .. } => Value::Int(3456),
        Call::ServerFlush { .. } | Call::ServerIsConnected => Value::Bool(true),
        Call::ImpWakeup { seconds } => {
            *seq += 1;
            if let Some(h) = m.callback {
                timers.push((vm.host.now_us + (seconds * 1e6) as u64, *seq, h));
            }
            Value::Int(*seq as i32)
        }
        Call::OpenUdp { .. } => vm.handle(m.object.unwrap()).unwrap(),
        _ => Value::Null,
    }
}

fn step_calls(toml: &str) -> Vec<Call> {
    let sc = parse_toml(toml).unwrap();
    sc.steps.iter().flat_map(|s| std::iter::repeat_n(s.call.clone(), s.repeat as usize)).collect()
}

#[test]
fn section14_every_preset_has_a_twin_that_compiles() {
    for p in presets::ALL {
        if let Err(e) = impnet_squirrel::check(&format!("{}.nut", p.id), p.twin) {
            panic!("{e}");
        }
    }
}

#[test]
fn section14_twins_make_the_step_lists_calls_in_order() {
    for p in presets::ALL {
        let mut want = step_calls(p.toml);
        if p.id == "udp-validation-failures" {
            // Its first step sends before any socket exists: Squirrel has no socket to call
            // `send` on, so the twin starts at the second step (see the .nut's comment).
            want.remove(0);
        }
        assert_eq!(calls_of(p.twin), want, "{}: the twin's calls differ from the step list's", p.id);
    }
}
