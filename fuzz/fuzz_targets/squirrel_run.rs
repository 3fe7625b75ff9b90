//! Any program that compiles runs under small limits (100 000 instructions per task, 4 MiB of
//! heap) to an end: finished, or a runtime error. Never a panic, a hang or unbounded memory.
//! A native `wait(x)` suspends and is resumed with `x`, so suspension is fuzzed too; callbacks
//! kept with `keep(f)` then run as tasks of their own.
#![no_main]

use impnet_squirrel::{Handle, Host, Interrupt, Limits, Outcome, Vm};
use libfuzzer_sys::fuzz_target;

struct FuzzHost {
    kept: Vec<Handle>,
}

impl Host for FuzzHost {
    type Suspend = impnet_squirrel::Value;
}

fn drive(vm: &mut Vm<FuzzHost>) {
    // Each task is bounded by its instruction limit; suspensions are bounded by the same count.
    for _ in 0..10_000 {
        match vm.run(10_000) {
            Outcome::Suspended(v) => vm.resume(v),
            Outcome::OutOfFuel => {}
            Outcome::Finished(_) | Outcome::Error(_) => return,
        }
    }
    panic!("a task neither finished nor failed");
}

fuzz_target!(|data: &[u8]| {
    let src = String::from_utf8_lossy(data);
    let mut vm = Vm::new(FuzzHost { kept: vec![] });
    vm.set_limits(Limits { task_instructions: 100_000, heap_bytes: 4 << 20, call_depth: 200 });
    vm.register("wait", |_, args| Err(Interrupt::Suspend(args.first().copied().unwrap_or(impnet_squirrel::Value::Null))))
        .unwrap();
    vm.register("keep", |ctx, args| {
        if let Some(f) = args.first() {
            let h = ctx.keep(*f);
            ctx.host.kept.push(h);
        }
        Ok(impnet_squirrel::Value::Null)
    })
    .unwrap();
    if vm.load("fuzz.nut", &src).is_err() {
        return;
    }
    drive(&mut vm);
    let kept = std::mem::take(&mut vm.host.kept);
    for h in kept.into_iter().take(8) {
        vm.collect_garbage();
        if vm.start_handle(h, &[impnet_squirrel::Value::Int(1)]).is_ok() {
            drive(&mut vm);
        }
    }
    assert!(vm.heap().bytes() <= 4 << 20);
});
